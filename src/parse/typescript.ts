import type { Expression, SourceFile, ts } from 'ts-morph';
import { Node, ScriptKind, SyntaxKind, tsc, tsMorph } from './ts-morph.js';
import type { Span } from '../types.js';
import { cutAtAny } from '../util/text.js';
import { NO_TIMING, type Timing } from '../util/timing.js';
import { descendantsOfKind, walkTs } from './walk.js';

export { Node, SyntaxKind };
export type { SourceFile, Expression };

const KINDS: Record<string, 'TS' | 'TSX' | 'JS' | 'JSX'> = {
  '.ts': 'TS',
  '.mts': 'TS',
  '.cts': 'TS',
  '.tsx': 'TSX',
  '.js': 'JS',
  '.mjs': 'JS',
  '.cjs': 'JS',
  '.jsx': 'JSX',
};

/**
 * One in-memory ts-morph Project per run, syntax only: no type checker, no lib files,
 * no resolution of node_modules. Files are added as they are first asked for.
 */
export class TsHost {
  private project: import('ts-morph').Project | undefined;

  constructor(private readonly timing: Timing = NO_TIMING) {}

  parse(path: string, text: string): SourceFile {
    this.project ??= this.timing.measure(
      'load: TypeScript compiler',
      () =>
        new (tsMorph().Project)({
          useInMemoryFileSystem: true,
          skipFileDependencyResolution: true,
          skipLoadingLibFiles: true,
          compilerOptions: { allowJs: true, noLib: true, jsx: tsc.JsxEmit.Preserve, target: tsc.ScriptTarget.ES2022 },
        }),
    );
    const ext = /\.[^./]+$/.exec(path)?.[0] ?? '.ts';
    return this.project.createSourceFile(`/${path}`, text, { overwrite: true, scriptKind: ScriptKind[KINDS[ext] ?? 'TS'] });
  }
}

export interface TsImport {
  /** Local binding (`client` in `import { client } from './llm'`). */
  local: string;
  /** Module specifier as written. */
  module: string;
  /** `default`, `*` (namespace or whole `require`), or the exported name. */
  imported: string;
  span: Span;
  typeOnly: boolean;
}

export interface TsString {
  value: string;
  kind: 'literal' | 'constant' | 'env-default' | 'template';
  /** The node that holds the text. */
  node: Node;
  exact: boolean;
  envName?: string;
}

export function tsSpan(node: Node): Span {
  return { start: node.getStart(), end: node.getEnd() };
}

/** A parsed TS/JS module with the lookups every TS rule needs, each computed once. */
export class TsModule {
  private _imports?: TsImport[];
  private _importMap?: Map<string, TsImport>;
  private _consts?: Map<string, Node | null>;
  /** Callee chains computed so far, by compiler node: each link of a long builder chain is asked about. */
  private readonly chains = new WeakMap<ts.Node, string>();

  constructor(readonly source: SourceFile) {}

  /** First syntax error reported by the parser, if any. */
  parseError(): { span: Span; message: string } | undefined {
    const diags = (this.source.compilerNode as unknown as { parseDiagnostics?: ts.Diagnostic[] }).parseDiagnostics;
    const d = diags?.[0];
    if (!d) return undefined;
    const start = d.start ?? 0;
    return { span: { start, end: start + (d.length ?? 0) }, message: tsc.flattenDiagnosticMessageText(d.messageText, ' ') };
  }

  /**
   * Imports, with Deno-style package specifiers (`npm:openai@4`, `https://esm.sh/openai@4.2`,
   * `jsr:@std/http`) read as the package name: import declarations, then `import x = require()`,
   * then `require()` bound to a variable. Read from the compiler's nodes: the repository index
   * asks every file for them, and ts-morph wrappers would cost most of that.
   */
  imports(): TsImport[] {
    if (this._imports) return this._imports;
    const sf = this.source.compilerNode;
    const span = (n: ts.Node): Span => ({ start: n.getStart(sf), end: n.getEnd() });
    const out: TsImport[] = [];
    for (const st of sf.statements) {
      if (!tsc.isImportDeclaration(st) || !tsc.isStringLiteralLike(st.moduleSpecifier)) continue;
      const clause = st.importClause;
      if (!clause) continue;
      const module = packageSpecifier(st.moduleSpecifier.text);
      const typeOnly = clause.isTypeOnly;
      if (clause.name) out.push({ local: clause.name.text, module, imported: 'default', span: span(clause.name), typeOnly });
      const bindings = clause.namedBindings;
      if (bindings && tsc.isNamespaceImport(bindings)) out.push({ local: bindings.name.text, module, imported: '*', span: span(bindings.name), typeOnly });
      else if (bindings) {
        for (const el of bindings.elements) {
          const imported = el.propertyName ? el.propertyName.text : el.name.text;
          out.push({ local: el.name.text, module, imported, span: span(el), typeOnly: typeOnly || el.isTypeOnly });
        }
      }
    }
    const text = sf.text;
    // The tree walks below are costly: skip them when the text cannot hold what they look for.
    const equals = /\bimport\s+\w+\s*=/.test(text);
    const requires = text.includes('require');
    if (!equals && !requires) {
      this._imports = out;
      return out;
    }
    const fromEquals: TsImport[] = [];
    const fromRequire: TsImport[] = [];
    walkTs(sf, (n) => {
      if (equals && tsc.isImportEqualsDeclaration(n)) {
        const ref = n.moduleReference;
        if (tsc.isExternalModuleReference(ref) && tsc.isStringLiteral(ref.expression))
          fromEquals.push({ local: n.name.text, module: ref.expression.text, imported: '*', span: span(n), typeOnly: false });
      } else if (requires && tsc.isCallExpression(n)) this.requireBinding(n, span, fromRequire);
    });
    out.push(...fromEquals, ...fromRequire);
    this._imports = out;
    return out;
  }

