import type { Node } from 'web-tree-sitter';
import type { FileModel } from '../../model/file-model.js';
import { span, type PyCall, type PythonModule } from '../../parse/python.js';
import type { Span } from '../../types.js';
import { pyString } from '../values.js';
import { anonymousName, bestValue, clientWith, httpSpec, isClient, langchainChain, markOpen, MODULE_FN, openSpreads, pick, pipelineKind, type ClientValue } from './common.js';
import type { FileAnalyzer, InferenceContext, Memo } from './context.js';
import type { MethodInfo } from './sdks.js';
import { siteFields, type ArgExpr, type ArgMap, type CallEdge, type ClientOrigin, type FunctionInfo, type InferenceKind, type PySite, type SiteSpec } from './types.js';
import { replaceEnclosed, trimTrailing } from '../../util/text.js';
import { deeper } from '../../parse/walk.js';

/** What a Python expression evaluates to, as far as the analysis needs to know. */
export type PyValue =
  | ClientValue
  /** requests.Session(), httpx.Client(base_url=...), aiohttp.ClientSession(). */
  | { t: 'http'; origin: ClientOrigin; path: string[] }
  /** A name from outside the repository, qualified: `openai.OpenAI`, `boto3.Session().client`. */
  | { t: 'extern'; q: string }
  | { t: 'fn'; path: string; node: Node }
  | { t: 'class'; path: string; node: Node }
  | { t: 'instance'; path: string; node: Node }
  | { t: 'module'; path: string };

type Decl =
  | { k: 'expr'; node: Node }
  | { k: 'param'; node: Node; fn: Node; index: number }
  | { k: 'fn'; node: Node }
  | { k: 'class'; node: Node }
  | { k: 'import'; q: string }
  | { k: 'annot'; node: Node }
  /** `a, b = value`: the `index`-th item of `value` (a tuple, or what a function returns). */
  | { k: 'item'; node: Node; index: number };

/** Un-annotated parameters followed into their callers, one inside the other. */
const MAX_PARAM_HOPS = 2;
const MAX_DEPTH = 14;
const HTTP_FACTORIES = new Set(['requests.Session', 'requests.session', 'httpx.Client', 'httpx.AsyncClient', 'aiohttp.ClientSession']);
const HTTP_FUNCTIONS = new Set(['requests.post', 'httpx.post', 'requests.request', 'httpx.request']);
const FN_TYPES = new Set(['function_definition', 'lambda']);
/** Calls that call their first argument (with the rest as its arguments). */
const HIGHER_ORDER = /^(asyncio\.to_thread|functools\.partial|anyio\.to_thread\.run_sync|starlette\.concurrency\.run_in_threadpool|fastapi\.concurrency\.run_in_threadpool)$/;
const HIGHER_ORDER_METHODS = /\.(submit|run_in_executor)$/;
/** Classes that run the callable given as `target=` in another thread or process, with `args=` and `kwargs=`. */
const THREAD_CLASSES = /^(threading\.Thread|multiprocessing\.Process|torch\.multiprocessing\.Process)$/;

/** A callable handed to a call that runs it (`asyncio.to_thread(f, a)`, `Thread(target=f, kwargs=k)`). */
interface Deferred {
  /** The callable. */
  target: Node;
  /** The arguments it is run with, keyed as if it were called directly (`#0`, `prompt`, `streamer`). */
  args(): Map<string, ArgExpr>;
  /** Started as a thread or process (its result is not returned to the caller). */
  thread: boolean;
}

function kids(n: Node): Node[] {
  return n.namedChildren.filter((c): c is Node => c !== null && c.type !== 'comment');
}

function field(n: Node, name: string): Node | undefined {
  return n.childForFieldName(name) ?? undefined;
}

/** `await x`, `(x)` → x. */
function unwrap(n: Node): Node {
  let cur = n;
  for (;;) {
    if (cur.type === 'await' || cur.type === 'parenthesized_expression') {
      const inner = kids(cur)[0];
      if (!inner) return cur;
      cur = inner;
    } else return cur;
  }
}

const COMPOUND = new Set([
  'block',
  'module',
  'if_statement',
  'elif_clause',
  'else_clause',
  'for_statement',
  'while_statement',
  'try_statement',
  'except_clause',
  'except_group_clause',
  'finally_clause',
  'with_statement',
  'match_statement',
  'case_clause',
]);

/**
 * Every statement under a block (nested blocks of if/for/while/try/with/match included), without
 * descending into expressions or into nested functions and classes.
 */
