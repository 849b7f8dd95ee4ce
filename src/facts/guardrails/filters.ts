/**
 * Filter calls inside one function: moderation APIs, guard-model inference, scanners and
 * validators, HTTP calls to filter services, calls of project functions that screen their
 * arguments (found by looking inside them), and functions named in `settings.guardrails.functions`.
 */
import type { Node as TsNode } from 'ts-morph';
import type { ts } from 'ts-morph';
import { tsc } from '../../parse/ts-morph.js';
import type { Node as PyNode } from 'web-tree-sitter';
import type { ProjectModel } from '../../model/project.js';
import type { Span } from '../../types.js';
import { InferenceContext, parseFunctionRefs, type FunctionRef } from '../inference/context.js';
import { callsFrom, sitesIn } from '../inference/index.js';
import type { PyInference } from '../inference/python.js';
import type { TsInference } from '../inference/ts.js';
import type { FunctionInfo, InferenceSite } from '../inference/types.js';
import { GuardrailKnowledge, type FilterSpec } from './data.js';
import { pyFlow } from './py-flow.js';
import { tsFlow } from './ts-flow.js';
import type { FilterEvidence, FlowArg, FlowCall, FlowDef, FlowFacts, Verdict } from './types.js';

/** A call in a function that screens (some of) its arguments. */
export interface FilterCall {
  call: FlowCall;
  tool: string;
  kind: FilterEvidence['kind'];
  verdict: Verdict;
  /** The arguments it screens; all of them when undefined. */
  screened?: FlowArg[];
  path: string;
  span: Span;
  /** A project function that runs a filter but drops its verdict. */
  ignoredInside?: boolean;
}

/** What a project function does with the verdict of the filters inside it. */
export interface WrapperBehaviour {
  /** `raises`: it raises (or ends the request) on a bad verdict; `sanitizes`: its return value depends on the verdict. */
  verdict: 'raises' | 'sanitizes' | 'ignored';
  /** Positions of the parameters whose values reach the filter. */
  params: Set<number>;
  tool: string;
}

const HTTP_CALLS = new Set(['fetch', 'post', 'request', 'ofetch', '$fetch', 'ky']);
const MAX_WRAPPER_DEPTH = 3;

/** The flow facts of a function, whichever its language. */
export function flowOf(project: ProjectModel, fn: FunctionInfo): FlowFacts | undefined {
  const ctx = InferenceContext.of(project);
  if (fn.lang === 'ts') return ctx.tsAt(fn.path) ? tsFlow(fn.node as TsNode) : undefined;
  const a = ctx.pyAt(fn.path);
  return a ? pyFlow(a, fn) : undefined;
}

/**
 * Names derived from `seeds` and from the values of the expressions at `spans`, through
 * assignments (a call's result counts as derived from its arguments unless `passes` says no).
 */
export function derived(facts: FlowFacts, seeds: Iterable<string>, spans: Span[] = [], passes?: (d: FlowDef, names: Set<string>) => boolean): Set<string> {
  const names = new Set(seeds);
  for (const d of facts.defs) if (spans.some((s) => d.start <= s.start && s.end <= d.end) && (!passes || passes(d, names))) for (const t of d.targets) names.add(t);
  for (let changed = true, guard = 0; changed && guard < 20; guard++) {
    changed = false;
    for (const d of facts.defs) {
      let hit = false;
      for (const s of d.sources) {
        if (names.has(s)) {
          hit = true;
          break;
        }
      }
      if (!hit || (passes && !passes(d, names))) continue;
      for (const t of d.targets) {
        if (!names.has(t)) {
          names.add(t);
          changed = true;
        }
      }
    }
  }
  return names;
}

export function intersects(a: Set<string>, b: Set<string>): boolean {
  for (const x of a) if (b.has(x)) return true;
  return false;
}

export function within(inner: Span, outer: { start: number; end: number }): boolean {
  return outer.start <= inner.start && inner.end <= outer.end;
}

