/**
 * HTTP endpoints of a repository: the routes of Express, Fastify, Hono, Koa, NestJS and Next.js
 * (TypeScript/JavaScript) and of FastAPI, Flask, Starlette and Django (Python), each with its
 * full path (prefixes of mounted routers, controllers and blueprints included), its handler
 * function and the layers (middleware, guards, dependencies, decorators, hooks) that run before
 * it, in registration order.
 *
 * Computed once per run and shared by every rule that asks; files are parsed only when their
 * text shows a framework or a route registration.
 */
import type { FileModel } from '../../model/file-model.js';
import type { ProjectModel } from '../../model/project.js';
import type { Node as TsNode } from 'ts-morph';
import type { Node as PyNode } from 'web-tree-sitter';
import { callsFrom, functionsOf, sitesIn, type CallEdge, type FunctionInfo, type ReachedSite } from '../inference/index.js';
import { DjangoRoutes } from './django.js';
import { nestEndpoints } from './nestjs.js';
import { nextEndpoints } from './nextjs.js';
import { svelteKitEndpoints } from './sveltekit.js';
import { tsPlatformEndpoints } from './platforms.js';
import { pyPlatformEndpoints } from './py-platforms.js';
import { lambdaEndpoints } from './lambda.js';
import { bindArgs, forwardEdge, forwardedInference, forwardTargets, pyForwards, resolveForward, type ForwardEnv } from './py-forward.js';
import { PyRouterGraph } from './python.js';
import { decoratedCalls, TsRouterGraph } from './ts-routers.js';
import { endpointScope } from './scope.js';
import type { Endpoint } from './types.js';

export type { Endpoint, Framework, Layer, LayerKind, LayerLevel, PathSegment, SkippedLayer } from './types.js';
export { filterCovers, joinPaths, nextMatcherCovers, nextMatcherRegExp, pathSegments, samplePath } from './paths.js';
export { middlewareCovers, nextMiddlewares, type NextMiddleware } from './nextjs.js';
export { dependsCalls, paramDependencies } from './python.js';

/** How many functions one endpoint's walk reads at most. */
const MAX_VISITS = 600;

const cache = new WeakMap<ProjectModel, Endpoint[]>();
const wholeCache = new WeakMap<ProjectModel, Endpoint[]>();

/**
 * Every endpoint of the repository, sorted by file and position. With files named on the
 * command line, only the route graphs around them are read (see endpointScope) unless `whole`
 * asks for every endpoint (a request forwarded to another service of the repository).
 */
