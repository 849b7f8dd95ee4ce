/**
 * Whether an inference call's prompt and response are recorded: logged next to the call or by
 * its callers, traced through a wrapped client, a decorator, callbacks or a logging gateway, or
 * covered by instrumentation started for the whole process.
 */
import type { Node as TsNode } from 'ts-morph';
import type { Node as PyNode } from 'web-tree-sitter';
import type { ProjectModel } from '../../model/project.js';
import { isTestFile, openSpreads } from '../inference/common.js';
import { InferenceContext } from '../inference/context.js';
import type { ArgExpr, ArgMap, CallEdge, ClientOrigin, FunctionInfo, InferenceSite } from '../inference/types.js';
import { ObservabilityKnowledge } from './data.js';
import { processInstrumentation } from './instrumentation.js';
import { pyLoggingEvidence, pyRelation } from './python.js';
import { tsLoggingEvidence, tsRelation } from './ts.js';
import type { RecordingEvidence, Relation } from './types.js';

export type { RecordingEvidence, Relation } from './types.js';
export { ObservabilityKnowledge } from './data.js';
export { instrumentationIn, processInstrumentation, type Instrumentation } from './instrumentation.js';

/** How many callers up the chain a log call may be. */
const CALLER_DEPTH = 3;
const EMPTY_LIST = /^\[\s*\]$/;

function lastKey(key: string): string {
  return key.split('.').pop() ?? key;
}

/** Evidence on the client: tracing wrapper, traced drop-in module, logging gateway, LangChain callbacks. */
export function clientEvidence(origin: ClientOrigin | undefined): RecordingEvidence | undefined {
  if (!origin) return undefined;
  const k = ObservabilityKnowledge.get();
  for (const o of [origin, ...(origin.parts ?? [])]) {
    for (const w of o.wrappers) {
      const tool = k.wrapper(w);
      if (tool) return { kind: 'client-wrapper', tool, path: o.path, span: o.span };
    }
    const traced = k.tracedModule(o.module) ?? k.tracedModule(o.className);
    if (traced) return { kind: 'traced-client', tool: traced, path: o.path, span: o.span };
    const gw = gatewayIn(o.args);
    if (gw) return { kind: 'gateway', tool: gw, path: o.path, span: o.span };
    const cb = o.args.get('callbacks');
    if (cb && !EMPTY_LIST.test(cb.text)) return { kind: 'callbacks', tool: 'callbacks', path: o.path, span: cb.span };
  }
  return undefined;
}

/** A base URL pointing at a logging gateway, or a gateway header. */
function gatewayIn(args: ReadonlyMap<string, ArgExpr>): string | undefined {
  const k = ObservabilityKnowledge.get();
  for (const [key, a] of args) {
    const parts = key.split('.');
    if (k.urlKey.test(lastKey(key)) && k.gatewayHost.test(a.value ?? a.text)) return 'logging gateway';
    if (parts.length >= 2 && k.headerKey.test(parts[parts.length - 2] as string) && k.gatewayHeader.test(lastKey(key))) return 'logging gateway';
  }
  return undefined;
}

/** Evidence in the call's own arguments: AI SDK telemetry, callbacks, gateway headers or URL. */
export function callEvidence(site: InferenceSite): RecordingEvidence | undefined {
  const at = (a: ArgExpr | undefined, kind: RecordingEvidence['kind'], tool: string): RecordingEvidence => ({ kind, tool, path: a?.path ?? site.path, span: a?.span ?? site.calleeSpan });
  // AI SDK telemetry: `experimental_telemetry`, called `telemetry` from AI SDK 7 on.
  for (const key of site.sdk === 'ai-sdk' ? ['experimental_telemetry', 'telemetry'] : ['experimental_telemetry']) {
    const tel = site.args.get(key);
    if (!tel) continue;
    const enabled = site.args.get(`${key}.isEnabled`);
    const literal = tel.text.trim().startsWith('{');
    // Enabled unless `isEnabled` is literally false (a flag from the environment counts as wired up).
    if (enabled ? enabled.text.trim() !== 'false' : !literal) return at(tel, 'telemetry', 'AI SDK telemetry');
  }
  for (const key of ['callbacks', 'config.callbacks', 'success_callback']) {
    const cb = site.args.get(key);
    if (cb && !EMPTY_LIST.test(cb.text)) return at(cb, 'callbacks', 'callbacks');
  }
  const gw = gatewayIn(site.args);
  if (gw) return at(undefined, 'gateway', gw);
  if (site.url && ObservabilityKnowledge.get().gatewayHost.test(site.url)) return at(undefined, 'gateway', 'logging gateway');
  return undefined;
}

