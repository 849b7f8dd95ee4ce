import type { Node as PyNode } from 'web-tree-sitter';
import type { FileModel } from '../model/file-model.js';
import type { ProjectModel } from '../model/project.js';
import { span as pySpan, type PythonModule } from '../parse/python.js';
import { Node as TsNode, SyntaxKind, tsSpan, type TsModule } from '../parse/typescript.js';
import type { Span } from '../types.js';
import { deeper } from '../parse/walk.js';

/**
 * Static values of expressions in Python and TS/JS, one step further than the parsers'
 * `stringValue`: variables assigned once in the enclosing function, parameter defaults,
 * constants imported from another module of the repository, and properties of `const`
 * object literals. Nothing is evaluated.
 */
export interface StaticString {
  value: string;
  /** False when some part of the value is unknown (a template with a runtime part). */
  exact: boolean;
  via: 'literal' | 'constant' | 'template' | 'env-default' | 'parameter-default' | 'imported';
  /** Where the text is: the literal that holds it (in `file`, or in `definedIn`). */
  span: Span;
  /** Root-relative path of the module that holds the literal, when it is not this file. */
  definedIn?: string;
  envName?: string;
}

// ---------------------------------------------------------------- Python

function pyKids(node: PyNode): PyNode[] {
  return node.namedChildren.filter((c): c is PyNode => c !== null);
}

const PY_SCOPES = new Set(['function_definition', 'lambda']);

/** The innermost function around a node, or the module. */
function pyScope(node: PyNode): PyNode {
  let n: PyNode | null = node.parent;
  // The root ends the walk whatever its type (error recovery can make it an ERROR node).
  while (n && !PY_SCOPES.has(n.type) && n.type !== 'module' && n.parent) n = n.parent;
  return n ?? node;
}

/** The outermost scope: the module (or the root the parser recovered to). */
function isRootScope(scope: PyNode): boolean {
  return scope.type === 'module' || !scope.parent;
}

/**
 * One binding of a name in a scope: an assignment, a parameter (its default), a `for` target (its
 * iterable), `with X as name` (whose value is X, what most context managers return), or something else.
 */
export interface PyBinding {
  kind: 'assign' | 'param' | 'with' | 'for' | 'other';
  value?: PyNode;
}

/** Bindings per scope, computed once per scope: every name a scope binds, in one walk. */
const scopeCache = new WeakMap<PythonModule, Map<string, Map<string, PyBinding[]>>>();

/** Every binding of `name` directly in `scope` (nested functions and classes excluded). */
function pyBindings(py: PythonModule, scope: PyNode, name: string): PyBinding[] {
  let byScope = scopeCache.get(py);
  if (!byScope) {
    byScope = new Map();
    scopeCache.set(py, byScope);
  }
  const key = `${scope.type}:${scope.startIndex}`;
  let names = byScope.get(key);
  if (!names) {
    names = scopeBindings(py, scope);
    byScope.set(key, names);
  }
  return names.get(name) ?? [];
}

