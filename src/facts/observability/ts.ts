import type { ts } from 'ts-morph';
import { Node, tsc } from '../../parse/ts-morph.js';
import type { InferenceContext } from '../inference/context.js';
import type { TsInference } from '../inference/ts.js';
import { ObservabilityKnowledge } from './data.js';
import { closeRelation } from './relation.js';
import type { RecordingEvidence, Relation } from './types.js';
import { tsChildren, visitNodes, walkTs } from '../../parse/walk.js';

// This module walks plain compiler nodes (no ts-morph wrappers): it runs for every inference
// call of a repository, and wrapping every node of every function is what made it slow.

/**
 * Properties that describe a value instead of holding its text: logging `res.usage` or
 * `messages.length` is not logging the prompt or the response.
 */
export const META_PROPS = new Set([
  'length',
  'size',
  'usage',
  'usage_metadata',
  'usageMetadata',
  'response_metadata',
  'id',
  'model',
  'status',
  'statusCode',
  'headers',
  'finish_reason',
  'finishReason',
  'stop_reason',
  'stopReason',
  'created',
  'object',
  'system_fingerprint',
  'cost',
  'latency',
  'duration',
  'tokens',
  'token_usage',
  'prompt_tokens',
  'completion_tokens',
  'total_tokens',
]);
const MUTATORS = new Set(['push', 'unshift', 'concat', 'set', 'add', 'write', 'enqueue', 'append', 'assign']);
/** Request and context objects: the prompt comes out of them, but logging them is not logging the prompt. */
const CONTEXT_NAMES = new Set(['req', 'request', 'ctx', 'context', 'c', 'event', 'e', 'evt', 'res', 'reply', 'next', 'params', 'props']);

interface Def {
  targets: string[];
  sources: string[];
}

interface ScopeFacts {
  defs: Def[];
  locals: Set<string>;
  /** Calls in the scope (closures included; for a source file, top-level code only). */
  calls: ts.CallExpression[];
}

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

export function isAssignment(kind: ts.SyntaxKind): boolean {
  return kind >= tsc.SyntaxKind.FirstAssignment && kind <= tsc.SyntaxKind.LastAssignment;
}

/**
 * Names a binding declares, in source order (nested destructuring with an explicit stack).
 * Properties named in `skip` are left out of object patterns: `{ id, usage }` taken out of a
 * response are metadata, not its text.
 */
export function bindingNames(n: ts.BindingName, skip?: ReadonlySet<string>): string[] {
  const out: string[] = [];
  const stack: ts.BindingName[] = [n];
  while (stack.length > 0) {
    const b = stack.pop() as ts.BindingName;
    if (tsc.isIdentifier(b)) {
      out.push(b.text);
      continue;
    }
    const inner: ts.BindingName[] = [];
    for (const el of b.elements) {
      if (!tsc.isBindingElement(el)) continue;
      const prop = el.propertyName && tsc.isIdentifier(el.propertyName) ? el.propertyName.text : tsc.isIdentifier(el.name) ? el.name.text : undefined;
      if (skip && tsc.isObjectBindingPattern(b) && prop && skip.has(prop)) continue;
      inner.push(el.name);
    }
    for (let i = inner.length - 1; i >= 0; i--) stack.push(inner[i] as ts.BindingName);
  }
  return out;
}

/** `this.x.y` → `this.x`; `a.b[0]` → `a`. */
export function rootToken(n: ts.Node): string | undefined {
  let cur = n;
  for (;;) {
    if (tsc.isPropertyAccessExpression(cur)) {
      if (cur.expression.kind === tsc.SyntaxKind.ThisKeyword) return `this.${cur.name.text}`;
      cur = cur.expression;
    } else if (tsc.isElementAccessExpression(cur) || tsc.isNonNullExpression(cur) || tsc.isParenthesizedExpression(cur) || tsc.isAsExpression(cur)) {
      cur = cur.expression;
    } else if (tsc.isIdentifier(cur)) {
      return cur.text;
    } else return undefined;
  }
}

