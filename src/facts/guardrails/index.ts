/**
 * Input and output filtering of the inference an HTTP endpoint runs: whether the request's data
 * reaches a model's prompt, whether the model's output reaches the response, and which filters
 * (moderation APIs, guard models, scanners, rails, guardrails configured on the call, project
 * functions) screen each side on the way.
 *
 * The data flow is intra-procedural over the handler and each function on the call path to the
 * inference call, joined at the calls: arguments to parameters going down, return values to the
 * caller's variables coming back. It follows variables through assignments, destructuring, loops,
 * container mutations (`messages.push(x)`) and callbacks; it does not follow values through
 * object fields set in one function and read in another, global state, or queues.
 */
import type { Node as TsNode } from 'ts-morph';
import type { Node as PyNode } from 'web-tree-sitter';
import type { ProjectModel } from '../../model/project.js';
import type { Span } from '../../types.js';
import { dependsCalls, endpointInference, type Endpoint } from '../endpoints/index.js';
import { isTestFile } from '../inference/common.js';
import { InferenceContext } from '../inference/context.js';
import { SdkKnowledge } from '../inference/sdks.js';
import type { PyInference } from '../inference/python.js';
import type { ArgExpr, FunctionInfo, InferenceSite } from '../inference/types.js';
import { pyTokens } from '../observability/python.js';
import { GuardrailKnowledge } from './data.js';
import { derived, derivedOutput, filterCallsIn, flowOf, intersects, isGuardSite, screenedTokens, settingsFunction, verdictUse, within, wrapperBehaviour, type FilterCall } from './filters.js';
import { tsExprTokens } from './ts-flow.js';
import type { FilterEvidence, FlowCall, FlowFacts, FlowStep, GuardedSite } from './types.js';

export type { FilterEvidence, FlowStep, GuardedSite, Side, Verdict } from './types.js';
export { GuardrailKnowledge } from './data.js';
export { filterCallsIn, isGuardSite, wrapperBehaviour, type FilterCall, type WrapperBehaviour } from './filters.js';

/** How many calls deep from the handler inference is looked for. */
const MAX_DEPTH = 8;
/** Frameworks where a handler's return value is the response (not Express or Koa). */
const RETURN_IS_RESPONSE = new Set([
  'fastify',
  'hono',
  'nestjs',
  'nextjs',
  'sveltekit',
  'fastapi',
  'flask',
  'starlette',
  'django',
  'deno',
  'workers',
  'vercel',
  'netlify',
  'modal',
  'bentoml',
  'ray-serve',
  'cloud-functions',
  'lambda',
]);

/** A key written in argument text (`safety_settings=`, `moderation:`), in group 1. */
export const ARG_KEY = /(?<![\w$])\d*([A-Za-z_$][\w$]*)\s*(?:=(?!=)|:)/g;
const NON_TEXT = /^(Optional\[)?(int|float|bool|Decimal)\]?(\|None)?$/;

function rootOf(name: string): string {
  return /^(this\.[A-Za-z_$][\w$]*|self\.[A-Za-z_]\w*|[A-Za-z_$][\w$]*)/.exec(name)?.[0] ?? name;
}

function callAt(facts: FlowFacts, span: Span): FlowCall | undefined {
  return facts.calls.find((c) => c.start === span.start && c.end === span.end) ?? facts.calls.find((c) => c.start === span.start);
}

/** The variables an argument expression reads. */
function argTokens(project: ProjectModel, fn: FunctionInfo, arg: ArgExpr): Set<string> {
  if (fn.lang === 'ts') return tsExprTokens((arg.node as TsNode).compilerNode);
  const a = InferenceContext.of(project).pyAt(fn.path);
  return a ? pyTokens(a, arg.node as PyNode) : new Set();
}

