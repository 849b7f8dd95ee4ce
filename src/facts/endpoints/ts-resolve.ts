import type { ParameterDeclaration } from 'ts-morph';
import { Node, SyntaxKind } from '../../parse/ts-morph.js';
import type { ProjectModel } from '../../model/project.js';
import type { TsImport } from '../../parse/typescript.js';
import { tsSpan } from '../../parse/typescript.js';
import { InferenceContext } from '../inference/context.js';
import type { FunctionInfo } from '../inference/types.js';
import { isFunctionLike, type TsInference, type TsValue } from '../inference/ts.js';
import type { Layer, LayerKind, LayerLevel } from './types.js';
import { deeper } from '../../parse/walk.js';

/** Where a name is declared. */
export type TsDecl =
  | { k: 'var'; node: Node; init?: Node }
  | { k: 'param'; node: ParameterDeclaration; fn: Node; index: number }
  | { k: 'import'; imp: TsImport }
  | { k: 'fn'; node: Node }
  | { k: 'class'; node: Node };

/** Parentheses, `as`, `!`, `satisfies`, `await`. */
export function unwrapTs(n: Node): Node {
  let cur = n;
  for (;;) {
    if (Node.isParenthesizedExpression(cur) || Node.isAsExpression(cur) || Node.isNonNullExpression(cur) || Node.isSatisfiesExpression(cur) || Node.isTypeAssertion(cur) || Node.isAwaitExpression(cur))
      cur = cur.getExpression();
    else return cur;
  }
}

/** The declaration a name refers to at a node: lexical scopes outwards, then the file's imports. */
export function declOf(a: TsInference, name: string, at: Node): TsDecl | undefined {
  for (let n: Node | undefined = at; n; n = n.getParent()) {
    if (isFunctionLike(n)) {
      const params = (n as unknown as { getParameters(): ParameterDeclaration[] }).getParameters();
      const i = params.findIndex((p) => Node.isIdentifier(p.getNameNode()) && p.getName() === name);
      if (i >= 0) return { k: 'param', node: params[i] as ParameterDeclaration, fn: n, index: i };
      if ((Node.isFunctionDeclaration(n) || Node.isFunctionExpression(n)) && n.getName() === name && n !== at) return { k: 'fn', node: n };
    }
    if (Node.isBlock(n) || Node.isSourceFile(n) || Node.isModuleBlock(n) || Node.isCaseClause(n) || Node.isDefaultClause(n)) {
      for (const st of n.getStatements()) {
        if (Node.isVariableStatement(st)) {
          for (const d of st.getDeclarations()) {
            if (Node.isIdentifier(d.getNameNode()) && d.getName() === name) return { k: 'var', node: d, init: d.getInitializer() };
          }
        } else if (Node.isFunctionDeclaration(st) && st.getName() === name) return { k: 'fn', node: st };
        else if (Node.isClassDeclaration(st) && st.getName() === name) return { k: 'class', node: st };
      }
    }
    if (Node.isSourceFile(n)) {
      const imp = a.mod.importMap().get(name);
      if (imp) return { k: 'import', imp };
    }
  }
  return undefined;
}

/**
 * The expression a module exports under a name (`default` for the default export), and the file
 * it is in: `export const app = express()`, `const r = Router(); export default r`,
 * `module.exports = router`, `export { router as chatRouter }`, re-exports.
 */
export function exportedExpr(project: ProjectModel, path: string, name: string, seen = new Set<string>()): { a: TsInference; node: Node; prop?: string } | undefined {
  const key = `${path}#${name}`;
  if (seen.has(key)) return undefined;
  seen.add(key);
  // A re-export chain longer than the shared resolution depth is unknown.
  return deeper(undefined, () => exportedExprOf(project, path, name, seen));
}

