import type { Node } from 'web-tree-sitter';
import { span } from '../../parse/python.js';
import type { InferenceContext } from '../inference/context.js';
import type { PyInference } from '../inference/python.js';
import { ObservabilityKnowledge } from './data.js';
import { META_PROPS } from './ts.js';
import type { RecordingEvidence, Relation } from './types.js';

const MUTATORS = new Set(['append', 'extend', 'add', 'update', 'insert', 'write', 'put', 'put_nowait', 'appendleft']);
const CONTEXT_NAMES = new Set(['request', 'req', 'ctx', 'context', 'event', 'websocket', 'ws', 'background_tasks', 'self', 'cls']);

interface Def {
  targets: string[];
  sources: string[];
}

function kids(n: Node): Node[] {
  return n.namedChildren.filter((c): c is Node => c !== null && c.type !== 'comment');
}

function field(n: Node, name: string): Node | undefined {
  return n.childForFieldName(name) ?? undefined;
}

/** `self.x.y` → `self.x`; `a.b[0]` → `a`. */
function rootToken(a: PyInference, n: Node): string | undefined {
  let cur = n;
  for (;;) {
    if (cur.type === 'attribute') {
      const obj = field(cur, 'object') as Node;
      if (obj.type === 'identifier' && a.text(obj) === 'self') return `self.${a.text(field(cur, 'attribute') as Node)}`;
      cur = obj;
    } else if (cur.type === 'subscript') cur = field(cur, 'value') as Node;
    else if (cur.type === 'identifier') return a.text(cur);
    else return undefined;
  }
}

/** The variables an expression reads (`self.x` as one name); `len(x)` is not a read of x's content. */
export function pyTokens(a: PyInference, expr: Node): Set<string> {
  const out = new Set<string>();
  const visit = (n: Node): void => {
    if (n.type === 'attribute' && META_PROPS.has(a.text(field(n, 'attribute') as Node))) return;
    if (n.type === 'subscript') {
      const key = field(n, 'subscript');
      if (key?.type === 'string' && META_PROPS.has(a.mod.stringValue(key)?.value ?? '')) return;
    }
    if (n.type === 'attribute') {
      const obj = field(n, 'object');
      if (obj?.type === 'identifier' && a.text(obj) === 'self') {
        out.add(`self.${a.text(field(n, 'attribute') as Node)}`);
        return;
      }
      if (obj) visit(obj);
      return;
    }
    if (n.type === 'keyword_argument') {
      const v = field(n, 'value');
      if (v) visit(v);
      return;
    }
    if (n.type === 'call' && a.text(field(n, 'function') as Node) === 'len') return;
    if (n.type === 'identifier') {
      out.add(a.text(n));
      return;
    }
    for (const c of kids(n)) visit(c);
  };
  visit(expr);
  return out;
}

function defsOf(a: PyInference, scope: Node): { defs: Def[]; locals: Set<string> } {
  const defs: Def[] = [];
  const locals = new Set<string>();
  const moduleLevel = scope.type === 'module';
  const params = field(scope, 'parameters');
  for (const p of params ? kids(params) : []) {
    const n = p.type === 'identifier' ? p : p.type === 'typed_parameter' ? kids(p).find((c) => c.type === 'identifier') : field(p, 'name');
    if (n?.type === 'identifier') locals.add(a.text(n));
  }
  const visit = (n: Node): void => {
    for (const c of kids(n)) {
      if (moduleLevel && (c.type === 'function_definition' || c.type === 'class_definition' || c.type === 'decorated_definition')) continue;
      if (c.type === 'assignment' || c.type === 'augmented_assignment') {
        const left = field(c, 'left');
        const right = field(c, 'right');
        if (left && right) {
          const ts = leftRoots(a, left);
          for (const t of ts) locals.add(t);
          defs.push({ targets: ts, sources: [...pyTokens(a, right), ...(c.type === 'augmented_assignment' ? ts : [])] });
        }
      } else if (c.type === 'for_statement' || c.type === 'for_in_clause') {
        const left = field(c, 'left');
        const right = field(c, 'right');
        if (left && right) {
          const ts = leftRoots(a, left);
          for (const t of ts) locals.add(t);
          defs.push({ targets: ts, sources: [...pyTokens(a, right)] });
        }
      } else if (c.type === 'as_pattern') {
        const value = kids(c)[0];
        const alias = field(c, 'alias');
        const target = alias ? kids(alias)[0] : undefined;
        if (value && target) {
          const ts = leftRoots(a, target);
          for (const t of ts) locals.add(t);
          defs.push({ targets: ts, sources: [...pyTokens(a, value)] });
        }
      } else if (c.type === 'named_expression') {
        const name = field(c, 'name');
        const value = field(c, 'value');
        if (name && value) {
          locals.add(a.text(name));
          defs.push({ targets: [a.text(name)], sources: [...pyTokens(a, value)] });
        }
      } else if (c.type === 'call') {
        const fn = field(c, 'function');
        if (fn?.type === 'attribute') {
          const method = a.text(field(fn, 'attribute') as Node);
          const t = rootToken(a, field(fn, 'object') as Node);
          const args = field(c, 'arguments');
          if (t && MUTATORS.has(method) && args) defs.push({ targets: [t], sources: [...pyTokens(a, args)] });
        }
      }
      visit(c);
    }
  };
  const body = moduleLevel ? scope : field(scope, 'body');
  if (body) visit(body);
  return { defs, locals };
}

