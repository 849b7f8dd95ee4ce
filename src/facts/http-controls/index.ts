/**
 * Rate-limit and authentication evidence for HTTP endpoints: library middleware, guards,
 * decorators, dependencies and plugins on the endpoint's layers; checks written in the handler,
 * in the functions it calls and in custom middleware (a check counts only when it stops the
 * request); Next.js middleware whose matcher covers the route; gateway configuration in the
 * repository that fronts the application; and the user's settings.
 */
import { Node } from '../../parse/ts-morph.js';
import type { Node as PyNode } from 'web-tree-sitter';
import picomatch from 'picomatch';
import type { Settings } from '../../config/types.js';
import type { ProjectModel } from '../../model/project.js';
import type { Span } from '../../types.js';
import { paramDependencies, samplePath, type Endpoint, type Layer } from '../endpoints/index.js';
import { callArgs, externQ, field, kids, listItems, pyDecls, unwrapPy } from '../endpoints/py-resolve.js';
import { tsValue, valueName } from '../endpoints/ts-resolve.js';
import { gatewayIndex, type GatewayControl, type GatewayRoute } from '../gateway/index.js';
import { InferenceContext, parseFunctionRefs, type FunctionRef } from '../inference/context.js';
import type { FunctionInfo } from '../inference/types.js';
import { ControlKnowledge, type ControlKind } from './data.js';
import { reachableSignals, type Signal } from './functions.js';
import { appUpstreams } from './upstream.js';

export { ControlKnowledge, type ControlKind } from './data.js';
export { functionSignals, reachableSignals, type PathGuard, type Signal } from './functions.js';
export { appDir, appUpstreams, type AppUpstream } from './upstream.js';

export type EvidenceLevel = Layer['level'] | 'gateway' | 'settings';

/** One thing that rate-limits or authenticates requests to an endpoint. */
export interface Evidence {
  kind: ControlKind;
  level: EvidenceLevel;
  /** For messages: `express-rate-limit (\`rateLimit({...})\`)`, `nginx limit_req zone=api (deploy/nginx.conf:12)`. */
  what: string;
  file?: string;
  span?: Span;
}

/** What protects an endpoint, and the near misses worth telling the user about. */
export interface ControlVerdict {
  kind: ControlKind;
  evidence: Evidence[];
  /**
   * Controls of this kind that exist but do not apply to the endpoint: `clause` says which and why,
   * for a message ("the rate limit `rateLimit(...)` (src/server.ts:9) does not apply to it: it is
   * registered after this route, so it never runs for it").
   */
  notApplied: Array<{ clause: string; remedy: string; file: string; span: Span }>;
  /** Checks that read credentials (or ask a limiter) but never stop the request. */
  soft: Array<{ what: string; file: string; span: Span }>;
  /** Gateway routes that reach the application without this control. */
  gatewayGaps: GatewayRoute[];
}

interface Ctx {
  project: ProjectModel;
  settings: Settings;
  ep: Endpoint;
  kind: ControlKind;
  refs: FunctionRef[];
}

function lineOf(project: ProjectModel, file: string, span: Span): string {
  const f = project.file(file);
  return f ? `${file}:${f.range(span).start.line}` : file;
}

function matchesRef(refs: FunctionRef[], fn: FunctionInfo | undefined, ctx: InferenceContext): FunctionRef | undefined {
  if (!fn) return undefined;
  const last = fn.name.split('.').pop() ?? fn.name;
  return refs.find((r) => {
    if (r.name !== fn.name && r.name !== last) return false;
    const p = ctx.refPath(r);
    return (!r.path && !r.module) || p === fn.path;
  });
}

// ------------------------------------------------------------------------------ layers