/** A tracing decorator (`@observe`, `@traceable`) or wrapper (`traceable(async () => ...)`) on a function. */
export function decoratorEvidence(fn: FunctionInfo): RecordingEvidence | undefined {
  const k = ObservabilityKnowledge.get();
  for (const d of fn.decorators) {
    const tool = k.decorator(d) ?? k.wrapper(d);
    if (tool) return { kind: 'decorator', tool, path: fn.path, span: fn.span };
  }
  return undefined;
}

/** The names of `fn` related to a call's inputs and result (see closeRelation); `steps` bounds the backward walk. */
function relationIn(project: ProjectModel, fn: FunctionInfo, inputExprs: Array<TsNode | PyNode>, resultNames: string[], callNode?: TsNode | PyNode, steps?: number): Relation | undefined {
  const ctx = InferenceContext.of(project);
  if (fn.lang === 'ts') {
    if (!ctx.tsAt(fn.path)) return undefined;
    return tsRelation(fn.node as TsNode, inputExprs as TsNode[], resultNames, callNode as TsNode | undefined, steps);
  }
  const a = ctx.pyAt(fn.path);
  return a ? pyRelation(a, fn.node as PyNode, inputExprs as PyNode[], resultNames, steps) : undefined;
}

/**
 * A recording call in `fn` whose arguments relate to the inputs (`inputExprs` and what they are
 * built from) or to the result (`resultNames` and what is derived from them).
 */
export function loggingIn(project: ProjectModel, fn: FunctionInfo, inputExprs: Array<TsNode | PyNode>, resultNames: string[], callNode?: TsNode | PyNode): RecordingEvidence | undefined {
  const ctx = InferenceContext.of(project);
  const rel = relationIn(project, fn, inputExprs, resultNames, callNode);
  if (!rel) return undefined;
  if (fn.lang === 'ts') {
    const a = ctx.tsAt(fn.path);
    return a ? tsLoggingEvidence(a, ctx, fn.node as TsNode, rel, callNode as TsNode | undefined) : undefined;
  }
  const a = ctx.pyAt(fn.path);
  return a ? pyLoggingEvidence(a, ctx, fn.node as PyNode, rel, callNode as PyNode | undefined) : undefined;
}

/** The expressions a call's prompt comes from: the prompt argument, or else every argument of the call's own file. */
function inputsOf(args: ArgMap, prompt?: ArgExpr): Array<TsNode | PyNode> {
  if (prompt && !prompt.path) return [prompt.node];
  const own = [...args].filter(([k, a]) => !k.includes('.') && !a.path).map(([, a]) => a);
  return [...own, ...openSpreads(args).filter((a) => !a.path)].map((a) => a.node);
}

/** Every name `fn` builds the given inputs from, followed back to its parameters. */
function feedingNames(project: ProjectModel, fn: FunctionInfo, inputExprs: Array<TsNode | PyNode>): Set<string> | undefined {
  return relationIn(project, fn, inputExprs, [], undefined, 16)?.inputs;
}

/**
 * The arguments of a call of `fn` that become the prompt: those given for the parameters the
 * prompt is built from (`feeding`). Logging the other arguments (a model name, a temperature)
 * is not logging the prompt. All arguments when the parameters cannot be matched to them.
 */
function promptArgs(edge: CallEdge, fn: FunctionInfo, feeding: ReadonlySet<string> | undefined): Array<TsNode | PyNode> {
  if (!feeding) return inputsOf(edge.args);
  const out: Array<TsNode | PyNode> = [];
  let matched = true;
  fn.params.forEach((param, i) => {
    const names = param.match(/[A-Za-z_$][\w$]*/g) ?? [];
    const fed = names.filter((n) => feeding.has(n));
    if (fed.length === 0) return;
    // A destructured parameter (`{ messages, model }`): the properties it takes from the argument.
    const props = names.length > 1 ? fed.map((n) => edge.args.get(n)).filter((a): a is ArgExpr => a !== undefined) : [];
    const arg = props.length > 0 ? undefined : (edge.args.get(`#${i}`) ?? edge.args.get(param) ?? edge.args.get(`${param}=`));
    if (props.length > 0) out.push(...props.map((a) => a.node));
    else if (arg) out.push(arg.node);
    else matched = false;
  });
  return matched ? out : inputsOf(edge.args);
}

