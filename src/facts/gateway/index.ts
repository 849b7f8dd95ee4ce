import type { FileModel } from '../../model/file-model.js';
import type { ProjectModel } from '../../model/project.js';
import { k8sObjects, type K8sObject } from '../k8s-objects.js';
import { envoyRoutes } from './envoy.js';
import { gatewayApiRoutes, ingressRoutes } from './ingress.js';
import { kongDeclarativeRoutes, kongPluginResources } from './kong.js';
import { embeddedNginx, nginxConfig, nginxRoutes, type NginxSource } from './nginx.js';
import { traefikCrdMiddlewares, type TraefikMiddleware, type TraefikRouter, traefikDockerConfig, traefikFileConfig, traefikIngressRoutes, traefikRoutes } from './traefik.js';
import { hostMatches, pathMatches, regexProblems, serviceName, type GatewayControl, type GatewayQuery, type GatewayRoute, type GatewayVerdict, type UpstreamTarget } from './types.js';

export * from './types.js';

/**
 * Gateway evidence of a repository: every route that nginx/OpenResty, ingress-nginx, Traefik,
 * Kong or Envoy configuration in the repository declares, with the rate limits and the
 * authentication that apply to it, and a query for "which controls front this request to
 * this service?".
 */
export class GatewayIndex {
  constructor(readonly routes: readonly GatewayRoute[]) {}

  /** Routes whose upstream is the given service (any path, any host). */
  routesTo(upstream: NonNullable<GatewayQuery['upstream']>): GatewayRoute[] {
    return this.routes.filter((r) => reaches(r, upstream));
  }

  /**
   * The routes a request takes to reach the upstream, and the controls in front of them. With a
   * path, only routes that the gateway would pick for that path count (nginx location rules,
   * longest prefix, first Envoy match, Traefik priority), so a limiter on `/api/summarize` does
   * not cover `/api/chat`.
   */
  query(q: GatewayQuery): GatewayVerdict {
    const eligible = this.routes.filter(
      (r) => (!q.host || r.hosts.length === 0 || r.hosts.some((h) => hostMatches(h, q.host as string))) && (!q.method || !r.methods || r.methods.includes(q.method.toUpperCase())),
    );
    const groups = new Map<string, GatewayRoute[]>();
    for (const r of eligible) {
      const g = groups.get(r.group) ?? [];
      g.push(r);
      groups.set(r.group, g);
    }
    const picked = new Set<GatewayRoute>();
    for (const group of groups.values()) {
      for (const r of group) {
        if (q.upstream && !reaches(r, q.upstream)) continue;
        if (q.path === undefined) {
          picked.add(r);
          continue;
        }
        if (q.upstream && r.upstream?.rewrite === 'opaque') {
          picked.add(r);
          continue;
        }
        const gatewayPath = q.upstream ? requestPath(r, q.path) : q.path;
        if (gatewayPath === undefined || !pathMatches(r.path, gatewayPath)) continue;
        if (select(group, gatewayPath) === r) picked.add(r);
      }
    }
    return verdict([...picked]);
  }
}

/** The request path that reaches the upstream as `upstreamPath` through the route's rewrite. */
function requestPath(r: GatewayRoute, upstreamPath: string): string | undefined {
  const rw = r.upstream?.rewrite;
  if (!rw || rw === 'opaque') return upstreamPath;
  if (!upstreamPath.startsWith(rw.to)) return undefined;
  const rest = upstreamPath.slice(rw.to.length);
  return rw.from.endsWith('/') && rest.startsWith('/') ? rw.from + rest.slice(1) : rw.from + rest;
}

function targetMatches(t: UpstreamTarget, q: NonNullable<GatewayQuery['upstream']>): boolean {
  const a = serviceName(t.host);
  const b = serviceName(q.host);
  if (a.name !== b.name) return false;
  const ns = t.namespace ?? a.namespace;
  const qns = q.namespace ?? b.namespace;
  if (ns && qns && ns !== qns) return false;
  return t.port === undefined || q.port === undefined || t.port === q.port;
}

/**
 * A notification on the configuration file for each route pattern RE2 cannot compile: the scan
 * goes on, and says that the route was taken to match no request through that pattern.
 */
function noteUnsupportedRegexes(files: readonly FileModel[], routes: readonly GatewayRoute[]): void {
  const byPath = new Map(files.map((f) => [f.path, f]));
  for (const p of regexProblems(routes)) {
    const file = byPath.get(p.route.file);
    if (!file) continue;
    const range = file.range(p.span);
    if (file.notices.some((n) => n.kind === 'unsupported-regex' && n.range?.start.line === range.start.line && n.range.start.column === range.start.column)) continue;
    file.notices.push({
      kind: 'unsupported-regex',
      level: 'warning',
      path: file.path,
      range,
      message: `regular expression ${JSON.stringify(p.pattern)} of ${p.route.label} cannot be evaluated with RE2 semantics: ${p.reason}; modelguard assumed the route matches no request through it`,
    });
  }
}

function reaches(r: GatewayRoute, q: NonNullable<GatewayQuery['upstream']>): boolean {
  return !!r.upstream && r.upstream.targets.some((t) => targetMatches(t, q));
}