/** Limiters whose effect depends on configuration elsewhere: slowapi/Flask-Limiter `default_limits`. */
function hasDefaultLimits(project: ProjectModel, lib: 'slowapi' | 'flask_limiter'): boolean {
  const ctx = InferenceContext.of(project);
  for (const f of project.withKind('python')) {
    if (!/default_limits|application_limits/.test(f.text) || !f.text.includes(lib)) continue;
    const a = ctx.pyAt(f.path);
    for (const c of a?.mod.calls() ?? []) {
      if (!/Limiter$/.test(c.callee)) continue;
      const q = externQ(a as NonNullable<typeof a>, field(c.node, 'function'));
      if (!q.startsWith(lib)) continue;
      const lim = c.kwargs.get('default_limits') ?? c.kwargs.get('application_limits');
      if (lim && !/^\[\s*\]$/.test(lim.text)) return true;
    }
  }
  return false;
}

/** `register(rateLimit, { global: false })`: the plugin limits only routes with `config.rateLimit`. */
function fastifyGlobalOff(l: Layer): boolean {
  const o = l.options as Node | undefined;
  if (!o || !Node.isObjectLiteralExpression(o)) return false;
  const g = o.getProperty('global');
  return !!g && Node.isPropertyAssignment(g) && g.getInitializer()?.getText() === 'false';
}

/** A FastAPI security scheme created with `auto_error=False` does not reject by itself. */
function schemeAutoErrorOff(ctx: Ctx, l: Layer): boolean {
  const target = l.options as PyNode | undefined;
  if (!target || l.fn) return false;
  const a = InferenceContext.of(ctx.project).pyAt(l.file);
  if (!a) return false;
  const u = unwrapPy(target);
  const call = u.type === 'call' ? u : u.type === 'identifier' ? pyDecls(ctx.project, a, a.text(u), u).find((d) => d.k === 'value')?.node : undefined;
  const c = call ? unwrapPy(call) : undefined;
  if (c?.type !== 'call') return false;
  const ae = callArgs(c).kwargs.get('auto_error');
  return !!ae && ae.text === 'False';
}

/** Names in a DRF `permission_classes`/`throttle_classes` list or a settings list of dotted strings. */
function classList(ctx: Ctx, l: Layer): string[] {
  const a = InferenceContext.of(ctx.project).pyAt(l.file);
  const node = l.options as PyNode | undefined;
  if (!a || !node) return [];
  return listItems(ctx.project, a, node).map((it) => it.a.mod.stringValue(it.node)?.value ?? externQ(it.a, it.node) ?? it.a.text(it.node));
}

function drfLayer(ctx: Ctx, l: Layer, out: Evidence[], exempt: { hit: boolean }): void {
  const k = ControlKnowledge.get();
  const key = l.name.replace(/^rest_framework:/, '');
  const perm = /PERMISSION_CLASSES$|^permission_classes$/i.test(key);
  const throttle = /THROTTLE_CLASSES$|^throttle_classes$/i.test(key);
  if ((ctx.kind === 'auth' && !perm) || (ctx.kind === 'rate-limit' && !throttle)) return;
  // A view's own list replaces the defaults.
  if (l.level === 'global' && ctx.ep.layers.some((x) => x.level !== 'global' && x.name === `rest_framework:${perm ? 'permission_classes' : 'throttle_classes'}`)) return;
  const names = classList(ctx, l);
  if (perm) {
    if (names.some((n) => k.layer('auth', n))) out.push({ kind: 'auth', level: l.level, what: `DRF \`${names.join(', ')}\` (${lineOf(ctx.project, l.file, l.span)})`, file: l.file, span: l.span });
    else if (names.some((n) => k.exempt('auth', n))) exempt.hit = true;
    else if (names.length > 0 && names.every((n) => !/AllowAny/.test(n)))
      out.push({ kind: 'auth', level: l.level, what: `DRF permission classes \`${names.join(', ')}\``, file: l.file, span: l.span });
  } else if (names.length > 0) {
    out.push({ kind: 'rate-limit', level: l.level, what: `DRF throttling \`${names.join(', ')}\` (${lineOf(ctx.project, l.file, l.span)})`, file: l.file, span: l.span });
  }
}

