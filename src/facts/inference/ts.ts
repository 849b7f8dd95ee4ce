import type { ParameterDeclaration, SourceFile, ts } from 'ts-morph';
import { Node, SyntaxKind, tsc } from '../../parse/ts-morph.js';
import type { FileModel } from '../../model/file-model.js';
import { tsSpan, type TsImport, type TsModule } from '../../parse/typescript.js';
import { tsString } from '../values.js';
import type { Span } from '../../types.js';
import { anonymousName, bestValue, httpSpec, isClient, langchainChain, markOpen, MODULE_FN, openSpreads, pick, pipelineKind } from './common.js';
import type { FileAnalyzer, InferenceContext, Memo } from './context.js';
import type { MethodInfo } from './sdks.js';
import { siteFields, type ArgExpr, type ArgMap, type CallEdge, type ClientOrigin, type FunctionInfo, type InferenceKind, type SiteSpec, type TsSite } from './types.js';
import { replaceEnclosed, trimTrailing } from '../../util/text.js';
import { descendantsOfKind, visitNodes, walkTs } from '../../parse/walk.js';

/** What an expression evaluates to, as far as the analysis needs to know. */
export type TsValue =
  | { t: 'client'; type: string; origin: ClientOrigin; path: string[]; confidence: 'high' | 'medium' }
  /** An axios instance (`axios.create({ baseURL })`). */
  | { t: 'http'; origin: ClientOrigin; path: string[] }
  | { t: 'extern'; module: string; name: string }
  | { t: 'global'; name: string }
  | { t: 'fn'; path: string; node: Node }
  | { t: 'class'; path: string; node: Node }
  | { t: 'instance'; path: string; node: Node }
  /** An object literal (a CommonJS service object, `export default { ask() {} }`): its members are looked up. */
  | { t: 'object'; path: string; node: Node }
  | { t: 'module'; path: string };

type Decl =
  | { k: 'expr'; node: Node }
  | { k: 'param'; node: ParameterDeclaration; fn: Node }
  | { k: 'fn'; node: Node }
  | { k: 'class'; node: Node }
  | { k: 'import'; imp: TsImport }
  | { k: 'bind'; init: Node; prop: string }
  /** `const { a, ...rest } = init`: the properties of `init` but `omit`. */
  | { k: 'rest'; init: Node; omit: string[] }
  | { k: 'annot'; node: Node };

const MAX_DEPTH = 14;
const FETCH_MODULES = new Set(['node-fetch', 'undici', 'cross-fetch', 'isomorphic-fetch', 'isomorphic-unfetch', 'ofetch']);
/** Callees never worth resolving. */
const SKIP_ROOTS = new Set(['console', 'JSON', 'Math', 'Object', 'Array', 'Promise', 'String', 'Number', 'Date', 'Reflect', 'Symbol', 'process', 'Buffer', 'Response', 'NextResponse', 'z', 'React']);

export function isFunctionLike(n: Node): boolean {
  return (
    Node.isFunctionDeclaration(n) ||
    Node.isArrowFunction(n) ||
    Node.isFunctionExpression(n) ||
    Node.isMethodDeclaration(n) ||
    Node.isConstructorDeclaration(n) ||
    Node.isGetAccessorDeclaration(n) ||
    Node.isSetAccessorDeclaration(n)
  );
}

function isFnLikeC(n: ts.Node): boolean {
  return (
    tsc.isFunctionDeclaration(n) ||
    tsc.isArrowFunction(n) ||
    tsc.isFunctionExpression(n) ||
    tsc.isMethodDeclaration(n) ||
    tsc.isConstructorDeclaration(n) ||
    tsc.isGetAccessor(n) ||
    tsc.isSetAccessor(n)
  );
}

function unwrap(n: Node): Node {
  let cur = n;
  for (;;) {
    if (
      Node.isParenthesizedExpression(cur) ||
      Node.isAsExpression(cur) ||
      Node.isNonNullExpression(cur) ||
      Node.isSatisfiesExpression(cur) ||
      Node.isTypeAssertion(cur) ||
      Node.isAwaitExpression(cur)
    ) {
      cur = cur.getExpression();
    } else return cur;
  }
}

function propName(n: Node | undefined): string | undefined {
  if (!n) return undefined;
  if (Node.isIdentifier(n) || Node.isPrivateIdentifier(n)) return n.getText();
  if (Node.isStringLiteral(n) || Node.isNoSubstitutionTemplateLiteral(n) || Node.isNumericLiteral(n)) return n.getLiteralText();
  return undefined;
}

/**
 * Inference call sites of one TS/JS file, with the clients they use tracked through the code:
 * import aliases, clients exported from other modules, `this.client`, factories, annotated
 * parameters (and un-annotated ones, from their callers), LangChain chains.
 */
export class TsInference implements FileAnalyzer {
  readonly mod: TsModule;
  readonly sf: SourceFile;
  private readonly values: Memo<Node, TsValue> = new Map();
  private readonly scopes = new Map<Node, Map<string, Decl[]>>();
  private readonly members: Memo<string, TsValue> = new Map();
  private readonly returns: Memo<Node, TsValue> = new Map();
  private readonly fnInfos = new Map<Node, FunctionInfo>();
  private _sites?: TsSite[];
  private _calls?: Node[];
  private _edges?: CallEdge[];
  private edgesBusy = false;
  private edgesTries = 0;
  private depth = 0;

  constructor(
    readonly file: FileModel,
    readonly ctx: InferenceContext,
  ) {
    this.mod = file.ts() as TsModule;
    this.sf = this.mod.source;
  }

  /** The ts-morph node of a compiler node of this file. */
  wrap(n: ts.Node): Node {
    const w = (this.sf as unknown as { _getNodeFromCompilerNode?(x: ts.Node): Node })._getNodeFromCompilerNode;
    if (w) return w.call(this.sf, n);
    const start = n.getStart(this.sf.compilerNode);
    return this.sf.getDescendantAtStartWithWidth(start, n.end - start) ?? this.sf;
  }

  // ---------------------------------------------------------------- scopes

  private scopeOf(owner: Node): Map<string, Decl[]> {
    let m = this.scopes.get(owner);
    if (m) return m;
    m = new Map();
    this.scopes.set(owner, m);
    const add = (name: string, d: Decl): void => {
      const list = m.get(name);
      if (list) list.push(d);
      else m.set(name, [d]);
    };
    if (Node.isSourceFile(owner)) {
      for (const imp of this.mod.imports()) add(imp.local, { k: 'import', imp });
    } else if (isFunctionLike(owner)) {
      for (const p of (owner as unknown as { getParameters(): ParameterDeclaration[] }).getParameters()) {
        const nameNode = p.getNameNode();
        if (Node.isIdentifier(nameNode)) add(nameNode.getText(), { k: 'param', node: p, fn: owner });
      }
    }
    const cOwner = owner.compilerNode;
    const body: ts.Node | undefined = tsc.isSourceFile(cOwner) ? cOwner : (cOwner as ts.FunctionLikeDeclaration).body;
    if (!body || (!tsc.isSourceFile(body) && !tsc.isBlock(body))) return m;
    const reassigned = new Set<string>();
    const w = (n: ts.Node): Node => this.wrap(n);
    // Statements as compiler nodes; only what a declaration points to is wrapped.
    forEachStatementC(body, (st) => {
      if (tsc.isFunctionDeclaration(st)) {
        if (st.name) add(st.name.text, { k: 'fn', node: w(st) });
      } else if (tsc.isClassDeclaration(st)) {
        if (st.name) add(st.name.text, { k: 'class', node: w(st) });
      } else if (tsc.isVariableStatement(st) || tsc.isVariableDeclarationList(st)) {
        const list = tsc.isVariableStatement(st) ? st.declarationList : st;
        for (const c of list.declarations) {
          if (tsc.isIdentifier(c.name)) {
            const name = c.name.text;
            if (c.initializer) add(name, { k: 'expr', node: w(c.initializer) });
            if (c.type) add(name, { k: 'annot', node: w(c.type) });
            if (!c.initializer && tsc.isSourceFile(cOwner)) reassigned.add(name);
          } else if (tsc.isObjectBindingPattern(c.name) && c.initializer) {
            const init = w(c.initializer);
            for (const el of c.name.elements) {
              if (!tsc.isIdentifier(el.name)) continue;
              if (el.dotDotDotToken) {
                const omit = c.name.elements
                  .filter((o) => o !== el)
                  .map((o) => (o.propertyName && (tsc.isIdentifier(o.propertyName) || tsc.isStringLiteral(o.propertyName)) ? o.propertyName.text : tsc.isIdentifier(o.name) ? o.name.text : ''));
                add(el.name.text, { k: 'rest', init, omit });
                continue;
              }
              const pn = el.propertyName;
              const prop = pn && (tsc.isIdentifier(pn) || tsc.isStringLiteral(pn)) ? pn.text : el.name.text;
              add(el.name.text, { k: 'bind', init, prop });
            }
          }
        }
      } else if (tsc.isExpressionStatement(st)) {
        const e = st.expression;
        if (tsc.isBinaryExpression(e) && ASSIGN_OPS().has(e.operatorToken.kind) && tsc.isIdentifier(e.left)) add(e.left.text, { k: 'expr', node: w(e.right) });
      }
    });
    // `let cached; function get() { cached ??= new OpenAI(); return cached; }`: module variables
    // declared without a value take the values assigned to them in functions.
    if (reassigned.size > 0) {
      for (const b of descendantsOfKind(owner, SyntaxKind.BinaryExpression)) {
        const left = b.getLeft();
        if (!Node.isIdentifier(left) || !reassigned.has(left.getText()) || !ASSIGN_OPS().has(b.getOperatorToken().getKind())) continue;
        const fn = b.getFirstAncestor((a) => isFunctionLike(a));
        if (fn && !this.scopeOf(fn).has(left.getText())) add(left.getText(), { k: 'expr', node: b.getRight() });
      }
    }
    return m;
  }

