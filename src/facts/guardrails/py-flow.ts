import type { Node } from 'web-tree-sitter';
import type { PyInference } from '../inference/python.js';
import type { FunctionInfo } from '../inference/types.js';
import { assignmentSides, leftRoots, pyTokens } from '../observability/python.js';
import { GuardrailKnowledge } from './data.js';
import type { Effect, FlowArg, FlowFacts } from './types.js';
import { trailingIdentifier } from '../../util/text.js';

// Data-flow facts of one Python function. Every node tree-sitter hands to JavaScript is
// marshalled out of WebAssembly: one query per scope, the rest read from the text.

const MUTATORS = new Set(['append', 'extend', 'add', 'update', 'insert', 'appendleft', 'put', 'put_nowait']);
const QUERY = [
  'assignment',
  'augmented_assignment',
  'for_statement',
  'for_in_clause',
  'as_pattern',
  'named_expression',
  'call',
  'return_statement',
  'yield',
  'if_statement',
  'elif_clause',
  'conditional_expression',
  'while_statement',
  'assert_statement',
];
const NESTED = ['function_definition', 'lambda', 'class_definition'];
const TOP_DEFS = new Set(['function_definition', 'class_definition', 'decorated_definition']);
const EFFECTS = ['return_statement', 'raise_statement', 'break_statement', 'continue_statement', 'assignment', 'augmented_assignment', 'call'];

function kids(n: Node): Node[] {
  return n.namedChildren.filter((c): c is Node => c !== null && c.type !== 'comment');
}

function field(n: Node, name: string): Node | undefined {
  return n.childForFieldName(name) ?? undefined;
}

function effectOf(a: PyInference, blocks: Array<Node | undefined>): Effect {
  const out: Effect = { raises: false, returns: false, breaks: false, assigns: false };
  for (const b of blocks) {
    if (!b) continue;
    for (const n of b.descendantsOfType(EFFECTS)) {
      if (!n) continue;
      if (n.type === 'return_statement') out.returns = true;
      else if (n.type === 'raise_statement') out.raises = true;
      else if (n.type === 'break_statement' || n.type === 'continue_statement') out.breaks = true;
      else if (n.type === 'call') {
        // flask.abort(400), fastapi's `raise` spelled as a helper: the request ends here.
        const fn = field(n, 'function');
        if (fn && /(^|\.)abort$/.test(a.text(fn))) out.raises = true;
      } else out.assigns = true;
    }
  }
  return out;
}

const caches = new WeakMap<PyInference, Map<number, FlowFacts>>();

/**
 * Whether a node lies inside one of the given ones: the outermost spans, merged and sorted once,
 * answer each question with a binary search (2,000 nested lambdas are 2,000 spans).
 */
function insideAny(nodes: Node[]): (n: Node) => boolean {
  const sorted = nodes.map((d) => [d.startIndex, d.endIndex] as const).sort((x, y) => x[0] - y[0] || y[1] - x[1]);
  const outer: (readonly [number, number])[] = [];
  for (const r of sorted) {
    const last = outer[outer.length - 1];
    if (last && r[1] <= last[1]) continue;
    outer.push(r);
  }
  return (n) => {
    let lo = 0;
    let hi = outer.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((outer[mid] as readonly [number, number])[0] <= n.startIndex) lo = mid + 1;
      else hi = mid;
    }
    const r = outer[lo - 1];
    return !!r && n.endIndex <= r[1];
  };
}