/** Classes of the repository behind a layer: bases that are known controls, or a guard/middleware/permission named for its job. */
function classEvidence(ctx: Ctx, l: Layer): Evidence[] {
  const k = ControlKnowledge.get();
  const out: Evidence[] = [];
  const cls = l.cls;
  if (!cls) return out;
  const ictx = InferenceContext.of(ctx.project);
  if (cls.path.match(/\.[cm]?[jt]sx?$/)) {
    const node = cls.node as Node;
    if (!Node.isClassDeclaration(node) && !Node.isClassExpression(node)) return out;
    const a = ictx.tsAt(cls.path);
    const ext = node.getExtends();
    const base = ext && a ? valueName(tsValue(ctx.project, a, ext.getExpression()), ctx.project) : undefined;
    const known = base ? k.layer(ctx.kind, base) : undefined;
    const name = node.getName() ?? 'class';
    if (known) out.push({ kind: ctx.kind, level: l.level, what: `\`${name}\` (extends ${known.label})`, file: l.file, span: l.span });
    else if (base && /ThrottlerGuard/.test(base) && ctx.kind === 'rate-limit') out.push({ kind: ctx.kind, level: l.level, what: `\`${name}\` (a ThrottlerGuard)`, file: l.file, span: l.span });
    else if (l.kind === 'guard') {
      // A Nest guard rejects when canActivate is false: judge it by its checks, else by its name.
      const methods = node
        .getMethods()
        .map((m) => a?.fnInfo(m))
        .filter((f): f is FunctionInfo => !!f);
      const sig = methods.flatMap((f) => reachableSignals(ctx.project, f, 2)).filter((s) => s.kind === ctx.kind && s.strength === 'enforced');
      const named = ctx.kind === 'auth' ? /auth|jwt|session|api[-_]?key|token|clerk|supabase|firebase|login|user/i : /throttl|rate[-_]?limit|limiter|quota/i;
      if (sig.length > 0 || named.test(name)) out.push({ kind: ctx.kind, level: l.level, what: `guard \`${name}\``, file: l.file, span: l.span });
    }
    return out;
  }
  // Python: bases (mixins), then the methods of the class.
  const a = ictx.pyAt(cls.path);
  const node = cls.node as PyNode;
  if (!a) return out;
  const sup = field(node, 'superclasses');
  for (const s of sup ? kids(sup) : []) {
    if (s.type === 'keyword_argument') continue;
    const q = externQ(a, s);
    const known = q ? k.layer(ctx.kind, q) : undefined;
    if (known) out.push({ kind: ctx.kind, level: l.level, what: `\`${a.text(field(node, 'name') as PyNode)}\` (${known.label})`, file: l.file, span: l.span });
  }
  const body = field(node, 'body');
  for (const st of body ? kids(body) : []) {
    const def = st.type === 'decorated_definition' ? field(st, 'definition') : st;
    if (def?.type !== 'function_definition') continue;
    const fn = a.fnInfo(def);
    for (const s of reachableSignals(ctx.project, fn, 2))
      if (s.kind === ctx.kind && s.strength === 'enforced') out.push({ kind: ctx.kind, level: l.level, what: `\`${fn.name}\`: ${s.what}`, file: s.file, span: s.span });
  }
  return out;
}