  /** The value a name has at a node, looking through the enclosing scopes. */
  resolveIdent(name: string, at: Node): TsValue | undefined {
    // Walk compiler parents and wrap only the scopes: wrapping every ancestor is slow.
    for (let cn: ts.Node | undefined = at.compilerNode; cn; cn = cn.parent) {
      if (isFnLikeC(cn) || cn.kind === SyntaxKind.SourceFile) {
        const decls = this.scopeOf(this.wrap(cn)).get(name);
        // A value assigned says more than a type annotation: annotations last.
        if (decls) return bestValue([...decls.filter((d) => d.k !== 'annot'), ...decls.filter((d) => d.k === 'annot')].map((d) => this.declValue(d)));
      }
    }
    return { t: 'global', name };
  }

  private declValue(d: Decl): TsValue | undefined {
    switch (d.k) {
      case 'expr':
        return this.valueOf(d.node);
      case 'param':
        return this.paramValue(d.node, d.fn);
      case 'fn':
        return { t: 'fn', path: this.file.path, node: d.node };
      case 'class':
        return { t: 'class', path: this.file.path, node: d.node };
      case 'import':
        return this.importValue(d.imp);
      case 'bind':
        return this.member(this.valueOf(d.init), d.prop);
      case 'rest':
        return this.valueOf(d.init);
      case 'annot':
        return this.annotationValue(d.node);
    }
  }

  private importValue(imp: TsImport): TsValue | undefined {
    const resolved = this.ctx.project.index.resolveTs(this.file.path, imp.module);
    if (resolved) {
      if (imp.imported === '*') return { t: 'module', path: resolved };
      return this.ctx.tsAt(resolved)?.exportValue(imp.imported) ?? undefined;
    }
    const inst = this.ctx.k.tsEntry('instances', imp.module, imp.imported);
    if (inst?.type) {
      const origin: ClientOrigin = {
        via: 'module-instance',
        path: this.file.path,
        span: imp.span,
        className: imp.imported === 'default' ? imp.local : imp.imported,
        module: imp.module,
        wrappers: [],
        args: new Map(),
      };
      return { t: 'client', type: inst.type, origin, path: [], confidence: 'high' };
    }
    return { t: 'extern', module: imp.module, name: imp.imported };
  }

  /** The value a module exports under `name` (`default` for the default export). */
  exportValue(name: string, seen = new Set<string>()): TsValue | undefined {
    if (seen.has(`${this.file.path}#${name}`)) return undefined;
    seen.add(`${this.file.path}#${name}`);
    const sf = this.sf;
    for (const st of sf.getStatements()) {
      if (name === 'default' && Node.isExportAssignment(st)) return this.valueOf(st.getExpression());
      // hasExportKeyword, not isExported(): the latter builds a type-checked program.
      if ((Node.isFunctionDeclaration(st) || Node.isClassDeclaration(st)) && st.hasExportKeyword()) {
        const matches = name === 'default' ? st.hasDefaultKeyword() : st.getName() === name && !st.hasDefaultKeyword();
        if (matches) return Node.isFunctionDeclaration(st) ? { t: 'fn', path: this.file.path, node: st } : { t: 'class', path: this.file.path, node: st };
      }
      if (Node.isVariableStatement(st) && st.hasExportKeyword()) {
        for (const d of st.getDeclarations()) {
          if (d.getName() === name) {
            const init = d.getInitializer();
            return init ? this.valueOf(init) : undefined;
          }
        }
      }
      if (Node.isExportDeclaration(st)) {
        const spec = st.getModuleSpecifierValue();
        const target = spec ? this.ctx.project.index.resolveTs(this.file.path, spec) : undefined;
        if (st.isNamespaceExport() || st.getNamedExports().length === 0) {
          // export * from './x'
          if (target) {
            const v = this.ctx.tsAt(target)?.exportValue(name, seen);
            if (v) return v;
          }
          continue;
        }
        for (const ne of st.getNamedExports()) {
          const exported = ne.getAliasNode()?.getText() ?? ne.getName();
          if (exported !== name) continue;
          if (spec) {
            if (target) return this.ctx.tsAt(target)?.exportValue(ne.getName(), seen);
            return { t: 'extern', module: spec, name: ne.getName() };
          }
          return this.resolveIdent(ne.getName(), sf);
        }
      }
      // CommonJS: module.exports = { a, b }; module.exports.a = ...; exports.a = ...
      if (Node.isExpressionStatement(st)) {
        const e = st.getExpression();
        if (Node.isBinaryExpression(e) && e.getOperatorToken().getKind() === SyntaxKind.EqualsToken) {
          const left = e.getLeft().getText().replace(/\s+/g, '');
          const right = e.getRight();
          if (left === 'module.exports') {
            if (Node.isObjectLiteralExpression(right)) {
              for (const p of right.getProperties()) {
                if (Node.isShorthandPropertyAssignment(p) && p.getName() === name) return this.resolveIdent(name, sf);
                if (Node.isPropertyAssignment(p) && propName(p.getNameNode()) === name) return this.valueOf(p.getInitializer());
              }
            } else if (name === 'default') return this.valueOf(right);
            else {
              // module.exports = service, where `service` is an object: require('./x').ask is its member.
              const v = this.valueOf(right);
              if (v?.t === 'object') return this.member(v, name);
            }
          }
          if (left === `module.exports.${name}` || left === `exports.${name}`) return this.valueOf(right);
        }
      }
    }
    return undefined;
  }

  // ---------------------------------------------------------------- values

  /** What an expression evaluates to; undefined when unknown. */
  valueOf(e: Node | undefined): TsValue | undefined {
    if (!e || this.depth > MAX_DEPTH) return undefined;
    return this.ctx.memo(this.values, e, () => {
      this.depth++;
      try {
        return this.compute(e);
      } finally {
        this.depth--;
      }
    });
  }

  private compute(e0: Node): TsValue | undefined {
    const e = unwrap(e0);
    if (e !== e0) return this.valueOf(e);
    if (Node.isIdentifier(e)) return this.resolveIdent(e.getText(), e);
    if (e.getKind() === SyntaxKind.ThisKeyword) {
      // `this` in a method of an object literal is the object; in a class, an instance.
      const owner = e.getFirstAncestor(
        (a) => Node.isClassDeclaration(a) || Node.isClassExpression(a) || ((Node.isMethodDeclaration(a) || Node.isGetAccessorDeclaration(a)) && Node.isObjectLiteralExpression(a.getParent())),
      );
      if (owner && !Node.isClassDeclaration(owner) && !Node.isClassExpression(owner)) {
        const obj = owner.getParent();
        return obj ? { t: 'object', path: this.file.path, node: obj } : undefined;
      }
      return owner ? { t: 'instance', path: this.file.path, node: owner } : undefined;
    }
    if (Node.isObjectLiteralExpression(e)) return { t: 'object', path: this.file.path, node: e };
    if (Node.isPropertyAccessExpression(e)) return this.member(this.valueOf(e.getExpression()), e.getName());
    if (Node.isElementAccessExpression(e)) {
      const arg = e.getArgumentExpression();
      const key = arg && (Node.isStringLiteral(arg) || Node.isNoSubstitutionTemplateLiteral(arg)) ? arg.getLiteralValue() : undefined;
      return key ? this.member(this.valueOf(e.getExpression()), key) : undefined;
    }
    if (Node.isCallExpression(e)) return this.callValue(e);
    if (Node.isNewExpression(e)) return this.newValue(e);
    if (Node.isConditionalExpression(e)) return bestValue([this.valueOf(e.getWhenTrue()), this.valueOf(e.getWhenFalse())]);
    if (Node.isBinaryExpression(e)) {
      const op = e.getOperatorToken().getKind();
      if (op === SyntaxKind.QuestionQuestionToken || op === SyntaxKind.BarBarToken || op === SyntaxKind.AmpersandAmpersandToken) {
        return bestValue([this.valueOf(e.getLeft()), this.valueOf(e.getRight())]);
      }
      if (op === SyntaxKind.EqualsToken) return this.valueOf(e.getRight());
      return undefined;
    }
    if (Node.isArrowFunction(e) || Node.isFunctionExpression(e)) return { t: 'fn', path: this.file.path, node: e };
    if (Node.isClassExpression(e)) return { t: 'class', path: this.file.path, node: e };
    return undefined;
  }

  /** `v.name`. */
  member(v: TsValue | undefined, name: string): TsValue | undefined {
    if (!v) return undefined;
    switch (v.t) {
      case 'client':
        return { ...v, path: [...v.path, name] };
      case 'http':
        return { ...v, path: [...v.path, name] };
      case 'extern':
        return { t: 'extern', module: v.module, name: v.name === '*' ? name : `${v.name}.${name}` };
      case 'module':
        return this.ctx.tsAt(v.path)?.exportValue(name);
      case 'instance':
      case 'class':
        return this.ctx.tsAt(v.path)?.memberValue(v.node, name);
      case 'object':
        return this.ctx.tsAt(v.path)?.objectMember(v.node, name);
      case 'global':
        return v.name === 'globalThis' || v.name === 'window' || v.name === 'self' ? { t: 'global', name } : { t: 'global', name: `${v.name}.${name}` };
      default:
        return undefined;
    }
  }

  /** A member of an object literal of this file: a property, a shorthand property, a method or a getter. */
  objectMember(obj: Node, name: string): TsValue | undefined {
    if (!Node.isObjectLiteralExpression(obj)) return undefined;
    for (const p of obj.getProperties()) {
      if (Node.isPropertyAssignment(p) && propName(p.getNameNode()) === name) return this.valueOf(p.getInitializer());
      if (Node.isShorthandPropertyAssignment(p) && p.getName() === name) return this.resolveIdent(name, p);
      if (Node.isMethodDeclaration(p) && propName(p.getNameNode()) === name) return { t: 'fn', path: this.file.path, node: p };
      if (Node.isGetAccessorDeclaration(p) && propName(p.getNameNode()) === name) return this.returnValue(p);
    }
    return undefined;
  }

