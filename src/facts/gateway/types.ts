import type { Span } from '../../types.js';
import { repoRegex, repoRegexMatches } from '../../util/repo-regex.js';
import { trimTrailing } from '../../util/text.js';

/** The products whose configuration modelguard reads for gateway evidence. */
/** `ingress`: a Kubernetes Ingress whose controller modelguard does not recognise, a Gateway API route or an OpenShift Route. */
export type GatewayKind = 'nginx' | 'ingress-nginx' | 'ingress' | 'traefik' | 'kong' | 'envoy';

/** A rate limit or an authentication check that a gateway applies to the requests of a route. */
export interface GatewayControl {
  kind: 'rate-limit' | 'auth';
  gateway: GatewayKind;
  /**
   * What enforces it, as the product names it: `limit_req`, `auth_request`,
   * `nginx.ingress.kubernetes.io/limit-rps`, `rateLimit`, `forwardAuth`, `key-auth`,
   * `envoy.filters.http.ext_authz`, ...
   */
  mechanism: string;
  /** The settings that matter, for messages: `zone=api (10r/s)`, `https://auth/verify`, `average=100`. */
  detail: string;
  /** Where the control is declared (a directive, an annotation, a plugin, a filter). */
  file: string;
  span: Span;
}

/** How a route matches request paths. `prefix` `/` matches everything. */
export interface PathMatch {
  kind: 'prefix' | 'exact' | 'regex';
  value: string;
  caseInsensitive?: boolean;
  /** Kubernetes `pathType: Prefix`: the prefix matches whole path elements only. */
  elementwise?: boolean;
  /** Where the pattern is written, when it is narrower than the route's span (nginx `location ~ ...`). */
  span?: Span;
}

/** One host (and port) a route forwards to: a compose service, a Kubernetes Service, an address. */
export interface UpstreamTarget {
  host: string;
  port?: number;
  /** A named port (Kubernetes `port.name`), when no number is written. */
  portName?: string;
  /** Kubernetes namespace of a Service target, when known. */
  namespace?: string;
}

export interface Upstream {
  /** As written: `http://vllm:8000/`, `support-llm:http`, `cluster llm_backend`. */
  raw: string;
  targets: UpstreamTarget[];
  /**
   * How a request path becomes the upstream path: a path starting with `from` is sent with
   * `from` replaced by `to` (nginx `proxy_pass` with a URI, Kong `strip_path`, Traefik
   * `stripPrefix`, Envoy `prefix_rewrite`). Undefined: sent unchanged. `opaque`: rewritten
   * in a way modelguard does not follow (regex rewrites): every upstream path may be reached.
   */
  rewrite?: { from: string; to: string } | 'opaque';
}

/** A route of a gateway: requests it matches, where it sends them, and the controls in front. */
export interface GatewayRoute {
  gateway: GatewayKind;
  /** Where the route is declared (a `location`, an Ingress path, a router, a Kong route, an Envoy route). */
  file: string;
  span: Span;
  /** For messages: `server api.example.com location /v1/`, `Ingress inference/llm path /`. */
  label: string;
  /** Request hosts it serves (`*.example.com` wildcards allowed); empty: any host. */
  hosts: string[];
  path: PathMatch;
  /** HTTP methods it matches; undefined: all. */
  methods?: string[];
  /** Undefined when the gateway answers itself (static files, `return`). */
  upstream?: Upstream;
  controls: GatewayControl[];
  /**
   * Routes with the same group compete for a request (an nginx `server`, the Ingresses of one
   * ingress-nginx host, one Envoy virtual host, all Traefik routers or all Kong routes): the
   * request goes to the best match of its group only.
   */
  group: string;
  /** Among matches of one group, the higher wins (longest prefix, Traefik rule length). */
  priority: number;
  /** Envoy and nginx regex locations: first match in declaration order wins; lower is earlier. */
  order: number;
  /** nginx `location ^~`: when it is the longest matching prefix, regex locations are not tried. */
  final?: boolean;
}

/** A question an endpoint rule asks: which routes reach this upstream, for this request? */
export interface GatewayQuery {
  /** The service the request must end up at: a compose service, a Kubernetes Service or a host name. */
  upstream?: { host: string; port?: number; namespace?: string };
  /** The request's Host header; undefined: any host. */
  host?: string;
  /**
   * The request path. With `upstream` it is the path the upstream sees (the endpoint's own
   * route, e.g. `/api/chat`), mapped back through each route's rewrite. Undefined: any path.
   */
  path?: string;
  method?: string;
}

/** The routes that match a query, and what fronts them. */
export interface GatewayVerdict {
  routes: GatewayRoute[];
  /** The rate limits on every matching route (empty when some route has none). */
  rateLimits: GatewayControl[];
  /** The authentication on every matching route (empty when some route has none). */
  auth: GatewayControl[];
  /** True when there is at least one route and every one has a rate limit. */
  rateLimited: boolean;
  /** True when there is at least one route and every one authenticates. */
  authenticated: boolean;
  /** Routes that reach the upstream without a rate limit / without authentication. */
  unlimitedRoutes: GatewayRoute[];
  unauthenticatedRoutes: GatewayRoute[];
}