/** next-auth's `auth` used as middleware protects only with an `authorized` callback in its config. */
function nextAuthAuthorized(project: ProjectModel): boolean {
  return project.withKind('typescript').some((f) => /NextAuth\s*\(/.test(f.text) && /\bauthorized\b/.test(f.text));
}

function guardsAccept(s: Signal, path: string | undefined): boolean {
  if (s.guards.length === 0) return true;
  if (path === undefined) return s.guards.every((g) => g.negated);
  const p = samplePath(path);
  return s.guards.every((g) => g.test(p) !== g.negated);
}

/** Evidence from one layer; marks `exempt` when the layer switches the control off. */
function layerEvidence(ctx: Ctx, l: Layer, depth: number, exempt: { hit: boolean; what?: string }, soft: ControlVerdict['soft']): Evidence[] {
  const k = ControlKnowledge.get();
  const out: Evidence[] = [];
  const where = lineOf(ctx.project, l.file, l.span);
  const path = ctx.ep.kind === 'server-action' ? undefined : ctx.ep.path;
  if (k.exempt(ctx.kind, l.name)) {
    exempt.hit = true;
    exempt.what = `\`${l.text}\``;
    return out;
  }
  if (l.name.startsWith('rest_framework:')) {
    drfLayer(ctx, l, out, exempt);
    return out;
  }
  if (l.name === 'fastify:config.rateLimit') return out; // read with the plugin
  const entry = k.layer(ctx.kind, l.name);
  if (entry) {
    if (entry.plugin === 'fastify' && ctx.kind === 'rate-limit' && fastifyGlobalOff(l)) {
      const cfg = ctx.ep.layers.find((x) => x.name === 'fastify:config.rateLimit');
      if (cfg) out.push({ kind: ctx.kind, level: 'route', what: `${entry.label} (route \`config.rateLimit\`, ${lineOf(ctx.project, cfg.file, cfg.span)})`, file: cfg.file, span: cfg.span });
      return out;
    }
    if (entry.needsDefaultLimits && !hasDefaultLimits(ctx.project, entry.needsDefaultLimits)) return out;
    if (entry.blockArgument) {
      const call = l.options as PyNode | undefined;
      const block = call && call.type === 'call' ? callArgs(call).kwargs.get('block') : undefined;
      if (block && block.text === 'False') {
        soft.push({ what: `\`${l.text}\` with \`block=False\``, file: l.file, span: l.span });
        return out;
      }
    }
    if (entry.securityScheme && schemeAutoErrorOff(ctx, l)) {
      soft.push({ what: `\`${l.text}\` (a security scheme created with \`auto_error=False\`)`, file: l.file, span: l.span });
      return out;
    }
    out.push({ kind: ctx.kind, level: l.level, what: `${entry.label} (\`${l.text}\`, ${where})`, file: l.file, span: l.span });
    return out;
  }
  // next-auth middleware: `export { auth as middleware }` or `auth((req) => ...)`.
  if (ctx.kind === 'auth' && /^next-auth#default\(\)\.auth(\(\))?$/.test(l.name)) {
    if (nextAuthAuthorized(ctx.project)) {
      out.push({ kind: 'auth', level: l.level, what: `next-auth middleware with an \`authorized\` callback (${where})`, file: l.file, span: l.span });
      return out;
    }
  }
  // Settings: functions the user names.
  const ref =
    matchesRef(ctx.refs, l.fn, InferenceContext.of(ctx.project)) ??
    ctx.refs.find((r) => !r.path && !r.module && (l.name.endsWith(`#${r.name}`) || l.name.endsWith(`#${r.name}()`) || l.text.split('(')[0] === r.name));
  if (ref) {
    out.push({ kind: ctx.kind, level: l.level, what: `\`${l.text}\` (settings.${ctx.kind === 'auth' ? 'auth' : 'rateLimit'}.functions)`, file: l.file, span: l.span });
    return out;
  }
  if (l.cls) out.push(...classEvidence(ctx, l));
  if (l.fn && out.length === 0) {
    for (const s of reachableSignals(ctx.project, l.fn, 2)) {
      if (s.kind !== ctx.kind) continue;
      if (!guardsAccept(s, path)) continue;
      if (s.strength === 'enforced') out.push({ kind: ctx.kind, level: l.level, what: `${s.what} in \`${l.fn.name}\` (${lineOf(ctx.project, s.file, s.span)})`, file: s.file, span: s.span });
      else soft.push({ what: `${s.what} in \`${l.fn.name}\``, file: s.file, span: s.span });
    }
    // FastAPI: a dependency's own dependencies (`get_current_user` → `Depends(oauth2_scheme)`).
    if (out.length === 0 && l.fn.lang === 'python' && depth < 3 && (l.kind === 'dependency' || l.kind === 'decorator')) {
      const a = InferenceContext.of(ctx.project).pyAt(l.fn.path);
      if (a && (l.fn.node as PyNode).type === 'function_definition') {
        for (const d of paramDependencies(ctx.project, a, l.fn.node as PyNode, l.level)) out.push(...layerEvidence(ctx, d, depth + 1, { hit: false }, soft));
        // Conditional definitions (`if settings.auth: def authenticated(...)` / `else: def authenticated()`): any variant that checks counts.
        if (out.length === 0) {
          for (const other of a.functions()) {
            if (other.name !== l.fn.name || other.span.start === l.fn.span.start) continue;
            for (const s of reachableSignals(ctx.project, other, 2))
              if (s.kind === ctx.kind && s.strength === 'enforced') out.push({ kind: ctx.kind, level: l.level, what: `${s.what} in \`${other.name}\``, file: s.file, span: s.span });
            for (const d of paramDependencies(ctx.project, a, other.node as PyNode, l.level)) out.push(...layerEvidence(ctx, d, depth + 1, { hit: false }, soft));
          }
        }
      }
    }
  }
  return out;
}

// ------------------------------------------------------------------------------ gateway

function controlText(project: ProjectModel, c: GatewayControl): string {
  return `${c.gateway} \`${c.mechanism}\`${c.detail ? ` ${c.detail}` : ''} (${lineOf(project, c.file, c.span)})`;
}

function gatewayEvidence(ctx: Ctx): { evidence: Evidence[]; gaps: GatewayRoute[] } {
  const idx = gatewayIndex(ctx.project);
  if (idx.routes.length === 0 || ctx.ep.kind === 'server-action') return { evidence: [], gaps: [] };
  const evidence: Evidence[] = [];
  const gaps: GatewayRoute[] = [];
  for (const up of appUpstreams(ctx.project, ctx.ep.file)) {
    const v = idx.query({
      upstream: { host: up.host, ...(up.namespace ? { namespace: up.namespace } : {}) },
      path: samplePath(ctx.ep.path),
      method: ctx.ep.methods[0] === '*' ? undefined : ctx.ep.methods[0] === 'WEBSOCKET' ? 'GET' : ctx.ep.methods[0],
    });
    if (v.routes.length === 0) continue;
    const ok = ctx.kind === 'rate-limit' ? v.rateLimited : v.authenticated;
    const controls = ctx.kind === 'rate-limit' ? v.rateLimits : v.auth;
    if (ok && controls[0]) evidence.push({ kind: ctx.kind, level: 'gateway', what: `${controlText(ctx.project, controls[0])} in front of ${up.how}`, file: controls[0].file, span: controls[0].span });
    else gaps.push(...(ctx.kind === 'rate-limit' ? v.unlimitedRoutes : v.unauthenticatedRoutes));
  }
  return { evidence, gaps };
}

// ------------------------------------------------------------------------------ endpoint

function handledUpstream(ctx: Ctx): boolean {
  const h = ctx.kind === 'auth' ? ctx.settings.auth?.handledUpstream : ctx.settings.rateLimit?.handledUpstream;
  if (h === true) return true;
  if (!Array.isArray(h) || ctx.ep.kind === 'server-action') return false;
  return h.some((g) => picomatch(g, { dot: true })(ctx.ep.path) || picomatch(g, { dot: true })(samplePath(ctx.ep.path)));
}

const verdicts = new WeakMap<ProjectModel, Map<string, ControlVerdict>>();

/** The rate limits (or the authentication) that apply to an endpoint, and the near misses. */
export function endpointControls(project: ProjectModel, settings: Settings, ep: Endpoint, kind: ControlKind): ControlVerdict {
  let m = verdicts.get(project);
  if (!m) {
    m = new Map();
    verdicts.set(project, m);
  }
  const key = `${kind}|${ep.file}:${ep.span.start}|${ep.label}|${ep.handler?.id ?? ''}`;
  const hit = m.get(key);
  if (hit) return hit;
  const refs = parseFunctionRefs(kind === 'auth' ? settings.auth?.functions : settings.rateLimit?.functions);
  const ctx: Ctx = { project, settings, ep, kind, refs };
  const v: ControlVerdict = { kind, evidence: [], notApplied: [], soft: [], gatewayGaps: [] };
  if (handledUpstream(ctx)) {
    v.evidence.push({ kind, level: 'settings', what: `settings.${kind === 'auth' ? 'auth' : 'rateLimit'}.handledUpstream` });
    m.set(key, v);
    return v;
  }
  // Layers, outermost first; an exemption at the handler (`@SkipThrottle()`, `@limiter.exempt`, `AllowAny`) drops what is above it.
  const exempt: { hit: boolean; what?: string } = { hit: false };
  const dropped: Evidence[] = [];
  for (const l of ep.layers) {
    const before = exempt.hit;
    const ev = layerEvidence(ctx, l, 0, exempt, v.soft);
    if (!before && exempt.hit) {
      dropped.push(...v.evidence.filter((e) => e.level !== 'handler' && e.level !== 'route'));
      v.evidence = v.evidence.filter((e) => e.level === 'handler' || e.level === 'route');
    }
    v.evidence.push(...ev);
  }
  // The handler and what it calls.
  if (ep.handler) {
    const path = ep.kind === 'server-action' ? undefined : ep.path;
    const ictx = InferenceContext.of(project);
    for (const s of reachableSignals(project, ep.handler, 3)) {
      if (s.kind !== kind || !guardsAccept(s, path)) continue;
      const via = s.via.length > 0 ? ` via \`${s.via.map((f) => f.name).join('` → `')}\`` : '';
      if (s.strength === 'enforced') v.evidence.push({ kind, level: 'handler', what: `${s.what}${via} (${lineOf(project, s.file, s.span)})`, file: s.file, span: s.span });
      else v.soft.push({ what: `${s.what}${via}`, file: s.file, span: s.span });
    }
    // settings.*.functions called from the handler.
    const seen = new Set<string>();
    const visit = (f: FunctionInfo, d: number): void => {
      if (seen.has(f.id) || d > 3) return;
      seen.add(f.id);
      if (matchesRef(refs, f, ictx)) v.evidence.push({ kind, level: 'handler', what: `\`${f.name}\` (settings.${kind === 'auth' ? 'auth' : 'rateLimit'}.functions)`, file: f.path, span: f.span });
      for (const e of ictx.analyzerAt(f.path)?.edges() ?? []) if (e.from.id === f.id && e.from.span.start === f.span.start) visit(e.to, d + 1);
    };
    if (refs.length > 0) visit(ep.handler, 0);
  }
  const gw = gatewayEvidence(ctx);
  v.evidence.push(...gw.evidence);
  v.gatewayGaps = gw.gaps;
  // Layers that would have counted had they applied.
  const noun = kind === 'auth' ? 'authentication' : 'rate limit';
  for (const s of ep.skipped) {
    const ev = layerEvidence(ctx, s.layer, 0, { hit: false }, []);
    if (ev.length === 0) continue;
    const why =
      s.reason === 'after-route'
        ? 'it is registered after this route, so it never runs for it'
        : s.reason === 'matcher'
          ? `its \`config.matcher\` (${s.layer.path ?? ''}) does not cover ${ep.path}`
          : `its path filter \`${s.layer.path ?? ''}\` does not cover ${ep.path}`;
    const what = s.reason === 'matcher' ? `in ${s.layer.file}` : `\`${s.layer.text}\` (${lineOf(project, s.layer.file, s.layer.span)})`;
    const remedy =
      s.reason === 'after-route' ? 'Register it before the route' : s.reason === 'matcher' ? `Add ${ep.path} to the middleware's \`config.matcher\`` : 'Widen its path filter to this route';
    v.notApplied.push({ clause: `the ${noun} ${what} does not apply to it: ${why}`, remedy, file: s.layer.file, span: s.layer.span });
  }
  if (exempt.hit && v.evidence.length === 0 && exempt.what) {
    const from = dropped[0] ? ` from the ${noun} ${dropped[0].what}` : '';
    v.notApplied.push({ clause: `${exempt.what} exempts it${from}`, remedy: `Remove ${exempt.what} unless something else protects this route`, file: ep.file, span: ep.span });
  }
  m.set(key, v);
  return v;
}