  /** A member of a class of this file: property, parameter property, `this.x =` assignment, getter, method, or inherited. */
  memberValue(cls: Node, name: string): TsValue | undefined {
    const key = `${cls.getStart()}#${name}`;
    return this.ctx.memo(this.members, key, () => this.computeMember(cls, name));
  }

  private computeMember(cls: Node, name: string): TsValue | undefined {
    if (!Node.isClassDeclaration(cls) && !Node.isClassExpression(cls)) return undefined;
    const candidates: Array<TsValue | undefined> = [];
    for (const m of cls.getMembers()) {
      if (Node.isPropertyDeclaration(m) && m.getName() === name) {
        const init = m.getInitializer();
        if (init) candidates.push(this.valueOf(init));
        const t = m.getTypeNode();
        if (t) candidates.push(this.annotationValue(t));
      } else if (Node.isConstructorDeclaration(m)) {
        for (const p of m.getParameters()) if (p.isParameterProperty() && p.getName() === name) candidates.push(this.paramValue(p, m));
      } else if (Node.isGetAccessorDeclaration(m) && m.getName() === name) {
        candidates.push(this.returnValue(m));
      } else if (Node.isMethodDeclaration(m) && m.getName() === name) {
        candidates.push({ t: 'fn', path: this.file.path, node: m });
      }
    }
    for (const right of this.thisAssignments(cls).get(name) ?? []) candidates.push(this.valueOf(right));
    const found = bestValue(candidates);
    if (found) return found;
    const ext = Node.isClassDeclaration(cls) || Node.isClassExpression(cls) ? cls.getExtends() : undefined;
    if (ext) {
      const base = this.valueOf(ext.getExpression());
      if (base?.t === 'class') return this.ctx.tsAt(base.path)?.memberValue(base.node, name);
    }
    return undefined;
  }

  private readonly thisAssigns = new Map<Node, Map<string, Node[]>>();

  /** `this.x = ...` assignments anywhere in a class, by property name. */
  private thisAssignments(cls: Node): Map<string, Node[]> {
    let m = this.thisAssigns.get(cls);
    if (m) return m;
    m = new Map();
    if (cls.getText().includes('this.')) {
      for (const b of descendantsOfKind(cls, SyntaxKind.BinaryExpression)) {
        if (b.getOperatorToken().getKind() !== SyntaxKind.EqualsToken) continue;
        const left = b.getLeft();
        if (Node.isPropertyAccessExpression(left) && left.getExpression().getKind() === SyntaxKind.ThisKeyword) {
          const list = m.get(left.getName()) ?? [];
          list.push(b.getRight());
          m.set(left.getName(), list);
        }
      }
    }
    this.thisAssigns.set(cls, m);
    return m;
  }

  /** What a function returns (first client among its return statements). */
  returnValue(fn: Node): TsValue | undefined {
    return this.ctx.memo(this.returns, fn, () => this.computeReturn(fn));
  }

  /** The expressions a function of this file returns (an arrow's expression body included), nested functions left out. */
  returnNodes(fn: Node): Node[] {
    const exprs: Node[] = [];
    if (Node.isArrowFunction(fn)) {
      const body = fn.getBody();
      if (!Node.isBlock(body)) exprs.push(body);
    }
    const body = (fn.compilerNode as ts.FunctionLikeDeclaration).body;
    if (body && tsc.isBlock(body)) {
      forEachStatementC(body, (st) => {
        if (tsc.isReturnStatement(st) && st.expression) exprs.push(this.wrap(st.expression));
      });
    }
    return exprs;
  }

  private computeReturn(fn: Node): TsValue | undefined {
    return bestValue(this.returnNodes(fn).map((x) => this.valueOf(x)));
  }

  private readonly choiceMemo = new Map<Node, TsValue[]>();

  /**
   * Every value an expression may hold when a factory of the repository picks one of several at
   * run time (`switch (provider) { case 'openai': return new OpenAiLLM(); case 'ollama': return
   * new OllamaLLM(); }`), followed through variables, destructuring, awaited calls and object
   * literals the factories return (`return { connector: getLLMProvider() }`). `valueOf` keeps
   * one of them; this keeps them all (at most 64), for calls made on the result.
   */
  choices(e0: Node, depth = 0): TsValue[] {
    const hit = this.choiceMemo.get(e0);
    if (hit) return hit;
    this.choiceMemo.set(e0, []); // cycle guard
    const out = depth > 6 ? [] : this.computeChoices(e0, depth);
    const uniq: TsValue[] = [];
    const seen = new Set<unknown>();
    for (const v of out) {
      const k = 'node' in v ? v.node : v;
      if (seen.has(k) || uniq.length >= 64) continue;
      seen.add(k);
      uniq.push(v);
    }
    this.choiceMemo.set(e0, uniq);
    return uniq;
  }

  private computeChoices(e0: Node, depth: number): TsValue[] {
    const e = unwrap(e0);
    const one = (): TsValue[] => {
      const v = this.valueOf(e);
      return v ? [v] : [];
    };
    if (Node.isIdentifier(e)) {
      for (let cn: ts.Node | undefined = e.compilerNode; cn; cn = cn.parent) {
        if (!isFnLikeC(cn) && cn.kind !== SyntaxKind.SourceFile) continue;
        const decls = this.scopeOf(this.wrap(cn)).get(e.getText());
        if (!decls) continue;
        const out: TsValue[] = [];
        for (const d of decls) {
          if (d.k === 'expr') out.push(...this.choices(d.node, depth + 1));
          else if (d.k === 'bind') out.push(...this.memberChoices(d.init, d.prop, depth + 1));
          else {
            const v = this.declValue(d);
            if (v) out.push(v);
          }
        }
        return out;
      }
      return one();
    }
    if (Node.isPropertyAccessExpression(e)) return this.memberChoices(e.getExpression(), e.getName(), depth + 1);
    if (Node.isConditionalExpression(e)) return [...this.choices(e.getWhenTrue(), depth + 1), ...this.choices(e.getWhenFalse(), depth + 1)];
    if (Node.isBinaryExpression(e)) {
      const op = e.getOperatorToken().getKind();
      if (op === SyntaxKind.QuestionQuestionToken || op === SyntaxKind.BarBarToken) return [...this.choices(e.getLeft(), depth + 1), ...this.choices(e.getRight(), depth + 1)];
      return one();
    }
    if (Node.isCallExpression(e)) {
      const cv = this.valueOf(e.getExpression());
      const other = cv?.t === 'fn' ? this.ctx.tsAt(cv.path) : undefined;
      if (cv?.t === 'fn' && other) {
        const rets = other.returnNodes(cv.node);
        if (rets.length > 0) return rets.flatMap((r) => other.choices(r, depth + 1));
      }
      return one();
    }
    return one();
  }

  /** The choices of `obj.prop`: the property of each object literal `obj` may be, or the member of each value. */
  private memberChoices(obj: Node, prop: string, depth: number): TsValue[] {
    const out: TsValue[] = [];
    for (const v of this.choices(obj, depth)) {
      const at = v.t === 'object' ? this.ctx.tsAt(v.path) : undefined;
      const lit = v.t === 'object' && Node.isObjectLiteralExpression(v.node) ? v.node : undefined;
      const p = lit?.getProperty(prop);
      if (at && p && Node.isPropertyAssignment(p)) out.push(...at.choices(p.getInitializer() as Node, depth + 1));
      else if (at && p && Node.isShorthandPropertyAssignment(p)) out.push(...at.choices(p.getNameNode(), depth + 1));
      else if (at && lit) {
        // `return { ...result, error: null }`: the property comes from what is spread in.
        for (const sp of lit.getProperties()) if (Node.isSpreadAssignment(sp)) out.push(...at.memberChoices(sp.getExpression(), prop, depth + 1));
      } else {
        const m = this.member(v, prop);
        if (m) out.push(m);
      }
    }
    return out;
  }

  /** A parameter: its type annotation, its default, or what its callers pass. */
  paramValue(p: ParameterDeclaration, fn: Node): TsValue | undefined {
    const t = p.getTypeNode();
    const fromType = t ? this.annotationValue(t) : undefined;
    if (fromType) return fromType;
    // Annotated as something no SDK client is (a string, an options object type, a callback):
    // the callers cannot pass one, so they are not asked.
    if (t && !mayBeInstanceType(t.compilerNode)) return undefined;
    // Annotated with a type of a third-party package no SDK knowledge covers (`PrismaClient`,
    // `Request` from express, `Redis`): the callers pass that package's object, not a client.
    if (t && this.foreignType(t)) return undefined;
    const init = p.getInitializer();
    const fromInit = init ? this.valueOf(init) : undefined;
    // A default `{}` says nothing about what callers pass.
    if (fromInit && fromInit.t !== 'object') return fromInit;
    // Not annotated: what do the callers in the repository pass?
    const index = (fn as unknown as { getParameters(): ParameterDeclaration[] }).getParameters().indexOf(p);
    if (index < 0 || !Node.isIdentifier(p.getNameNode())) return undefined;
    const info = this.fnInfo(fn);
    for (const edge of this.ctx.callersOf(info, 2)) {
      const arg = edge.args.get(`#${index}`);
      if (!arg) continue;
      const caller = this.ctx.tsAt(edge.from.path);
      const v = caller?.valueOf(arg.node as Node);
      if (isClient(v)) return { ...v, confidence: 'medium' };
    }
    return undefined;
  }