/** Whether the model id, path or tag of an inference call names a guard model. */
export function isGuardSite(site: InferenceSite): boolean {
  const k = GuardrailKnowledge.get();
  const model = site.model ?? site.client?.model;
  if (model?.value !== undefined && model.exact !== false) return k.isGuardModel(model.value);
  if (model?.value && k.isGuardModel(model.value)) return true;
  return model ? k.guardModelHint.test(model.text) : false;
}

function guardName(site: InferenceSite): string {
  const model = site.model ?? site.client?.model;
  const id = model?.value ?? model?.text ?? 'guard model';
  return `guard model \`${id.length > 60 ? `${id.slice(0, 57)}...` : id}\``;
}

/** Settings entries, parsed once per project. */
const refsCache = new WeakMap<ProjectModel, FunctionRef[]>();
function guardRefs(project: ProjectModel): FunctionRef[] {
  let r = refsCache.get(project);
  if (!r) {
    r = parseFunctionRefs(project.settings.guardrails?.functions);
    refsCache.set(project, r);
  }
  return r;
}

export function settingsFunction(project: ProjectModel, fn: FunctionInfo): FunctionRef | undefined {
  const ctx = InferenceContext.of(project);
  return guardRefs(project).find((r) => r.name === fn.name && ctx.refPath(r) === fn.path);
}

/** `module#name`, `q`, or `client:<type>:<path>` for a callee, as guardrails.json patterns expect. */
function tsCalleeKey(a: TsInference, call: ts.CallExpression): string | undefined {
  const v = a.valueOf(a.wrap(call.expression));
  if (!v) return undefined;
  if (v.t === 'client') {
    let key = `client:${v.type}:${v.path.join('.')}`;
    const first = call.arguments[0];
    if (first && tsc.isNewExpression(first)) key += `:${first.expression.getText().split('.').pop() ?? ''}`;
    return key;
  }
  if (v.t === 'extern') {
    let key = `${v.module}#${v.name}`;
    const first = call.arguments[0];
    if (first && tsc.isNewExpression(first) && /(^|\.)send$/.test(v.name)) key += `:${first.expression.getText().split('.').pop() ?? ''}`;
    return key;
  }
  return undefined;
}

function pyCalleeKey(a: PyInference, call: PyNode): string | undefined {
  const fn = call.childForFieldName('function');
  const v = fn ? a.valueOf(fn) : undefined;
  if (!v) return fn ? a.mod.qualify(a.mod.chain(fn)) || undefined : undefined;
  if (v.t === 'client') return `client:${v.type}:${v.path.join('.')}`;
  if (v.t === 'extern') return v.q;
  return undefined;
}

/** The URL an HTTP call sends to, as far as it is known. */
function urlOf(project: ProjectModel, fn: FunctionInfo, call: FlowCall): string | undefined {
  const ctx = InferenceContext.of(project);
  if (fn.lang === 'ts') {
    const a = ctx.tsAt(fn.path);
    const c = call.node as ts.CallExpression;
    const first = c.arguments[0];
    if (!a || !first) return undefined;
    return a.mod.stringValue(a.wrap(first))?.value ?? first.getText();
  }
  const a = ctx.pyAt(fn.path);
  const args = (call.node as PyNode).childForFieldName('arguments');
  const first =
    args?.namedChildren.find((c) => c !== null && c.type !== 'comment' && c.type !== 'keyword_argument') ??
    args?.namedChildren.find((c) => c?.type === 'keyword_argument' && c.childForFieldName('name')?.text === 'url')?.childForFieldName('value');
  if (!a || !first) return undefined;
  return a.mod.stringValue(first)?.value ?? a.text(first);
}

function importsModule(project: ProjectModel, fn: FunctionInfo, module: string): boolean {
  const ctx = InferenceContext.of(project);
  if (fn.lang === 'ts') return (ctx.tsAt(fn.path)?.mod.imports() ?? []).some((i) => i.module === module || i.module.startsWith(`${module}/`));
  return (ctx.pyAt(fn.path)?.mod.imports() ?? []).some((i) => i.qualified === module || i.qualified.startsWith(`${module}.`));
}

