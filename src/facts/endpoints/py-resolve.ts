import type { Node } from 'web-tree-sitter';
import type { ProjectModel } from '../../model/project.js';
import { span } from '../../parse/python.js';
import { InferenceContext } from '../inference/context.js';
import type { FunctionInfo } from '../inference/types.js';
import type { PyInference, PyValue } from '../inference/python.js';
import { forEachPyStatement } from '../inference/python.js';
import { shortText } from './ts-resolve.js';
import type { Layer, LayerKind, LayerLevel } from './types.js';

export function kids(n: Node): Node[] {
  return n.namedChildren.filter((c): c is Node => c !== null && c.type !== 'comment');
}

export function field(n: Node, name: string): Node | undefined {
  return n.childForFieldName(name) ?? undefined;
}

/** `await x`, `(x)` → x. */
export function unwrapPy(n: Node): Node {
  let cur = n;
  while ((cur.type === 'await' || cur.type === 'parenthesized_expression') && kids(cur)[0]) cur = kids(cur)[0] as Node;
  return cur;
}

/** Where a Python name is bound. */
export type PyDecl =
  | { k: 'value'; a: PyInference; node: Node }
  | { k: 'param'; a: PyInference; fn: Node; index: number; node: Node }
  | { k: 'def'; a: PyInference; node: Node }
  | { k: 'module'; path: string };

const scopeTables = new WeakMap<PyInference, Map<number, Map<string, PyDecl[]>>>();

/** The assignments (`name = <value>`) and definitions of a name directly in a scope's body (blocks included, nested defs not). */
function bindingsIn(a: PyInference, body: Node, name: string): PyDecl[] {
  let tables = scopeTables.get(a);
  if (!tables) {
    tables = new Map();
    scopeTables.set(a, tables);
  }
  let table = tables.get(body.id);
  if (!table) {
    const t = new Map<string, PyDecl[]>();
    const add = (n: string, d: PyDecl): void => {
      const list = t.get(n);
      if (list) list.push(d);
      else t.set(n, [d]);
    };
    forEachPyStatement(body, (st) => {
      const def = st.type === 'decorated_definition' ? field(st, 'definition') : st;
      if (def && (def.type === 'function_definition' || def.type === 'class_definition')) {
        const n = field(def, 'name');
        if (n) add(a.text(n), { k: 'def', a, node: def });
        return;
      }
      if (st.type !== 'expression_statement') return;
      for (const e of kids(st)) {
        if (e.type !== 'assignment') continue;
        const left = field(e, 'left');
        const right = field(e, 'right');
        if (left?.type === 'identifier' && right) add(a.text(left), { k: 'value', a, node: right });
      }
    });
    table = t;
    tables.set(body.id, table);
  }
  return table.get(name) ?? [];
}

function paramsOf(a: PyInference, fn: Node): Array<{ name: string; node: Node; index: number }> {
  const ps = field(fn, 'parameters');
  const out: Array<{ name: string; node: Node; index: number }> = [];
  let i = 0;
  for (const p of ps ? kids(ps) : []) {
    if (p.type === 'keyword_separator' || p.type === 'positional_separator') continue;
    const n = p.type === 'identifier' ? p : p.type === 'typed_parameter' ? kids(p).find((c) => c.type === 'identifier') : field(p, 'name');
    if (n?.type === 'identifier') out.push({ name: a.text(n), node: p, index: i });
    i++;
  }
  return out;
}

/** The bindings of a name seen from a node: enclosing functions (parameters, assignments), the module, its imports. */
export function pyDecls(project: ProjectModel, a: PyInference, name: string, at: Node): PyDecl[] {
  for (let n: Node | null = at.parent; n; n = n.parent) {
    if (n.type === 'function_definition') {
      const p = paramsOf(a, n).find((x) => x.name === name);
      if (p) return [{ k: 'param', a, fn: n, index: p.index, node: p.node }];
      const body = field(n, 'body');
      const found = body ? bindingsIn(a, body, name) : [];
      if (found.length > 0) return found;
    } else if (n.type === 'module') {
      const found = bindingsIn(a, n, name);
      if (found.length > 0) return found;
      const q = a.mod.importMap().get(name);
      if (q) return importDecls(project, a.file.path, q);
    }
  }
  return [];
}

/** What a qualified import (`app.routers.chat.router`, `.routers.chat`) names in the repository. */
export function importDecls(project: ProjectModel, from: string, q: string, depth = 0): PyDecl[] {
  if (depth > 6) return [];
  const ctx = InferenceContext.of(project);
  const dots = /^\.*/.exec(q)?.[0] ?? '';
  const parts = q.slice(dots.length).split('.').filter(Boolean);
  for (let i = parts.length; i >= 0; i--) {
    const mod = dots + parts.slice(0, i).join('.');
    if (mod === '') continue;
    const path = ctx.resolvePy(from, mod);
    if (!path) continue;
    const rest = parts.slice(i);
    if (rest.length === 0) return [{ k: 'module', path }];
    return moduleDecls(project, path, rest[0] as string, depth + 1);
  }
  return [];
}