/**
 * The variables an expression reads (`this.x` as one name); `x.length`, `res.usage` (`meta`
 * properties) are not reads of their content. With `valuesOnly`, type annotations and numbers
 * parsed from a text (`Number(x)`) read nothing either.
 */
export function tsReads(expr: ts.Node, out = new Set<string>(), opts: { meta?: ReadonlySet<string>; valuesOnly?: boolean } = {}): Set<string> {
  const meta = opts.meta ?? META_PROPS;
  const stack: ts.Node[] = [expr];
  while (stack.length > 0) {
    const n = stack.pop() as ts.Node;
    visitNodes();
    if (tsc.isPropertyAccessExpression(n)) {
      if (n.expression.kind === tsc.SyntaxKind.ThisKeyword) out.add(`this.${n.name.text}`);
      else if (!meta.has(n.name.text)) stack.push(n.expression);
      continue;
    }
    if (tsc.isIdentifier(n)) {
      out.add(n.text);
      continue;
    }
    if (tsc.isPropertyAssignment(n)) {
      stack.push(n.initializer);
      continue;
    }
    if (tsc.isShorthandPropertyAssignment(n)) {
      out.add(n.name.text);
      continue;
    }
    if (opts.valuesOnly && (tsc.isTypeNode(n) || (tsc.isCallExpression(n) && tsc.isIdentifier(n.expression) && NUMERIC.has(n.expression.text)))) continue;
    stack.push(...tsChildren(n).reverse());
  }
  return out;
}

const NUMERIC = new Set(['Number', 'parseInt', 'parseFloat', 'Boolean', 'isNaN']);

/** The variables a wrapped expression reads. */
export function tsTokens(expr: Node): Set<string> {
  return tsReads(expr.compilerNode);
}

const facts = new WeakMap<ts.Node, ScopeFacts>();

/** Assignments, data movements and calls of a function (closures included) or of top-level code. */
function scopeFacts(scope: ts.Node): ScopeFacts {
  let f = facts.get(scope);
  if (f) return f;
  const defs: Def[] = [];
  const locals = new Set<string>();
  const calls: ts.CallExpression[] = [];
  const moduleLevel = tsc.isSourceFile(scope);
  if (isFnLike(scope)) for (const p of scope.parameters) for (const n of bindingNames(p.name)) locals.add(n);
  const visit = (c: ts.Node): boolean => {
    if (moduleLevel && isFnLike(c)) return false;
    if (tsc.isVariableDeclaration(c)) {
      const targets = bindingNames(c.name);
      for (const t of targets) locals.add(t);
      const loop = c.parent?.parent;
      if (c.initializer) defs.push({ targets, sources: [...tsReads(c.initializer)] });
      else if (loop && (tsc.isForOfStatement(loop) || tsc.isForInStatement(loop))) defs.push({ targets, sources: [...tsReads(loop.expression)] });
    } else if (tsc.isBinaryExpression(c) && isAssignment(c.operatorToken.kind)) {
      const t = rootToken(c.left);
      if (t) defs.push({ targets: [t], sources: [...tsReads(c.right), ...(c.operatorToken.kind === tsc.SyntaxKind.EqualsToken ? [] : [t])] });
    } else if (tsc.isCallExpression(c)) {
      calls.push(c);
      const callee = c.expression;
      if (tsc.isPropertyAccessExpression(callee)) {
        const t = rootToken(callee.expression);
        if (t && MUTATORS.has(callee.name.text)) {
          const sources = new Set<string>();
          for (const a of c.arguments) tsReads(a, sources);
          defs.push({ targets: [t], sources: [...sources] });
        }
        // stream.on('data', (chunk) => ...), result.then((r) => ...), messages.map((m) => ...)
        if (t) {
          for (const a of c.arguments) {
            if (tsc.isArrowFunction(a) || tsc.isFunctionExpression(a)) {
              const params = a.parameters.flatMap((p) => bindingNames(p.name));
              for (const q of params) locals.add(q);
              defs.push({ targets: params, sources: [t] });
            }
          }
        }
      }
    }
    return true;
  };
  const body = moduleLevel ? scope : (scope as FnLike).body;
  if (body) {
    if (moduleLevel) for (const x of tsChildren(body)) walkTs(x, visit);
    else walkTs(body, visit);
  }
  f = { defs, locals, calls };
  facts.set(scope, f);
  return f;
}

