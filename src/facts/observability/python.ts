import type { Node } from 'web-tree-sitter';
import { span } from '../../parse/python.js';
import type { InferenceContext } from '../inference/context.js';
import type { PyInference } from '../inference/python.js';
import { ObservabilityKnowledge } from './data.js';
import { closeRelation } from './relation.js';
import { META_PROPS } from './ts.js';
import type { RecordingEvidence, Relation } from './types.js';
import { trailingIdentifier } from '../../util/text.js';

// Every node tree-sitter hands to JavaScript is marshalled out of WebAssembly: this module asks
// for the few node types it needs in one query per scope and reads the rest from the text.

const MUTATORS = new Set(['append', 'extend', 'add', 'update', 'insert', 'write', 'put', 'put_nowait', 'appendleft']);
const CONTEXT_NAMES = new Set(['request', 'req', 'ctx', 'context', 'event', 'websocket', 'ws', 'background_tasks', 'self', 'cls']);
const SCOPE_QUERY = ['assignment', 'augmented_assignment', 'for_statement', 'for_in_clause', 'as_pattern', 'named_expression', 'call'];

interface Def {
  targets: string[];
  sources: string[];
}

interface ScopeFacts {
  defs: Def[];
  locals: Set<string>;
  calls: Node[];
}

function kids(n: Node): Node[] {
  return n.namedChildren.filter((c): c is Node => c !== null && c.type !== 'comment');
}

function field(n: Node, name: string): Node | undefined {
  return n.childForFieldName(name) ?? undefined;
}

/** The target and the value of an assignment, augmented assignment, `with ... as x` or walrus. */
export function assignmentSides(c: Node): { left?: Node; right?: Node } {
  if (c.type === 'as_pattern') {
    const alias = field(c, 'alias');
    return { left: alias ? kids(alias)[0] : undefined, right: kids(c)[0] };
  }
  if (c.type === 'named_expression') return { left: field(c, 'name'), right: field(c, 'value') };
  return { left: field(c, 'left'), right: field(c, 'right') };
}

/**
 * The variables an expression reads, from its identifiers and the text around them: attribute
 * and keyword names are not variables, `self.x` is one name, and `len(x)`, `x.usage`,
 * `x["usage"]` are not reads of x's content.
 */
export function pyTokens(a: PyInference, expr: Node): Set<string> {
  const out = new Set<string>();
  const ids = identifierReads(a);
  // The identifiers inside the expression, found by position among the module's, so nested
  // expressions (an argument that holds a call that holds an argument …) cost a slice each
  // rather than a walk of the tree each.
  const s = expr.startIndex;
  const e = expr.endIndex;
  for (let i = firstAtOrAfter(ids.starts, s); i < ids.starts.length && (ids.starts[i] as number) < e; i++) {
    const t = ids.tokens[i];
    if (t !== undefined && (ids.ends[i] as number) <= e) out.add(t);
  }
  return out;
}

interface IdentifierReads {
  /** Start offsets of the module's identifiers, ascending; ends and the token read (if any) alongside. */
  starts: number[];
  ends: number[];
  tokens: (string | undefined)[];
}

const identifierCache = new WeakMap<PyInference, IdentifierReads>();

/** Every identifier of the module with the variable it reads, decided once per identifier. */
function identifierReads(a: PyInference): IdentifierReads {
  const hit = identifierCache.get(a);
  if (hit) return hit;
  const src = a.mod.text;
  const out: IdentifierReads = { starts: [], ends: [], tokens: [] };
  for (const id of a.mod.root.descendantsOfType('identifier')) {
    if (!id) continue;
    out.starts.push(id.startIndex);
    out.ends.push(id.endIndex);
    out.tokens.push(readToken(src, id.startIndex, id.endIndex));
  }
  identifierCache.set(a, out);
  return out;
}

