import { ts, type Node } from 'ts-morph';
import { GuardrailKnowledge } from './data.js';
import type { Effect, FlowArg, FlowCall, FlowFacts } from './types.js';

// Data-flow facts of one TS/JS function, from plain compiler nodes (wrapping every node of every
// function in ts-morph objects is what makes whole-repository analyses slow).

/**
 * Properties that describe a value instead of holding its text: sending `completion.usage` or
 * `messages.length` is not sending the model's text, and a length check is not a filter.
 */
export const META_PROPS = new Set([
  'length', 'size', 'usage', 'usage_metadata', 'usageMetadata', 'id', 'model', 'created', 'object', 'system_fingerprint',
  'finish_reason', 'finishReason', 'stop_reason', 'stopReason', 'prompt_tokens', 'completion_tokens', 'total_tokens', 'headers', 'status', 'statusCode',
]);
const NUMERIC = new Set(['Number', 'parseInt', 'parseFloat', 'Boolean', 'isNaN']);
const MUTATORS = new Set(['push', 'unshift', 'concat', 'set', 'add', 'append', 'assign', 'splice']);

type FnLike = ts.FunctionLikeDeclaration;

function isFnLike(n: ts.Node): n is FnLike {
  return ts.isFunctionDeclaration(n) || ts.isArrowFunction(n) || ts.isFunctionExpression(n) || ts.isMethodDeclaration(n) || ts.isConstructorDeclaration(n) || ts.isGetAccessor(n) || ts.isSetAccessor(n);
}

function isAssignment(kind: ts.SyntaxKind): boolean {
  return kind >= ts.SyntaxKind.FirstAssignment && kind <= ts.SyntaxKind.LastAssignment;
}

/** Names a binding declares; with `skipMeta`, `{ id, usage }` taken out of an object are metadata, not its text. */
function bindingNames(n: ts.BindingName, skipMeta = false): string[] {
  if (ts.isIdentifier(n)) return [n.text];
  const out: string[] = [];
  for (const el of n.elements) {
    if (!ts.isBindingElement(el)) continue;
    const prop = el.propertyName && ts.isIdentifier(el.propertyName) ? el.propertyName.text : ts.isIdentifier(el.name) ? el.name.text : undefined;
    if (skipMeta && ts.isObjectBindingPattern(n) && prop && META_PROPS.has(prop)) continue;
    out.push(...bindingNames(el.name, skipMeta));
  }
  return out;
}

/** The call an expression is, through `await`, parentheses and casts. */
function singleCall(e: ts.Expression, sf: ts.SourceFile): { start: number; end: number } | undefined {
  let cur: ts.Expression = e;
  while (ts.isAwaitExpression(cur) || ts.isParenthesizedExpression(cur) || ts.isAsExpression(cur) || ts.isNonNullExpression(cur)) cur = cur.expression;
  return ts.isCallExpression(cur) ? { start: cur.getStart(sf), end: cur.end } : undefined;
}

/** `this.x.y` → `this.x`; `a.b[0]` → `a`. */
function rootToken(n: ts.Node): string | undefined {
  let cur = n;
  for (;;) {
    if (ts.isPropertyAccessExpression(cur)) {
      if (cur.expression.kind === ts.SyntaxKind.ThisKeyword) return `this.${cur.name.text}`;
      cur = cur.expression;
    } else if (ts.isElementAccessExpression(cur) || ts.isNonNullExpression(cur) || ts.isParenthesizedExpression(cur) || ts.isAsExpression(cur)) {
      cur = cur.expression;
    } else if (ts.isIdentifier(cur)) {
      return cur.text;
    } else return undefined;
  }
}

/** The variables an expression reads (`this.x` as one name); `x.length`, `res.usage` are not reads of x's content. */
export function tsExprTokens(expr: ts.Node, out = new Set<string>()): Set<string> {
  const visit = (n: ts.Node): void => {
    if (ts.isPropertyAccessExpression(n)) {
      if (n.expression.kind === ts.SyntaxKind.ThisKeyword) out.add(`this.${n.name.text}`);
      else if (!META_PROPS.has(n.name.text)) visit(n.expression);
      return;
    }
    if (ts.isIdentifier(n)) {
      out.add(n.text);
      return;
    }
    if (ts.isPropertyAssignment(n)) {
      visit(n.initializer);
      return;
    }
    if (ts.isShorthandPropertyAssignment(n)) {
      out.add(n.name.text);
      return;
    }
    // Type annotations name no variables; a number parsed from a text is not the text.
    if (ts.isTypeNode(n)) return;
    if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && NUMERIC.has(n.expression.text)) return;
    ts.forEachChild(n, visit);
  };
  visit(expr);
  return out;
}

function lastName(callee: ts.Node): string {
  if (ts.isPropertyAccessExpression(callee)) return callee.name.text;
  if (ts.isIdentifier(callee)) return callee.text;
  if (ts.isElementAccessExpression(callee) && ts.isStringLiteralLike(callee.argumentExpression)) return callee.argumentExpression.text;
  return '';
}