/**
 * Every caller of `fn` (up to CALLER_DEPTH levels) records the call's input or output, or has a
 * caller that does. Undefined when some path up from `fn` records nothing, or `fn` has no callers.
 * `feeding`: the names of `fn` its inference call's prompt is built from.
 */
function loggedByCallers(project: ProjectModel, fn: FunctionInfo, depth: number, seen: Set<string>, feeding: ReadonlySet<string> | undefined): RecordingEvidence | undefined {
  const ctx = InferenceContext.of(project);
  const key = `${fn.id}@${fn.span.start}`;
  if (seen.has(key)) return undefined;
  seen.add(key);
  // Tests call production code without logging it; they are not a production path.
  const callers: CallEdge[] = ctx.callersOf(fn).filter((e) => !isTestFile(e.from.path));
  if (callers.length === 0) return undefined;
  let evidence: RecordingEvidence | undefined;
  for (const edge of callers) {
    const inputs = promptArgs(edge, fn, feeding);
    let ev = decoratorEvidence(edge.from) ?? loggingIn(project, edge.from, inputs, edge.resultNames, edge.node);
    if (!ev && depth + 1 < CALLER_DEPTH) ev = loggedByCallers(project, edge.from, depth + 1, seen, feedingNames(project, edge.from, inputs));
    if (!ev) return undefined;
    evidence ??= ev;
  }
  return evidence;
}

/** For a call of a `settings.inference.functions` function: logging inside that function. */
function loggedInsideCustom(project: ProjectModel, site: InferenceSite): RecordingEvidence | undefined {
  if (site.sdk !== 'custom') return undefined;
  const ctx = InferenceContext.of(project);
  const ref = ctx.customFunctions.find((r) => r.entry === site.custom);
  const path = ref ? ctx.refPath(ref) : undefined;
  const a = path ? ctx.analyzerAt(path) : undefined;
  const fn = a?.functions().find((f) => f.name === ref?.name);
  if (!fn) return undefined;
  const dec = decoratorEvidence(fn);
  if (dec) return dec;
  // Its parameters are the prompt; its inner inference calls are checked where they are.
  for (const inner of a?.sites() ?? []) if (inner.fn.id === fn.id && recordingEvidence(project, inner)) return recordingEvidence(project, inner);
  if (fn.lang === 'ts') {
    const params = (fn.node as unknown as { getParameters?(): TsNode[] }).getParameters?.() ?? [];
    return loggingIn(project, fn, params, []);
  }
  const ps = (fn.node as PyNode).childForFieldName('parameters');
  return loggingIn(project, fn, ps ? [ps] : [], []);
}

function instrumented(project: ProjectModel, site: InferenceSite): RecordingEvidence | undefined {
  const file = project.file(site.path);
  const inst = file ? processInstrumentation(project, file, site.sdk) : undefined;
  return inst ? { kind: inst.tool === 'LangSmith' ? 'env' : 'instrumentation', tool: inst.tool, path: inst.path, span: inst.span } : undefined;
}

const cache = new WeakMap<InferenceSite, RecordingEvidence | null>();

/**
 * Why the prompt or response of an inference call is recorded, or undefined when nothing
 * records it. Cheap checks first (the client and the call), then process-wide instrumentation,
 * then log calls in the function and up its callers.
 */
export function recordingEvidence(project: ProjectModel, site: InferenceSite): RecordingEvidence | undefined {
  const hit = cache.get(site);
  if (hit !== undefined) return hit ?? undefined;
  cache.set(site, null);
  const ev =
    clientEvidence(site.client) ??
    callEvidence(site) ??
    instrumented(project, site) ??
    decoratorEvidence(site.fn) ??
    loggingIn(project, site.fn, inputsOf(site.args, site.prompt), site.resultNames, site.node) ??
    loggedInsideCustom(project, site) ??
    loggedByCallers(project, site.fn, 0, new Set(), feedingNames(project, site.fn, inputsOf(site.args, site.prompt)));
  cache.set(site, ev ?? null);
  return ev;
}

/**
 * When nothing records a call: whether the analysis could not see all of the function's
 * callers, so that one of them may log it (the function has no resolved callers, yet its name is
 * used elsewhere in the repository: passed as a value, called through a base class).
 */
export function callersUnseen(project: ProjectModel, site: InferenceSite): boolean {
  const ctx = InferenceContext.of(project);
  if (ctx.callersOf(site.fn).some((e) => !isTestFile(e.from.path))) return false;
  return ctx.mentionedElsewhere(site.fn);
}