function scopeBindings(py: PythonModule, scope: PyNode): Map<string, PyBinding[]> {
  const out = new Map<string, PyBinding[]>();
  const add = (name: string, b: PyBinding): void => {
    const list = out.get(name) ?? [];
    list.push(b);
    out.set(name, list);
  };
  if (scope.type === 'function_definition') {
    const params = scope.childForFieldName('parameters');
    for (const p of params ? pyKids(params) : []) {
      if (p.type === 'identifier') add(py.text_(p), { kind: 'param' });
      else if (p.type === 'default_parameter' || p.type === 'typed_default_parameter') {
        const n = p.childForFieldName('name');
        if (n) add(py.text_(n), { kind: 'param', value: p.childForFieldName('value') ?? undefined });
      } else if (p.type === 'typed_parameter') {
        const n = pyKids(p)[0];
        if (n && n.type === 'identifier') add(py.text_(n), { kind: 'param' });
      }
    }
  }
  const body = isRootScope(scope) ? scope : scope.childForFieldName('body');
  const stack: PyNode[] = body ? [body] : [];
  // Nested unpacking targets (`((a, b), c) = ...`) with an explicit stack, names in source order.
  const targets = (t: PyNode | null, b: PyBinding): void => {
    const todo: Array<[PyNode, PyBinding]> = t ? [[t, b]] : [];
    while (todo.length > 0) {
      const [x, xb] = todo.pop() as [PyNode, PyBinding];
      if (x.type === 'identifier') add(py.text_(x), xb);
      else if (x.type === 'pattern_list' || x.type === 'tuple_pattern' || x.type === 'list_pattern' || x.type === 'tuple' || x.type === 'list') {
        const ks = pyKids(x);
        for (let i = ks.length - 1; i >= 0; i--) todo.push([ks[i] as PyNode, { kind: 'other' }]);
      }
    }
  };
  while (stack.length) {
    const n = stack.pop() as PyNode;
    if (n.type === 'function_definition' || n.type === 'class_definition' || n.type === 'lambda') {
      // The definition binds its own name in this scope.
      const nm = n.childForFieldName('name');
      if (nm) add(py.text_(nm), { kind: 'other' });
      continue;
    }
    if (n.type === 'assignment' || n.type === 'augmented_assignment') {
      const left = n.childForFieldName('left');
      if (left && left.type === 'identifier') add(py.text_(left), n.type === 'assignment' ? { kind: 'assign', value: n.childForFieldName('right') ?? undefined } : { kind: 'other' });
      else targets(left, { kind: 'other' });
    } else if (n.type === 'for_statement' || n.type === 'for_in_clause') {
      const left = n.childForFieldName('left');
      if (left?.type === 'identifier') add(py.text_(left), { kind: 'for', value: n.childForFieldName('right') ?? undefined });
      else targets(left, { kind: 'other' });
    } else if (n.type === 'named_expression') {
      targets(n.childForFieldName('name'), { kind: 'other' });
    } else if (n.type === 'as_pattern') {
      const t = pyKids(n)[pyKids(n).length - 1];
      const ctx = n.parent?.type === 'with_item' ? pyKids(n)[0] : undefined;
      targets(t && t.type === 'as_pattern_target' ? (pyKids(t)[0] ?? null) : (t ?? null), ctx ? { kind: 'with', value: ctx } : { kind: 'other' });
    } else if (n.type === 'global_statement' || n.type === 'nonlocal_statement') {
      for (const c of pyKids(n)) add(py.text_(c), { kind: 'other' });
    }
    for (const c of pyKids(n)) stack.push(c);
  }
  return out;
}

/**
 * The bindings of the name `ident` in the nearest enclosing function (or module) scope that
 * binds it at all, with that scope; undefined when no scope of the file binds it.
 */
export function pyLookup(file: FileModel, ident: PyNode): { scope: PyNode; bindings: PyBinding[] } | undefined {
  const py = file.python();
  if (!py) return undefined;
  const name = py.text_(ident);
  for (let scope = pyScope(ident); ; scope = pyScope(scope)) {
    const bindings = pyBindings(py, scope, name);
    if (bindings.length > 0) return { scope, bindings };
    if (isRootScope(scope)) return undefined;
  }
}

/** The bindings of `name` at the top level of a module. */
export function pyModuleBindings(file: FileModel, name: string): PyBinding[] {
  const py = file.python();
  return py ? pyBindings(py, py.root, name) : [];
}

/** Imported name → the module file and the name in it (`from .config import MODEL as M`). */
function pyImported(file: FileModel, project: ProjectModel | undefined, name: string): { file: FileModel; name: string } | undefined {
  const py = file.python();
  if (!py || !project) return undefined;
  const imp = py.imports().find((i) => i.local === name && !i.star);
  if (!imp || imp.qualified === imp.module) return undefined;
  const target = project.index.resolvePy(file.path, imp.module);
  const other = target ? project.file(target) : undefined;
  if (!other || other === file) return undefined;
  return { file: other, name: imp.qualified.slice(imp.qualified.lastIndexOf('.') + 1) };
}

/**
 * The string a Python expression holds, when it can be known statically. Adds to
 * `PythonModule.stringValue`: names assigned exactly once in the enclosing function (or module
 * block), parameter defaults (`def f(model="org/x")`), and constants imported from another
 * module of the repository.
 */