function leftRoots(a: PyInference, left: Node): string[] {
  if (left.type === 'pattern_list' || left.type === 'tuple_pattern' || left.type === 'list_pattern' || left.type === 'tuple') return kids(left).flatMap((c) => leftRoots(a, c));
  const r = rootToken(a, left);
  return r ? [r] : [];
}

/** Names related to an inference call's input (backwards) and output (forwards) within one function. */
export function pyRelation(a: PyInference, scope: Node, inputExprs: Node[], resultNames: string[]): Relation {
  const { defs, locals } = defsOf(a, scope);
  const isLocal = (n: string): boolean => locals.has(n) || n.startsWith('self.');
  const inputs = new Set<string>();
  for (const e of inputExprs) for (const t of pyTokens(a, e)) if (isLocal(t) && !CONTEXT_NAMES.has(t)) inputs.add(t);
  let frontier = [...inputs];
  for (let step = 0; step < 3 && frontier.length > 0; step++) {
    const next: string[] = [];
    for (const d of defs) {
      if (!d.targets.some((t) => frontier.includes(t))) continue;
      for (const s of d.sources) {
        if (!isLocal(s) || inputs.has(s) || CONTEXT_NAMES.has(s)) continue;
        inputs.add(s);
        next.push(s);
      }
    }
    frontier = next;
  }
  const outputs = new Set<string>();
  for (const r of resultNames) {
    const root = /^(self\.[A-Za-z_]\w*|[A-Za-z_]\w*)/.exec(r)?.[0];
    if (root && root !== 'self') outputs.add(root);
  }
  for (let changed = true, guard = 0; changed && guard < 12; guard++) {
    changed = false;
    for (const d of defs) {
      if (!d.sources.some((s) => outputs.has(s))) continue;
      for (const t of d.targets) {
        if (!outputs.has(t)) {
          outputs.add(t);
          changed = true;
        }
      }
    }
  }
  return { inputs, outputs };
}

/** What kind of recording call this is, if any: a logger, a logging helper, a tracing API. */
export function pyRecorder(a: PyInference, ctx: InferenceContext, call: Node): string | undefined {
  const k = ObservabilityKnowledge.get();
  const fn = field(call, 'function');
  if (!fn) return undefined;
  const v = a.valueOf(fn);
  if (v?.t === 'fn') {
    const info = ctx.pyAt(v.path)?.fnInfo(v.node);
    if (info && ctx.loggingFunction(info)) return `logging helper ${info.name}`;
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
    // from loguru import logger; logger(...) is not a thing, but `from logging import info` is.
    const q = a.mod.qualify(name);
    if (q !== name && k.pyLoggerModules.some((m) => q.startsWith(`${m}.`)) && k.pyLoggerMethods.has(q.split('.').pop() as string)) return q;
  }
  return undefined;
}

export function pyLoggingEvidence(a: PyInference, ctx: InferenceContext, scope: Node, rel: Relation, callNode: Node | undefined): RecordingEvidence | undefined {
  const moduleLevel = scope.type === 'module';
  let found: RecordingEvidence | undefined;
  const visit = (n: Node): void => {
    for (const c of kids(n)) {
      if (found) return;
      if (moduleLevel && (c.type === 'function_definition' || c.type === 'class_definition' || c.type === 'decorated_definition')) continue;
      if (c.type === 'call') {
        const tool = pyRecorder(a, ctx, c);
        const args = field(c, 'arguments');
        if (tool && args) {
          const containsCall = callNode !== undefined && args.startIndex <= callNode.startIndex && callNode.endIndex <= args.endIndex;
          const related = [...pyTokens(a, args)].some((t) => rel.inputs.has(t) || rel.outputs.has(t));
          if (containsCall || related) {
            found = { kind: 'log', tool, path: a.file.path, span: span(field(c, 'function') as Node) };
            return;
          }
        }
      }
      visit(c);
    }
  };
  const body = moduleLevel ? scope : field(scope, 'body');
  if (body) visit(body);
  return found;
}
