import type { Node, ts } from 'ts-morph';
import { tsc } from '../../parse/ts-morph.js';
import { bindingNames, isAssignment, rootToken, tsReads } from '../observability/ts.js';
import { GuardrailKnowledge } from './data.js';
import type { Effect, FlowArg, FlowCall, FlowFacts } from './types.js';
import { tsChildren, walkTs, walkTsWith } from '../../parse/walk.js';

// Data-flow facts of one TS/JS function, from plain compiler nodes (wrapping every node of every
// function in ts-morph objects is what makes whole-repository analyses slow).

/**
 * Properties that describe a value instead of holding its text: sending `completion.usage` or
 * `messages.length` is not sending the model's text, and a length check is not a filter.
 */
export const META_PROPS = new Set([
  'length',
  'size',
  'usage',
  'usage_metadata',
  'usageMetadata',
  'id',
  'model',
  'created',
  'object',
  'system_fingerprint',
  'finish_reason',
  'finishReason',
  'stop_reason',
  'stopReason',
  'prompt_tokens',
  'completion_tokens',
  'total_tokens',
  'headers',
  'status',
  'statusCode',
]);
const MUTATORS = new Set(['push', 'unshift', 'concat', 'set', 'add', 'append', 'assign', 'splice']);

type FnLike = ts.FunctionLikeDeclaration;

