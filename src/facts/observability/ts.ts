import { Node, SyntaxKind } from 'ts-morph';
import { tsSpan } from '../../parse/typescript.js';
import type { InferenceContext } from '../inference/context.js';
import { bindingNames, isFunctionLike, type TsInference } from '../inference/ts.js';
import { ObservabilityKnowledge } from './data.js';
import type { RecordingEvidence, Relation } from './types.js';

/**
 * Properties that describe a value instead of holding its text: logging `res.usage` or
 * `messages.length` is not logging the prompt or the response.
 */
export const META_PROPS = new Set([
  'length', 'size', 'usage', 'usage_metadata', 'usageMetadata', 'response_metadata', 'id', 'model', 'status', 'statusCode',
  'headers', 'finish_reason', 'finishReason', 'stop_reason', 'stopReason', 'created', 'object', 'system_fingerprint',
  'cost', 'latency', 'duration', 'tokens', 'token_usage', 'prompt_tokens', 'completion_tokens', 'total_tokens',
]);
const MUTATORS = new Set(['push', 'unshift', 'concat', 'set', 'add', 'write', 'enqueue', 'append', 'assign']);
/** Request and context objects: the prompt comes out of them, but logging them is not logging the prompt. */
const CONTEXT_NAMES = new Set(['req', 'request', 'ctx', 'context', 'c', 'event', 'e', 'evt', 'res', 'reply', 'next', 'params', 'props']);

interface Def {
  targets: string[];
  sources: string[];
}

/** `this.x.y` → `this.x`; `a.b[0]` → `a`. */
function rootToken(n: Node): string | undefined {
  let cur = n;
  for (;;) {
    if (Node.isPropertyAccessExpression(cur)) {
      const obj = cur.getExpression();
      if (obj.getKind() === SyntaxKind.ThisKeyword) return `this.${cur.getName()}`;
      cur = obj;
    } else if (Node.isElementAccessExpression(cur) || Node.isNonNullExpression(cur) || Node.isParenthesizedExpression(cur) || Node.isAsExpression(cur)) {
      cur = cur.getExpression();
    } else if (Node.isIdentifier(cur)) {
      return cur.getText();
    } else return undefined;
  }
}

/** The variables an expression reads (`this.x` as one name); counts (`x.length`) are not reads of x's content. */
export function tsTokens(expr: Node): Set<string> {
  const out = new Set<string>();
  const visit = (n: Node): void => {
    if (Node.isPropertyAccessExpression(n) && n.getExpression().getKind() === SyntaxKind.ThisKeyword) {
      out.add(`this.${n.getName()}`);
      return;
    }
    if (Node.isPropertyAccessExpression(n) && META_PROPS.has(n.getName())) return;
    if (Node.isIdentifier(n)) {
      const p = n.getParent();
      if (p && Node.isPropertyAccessExpression(p) && p.getNameNode() === n) return;
      if (p && (Node.isPropertyAssignment(p) || Node.isPropertyDeclaration(p) || Node.isMethodDeclaration(p)) && p.getNameNode() === n) return;
      out.add(n.getText());
      return;
    }
    n.forEachChild(visit);
  };
  visit(expr);
  return out;
}