export function pyString(file: FileModel, node: PyNode | null | undefined, project?: ProjectModel, depth = 4): StaticString | undefined {
  const py = file.python();
  if (!py || !node || depth <= 0) return undefined;
  const direct = py.stringValue(node);
  if (direct) return { value: direct.value, exact: direct.exact, via: direct.kind, span: pySpan(direct.node), envName: direct.envName };
  // Parentheses cost no depth: looked through in a loop.
  while (node.type === 'parenthesized_expression') {
    node = pyKids(node)[0];
    if (!node) return undefined;
  }
  if (node.type !== 'identifier') return undefined;
  const name = py.text_(node);
  for (let scope = pyScope(node); ; scope = pyScope(scope)) {
    const bindings = pyBindings(py, scope, name);
    if (bindings.length > 0) {
      if (bindings.length !== 1) return undefined;
      const b = bindings[0] as PyBinding;
      if (!b.value || b.kind === 'other' || b.kind === 'with' || b.kind === 'for') return undefined;
      const v = pyString(file, b.value, project, depth - 1);
      if (!v) return undefined;
      return b.kind === 'param' ? { ...v, via: 'parameter-default' } : v.via === 'literal' ? { ...v, via: 'constant' } : v;
    }
    if (isRootScope(scope)) break;
  }
  const imp = pyImported(file, project, name);
  if (imp) {
    const other = imp.file.python();
    const bound = other?.constants().get(imp.name);
    const v = bound ? pyString(imp.file, bound, project, depth - 1) : undefined;
    if (v) return { ...v, via: 'imported', definedIn: v.definedIn ?? imp.file.path };
  }
  return undefined;
}

/** `True`/`False` (also through a name bound once); undefined when unknown, and past the shared resolution depth (`a = b; b = a`). */
export function pyBool(file: FileModel, node: PyNode | null | undefined): boolean | undefined {
  return deeper(undefined, () => pyBoolOf(file, node));
}

function pyBoolOf(file: FileModel, node: PyNode | null | undefined): boolean | undefined {
  const py = file.python();
  if (!py || !node) return undefined;
  if (node.type === 'true') return true;
  if (node.type === 'false' || node.type === 'none') return false;
  if (node.type === 'identifier') {
    const bindings = pyBindings(py, pyScope(node), py.text_(node));
    const only = bindings.length === 1 ? bindings[0] : undefined;
    if (only?.value && (only.kind === 'assign' || only.kind === 'param')) return pyBool(file, only.value);
    const c = bindings.length === 0 ? py.constants().get(py.text_(node)) : undefined;
    return c ? pyBool(file, c) : undefined;
  }
  return undefined;
}

/**
 * The expressions a name holds where it is used: its assignments and `with X as name` contexts
 * in the nearest enclosing scope that binds it (the function, else the module). Empty when the
 * name is a parameter, a loop variable or not bound in the file.
 */
export function pyBoundValues(file: FileModel, node: PyNode): PyNode[] {
  const py = file.python();
  if (!py || node.type !== 'identifier') return [];
  const name = py.text_(node);
  for (let scope = pyScope(node); ; scope = pyScope(scope)) {
    const bindings = pyBindings(py, scope, name);
    if (bindings.length > 0)
      return bindings
        .filter((b) => b.kind === 'assign' || b.kind === 'with')
        .map((b) => b.value as PyNode)
        .filter(Boolean);
    if (isRootScope(scope)) return [];
  }
}

/** Keys of a `{...}` / `dict(...)` literal bound to a name once (for `**kwargs` splats). */
export function pyDictKeys(file: FileModel, node: PyNode | null | undefined): Map<string, PyNode> | undefined {
  const py = file.python();
  if (!py || !node) return undefined;
  let n: PyNode | undefined = node;
  if (n.type === 'identifier') {
    const bindings = pyBindings(py, pyScope(n), py.text_(n));
    const only = bindings.length === 1 ? bindings[0] : undefined;
    n = only?.kind === 'assign' ? only.value : bindings.length === 0 ? (py.constants().get(py.text_(n)) ?? undefined) : undefined;
  }
  if (!n) return undefined;
  const out = new Map<string, PyNode>();
  if (n.type === 'dictionary') {
    for (const pair of pyKids(n)) {
      if (pair.type === 'dictionary_splat') return undefined;
      if (pair.type !== 'pair') continue;
      const k = pair.childForFieldName('key');
      const v = pair.childForFieldName('value');
      const ks = k ? py.stringValue(k) : undefined;
      if (ks && v) out.set(ks.value, v);
    }
    return out;
  }
  if (n.type === 'call' && py.chain(n.childForFieldName('function') as PyNode) === 'dict') {
    const args = n.childForFieldName('arguments');
    for (const a of args ? pyKids(args) : []) {
      if (a.type !== 'keyword_argument') return undefined;
      const k = a.childForFieldName('name');
      const v = a.childForFieldName('value');
      if (k && v) out.set(py.text_(k), v);
    }
    return out;
  }
  return undefined;
}

// ---------------------------------------------------------------- TypeScript