  /** `const x = require('m')`, `const { a, b: c } = require('m')`, `const x = require('m').y`. */
  private requireBinding(call: ts.CallExpression, span: (n: ts.Node) => Span, out: TsImport[]): void {
    if (!tsc.isIdentifier(call.expression) || call.expression.text !== 'require') return;
    const arg = call.arguments[0];
    if (!arg || !tsc.isStringLiteral(arg)) return;
    const module = arg.text;
    let holder: ts.Node = call;
    let imported = '*';
    const parent = call.parent;
    if (parent && tsc.isPropertyAccessExpression(parent) && parent.expression === call) {
      imported = parent.name.text;
      holder = parent;
    }
    const decl = holder.parent;
    if (!decl || !tsc.isVariableDeclaration(decl) || decl.initializer !== holder) return;
    const name = decl.name;
    if (tsc.isIdentifier(name)) out.push({ local: name.text, module, imported, span: span(name), typeOnly: false });
    else if (tsc.isObjectBindingPattern(name)) {
      const sf = this.source.compilerNode;
      for (const el of name.elements) {
        const local = el.name.getText(sf);
        out.push({ local, module, imported: el.propertyName ? el.propertyName.getText(sf) : local, span: span(el), typeOnly: false });
      }
    }
  }

  importMap(): Map<string, TsImport> {
    if (!this._importMap) {
      this._importMap = new Map();
      for (const i of this.imports()) if (!i.typeOnly) this._importMap.set(i.local, i);
    }
    return this._importMap;
  }

  /** `const NAME = <init>` anywhere in the file; names declared more than once map to null. */
  private consts(): Map<string, Node | null> {
    if (this._consts) return this._consts;
    const m = new Map<string, Node | null>();
    for (const d of descendantsOfKind(this.source, SyntaxKind.VariableDeclaration)) {
      const name = d.getNameNode();
      if (!Node.isIdentifier(name)) continue;
      const list = d.getParent();
      const isConst = Node.isVariableDeclarationList(list) && (list.getFlags() & tsc.NodeFlags.Const) !== 0;
      const init = d.getInitializer();
      const key = name.getText();
      m.set(key, m.has(key) || !isConst || !init ? null : init);
    }
    this._consts = m;
    return m;
  }

  /** The initializer of a `const` declared once in this file, if any. */
  constInit(name: string): Node | undefined {
    return this.consts().get(name) ?? undefined;
  }

  /**
   * The string an expression evaluates to, when that is knowable statically: literals, templates
   * with constant parts, `const`s in this file, `as const`/`satisfies`/`!`/parentheses, and the
   * default in `process.env.X ?? "default"` / `|| "default"`.
   */
  stringValue(node: Node | undefined, depth = 4): TsString | undefined {
    if (!node || depth <= 0) return undefined;
    // Parentheses and type wrappers cost no depth: looked through in a loop, however many.
    while (Node.isParenthesizedExpression(node) || Node.isAsExpression(node) || Node.isSatisfiesExpression(node) || Node.isNonNullExpression(node) || Node.isTypeAssertion(node)) {
      node = node.getExpression();
    }
    if (Node.isStringLiteral(node) || Node.isNoSubstitutionTemplateLiteral(node)) {
      return { value: node.getLiteralValue(), kind: 'literal', node, exact: true };
    }
    if (Node.isTemplateExpression(node)) {
      let value = node.getHead().getLiteralText();
      let exact = true;
      for (const span of node.getTemplateSpans()) {
        const v = this.stringValue(span.getExpression(), depth - 1);
        if (v?.exact) value += v.value;
        else {
          value += `\${${span.getExpression().getText()}}`;
          exact = false;
        }
        value += span.getLiteral().getLiteralText();
      }
      return { value, kind: 'template', node, exact };
    }
    if (Node.isIdentifier(node)) {
      const init = this.constInit(node.getText());
      const v = init ? this.stringValue(init, depth - 1) : undefined;
      return v ? { ...v, kind: v.kind === 'literal' ? 'constant' : v.kind } : undefined;
    }
    if (Node.isBinaryExpression(node)) {
      const op = node.getOperatorToken().getKind();
      if (op === SyntaxKind.QuestionQuestionToken || op === SyntaxKind.BarBarToken) {
        const env = this.envName(node.getLeft());
        const right = this.stringValue(node.getRight(), depth - 1);
        if (right) return { ...right, kind: env ? 'env-default' : right.kind, envName: env };
        return undefined;
      }
      if (op === SyntaxKind.PlusToken) {
        const l = this.stringValue(node.getLeft(), depth - 1);
        const r = this.stringValue(node.getRight(), depth - 1);
        if (l && r) return { value: l.value + r.value, kind: 'template', node, exact: l.exact && r.exact };
      }
    }
    return undefined;
  }