/** The route of a group that the gateway picks for a path. */
function select(group: GatewayRoute[], path: string): GatewayRoute | undefined {
  const hits = group.filter((r) => pathMatches(r.path, path));
  if (hits.length === 0) return undefined;
  const gw = (hits[0] as GatewayRoute).gateway;
  if (gw === 'envoy') return hits.sort((a, b) => a.order - b.order)[0];
  const exact = hits.find((r) => r.path.kind === 'exact');
  if (exact) return exact;
  if (gw === 'nginx') {
    const longest = hits.filter((r) => r.path.kind === 'prefix').sort((a, b) => b.path.value.length - a.path.value.length || a.order - b.order)[0];
    if (longest?.final) return longest;
    return hits.filter((r) => r.path.kind === 'regex').sort((a, b) => a.order - b.order)[0] ?? longest;
  }
  return hits.sort((a, b) => b.priority - a.priority || a.order - b.order)[0];
}

function dedupe(controls: GatewayControl[]): GatewayControl[] {
  const seen = new Set<string>();
  return controls.filter((c) => {
    const k = `${c.file}:${c.span.start}:${c.mechanism}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function verdict(routes: GatewayRoute[]): GatewayVerdict {
  const unlimitedRoutes = routes.filter((r) => !r.controls.some((c) => c.kind === 'rate-limit'));
  const unauthenticatedRoutes = routes.filter((r) => !r.controls.some((c) => c.kind === 'auth'));
  const rateLimited = routes.length > 0 && unlimitedRoutes.length === 0;
  const authenticated = routes.length > 0 && unauthenticatedRoutes.length === 0;
  const all = routes.flatMap((r) => r.controls);
  return {
    routes,
    rateLimits: rateLimited ? dedupe(all.filter((c) => c.kind === 'rate-limit')) : [],
    auth: authenticated ? dedupe(all.filter((c) => c.kind === 'auth')) : [],
    rateLimited,
    authenticated,
    unlimitedRoutes,
    unauthenticatedRoutes,
  };
}

const ENVOY = /http_connection_manager|HttpConnectionManager/;
const TRAEFIK_FILE = /^http:\s*$/m;
const K8S_GATEWAY_KINDS = /\bkind["']?\s*:\s*["']?(Ingress|IngressRoute|Middleware|HTTPRoute|GRPCRoute|Gateway|VirtualService|KongPlugin|KongClusterPlugin|KongIngress|Route|ConfigMap)\b/;

/** Builds the index from files (the repository's, or a test's). */
export function buildGatewayIndex(files: readonly FileModel[]): GatewayIndex {
  const nginx: NginxSource[] = [];
  const objects: K8sObject[] = [];
  const routes: GatewayRoute[] = [];
  const traefikRouters: TraefikRouter[] = [];
  const traefikMiddlewares: TraefikMiddleware[] = [];
  // Services and workloads only matter when something routes to them: without a gateway
  // object (or a ConfigMap that may hold an nginx config) no manifest is parsed.
  const k8sGateways = files.some((f) => f.kind === 'k8s' && K8S_GATEWAY_KINDS.test(f.text));
  for (const f of files) {
    switch (f.kind) {
      case 'nginx':
        nginx.push({ file: f.path, name: f.path, parsed: nginxConfig(f) });
        break;
      case 'k8s':
        if (!k8sGateways) break;
        objects.push(...k8sObjects(f));
        nginx.push(...embeddedNginx(f));
        break;
      case 'compose': {
        if (!f.text.includes('traefik.')) break;
        const t = traefikDockerConfig(f);
        traefikRouters.push(...t.routers);
        traefikMiddlewares.push(...t.middlewares);
        break;
      }
      case 'yaml-config':
      case 'json-config':
        if (f.text.includes('_format_version')) routes.push(...kongDeclarativeRoutes(f));
        if (ENVOY.test(f.text)) routes.push(...envoyRoutes(f));
        if (TRAEFIK_FILE.test(f.text) || /"http"\s*:/.test(f.text)) {
          const t = traefikFileConfig(f);
          traefikRouters.push(...t.routers);
          traefikMiddlewares.push(...t.middlewares);
        }
        break;
      default:
        break;
    }
  }
  routes.push(...nginxRoutes(nginx));
  traefikMiddlewares.push(...traefikCrdMiddlewares(objects));
  traefikRouters.push(...traefikIngressRoutes(objects));
  routes.push(...traefikRoutes(traefikRouters, traefikMiddlewares));
  routes.push(...ingressRoutes(objects, traefikMiddlewares, kongPluginResources(objects)));
  routes.push(...gatewayApiRoutes(objects));
  noteUnsupportedRegexes(files, routes);
  return new GatewayIndex(routes);
}

const cache = new WeakMap<ProjectModel, GatewayIndex>();

/** The gateway evidence of the scanned repository, built once per run. */
export function gatewayIndex(project: ProjectModel): GatewayIndex {
  let g = cache.get(project);
  if (!g) {
    g = buildGatewayIndex(project.withKind('nginx', 'k8s', 'compose', 'yaml-config', 'json-config'));
    cache.set(project, g);
  }
  return g;
}