/** The variable an identifier at [s, e) reads, or undefined when it is not a read of a variable. */
function readToken(src: string, s: number, e: number): string | undefined {
  const name = src.slice(s, e);
  const before = src.slice(Math.max(0, s - 12), s);
  const after = src.slice(e, e + 48);
  if (/\.\s*$/.test(before)) return undefined;
  if (/^\s*=(?!=)/.test(after) && /[(,]\s*$/.test(src.slice(Math.max(0, s - 200), s))) return undefined;
  const attr = /^\s*\.\s*([A-Za-z_]\w*)/.exec(after)?.[1] ?? /^\s*\[\s*["']([A-Za-z_]\w*)["']\s*\]/.exec(after)?.[1];
  if (attr && META_PROPS.has(attr)) return undefined;
  if (/\blen\(\s*$/.test(before) && /^(\s*(\.\s*[A-Za-z_]\w*|\[[^\]]*\]))*\s*\)/.test(after)) return undefined;
  if (name === 'self' && attr) return `self.${attr}`;
  return name;
}

/** The index of the first value ≥ x in an ascending array. */
function firstAtOrAfter(sorted: number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** `self.x.y` → `self.x`; `a.b[0]` → `a`; tuples give one root each. */
export function leftRoots(a: PyInference, left: Node): string[] {
  // Nested unpacking targets with an explicit stack, in source order.
  const out: string[] = [];
  const stack: Node[] = [left];
  while (stack.length > 0) {
    const t = stack.pop() as Node;
    if (t.type === 'pattern_list' || t.type === 'tuple_pattern' || t.type === 'list_pattern' || t.type === 'tuple') {
      const ks = kids(t);
      for (let i = ks.length - 1; i >= 0; i--) stack.push(ks[i] as Node);
      continue;
    }
    const m = /^\s*(self\s*\.\s*[A-Za-z_]\w*|[A-Za-z_]\w*)/.exec(a.text(t));
    if (m) out.push((m[1] as string).replace(/\s+/g, ''));
  }
  return out;
}

const facts = new WeakMap<PyInference, Map<number, ScopeFacts>>();

/** Assignments, data movements and calls of a function (closures included) or of top-level code. */
function scopeFacts(a: PyInference, scope: Node): ScopeFacts {
  let byScope = facts.get(a);
  if (!byScope) {
    byScope = new Map();
    facts.set(a, byScope);
  }
  const hit = byScope.get(scope.id);
  if (hit) return hit;
  const defs: Def[] = [];
  const locals = new Set<string>();
  const calls: Node[] = [];
  const moduleLevel = scope.type === 'module';
  const params = field(scope, 'parameters');
  for (const p of params ? kids(params) : []) {
    const n = p.type === 'identifier' ? p : p.type === 'typed_parameter' ? kids(p).find((c) => c.type === 'identifier') : field(p, 'name');
    if (n?.type === 'identifier') locals.add(a.text(n));
  }
  const body = moduleLevel ? scope : field(scope, 'body');
  const nested = moduleLevel ? scope.descendantsOfType(['function_definition', 'class_definition']).filter((n): n is Node => n !== null) : [];
  const inNested = (n: Node): boolean => nested.some((d) => d.startIndex <= n.startIndex && n.endIndex <= d.endIndex);
  for (const c of body ? body.descendantsOfType(SCOPE_QUERY) : []) {
    if (!c || (nested.length > 0 && inNested(c))) continue;
    if (c.type === 'call') {
      calls.push(c);
      const fn = field(c, 'function');
      if (fn?.type === 'attribute') {
        const method = a.text(field(fn, 'attribute') as Node);
        if (MUTATORS.has(method)) {
          const [t] = leftRoots(a, field(fn, 'object') as Node);
          const args = field(c, 'arguments');
          if (t && args) defs.push({ targets: [t], sources: [...pyTokens(a, args)] });
        }
      }
      continue;
    }
    const { left, right } = assignmentSides(c);
    if (!left || !right) continue;
    const targets = leftRoots(a, left);
    for (const t of targets) locals.add(t);
    defs.push({ targets, sources: [...pyTokens(a, right), ...(c.type === 'augmented_assignment' ? targets : [])] });
  }
  const f = { defs, locals, calls };
  byScope.set(scope.id, f);
  return f;
}

/** Names related to an inference call's input (backwards) and output (forwards) within one function. */
export function pyRelation(a: PyInference, scope: Node, inputExprs: Node[], resultNames: string[], steps?: number): Relation {
  const { defs, locals } = scopeFacts(a, scope);
  const isLocal = (n: string): boolean => locals.has(n) || n.startsWith('self.');
  const inputs = new Set<string>();
  for (const e of inputExprs) for (const t of pyTokens(a, e)) if (isLocal(t) && !CONTEXT_NAMES.has(t)) inputs.add(t);
  const outputs = new Set<string>();
  for (const r of resultNames) {
    const root = /^(self\.[A-Za-z_]\w*|[A-Za-z_]\w*)/.exec(r)?.[0];
    if (root && root !== 'self') outputs.add(root);
  }
  return closeRelation(defs, isLocal, CONTEXT_NAMES, inputs, outputs, steps);
}

/** Could this call record something, by the look of its callee's text? (The full test resolves it.) */
function mayRecord(a: PyInference, ctx: InferenceContext, call: Node, args: Node): boolean {
  if (ctx.loggingFunctions.length > 0) return true;
  const k = ObservabilityKnowledge.get();
  const callee = a.mod.text.slice(call.startIndex, args.startIndex).replace(/\s+/g, '');
  const last = trailingIdentifier(callee) ?? '';
  if (callee.includes('.')) return k.pyLoggerMethods.has(last) || k.helperName.test(last) || k.recorderMethods.has(last);
  return k.helperName.test(last) || k.pyLoggerMethods.has(last);
}

/** What kind of recording call this is, if any: a logger, a logging helper, a tracing API. */
export function pyRecorder(a: PyInference, ctx: InferenceContext, call: Node): string | undefined {
  const k = ObservabilityKnowledge.get();
  const fn = field(call, 'function');
  if (!fn) return undefined;
  if (ctx.loggingFunctions.length > 0) {
    const v = a.valueOf(fn);
    if (v?.t === 'fn') {
      const info = ctx.pyAt(v.path)?.fnInfo(v.node);
      if (info && ctx.loggingFunction(info)) return `logging helper ${info.name}`;
    }
  }
  if (fn.type === 'attribute') {
    const method = a.text(field(fn, 'attribute') as Node);
    const recv = field(fn, 'object') as Node;
    const recvName = recv.type === 'attribute' ? a.text(field(recv, 'attribute') as Node) : a.text(recv);
    if (k.pyLoggerMethods.has(method)) {
      const q = a.mod.qualify(a.mod.chain(recv));
      if (k.pyLoggerModules.some((m) => q === m || q.startsWith(`${m}.`))) return q;
      if (k.loggerName.test(recvName)) return recvName;
      const rv = a.valueOf(recv);
      if (rv?.t === 'extern' && k.pyLoggerModules.some((m) => rv.q === m || rv.q.startsWith(`${m}.`))) return rv.q.split('.')[0];
    }
    if (k.helperName.test(method) && /log/i.test(recvName)) return `${recvName}.${method}`;
    if (k.recorderMethods.has(method) && k.recorderReceiver.test(a.text(recv))) return a.text(recv);
  } else if (fn.type === 'identifier') {
    const name = a.text(fn);
    if (k.helperName.test(name)) return name;
    // `from logging import info`
    const q = a.mod.qualify(name);
    if (q !== name && k.pyLoggerModules.some((m) => q.startsWith(`${m}.`)) && k.pyLoggerMethods.has(q.split('.').pop() as string)) return q;
  }
  return undefined;
}

const HANDLERS = new Set(['except_clause', 'except_group_clause']);

/**
 * Files a scope opens for appending (`with open(path, "a") as f`, `f = open(path, mode="a")`):
 * a record appended to, one exchange a line, is a log of them.
 */
function appendHandles(a: PyInference, scope: Node): Set<string> {
  const out = new Set<string>();
  for (const c of scopeFacts(a, scope).calls) {
    const fn = field(c, 'function');
    if (!fn || a.mod.qualify(a.mod.chain(fn)) !== 'open') continue;
    const args = kids(field(c, 'arguments') as Node);
    const modeArg = args.find((x) => x.type === 'keyword_argument' && a.text(field(x, 'name') as Node) === 'mode') ?? args[1];
    const modeNode = modeArg?.type === 'keyword_argument' ? field(modeArg, 'value') : modeArg;
    const mode = modeNode ? a.mod.stringValue(modeNode)?.value : undefined;
    if (!mode?.startsWith('a')) continue;
    const holder = c.parent;
    if (holder?.type === 'as_pattern') {
      const { left } = assignmentSides(holder);
      if (left?.type === 'identifier') out.add(a.text(left));
    } else if (holder?.type === 'assignment') {
      const left = field(holder, 'left');
      if (left?.type === 'identifier') out.add(a.text(left));
    }
  }
  return out;
}

/** `f.write(...)`, `f.writelines(...)`, `json.dump(obj, f)` on a file opened for appending. */
function journalWrite(a: PyInference, call: Node, handles: ReadonlySet<string>): string | undefined {
  const fn = field(call, 'function');
  if (fn?.type === 'attribute') {
    const method = a.text(field(fn, 'attribute') as Node);
    const recv = field(fn, 'object') as Node;
    if ((method === 'write' || method === 'writelines') && recv.type === 'identifier' && handles.has(a.text(recv))) return 'append-only file';
  }
  if (fn && a.mod.qualify(a.mod.chain(fn)) === 'json.dump') {
    const target = kids(field(call, 'arguments') as Node)[1];
    if (target?.type === 'identifier' && handles.has(a.text(target))) return 'append-only file';
  }
  return undefined;
}

/**
 * A log call that does not record the inference call as it happens: at a level production does
 * not keep (`log.debug(...)`, `log.log(logging.DEBUG, ...)`), or in an `except` handler that does
 * not hold the call (it runs only when something failed).
 */
function pyOffRecord(a: PyInference, call: Node, scope: Node, callNode: Node | undefined): boolean {
  const fn = field(call, 'function');
  if (fn?.type === 'attribute') {
    const method = a.text(field(fn, 'attribute') as Node);
    const recv = a.text(field(fn, 'object') as Node);
    const k = ObservabilityKnowledge.get();
    if (k.isQuietLog(method, recv)) return true;
    const first = field(call, 'arguments')?.namedChildren[0];
    if (method === 'log' && first && /\bDEBUG\b/.test(a.text(first))) return true;
  }
  for (let p = call.parent; p && p.id !== scope.id; p = p.parent) {
    if (!HANDLERS.has(p.type)) continue;
    const holdsCall = callNode !== undefined && p.startIndex <= callNode.startIndex && callNode.endIndex <= p.endIndex;
    if (!holdsCall) return true;
  }
  return false;
}

/** A recording call in `scope` whose arguments involve the related names (or contain `callNode`). */
export function pyLoggingEvidence(a: PyInference, ctx: InferenceContext, scope: Node, rel: Relation, callNode: Node | undefined): RecordingEvidence | undefined {
  const journals = appendHandles(a, scope);
  for (const c of scopeFacts(a, scope).calls) {
    const args = field(c, 'arguments');
    if (!args) continue;
    const journal = journals.size > 0 ? journalWrite(a, c, journals) : undefined;
    if (!journal && !mayRecord(a, ctx, c, args)) continue;
    const containsCall = callNode !== undefined && args.startIndex <= callNode.startIndex && callNode.endIndex <= args.endIndex;
    if (!containsCall && ![...pyTokens(a, args)].some((t) => rel.inputs.has(t) || rel.outputs.has(t))) continue;
    const tool = journal ?? pyRecorder(a, ctx, c);
    if (tool && !pyOffRecord(a, c, scope, callNode)) return { kind: 'log', tool, path: a.file.path, span: span(field(c, 'function') as Node) };
  }
  return undefined;
}