  /** A plain type reference (no type arguments) to an export of a foreign module (InferenceContext.isForeignTsModule). */
  private foreignType(t: Node): boolean {
    if (!Node.isTypeReference(t) || t.getTypeArguments().length > 0) return false;
    const first = t.getTypeName().getText().split('.')[0] as string;
    const v = this.resolveIdent(first, t);
    return v?.t === 'extern' && this.ctx.isForeignTsModule(v.module, (m) => this.ctx.k.tsModuleKnown(m) || m in HTTP_LIBS || FETCH_MODULES.has(m));
  }

  /** A type annotation naming an SDK client class (`OpenAI`, `ChatOpenAI`, `BaseChatModel`) or a repository class. */
  /** Annotations being resolved: `const Config: Config = ...` names its own type and must not loop. */
  private readonly annotating = new Set<Node>();

  annotationValue(t: Node): TsValue | undefined {
    if (this.annotating.has(t)) return undefined;
    this.annotating.add(t);
    try {
      return this.annotationValueOf(t);
    } finally {
      this.annotating.delete(t);
    }
  }

  private annotationValueOf(t: Node): TsValue | undefined {
    if (Node.isUnionTypeNode(t)) return bestValue(t.getTypeNodes().map((x) => this.annotationValue(x)));
    if (Node.isParenthesizedTypeNode(t)) return this.annotationValue(t.getTypeNode());
    if (!Node.isTypeReference(t)) return undefined;
    const nameNode = t.getTypeName();
    const text = nameNode.getText();
    const [first, ...rest] = text.split('.');
    let v = this.resolveIdent(first as string, t);
    for (const r of rest) v = this.member(v, r);
    if (!v) return undefined;
    if (v.t === 'extern') {
      const k = this.ctx.k;
      const entry = k.tsEntry('constructors', v.module, v.name) ?? k.tsEntry('annotations', v.module, v.name) ?? (v.name === '*' ? k.tsEntry('constructors', v.module, 'default') : undefined);
      if (!entry?.type) return undefined;
      return {
        t: 'client',
        type: entry.type,
        origin: { via: 'parameter', path: this.file.path, span: tsSpan(t), className: text, module: v.module, wrappers: [], args: new Map() },
        path: [],
        confidence: 'high',
      };
    }
    if (v.t === 'class') return { t: 'instance', path: v.path, node: v.node };
    return isClient(v) ? v : undefined;
  }

  private origin(via: ClientOrigin['via'], node: Node, className: string, module: string, args: ArgMap, modelSel: readonly string[] | undefined): ClientOrigin {
    return {
      via,
      path: this.file.path,
      span: tsSpan(node),
      className,
      module,
      wrappers: [],
      args,
      model: pick(args, modelSel ?? ['model', 'modelName']),
    };
  }

  private newValue(e: Node): TsValue | undefined {
    if (!Node.isNewExpression(e)) return undefined;
    const cv = this.valueOf(e.getExpression());
    const args = e.getArguments();
    if (cv?.t === 'extern') {
      const k = this.ctx.k;
      const entry = k.tsEntry('constructors', cv.module, cv.name) ?? (cv.name === '*' ? k.tsEntry('constructors', cv.module, 'default') : undefined);
      if (entry?.type) {
        const flat = this.flattenArgs(args);
        return { t: 'client', type: entry.type, origin: this.origin('constructor', e, e.getExpression().getText(), cv.module, flat, entry.model), path: [], confidence: 'high' };
      }
      return { t: 'extern', module: cv.module, name: `${cv.name}()` };
    }
    if (cv?.t === 'class') return { t: 'instance', path: cv.path, node: cv.node };
    if (cv?.t === 'global' && cv.name === 'Proxy' && args[0]) {
      const inner = this.valueOf(args[0]);
      if (isClient(inner)) return { ...inner, origin: { ...inner.origin, wrappers: [...inner.origin.wrappers, 'Proxy'] } };
    }
    return undefined;
  }

  private callValue(e: Node): TsValue | undefined {
    if (!Node.isCallExpression(e)) return undefined;
    const callee = e.getExpression();
    const args = e.getArguments();
    if (callee.getKind() === SyntaxKind.ImportKeyword || (Node.isIdentifier(callee) && callee.getText() === 'require' && args.length === 1)) {
      const a = args[0];
      const spec = a && Node.isStringLiteral(a) ? a.getLiteralValue() : undefined;
      const path = spec ? this.ctx.project.index.resolveTs(this.file.path, spec) : undefined;
      return path ? { t: 'module', path } : spec ? { t: 'extern', module: spec, name: '*' } : undefined;
    }
    // LangChain composition: prompt.pipe(model), model.pipe(parser)
    if (Node.isPropertyAccessExpression(callee) && callee.getName() === 'pipe') {
      const chain = this.chainOf([callee.getExpression(), ...args], e);
      if (chain) return chain;
    }
    const cv = this.valueOf(callee);
    const k = this.ctx.k;
    // Object.create(service): an object whose members are the service's.
    if (cv?.t === 'global' && cv.name === 'Object.create' && args[0]) {
      const proto = this.valueOf(args[0]);
      if (proto?.t === 'object') return proto;
    }
    if (cv?.t === 'extern') {
      const lib = HTTP_LIBS[cv.module];
      if (lib?.factory.test(cv.name)) {
        return { t: 'http', origin: this.origin('factory', e, callee.getText(), cv.module, this.flattenArgs(args), []), path: [] };
      }
      const entry = k.tsEntry('factories', cv.module, cv.name) ?? k.tsEntry('constructors', cv.module, cv.name);
      if (entry?.type) {
        if (entry.requiresModel)
          return this.chainOf(
            args.flatMap((a) => (Node.isArrayLiteralExpression(a) ? a.getElements() : [a])),
            e,
          );
        const flat = this.flattenArgs(args);
        const origin = this.origin('factory', e, callee.getText(), cv.module, flat, entry.model);
        if (entry.task) origin.task = pick(flat, [entry.task])?.value;
        return { t: 'client', type: entry.type, origin, path: [], confidence: 'high' };
      }
    }
    if (isClient(cv) && cv.path.length > 0) {
      const m = k.method(cv.type, cv.path.join('.'));
      if (m?.self) return { ...cv, path: [] };
      if (m?.returns) {
        const flat = this.flattenArgs(args);
        const origin: ClientOrigin = { ...cv.origin, args: new Map([...cv.origin.args, ...flat]), model: pick(flat, ['model', 'modelName']) ?? cv.origin.model };
        return { t: 'client', type: m.returns, origin, path: [], confidence: cv.confidence };
      }
    }
    if (cv?.t === 'fn') {
      const r = this.ctx.tsAt(cv.path)?.returnValue(cv.node);
      if (r) return r;
    }
    // A call that takes a client and is not known to return something else: a wrapper
    // (`observeOpenAI(client)`, `wrapOpenAI(new OpenAI())`, `instrument(client)`).
    if (args[0] && !(isClient(cv) && cv.path.length > 0)) {
      const inner = this.valueOf(args[0]);
      if (isClient(inner)) {
        const name = cv?.t === 'extern' ? `${cv.module}#${cv.name}` : callee.getText();
        return { ...inner, origin: { ...inner.origin, wrappers: [...inner.origin.wrappers, name] } };
      }
    }
    // Something external (`pino()`, `winston.createLogger()`): known by where it comes from.
    if (cv?.t === 'extern') return { t: 'extern', module: cv.module, name: `${cv.name}()` };
    return undefined;
  }

  /** A LangChain chain, when one of the parts is a LangChain model or chain. */
  private chainOf(parts: Node[], at: Node): TsValue | undefined {
    return langchainChain(
      parts.map((p) => this.valueOf(p)),
      (t) => this.ctx.k.typeSdk(t),
      this.file.path,
      tsSpan(at),
    );
  }

  // ---------------------------------------------------------------- arguments

  /** An argument; its string value is worked out only when asked for. */
  argExpr(n: Node): ArgExpr {
    const mod = this.mod;
    let s: { value: string; exact: boolean } | undefined | null = null;
    // Also through parameter defaults and constants imported from the repository (`model: MODEL`).
    const get = (): { value: string; exact: boolean } | undefined => (s === null ? (s = mod.stringValue(n) ?? tsString(this.file, n, this.ctx.project)) : s);
    return {
      text: n.getText(),
      span: tsSpan(n),
      get value() {
        return get()?.value;
      },
      get exact() {
        return get()?.exact;
      },
      node: n,
    };
  }

  /** The object literal an expression is (directly, or through a local `const`). */
  private objectLiteral(n: Node | undefined, depth = 0): Node | undefined {
    if (!n || depth > 3) return undefined;
    const u = unwrap(n);
    if (Node.isObjectLiteralExpression(u)) return u;
    if (Node.isIdentifier(u)) {
      for (let a: Node | undefined = u; a; a = a.getParent()) {
        if (isFunctionLike(a) || Node.isSourceFile(a)) {
          const decls = this.scopeOf(a).get(u.getText());
          if (decls) {
            const d = decls.find((x) => x.k === 'expr');
            return d && d.k === 'expr' ? this.objectLiteral(d.node, depth + 1) : undefined;
          }
        }
      }
    }
    return undefined;
  }