/** Data-flow facts of a function (closures included) or of a module's top-level code. */
export function pyFlow(a: PyInference, fn: FunctionInfo): FlowFacts {
  let byScope = caches.get(a);
  if (!byScope) {
    byScope = new Map();
    caches.set(a, byScope);
  }
  const scope = fn.node as Node;
  const hit = byScope.get(scope.id);
  if (hit) return hit;
  const k = GuardrailKnowledge.get();
  const facts: FlowFacts = { params: fn.params.map((p) => [p]), defs: [], conds: [], returns: [], calls: [], bodySinks: [], locals: new Set(fn.params) };
  const moduleLevel = scope.type === 'module';
  const body = moduleLevel ? scope : field(scope, 'body');
  if (!body) {
    byScope.set(scope.id, facts);
    return facts;
  }
  // Top-level code: definitions are skipped whole rather than queried and then dropped.
  const roots = moduleLevel ? kids(body).filter((st) => !TOP_DEFS.has(st.type)) : [body];
  const nested = roots.flatMap((r) => r.descendantsOfType(NESTED)).filter((n): n is Node => n !== null);
  const inNested = insideAny(nested);
  for (const d of nested) {
    if (moduleLevel || d.type === 'class_definition') continue;
    const ps = field(d, 'parameters');
    for (const p of ps ? kids(ps) : []) {
      const n = p.type === 'identifier' ? p : p.type === 'typed_parameter' ? kids(p).find((c) => c.type === 'identifier') : field(p, 'name');
      if (n?.type === 'identifier') facts.locals.add(a.text(n));
    }
    // A lambda's body is its return value.
    if (d.type === 'lambda') {
      const b = field(d, 'body');
      if (b) facts.returns.push({ start: b.startIndex, end: b.endIndex, tokens: pyTokens(a, b), kind: 'return', nested: true });
    }
  }
  if (scope.type === 'lambda') facts.returns.push({ start: body.startIndex, end: body.endIndex, tokens: pyTokens(a, body), kind: 'return', nested: false });
  for (const c of roots.flatMap((r) => r.descendantsOfType(QUERY))) {
    if (!c) continue;
    const isNested = nested.length > 0 && inNested(c);
    if (isNested && moduleLevel) continue;
    switch (c.type) {
      case 'call': {
        const callee = field(c, 'function');
        const argList = field(c, 'arguments');
        if (!callee) break;
        const args: FlowArg[] = [];
        let i = 0;
        for (const x of argList && argList.type === 'argument_list' ? kids(argList) : argList ? [argList] : []) {
          if (x.type === 'keyword_argument') {
            const name = field(x, 'name');
            const value = field(x, 'value');
            if (name && value) args.push({ key: a.text(name), start: value.startIndex, end: value.endIndex, tokens: pyTokens(a, value) });
          } else if (x.type === 'list_splat' || x.type === 'dictionary_splat') {
            args.push({ key: x.type === 'list_splat' ? '*' : '**', start: x.startIndex, end: x.endIndex, tokens: pyTokens(a, x) });
          } else {
            args.push({ key: `#${i++}`, start: x.startIndex, end: x.endIndex, tokens: pyTokens(a, x) });
          }
        }
        const text = a.text(callee).replace(/\s+/g, '');
        const last = trailingIdentifier(text) ?? '';
        facts.calls.push({
          start: c.startIndex,
          end: c.endIndex,
          calleeStart: callee.startIndex,
          calleeEnd: callee.endIndex,
          callee: text,
          last,
          args,
          node: c,
          sink: callee.type === 'attribute' && k.pySinks.has(last),
          nested: isNested,
        });
        if (callee.type === 'attribute' && MUTATORS.has(last)) {
          const [t] = leftRoots(a, field(callee, 'object') as Node);
          if (t && argList) facts.defs.push({ targets: [t], sources: pyTokens(a, argList), start: c.startIndex, end: c.endIndex });
        }
        break;
      }
      case 'return_statement':
      case 'yield': {
        const e = kids(c)[0];
        if (e) facts.returns.push({ start: e.startIndex, end: e.endIndex, tokens: pyTokens(a, e), kind: c.type === 'yield' ? 'yield' : 'return', nested: isNested });
        break;
      }
      case 'if_statement':
      case 'elif_clause':
      case 'while_statement': {
        const cond = field(c, 'condition');
        if (!cond) break;
        const branches = [field(c, 'consequence') ?? field(c, 'body'), ...(c.type === 'if_statement' ? c.childrenForFieldName('alternative').filter((x): x is Node => x !== null) : [])];
        facts.conds.push({ start: cond.startIndex, end: cond.endIndex, tokens: pyTokens(a, cond), effect: effectOf(a, branches), value: false });
        break;
      }
      case 'conditional_expression': {
        const cond = kids(c)[1];
        if (cond) facts.conds.push({ start: cond.startIndex, end: cond.endIndex, tokens: pyTokens(a, cond), effect: { raises: false, returns: false, breaks: false, assigns: false }, value: true });
        break;
      }
      case 'assert_statement': {
        const cond = kids(c)[0];
        if (cond) facts.conds.push({ start: cond.startIndex, end: cond.endIndex, tokens: pyTokens(a, cond), effect: { raises: true, returns: false, breaks: false, assigns: false }, value: false });
        break;
      }
      default: {
        const { left, right } = assignmentSides(c);
        if (!left || !right) break;
        const targets = leftRoots(a, left);
        for (const t of targets) facts.locals.add(t);
        const sources = pyTokens(a, right);
        if (c.type === 'augmented_assignment') for (const t of targets) sources.add(t);
        let inner = right;
        while ((inner.type === 'await' || inner.type === 'parenthesized_expression') && kids(inner)[0]) inner = kids(inner)[0] as Node;
        facts.defs.push({ targets, sources, start: right.startIndex, end: right.endIndex, call: inner.type === 'call' ? { start: inner.startIndex, end: inner.endIndex } : undefined });
        if (c.type === 'assignment' && k.bodyAssignment.test(a.text(left).replace(/\s+/g, ''))) facts.bodySinks.push({ start: right.startIndex, end: right.endIndex, tokens: sources });
      }
    }
  }
  byScope.set(scope.id, facts);
  return facts;
}