/** The parameter (or destructured parameter property) named `name` of the functions around `node`. */
function tsParamDefault(node: TsNode, name: string): TsNode | null | undefined {
  for (let n: TsNode | undefined = node.getParent(); n; n = n.getParent()) {
    if (!TsNode.isFunctionLikeDeclaration(n) && !TsNode.isArrowFunction(n) && !TsNode.isFunctionExpression(n)) continue;
    for (const p of n.getParameters()) {
      const pn = p.getNameNode();
      if (TsNode.isIdentifier(pn) && pn.getText() === name) return p.getInitializer() ?? null;
      if (TsNode.isObjectBindingPattern(pn)) {
        for (const el of pn.getElements()) if (el.getName() === name) return el.getInitializer() ?? null;
      }
    }
  }
  return undefined;
}

/**
 * Exported `const` initializer of another module (follows `export { X } from` and `export *`
 * chains; a cycle of re-exports, or a chain past the shared resolution depth, is unknown).
 */
function tsExportedConst(file: FileModel, project: ProjectModel, name: string, seen = new Set<string>()): { file: FileModel; init: TsNode } | undefined {
  const key = `${file.path}\0${name}`;
  if (seen.has(key)) return undefined;
  seen.add(key);
  return deeper(undefined, () => tsExportedConstOf(file, project, name, seen));
}

function tsExportedConstOf(file: FileModel, project: ProjectModel, name: string, seen: Set<string>): { file: FileModel; init: TsNode } | undefined {
  const ts = file.ts();
  if (!ts) return undefined;
  const decl = ts.source.getVariableDeclaration(name);
  if (decl?.isExported()) {
    const init = ts.constInit(name);
    if (init) return { file, init };
  }
  for (const ex of ts.source.getExportDeclarations()) {
    const spec = ex.getModuleSpecifierValue();
    if (!spec) continue;
    const named = ex.getNamedExports();
    const hit = named.find((n) => (n.getAliasNode()?.getText() ?? n.getName()) === name);
    if (!hit && !(named.length === 0 && ex.isNamespaceExport() === false)) continue;
    const target = project.index.resolveTs(file.path, spec);
    const other = target ? project.file(target) : undefined;
    if (other && other !== file) {
      const r = tsExportedConst(other, project, hit ? hit.getName() : name, seen);
      if (r) return r;
    }
  }
  return undefined;
}

/** An identifier imported from a module of the repository: its exported `const` initializer. */
export function tsImportedConst(file: FileModel, project: ProjectModel | undefined, name: string): { file: FileModel; init: TsNode } | undefined {
  const ts = file.ts();
  if (!ts || !project) return undefined;
  const imp = ts.importMap().get(name);
  if (!imp || imp.imported === '*' || imp.imported === 'default') return undefined;
  const target = project.index.resolveTs(file.path, imp.module);
  const other = target ? project.file(target) : undefined;
  if (!other || other === file) return undefined;
  return tsExportedConst(other, project, imp.imported);
}

function unwrapTs(node: TsNode): TsNode {
  let n = node;
  while (TsNode.isParenthesizedExpression(n) || TsNode.isAsExpression(n) || TsNode.isSatisfiesExpression(n) || TsNode.isNonNullExpression(n) || TsNode.isTypeAssertion(n)) {
    n = n.getExpression();
  }
  return n;
}

/** The object literal an expression stands for: a literal, or a `const` (local or imported) bound to one; unknown past the shared resolution depth (`const a = b, b = a`). */
export function tsObjectLiteral(file: FileModel, node: TsNode | undefined, project?: ProjectModel): { file: FileModel; node: TsNode } | undefined {
  return deeper(undefined, () => tsObjectLiteralOf(file, node, project));
}

function tsObjectLiteralOf(file: FileModel, node: TsNode | undefined, project?: ProjectModel): { file: FileModel; node: TsNode } | undefined {
  const ts = file.ts();
  if (!ts || !node) return undefined;
  const n = unwrapTs(node);
  if (TsNode.isObjectLiteralExpression(n)) return { file, node: n };
  if (TsNode.isIdentifier(n)) {
    const init = ts.constInit(n.getText());
    if (init) return tsObjectLiteral(file, init, project);
    const imp = tsImportedConst(file, project, n.getText());
    if (imp) return tsObjectLiteral(imp.file, imp.init, project);
  }
  return undefined;
}

/**
 * A property of an object literal, also through spreads of other literals (`{ ...base, x }`;
 * later properties win). Returns the initializer node and the file it is in.
 */
