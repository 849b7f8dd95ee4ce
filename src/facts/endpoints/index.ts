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
import { reachableSites, type ReachedSite } from '../inference/index.js';
import { DjangoRoutes } from './django.js';
import { nestEndpoints } from './nestjs.js';
import { nextEndpoints } from './nextjs.js';
import { PyRouterGraph } from './python.js';
import { TsRouterGraph } from './ts-routers.js';
import type { Endpoint } from './types.js';

export type { Endpoint, Framework, Layer, LayerKind, LayerLevel, PathSegment } from './types.js';
export { filterCovers, joinPaths, nextMatcherCovers, nextMatcherRegExp, pathSegments, samplePath } from './paths.js';
export { middlewareCovers, nextMiddlewares, type NextMiddleware } from './nextjs.js';
export { dependsCalls, paramDependencies } from './python.js';

const cache = new WeakMap<ProjectModel, Endpoint[]>();

/** Every endpoint of the repository, sorted by file and position. */
export function projectEndpoints(project: ProjectModel): Endpoint[] {
  let eps = cache.get(project);
  if (!eps) {
    eps = [
      ...new TsRouterGraph(project).build(),
      ...nestEndpoints(project),
      ...nextEndpoints(project),
      ...new PyRouterGraph(project).build(),
      ...new DjangoRoutes(project).build(),
    ];
    const seen = new Set<string>();
    eps = eps.filter((e) => {
      const k = `${e.file}:${e.span.start}:${e.methods.join('|')}:${e.path}:${e.handler?.id ?? ''}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
    eps.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.span.start - b.span.start || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)));
    cache.set(project, eps);
  }
  return eps;
}

/** The endpoints registered in a file (where the route is declared, not where its handler lives). */
export function endpointsIn(file: FileModel, project: ProjectModel): Endpoint[] {
  return projectEndpoints(project).filter((e) => e.file === file.path);
}

/** The inference an endpoint's handler runs, directly or through repository functions (`maxDepth` calls deep). */
export function endpointInference(project: ProjectModel, ep: Endpoint, maxDepth = 4): ReachedSite[] {
  return ep.handler ? reachableSites(project, ep.handler, maxDepth) : [];
}