/** A `sanitizes` filter that raises instead when the file configures it so (`on_fail="exception"`). */
function verdictIn(project: ProjectModel, path: string, spec: FilterSpec): Verdict {
  if (spec.raisesWhen?.test(project.file(path)?.text ?? '')) return 'raises';
  return spec.verdict;
}

/** A known filter API called here (resolved through clients, imports and aliases), if any. */
function apiFilter(project: ProjectModel, fn: FunctionInfo, call: FlowCall): FilterCall | undefined {
  const k = GuardrailKnowledge.get();
  const ctx = InferenceContext.of(project);
  const at = { start: call.calleeStart, end: call.calleeEnd };
  const entries = project.settings.guardrails?.functions ?? [];
  if (k.methods.has(call.last) || entries.length > 0) {
    const key =
      fn.lang === 'ts'
        ? ctx.tsAt(fn.path)
          ? tsCalleeKey(ctx.tsAt(fn.path) as TsInference, call.node as ts.CallExpression)
          : undefined
        : ctx.pyAt(fn.path)
          ? pyCalleeKey(ctx.pyAt(fn.path) as PyInference, call.node as PyNode)
          : undefined;
    // An external function named in settings (`mycompany_guard.check`, `@acme/guard#screen`).
    if (key && entries.includes(key)) return { call, tool: `\`${key}\` (settings.guardrails.functions)`, kind: 'setting', verdict: 'raises', path: fn.path, span: at };
    if (k.methods.has(call.last)) {
      const spec = (key ? k.byCallee(fn.lang, key) : undefined) ?? k.byCalleeText(call.callee, (m) => importsModule(project, fn, m));
      if (spec) return { call, tool: spec.name, kind: 'api', verdict: verdictIn(project, fn.path, spec), path: fn.path, span: at };
    }
  }
  if (HTTP_CALLS.has(call.last)) {
    const url = urlOf(project, fn, call);
    const spec = url ? k.byUrl(url) : undefined;
    if (spec) return { call, tool: spec.name, kind: 'api', verdict: spec.verdict, path: fn.path, span: at };
  }
  return undefined;
}

/** The arguments of a guard-model call that hold the text it classifies. */
function promptArgs(call: FlowCall, site: InferenceSite): FlowArg[] | undefined {
  const p = site.prompt?.span;
  if (!p) return undefined;
  const hit = call.args.filter((a) => a.start <= p.start && p.end <= a.end);
  return hit.length > 0 ? hit : undefined;
}

const filterCache = new WeakMap<ProjectModel, Map<string, FilterCall[]>>();
const busy = new Set<string>();