/** True when a path of a request matches a route's path. */
export function pathMatches(m: PathMatch, path: string): boolean {
  switch (m.kind) {
    case 'exact':
      return m.caseInsensitive ? path.toLowerCase() === m.value.toLowerCase() : path === m.value;
    case 'prefix':
      if (m.elementwise) return elementPrefix(m.value, path);
      return m.caseInsensitive ? path.toLowerCase().startsWith(m.value.toLowerCase()) : path.startsWith(m.value);
    case 'regex':
      // RE2 semantics: linear in the path; a pattern RE2 rejects matches no path (see regexProblems).
      return repoRegexMatches(m.value, path, { caseInsensitive: m.caseInsensitive });
  }
}

/** A repository regex of a route that RE2 cannot compile: the route matches no path (or host) through it. */
export interface RegexProblem {
  route: GatewayRoute;
  pattern: string;
  reason: string;
  span: Span;
}

/** The path and host patterns of routes that RE2 rejects (lookaround, backreferences, bad syntax). */
export function regexProblems(routes: readonly GatewayRoute[]): RegexProblem[] {
  const out: RegexProblem[] = [];
  for (const route of routes) {
    const patterns: Array<[string, boolean, Span]> = [];
    if (route.path.kind === 'regex') patterns.push([route.path.value, !!route.path.caseInsensitive, route.path.span ?? route.span]);
    for (const h of route.hosts) if (h.startsWith('~')) patterns.push([h.slice(1), true, route.span]);
    for (const [pattern, caseInsensitive, span] of patterns) {
      const re = repoRegex(pattern, { caseInsensitive });
      if (!re.ok) out.push({ route, pattern, reason: re.reason, span });
    }
  }
  return out;
}

/** Kubernetes `pathType: Prefix`: matches by whole path elements (`/v1` matches `/v1/x`, not `/v1x`). */
export function elementPrefix(prefix: string, path: string): boolean {
  const p = trimTrailing(prefix, '/');
  if (p === '') return true;
  return path === p || path.startsWith(`${p}/`);
}

/** True when a request host matches a route host (`*.example.com`, nginx `.example.com`, `~regex`). */
export function hostMatches(pattern: string, host: string): boolean {
  const h = host.toLowerCase().replace(/:\d+$/, '');
  const p = pattern.toLowerCase();
  if (p === '*' || p === '') return true;
  if (p.startsWith('~')) return repoRegexMatches(pattern.slice(1), h, { caseInsensitive: true });
  if (p.startsWith('*.')) return h.endsWith(p.slice(1));
  if (p.startsWith('.')) return h === p.slice(1) || h.endsWith(p);
  if (p.endsWith('.*')) return h.startsWith(p.slice(0, -1));
  return h === p;
}

/**
 * The Kubernetes Service (or compose service) a host name designates: `vllm` → vllm;
 * `vllm.inference`, `vllm.inference.svc`, `vllm.inference.svc.cluster.local` → vllm in
 * namespace inference. Other names (`api.example.com`) stand for themselves.
 */
export function serviceName(host: string): { name: string; namespace?: string } {
  const h = host.toLowerCase().replace(/\.$/, '');
  const svc = /^([a-z0-9-]+)\.([a-z0-9-]+)\.svc(\.cluster\.local)?$/.exec(h);
  if (svc) return { name: svc[1] as string, namespace: svc[2] as string };
  const short = /^([a-z0-9-]+)\.([a-z0-9-]+)$/.exec(h);
  if (short) return { name: short[1] as string, namespace: short[2] as string };
  return { name: h };
}

/** `http://host:8000/path` → its parts; undefined when it is not an absolute URL. */
export function parseUrl(raw: string): { scheme: string; host: string; port?: number; path: string } | undefined {
  const m = /^([a-z][a-z0-9+.-]*):\/\/(\[[^\]]+\]|[^/:?#]*)(?::(\d+))?([^?#]*)/i.exec(raw.trim());
  if (!m) return undefined;
  const port = m[3] ? Number(m[3]) : undefined;
  return { scheme: (m[1] as string).toLowerCase(), host: (m[2] as string).replace(/^\[|\]$/g, ''), port, path: m[4] ?? '' };
}

/** `host:port` → its parts (`unix:` sockets have no host). */
export function parseHostPort(raw: string): UpstreamTarget | undefined {
  const s = raw.trim();
  if (!s || s.startsWith('unix:')) return undefined;
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(s);
  if (!m) return undefined;
  return { host: (m[1] as string).replace(/^\[|\]$/g, ''), ...(m[2] ? { port: Number(m[2]) } : {}) };
}