  /**
   * The object literals a spread (`...opts`) brings in, resolved like any other value: a local
   * or imported object, a property of one, what a function returns, both branches of `c ? {..} :
   * {}`, the rest of a destructuring, and for a parameter what every caller passes (only the
   * keys all of them pass). Undefined when some part cannot be resolved.
   */
  private spreadSources(e: Node, depth = 0): SpreadSource[] | undefined {
    if (depth > 4) return undefined;
    const u = unwrap(e);
    if (Node.isObjectLiteralExpression(u)) return [{ a: this, node: u }];
    if (Node.isConditionalExpression(u)) {
      const t = this.spreadSources(u.getWhenTrue(), depth + 1);
      const f = this.spreadSources(u.getWhenFalse(), depth + 1);
      return t && f ? [...t, ...f] : undefined;
    }
    if (Node.isBinaryExpression(u)) {
      const op = u.getOperatorToken().getKind();
      // `cond && { ... }` spreads nothing when cond is falsy.
      if (op === SyntaxKind.AmpersandAmpersandToken) return this.spreadSources(u.getRight(), depth + 1);
      if (op === SyntaxKind.QuestionQuestionToken || op === SyntaxKind.BarBarToken) {
        const l = this.spreadSources(u.getLeft(), depth + 1);
        const r = this.spreadSources(u.getRight(), depth + 1);
        return l && r ? [...l, ...r] : undefined;
      }
    }
    if (Node.isIdentifier(u)) {
      const decl = this.localDecl(u);
      if (decl?.k === 'rest') return this.spreadSources(decl.init, depth + 1)?.map((x) => ({ ...x, omit: [...(x.omit ?? []), ...decl.omit] }));
      if (decl?.k === 'param') return this.paramSpread(decl.node, decl.fn, depth);
    }
    if (Node.isIdentifier(u) && (u.getText() === 'undefined' || u.getText() === 'null')) return [];
    const v = this.valueOf(u);
    if (v?.t === 'object') {
      const other = v.path === this.file.path ? this : this.ctx.tsAt(v.path);
      return other ? [{ a: other, node: v.node }] : undefined;
    }
    return undefined;
  }

  /** The declaration a name has where it is used (the innermost scope that declares it). */
  private localDecl(id: Node): Decl | undefined {
    for (let cn: ts.Node | undefined = id.compilerNode; cn; cn = cn.parent) {
      if (isFnLikeC(cn) || cn.kind === SyntaxKind.SourceFile) {
        const decls = this.scopeOf(this.wrap(cn)).get(id.getText());
        if (decls) return decls.length === 1 ? decls[0] : decls.find((d) => d.k === 'param' || d.k === 'rest');
      }
    }
    return undefined;
  }

  /** A spread parameter: the object every caller passes for it, cut down to the keys all of them pass. */
  private paramSpread(p: ParameterDeclaration, fn: Node, depth: number): SpreadSource[] | undefined {
    const index = (fn as unknown as { getParameters(): ParameterDeclaration[] }).getParameters().indexOf(p);
    if (index < 0) return undefined;
    const edges = this.ctx.callersOf(this.fnInfo(fn), 2);
    if (edges.length === 0) return undefined;
    const maps: Array<Map<string, ArgExpr>> = [];
    for (const edge of edges) {
      const arg = edge.args.get(`#${index}`);
      const caller = this.ctx.tsAt(edge.from.path);
      const found = arg && caller ? caller.spreadSources(arg.node as Node, depth + 1) : undefined;
      if (!found) return undefined;
      const m = new Map<string, ArgExpr>();
      addSpread(found, m, this.file.path, '', 0);
      // A caller that forwards options it could not resolve leaves this spread unresolved too.
      if (openSpreads(m).length > 0) return undefined;
      maps.push(m);
    }
    const [first, ...rest] = maps;
    const common = new Map([...(first ?? [])].filter(([key]) => rest.every((m) => m.has(key))));
    return [{ a: this, node: fn, flat: common }];
  }

  /** Flattens an object literal of this file into `out`, marking arguments that live in another file than `site`. */
  flattenInto(obj: Node, out: Map<string, ArgExpr>, site: string, omit?: readonly string[], prefix = '', depth = 0): void {
    const local = new Map<string, ArgExpr>();
    this.flattenObject(obj, '', local, depth);
    for (const [key, a] of local) {
      if (omit?.includes(key.split('.')[0] as string)) continue;
      if (out.has(prefix + key)) continue;
      out.set(prefix + key, this.file.path === site ? a : { ...a, path: a.path ?? this.file.path });
    }
    for (const a of openSpreads(local)) markOpen(out, this.file.path === site ? a : { ...a, path: a.path ?? this.file.path });
  }

  /** Object literals being flattened: a spread that leads back into one of them is not followed again. */
  private readonly flattening = new Set<Node>();

  private flattenObject(obj: Node, prefix: string, out: Map<string, ArgExpr>, depth: number): void {
    if (!Node.isObjectLiteralExpression(obj) || this.flattening.has(obj)) return;
    this.flattening.add(obj);
    try {
      this.flattenProperties(obj, prefix, out, depth);
    } finally {
      this.flattening.delete(obj);
    }
  }

  /** `depth` counts nesting (`a.b.c` keys), not spreads: what a spread brings in sits at the same level. */
  private flattenProperties(obj: Node, prefix: string, out: Map<string, ArgExpr>, depth: number): void {
    if (!Node.isObjectLiteralExpression(obj)) return;
    // Later properties win (`{ ...defaults, model }`): read from the last one back.
    for (const p of obj.getProperties().slice().reverse()) {
      if (Node.isSpreadAssignment(p)) {
        const sources = this.flattening.size < 8 ? this.spreadSources(p.getExpression()) : undefined;
        if (sources) addSpread(sources, out, this.file.path, prefix, depth);
        else markOpen(out, this.argExpr(p.getExpression()));
        continue;
      }
      let key: string | undefined;
      let value: Node | undefined;
      if (Node.isPropertyAssignment(p)) {
        key = propName(p.getNameNode());
        value = p.getInitializer();
      } else if (Node.isShorthandPropertyAssignment(p)) {
        key = p.getName();
        value = p.getNameNode();
      } else if (Node.isMethodDeclaration(p)) {
        key = p.getName();
        value = p;
      }
      if (!key || !value) continue;
      const full = prefix + key;
      if (!out.has(full)) out.set(full, this.argExpr(value));
      const inner = depth < 2 ? this.objectLiteral(value) : undefined;
      if (inner) this.flattenObject(inner, `${full}.`, out, depth + 1);
    }
  }

  flattenArgs(args: Node[]): Map<string, ArgExpr> {
    const out = new Map<string, ArgExpr>();
    args.forEach((a, i) => {
      out.set(`#${i}`, this.argExpr(a));
    });
    for (const a of args) {
      const obj = this.objectLiteral(a);
      if (obj) this.flattenObject(obj, '', out, 0);
    }
    return out;
  }

  /** Variables the result of a call lands in. */
  resultNames(call: Node): string[] {
    let n: Node = call;
    for (let guard = 0; guard < 8; guard++) {
      const p = n.getParent();
      if (!p) return [];
      if (
        Node.isAwaitExpression(p) ||
        Node.isParenthesizedExpression(p) ||
        Node.isAsExpression(p) ||
        Node.isNonNullExpression(p) ||
        Node.isSatisfiesExpression(p) ||
        (Node.isElementAccessExpression(p) && p.getExpression() === n)
      ) {
        n = p;
        continue;
      }
      // result.text, result.text.trim(), (await res.json()): still the result
      if (Node.isPropertyAccessExpression(p) && p.getExpression() === n && p.getName() !== 'then') {
        const gp = p.getParent();
        n = gp && Node.isCallExpression(gp) && gp.getExpression() === p ? gp : p;
        continue;
      }
      if (Node.isPropertyAccessExpression(p) && p.getName() === 'then') {
        const call2 = p.getParent();
        const cb = call2 && Node.isCallExpression(call2) ? call2.getArguments()[0] : undefined;
        if (cb && (Node.isArrowFunction(cb) || Node.isFunctionExpression(cb))) {
          const first = cb.getParameters()[0]?.getNameNode();
          return first ? bindingNames(first) : [];
        }
        return [];
      }
      if (Node.isVariableDeclaration(p) && p.getInitializer() === n) return bindingNames(p.getNameNode());
      if (Node.isBinaryExpression(p) && p.getRight() === n && p.getOperatorToken().getKind() === SyntaxKind.EqualsToken) return [p.getLeft().getText()];
      if (Node.isForOfStatement(p) && p.getExpression() === n) {
        const init = p.getInitializer();
        if (Node.isVariableDeclarationList(init)) return init.getDeclarations().flatMap((d) => bindingNames(d.getNameNode()));
        return [init.getText()];
      }
      return [];
    }
    return [];
  }

  // ---------------------------------------------------------------- functions

  private enclosingFn(n: Node): Node {
    for (let cn = n.compilerNode.parent; cn; cn = cn.parent) if (isFnLikeC(cn)) return this.wrap(cn);
    return this.sf;
  }