/** Does a FastAPI dependency read the request (has a parameter that is not itself injected)? */
function dependencyReadsRequest(project: ProjectModel, a: PyInference, target: PyNode | undefined): boolean {
  if (!target) return false;
  const v = a.valueOf(target);
  if (v?.t !== 'fn') return v?.t === 'class';
  const b = InferenceContext.of(project).pyAt(v.path);
  const ps = v.node.childForFieldName('parameters');
  for (const p of ps?.namedChildren ?? []) {
    if (!p || p.type === 'comment') continue;
    const name = p.type === 'identifier' ? p.text : (p.childForFieldName('name')?.text ?? p.namedChildren.find((c) => c?.type === 'identifier')?.text);
    if (!name || name === 'self' || name === 'cls') continue;
    const def = p.childForFieldName('value') ?? undefined;
    const ann = p.childForFieldName('type') ?? undefined;
    if (b && dependsCalls(project, b, def).length === 0 && dependsCalls(project, b, ann).length === 0) return true;
  }
  return false;
}

/** Where user input enters a handler: its parameters (injected server-side objects excepted) and request globals. */
function handlerSeeds(project: ProjectModel, h: FunctionInfo, facts: FlowFacts): string[] {
  if (h.lang === 'ts') return facts.params.flat();
  const a = InferenceContext.of(project).pyAt(h.path);
  if (!a) return [];
  const seeds: string[] = [];
  const ps = (h.node as PyNode).childForFieldName('parameters');
  for (const p of ps?.namedChildren ?? []) {
    if (!p || p.type === 'comment') continue;
    const name = p.type === 'identifier' ? a.text(p) : (p.childForFieldName('name') ?? p.namedChildren.find((c) => c?.type === 'identifier'));
    const n = typeof name === 'string' ? name : name ? a.text(name) : undefined;
    if (!n || !h.params.includes(n)) continue;
    const def = p.childForFieldName('value') ?? undefined;
    const ann = p.childForFieldName('type') ?? undefined;
    // A number or a flag from the request is not text that can carry an instruction.
    if (ann && NON_TEXT.test(a.text(ann).replace(/\s+/g, ''))) continue;
    const deps = [...dependsCalls(project, a, def), ...dependsCalls(project, a, ann)];
    if (deps.length === 0 || deps.some((d) => dependencyReadsRequest(project, d.a, d.target))) seeds.push(n);
  }
  return [...seeds, ...requestGlobals(project, h)];
}

/** Local names of module-level request objects (`from flask import request`). */
function requestGlobals(project: ProjectModel, fn: FunctionInfo): string[] {
  if (fn.lang !== 'python') return [];
  const k = GuardrailKnowledge.get();
  const a = InferenceContext.of(project).pyAt(fn.path);
  const out: string[] = [];
  for (const [local, q] of a?.mod.importMap() ?? []) if (k.requestGlobals.has(q)) out.push(local);
  return out;
}

/** Which parameters of `to` receive tainted arguments of `call`; `exact` is false when some could not be mapped. */
function taintedParams(call: FlowCall | undefined, to: FunctionInfo, toFacts: FlowFacts, taint: Set<string>, calleeSpan: Span): { names: string[]; exact: boolean } {
  if (!call) return { names: [], exact: false };
  let args = call.args;
  // asyncio.to_thread(f, x), loop.run_in_executor(None, f, x): the arguments after the function.
  if (call.calleeStart !== calleeSpan.start) {
    const at = args.findIndex((a) => a.start <= calleeSpan.start && calleeSpan.end <= a.end);
    if (at >= 0) args = args.slice(at + 1).map((a, i) => (a.key.startsWith('#') ? { ...a, key: `#${i}` } : a));
  }
  const names: string[] = [];
  let exact = true;
  for (const a of args) {
    if (!intersects(a.tokens, taint)) continue;
    if (a.key === '*' || a.key === '**') {
      names.push(...toFacts.params.flat());
      exact = false;
      continue;
    }
    const idx = a.key.startsWith('#') ? Number(a.key.slice(1)) : to.params.indexOf(a.key);
    const p = toFacts.params[idx];
    if (p) names.push(...p);
    else if (idx < 0 || idx >= toFacts.params.length) {
      // A rest parameter or an unknown keyword: the last parameter takes it, if any.
      const last = toFacts.params[toFacts.params.length - 1];
      if (last) names.push(...last);
      exact = false;
    }
  }
  return { names, exact };
}

function spanOfCall(c: FlowCall): Span {
  return { start: c.start, end: c.end };
}