/** A module-level binding of a repository module (re-exports and submodules of packages followed). */
export function moduleDecls(project: ProjectModel, path: string, name: string, depth = 0): PyDecl[] {
  const a = InferenceContext.of(project).pyAt(path);
  if (!a || depth > 6) return [];
  const found = bindingsIn(a, a.mod.root, name);
  if (found.length > 0) return found;
  const q = a.mod.importMap().get(name);
  if (q) return importDecls(project, path, q, depth + 1);
  if (path.endsWith('__init__.py')) {
    const dir = path.slice(0, -'__init__.py'.length);
    for (const c of [`${dir}${name}.py`, `${dir}${name}/__init__.py`]) if (project.exists(c)) return [{ k: 'module', path: c }];
  }
  return [];
}

/** `path#name` for repository functions, the qualified name for external ones, else undefined. */
export function pyValueName(v: PyValue | undefined, project: ProjectModel): string | undefined {
  if (!v) return undefined;
  if (v.t === 'extern') return v.q;
  if (v.t === 'fn') return InferenceContext.of(project).pyAt(v.path)?.fnInfo(v.node).id;
  if (v.t === 'class' || v.t === 'instance') {
    const a = InferenceContext.of(project).pyAt(v.path);
    const n = field(v.node, 'name');
    return `${v.path}#${n && a ? a.text(n) : '?'}${v.t === 'instance' ? '()' : ''}`;
  }
  return undefined;
}

/** The repository function a Python expression designates (a def, a name of one, a method), if any. */
export function pyFunction(project: ProjectModel, a: PyInference, e: Node): FunctionInfo | undefined {
  const u = unwrapPy(e);
  if (u.type === 'function_definition' || u.type === 'lambda') return a.fnInfo(u);
  const v = a.valueOf(u);
  if (v?.t === 'fn') return InferenceContext.of(project).pyAt(v.path)?.fnInfo(v.node);
  return undefined;
}

/** A layer for a decorator, dependency, middleware class or hook expression. */
export function pyLayer(project: ProjectModel, a: PyInference, expr: Node, level: LayerLevel, kind: LayerKind, extra: Partial<Layer> = {}): Layer {
  const e = unwrapPy(expr);
  const ctx = InferenceContext.of(project);
  let name: string | undefined;
  let fn: FunctionInfo | undefined;
  let cls: Layer['cls'];
  if (e.type === 'call') {
    const callee = field(e, 'function');
    const cv = callee ? a.valueOf(callee) : undefined;
    if (cv?.t === 'fn') {
      const f = ctx.pyAt(cv.path)?.fnInfo(cv.node);
      name = `${f?.id ?? a.text(callee as Node)}()`;
      const r = a.valueOf(e);
      fn = r?.t === 'fn' ? ctx.pyAt(r.path)?.fnInfo(r.node) : f;
    } else if (cv?.t === 'class') {
      cls = { path: cv.path, node: cv.node };
      name = pyValueName(cv, project);
    }
  }
  if (!name) {
    const v = a.valueOf(e);
    name = pyValueName(v, project);
    if (v?.t === 'fn') fn = ctx.pyAt(v.path)?.fnInfo(v.node);
    if (v?.t === 'class' || v?.t === 'instance') cls = { path: v.path, node: v.node };
  }
  if (!name) {
    const chain = a.mod.chain(e);
    name = chain ? a.mod.qualify(chain) : shortText(a.text(e));
  }
  return { level, kind, name, text: shortText(a.text(e)), file: a.file.path, span: span(e), node: e, ...(fn ? { fn } : {}), ...(cls ? { cls } : {}), ...extra };
}

/** The qualified external name a callee resolves to (`fastapi.APIRouter`), or ''. */
export function externQ(a: PyInference, callee: Node | undefined): string {
  if (!callee) return '';
  const v = a.valueOf(callee);
  if (v?.t === 'extern') return v.q;
  const chain = a.mod.chain(callee);
  return chain && !a.mod.importMap().has(chain.split('.')[0] as string) ? '' : chain ? a.mod.qualify(chain) : '';
}

/** The positional and keyword arguments of a call node. */
export function callArgs(call: Node): { args: Node[]; kwargs: Map<string, Node> } {
  const args: Node[] = [];
  const kwargs = new Map<string, Node>();
  const list = field(call, 'arguments');
  for (const c of list ? kids(list) : []) {
    if (c.type === 'keyword_argument') {
      const n = field(c, 'name');
      const v = field(c, 'value');
      if (n && v) kwargs.set(n.text, v);
    } else if (c.type !== 'list_splat' && c.type !== 'dictionary_splat') args.push(c);
  }
  return { args, kwargs };
}

/** Items of a list/tuple literal (or of names bound to one, and `a + b`), for `routes=[...]`, `dependencies=[...]`. */
export function listItems(project: ProjectModel, a: PyInference, n: Node | undefined, depth = 0): Array<{ a: PyInference; node: Node }> {
  if (!n || depth > 4) return [];
  const u = unwrapPy(n);
  if (u.type === 'list' || u.type === 'tuple' || u.type === 'set') return kids(u).map((node) => ({ a, node }));
  if (u.type === 'binary_operator') return [...listItems(project, a, field(u, 'left'), depth + 1), ...listItems(project, a, field(u, 'right'), depth + 1)];
  if (u.type === 'identifier') {
    const out: Array<{ a: PyInference; node: Node }> = [];
    for (const d of pyDecls(project, a, a.text(u), u)) if (d.k === 'value') out.push(...listItems(project, d.a, d.node, depth + 1));
    // `urlpatterns += [...]`
    return out;
  }
  return [];
}