function isFnLike(n: ts.Node): n is FnLike {
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

/** The call an expression is, through `await`, parentheses and casts. */
function singleCall(e: ts.Expression, sf: ts.SourceFile): { start: number; end: number } | undefined {
  let cur: ts.Expression = e;
  while (tsc.isAwaitExpression(cur) || tsc.isParenthesizedExpression(cur) || tsc.isAsExpression(cur) || tsc.isNonNullExpression(cur)) cur = cur.expression;
  return tsc.isCallExpression(cur) ? { start: cur.getStart(sf), end: cur.end } : undefined;
}

/** The variables an expression reads (`this.x` as one name); `x.length`, `res.usage` are not reads of x's content. */
export function tsExprTokens(expr: ts.Node, out = new Set<string>()): Set<string> {
  return tsReads(expr, out, { meta: META_PROPS, valuesOnly: true });
}

function lastName(callee: ts.Node): string {
  if (tsc.isPropertyAccessExpression(callee)) return callee.name.text;
  if (tsc.isIdentifier(callee)) return callee.text;
  if (tsc.isElementAccessExpression(callee) && tsc.isStringLiteralLike(callee.argumentExpression)) return callee.argumentExpression.text;
  return '';
}

/** What a branch does: return, throw, break/continue, or assign a variable. */
function effectOf(stmt: ts.Node | undefined, sf: ts.SourceFile, out: Effect = { raises: false, returns: false, breaks: false, assigns: false }): Effect {
  if (!stmt) return out;
  walkTs(stmt, (n) => {
    if (isFnLike(n)) return false;
    if (tsc.isReturnStatement(n)) out.returns = true;
    else if (tsc.isThrowStatement(n)) out.raises = true;
    else if (tsc.isBreakStatement(n) || tsc.isContinueStatement(n)) out.breaks = true;
    else if (tsc.isVariableDeclaration(n) || (tsc.isBinaryExpression(n) && isAssignment(n.operatorToken.kind))) out.assigns = true;
    else if (tsc.isCallExpression(n)) {
      // next(err), reply.code(400).send(...), controller.error(...): the request ends here.
      const name = lastName(n.expression);
      if (name === 'error' || name === 'abort' || (name === 'next' && n.arguments.length > 0)) out.raises = true;
    }
  });
  void sf;
  return out;
}

const cache = new WeakMap<ts.Node, FlowFacts>();

/** Data-flow facts of a function (closures included) or of a module's top-level code. */
export function tsFlow(fn: Node): FlowFacts {
  const scope = fn.compilerNode;
  const hit = cache.get(scope);
  if (hit) return hit;
  const sf = scope.getSourceFile();
  const k = GuardrailKnowledge.get();
  const facts: FlowFacts = { params: [], defs: [], conds: [], returns: [], calls: [], bodySinks: [], locals: new Set() };
  const moduleLevel = tsc.isSourceFile(scope);
  if (isFnLike(scope)) {
    for (const p of scope.parameters) {
      const names = bindingNames(p.name);
      facts.params.push(names);
      for (const n of names) facts.locals.add(n);
    }
  }
  const start = (n: ts.Node): number => n.getStart(sf);
  const visit = (c: ts.Node, depth: number): number | false => {
    if (isFnLike(c)) {
      if (moduleLevel) return false;
      for (const p of c.parameters) for (const n of bindingNames(p.name)) facts.locals.add(n);
      // An arrow's expression body is its return value.
      if (tsc.isArrowFunction(c) && !tsc.isBlock(c.body)) facts.returns.push({ start: start(c.body), end: c.body.end, tokens: tsExprTokens(c.body), kind: 'return', nested: true });
      return depth + 1;
    }
    if (tsc.isVariableDeclaration(c)) {
      const targets = bindingNames(c.name, META_PROPS);
      for (const t of bindingNames(c.name)) facts.locals.add(t);
      const loop = c.parent?.parent;
      if (c.initializer) facts.defs.push({ targets, sources: tsExprTokens(c.initializer), start: start(c.initializer), end: c.initializer.end, call: singleCall(c.initializer, sf) });
      else if (loop && (tsc.isForOfStatement(loop) || tsc.isForInStatement(loop)))
        facts.defs.push({ targets, sources: tsExprTokens(loop.expression), start: start(loop.expression), end: loop.expression.end });
    } else if (tsc.isBinaryExpression(c) && isAssignment(c.operatorToken.kind)) {
      const t = rootToken(c.left);
      if (t) {
        const sources = tsExprTokens(c.right);
        if (c.operatorToken.kind !== tsc.SyntaxKind.EqualsToken) sources.add(t);
        facts.defs.push({ targets: [t], sources, start: start(c.right), end: c.right.end, call: singleCall(c.right, sf) });
      }
      if (k.bodyAssignment.test(c.left.getText(sf).replace(/\s+/g, ''))) facts.bodySinks.push({ start: start(c.right), end: c.right.end, tokens: tsExprTokens(c.right) });
    } else if (tsc.isCallExpression(c)) {
      const callee = c.expression;
      const last = lastName(callee);
      const args: FlowArg[] = c.arguments.map((a, i) => ({ key: `#${i}`, start: start(a), end: a.end, tokens: tsExprTokens(a) }));
      const call: FlowCall = {
        start: start(c),
        end: c.end,
        calleeStart: start(callee),
        calleeEnd: callee.end,
        callee: callee.getText(sf).replace(/\s+/g, ''),
        last,
        args,
        node: c,
        sink: tsc.isPropertyAccessExpression(callee) && k.tsSinks.has(last),
        nested: depth > 0,
      };
      facts.calls.push(call);
      if (tsc.isPropertyAccessExpression(callee)) {
        const t = rootToken(callee.expression);
        if (t && MUTATORS.has(last)) {
          const sources = new Set<string>();
          for (const a of c.arguments) tsExprTokens(a, sources);
          facts.defs.push({ targets: [t], sources, start: call.start, end: call.end });
        }
        // stream.on('data', (chunk) => ...), result.then((r) => ...), messages.map((m) => ...)
        if (t) {
          for (const a of c.arguments) {
            if (tsc.isArrowFunction(a) || tsc.isFunctionExpression(a)) {
              const params = a.parameters.flatMap((p) => bindingNames(p.name));
              facts.defs.push({ targets: params, sources: new Set([t]), start: start(callee.expression), end: callee.expression.end });
            }
          }
        }
      }
    } else if (tsc.isReturnStatement(c)) {
      if (c.expression) facts.returns.push({ start: start(c.expression), end: c.expression.end, tokens: tsExprTokens(c.expression), kind: 'return', nested: depth > 0 });
    } else if (tsc.isYieldExpression(c)) {
      if (c.expression) facts.returns.push({ start: start(c.expression), end: c.expression.end, tokens: tsExprTokens(c.expression), kind: 'yield', nested: depth > 0 });
    } else if (tsc.isIfStatement(c)) {
      const effect = effectOf(c.thenStatement, sf);
      effectOf(c.elseStatement, sf, effect);
      facts.conds.push({ start: start(c.expression), end: c.expression.end, tokens: tsExprTokens(c.expression), effect, value: false });
    } else if (tsc.isConditionalExpression(c)) {
      facts.conds.push({ start: start(c.condition), end: c.condition.end, tokens: tsExprTokens(c.condition), effect: { raises: false, returns: false, breaks: false, assigns: false }, value: true });
    } else if (tsc.isWhileStatement(c) || tsc.isDoStatement(c)) {
      facts.conds.push({ start: start(c.expression), end: c.expression.end, tokens: tsExprTokens(c.expression), effect: effectOf(c.statement, sf), value: false });
    } else if (
      tsc.isBinaryExpression(c) &&
      (c.operatorToken.kind === tsc.SyntaxKind.AmpersandAmpersandToken || c.operatorToken.kind === tsc.SyntaxKind.BarBarToken) &&
      tsc.isExpressionStatement(c.parent)
    ) {
      // `flagged && abort()` as a statement: the right side runs on the verdict.
      facts.conds.push({ start: start(c.left), end: c.left.end, tokens: tsExprTokens(c.left), effect: effectOf(c.right, sf), value: false });
    }
    return depth;
  };
  if (moduleLevel) for (const x of tsChildren(scope)) walkTsWith(x, 0, visit);
  else {
    const body = (scope as FnLike).body;
    if (body) {
      if (tsc.isArrowFunction(scope) && !tsc.isBlock(body)) facts.returns.push({ start: start(body), end: body.end, tokens: tsExprTokens(body), kind: 'return', nested: false });
      walkTsWith(body, 0, visit);
    }
  }
  cache.set(scope, facts);
  return facts;
}