export function tsProperty(file: FileModel, obj: TsNode, key: string, project?: ProjectModel, depth = 3): { file: FileModel; node: TsNode; nameSpan: Span } | undefined {
  if (!TsNode.isObjectLiteralExpression(obj) || depth <= 0) return undefined;
  const props = obj.getProperties();
  for (let i = props.length - 1; i >= 0; i--) {
    const p = props[i] as TsNode;
    if (TsNode.isPropertyAssignment(p)) {
      const nameNode = p.getNameNode();
      const k = TsNode.isStringLiteral(nameNode) ? nameNode.getLiteralValue() : nameNode.getText();
      if (k === key) {
        const init = p.getInitializer();
        if (init) return { file, node: init, nameSpan: tsSpan(nameNode) };
      }
    } else if (TsNode.isShorthandPropertyAssignment(p) && p.getName() === key) {
      return { file, node: p.getNameNode(), nameSpan: tsSpan(p.getNameNode()) };
    } else if (TsNode.isSpreadAssignment(p)) {
      const inner = tsObjectLiteral(file, p.getExpression(), project);
      const hit = inner ? tsProperty(inner.file, inner.node, key, project, depth - 1) : undefined;
      if (hit) return hit;
    } else if ((TsNode.isMethodDeclaration(p) || TsNode.isGetAccessorDeclaration(p)) && p.getName() === key) {
      return undefined;
    }
  }
  return undefined;
}

/**
 * The string a TS/JS expression holds, when it can be known statically. Adds to
 * `TsModule.stringValue`: parameter defaults, `const`s imported from another module of the
 * repository, and properties of `const` object literals (`MODELS.chat`).
 */
export function tsString(file: FileModel, node: TsNode | undefined, project?: ProjectModel, depth = 4): StaticString | undefined {
  const ts = file.ts();
  if (!ts || !node || depth <= 0) return undefined;
  const direct = ts.stringValue(node);
  if (direct) return { value: direct.value, exact: direct.exact, via: direct.kind, span: tsSpan(direct.node), envName: direct.envName };
  const n = unwrapTs(node);
  if (TsNode.isIdentifier(n)) {
    const name = n.getText();
    if (ts.constInit(name)) return undefined;
    const def = tsParamDefault(n, name);
    if (def) {
      const v = tsString(file, def, project, depth - 1);
      return v ? { ...v, via: 'parameter-default' } : undefined;
    }
    if (def === null) return undefined;
    const imp = tsImportedConst(file, project, name);
    if (imp) {
      const v = tsString(imp.file, imp.init, project, depth - 1);
      if (v) return { ...v, via: 'imported', definedIn: v.definedIn ?? imp.file.path };
    }
    return undefined;
  }
  if (TsNode.isPropertyAccessExpression(n) || TsNode.isElementAccessExpression(n)) {
    const key = TsNode.isPropertyAccessExpression(n) ? n.getName() : ts.stringValue(n.getArgumentExpression())?.value;
    if (key === undefined) return undefined;
    const obj = tsObjectLiteral(file, n.getExpression(), project);
    const prop = obj ? tsProperty(obj.file, obj.node, key, project) : undefined;
    if (!prop) return undefined;
    const v = tsString(prop.file, prop.node, project, depth - 1);
    if (!v) return undefined;
    return prop.file === file ? v : { ...v, via: 'imported', definedIn: v.definedIn ?? prop.file.path };
  }
  if (TsNode.isBinaryExpression(n)) {
    const op = n.getOperatorToken().getKind();
    if (op === SyntaxKind.QuestionQuestionToken || op === SyntaxKind.BarBarToken) {
      const right = tsString(file, n.getRight(), project, depth - 1);
      const env = ts.envName(unwrapTs(n.getLeft()));
      if (right) return { ...right, via: env ? 'env-default' : right.via, envName: env ?? right.envName };
    }
  }
  return undefined;
}

/** `true`/`false` literal (also through a `const`); undefined when unknown, and past the shared resolution depth. */
export function tsBool(file: FileModel, node: TsNode | undefined): boolean | undefined {
  return deeper(undefined, () => tsBoolOf(file, node));
}

function tsBoolOf(file: FileModel, node: TsNode | undefined): boolean | undefined {
  const ts = file.ts();
  if (!ts || !node) return undefined;
  const n = unwrapTs(node);
  if (n.getKind() === SyntaxKind.TrueKeyword) return true;
  if (n.getKind() === SyntaxKind.FalseKeyword) return false;
  if (TsNode.isIdentifier(n)) {
    const init = ts.constInit(n.getText());
    return init ? tsBool(file, init) : undefined;
  }
  return undefined;
}

export type { PyNode, TsNode, TsModule };