function exportedExprOf(project: ProjectModel, path: string, name: string, seen: Set<string>): { a: TsInference; node: Node; prop?: string } | undefined {
  const a = InferenceContext.of(project).tsAt(path);
  if (!a) return undefined;
  for (const st of a.sf.getStatements()) {
    if (name === 'default' && Node.isExportAssignment(st)) return { a, node: st.getExpression() };
    if ((Node.isFunctionDeclaration(st) || Node.isClassDeclaration(st)) && st.hasExportKeyword()) {
      const matches = name === 'default' ? st.hasDefaultKeyword() : st.getName() === name && !st.hasDefaultKeyword();
      if (matches) return { a, node: st };
    }
    if (Node.isVariableStatement(st) && st.hasExportKeyword()) {
      for (const d of st.getDeclarations()) {
        const nn = d.getNameNode();
        const init = d.getInitializer();
        if (Node.isIdentifier(nn) && nn.getText() === name) return init ? { a, node: init } : undefined;
        // export const { handlers, auth } = NextAuth({...})
        if (Node.isObjectBindingPattern(nn) && init) {
          for (const el of nn.getElements()) {
            if (el.getName() === name) return { a, node: init, prop: el.getPropertyNameNode()?.getText() ?? name };
          }
        }
      }
    }
    if (Node.isExportDeclaration(st)) {
      const spec = st.getModuleSpecifierValue();
      const target = spec ? project.index.resolveTs(path, spec) : undefined;
      if (st.isNamespaceExport() || st.getNamedExports().length === 0) {
        if (target) {
          const r = exportedExpr(project, target, name, seen);
          if (r) return r;
        }
        continue;
      }
      for (const ne of st.getNamedExports()) {
        const exported = ne.getAliasNode()?.getText() ?? ne.getName();
        if (exported !== name) continue;
        if (spec) return target ? exportedExpr(project, target, ne.getName(), seen) : undefined;
        return { a, node: ne.getNameNode() };
      }
    }
    if (Node.isExpressionStatement(st)) {
      const e = st.getExpression();
      if (Node.isBinaryExpression(e) && e.getOperatorToken().getKind() === SyntaxKind.EqualsToken) {
        const left = e.getLeft().getText().replace(/\s+/g, '');
        const right = e.getRight();
        if (left === 'module.exports') {
          if (Node.isObjectLiteralExpression(right)) {
            for (const p of right.getProperties()) {
              if (Node.isShorthandPropertyAssignment(p) && p.getName() === name) return { a, node: p.getNameNode() };
              if (Node.isPropertyAssignment(p) && p.getName() === name) return { a, node: p.getInitializerOrThrow() };
            }
          } else if (name === 'default' || name === '*') return { a, node: right };
        }
        if (left === `module.exports.${name}` || left === `exports.${name}`) return { a, node: right };
      }
    }
  }
  return undefined;
}

/**
 * What an expression evaluates to (TsInference.valueOf), also through names imported from a
 * destructuring export (`export const { auth } = NextAuth(...)`).
 */
export function tsValue(project: ProjectModel, a: TsInference, expr: Node): TsValue | undefined {
  const v = a.valueOf(expr);
  if (v) return v;
  const e = unwrapTs(expr);
  if (Node.isIdentifier(e)) {
    const d = declOf(a, e.getText(), e);
    if (d?.k === 'import') {
      const path = project.index.resolveTs(a.file.path, d.imp.module);
      const x = path ? exportedExpr(project, path, d.imp.imported) : undefined;
      if (x?.prop) return x.a.member(x.a.valueOf(x.node), x.prop);
    }
  } else if (Node.isCallExpression(e)) {
    const cv = tsValue(project, a, e.getExpression());
    if (cv?.t === 'extern') return { t: 'extern', module: cv.module, name: `${cv.name}()` };
  } else if (Node.isPropertyAccessExpression(e)) {
    const base = tsValue(project, a, e.getExpression());
    return a.member(base, e.getName()) ?? assignedMember(project, base, e.getName());
  }
  return undefined;
}

/**
 * A property set on an object after it was made: `const controller = {}; controller.chat =
 * async (req, reply) => ...` (a module of handlers filled in one assignment at a time).
 */