/**
 * The names related to an inference call within one function: the variables its prompt is built
 * from (backwards, a few steps, request objects excluded) and the variables its result flows
 * into (forwards, to a fixpoint).
 */
export function tsRelation(scope: Node, inputExprs: Node[], resultNames: string[], callNode?: Node, steps?: number): Relation {
  const { defs, locals } = scopeFacts(scope.compilerNode);
  const isLocal = (n: string): boolean => locals.has(n) || n.startsWith('this.');
  const inputs = new Set<string>();
  for (const e of inputExprs) for (const t of tsReads(e.compilerNode)) if (isLocal(t)) inputs.add(t);
  const outputs = new Set<string>();
  for (const r of resultNames) {
    const root = /^(this\.[A-Za-z_$][\w$]*|[A-Za-z_$][\w$]*)/.exec(r)?.[0];
    if (root) outputs.add(root);
  }
  // Callbacks given to the call itself (`onFinish: ({ text }) => ...`, `onChunk`) receive its output.
  if (callNode && tsc.isCallExpression(callNode.compilerNode)) {
    const visit = (n: ts.Node): boolean => {
      if (tsc.isArrowFunction(n) || tsc.isFunctionExpression(n) || tsc.isMethodDeclaration(n)) {
        for (const p of n.parameters) for (const name of bindingNames(p.name)) outputs.add(name);
        return false;
      }
      return tsc.isObjectLiteralExpression(n) || tsc.isPropertyAssignment(n);
    };
    for (const a of callNode.compilerNode.arguments) walkTs(a, visit);
  }
  return closeRelation(defs, isLocal, CONTEXT_NAMES, inputs, outputs, steps);
}

/** Could this call record something, by the look of its name? (The full test resolves the callee.) */
function mayRecord(call: ts.CallExpression, ctx: InferenceContext): boolean {
  const k = ObservabilityKnowledge.get();
  const callee = call.expression;
  if (ctx.loggingFunctions.length > 0) return true;
  if (tsc.isPropertyAccessExpression(callee)) {
    const m = callee.name.text;
    return k.tsLoggerMethods.has(m) || k.helperName.test(m) || k.recorderMethods.has(m);
  }
  return tsc.isIdentifier(callee) && k.helperName.test(callee.text);
}

/** What kind of recording call this is, if any: a logger, a logging helper, a tracing API. */
export function tsRecorder(a: TsInference, ctx: InferenceContext, call: Node): string | undefined {
  if (!Node.isCallExpression(call)) return undefined;
  const k = ObservabilityKnowledge.get();
  const callee = call.getExpression();
  if (ctx.loggingFunctions.length > 0) {
    const v = a.valueOf(callee);
    if (v?.t === 'fn') {
      const info = ctx.tsAt(v.path)?.fnInfo(v.node);
      if (info && ctx.loggingFunction(info)) return `logging helper ${info.name}`;
    }
  }
  if (Node.isPropertyAccessExpression(callee)) {
    const method = callee.getName();
    const recv = callee.getExpression();
    const recvName = Node.isPropertyAccessExpression(recv) ? recv.getName() : recv.getText();
    if (k.tsLoggerMethods.has(method)) {
      if (recv.getText() === 'console') return 'console';
      if (k.loggerName.test(recvName)) return recvName;
      const rv = a.valueOf(recv);
      if (rv?.t === 'extern' && k.tsLoggerModules.has(rv.module)) return rv.module;
    }
    if (k.helperName.test(method) && (k.loggerName.test(recvName) || /log/i.test(recvName))) return `${recvName}.${method}`;
    if (k.recorderMethods.has(method) && k.recorderReceiver.test(recv.getText())) return recv.getText();
  } else if (Node.isIdentifier(callee) && k.helperName.test(callee.getText())) {
    return callee.getText();
  }
  return undefined;
}