/** Every filter call in `fn` (its own code and closures): APIs, guard models, screening project functions. */
export function filterCallsIn(project: ProjectModel, fn: FunctionInfo, depth = 0): FilterCall[] {
  let byFn = filterCache.get(project);
  if (!byFn) {
    byFn = new Map();
    filterCache.set(project, byFn);
  }
  const key = `${fn.id}@${fn.span.start}`;
  const hit = byFn.get(key);
  if (hit) return hit;
  const facts = flowOf(project, fn);
  if (!facts || busy.has(key)) return [];
  busy.add(key);
  const out: FilterCall[] = [];
  try {
    const byStart = new Map(facts.calls.map((c) => [c.start, c]));
    const done = new Set<number>();
    // Guard models called like any model (Llama Guard on vLLM, Ollama, llama.cpp, a transformers pipeline).
    for (const site of sitesIn(project, fn)) {
      if (!isGuardSite(site)) continue;
      const call = byStart.get(site.span.start);
      if (!call) continue;
      done.add(call.start);
      out.push({ call, tool: guardName(site), kind: 'guard-model', verdict: 'check', screened: promptArgs(call, site), path: fn.path, span: site.calleeSpan });
    }
    // Project functions that screen what they are given.
    for (const e of callsFrom(project, fn)) {
      const call = byStart.get(e.span.start);
      if (!call || done.has(call.start)) continue;
      const ref = settingsFunction(project, e.to);
      if (ref) {
        done.add(call.start);
        out.push({ call, tool: `\`${call.callee}\` (settings.guardrails.functions)`, kind: 'setting', verdict: 'raises', path: fn.path, span: e.calleeSpan });
        continue;
      }
      if (depth >= MAX_WRAPPER_DEPTH) continue;
      const b = wrapperBehaviour(project, e.to, depth + 1);
      if (!b) continue;
      done.add(call.start);
      const screened = screenedArgs(call, e.to, b.params, facts);
      out.push({
        call,
        tool: `\`${call.callee}\` (${b.tool})`,
        kind: 'function',
        verdict: b.verdict === 'raises' ? 'raises' : 'sanitizes',
        screened,
        path: fn.path,
        span: e.calleeSpan,
        ignoredInside: b.verdict === 'ignored',
      });
    }
    for (const call of facts.calls) {
      if (done.has(call.start)) continue;
      const f = apiFilter(project, fn, call);
      if (f) out.push(f);
    }
  } finally {
    busy.delete(key);
  }
  out.sort((x, y) => x.call.start - y.call.start);
  byFn.set(key, out);
  return out;
}

/** The arguments of a call of `callee` that land in the parameters at `params`. */
function screenedArgs(call: FlowCall, callee: FunctionInfo, params: Set<number>, _facts: FlowFacts): FlowArg[] | undefined {
  const out: FlowArg[] = [];
  for (const a of call.args) {
    if (a.key === '*' || a.key === '**') return undefined;
    const idx = a.key.startsWith('#') ? Number(a.key.slice(1)) : callee.params.indexOf(a.key);
    if (idx < 0) return undefined;
    if (params.has(idx)) out.push(a);
  }
  return out;
}

/** The facts' parameter positions whose values reach `tokens`. */
function paramsReaching(facts: FlowFacts, tokens: Set<string>, spans: Span[]): Set<number> {
  const out = new Set<number>();
  facts.params.forEach((names, i) => {
    const d = derived(facts, names);
    if (intersects(d, tokens)) out.add(i);
  });
  void spans;
  return out;
}

/** Tokens of the arguments a filter call screens. */
export function screenedTokens(f: FilterCall): Set<string> {
  const out = new Set<string>();
  for (const a of f.screened ?? f.call.args) for (const t of a.tokens) out.add(t);
  return out;
}

/** How the verdict of a filter call is used inside `facts`' function. */
export function verdictUse(facts: FlowFacts, f: FilterCall): { raises: boolean; acts: boolean; returned: boolean } {
  const span = { start: f.call.start, end: f.call.end };
  const names = derived(facts, [], [span]);
  let raises = f.verdict === 'raises' || f.verdict === 'enforced';
  let acts = raises;
  for (const c of facts.conds) {
    if (!within(span, c) && !intersects(c.tokens, names)) continue;
    if (c.effect.raises) raises = true;
    if (c.effect.raises || c.effect.returns || c.effect.breaks || c.effect.assigns || c.value) acts = true;
  }
  const returned = facts.returns.some((r) => !r.nested && (within(span, r) || intersects(r.tokens, names)));
  return { raises, acts: acts || raises, returned };
}

const behaviours = new WeakMap<ProjectModel, Map<string, WrapperBehaviour | null>>();

/**
 * Whether a project function screens its parameters with a filter, and what it does with the
 * verdict: raise (or end the request), hand back something that depends on it, or nothing.
 * Undefined when no filter inside it screens a parameter.
 */