/** What a branch does: return, throw, break/continue, or assign a variable. */
function effectOf(stmt: ts.Node | undefined, sf: ts.SourceFile, out: Effect = { raises: false, returns: false, breaks: false, assigns: false }): Effect {
  if (!stmt) return out;
  const visit = (n: ts.Node): void => {
    if (isFnLike(n)) return;
    if (ts.isReturnStatement(n)) out.returns = true;
    else if (ts.isThrowStatement(n)) out.raises = true;
    else if (ts.isBreakStatement(n) || ts.isContinueStatement(n)) out.breaks = true;
    else if (ts.isVariableDeclaration(n) || (ts.isBinaryExpression(n) && isAssignment(n.operatorToken.kind))) out.assigns = true;
    else if (ts.isCallExpression(n)) {
      // next(err), reply.code(400).send(...), controller.error(...): the request ends here.
      const name = lastName(n.expression);
      if (name === 'error' || name === 'abort' || (name === 'next' && n.arguments.length > 0)) out.raises = true;
    }
    ts.forEachChild(n, visit);
  };
  visit(stmt);
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
  const moduleLevel = ts.isSourceFile(scope);
  if (isFnLike(scope)) {
    for (const p of scope.parameters) {
      const names = bindingNames(p.name);
      facts.params.push(names);
      for (const n of names) facts.locals.add(n);
    }
  }
  const start = (n: ts.Node): number => n.getStart(sf);
  const visit = (c: ts.Node, depth: number): void => {
    if (isFnLike(c)) {
      if (moduleLevel) return;
      for (const p of c.parameters) for (const n of bindingNames(p.name)) facts.locals.add(n);
      // An arrow's expression body is its return value.
      if (ts.isArrowFunction(c) && !ts.isBlock(c.body)) facts.returns.push({ start: start(c.body), end: c.body.end, tokens: tsExprTokens(c.body), kind: 'return', nested: true });
      ts.forEachChild(c, (x) => visit(x, depth + 1));
      return;
    }
    if (ts.isVariableDeclaration(c)) {
      const targets = bindingNames(c.name, true);
      for (const t of bindingNames(c.name)) facts.locals.add(t);
      const loop = c.parent?.parent;
      if (c.initializer) facts.defs.push({ targets, sources: tsExprTokens(c.initializer), start: start(c.initializer), end: c.initializer.end, call: singleCall(c.initializer, sf) });
      else if (loop && (ts.isForOfStatement(loop) || ts.isForInStatement(loop))) facts.defs.push({ targets, sources: tsExprTokens(loop.expression), start: start(loop.expression), end: loop.expression.end });
    } else if (ts.isBinaryExpression(c) && isAssignment(c.operatorToken.kind)) {
      const t = rootToken(c.left);
      if (t) {
        const sources = tsExprTokens(c.right);
        if (c.operatorToken.kind !== ts.SyntaxKind.EqualsToken) sources.add(t);
        facts.defs.push({ targets: [t], sources, start: start(c.right), end: c.right.end, call: singleCall(c.right, sf) });
      }
      if (k.bodyAssignment.test(c.left.getText(sf).replace(/\s+/g, ''))) facts.bodySinks.push({ start: start(c.right), end: c.right.end, tokens: tsExprTokens(c.right) });
    } else if (ts.isCallExpression(c)) {
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
        sink: ts.isPropertyAccessExpression(callee) && k.tsSinks.has(last),
        nested: depth > 0,
      };
      facts.calls.push(call);
      if (ts.isPropertyAccessExpression(callee)) {
        const t = rootToken(callee.expression);
        if (t && MUTATORS.has(last)) {
          const sources = new Set<string>();
          for (const a of c.arguments) tsExprTokens(a, sources);
          facts.defs.push({ targets: [t], sources, start: call.start, end: call.end });
        }
        // stream.on('data', (chunk) => ...), result.then((r) => ...), messages.map((m) => ...)
        if (t) {
          for (const a of c.arguments) {
            if (ts.isArrowFunction(a) || ts.isFunctionExpression(a)) {
              const params = a.parameters.flatMap((p) => bindingNames(p.name));
              facts.defs.push({ targets: params, sources: new Set([t]), start: start(callee.expression), end: callee.expression.end });
            }
          }
        }
      }
    } else if (ts.isReturnStatement(c)) {
      if (c.expression) facts.returns.push({ start: start(c.expression), end: c.expression.end, tokens: tsExprTokens(c.expression), kind: 'return', nested: depth > 0 });
    } else if (ts.isYieldExpression(c)) {
      if (c.expression) facts.returns.push({ start: start(c.expression), end: c.expression.end, tokens: tsExprTokens(c.expression), kind: 'yield', nested: depth > 0 });
    } else if (ts.isIfStatement(c)) {
      const effect = effectOf(c.thenStatement, sf);
      effectOf(c.elseStatement, sf, effect);
      facts.conds.push({ start: start(c.expression), end: c.expression.end, tokens: tsExprTokens(c.expression), effect, value: false });
    } else if (ts.isConditionalExpression(c)) {
      facts.conds.push({ start: start(c.condition), end: c.condition.end, tokens: tsExprTokens(c.condition), effect: { raises: false, returns: false, breaks: false, assigns: false }, value: true });
    } else if (ts.isWhileStatement(c) || ts.isDoStatement(c)) {
      facts.conds.push({ start: start(c.expression), end: c.expression.end, tokens: tsExprTokens(c.expression), effect: effectOf(c.statement, sf), value: false });
    } else if (ts.isBinaryExpression(c) && (c.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken || c.operatorToken.kind === ts.SyntaxKind.BarBarToken) && ts.isExpressionStatement(c.parent)) {
      // `flagged && abort()` as a statement: the right side runs on the verdict.
      facts.conds.push({ start: start(c.left), end: c.left.end, tokens: tsExprTokens(c.left), effect: effectOf(c.right, sf), value: false });
    }
    ts.forEachChild(c, (x) => visit(x, depth));
  };
  if (moduleLevel) ts.forEachChild(scope, (x) => visit(x, 0));
  else {
    const body = (scope as FnLike).body;
    if (body) {
      if (ts.isArrowFunction(scope) && !ts.isBlock(body)) facts.returns.push({ start: start(body), end: body.end, tokens: tsExprTokens(body), kind: 'return', nested: false });
      visit(body, 0);
    }
  }
  cache.set(scope, facts);
  return facts;
}