  /** The FunctionInfo of a function node of this file (or the source file: `<module>`). */
  fnInfo(node: Node): FunctionInfo {
    let info = this.fnInfos.get(node);
    if (info) return info;
    if (Node.isSourceFile(node)) {
      info = { lang: 'ts', path: this.file.path, name: MODULE_FN, id: `${this.file.path}#${MODULE_FN}`, span: { start: 0, end: 0 }, node, exported: false, params: [], decorators: [] };
      this.fnInfos.set(node, info);
      return info;
    }
    let name = '';
    let nameNode: Node | undefined;
    let exported = false;
    let className: string | undefined;
    const decorators: string[] = [];
    const cls = Node.isMethodDeclaration(node) || Node.isConstructorDeclaration(node) || Node.isGetAccessorDeclaration(node) || Node.isSetAccessorDeclaration(node) ? node.getParent() : undefined;
    if (cls && (Node.isClassDeclaration(cls) || Node.isClassExpression(cls))) {
      className = cls.getName() ?? 'default';
      const member = Node.isConstructorDeclaration(node) ? 'constructor' : (node as unknown as { getName(): string }).getName();
      name = `${className}.${member}`;
      nameNode = Node.isConstructorDeclaration(node) ? node.getFirstChildByKind(SyntaxKind.ConstructorKeyword) : (node as unknown as { getNameNode(): Node }).getNameNode();
      exported = Node.isClassDeclaration(cls) && cls.hasExportKeyword();
      for (const d of (node as unknown as { getDecorators?(): Array<{ getName(): string }> }).getDecorators?.() ?? []) decorators.push(d.getName());
    } else if ((Node.isMethodDeclaration(node) || Node.isGetAccessorDeclaration(node) || Node.isSetAccessorDeclaration(node)) && Node.isObjectLiteralExpression(node.getParent())) {
      // A method of an object literal: `service.ask` when the object is held by a variable.
      const holder = node.getParent()?.getParent();
      const member = propName(node.getNameNode()) ?? node.getName();
      name = holder && Node.isVariableDeclaration(holder) ? `${holder.getName()}.${member}` : member;
      nameNode = node.getNameNode();
    } else if (Node.isFunctionDeclaration(node)) {
      name = node.getName() ?? 'default';
      nameNode = node.getNameNode();
      exported = node.hasExportKeyword();
    } else {
      // Arrow functions and function expressions: named after what holds them.
      let holder: Node = node;
      let p = holder.getParent();
      // traceable(async () => ...), observe(fn): wrappers become decorators.
      while (p && Node.isCallExpression(p) && p.getArguments().includes(holder as never)) {
        const cv = this.valueOf(p.getExpression());
        decorators.push(cv?.t === 'extern' ? `${cv.module}#${cv.name}` : p.getExpression().getText());
        holder = p;
        p = holder.getParent();
      }
      while (p && (Node.isParenthesizedExpression(p) || Node.isAsExpression(p) || Node.isSatisfiesExpression(p))) {
        holder = p;
        p = p.getParent();
      }
      if (p && Node.isVariableDeclaration(p)) {
        name = p.getName();
        nameNode = p.getNameNode();
        const st = p.getVariableStatement();
        exported = st?.hasExportKeyword() ?? false;
      } else if (p && (Node.isPropertyAssignment(p) || Node.isPropertyDeclaration(p))) {
        name = propName(p.getNameNode()) ?? '';
        nameNode = p.getNameNode();
        const c = p.getParent();
        if (c && (Node.isClassDeclaration(c) || Node.isClassExpression(c))) {
          className = c.getName() ?? 'default';
          name = `${className}.${name}`;
        }
      } else if (p && Node.isExportAssignment(p)) {
        name = 'default';
        exported = true;
      } else if (p && Node.isBinaryExpression(p)) {
        name = p
          .getLeft()
          .getText()
          .replace(/^(module\.)?exports\./, '');
        exported = /^(module\.)?exports\./.test(p.getLeft().getText());
      }
      if (!name) name = anonymousName(this.file.lines.position(node.getStart()).line);
    }
    const params = ((node as unknown as { getParameters(): ParameterDeclaration[] }).getParameters?.() ?? []).map((q) => q.getNameNode().getText());
    const body = (node as unknown as { getBody?(): Node | undefined }).getBody?.();
    const span: Span = nameNode ? tsSpan(nameNode) : { start: node.getStart(), end: Math.min(node.getEnd(), body ? body.getStart() : node.getEnd()) };
    info = { lang: 'ts', path: this.file.path, name, id: `${this.file.path}#${name}`, span, node, className, exported, params, decorators };
    this.fnInfos.set(node, info);
    return info;
  }

  private _functions: FunctionInfo[] | undefined;

  functions(): FunctionInfo[] {
    if (this._functions) return this._functions;
    const out = [this.fnInfo(this.sf)];
    walkTs(this.sf.compilerNode, (n) => {
      if (isFnLikeC(n)) out.push(this.fnInfo(this.wrap(n)));
    });
    return (this._functions = out);
  }

  functionAt(offset: number): FunctionInfo {
    const n = this.sf.getDescendantAtPos(offset);
    if (!n) return this.fnInfo(this.sf);
    for (let a: Node | undefined = n; a; a = a.getParent()) if (isFunctionLike(a)) return this.fnInfo(a);
    return this.fnInfo(this.sf);
  }

  // ---------------------------------------------------------------- call graph

  /** Every call and `new` expression of the file, in document order (computed once). */
  private _compilerCalls?: Array<ts.CallExpression | ts.NewExpression>;

  /**
   * Every call and `new` expression of the file whose callee is a name or a property access
   * not rooted in a well-known global, as compiler nodes, in document order (computed once).
   * A plain compiler walk: ts-morph's descendant iterators and wrappers are the slow part.
   */
  private compilerCalls(): Array<ts.CallExpression | ts.NewExpression> {
    if (!this._compilerCalls) {
      const found: Array<ts.CallExpression | ts.NewExpression> = [];
      walkTs(this.sf.compilerNode, (n) => {
        if (tsc.isCallExpression(n) || tsc.isNewExpression(n)) {
          let root: ts.Node = n.expression;
          while (tsc.isPropertyAccessExpression(root)) root = root.expression;
          const named = tsc.isIdentifier(n.expression) || tsc.isPropertyAccessExpression(n.expression);
          if (named && !(tsc.isIdentifier(root) && SKIP_ROOTS.has(root.text))) found.push(n);
        }
      });
      this._compilerCalls = found;
    }
    return this._compilerCalls;
  }

  /** The calls of compilerCalls(), wrapped (for callers that need every one). */
  private calls(): Node[] {
    this._calls ??= this.compilerCalls().map((n) => this.wrap(n));
    return this._calls;
  }

  /** The edges whose callee is named `name`; a filter of all edges (TS files resolve them cheaply). */
  edgesNamed(name: string): CallEdge[] {
    return this.edges().filter((e) => (e.to.name.split('.').pop() ?? '') === name || e.to.className === name);
  }

  edges(): CallEdge[] {
    if (this._edges) return this._edges;
    if (this.edgesBusy) {
      this.ctx.cycles++;
      return [];
    }
    this.edgesBusy = true;
    const before = this.ctx.cycles;
    const out: CallEdge[] = [];
    try {
      for (const cn of this.compilerCalls()) {
        // Only a name that is a function or class of the repository can be a call edge.
        const last = tsc.isPropertyAccessExpression(cn.expression) ? cn.expression.name.text : (cn.expression as ts.Identifier).text;
        if (!this.ctx.repoNames().has(last)) continue;
        const n = this.wrap(cn);
        if (!Node.isCallExpression(n) && !Node.isNewExpression(n)) continue;
        const callee = n.getExpression();
        const cv = this.valueOf(callee);
        let target: Node | undefined;
        let path: string | undefined;
        if (cv?.t === 'fn') {
          target = cv.node;
          path = cv.path;
        } else if (Node.isNewExpression(n) && cv?.t === 'class' && (Node.isClassDeclaration(cv.node) || Node.isClassExpression(cv.node))) {
          target = cv.node.getConstructors()[0];
          path = cv.path;
        }
        const targets: Array<{ node: Node; path: string }> = target && path ? [{ node: target, path }] : [];
        // A method called on what a factory returns, when it picks one of several classes: each class's method.
        if (Node.isPropertyAccessExpression(callee) && (!cv || (cv.t === 'fn' && Node.isMethodDeclaration(cv.node)))) {
          const instances = this.choices(callee.getExpression()).filter((v): v is Extract<TsValue, { t: 'instance' }> => v.t === 'instance');
          if (instances.length > 1 || (!cv && instances.length > 0)) {
            for (const inst of instances) {
              const m = this.ctx.tsAt(inst.path)?.memberValue(inst.node, callee.getName());
              if (m?.t === 'fn' && !targets.some((t) => t.node === m.node)) targets.push({ node: m.node, path: m.path });
            }
          }
        }
        let args: ArgMap | undefined;
        const self = this;
        const from = targets.length > 0 ? this.fnInfo(this.enclosingFn(n)) : undefined;
        for (const t of targets) {
          const other = t.path === this.file.path ? this : this.ctx.tsAt(t.path);
          if (!other || !from) continue;
          out.push({
            from,
            to: other.fnInfo(t.node),
            node: n,
            span: tsSpan(n),
            calleeSpan: tsSpan(callee),
            // Worked out on first use: most edges are never asked for their arguments.
            get args(): ArgMap {
              args ??= self.flattenArgs(n.getArguments() ?? []);
              return args;
            },
            resultNames: this.resultNames(n),
          });
        }
      }
    } finally {
      this.edgesBusy = false;
    }
    // Cut short by a cycle: recompute next time (a few times at most).
    if (this.ctx.cycles === before || ++this.edgesTries >= 3) this._edges = out;
    return out;
  }

  // ---------------------------------------------------------------- sites

  sites(): TsSite[] {
    if (this._sites) return this._sites;
    const out: TsSite[] = [];
    const k = this.ctx.k;
    const customNames = new Set(this.ctx.customFunctions.map((r) => r.name.split('.').pop() as string));
    this._sites = out; // re-entrancy (a parameter resolved through callers) sees a partial list
    for (const cn of this.compilerCalls()) {
      if (!tsc.isCallExpression(cn)) continue;
      if (tsc.isPropertyAccessExpression(cn.expression)) {
        const last = cn.expression.name.text;
        if (!k.methodNames.has(last) && !customNames.has(last) && !HTTP_METHODS.has(last) && !k.tsFunctionNames.has(last)) continue;
      }
      const site = this.siteAt(this.wrap(cn));
      if (site) out.push(site);
    }
    return out;
  }