export function projectEndpoints(project: ProjectModel, whole = false): Endpoint[] {
  const inScope = endpointScope(project);
  if (!inScope) whole = false;
  const c = whole ? wholeCache : cache;
  let eps = c.get(project);
  if (!eps) {
    const scope = whole ? undefined : inScope;
    eps = [
      ...new TsRouterGraph(project, scope).build(),
      ...nestEndpoints(project, scope),
      ...nextEndpoints(project),
      ...svelteKitEndpoints(project),
      ...tsPlatformEndpoints(project),
      ...new PyRouterGraph(project, scope).build(),
      ...new DjangoRoutes(project).build(),
      ...pyPlatformEndpoints(project, scope),
      ...lambdaEndpoints(project),
    ];
    const seen = new Set<string>();
    eps = eps.filter((e) => {
      const k = `${e.file}:${e.span.start}:${e.methods.join('|')}:${e.path}:${e.handler?.id ?? ''}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
    eps.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.span.start - b.span.start || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)));
    c.set(project, eps);
  }
  return eps;
}

/** The endpoints registered in a file (where the route is declared, not where its handler lives). */
export function endpointsIn(file: FileModel, project: ProjectModel): Endpoint[] {
  return projectEndpoints(project).filter((e) => e.file === file.path);
}

function nodeRange(fn: FunctionInfo): [number, number] {
  if (fn.lang === 'ts') {
    const n = fn.node as TsNode;
    return [n.getStart(), n.getEnd()];
  }
  const n = fn.node as PyNode;
  return [n.startIndex, n.endIndex];
}

/**
 * A function and the functions written inside it (callbacks, closures): what runs when it runs,
 * as far as its own text goes (`items.map((x) => ask(x))`, `stream({ execute: () => ... })`).
 */
const bodies = new WeakMap<FunctionInfo, FunctionInfo[]>();

export function bodyFunctions(project: ProjectModel, fn: FunctionInfo): FunctionInfo[] {
  if (fn.name === '<module>') return [fn];
  let hit = bodies.get(fn);
  if (!hit) bodies.set(fn, (hit = computeBodyFunctions(project, fn)));
  return hit;
}

function computeBodyFunctions(project: ProjectModel, fn: FunctionInfo): FunctionInfo[] {
  const file = project.file(fn.path);
  if (!file) return [fn];
  const [start, end] = nodeRange(fn);
  return functionsOf(file, project).filter(
    (g) =>
      g.name !== '<module>' &&
      (g === fn ||
        (g.id === fn.id && g.span.start === fn.span.start) ||
        (() => {
          const [s, e] = nodeRange(g);
          return s >= start && e <= end;
        })()),
  );
}

/**
 * The inference an endpoint's handler runs, directly (callbacks written in it included) or
 * through repository functions, up to `maxDepth` calls deep, each with the call path. A request
 * the handler passes on over HTTP counts too: to another endpoint of the repository (an API
 * server forwarding to model workers: one hop), or to a model API path (a router proxying to a
 * model server), with the URL worked out from what the calls on the way pass down.
 */
export function endpointInference(project: ProjectModel, ep: Endpoint, maxDepth = 8, forwarded = false): ReachedSite[] {
  if (!ep.handler) return [];
  const out: ReachedSite[] = [];
  const seen = new Set<string>();
  // Breadth first, so that a bounded walk meets the calls nearest the handler first: a handler
  // that calls into a large code base (vector stores, agents, telemetry) still has its model
  // call found a few calls down.
  const queue: Array<{ f: FunctionInfo; via: CallEdge[]; env: ForwardEnv | (() => ForwardEnv) }> = [{ f: ep.handler, via: [], env: new Map() }];
  const visit = (f: FunctionInfo, via: CallEdge[], env: ForwardEnv): void => {
    for (const g of bodyFunctions(project, f)) {
      for (const site of sitesIn(project, g)) out.push({ site, via });
      if (g.lang === 'python') {
        for (const fw of pyForwards(project, g)) {
          const r = resolveForward(fw, env, ep);
          if (!r.path) continue;
          const targets = forwarded
            ? []
            : forwardTargets(projectEndpoints(project, true), r.method, r.path)
                // The route itself (the whole-repository graph has its own copy of it) is not another service.
                .filter((t) => !(t.file === ep.file && t.span.start === ep.span.start && t.label === ep.label));
          for (const t of targets) {
            const edge = forwardEdge(project, g, fw, t);
            for (const x of endpointInference(project, t, maxDepth, true)) out.push({ site: x.site, via: [...via, edge, ...x.via] });
          }
          // A model API path no endpoint of the repository answers: a model server.
          const site = targets.length === 0 ? forwardedInference(project, fw, r.url, r.method) : undefined;
          if (site) out.push({ site, via });
        }
      }
      if (via.length >= maxDepth) continue;
      for (const e of callsFrom(project, g)) queue.push({ f: e.to, via: [...via, e], env: () => bindArgs(project, e, env, ep) });
      // Fastify: functions decorated onto the instance (`fastify.summarize(text)`).
      if (g.lang === 'ts' && ep.framework === 'fastify') for (const e of decoratedCalls(project, g)) queue.push({ f: e.to, via: [...via, e], env });
    }
  };
  for (let i = 0; i < queue.length && seen.size <= MAX_VISITS; i++) {
    const item = queue[i] as (typeof queue)[number];
    const { f, via } = item;
    const env = typeof item.env === 'function' ? item.env() : item.env;
    const key = `${f.id}@${f.span.start}|${[...env].join(';')}`;
    if (seen.has(key)) continue;
    seen.add(key);
    visit(f, via, env);
  }
  const uniq = new Set<string>();
  return out.filter((r) => {
    const k = `${r.site.path}:${r.site.calleeSpan.start}`;
    if (uniq.has(k)) return false;
    uniq.add(k);
    return true;
  });
}