/** Keys of an argument map, plus the keys written inside call-valued arguments (`config=Config(safety_settings=...)`). */
function argKeys(args: ReadonlyMap<string, ArgExpr>, extra: Array<[string, ArgExpr | undefined]> = []): Array<[string, ArgExpr]> {
  const out: Array<[string, ArgExpr]> = [];
  for (const [key, a] of [...args, ...extra]) {
    if (!a) continue;
    out.push([key, a]);
    if (key.includes('.') || !/[(]/.test(a.text)) continue;
    for (const m of a.text.matchAll(ARG_KEY)) out.push([`${key}.${m[1] as string}`, a]);
  }
  return out;
}

/** The text of an argument, through one module-level constant. */
function resolvedText(project: ProjectModel, path: string, a: ArgExpr): string {
  if (!/^[A-Za-z_$][\w$]*$/.test(a.text)) return a.text;
  const ctx = InferenceContext.of(project);
  const tsa = ctx.tsAt(path);
  if (tsa) return tsa.mod.constInit(a.text)?.getText() ?? a.text;
  const pya = ctx.pyAt(path);
  const node = pya?.mod.constants().get(a.text);
  return node && pya ? pya.text(node) : a.text;
}

/**
 * A guardrail the provider enforces on the call itself (Bedrock `guardrailConfig`, Gemini
 * `safety_settings`, LiteLLM `guardrails`), or rails wrapping the model (NeMo Guardrails).
 * `off` when it is configured but switched off (`BLOCK_NONE`).
 */
export function onCallGuardrail(project: ProjectModel, site: InferenceSite): { evidence: FilterEvidence; off: boolean } | undefined {
  const k = GuardrailKnowledge.get();
  const callKeys = argKeys(site.args);
  const origins = site.client ? [site.client, ...(site.client.parts ?? [])] : [];
  const clientKeys = origins.flatMap((o) => argKeys(o.args).map(([key, a]) => [key, a, o.path] as const));
  const modelKeys = site.model && /[(]/.test(site.model.text) ? argKeys(new Map(), [['model', site.model]]) : [];
  for (const spec of k.filters) {
    if (spec.sdks.size > 0 && !spec.sdks.has(site.sdk)) continue;
    const candidates: Array<readonly [string, ArgExpr, string]> = [
      ...callKeys.filter(([key]) => spec.callArgs.some((r) => r.test(key))).map(([key, a]) => [key, a, a.path ?? site.path] as const),
      ...modelKeys.filter(([key]) => spec.callArgs.some((r) => r.test(key))).map(([key, a]) => [key, a, site.path] as const),
      ...clientKeys.filter(([key]) => spec.clientArgs.some((r) => r.test(key))),
    ];
    for (const [, a, path] of candidates) {
      const text = resolvedText(project, path, a);
      const off = !!spec.disabledWhen?.test(text) && !(spec.enabledWhen?.test(text) ?? false);
      return { evidence: { tool: spec.name, kind: 'on-call', path, span: a.span, acted: !off, ...(off ? { off } : {}) }, off };
    }
    for (const o of origins) {
      for (const w of [...o.wrappers, o.className]) {
        if (spec.wraps.some((r) => r.test(w))) return { evidence: { tool: spec.name, kind: 'rails', path: o.path, span: o.span, acted: true }, off: false };
      }
    }
  }
  return railsAround(project, site);
}

/** NeMo Guardrails around a LangChain runnable: `RunnableRails(config) | chain`, `RunnableRails(config, runnable=chain)`. */
function railsAround(project: ProjectModel, site: InferenceSite): { evidence: FilterEvidence; off: boolean } | undefined {
  if (site.lang !== 'python' || !site.receiver) return undefined;
  const a = InferenceContext.of(project).pyAt(site.path);
  if (!a) return undefined;
  const fnFacts = flowOf(project, site.fn);
  return railsIn(project, a, fnFacts ? [fnFacts] : [], [rootOf(site.receiver)], new Set(), 0);
}

/** Looks for a rails constructor in the definitions of `names`, in a function's and its module's code, through imports. */
function railsIn(project: ProjectModel, a: PyInference, extra: FlowFacts[], names: string[], seen: Set<string>, depth: number): { evidence: FilterEvidence; off: boolean } | undefined {
  const k = GuardrailKnowledge.get();
  if (depth > 3 || !k.filters.some((f) => f.wraps.length > 0)) return undefined;
  const moduleFacts = flowOf(project, a.fnInfo(a.mod.root));
  const scopes = [...extra, ...(moduleFacts ? [moduleFacts] : [])];
  let frontier = names.filter((n) => !seen.has(`${a.file.path}#${n}`));
  for (const n of frontier) seen.add(`${a.file.path}#${n}`);
  for (let step = 0; step < 4 && frontier.length > 0; step++) {
    const next: string[] = [];
    for (const facts of scopes) {
      for (const d of facts.defs) {
        if (!d.targets.some((t) => frontier.includes(t))) continue;
        for (const c of facts.calls) {
          if (c.start < d.start || c.end > d.end) continue;
          const fnNode = (c.node as PyNode).childForFieldName('function');
          const v = fnNode ? a.valueOf(fnNode) : undefined;
          const q = v?.t === 'extern' ? v.q : fnNode ? a.mod.qualify(a.mod.chain(fnNode)) : '';
          const spec = k.byWrapper(q);
          if (spec) return { evidence: { tool: spec.name, kind: 'rails', path: a.file.path, span: { start: c.calleeStart, end: c.calleeEnd }, acted: true }, off: false };
        }
        for (const s of d.sources) {
          if (seen.has(`${a.file.path}#${s}`)) continue;
          seen.add(`${a.file.path}#${s}`);
          next.push(s);
        }
      }
    }
    frontier = next;
  }
  // Names imported from another module of the repository: look there.
  const ctx = InferenceContext.of(project);
  for (const n of names) {
    const imp = a.mod.imports().find((i) => i.local === n && !i.star);
    if (!imp) continue;
    const path = ctx.resolvePy(a.file.path, imp.module);
    const b = path ? ctx.pyAt(path) : undefined;
    const found = b ? railsIn(project, b, [], [imp.qualified.split('.').pop() as string], seen, depth + 1) : undefined;
    if (found) return found;
  }
  return undefined;
}

function evidenceOf(f: FilterCall, acted: boolean): FilterEvidence {
  return { tool: f.tool, kind: f.kind, path: f.path, span: f.span, acted };
}

/** Derived names of a filter call's value reach `tokens` or the span `at`. */
function valueFlowsTo(facts: FlowFacts, f: FilterCall, targets: Array<{ start: number; end: number; tokens: Set<string> }>): boolean {
  const fs = spanOfCall(f.call);
  const names = derived(facts, [], [fs]);
  return targets.some((t) => within(fs, t) || intersects(t.tokens, names));
}

/** Sends to the client in a function: sink calls' arguments, response-body assignments, yields of nested generators. */
function responseTargets(facts: FlowFacts): Array<{ start: number; end: number; tokens: Set<string> }> {
  return [...facts.calls.filter((c) => c.sink).flatMap((c) => c.args), ...facts.bodySinks, ...facts.returns.filter((r) => r.kind === 'yield' || !r.nested)];
}

const results = new WeakMap<Endpoint, GuardedSite[]>();

/**
 * For each inference call an endpoint reaches (text generation; embeddings, classifiers and
 * guard models are not): does user input reach its prompt, does its output reach the response,
 * and which filters screen each side.
 */
export function endpointGuardrails(project: ProjectModel, ep: Endpoint): GuardedSite[] {
  const hit = results.get(ep);
  if (hit) return hit;
  const out: GuardedSite[] = [];
  results.set(ep, out);
  const h = ep.handler;
  if (!h || isTestFile(ep.file)) return out;
  const layerEv = layerFilters(project, ep);
  for (const r of endpointInference(project, ep, MAX_DEPTH)) {
    const site = r.site;
    if (site.kind === 'embedding' || site.kind === 'classify' || isGuardSite(site) || isTestFile(site.path)) continue;
    // Inference inside a function named as a filter is part of that filter (an LLM judge).
    if (r.via.some((e) => settingsFunction(project, e.to))) continue;
    const fns = [h, ...r.via.map((e) => e.to)];
    const facts = fns.map((f) => flowOf(project, f));
    if (facts.some((f) => f === undefined)) continue;
    const fx = facts as FlowFacts[];
    const n = fns.length - 1;
    const points: Span[] = [...r.via.map((e) => e.span), site.span];
    let confidence: GuardedSite['confidence'] = site.confidence === 'high' ? 'high' : site.confidence;

    // Down: request data into parameters, to the prompt.
    const taint: Array<Set<string>> = [derived(fx[0] as FlowFacts, handlerSeeds(project, h, fx[0] as FlowFacts))];
    for (let i = 0; i < n; i++) {
      const e = r.via[i];
      const f = fx[i] as FlowFacts;
      if (!e) break;
      const t = taintedParams(callAt(f, e.span), e.to, fx[i + 1] as FlowFacts, taint[i] as Set<string>, e.calleeSpan);
      if (!t.exact && confidence === 'high') confidence = 'medium';
      // Flask's `request` is the same object in every function the handler calls.
      taint.push(derived(fx[i + 1] as FlowFacts, [...t.names, ...requestGlobals(project, e.to)]));
    }
    const siteCall = callAt(fx[n] as FlowFacts, site.span);
    const promptTokens = site.prompt ? argTokens(project, site.fn, site.prompt) : new Set((siteCall?.args ?? []).flatMap((a) => [...a.tokens]));
    if (!intersects(promptTokens, taint[n] as Set<string>)) continue;
    const userInput: FlowStep = { path: site.path, span: site.prompt?.span ?? site.span };

    // Up: the output to a return, a stream or a send.
    const outs: Array<Set<string> | undefined> = [];
    outs[n] = derivedOutput(project, fns[n] as FunctionInfo, fx[n] as FlowFacts, site.resultNames.map(rootOf), [site.span]);
    let response: FlowStep | undefined;
    let top = n;
    for (let i = n; i >= 0 && !response; i--) {
      const f = fx[i] as FlowFacts;
      const p = points[i] as Span;
      const o = outs[i] as Set<string>;
      const touches = (t: { start: number; end: number; tokens: Set<string> }): boolean => intersects(t.tokens, o) || within(p, t);
      top = i;
      const sink = f.calls.find((c) => c.sink && c.args.some(touches));
      if (sink) {
        response = { path: fns[i]?.path ?? site.path, span: { start: sink.calleeStart, end: sink.calleeEnd } };
        break;
      }
      const body = f.bodySinks.find(touches) ?? f.returns.find((x) => x.nested && x.kind === 'yield' && touches(x));
      if (body) {
        response = { path: fns[i]?.path ?? site.path, span: { start: body.start, end: body.end } };
        break;
      }
      const ret = f.returns.find((x) => !x.nested && touches(x));
      if (!ret) break;
      if (i === 0) {
        if (RETURN_IS_RESPONSE.has(ep.framework)) response = { path: h.path, span: { start: ret.start, end: ret.end } };
        break;
      }
      const e = r.via[i - 1];
      if (!e) break;
      outs[i - 1] = derivedOutput(project, fns[i - 1] as FunctionInfo, fx[i - 1] as FlowFacts, e.resultNames.map(rootOf), [e.span]);
    }
    if (!response) continue;

    // Filters on the way.
    const ignored: GuardedSite['ignored'] = [];
    let input: FilterEvidence | undefined;
    let output: FilterEvidence | undefined;
    const onCall = onCallGuardrail(project, site);
    if (onCall && !onCall.off) input = output = onCall.evidence;
    else if (onCall) ignored.push({ ...onCall.evidence, side: 'input' });
    for (const l of layerEv) {
      if (l.acted) input ??= l;
      else ignored.push({ ...l, side: 'input' });
    }
    for (let i = 0; i <= n; i++) {
      const f = fx[i] as FlowFacts;
      const fn = fns[i] as FunctionInfo;
      const p = points[i] as Span;
      const pCall = callAt(f, p);
      for (const fc of filterCallsIn(project, fn)) {
        const cs = spanOfCall(fc.call);
        if (cs.start === p.start && cs.end === p.end) continue;
        const tokens = screenedTokens(fc);
        const use = verdictUse(f, fc);
        if ((cs.end <= p.start || within(cs, p)) && intersects(tokens, taint[i] as Set<string>)) {
          const acted = !fc.ignoredInside && (use.acts || (fc.verdict === 'sanitizes' && (within(cs, p) || valueFlowsTo(f, fc, pCall?.args ?? []))));
          if (acted) input ??= evidenceOf(fc, true);
          else ignored.push({ ...evidenceOf(fc, false), side: 'input' });
        }
        const o = outs[i];
        if (i >= top && o && (cs.start >= p.end || within(p, cs))) {
          const screened = fc.screened ?? fc.call.args;
          if (!intersects(tokens, o) && !screened.some((a) => within(p, a))) continue;
          const acted = !fc.ignoredInside && (use.acts || (fc.verdict === 'sanitizes' && valueFlowsTo(f, fc, responseTargets(f))));
          if (acted) output ??= evidenceOf(fc, true);
          else ignored.push({ ...evidenceOf(fc, false), side: 'output' });
        }
      }
    }
    out.push({
      site,
      via: r.via,
      userInput,
      response,
      input,
      output,
      ignored: ignored.filter((g) => !(g.side === 'input' ? input : output)),
      confidence,
    });
  }
  return out;
}

/** Filters in the middleware, dependencies, hooks and decorators that run before the handler. */
function layerFilters(project: ProjectModel, ep: Endpoint): FilterEvidence[] {
  const out: FilterEvidence[] = [];
  for (const l of ep.layers) {
    if (!l.fn) continue;
    if (settingsFunction(project, l.fn)) {
      out.push({ tool: `\`${l.text}\` (settings.guardrails.functions)`, kind: 'layer', path: l.file, span: l.span, acted: true });
      continue;
    }
    const b = wrapperBehaviour(project, l.fn, 1, requestGlobals(project, l.fn));
    if (b) out.push({ tool: `\`${l.text}\` (${b.tool})`, kind: 'layer', path: l.file, span: l.span, acted: b.verdict !== 'ignored' });
  }
  return out;
}

/** The stack of an inference call, for advice: an SDK id, `self-hosted`, `openai-compatible-server` ... */
export function stackOf(site: InferenceSite): { stack: string; selfHosted: boolean } {
  const k = GuardrailKnowledge.get();
  const origins = site.client ? [site.client, ...(site.client.parts ?? [])] : [];
  const baseUrl =
    origins.flatMap((o) => ['baseURL', 'base_url', 'baseUrl', 'api_base', 'openai_api_base', 'endpoint', 'host'].map((key) => o.args.get(key)?.value)).find((v) => v !== undefined) ?? site.url;
  const model = (site.model ?? site.client?.model)?.value ?? '';
  const names = origins.map((o) => `${o.module} ${o.className}`).join(' ');
  if (site.sdk === 'ollama' || /ollama/i.test(names) || /^ollama(_chat)?\//.test(model)) return { stack: 'ollama', selfHosted: true };
  if (SdkKnowledge.get().selfHosted.has(site.sdk) || /HuggingFacePipeline|VLLM|LlamaCpp|HuggingFaceTextGenInference/.test(names)) return { stack: 'self-hosted', selfHosted: true };
  if (/^(hosted_vllm|vllm|huggingface|openai_compatible)\//.test(model)) return { stack: 'openai-compatible-server', selfHosted: true };
  if (baseUrl !== undefined && /^(https?:)?\/\//.test(baseUrl) && !k.hostedApiHosts.test(baseUrl)) return { stack: 'openai-compatible-server', selfHosted: true };
  // Azure OpenAI through the plain client: a deployments URL built at run time, an `api-version` query.
  const clientText = origins.flatMap((o) => ['baseURL', 'base_url', 'defaultQuery', 'default_query'].map((key) => o.args.get(key)?.text ?? '')).join(' ');
  if (/azure/i.test(names) || (baseUrl !== undefined && /azure/i.test(baseUrl)) || /\/openai\/deployments\b|api-version/.test(clientText)) return { stack: 'azure-openai', selfHosted: false };
  if (site.sdk === 'bedrock' || /bedrock/i.test(names) || /^bedrock\//.test(model)) return { stack: 'bedrock', selfHosted: false };
  if (site.sdk === 'google' || /google|vertex|gemini/i.test(names) || /^(gemini|vertex_ai)\//.test(model)) return { stack: 'google', selfHosted: false };
  if (site.sdk === 'openai' || /openai/i.test(names)) return { stack: 'openai', selfHosted: false };
  if (site.sdk === 'langchain') return { stack: 'langchain', selfHosted: false };
  return { stack: 'default', selfHosted: false };
}