export function wrapperBehaviour(project: ProjectModel, fn: FunctionInfo, depth = 1, extraSeeds: string[] = []): WrapperBehaviour | undefined {
  let m = behaviours.get(project);
  if (!m) {
    m = new Map();
    behaviours.set(project, m);
  }
  const key = `${fn.id}@${fn.span.start}|${extraSeeds.join(',')}`;
  const hit = m.get(key);
  if (hit !== undefined) return hit ?? undefined;
  m.set(key, null);
  const facts = flowOf(project, fn);
  let result: WrapperBehaviour | undefined;
  if (facts) {
    const seeds = derived(facts, [...facts.params.flat(), ...extraSeeds]);
    const verdicts = new Set<WrapperBehaviour['verdict']>();
    const params = new Set<number>();
    let tool = '';
    for (const f of filterCallsIn(project, fn, depth)) {
      const tokens = screenedTokens(f);
      if (!intersects(tokens, seeds)) continue;
      for (const i of paramsReaching(facts, tokens, [])) params.add(i);
      tool ||= f.tool.replace(/^`[^`]*` \((.*)\)$/, '$1');
      const use = verdictUse(facts, f);
      verdicts.add(f.ignoredInside ? 'ignored' : use.raises ? 'raises' : use.acts || use.returned ? 'sanitizes' : 'ignored');
    }
    const verdict = verdicts.has('raises') ? 'raises' : verdicts.has('sanitizes') ? 'sanitizes' : verdicts.has('ignored') ? 'ignored' : undefined;
    if (verdict) result = { verdict, params, tool };
  }
  m.set(key, result ?? null);
  return result;
}

const returnedCache = new WeakMap<ProjectModel, Map<string, Set<number> | null>>();

/** Positions of the parameters of `fn` whose values reach what it returns or yields. */
export function returnedParams(project: ProjectModel, fn: FunctionInfo): Set<number> | undefined {
  let m = returnedCache.get(project);
  if (!m) {
    m = new Map();
    returnedCache.set(project, m);
  }
  const key = `${fn.id}@${fn.span.start}`;
  const hit = m.get(key);
  if (hit !== undefined) return hit ?? undefined;
  const facts = flowOf(project, fn);
  let out: Set<number> | undefined;
  if (facts) {
    out = new Set();
    const returns = facts.returns.filter((r) => !r.nested || r.kind === 'yield');
    facts.params.forEach((names, i) => {
      const d = derived(facts, names);
      if (returns.some((r) => intersects(r.tokens, d))) out?.add(i);
    });
  }
  m.set(key, out ?? null);
  return out;
}

/**
 * Like `derived`, for a model's output: a call of a project function passes it on only when the
 * function returns the parameter it lands in (`id = save(answer)` does not make `id` the answer).
 */
export function derivedOutput(project: ProjectModel, fn: FunctionInfo, facts: FlowFacts, seeds: Iterable<string>, spans: Span[] = []): Set<string> {
  const edges = new Map(callsFrom(project, fn).map((e) => [e.span.start, e]));
  if (edges.size === 0) return derived(facts, seeds, spans);
  const calls = new Map(facts.calls.map((c) => [c.start, c]));
  const passes = (d: FlowDef, names: Set<string>): boolean => {
    if (!d.call || spans.some((s) => s.start === d.call?.start)) return true;
    const e = edges.get(d.call.start);
    const call = calls.get(d.call.start);
    if (!e || !call || e.calleeSpan.start !== call.calleeStart) return true;
    const rp = returnedParams(project, e.to);
    if (!rp) return true;
    // A method called on the value itself (`answer.format()`) keeps it.
    if (names.has(call.callee.split('.')[0] ?? '')) return true;
    for (const a of call.args) {
      if (!intersects(a.tokens, names) && !spans.some((s) => within(s, a))) continue;
      if (a.key === '*' || a.key === '**') return true;
      const idx = a.key.startsWith('#') ? Number(a.key.slice(1)) : e.to.params.indexOf(a.key);
      if (idx < 0 || rp.has(idx)) return true;
    }
    return false;
  };
  return derived(facts, seeds, spans, passes);
}