const FS_MODULES = new Set(['fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'fs-extra']);
const APPENDS = new Set(['appendFile', 'appendFileSync']);

/** `fs.appendFile(path, line)` and the like: a record appended to, one exchange a line, is a log of them. */
function journalWrite(a: TsInference, call: ts.CallExpression): string | undefined {
  const callee = call.expression;
  const name = tsc.isPropertyAccessExpression(callee) ? callee.name.text : tsc.isIdentifier(callee) ? callee.text : undefined;
  if (!name || !APPENDS.has(name)) return undefined;
  const v = a.valueOf(a.wrap(callee));
  return v?.t === 'extern' && FS_MODULES.has(v.module) ? 'append-only file' : undefined;
}

/** Callback options of inference calls that run only when the call failed. */
const FAILURE_CALLBACKS = new Set(['onError', 'onAbort']);

/**
 * A log call that does not record the inference call as it happens: at a level production does
 * not keep (`logger.debug(...)`), or in a `catch` block, `.catch()` or `onError` callback that
 * does not hold the call (it runs only when something failed).
 */
function tsOffRecord(call: ts.CallExpression, scope: ts.Node, at: { start: number; end: number } | undefined, sf: ts.SourceFile): boolean {
  const callee = call.expression;
  if (tsc.isPropertyAccessExpression(callee) && ObservabilityKnowledge.get().isQuietLog(callee.name.text, callee.expression.getText(sf))) return true;
  const holds = (n: ts.Node): boolean => at !== undefined && n.getStart(sf) <= at.start && at.end <= n.end;
  for (let p: ts.Node | undefined = call.parent; p && p !== scope; p = p.parent) {
    let failureOnly = tsc.isCatchClause(p);
    if (tsc.isArrowFunction(p) || tsc.isFunctionExpression(p)) {
      const holder = p.parent;
      if (holder && tsc.isCallExpression(holder) && tsc.isPropertyAccessExpression(holder.expression) && holder.expression.name.text === 'catch') failureOnly = true;
      if (holder && tsc.isPropertyAssignment(holder) && tsc.isIdentifier(holder.name) && FAILURE_CALLBACKS.has(holder.name.text)) failureOnly = true;
    } else if (tsc.isMethodDeclaration(p) && tsc.isIdentifier(p.name) && FAILURE_CALLBACKS.has(p.name.text)) failureOnly = true;
    if (failureOnly && !holds(p)) return true;
  }
  return false;
}

/** A recording call in `scope` whose arguments involve the related names (or contain `callNode`). */
export function tsLoggingEvidence(a: TsInference, ctx: InferenceContext, scope: Node, rel: Relation, callNode: Node | undefined): RecordingEvidence | undefined {
  const { calls } = scopeFacts(scope.compilerNode);
  const sf = a.sf.compilerNode;
  const at = callNode ? { start: callNode.getStart(), end: callNode.getEnd() } : undefined;
  for (const c of calls) {
    const journal = journalWrite(a, c);
    if (!journal && !mayRecord(c, ctx)) continue;
    const containsCall = at !== undefined && c.arguments.some((x) => x.getStart(sf) <= at.start && at.end <= x.end);
    const related = containsCall || c.arguments.some((x) => [...tsReads(x)].some((t) => rel.inputs.has(t) || rel.outputs.has(t)));
    if (!related) continue;
    const wrapped = a.wrap(c);
    const tool = journal ?? tsRecorder(a, ctx, wrapped);
    if (!tool || tsOffRecord(c, scope.compilerNode, at, sf)) continue;
    const callee = c.expression;
    return { kind: 'log', tool, path: a.file.path, span: { start: callee.getStart(sf), end: callee.end } };
  }
  return undefined;
}