function assignedMember(project: ProjectModel, v: TsValue | undefined, name: string): TsValue | undefined {
  if (v?.t !== 'object') return undefined;
  const owner = InferenceContext.of(project).tsAt(v.path);
  if (!owner) return undefined;
  for (const st of owner.sf.getStatements()) {
    if (!Node.isExpressionStatement(st)) continue;
    const x = st.getExpression();
    if (!Node.isBinaryExpression(x) || x.getOperatorToken().getKind() !== SyntaxKind.EqualsToken) continue;
    const left = x.getLeft();
    if (!Node.isPropertyAccessExpression(left) || left.getName() !== name) continue;
    const target = owner.valueOf(left.getExpression());
    if (target?.t === 'object' && target.node === v.node) return owner.valueOf(x.getRight());
  }
  return undefined;
}

/** The FunctionInfo of a function node of any TS file. */
export function fnInfoOf(project: ProjectModel, path: string, node: Node): FunctionInfo | undefined {
  return InferenceContext.of(project).tsAt(path)?.fnInfo(node);
}

/** The function an expression designates (a function literal, a name of one, a method), if in the repository. */
export function tsFunction(project: ProjectModel, a: TsInference, expr: Node): FunctionInfo | undefined {
  const e = unwrapTs(expr);
  if (isFunctionLike(e)) return a.fnInfo(e);
  const v = tsValue(project, a, e);
  if (v?.t === 'fn') return fnInfoOf(project, v.path, v.node);
  return undefined;
}

/** `module#name` for external values, `path#fn` for repository functions, else the text. */
export function valueName(v: TsValue | undefined, project: ProjectModel): string | undefined {
  if (!v) return undefined;
  if (v.t === 'extern') return `${v.module}#${v.name}`;
  if (v.t === 'fn') return fnInfoOf(project, v.path, v.node)?.id;
  if (v.t === 'class' || v.t === 'instance') {
    const name = (v.node as unknown as { getName?(): string | undefined }).getName?.() ?? 'default';
    return `${v.path}#${name}${v.t === 'instance' ? '()' : ''}`;
  }
  if (v.t === 'global') return v.name;
  return undefined;
}

/** Short one-line source text for messages. */
export function shortText(text: string, max = 80): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 3)}...` : t;
}

/**
 * A layer for a middleware, guard, hook or wrapper expression: what it resolves to (an external
 * module export, or a repository function, following factories such as `requireRole('admin')`
 * to the function they return).
 */
export function tsLayer(project: ProjectModel, a: TsInference, expr: Node, level: LayerLevel, kind: LayerKind, path?: string): Layer {
  const e = unwrapTs(expr);
  let name: string | undefined;
  let fn: FunctionInfo | undefined;
  let cls: Layer['cls'];
  if (isFunctionLike(e)) fn = a.fnInfo(e);
  else {
    if (Node.isCallExpression(e) || Node.isNewExpression(e)) {
      const cv = tsValue(project, a, e.getExpression());
      if (cv?.t === 'fn') {
        // A repository factory: named after it, implemented by what it returns.
        name = `${fnInfoOf(project, cv.path, cv.node)?.id ?? e.getExpression().getText()}()`;
        const r = a.valueOf(e);
        if (r?.t === 'fn') fn = fnInfoOf(project, r.path, r.node);
        else fn = fnInfoOf(project, cv.path, cv.node);
      } else if (cv?.t === 'class') {
        cls = { path: cv.path, node: cv.node };
        name = valueName(cv, project);
      }
    }
    if (!name) {
      const v = tsValue(project, a, e);
      name = valueName(v, project);
      if (v?.t === 'fn') fn = fnInfoOf(project, v.path, v.node);
      if (v?.t === 'class' || v?.t === 'instance') cls = { path: v.path, node: v.node };
    }
  }
  return {
    level,
    kind,
    name: name ?? fn?.id ?? shortText(e.getText()),
    text: shortText(e.getText()),
    file: a.file.path,
    span: tsSpan(e),
    node: e,
    ...(fn ? { fn } : {}),
    ...(cls ? { cls } : {}),
    ...(path !== undefined ? { path } : {}),
  };
}