export function forEachPyStatement(block: Node, cb: (st: Node) => void): void {
  // Document order with an explicit stack of open blocks, however deep they nest.
  const stack: Array<{ nodes: Node[]; i: number }> = [{ nodes: kids(block), i: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as { nodes: Node[]; i: number };
    const c = top.nodes[top.i++];
    if (!c) {
      stack.pop();
      continue;
    }
    if (COMPOUND.has(c.type) && c.type !== 'block') cb(c);
    if (COMPOUND.has(c.type) || c.type === 'block') stack.push({ nodes: kids(c), i: 0 });
    else cb(c);
  }
}

/** The function_definition a decorated_definition wraps, or the node itself. */
function definitionOf(n: Node): Node {
  if (n.type === 'decorated_definition') return field(n, 'definition') ?? n;
  return n;
}

/**
 * Inference call sites of one Python module, with the clients they use tracked through the
 * code: import aliases, clients defined in other modules of the repository, `self.client`,
 * factory functions, annotated and dependency-injected parameters, LangChain chains.
 */
export class PyInference implements FileAnalyzer {
  readonly mod: PythonModule;
  private readonly values: Memo<number, PyValue> = new Map();
  private readonly scopes = new Map<number, Map<string, Decl[]>>();
  private readonly members: Memo<string, PyValue> = new Map();
  private readonly exported: Memo<string, PyValue> = new Map();
  private readonly returns: Memo<number, PyValue> = new Map();
  private readonly fnInfos = new Map<number, FunctionInfo>();
  private _sites?: PySite[];
  private _edges?: CallEdge[];
  private edgesBusy = false;
  private edgesTries = 0;
  private depth = 0;

  constructor(
    readonly file: FileModel,
    readonly ctx: InferenceContext,
  ) {
    this.mod = file.python() as PythonModule;
  }

  text(n: Node): string {
    return this.mod.text_(n);
  }

  // ---------------------------------------------------------------- scopes

  private scopeOf(owner: Node): Map<string, Decl[]> {
    let m = this.scopes.get(owner.id);
    if (m) return m;
    m = new Map();
    this.scopes.set(owner.id, m);
    const add = (name: string, d: Decl): void => {
      const list = m.get(name);
      if (list) list.push(d);
      else m.set(name, [d]);
    };
    let body: Node | undefined;
    if (owner.type === 'module') {
      body = owner;
      for (const imp of this.mod.imports()) if (!imp.star) add(imp.local, { k: 'import', q: imp.qualified });
      // `global _client` in a function: its assignments bind the module-level name.
      if (this.mod.text.includes('global ')) {
        for (const g of owner.descendantsOfType('global_statement')) {
          if (!g) continue;
          const fn = this.enclosingFn(g);
          if (fn.type !== 'function_definition') continue;
          const local = this.scopeOf(fn);
          for (const nameNode of kids(g)) {
            const name = this.text(nameNode);
            for (const d of local.get(name) ?? []) if (d.k === 'expr') add(name, d);
          }
        }
      }
    } else if (owner.type === 'class_definition') {
      body = field(owner, 'body');
    } else {
      const params = field(owner, 'parameters');
      let i = 0;
      for (const p of params ? kids(params) : []) {
        if (p.type === 'keyword_separator' || p.type === 'positional_separator') continue;
        const nameNode = p.type === 'identifier' ? p : p.type === 'typed_parameter' ? kids(p).find((c) => c.type === 'identifier') : field(p, 'name');
        if (nameNode && nameNode.type === 'identifier') add(this.text(nameNode), { k: 'param', node: p, fn: owner, index: i });
        i++;
      }
      body = field(owner, 'body');
    }
    if (!body) return m;
    forEachPyStatement(body, (c) => {
      const def = definitionOf(c);
      if (def.type === 'function_definition') {
        const name = field(def, 'name');
        if (name) add(this.text(name), { k: 'fn', node: def });
        return;
      }
      if (def.type === 'class_definition') {
        const name = field(def, 'name');
        if (name) add(this.text(name), { k: 'class', node: def });
        return;
      }
      if (c.type === 'expression_statement') {
        for (const e of kids(c)) {
          if (e.type === 'assignment') {
            const left = field(e, 'left');
            const right = field(e, 'right');
            const type = field(e, 'type');
            if (left?.type === 'identifier') {
              if (right) add(this.text(left), { k: 'expr', node: right });
              if (type) add(this.text(left), { k: 'annot', node: type });
            } else if ((left?.type === 'pattern_list' || left?.type === 'tuple_pattern') && right) {
              const items = kids(left);
              const splat = items.findIndex((t) => t.type === 'list_splat_pattern');
              items.forEach((t, index) => {
                if (t.type === 'identifier' && (splat < 0 || index < splat)) add(this.text(t), { k: 'item', node: right, index });
              });
            }
          } else if (e.type === 'named_expression') {
            const name = field(e, 'name');
            const value = field(e, 'value');
            if (name && value) add(this.text(name), { k: 'expr', node: value });
          }
        }
      } else if (c.type === 'with_statement') {
        // with X() as name
        for (const clause of kids(c)) {
          if (clause.type !== 'with_clause') continue;
          for (const item of kids(clause)) {
            const p = kids(item)[0];
            if (p?.type !== 'as_pattern') continue;
            const value = kids(p)[0];
            const alias = field(p, 'alias');
            const target = alias ? kids(alias)[0] : undefined;
            if (value && target?.type === 'identifier') add(this.text(target), { k: 'expr', node: value });
          }
        }
      }
    });
    return m;
  }

  /** The value of a name at a node (function scopes, then the module, then imports). */
  resolveName(name: string, at: Node): PyValue | undefined {
    const from = this.scopeContaining(at);
    return this.ctx.memo(this.names, `${from.id}|${name}`, () => this.resolveFrom(name, from));
  }

  private readonly names: Memo<string, PyValue> = new Map();
  private readonly selfParams = new Map<number, { cls?: Node; first?: string }>();
  private scopeNodes?: Array<{ start: number; end: number; node: Node }>;

  /**
   * The innermost function, lambda or class around a node (the module outside them), found from
   * positions: walking `.parent` marshals every ancestor out of WebAssembly.
   */
  private scopeContaining(n: Node): Node {
    // Positions as plain numbers: endIndex is computed in WebAssembly on every read.
    this.scopeNodes ??= this.mod.root
      .descendantsOfType(['function_definition', 'lambda', 'class_definition'])
      .filter((x): x is Node => x !== null)
      .map((node) => ({ start: node.startIndex, end: node.endIndex, node }));
    const start = n.startIndex;
    const end = n.endIndex;
    let found: Node | undefined;
    for (const s of this.scopeNodes) {
      if (s.start > start) break;
      if (end > s.end || (s.start === start && s.end === end)) continue;
      found = s.node;
    }
    return found ?? this.mod.root;
  }

  /** The scope around a scope; null past the root (whatever its type: error recovery can make it an ERROR node). */
  private parentScope(n: Node): Node | null {
    if (n.id === this.mod.root.id) return null;
    const up = this.scopeContaining(n);
    return up.id === n.id ? null : up;
  }

  /** Resolution from a scope (function, lambda, class body or module) outwards. */
  private resolveFrom(name: string, start: Node): PyValue | undefined {
    let sawFunction = false;
    for (let n: Node | null = start; n; n = this.parentScope(n)) {
      if (FN_TYPES.has(n.type)) {
        if (n.type === 'function_definition') {
          // `self` / `cls`: the enclosing class.
          let sp = this.selfParams.get(n.id);
          if (!sp) {
            const params = field(n, 'parameters');
            const first = params ? kids(params)[0] : undefined;
            sp = { cls: this.classOfMethod(n), first: first ? this.text(first) : undefined };
            this.selfParams.set(n.id, sp);
          }
          if (sp.cls && sp.first === name && (name === 'self' || name === 'cls')) {
            return name === 'self' ? { t: 'instance', path: this.file.path, node: sp.cls } : { t: 'class', path: this.file.path, node: sp.cls };
          }
          if (!this.mayDeclare(n, name) || this.isGlobal(n, name)) {
            sawFunction = true;
            continue;
          }
          const decls = this.scopeOf(n).get(name);
          if (decls) return bestValue(decls.map((d) => this.declValue(d)));
        }
        sawFunction = true;
      } else if (n.type === 'class_definition') {
        if (sawFunction) continue;
        const decls = this.scopeOf(n).get(name);
        if (decls) return bestValue(decls.map((d) => this.declValue(d)));
      } else if (n.type === 'module') {
        const decls = this.scopeOf(n).get(name);
        if (decls) return bestValue(decls.map((d) => this.declValue(d)));
      }
    }
    return undefined;
  }

  private readonly fnTexts = new Map<number, string>();

  /**
   * Whether a function's text could bind `name` (parameter, assignment, loop or `with` target,
   * import, nested def): when not, its scope need not be built to look the name up.
   */
  private mayDeclare(fn: Node, name: string): boolean {
    let text = this.fnTexts.get(fn.id);
    if (text === undefined) {
      text = this.mod.text.slice(fn.startIndex, fn.endIndex);
      this.fnTexts.set(fn.id, text);
    }
    if (!text.includes(name)) return false;
    let re = this.declRes.get(name);
    if (!re) {
      const n = name.replace(/[^\w]/g, '');
      re = new RegExp(`(^|[^\\w.])${n}\\s*(=(?!=)|:|,|\\)|\\bin\\b)|\\bas\\s+${n}\\b|\\b(global|nonlocal|import|def|class)\\b[^\\n]*\\b${n}\\b|\\*{1,2}${n}\\b`);
      this.declRes.set(name, re);
    }
    return re.test(text);
  }

  private readonly declRes = new Map<string, RegExp>();

  private readonly globals = new Map<number, Set<string>>();

  /** Names a function declares `global`. */
  private isGlobal(fn: Node, name: string): boolean {
    let g = this.globals.get(fn.id);
    if (!g) {
      g = new Set();
      const body = field(fn, 'body');
      if (body && this.mod.text.slice(body.startIndex, body.endIndex).includes('global')) {
        for (const st of body.descendantsOfType('global_statement')) if (st) for (const c of kids(st)) g.add(this.text(c));
      }
      this.globals.set(fn.id, g);
    }
    return g.has(name);
  }

  private readonly selfAssigns = new Map<number, Map<string, Node[]>>();

  /** `self.x = ...` / `self.x: T = ...` assignments anywhere in a class, by attribute name. */
  private selfAssignments(cls: Node): Map<string, Node[]> {
    let m = this.selfAssigns.get(cls.id);
    if (m) return m;
    m = new Map();
    const body = field(cls, 'body');
    for (const a of body ? body.descendantsOfType('assignment') : []) {
      if (!a) continue;
      const left = field(a, 'left');
      if (left?.type !== 'attribute') continue;
      const obj = field(left, 'object');
      const attr = field(left, 'attribute');
      if (!obj || !attr || this.text(obj) !== 'self') continue;
      const name = this.text(attr);
      const list = m.get(name) ?? [];
      list.push(a);
      m.set(name, list);
    }
    this.selfAssigns.set(cls.id, m);
    return m;
  }

  /** The class a method belongs to. */
  private classOfMethod(fn: Node): Node | undefined {
    let p = fn.parent;
    if (p?.type === 'decorated_definition') p = p.parent;
    if (p?.type === 'block' && p.parent?.type === 'class_definition') return p.parent;
    return undefined;
  }

  private declValue(d: Decl): PyValue | undefined {
    switch (d.k) {
      case 'expr':
        return this.valueOf(d.node);
      case 'param':
        return this.paramValue(d.node, d.fn, d.index);
      case 'fn':
        return { t: 'fn', path: this.file.path, node: d.node };
      case 'class':
        return { t: 'class', path: this.file.path, node: d.node };
      case 'import':
        return this.qualifiedValue(d.q);
      case 'annot':
        return this.annotationValue(d.node);
      case 'item':
        return this.itemValue(d.node, d.index);
    }
  }

  /** The `index`-th item of a tuple expression, or of the tuples a function of the repository returns. */
  private itemValue(e0: Node, index: number): PyValue | undefined {
    const e = unwrap(e0);
    if (e.type === 'tuple' || e.type === 'list' || e.type === 'expression_list') return this.valueOf(kids(e)[index]);
    if (e.type !== 'call') return undefined;
    const cv = this.valueOf(field(e, 'function'));
    if (cv?.t !== 'fn' || cv.node.type !== 'function_definition') return undefined;
    const owner = this.ctx.pyAt(cv.path);
    return owner?.returnedItem(cv.node, index);
  }

  /** The `index`-th item of the tuples a function returns (`return args, worker`). */
  returnedItem(fn: Node, index: number): PyValue | undefined {
    const out: Array<PyValue | undefined> = [];
    const body = field(fn, 'body');
    for (const r of body ? body.descendantsOfType('return_statement') : []) {
      if (!r || this.enclosingFn(r).id !== fn.id) continue;
      const x = kids(r)[0];
      if (x && (x.type === 'expression_list' || x.type === 'tuple')) out.push(this.valueOf(kids(x)[index]));
    }
    return bestValue(out) ?? this.annotatedItem(fn, index);
  }

  /** `-> tuple[PreTrainedModel, Tokenizer]`: the type the annotation gives the `index`-th item, when it names an SDK type. */
  private annotatedItem(fn: Node, index: number): PyValue | undefined {
    const ret = field(fn, 'return_type');
    const inner = ret ? kids(ret)[0] : undefined;
    if (!inner || (inner.type !== 'generic_type' && inner.type !== 'subscript')) return undefined;
    if (!/^(tuple|Tuple|typing\.Tuple)\b/.test(this.text(inner))) return undefined;
    const params = inner.type === 'generic_type' ? kids(inner).find((c) => c.type === 'type_parameter') : undefined;
    const items = params ? kids(params) : kids(inner).slice(1);
    const item = items[index];
    return item ? this.annotationValue(item) : undefined;
  }

  /**
   * A qualified name from an import: a module, class or value of the repository when it
   * resolves there, else an external name.
   */
  qualifiedValue(q: string): PyValue | undefined {
    const parts = q.split('.');
    const dots = /^\.*/.exec(q)?.[0].length ?? 0;
    // Try the longest module prefix that is a file of the repository.
    for (let i = parts.length; i > dots; i--) {
      const mod = parts.slice(0, i).join('.');
      const path = this.resolveModule(mod);
      if (!path) continue;
      let v: PyValue | undefined = { t: 'module', path };
      for (const attr of parts.slice(i)) v = this.member(v, attr);
      if (v) return v;
      break;
    }
    if (dots > 0) return undefined;
    return { t: 'extern', q };
  }

  /**
   * A module of the repository; an absolute name found only inside another package does not
   * count, unless the importing file lives in that package too and names a subpackage of it
   * (`backend/server/app.py`: `from chat.agent import Agent` with `backend/` on `sys.path`): a
   * single name (`import openai` next to `providers/openai.py`) still means the installed one.
   */
  private resolveModule(module: string): string | undefined {
    const path = this.ctx.resolvePy(this.file.path, module);
    if (!path || module.startsWith('.')) return path;
    const rel = module.split('.').join('/');
    const root = path.endsWith('/__init__.py') ? path.slice(0, -`${rel}/__init__.py`.length) : path.slice(0, -`${rel}.py`.length);
    const rootDir = root.replace(/\/$/, '');
    if (rootDir && this.ctx.project.exists(`${rootDir}/__init__.py`)) {
      const sibling = module.includes('.') && this.file.path.startsWith(root) && this.ctx.project.exists(`${root}${module.split('.')[0] as string}/__init__.py`);
      if (!sibling) return undefined;
    }
    return path;
  }

  /** A module-level binding of this file (import cycles between modules resolve to nothing). */
  exportValue(name: string): PyValue | undefined {
    return this.ctx.memo(this.exported, name, () => this.computeExport(name));
  }

  private computeExport(name: string): PyValue | undefined {
    const decls = this.scopeOf(this.mod.root).get(name);
    if (decls) return bestValue(decls.map((d) => this.declValue(d)));
    // A submodule of a package (`from app import llm` with app/llm.py).
    if (this.file.path.endsWith('__init__.py')) {
      const dir = this.file.path.slice(0, -'__init__.py'.length);
      for (const c of [`${dir}${name}.py`, `${dir}${name}/__init__.py`]) if (this.ctx.project.exists(c)) return { t: 'module', path: c };
    }
    return undefined;
  }

  // ---------------------------------------------------------------- values

  valueOf(e: Node | undefined): PyValue | undefined {
    if (!e || this.depth > MAX_DEPTH) return undefined;
    return this.ctx.memo(this.values, e.id, () => {
      this.depth++;
      try {
        return this.compute(e);
      } finally {
        this.depth--;
      }
    });
  }

  private compute(e0: Node): PyValue | undefined {
    const e = unwrap(e0);
    if (e.id !== e0.id) return this.valueOf(e);
    switch (e.type) {
      case 'identifier':
        return this.resolveName(this.text(e), e);
      case 'attribute': {
        const obj = field(e, 'object');
        const attr = field(e, 'attribute');
        return obj && attr ? this.member(this.valueOf(obj), this.text(attr)) : undefined;
      }
      case 'call':
        return this.callValue(e);
      case 'conditional_expression': {
        const [a, , b] = kids(e);
        return bestValue([this.valueOf(a), this.valueOf(b)]);
      }
      case 'boolean_operator':
        return bestValue([this.valueOf(field(e, 'left')), this.valueOf(field(e, 'right'))]);
      case 'binary_operator': {
        const op = field(e, 'operator');
        if (op && this.text(op) === '|') return this.chainOf(this.pipeParts(e), e);
        return undefined;
      }
      case 'lambda':
        return { t: 'fn', path: this.file.path, node: e };
      case 'subscript': {
        const obj = field(e, 'value');
        return obj?.type === 'identifier' ? this.elementValue(this.text(obj), e) : undefined;
      }
      default:
        return undefined;
    }
  }

  private elementStores?: Map<string, Node[]>;

  /**
   * An item of a module-level container (`workers[name] = w`, `workers.append(w)` anywhere in the
   * file, then `workers[params["model"]]`): what was stored in it.
   */
  private elementValue(name: string, at: Node): PyValue | undefined {
    const decl = this.scopeOf(this.mod.root).get(name);
    if (!decl?.some((d) => d.k === 'expr' && /^(dictionary|list|set)$/.test(unwrap(d.node).type))) return undefined;
    // A local of the same name is another container.
    for (let n: Node | null = this.scopeContaining(at); n && n.type !== 'module'; n = this.parentScope(n)) {
      if (n.type === 'function_definition' && this.mayDeclare(n, name) && !this.isGlobal(n, name) && this.scopeOf(n).has(name)) return undefined;
    }
    if (!this.elementStores) {
      const m = new Map<string, Node[]>();
      const push = (k: string, v: Node): void => {
        const list = m.get(k) ?? [];
        list.push(v);
        m.set(k, list);
      };
      for (const a of this.mod.root.descendantsOfType('assignment')) {
        const left = a ? field(a, 'left') : undefined;
        const right = a ? field(a, 'right') : undefined;
        const obj = left?.type === 'subscript' ? field(left, 'value') : undefined;
        if (obj?.type === 'identifier' && right) push(this.text(obj), right);
      }
      for (const c of this.mod.calls()) {
        const m2 = /^([A-Za-z_]\w*)\.(append|add)$/.exec(c.callee);
        if (m2 && c.args[0]) push(m2[1] as string, c.args[0]);
      }
      this.elementStores = m;
    }
    return bestValue((this.elementStores.get(name) ?? []).map((v) => this.valueOf(v)));
  }

  /** `a | b | c` → [a, b, c]. */
  private pipeParts(e: Node): Node[] {
    // Left to right with an explicit stack: a 5,000-step `|` chain is a loop.
    const out: Node[] = [];
    const stack: Node[] = [e];
    while (stack.length > 0) {
      const n = stack.pop() as Node;
      if (n.type === 'binary_operator' && this.text(field(n, 'operator') as Node) === '|') stack.push(field(n, 'right') as Node, field(n, 'left') as Node);
      else out.push(unwrap(n));
    }
    return out;
  }

  member(v: PyValue | undefined, name: string): PyValue | undefined {
    if (!v) return undefined;
    switch (v.t) {
      case 'client':
        return { ...v, path: [...v.path, name], others: v.others?.map((o) => ({ ...o, path: [...o.path, name] })) };
      case 'http':
        return { ...v, path: [...v.path, name] };
      case 'extern':
        return { t: 'extern', q: `${v.q}.${name}` };
      case 'module':
        return this.ctx.pyAt(v.path)?.exportValue(name);
      case 'instance':
      case 'class':
        return this.ctx.pyAt(v.path)?.memberValue(v.node, name);
      default:
        return undefined;
    }
  }

  /** An attribute of a class of this file: class attributes, `self.x =` in methods, properties, methods, bases. */
  memberValue(cls: Node, name: string): PyValue | undefined {
    const key = `${cls.id}#${name}`;
    return this.ctx.memo(this.members, key, () => this.computeMember(cls, name));
  }

  private computeMember(cls: Node, name: string): PyValue | undefined {
    const candidates: Array<PyValue | undefined> = [];
    const decls = this.scopeOf(cls).get(name);
    for (const d of decls ?? []) {
      if (d.k === 'fn') {
        const isProperty = d.node.parent?.type === 'decorated_definition' && kids(d.node.parent).some((c) => c.type === 'decorator' && /property$/.test(this.text(c)));
        candidates.push(isProperty ? this.returnValue(d.node) : { t: 'fn', path: this.file.path, node: d.node });
      } else candidates.push(this.declValue(d));
    }
    for (const a of this.selfAssignments(cls).get(name) ?? []) {
      const right = field(a, 'right');
      const type = field(a, 'type');
      if (right) candidates.push(this.valueOf(right));
      if (type) candidates.push(this.annotationValue(type));
    }
    const found = bestValue(candidates);
    if (found) return found;
    const supers = field(cls, 'superclasses');
    for (const s of supers ? kids(supers) : []) {
      if (s.type === 'keyword_argument') continue;
      const base = this.valueOf(s);
      if (base?.t === 'class') {
        const v = this.ctx.pyAt(base.path)?.memberValue(base.node, name);
        if (v) return v;
      }
    }
    return undefined;
  }

  returnValue(fn: Node): PyValue | undefined {
    return this.ctx.memo(this.returns, fn.id, () => this.computeReturn(fn));
  }

  private computeReturn(fn: Node): PyValue | undefined {
    const exprs: Node[] = [];
    if (fn.type === 'lambda') {
      const b = field(fn, 'body');
      if (b) exprs.push(b);
    } else {
      const visit = (n: Node): void => {
        for (const c of kids(n)) {
          const def = definitionOf(c);
          if (def.type === 'function_definition' || def.type === 'class_definition' || c.type === 'lambda') continue;
          if (c.type === 'return_statement') {
            const x = kids(c)[0];
            if (x) exprs.push(x);
          }
          visit(c);
        }
      };
      const body = field(fn, 'body');
      if (body) visit(body);
    }
    const found = bestValue(exprs.map((x) => this.valueOf(x)));
    if (found || fn.type !== 'function_definition') return found;
    // `def get_llm(self, name: str) -> BaseLLM:` returning from a registry: the annotation says
    // what, when it names an SDK type (read from the imports, without resolving the names).
    const ret = field(fn, 'return_type');
    const imports = this.mod.importMap();
    for (const id of ret ? (this.text(ret).match(/[A-Za-z_][\w.]*/g) ?? []) : []) {
      if (!imports.has(id.split('.')[0] as string)) continue;
      const q = this.mod.qualify(id);
      if (this.ctx.k.pyEntry('annotations', q) ?? this.ctx.k.pyEntry('constructors', q)) return this.annotationFromValue({ t: 'extern', q }, ret as Node, id);
    }
    return undefined;
  }

  private paramValue(p: Node, fn: Node, index: number): PyValue | undefined {
    const type = field(p, 'type') ?? (p.type === 'typed_parameter' ? kids(p).find((c) => c.type === 'type') : undefined);
    const fromType = type ? this.annotationValue(type) : undefined;
    if (fromType) return fromType;
    const def = p.type === 'default_parameter' || p.type === 'typed_default_parameter' ? field(p, 'value') : undefined;
    if (def) {
      const v = this.valueOf(def);
      if (v) return v;
    }
    if (p.type !== 'identifier' && p.type !== 'default_parameter' && p.type !== 'typed_parameter' && p.type !== 'typed_default_parameter') return undefined;
    // Not annotated: what do the callers in the repository pass? A client handed down through
    // more than MAX_PARAM_HOPS such parameters is not followed: in large code bases the chains
    // of callers of callers grow without bound.
    if (this.ctx.paramHops >= MAX_PARAM_HOPS) return undefined;
    const info = this.fnInfo(fn);
    const name = this.text(p.type === 'identifier' ? p : ((field(p, 'name') ?? kids(p)[0]) as Node));
    const offset = info.className && this.isMethod(fn) ? 1 : 0;
    this.ctx.paramHops++;
    try {
      for (const edge of this.ctx.callersOf(info, 2)) {
        const arg = edge.args.get(`#${index - offset}`) ?? edge.args.get(name);
        if (!arg) continue;
        const caller = this.ctx.pyAt(edge.from.path);
        const v = caller?.valueOf(arg.node as Node);
        if (isClient(v)) return { ...v, confidence: 'medium' };
      }
    } finally {
      this.ctx.paramHops--;
    }
    return undefined;
  }

  private isMethod(fn: Node): boolean {
    if (!this.classOfMethod(fn)) return false;
    const dec = fn.parent?.type === 'decorated_definition' ? this.text(fn.parent) : '';
    return !/@staticmethod\b/.test(dec);
  }

  /** A type annotation naming an SDK client class or a repository class. */
  annotationValue(t: Node): PyValue | undefined {
    // `Optional[Optional[...]]`, `A | B | ...` nest as deep as written: past the shared depth, unknown.
    return deeper(undefined, () => this.annotationValueOf(t));
  }

  private annotationValueOf(t: Node): PyValue | undefined {
    let n = t.type === 'type' ? kids(t)[0] : t;
    if (!n) return undefined;
    if (n.type === 'string') {
      // "OpenAI": a forward reference
      const inner = this.mod.stringValue(n)?.value;
      if (!inner || !/^[A-Za-z_][\w.]*$/.test(inner)) return undefined;
      let v = this.resolveName(inner.split('.')[0] as string, t);
      for (const attr of inner.split('.').slice(1)) v = this.member(v, attr);
      return this.annotationFromValue(v, t, inner);
    }
    if (n.type === 'generic_type' || n.type === 'subscript') {
      // Optional[X], Annotated[X, ...]
      const inner = n.descendantsOfType('type')[0] ?? kids(n)[1];
      return inner ? this.annotationValue(inner) : undefined;
    }
    if (n.type === 'binary_operator') return bestValue([this.annotationValue(field(n, 'left') as Node), this.annotationValue(field(n, 'right') as Node)]);
    if (n.type !== 'identifier' && n.type !== 'attribute') return undefined;
    n = unwrap(n);
    return this.annotationFromValue(this.valueOf(n), t, this.text(n));
  }

  private annotationFromValue(v: PyValue | undefined, at: Node, text: string): PyValue | undefined {
    if (!v) return undefined;
    if (v.t === 'extern') {
      const k = this.ctx.k;
      const entry = k.pyEntry('constructors', v.q) ?? k.pyEntry('annotations', v.q);
      if (!entry?.type) return undefined;
      return {
        t: 'client',
        type: entry.type,
        origin: { via: 'parameter', path: this.file.path, span: span(at), className: text, module: v.q.split('.').slice(0, -1).join('.'), wrappers: [], args: new Map() },
        path: [],
        confidence: 'high',
      };
    }
    if (v.t === 'class') return { t: 'instance', path: v.path, node: v.node };
    return isClient(v) ? v : undefined;
  }

  private origin(via: ClientOrigin['via'], node: Node, q: string, args: ArgMap, modelSel: readonly string[] | undefined): ClientOrigin {
    return {
      via,
      path: this.file.path,
      span: span(node),
      className: q,
      module: q.split('.').slice(0, -1).join('.'),
      wrappers: [],
      args,
      model: pick(args, modelSel ?? ['model', 'model_name']),
    };
  }

  private callValue(e: Node): PyValue | undefined {
    const fnNode = field(e, 'function');
    if (!fnNode) return undefined;
    const argsNode = field(e, 'arguments');
    const cv = this.valueOf(fnNode);
    const k = this.ctx.k;
    if (cv?.t === 'extern') {
      const q = cv.q;
      const flat = (): Map<string, ArgExpr> => this.flattenArgs(argsNode);
      if (HTTP_FACTORIES.has(q)) return { t: 'http', origin: this.origin('constructor', e, q, flat(), []), path: [] };
      if (q === 'fastapi.Depends' || q === 'fastapi.params.Depends') {
        const dep = argsNode ? kids(argsNode)[0] : undefined;
        const dv = dep ? this.valueOf(dep) : undefined;
        if (dv?.t === 'fn') return this.ctx.pyAt(dv.path)?.returnValue(dv.node);
        if (dv?.t === 'class') return { t: 'instance', path: dv.path, node: dv.node };
        return undefined;
      }
      // boto3.client("bedrock-runtime"), session.client(service_name="bedrock-runtime")
      if (/(^|\.)(client)$/.test(q) && /^(boto3|aioboto3|botocore)\b/.test(q)) {
        const a = flat();
        const service = pick(a, ['service_name', '#0'])?.value;
        if (service === 'bedrock-runtime') return { t: 'client', type: 'bedrock', origin: this.origin('factory', e, q, a, ['modelId']), path: [], confidence: 'high' };
        return undefined;
      }
      const entry = k.pyEntry('constructors', q) ?? k.pyEntry('factories', q);
      if (entry?.type) {
        if (entry.requiresModel) return this.chainOf(argsNode ? kids(argsNode).flatMap((a) => (a.type === 'list' ? kids(a) : a.type === 'keyword_argument' ? [] : [a])) : [], e);
        const a = flat();
        const origin = this.origin(k.pyEntry('constructors', q) ? 'constructor' : 'factory', e, q, a, entry.model);
        if (entry.task) origin.task = pick(a, [entry.task, 'task'])?.value;
        return { t: 'client', type: entry.type, origin, path: [], confidence: 'high' };
      }
    }
    const called = isClient(cv) && cv.path.length > 0 ? clientWith(cv, (type) => k.method(type, cv.path.join('.')) !== undefined) : undefined;
    if (called) {
      const cv = called;
      const m = k.method(cv.type, cv.path.join('.'));
      if (m?.self) return { ...cv, path: [], others: cv.others?.map((o) => ({ ...o, path: o.path.slice(0, -cv.path.length) })) };
      if (m?.returns) {
        const a = this.flattenArgs(argsNode);
        const origin: ClientOrigin = { ...cv.origin, args: new Map([...cv.origin.args, ...a]), model: pick(a, ['model', 'model_name', '#0']) ?? cv.origin.model };
        return { t: 'client', type: m.returns, origin, path: [], confidence: cv.confidence };
      }
    }
    if (cv?.t === 'fn') {
      const r = this.ctx.pyAt(cv.path)?.returnValue(cv.node);
      if (r) return r;
    }
    if (cv?.t === 'class') return { t: 'instance', path: cv.path, node: cv.node };
    // Dependency injection (the injector package): `request.state.injector.get(ChatService)`, `injector.get(Service)`.
    if (fnNode.type === 'attribute' && this.text(field(fnNode, 'attribute') as Node) === 'get') {
      const obj = field(fnNode, 'object') as Node;
      const ov = this.valueOf(obj);
      const injector = (ov?.t === 'extern' && /^injector\.Injector\b/.test(ov.q)) || /(^|\.)_?injector$/i.test(this.text(obj));
      const first = argsNode ? kids(argsNode)[0] : undefined;
      const target = injector && first && first.type !== 'keyword_argument' ? this.valueOf(first) : undefined;
      if (target?.t === 'class') return { t: 'instance', path: target.path, node: target.node };
    }
    // A call taking a client and not known to return something else: a wrapper
    // (`wrap_openai(OpenAI())`, `instructor.from_openai(client)`, `get_peft_model(model, cfg)`).
    const first = argsNode ? kids(argsNode).find((a) => a.type !== 'keyword_argument') : undefined;
    if (first && !(isClient(cv) && cv.path.length > 0)) {
      const inner = this.valueOf(first);
      if (isClient(inner)) {
        const name = cv?.t === 'extern' ? cv.q : this.mod.chain(fnNode) || this.text(fnNode);
        return { ...inner, origin: { ...inner.origin, wrappers: [...inner.origin.wrappers, name] } };
      }
    }
    if (cv?.t === 'extern') return { t: 'extern', q: `${cv.q}()` };
    return undefined;
  }

  private chainOf(parts: Node[], at: Node): PyValue | undefined {
    return langchainChain(
      parts.map((p) => this.valueOf(p)),
      (t) => this.ctx.k.typeSdk(t),
      this.file.path,
      span(at),
    );
  }

  // ---------------------------------------------------------------- arguments

  /** An argument; its string value is worked out only when asked for. */
  argExpr(n: Node): ArgExpr {
    const mod = this.mod;
    let s: { value: string; exact: boolean } | undefined | null = null;
    // Also through a local assigned once, a parameter default, a constant imported from the repository.
    const get = (): { value: string; exact: boolean } | undefined => (s === null ? (s = mod.stringValue(n) ?? pyString(this.file, n, this.ctx.project)) : s);
    return {
      text: this.text(n),
      span: span(n),
      get value() {
        return get()?.value;
      },
      get exact() {
        return get()?.exact;
      },
      node: n,
    };
  }

  /** A dict literal, directly or through a local name. */
  private dictLiteral(n: Node | undefined, depth = 0): Node | undefined {
    if (!n || depth > 3) return undefined;
    const u = unwrap(n);
    if (u.type === 'dictionary') return u;
    if (u.type === 'call' && this.text(field(u, 'function') as Node) === 'dict') return field(u, 'arguments');
    if (u.type === 'identifier') {
      for (let a: Node | null = u.parent; a; a = a.parent) {
        if (a.type === 'function_definition' || a.type === 'module') {
          const decls = this.scopeOf(a).get(this.text(u));
          // Not bound in this function: a name of an enclosing one, or of the module.
          if (!decls) continue;
          const d = decls.find((x) => x.k === 'expr');
          return d && d.k === 'expr' ? this.dictLiteral(d.node, depth + 1) : undefined;
        }
      }
    }
    return undefined;
  }

  private flattenDict(dict: Node, prefix: string, out: Map<string, ArgExpr>, depth: number): void {
    for (const pair of kids(dict)) {
      let key: string | undefined;
      let value: Node | undefined;
      if (pair.type === 'pair') {
        const k = field(pair, 'key');
        key = k ? this.mod.stringValue(k)?.value : undefined;
        value = field(pair, 'value');
      } else if (pair.type === 'keyword_argument') {
        const k = field(pair, 'name');
        key = k ? this.text(k) : undefined;
        value = field(pair, 'value');
      } else if (pair.type === 'dictionary_splat') {
        const inner = this.dictLiteral(kids(pair)[0]);
        if (inner && depth < 3) this.flattenDict(inner, prefix, out, depth + 1);
        else if (kids(pair)[0]) markOpen(out, this.argExpr(kids(pair)[0] as Node));
        continue;
      }
      if (!key || !value) continue;
      const full = prefix + key;
      if (!out.has(full)) out.set(full, this.argExpr(value));
      const inner = depth < 2 ? this.dictLiteral(value) : undefined;
      if (inner) this.flattenDict(inner, `${full}.`, out, depth + 1);
    }
  }

  flattenArgs(argsNode: Node | undefined): Map<string, ArgExpr> {
    const out = new Map<string, ArgExpr>();
    if (!argsNode) return out;
    let i = 0;
    const later: Array<[Node, string]> = [];
    for (const a of kids(argsNode)) {
      if (a.type === 'keyword_argument') {
        const name = field(a, 'name');
        const value = field(a, 'value');
        if (name && value) {
          out.set(this.text(name), this.argExpr(value));
          later.push([value, `${this.text(name)}.`]);
        }
      } else if (a.type === 'dictionary_splat') {
        const inner = this.dictLiteral(kids(a)[0]);
        if (inner) this.flattenDict(inner, '', out, 1);
        else if (kids(a)[0]) markOpen(out, this.argExpr(kids(a)[0] as Node));
      } else if (a.type !== 'list_splat') {
        out.set(`#${i++}`, this.argExpr(a));
        later.push([a, '']);
      }
    }
    for (const [v, prefix] of later) {
      const d = this.dictLiteral(v);
      if (d) this.flattenDict(d, prefix, out, 0);
    }
    return out;
  }

  /** Variables the result of a call lands in. */
  resultNames(call: Node): string[] {
    let n: Node = call;
    for (let guard = 0; guard < 10; guard++) {
      const p = n.parent;
      if (!p) return [];
      if (p.type === 'await' || p.type === 'parenthesized_expression' || (p.type === 'subscript' && field(p, 'value')?.id === n.id)) {
        n = p;
        continue;
      }
      // result.content, result.content.strip(): still the result
      if (p.type === 'attribute' && field(p, 'object')?.id === n.id) {
        n = p.parent?.type === 'call' && field(p.parent, 'function')?.id === p.id ? p.parent : p;
        continue;
      }
      if (p.type === 'assignment' && field(p, 'right')?.id === n.id) {
        const left = field(p, 'left');
        return left ? this.targetNames(left) : [];
      }
      if (p.type === 'augmented_assignment' && field(p, 'right')?.id === n.id) {
        const left = field(p, 'left');
        return left ? this.targetNames(left) : [];
      }
      if (p.type === 'for_statement' && field(p, 'right')?.id === n.id) {
        const left = field(p, 'left');
        return left ? this.targetNames(left) : [];
      }
      if (p.type === 'as_pattern' && kids(p)[0]?.id === n.id) {
        const alias = field(p, 'alias');
        const target = alias ? kids(alias)[0] : undefined;
        return target ? this.targetNames(target) : [];
      }
      return [];
    }
    return [];
  }

  targetNames(n: Node): string[] {
    // Nested unpacking targets with an explicit stack, in source order.
    const out: string[] = [];
    const stack: Node[] = [n];
    while (stack.length > 0) {
      const t = stack.pop() as Node;
      if (t.type === 'identifier' || t.type === 'attribute' || t.type === 'subscript') out.push(this.text(t));
      else if (t.type === 'pattern_list' || t.type === 'tuple_pattern' || t.type === 'list_pattern' || t.type === 'tuple') {
        const ks = kids(t);
        for (let i = ks.length - 1; i >= 0; i--) stack.push(ks[i] as Node);
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- functions

  enclosingFn(n: Node): Node {
    let a: Node | null = this.scopeContaining(n);
    while (a && !FN_TYPES.has(a.type) && a.type !== 'module') a = this.parentScope(a);
    return a && FN_TYPES.has(a.type) ? a : this.mod.root;
  }

  fnInfo(node: Node): FunctionInfo {
    let info = this.fnInfos.get(node.id);
    if (info) return info;
    if (node.type === 'module') {
      info = { lang: 'python', path: this.file.path, name: MODULE_FN, id: `${this.file.path}#${MODULE_FN}`, span: { start: 0, end: 0 }, node, exported: false, params: [], decorators: [] };
      this.fnInfos.set(node.id, info);
      return info;
    }
    let name: string;
    let nameSpan: Span;
    let className: string | undefined;
    const decorators: string[] = [];
    if (node.type === 'lambda') {
      name = anonymousName(node.startPosition.row + 1);
      nameSpan = { start: node.startIndex, end: node.startIndex + 6 };
    } else {
      const nameNode = field(node, 'name') as Node;
      name = this.text(nameNode);
      nameSpan = span(nameNode);
      const cls = this.classOfMethod(node);
      if (cls) {
        className = this.text(field(cls, 'name') as Node);
        name = `${className}.${name}`;
      } else {
        const outer = this.enclosingFn(node);
        if (outer.type !== 'module') {
          // Functions nested in functions: the outer ones first, outermost first, so the name of
          // each is built from its parent's, already known, with no recursion per level.
          const open: Node[] = [];
          for (let o = outer; o.type !== 'module' && !this.fnInfos.has(o.id) && !open.some((x) => x.id === o.id); o = this.enclosingFn(o)) open.push(o);
          for (let i = open.length - 1; i > 0; i--) this.fnInfo(open[i] as Node);
          name = `${this.fnInfo(outer).name}.${name}`;
        }
      }
      if (node.parent?.type === 'decorated_definition') {
        for (const d of kids(node.parent)) {
          if (d.type !== 'decorator') continue;
          let expr = kids(d)[0];
          if (expr?.type === 'call') expr = field(expr, 'function');
          if (!expr) continue;
          const chain = this.mod.chain(expr);
          decorators.push(chain ? this.mod.qualify(chain) : this.text(expr));
        }
      }
    }
    const params: string[] = [];
    const ps = field(node, 'parameters');
    for (const p of ps ? kids(ps) : []) {
      const n = p.type === 'identifier' ? p : p.type === 'typed_parameter' ? kids(p).find((c) => c.type === 'identifier') : field(p, 'name');
      if (n?.type === 'identifier') params.push(this.text(n));
    }
    if (className && params[0] && (params[0] === 'self' || params[0] === 'cls')) params.shift();
    const topLevel = this.enclosingFn(node).type === 'module' && !className;
    info = {
      lang: 'python',
      path: this.file.path,
      name,
      id: `${this.file.path}#${name}`,
      span: nameSpan,
      node,
      className,
      exported: topLevel && !name.startsWith('_'),
      params,
      decorators,
    };
    this.fnInfos.set(node.id, info);
    return info;
  }

  private _functions: FunctionInfo[] | undefined;

  functions(): FunctionInfo[] {
    if (this._functions) return this._functions;
    const out = [this.fnInfo(this.mod.root)];
    for (const n of this.mod.root.descendantsOfType(['function_definition', 'lambda'])) if (n) out.push(this.fnInfo(n));
    return (this._functions = out);
  }

  functionAt(offset: number): FunctionInfo {
    const n = this.mod.root.descendantForIndex(offset);
    for (let a: Node | null = n; a; a = a.parent) if (FN_TYPES.has(a.type)) return this.fnInfo(a);
    return this.fnInfo(this.mod.root);
  }

  // ---------------------------------------------------------------- call graph

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
      for (const c of this.mod.calls()) {
        const e = this.edgeOf(c);
        if (e) out.push(e);
      }
    } finally {
      this.edgesBusy = false;
    }
    // Cut short by a cycle: recompute next time (a few times at most).
    if (this.ctx.cycles === before || ++this.edgesTries >= 3) this._edges = out;
    return out;
  }

  private readonly namedEdges: Memo<string, CallEdge[]> = new Map();

  /**
   * The call edges whose callee is named `name` (`name(...)`, `x.name(...)`, or `name` handed
   * to asyncio.to_thread and the like): what a caller search needs, without resolving every
   * call of a large file.
   */
  edgesNamed(name: string): CallEdge[] {
    if (this._edges) return this._edges.filter((e) => e.to.name.split('.').pop() === name || e.to.className === name);
    return (
      this.ctx.memo(this.namedEdges, name, () => {
        const out: CallEdge[] = [];
        for (const c of this.mod.calls()) {
          const ref = this.deferred(c)?.target;
          const callee = ref ? this.mod.qualify(this.text(ref)) : c.qualified;
          // Through import aliases too: `from app.llm import ask as run; run()` is a call of `ask`.
          if ((callee.split('.').pop() ?? '') !== name && (c.callee.split('.').pop() ?? '') !== name) continue;
          const e = this.edgeOf(c);
          if (e) out.push(e);
        }
        return out;
      }) ?? []
    );
  }

  /** The call edge of one call into a function of the repository, if it resolves to one. */
  private edgeOf(c: PyCall): CallEdge | undefined {
    let fnNode = field(c.node, 'function');
    if (!fnNode || (fnNode.type !== 'identifier' && fnNode.type !== 'attribute')) return undefined;
    if (/^(print|len|str|int|float|dict|list|set|tuple|isinstance|getattr|setattr|hasattr|super|range|enumerate|zip|sorted|open|json\.|os\.|re\.|logging\.)$/.test(c.callee)) return undefined;
    // asyncio.to_thread(f, a, b), executor.submit(f, a), loop.run_in_executor(None, f, a), partial(f, a),
    // Thread(target=f, args=(a,))
    const deferred = this.deferred(c);
    if (deferred) fnNode = deferred.target;
    else if (c.callee.startsWith('asyncio.')) return undefined;
    const cv = this.valueOf(fnNode);
    let target: Node | undefined;
    let path: string | undefined;
    if (cv?.t === 'fn') {
      target = cv.node;
      path = cv.path;
    } else if (cv?.t === 'class') {
      const init = this.ctx
        .pyAt(cv.path)
        ?.scopeOf(cv.node)
        .get('__init__')
        ?.find((d) => d.k === 'fn');
      if (init && init.k === 'fn') {
        target = init.node;
        path = cv.path;
      }
    }
    if (!target || !path) return undefined;
    const other = path === this.file.path ? this : this.ctx.pyAt(path);
    if (!other) return undefined;
    const node = c.node;
    const self = this;
    let args: ArgMap | undefined;
    return {
      from: this.fnInfo(this.enclosingFn(node)),
      to: other.fnInfo(target),
      node,
      span: c.span,
      calleeSpan: span(fnNode),
      // Worked out on first use: most edges are never asked for their arguments.
      get args(): ArgMap {
        if (!args) args = deferred ? deferred.args() : self.flattenArgs(field(node, 'arguments'));
        return args;
      },
      resultNames: deferred?.thread ? [] : this.resultNames(node),
    };
  }

  // ---------------------------------------------------------------- sites

  sites(): PySite[] {
    if (this._sites) return this._sites;
    const out: PySite[] = [];
    this._sites = out;
    const k = this.ctx.k;
    const customNames = new Set(this.ctx.customFunctions.map((r) => r.name.split('.').pop() as string));
    const imported = this.mod.importMap();
    for (const c of this.mod.calls()) {
      const fnNode = field(c.node, 'function');
      if (!fnNode) continue;
      // asyncio.to_thread(client.models.generate_content, model=..., contents=...),
      // Thread(target=model.generate, kwargs=generate_kwargs).start()
      const deferred = this.deferred(c);
      if (deferred) {
        const target = deferred.target;
        const site = target.type === 'attribute' || target.type === 'identifier' ? this.siteViaReference(c.node, deferred) : undefined;
        if (site) out.push(site);
        continue;
      }
      const last = c.callee.split('.').pop() ?? '';
      if (fnNode.type === 'attribute') {
        const root = c.callee.split(/[.(]/)[0] ?? '';
        if (!k.methodNames.has(last) && !customNames.has(last) && last !== 'post' && last !== 'request' && !imported.has(root)) continue;
      } else if (fnNode.type !== 'identifier') continue;
      if (/^(print|len|str|int|float|dict|list|set|tuple|isinstance|getattr|hasattr|super|range|enumerate|zip|sorted|open)$/.test(c.callee)) continue;
      const site = this.siteAt(c.node, fnNode);
      if (site) out.push(site);
    }
    return out;
  }

  private siteAt(call: Node, fnNode: Node): PySite | undefined {
    const cv = this.valueOf(fnNode);
    if (!cv) return undefined;
    const k = this.ctx.k;
    const argsNode = field(call, 'arguments');
    if (cv.t === 'extern') {
      const entry = k.pyEntry('functions', cv.q);
      if (entry?.sdk && entry.kind) {
        const flat = this.flattenArgs(argsNode);
        return this.makeSite(call, {
          sdk: entry.sdk,
          api: cv.q,
          kind: entry.kind,
          stream: entry.stream === true || flat.get('stream')?.text === 'True',
          args: flat,
          prompt: pick(flat, entry.prompt ?? ['messages', 'prompt', '#0']),
          model: pick(flat, entry.model ?? ['model']),
        });
      }
      // The module-level client of openai (`openai.chat.completions.create`, `openai.ChatCompletion.create`).
      for (const inst of ['openai']) {
        if (cv.q.startsWith(`${inst}.`)) {
          const m = k.method(k.pyEntry('instances', inst)?.type ?? '', cv.q.slice(inst.length + 1));
          if (m?.kind) {
            const origin: ClientOrigin = { via: 'module-instance', path: this.file.path, span: span(fnNode), className: inst, module: inst, wrappers: [], args: new Map() };
            return this.clientSite(call, { t: 'client', type: k.pyEntry('instances', inst)?.type as string, origin, path: [], confidence: 'high' }, m, cv.q.slice(inst.length + 1), inst);
          }
        }
      }
      if (HTTP_FUNCTIONS.has(cv.q)) return this.httpSite(call, cv.q.endsWith('.request') ? 'request' : 'post', undefined);
      return undefined;
    }
    if (cv.t === 'http') {
      const verb = cv.path.join('.');
      if (verb === 'post' || verb === 'request') return this.httpSite(call, verb, cv.origin);
      return undefined;
    }
    if (cv.t === 'client') {
      const path = cv.path.join('.');
      const client = clientWith(cv, (type) => k.method(type, path || '__call__')?.kind !== undefined);
      const m = client ? k.method(client.type, path || '__call__') : undefined;
      if (!client || !m?.kind) return undefined;
      const receiver = fnNode.type === 'attribute' ? this.receiverText(fnNode, client.path.length) : this.text(fnNode);
      return this.clientSite(call, client, m, path || `${receiver}(...)`, receiver);
    }
    if (cv.t === 'fn') {
      const owner = this.ctx.pyAt(cv.path);
      const helper = owner?.httpHelper(cv.node);
      const info = owner?.fnInfo(cv.node);
      if (helper && info) {
        const flat = this.flattenArgs(argsNode);
        const arg = (name: string): ArgExpr | undefined => flat.get(name) ?? flat.get(`#${info.params.indexOf(name)}`);
        const url = arg(helper.url);
        const site = url ? this.httpSite(call, 'post', undefined, { url, body: helper.body ? arg(helper.body) : undefined }) : undefined;
        if (site) return site;
      }
      const ref = info ? this.ctx.customFunction(info) : undefined;
      if (!info || !ref) return undefined;
      const flat = this.flattenArgs(argsNode);
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

  /** A client method handed to a function that calls it: `asyncio.to_thread(client.x.create, **kwargs)`. */
  private siteViaReference(call: Node, d: Deferred): PySite | undefined {
    const target = d.target;
    const v = this.valueOf(target);
    if (v?.t !== 'client') return undefined;
    // A callable client (a transformers pipeline, a llama.cpp model) handed over itself.
    const path = v.path.join('.');
    const cv = clientWith(v, (type) => this.ctx.k.method(type, path || '__call__')?.kind !== undefined);
    if (!cv) return undefined;
    const m = this.ctx.k.method(cv.type, path || '__call__');
    if (!m?.kind) return undefined;
    const receiver = this.receiverText(target, cv.path.length);
    const flat = d.args();
    // A generation run in a thread hands its text to a streamer (transformers'
    // TextIteratorStreamer) that the caller iterates: the streamer is where the response is.
    const streamer = d.thread ? flat.get('streamer') : undefined;
    const streamerName = streamer && /^[A-Za-z_][\w.]*$/.test(streamer.text) ? streamer.text : undefined;
    return this.makeSite(call, {
      sdk: m.sdk,
      api: path || `${receiver}(...)`,
      kind: cv.type === 'transformers-pipeline' ? pipelineKind(cv.origin.task) : m.kind,
      stream: m.stream || flat.get('stream')?.text === 'True' || streamerName !== undefined,
      args: flat,
      prompt: pick(flat, m.prompt),
      model: pick(flat, m.model) ?? cv.origin.model,
      receiver,
      client: cv.origin,
      confidence: cv.confidence,
      callee: target,
      sdkName: cv.type === 'transformers-pipeline' ? `${this.ctx.k.sdkName(m.sdk)} pipeline` : undefined,
      resultNames: d.thread ? (streamerName ? [streamerName] : []) : undefined,
    });
  }

  /**
   * A call that runs a callable it is given: `asyncio.to_thread(f, a)`, `executor.submit(f, a)`,
   * `loop.run_in_executor(None, f, a)`, `partial(f, a)`, `Thread(target=f, args=(a,), kwargs=k)`.
   */
  private deferred(c: PyCall): Deferred | undefined {
    if (HIGHER_ORDER.test(c.qualified) || HIGHER_ORDER_METHODS.test(c.callee)) {
      const shift = c.callee.endsWith('run_in_executor') ? 1 : 0;
      const target = c.args[shift];
      if (!target) return undefined;
      return { target, thread: false, args: () => this.shiftedArgs(this.flattenArgs(field(c.node, 'arguments')), shift + 1) };
    }
    if (!c.kwargs.has('target') || !THREAD_CLASSES.test(c.qualified)) return undefined;
    const target = c.kwargs.get('target') as Node;
    return {
      target,
      thread: true,
      args: () => {
        const all = this.flattenArgs(field(c.node, 'arguments'));
        const out = new Map<string, ArgExpr>();
        const positional = c.kwargs.get('args');
        const items = positional ? unwrap(positional) : undefined;
        if (items && (items.type === 'tuple' || items.type === 'list'))
          kids(items).forEach((x, i) => {
            out.set(`#${i}`, this.argExpr(x));
          });
        else if (positional) markOpen(out, this.argExpr(positional));
        for (const [key, v] of all) if (key.startsWith('kwargs.')) out.set(key.slice('kwargs.'.length), v);
        const kw = c.kwargs.get('kwargs');
        if (kw && !this.dictLiteral(kw)) markOpen(out, this.argExpr(kw));
        return out;
      },
    };
  }

  /** Positional arguments from `shift` on renumbered from 0; keyword arguments kept. */
  private shiftedArgs(all: Map<string, ArgExpr>, shift: number): Map<string, ArgExpr> {
    if (shift === 0) return all;
    const out = new Map<string, ArgExpr>();
    for (const [key, v] of all) {
      const pos = /^#(\d+)$/.exec(key);
      if (!pos) out.set(key, v);
      else if (Number(pos[1]) >= shift) out.set(`#${Number(pos[1]) - shift}`, v);
    }
    for (const o of openSpreads(all)) markOpen(out, o);
    return out;
  }

  private receiverText(fnNode: Node, pathLength: number): string {
    let n: Node = fnNode;
    for (let i = 0; i < pathLength && n.type === 'attribute'; i++) n = field(n, 'object') as Node;
    return this.text(n);
  }

  private clientSite(call: Node, cv: Extract<PyValue, { t: 'client' }>, m: MethodInfo, api: string, receiver: string): PySite {
    const flat = this.flattenArgs(field(call, 'arguments'));
    let kind: InferenceKind = m.kind as InferenceKind;
    let sdkName: string | undefined;
    if (cv.type === 'transformers-pipeline') {
      kind = pipelineKind(cv.origin.task);
      sdkName = `${this.ctx.k.sdkName(m.sdk)} pipeline`;
    }
    return this.makeSite(call, {
      sdk: m.sdk,
      api,
      kind,
      stream: m.stream || flat.get('stream')?.text === 'True',
      args: flat,
      prompt: pick(flat, m.prompt),
      model: pick(flat, m.model) ?? cv.origin.model,
      receiver,
      client: cv.origin,
      confidence: cv.confidence,
      sdkName,
    });
  }

  /**
   * `requests.post(url, json=...)`, `httpx.post`, `client.post` on a Session/Client; or, with
   * `via`, a call of a project helper that posts to a URL it is given.
   */
  private httpSite(call: Node, verb: 'post' | 'request', instance: ClientOrigin | undefined, via?: { url: ArgExpr; body?: ArgExpr }): PySite | undefined {
    const flat = this.flattenArgs(field(call, 'arguments'));
    let urlArg: ArgExpr | undefined = via?.url;
    if (via) {
      if (via.body) flat.set('json', via.body);
    } else if (verb === 'request') {
      const method = pick(flat, ['method', '#0'])?.value;
      if (method?.toUpperCase() !== 'POST') return undefined;
      urlArg = pick(flat, ['url', '#1']);
    } else urlArg = pick(flat, ['url', '#0']);
    if (!urlArg) return undefined;
    let url = this.urlValue(urlArg.node as Node);
    if (url === undefined) return undefined;
    if (instance) {
      const base = instance.args.get('base_url')?.value;
      // A relative path goes to the client's base URL; a URL that starts with an unknown part (`f"{BASE}/v1/..."`) is absolute.
      if (url.startsWith('/') || !/^([a-z]+:\/\/|\{)/i.test(url)) url = trimTrailing(base ?? '{base_url}', '/') + (url.startsWith('/') ? url : `/${url}`);
    }
    if (url.startsWith('/')) return undefined;
    const bodyNode = pick(flat, ['json', 'data', 'content']);
    const body = new Map<string, ArgExpr>();
    const dict = bodyNode ? this.dictLiteral(this.jsonDumped(bodyNode.node as Node)) : undefined;
    if (dict) this.flattenDict(dict, '', body, 0);
    const spec = httpSpec(this.ctx.k, url, urlArg, body, new Map<string, ArgExpr>([...flat, ...body]), bodyNode, 'True');
    return spec ? this.makeSite(call, spec) : undefined;
  }

  /** `json.dumps(payload)` as a request body: the payload. */
  private jsonDumped(n: Node): Node {
    const u = unwrap(n);
    if (u.type !== 'call') return n;
    const fn = field(u, 'function');
    const q = fn ? this.mod.qualify(this.mod.chain(fn)) : '';
    const first = kids(field(u, 'arguments') as Node)[0];
    return /^(json|orjson|ujson|simplejson)\.dumps$/.test(q) && first && first.type !== 'keyword_argument' ? first : n;
  }

  /** A URL as far as it is known; unknown parts of `base + "/api/chat"` kept as `{base}`. */
  urlValue(n: Node): string | undefined {
    // A `+` chain of 20,000 terms is evaluated bottom-up with an explicit stack, not a recursion.
    const hasName = (value: string): boolean => /[a-z/]/i.test(replaceEnclosed(value, '{', '}', ''));
    const known = new Map<number, { value: string; named: boolean } | undefined>();
    const plus = (x: Node): Node | undefined => {
      const u = unwrap(x);
      return u.type === 'binary_operator' && this.text(field(u, 'operator') as Node) === '+' ? u : undefined;
    };
    const stack: Array<{ n: Node; open: boolean }> = [{ n, open: false }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as { n: Node; open: boolean };
      if (!top.open) {
        // Also a local assigned once, a parameter default, a constant imported from the repository.
        const v = this.mod.stringValue(top.n) ?? pyString(this.file, top.n, this.ctx.project);
        const u = v ? undefined : plus(top.n);
        if (!u) {
          stack.pop();
          known.set(top.n.id, v ? { value: v.value, named: hasName(v.value) } : undefined);
          continue;
        }
        top.open = true;
        for (const side of [field(u, 'right'), field(u, 'left')]) if (side) stack.push({ n: side, open: false });
        continue;
      }
      stack.pop();
      const u = plus(top.n) as Node;
      const part = (x: Node | undefined): { value: string; named: boolean } => {
        if (!x) return { value: '', named: false };
        return known.get(x.id) ?? { value: `{${this.text(x)}}`, named: false };
      };
      const l = part(field(u, 'left'));
      const r = part(field(u, 'right'));
      const value = l.value + r.value;
      // Some known part of the URL has a letter or a slash (outside the `{unknown}` parts); a
      // long value takes that from its parts instead of scanning it again at every level.
      const named = value.length > 4096 ? l.named || r.named : hasName(value);
      known.set(top.n.id, named ? { value, named } : undefined);
    }
    return known.get(n.id)?.value;
  }

  private readonly helpers = new Map<number, { url: string; body?: string } | null>();

  /**
   * A function of this module that POSTs (requests, httpx, a session) to a URL it takes as a
   * parameter, maybe with the JSON body too: its callers say where the request goes.
   */
  httpHelper(fn: Node): { url: string; body?: string } | undefined {
    if (this.helpers.has(fn.id)) return this.helpers.get(fn.id) ?? undefined;
    this.helpers.set(fn.id, null);
    const params = this.fnInfo(fn).params;
    if (params.length === 0 || fn.type !== 'function_definition') return undefined;
    for (const c of this.mod.calls()) {
      if (!/\.(post|request)$/.test(c.callee) || this.enclosingFn(c.node).id !== fn.id) continue;
      const cv = this.valueOf(field(c.node, 'function'));
      const isHttp = (cv?.t === 'extern' && HTTP_FUNCTIONS.has(cv.q)) || (cv?.t === 'http' && cv.path.join('.') === 'post');
      if (!isHttp) continue;
      const urlNode = c.kwargs.get('url') ?? c.args[c.callee.endsWith('.request') ? 1 : 0];
      if (urlNode?.type !== 'identifier' || !params.includes(this.text(urlNode))) continue;
      const bodyNode = c.kwargs.get('json') ?? c.kwargs.get('data');
      const body = bodyNode?.type === 'identifier' && params.includes(this.text(bodyNode)) ? this.text(bodyNode) : undefined;
      const found = { url: this.text(urlNode), body };
      this.helpers.set(fn.id, found);
      return found;
    }
    return undefined;
  }

  private makeSite(
    call: Node,
    /** `callee`: the callee, when it is not the call's own function (`asyncio.to_thread(client.x, ...)`). */
    s: SiteSpec & { callee?: Node; resultNames?: string[] },
  ): PySite {
    const fnNode = s.callee ?? (field(call, 'function') as Node);
    return {
      ...siteFields(s, (sdk) => this.ctx.k.sdkName(sdk)),
      lang: 'python',
      path: this.file.path,
      calleeSpan: span(fnNode),
      span: span(call),
      resultNames: s.resultNames ?? this.resultNames(call),
      fn: this.fnInfo(this.enclosingFn(call)),
      node: call,
    };
  }
}