/** Assignments and data movements inside a function (closures included; for `<module>`, top-level code). */
function defsOf(scope: Node): { defs: Def[]; locals: Set<string> } {
  const defs: Def[] = [];
  const locals = new Set<string>();
  if (isFunctionLike(scope)) {
    for (const p of (scope as unknown as { getParameters(): Array<{ getNameNode(): Node }> }).getParameters()) for (const n of bindingNames(p.getNameNode())) locals.add(n);
  }
  const moduleLevel = Node.isSourceFile(scope);
  const visit = (n: Node): void => {
    n.forEachChild((c) => {
      if (moduleLevel && isFunctionLike(c)) return;
      if (Node.isVariableDeclaration(c)) {
        const targets = bindingNames(c.getNameNode());
        for (const t of targets) locals.add(t);
        const init = c.getInitializer();
        const p = c.getParent()?.getParent();
        if (init) defs.push({ targets, sources: [...tsTokens(init)] });
        else if (p && (Node.isForOfStatement(p) || Node.isForInStatement(p))) defs.push({ targets, sources: [...tsTokens(p.getExpression())] });
      } else if (Node.isBinaryExpression(c)) {
        const op = c.getOperatorToken().getKind();
        if (op >= SyntaxKind.FirstAssignment && op <= SyntaxKind.LastAssignment) {
          const t = rootToken(c.getLeft());
          if (t) defs.push({ targets: [t], sources: [...tsTokens(c.getRight()), ...(op === SyntaxKind.EqualsToken ? [] : [t])] });
        }
      } else if (Node.isCallExpression(c)) {
        const callee = c.getExpression();
        if (Node.isPropertyAccessExpression(callee)) {
          const t = rootToken(callee.getExpression());
          if (t && MUTATORS.has(callee.getName())) defs.push({ targets: [t], sources: c.getArguments().flatMap((a) => [...tsTokens(a)]) });
          // stream.on('data', (chunk) => ...), result.then((r) => ...), messages.map((m) => ...)
          if (t) {
            for (const a of c.getArguments()) {
              if (Node.isArrowFunction(a) || Node.isFunctionExpression(a)) {
                const params = a.getParameters().flatMap((p) => bindingNames(p.getNameNode()));
                for (const q of params) locals.add(q);
                defs.push({ targets: params, sources: [t] });
              }
            }
          }
        }
      }
      visit(c);
    });
  };
  const body = Node.isSourceFile(scope) ? scope : (scope as unknown as { getBody?(): Node | undefined }).getBody?.();
  if (body) visit(body);
  return { defs, locals };
}

/**
 * The names related to an inference call within one function: the variables its prompt is built
 * from (backwards, a few steps, request objects excluded) and the variables its result flows
 * into (forwards, to a fixpoint).
 */
export function tsRelation(scope: Node, inputExprs: Node[], resultNames: string[]): Relation {
  const { defs, locals } = defsOf(scope);
  const isLocal = (n: string): boolean => locals.has(n) || n.startsWith('this.');
  const inputs = new Set<string>();
  for (const e of inputExprs) for (const t of tsTokens(e)) if (isLocal(t)) inputs.add(t);
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
    const root = /^(this\.[A-Za-z_$][\w$]*|[A-Za-z_$][\w$]*)/.exec(r)?.[0];
    if (root) outputs.add(root);
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
export function tsRecorder(a: TsInference, ctx: InferenceContext, call: Node): string | undefined {
  if (!Node.isCallExpression(call)) return undefined;
  const k = ObservabilityKnowledge.get();
  const callee = call.getExpression();
  const v = a.valueOf(callee);
  if (v?.t === 'fn') {
    const info = ctx.tsAt(v.path)?.fnInfo(v.node);
    if (info && ctx.loggingFunction(info)) return `logging helper ${info.name}`;
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

/** A recording call in `scope` whose arguments involve the related names (or contain `callNode`). */
export function tsLoggingEvidence(a: TsInference, ctx: InferenceContext, scope: Node, rel: Relation, callNode: Node | undefined): RecordingEvidence | undefined {
  const moduleLevel = Node.isSourceFile(scope);
  let found: RecordingEvidence | undefined;
  const check = (c: Node): void => {
    if (found || (moduleLevel && isFunctionLike(c))) return;
    if (Node.isCallExpression(c)) {
      const tool = tsRecorder(a, ctx, c);
      if (tool) {
        const args = c.getArguments();
        const containsCall = callNode !== undefined && args.some((x) => x.getStart() <= callNode.getStart() && callNode.getEnd() <= x.getEnd());
        const related = args.some((x) => [...tsTokens(x)].some((t) => rel.inputs.has(t) || rel.outputs.has(t)));
        if (containsCall || related) {
          found = { kind: 'log', tool, path: a.file.path, span: tsSpan(c.getExpression()) };
          return;
        }
      }
    }
    c.forEachChild(check);
  };
  const body = moduleLevel ? scope : (scope as unknown as { getBody?(): Node | undefined }).getBody?.();
  if (body) check(body);
  return found;
}