  /** `process.env.X` / `process.env["X"]` / `import.meta.env.X` → `X`. */
  envName(node: Node): string | undefined {
    if (Node.isPropertyAccessExpression(node)) {
      const obj = node.getExpression().getText().replace(/\s+/g, '');
      if (obj === 'process.env' || obj === 'import.meta.env' || obj === 'Deno.env') return node.getName();
    }
    if (Node.isElementAccessExpression(node)) {
      const obj = node.getExpression().getText().replace(/\s+/g, '');
      const arg = node.getArgumentExpression();
      if ((obj === 'process.env' || obj === 'import.meta.env') && arg && Node.isStringLiteral(arg)) return arg.getLiteralValue();
    }
    return undefined;
  }

  /**
   * A callee chain as text: identifiers and property names, calls as `()`, `new X()` as `new X()`,
   * element access as `[]`; '' when the expression is something else.
   */
  chain(node: Node): string {
    // Down the chain to its root (or to a link already known), then back up, each link
    // remembered: a 3,000-link builder chain is one loop, not a recursion per link.
    const links: Array<[Node, string, string]> = [];
    let n: Node = node;
    let base: string | undefined;
    while (base === undefined) {
      const known = this.chains.get(n.compilerNode);
      if (known !== undefined) base = known;
      else if (Node.isIdentifier(n) || Node.isThisExpression(n)) base = n.getText();
      else if (Node.isPropertyAccessExpression(n)) {
        links.push([n, '', `.${n.getName()}`]);
        n = n.getExpression();
      } else if (Node.isElementAccessExpression(n)) {
        links.push([n, '', '[]']);
        n = n.getExpression();
      } else if (Node.isCallExpression(n)) {
        links.push([n, '', '()']);
        n = n.getExpression();
      } else if (Node.isNewExpression(n)) {
        links.push([n, 'new ', '()']);
        n = n.getExpression();
      } else if (Node.isParenthesizedExpression(n) || Node.isNonNullExpression(n) || Node.isAsExpression(n) || Node.isAwaitExpression(n)) {
        links.push([n, '', '']);
        n = n.getExpression();
      } else base = '';
    }
    let out = base;
    for (let i = links.length - 1; i >= 0; i--) {
      const [link, prefix, suffix] = links[i] as [Node, string, string];
      out = out ? prefix + out + suffix : '';
      this.chains.set(link.compilerNode, out);
    }
    return out;
  }
}

/**
 * The package a Deno-style specifier names: `npm:openai@4` → `openai`, `jsr:@std/http@1/server`
 * → `@std/http/server`, `https://esm.sh/@supabase/supabase-js@2` → `@supabase/supabase-js`
 * (also esm.run, cdn.skypack.dev, jspm). Other specifiers are returned as written.
 */
export function packageSpecifier(spec: string): string {
  let rest: string | undefined;
  const m = /^(npm|jsr):\/?(.*)$/.exec(spec);
  if (m) rest = m[2];
  else {
    const u = /^https?:\/\/(?:esm\.sh|esm\.run|cdn\.skypack\.dev|cdn\.jsdelivr\.net\/npm|ga\.jspm\.io\/npm:)\/?(?:v\d+\/)?(.*)$/.exec(spec);
    if (u) rest = u[1];
  }
  if (rest === undefined) return spec;
  const parts = cutAtAny(rest, '?').split('/');
  const scoped = parts[0]?.startsWith('@');
  const name = scoped ? `${parts[0]}/${(parts[1] ?? '').replace(/@[^/]*$/, '')}` : (parts[0] ?? '').replace(/@[^/]*$/, '');
  const sub = parts.slice(scoped ? 2 : 1).filter(Boolean);
  return sub.length > 0 ? `${name}/${sub.join('/')}` : name;
}