  private siteAt(call: Node): TsSite | undefined {
    if (!Node.isCallExpression(call)) return undefined;
    const callee = call.getExpression();
    const cv = this.valueOf(callee);
    if (!cv) return undefined;
    const k = this.ctx.k;
    const args = call.getArguments();
    if (cv.t === 'extern') {
      const entry = k.tsEntry('functions', cv.module, cv.name);
      if (entry?.sdk && entry.kind) {
        const flat = this.flattenArgs(args);
        return this.makeSite(call, {
          sdk: entry.sdk,
          api: cv.name,
          kind: entry.kind,
          stream: entry.stream ?? false,
          args: flat,
          prompt: pick(flat, entry.prompt ?? ['messages', 'prompt']),
          model: pick(flat, entry.model ?? ['model']),
        });
      }
      if (FETCH_MODULES.has(cv.module) && /^(default|fetch|\*|ofetch|\$fetch)$/.test(cv.name)) return this.fetchSite(call);
      if (HTTP_LIBS[cv.module]) return this.httpLibSite(call, cv.module, cv.name.replace(/^default\.?/, ''), undefined);
      return undefined;
    }
    if (cv.t === 'global') {
      if (cv.name === 'fetch') return this.fetchSite(call);
      return undefined;
    }
    if (cv.t === 'http') {
      const verb = cv.path.join('.');
      return this.httpLibSite(call, cv.origin.module, verb, cv.origin);
    }
    if (cv.t === 'client') {
      const path = cv.path.join('.');
      if (path === 'send') return this.commandSite(call, cv);
      const m = k.method(cv.type, path || '__call__');
      if (!m?.kind) return undefined;
      return this.clientSite(call, cv, m, path || callee.getText());
    }
    if (cv.t === 'fn') {
      const helper = this.ctx.tsAt(cv.path)?.httpHelper(cv.node);
      if (helper) {
        const site = this.httpSite(call, args[helper.url], helper.body !== undefined ? args[helper.body] : undefined, undefined);
        if (site) return site;
      }
      const info = this.ctx.tsAt(cv.path)?.fnInfo(cv.node);
      const ref = info ? this.ctx.customFunction(info) : undefined;
      if (!ref || !info) return undefined;
      const flat = this.flattenArgs(args);
      return this.makeSite(call, {
        sdk: 'custom',
        api: info.name,
        kind: 'chat',
        stream: false,
        args: flat,
        prompt: pick(flat, ['messages', 'prompt', 'input', '#0']),
        model: pick(flat, ['model']),
        custom: ref.entry,
      });
    }
    return undefined;
  }

  private clientSite(call: Node, cv: Extract<TsValue, { t: 'client' }>, m: MethodInfo, api: string): TsSite | undefined {
    if (!Node.isCallExpression(call)) return undefined;
    const flat = this.flattenArgs(call.getArguments());
    let kind: InferenceKind = m.kind as InferenceKind;
    let sdkName: string | undefined;
    if (cv.type === 'transformers-pipeline') {
      kind = pipelineKind(cv.origin.task);
      sdkName = `${this.ctx.k.sdkName(m.sdk)} pipeline`;
    }
    const streamArg = flat.get('stream');
    const callee = call.getExpression();
    return this.makeSite(call, {
      sdk: m.sdk,
      api,
      kind,
      stream: m.stream || streamArg?.text === 'true',
      args: flat,
      prompt: pick(flat, m.prompt),
      model: pick(flat, m.model) ?? cv.origin.model,
      receiver: Node.isPropertyAccessExpression(callee) ? receiverText(callee, cv.path.length) : callee.getText(),
      client: cv.origin,
      confidence: cv.confidence,
      sdkName,
    });
  }

  /** Bedrock: `client.send(new InvokeModelCommand({ modelId, body }))`. */
  private commandSite(call: Node, cv: Extract<TsValue, { t: 'client' }>): TsSite | undefined {
    if (!Node.isCallExpression(call)) return undefined;
    const arg = call.getArguments()[0];
    let cmd: Node | undefined = arg ? unwrap(arg) : undefined;
    if (cmd && Node.isIdentifier(cmd)) {
      const decls = this.scopeOf(this.enclosingFn(call)).get(cmd.getText()) ?? this.scopeOf(this.sf).get(cmd.getText());
      const d = decls?.find((x) => x.k === 'expr');
      cmd = d && d.k === 'expr' ? unwrap(d.node) : undefined;
    }
    if (!cmd || !Node.isNewExpression(cmd)) return undefined;
    const name = cmd.getExpression().getText().split('.').pop() as string;
    const m = this.ctx.k.command(cv.type, name);
    if (!m?.kind) return undefined;
    const flat = this.flattenArgs(cmd.getArguments());
    const callee = call.getExpression();
    return this.makeSite(call, {
      sdk: m.sdk,
      api: `send(${name})`,
      kind: m.kind,
      stream: m.stream,
      args: flat,
      prompt: pick(flat, m.prompt),
      model: pick(flat, m.model),
      receiver: Node.isPropertyAccessExpression(callee) ? receiverText(callee, 1) : undefined,
      client: cv.origin,
      confidence: cv.confidence,
    });
  }

  /** `fetch(url, { method: "POST", body })` to an inference path. */
  private fetchSite(call: Node): TsSite | undefined {
    if (!Node.isCallExpression(call)) return undefined;
    const [urlArg, initArg] = call.getArguments();
    if (!urlArg) return undefined;
    const init = this.objectLiteral(initArg);
    const initArgs = new Map<string, ArgExpr>();
    if (init) this.flattenObject(init, '', initArgs, 0);
    const method = initArgs.get('method');
    if (!method) return undefined;
    if (method.value !== undefined && method.value.toUpperCase() !== 'POST') return undefined;
    let body = initArgs.get('body')?.node as Node | undefined;
    if (body) {
      const b = unwrap(body);
      if (Node.isCallExpression(b) && b.getExpression().getText() === 'JSON.stringify') body = b.getArguments()[0];
    }
    return this.httpSite(call, urlArg, body, undefined);
  }

  /**
   * An HTTP client library call (see HTTP_LIBS): `axios.post(url, data)`, `axios({ url, method,
   * data })`, `got.post(url, { json })`, `ky(url, { method: "post", json })`, and the same on an
   * instance (`axios.create({ baseURL })`, `got.extend({ prefixUrl })`, `ky.create(...)`).
   */
  private httpLibSite(call: Node, module: string, verb: string, instance: ClientOrigin | undefined): TsSite | undefined {
    const lib = HTTP_LIBS[module];
    if (!lib || !Node.isCallExpression(call)) return undefined;
    const args = call.getArguments();
    const options = (n: Node | undefined): Map<string, ArgExpr> => {
      const m = new Map<string, ArgExpr>();
      const obj = this.objectLiteral(n);
      if (obj) this.flattenObject(obj, '', m, 0);
      return m;
    };
    const bodyOf = (m: Map<string, ArgExpr>): Node | undefined => pick(m, lib.bodyKeys)?.node as Node | undefined;
    if (verb === 'post') {
      if (lib.dataArg) return this.httpSite(call, args[0], args[1], instance);
      return this.httpSite(call, args[0], bodyOf(options(args[1])), instance);
    }
    if (verb === '' || verb === 'request') {
      // (url, options) or ({ url, ...options })
      const first = args[0] ? unwrap(args[0]) : undefined;
      const urlFirst = first !== undefined && !this.objectLiteral(first);
      const m = options(urlFirst ? args[1] : args[0]);
      if (m.get('method')?.value?.toUpperCase() !== 'POST') return undefined;
      return this.httpSite(call, urlFirst ? args[0] : (m.get('url')?.node as Node | undefined), bodyOf(m), instance);
    }
    return undefined;
  }

  private httpSite(call: Node, urlNode: Node | undefined, body: Node | undefined, instance: ClientOrigin | undefined): TsSite | undefined {
    if (!urlNode) return undefined;
    let url = this.urlValue(urlNode);
    if (url === undefined) return undefined;
    const base = instance ? pick(instance.args, ['baseURL', 'prefixUrl'])?.value : undefined;
    // A relative path goes to the instance's base URL; a URL that starts with an unknown part (`${BASE}/v1/...`) is absolute.
    if (instance && (url.startsWith('/') || !/^([a-z]+:\/\/|\$\{)/i.test(url))) url = trimTrailing(base ?? '${baseURL}', '/') + (url.startsWith('/') ? url : `/${url}`);
    // Same-origin paths (`/api/chat`) call the app's own backend, not a model server.
    if (url.startsWith('/')) return undefined;
    const bodyArgs = new Map<string, ArgExpr>();
    const obj = this.objectLiteral(body);
    if (obj) this.flattenObject(obj, '', bodyArgs, 0);
    const urlArg = this.argExpr(urlNode);
    const bodyArg = body ? this.argExpr(body) : undefined;
    const flat = new Map<string, ArgExpr>([['#0', urlArg], ...bodyArgs]);
    if (bodyArg) flat.set('body', bodyArg);
    const spec = httpSpec(this.ctx.k, url, urlArg, bodyArgs, flat, bodyArg, 'true');
    return spec ? this.makeSite(call, spec) : undefined;
  }

  private urlValue(n: Node, depth = 0): string | undefined {
    const u = unwrap(n);
    if (depth > 4) return undefined;
    if (Node.isNewExpression(u) && u.getExpression().getText() === 'URL') {
      const [path, base] = u.getArguments();
      const pv = path ? this.mod.stringValue(path)?.value : undefined;
      if (pv === undefined) return undefined;
      const bv = base ? (this.mod.stringValue(base)?.value ?? `\${${base.getText()}}`) : '';
      return trimTrailing(bv, '/') + pv;
    }
    const s = this.mod.stringValue(u) ?? tsString(this.file, u, this.ctx.project);
    if (s) return s.value;
    // `let url = `${HOST}/v1/chat/completions`; if (azure) url = ...; fetch(url, ...)`: the
    // declared value (a later assignment picks another deployment of the same API).
    if (Node.isIdentifier(u)) {
      const init = localInitializer(u);
      return init ? this.urlValue(init, depth + 1) : undefined;
    }
    // process.env.OLLAMA_URL + "/api/chat": unknown parts kept as ${...}
    if (Node.isBinaryExpression(u) && u.getOperatorToken().getKind() === SyntaxKind.PlusToken) {
      const part = (x: Node): string => this.urlValue(x, depth + 1) ?? `\${${x.getText()}}`;
      const v = part(u.getLeft()) + part(u.getRight());
      return /[a-z/]/i.test(replaceEnclosed(v, '${', '}', '')) ? v : undefined;
    }
    return undefined;
  }

  private readonly helpers = new Map<Node, { url: number; body?: number } | null>();

  /**
   * A function of this file that POSTs with `fetch` to a URL it takes as a parameter (and maybe
   * the body too): `fetchChatResponse(url, body)`. Its callers say where the request goes.
   */
  httpHelper(fn: Node): { url: number; body?: number } | undefined {
    if (this.helpers.has(fn)) return this.helpers.get(fn) ?? undefined;
    this.helpers.set(fn, null);
    const params = ((fn as unknown as { getParameters?(): ParameterDeclaration[] }).getParameters?.() ?? []).map((p) => p.getName());
    if (params.length === 0) return undefined;
    for (const call of this.calls()) {
      if (!Node.isCallExpression(call) || this.enclosingFn(call) !== fn) continue;
      const callee = call.getExpression();
      if (!Node.isIdentifier(callee) || callee.getText() !== 'fetch') continue;
      const [urlArg, initArg] = call.getArguments();
      const url = urlArg && Node.isIdentifier(urlArg) ? params.indexOf(urlArg.getText()) : -1;
      if (url < 0) continue;
      const init = this.objectLiteral(initArg);
      const m = new Map<string, ArgExpr>();
      if (init) this.flattenObject(init, '', m, 0);
      if (m.get('method')?.value?.toUpperCase() !== 'POST') continue;
      let body = m.get('body')?.node as Node | undefined;
      if (body && Node.isCallExpression(body) && body.getExpression().getText() === 'JSON.stringify') body = body.getArguments()[0];
      const b = body && Node.isIdentifier(body) ? params.indexOf(body.getText()) : -1;
      const found = { url, body: b >= 0 ? b : undefined };
      this.helpers.set(fn, found);
      return found;
    }
    return undefined;
  }

  private makeSite(call: Node, s: SiteSpec): TsSite {
    const callee = (call as unknown as { getExpression(): Node }).getExpression();
    return {
      ...siteFields(s, (sdk) => this.ctx.k.sdkName(sdk)),
      lang: 'ts',
      path: this.file.path,
      calleeSpan: tsSpan(callee),
      span: tsSpan(call),
      resultNames: this.resultNames(call),
      fn: this.fnInfo(this.enclosingFn(call)),
      node: call,
    };
  }
}

let nonInstance: Set<number> | undefined;

/**
 * Type nodes no class instance can be described by: `string`, `number`, `boolean`, `bigint`,
 * `symbol`, `void`, `undefined`, `never`, literal and template literal types, object type
 * literals, arrays, tuples, function and constructor types (read once ts-morph is loaded).
 */
function nonInstanceKinds(): Set<number> {
  nonInstance ??= new Set([
    SyntaxKind.StringKeyword,
    SyntaxKind.NumberKeyword,
    SyntaxKind.BooleanKeyword,
    SyntaxKind.BigIntKeyword,
    SyntaxKind.SymbolKeyword,
    SyntaxKind.VoidKeyword,
    SyntaxKind.UndefinedKeyword,
    SyntaxKind.NeverKeyword,
    SyntaxKind.LiteralType,
    SyntaxKind.TemplateLiteralType,
    SyntaxKind.TypeLiteral,
    SyntaxKind.ArrayType,
    SyntaxKind.TupleType,
    SyntaxKind.FunctionType,
    SyntaxKind.ConstructorType,
  ]);
  return nonInstance;
}

/**
 * Whether a type annotation can describe a class instance such as an SDK client: a named type
 * (a class, an interface, a type parameter, `any`), or a union, intersection or parentheses
 * holding one; not any of nonInstanceKinds.
 */
function mayBeInstanceType(t: ts.TypeNode): boolean {
  const stack: ts.TypeNode[] = [t];
  while (stack.length > 0) {
    const n = stack.pop() as ts.TypeNode;
    if (tsc.isUnionTypeNode(n) || tsc.isIntersectionTypeNode(n)) stack.push(...n.types);
    else if (tsc.isParenthesizedTypeNode(n)) stack.push(n.type);
    else if (!nonInstanceKinds().has(n.kind)) return true;
  }
  return false;
}

const HTTP_METHODS = new Set(['post', 'request', 'fetch']);

/**
 * HTTP client libraries: how an instance is made, where a POST's body goes (`dataArg`: the
 * second argument of `post(url, data)`; else one of `bodyKeys` of the options).
 */
const HTTP_LIBS: Record<string, { factory: RegExp; dataArg: boolean; bodyKeys: string[] }> = {
  axios: { factory: /(^|\.)create$/, dataArg: true, bodyKeys: ['data'] },
  got: { factory: /(^|\.)extend$/, dataArg: false, bodyKeys: ['json', 'body', 'form'] },
  ky: { factory: /(^|\.)(create|extend)$/, dataArg: false, bodyKeys: ['json', 'body'] },
};

/** What a spread brings into an object: an object literal (of some file), or keys already flattened. */
interface SpreadSource {
  a: TsInference;
  node: Node;
  omit?: string[];
  flat?: Map<string, ArgExpr>;
}

/** Adds what spreads bring into the flattened arguments of an object of `site`. */
function addSpread(sources: readonly SpreadSource[], out: Map<string, ArgExpr>, site: string, prefix: string, depth: number): void {
  for (const src of sources) {
    if (!src.flat) {
      src.a.flattenInto(src.node, out, site, src.omit, prefix, depth);
      continue;
    }
    for (const [key, a] of src.flat) {
      if (src.omit?.includes(key.split('.')[0] as string)) continue;
      if (!out.has(prefix + key)) out.set(prefix + key, a);
    }
  }
}
let assignOps: Set<SyntaxKind> | undefined;
/** `=`, `??=`, `||=` (built on first use: ts-morph loads lazily). */
const ASSIGN_OPS = (): Set<SyntaxKind> => (assignOps ??= new Set([SyntaxKind.EqualsToken, SyntaxKind.QuestionQuestionEqualsToken, SyntaxKind.BarBarEqualsToken]));

/**
 * Every statement of a block or source file, nested blocks included (if/else, try, loops, switch,
 * labels), without descending into expressions or nested functions: cheap on large JSX files.
 * For-loop variable lists are handed over too. Compiler nodes, not ts-morph wrappers.
 */
function forEachStatementC(block: ts.Node, cb: (st: ts.Node) => void): void {
  if (!tsc.isSourceFile(block) && !tsc.isBlock(block)) return;
  // An explicit stack, in document order: nesting depth is the input's, not ours.
  const stack: Array<ts.Node | undefined> = [...block.statements].reverse();
  const push = (...later: Array<ts.Node | undefined>): void => {
    for (let i = later.length - 1; i >= 0; i--) stack.push(later[i]);
  };
  while (stack.length > 0) {
    const st = stack.pop();
    if (!st) continue;
    visitNodes();
    cb(st);
    if (tsc.isBlock(st) || tsc.isSourceFile(st) || tsc.isModuleBlock(st)) push(...st.statements);
    else if (tsc.isIfStatement(st)) push(st.thenStatement, st.elseStatement);
    else if (tsc.isTryStatement(st)) push(st.tryBlock, st.catchClause?.block, st.finallyBlock);
    else if (tsc.isForStatement(st) || tsc.isForOfStatement(st) || tsc.isForInStatement(st)) {
      if (st.initializer && tsc.isVariableDeclarationList(st.initializer)) cb(st.initializer);
      push(st.statement);
    } else if (tsc.isWhileStatement(st) || tsc.isDoStatement(st) || tsc.isLabeledStatement(st)) push(st.statement);
    else if (tsc.isSwitchStatement(st)) push(...st.caseBlock.clauses.flatMap((c) => [...c.statements]));
  }
}

/** Names bound by a declaration name: `x`, `{ a, b: c }` → a, c; `[x, y]`. */
export function bindingNames(n: Node): string[] {
  // Nested destructuring with an explicit stack, names in source order.
  const out: string[] = [];
  const stack: Node[] = [n];
  while (stack.length > 0) {
    const b = stack.pop() as Node;
    if (Node.isIdentifier(b)) out.push(b.getText());
    else if (Node.isObjectBindingPattern(b) || Node.isArrayBindingPattern(b)) {
      const els = b.getElements() as Node[];
      for (let i = els.length - 1; i >= 0; i--) {
        const el = els[i] as Node;
        if (Node.isBindingElement(el)) stack.push(el.getNameNode());
      }
    }
  }
  return out;
}

/** `this.client` for callee `this.client.chat.completions.create` with a 3-name method path. */
function receiverText(callee: Node, pathLength: number): string {
  let n: Node = callee;
  for (let i = 0; i < pathLength && Node.isPropertyAccessExpression(n); i++) n = n.getExpression();
  return n.getText();
}

/** The initializer of the `let`/`var`/`const` an identifier names, declared before it in an enclosing block. */
function localInitializer(id: Node): Node | undefined {
  const name = id.getText();
  const at = id.getStart();
  for (let a = id.getParent(); a; a = a.getParent()) {
    if (!Node.isBlock(a) && !Node.isSourceFile(a)) continue;
    for (const st of a.getStatements()) {
      if (st.getStart() >= at) break;
      if (!Node.isVariableStatement(st)) continue;
      for (const d of st.getDeclarations()) if (d.getName() === name) return d.getInitializer();
    }
  }
  return undefined;
}
