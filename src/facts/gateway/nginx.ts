import picomatch from 'picomatch';
import type { FileModel } from '../../model/file-model.js';
import { isScalar, type Scalar } from '../../parse/yaml.js';
import { parseNginx, walkNginx, type NginxDirective, type NginxParseResult } from './nginx-parser.js';
import { parseHostPort, parseUrl, type GatewayControl, type GatewayRoute, type PathMatch, type Upstream, type UpstreamTarget } from './types.js';

/** A parsed nginx configuration: a whole file, or one embedded in a Kubernetes ConfigMap. */
export interface NginxSource {
  /** Path of the file it is written in. */
  file: string;
  /** For matching `include` patterns: the path nginx would see (the file path, or the ConfigMap key). */
  name: string;
  parsed: NginxParseResult;
}

/** The parsed configuration of an nginx file, computed once. */
export function nginxConfig(file: FileModel): NginxParseResult {
  return file.memo('gateway:nginx', () => parseNginx(file.text, file.path));
}

/** nginx configurations embedded in a Kubernetes ConfigMap (`data: {nginx.conf: |, default.conf: |}`). */
export function embeddedNginx(file: FileModel): NginxSource[] {
  return file.memo('gateway:nginx-embedded', () => {
    const y = file.yaml();
    const out: NginxSource[] = [];
    if (!y || file.kind !== 'k8s') return out;
    for (const doc of y.documents) {
      const root = y.root(doc);
      if (y.str(y.get(root, 'kind')) !== 'ConfigMap') continue;
      for (const e of y.entries(y.get(root, 'data'))) {
        if (!/\.conf(\.template)?$|^nginx/.test(e.key) || !e.value || !isScalar(e.value) || typeof e.value.value !== 'string') continue;
        const text = e.value.value;
        if (!/\b(server|location|http)\s*\{/.test(text)) continue;
        out.push({ file: file.path, name: e.key, parsed: parseNginx(text, file.path, y.valueMap(e.value as Scalar)) });
      }
    }
    return out;
  });
}

const PASS = new Set(['proxy_pass', 'grpc_pass', 'uwsgi_pass', 'fastcgi_pass', 'scgi_pass']);
/** Directives inherited from the enclosing level only when the level has none of its own. */
const INHERITED = ['limit_req', 'limit_conn', 'auth_request', 'auth_basic', 'auth_jwt', 'access_by_lua_block', 'access_by_lua_file', 'access_by_lua'] as const;

interface Globals {
  zones: Map<string, string>;
  connZones: Set<string>;
  upstreams: Map<string, UpstreamTarget[]>;
}

function arg(d: NginxDirective, i: number): string | undefined {
  return d.args[i]?.value;
}

/** The rate-limit or auth control a directive sets, if it sets one (`auth_basic off` sets none). */
function control(d: NginxDirective, g: Globals): GatewayControl | undefined {
  const at = { gateway: 'nginx' as const, file: d.file, span: d.span };
  const first = arg(d, 0);
  switch (d.name) {
    case 'limit_req': {
      const zone = d.args
        .map((a) => a.value)
        .find((v) => v.startsWith('zone='))
        ?.slice(5);
      if (!zone) return undefined;
      const rate = g.zones.get(zone);
      const burst = d.args.map((a) => a.value).find((v) => v.startsWith('burst='));
      return { kind: 'rate-limit', mechanism: 'limit_req', detail: `zone=${zone}${rate ? ` (${rate})` : ''}${burst ? ` ${burst}` : ''}`, ...at };
    }
    case 'limit_conn':
      if (!first || d.args.length < 2) return undefined;
      return { kind: 'rate-limit', mechanism: 'limit_conn', detail: `zone=${first}, ${arg(d, 1)} connections`, ...at };
    case 'auth_request':
      if (!first || first === 'off') return undefined;
      return { kind: 'auth', mechanism: 'auth_request', detail: first, ...at };
    case 'auth_basic':
      if (!first || first === 'off') return undefined;
      return { kind: 'auth', mechanism: 'auth_basic', detail: `realm "${first}"`, ...at };
    case 'auth_jwt':
      if (!first || first === 'off') return undefined;
      return { kind: 'auth', mechanism: 'auth_jwt', detail: `realm "${first}"`, ...at };
    case 'access_by_lua_block':
    case 'access_by_lua':
    case 'access_by_lua_file': {
      const code = d.name === 'access_by_lua_block' ? (d.lua ?? '') : (first ?? '');
      if (/resty\.limit\.(req|conn|count|traffic)|limit[-_]?req|ratelimit|rate_limit/i.test(code)) {
        return { kind: 'rate-limit', mechanism: d.name, detail: 'OpenResty limiter (lua-resty-limit-traffic)', ...at };
      }
      if (/openidc|resty\.jwt|jwt|oauth|HTTP_UNAUTHORIZED|HTTP_FORBIDDEN|ngx\.exit\(\s*40[13]\s*\)|auth/i.test(code)) {
        return { kind: 'auth', mechanism: d.name, detail: 'OpenResty access check', ...at };
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

function upstreamOf(d: NginxDirective, path: PathMatch, g: Globals): Upstream | undefined {
  const raw = arg(d, 0);
  if (!raw) return undefined;
  if (d.name !== 'proxy_pass' && d.name !== 'grpc_pass') {
    const t = parseHostPort(raw);
    const named = g.upstreams.get(raw);
    return { raw, targets: named ?? (t ? [t] : []) };
  }
  const withScheme = /^[a-z]+:\/\//i.test(raw) ? raw : `grpc://${raw}`;
  const url = parseUrl(withScheme);
  if (!url) return { raw, targets: [] };
  if (url.host.includes('$')) return { raw, targets: [], rewrite: 'opaque' };
  const named = g.upstreams.get(url.host);
  const defaultPort = url.scheme === 'https' || url.scheme === 'grpcs' ? 443 : 80;
  const targets: UpstreamTarget[] = named ?? [{ host: url.host, port: url.port ?? defaultPort }];
  const up: Upstream = { raw, targets };
  // `proxy_pass http://backend/v1/;` in `location /llm/` sends /llm/x as /v1/x.
  if (url.path !== '' && !url.path.includes('$')) {
    up.rewrite = path.kind === 'regex' ? 'opaque' : { from: path.value, to: url.path };
  } else if (url.path.includes('$')) {
    up.rewrite = 'opaque';
  }
  return up;
}

function locationPath(d: NginxDirective): PathMatch | undefined {
  const [a, b] = d.args;
  if (!a) return undefined;
  if (b) {
    switch (a.value) {
      case '=':
        return { kind: 'exact', value: b.value };
      case '~':
        return { kind: 'regex', value: b.value, span: b.span };
      case '~*':
        return { kind: 'regex', value: b.value, caseInsensitive: true, span: b.span };
      case '^~':
        return { kind: 'prefix', value: b.value };
      default:
        return undefined;
    }
  }
  if (a.value.startsWith('@')) return undefined;
  // `location =/x`, `location ~*\.php$` written without a space.
  const m = /^(=|~\*|~|\^~)(.+)$/.exec(a.value);
  if (m)
    return locationPath({
      ...d,
      args: [
        { ...a, value: m[1] as string },
        { ...a, value: m[2] as string },
      ],
    });
  return { kind: 'prefix', value: a.value };
}

/** Files named by an `include` (relative paths resolve against the including file's directory, then by suffix). */
function includeTargets(pattern: string, from: string, sources: NginxSource[]): NginxSource[] {
  const dir = from.split('/').slice(0, -1).join('/');
  const rel = pattern.startsWith('/') ? undefined : (dir ? `${dir}/${pattern}` : pattern).replace(/\/\.\//g, '/');
  const exact = rel ? picomatch(rel) : undefined;
  // nginx includes are usually absolute container paths (/etc/nginx/conf.d/*.conf): match the
  // last two path elements against the repository.
  const tail = pattern.split('/').filter(Boolean).slice(-2).join('/');
  const byTail = picomatch(`**/${tail}`, { dot: true });
  const byBase = picomatch(pattern.split('/').pop() ?? pattern, { dot: true });
  return sources.filter((s) => exact?.(s.name) || byTail(s.name) || (!pattern.includes('/') && byBase(s.name.split('/').pop() ?? '')));
}

/**
 * Routes of every nginx configuration in the repository: each `location` that passes requests
 * on (`proxy_pass`, `grpc_pass`, `uwsgi_pass`, ...) with its server names, path and the
 * rate limits and authentication that apply to it after nginx's inheritance rules
 * (`limit_req`, `limit_conn`, `auth_request`, `auth_basic`, `auth_jwt`, OpenResty
 * `access_by_lua*`). `include`s are followed between files of the repository.
 */
export function nginxRoutes(sources: NginxSource[]): GatewayRoute[] {
  // Zones and upstreams are global to an nginx instance; collect them everywhere.
  const g: Globals = { zones: new Map(), connZones: new Set(), upstreams: new Map() };
  for (const s of sources) {
    for (const { d } of walkNginx(s.parsed.directives)) {
      if (d.name === 'limit_req_zone') {
        const zone = d.args.map((a) => a.value).find((v) => v.startsWith('zone='));
        const rate = d.args.map((a) => a.value).find((v) => v.startsWith('rate='));
        if (zone) g.zones.set(zone.slice(5).split(':')[0] as string, rate ? rate.slice(5) : '');
      } else if (d.name === 'limit_conn_zone') {
        const zone = d.args.map((a) => a.value).find((v) => v.startsWith('zone='));
        if (zone) g.connZones.add(zone.slice(5).split(':')[0] as string);
      } else if (d.name === 'upstream' && d.block && arg(d, 0)) {
        const targets = d.block
          .filter((c) => c.name === 'server' && arg(c, 0))
          .flatMap((c) => {
            const t = parseHostPort(arg(c, 0) as string);
            return t ? [{ ...t, port: t.port ?? 80 }] : [];
          });
        g.upstreams.set(arg(d, 0) as string, targets);
      }
    }
  }

  // Files that another file includes are read through their includer (which gives them its
  // http-level settings); the rest are roots.
  const included = new Set<NginxSource>();
  for (const s of sources) {
    for (const { d } of walkNginx(s.parsed.directives)) {
      if (d.name === 'include' && arg(d, 0)) for (const t of includeTargets(arg(d, 0) as string, s.name, sources)) if (t !== s) included.add(t);
    }
  }
  const roots = sources.filter((s) => !included.has(s));

  const expand = (list: NginxDirective[], from: NginxSource, seen: Set<NginxSource>): NginxDirective[] =>
    list.flatMap((d) => {
      if (d.name === 'include' && arg(d, 0)) {
        const targets = includeTargets(arg(d, 0) as string, from.name, sources).filter((t) => !seen.has(t));
        return targets.flatMap((t) => expand(t.parsed.directives, t, new Set([...seen, t])));
      }
      return d.block ? [{ ...d, block: expand(d.block, from, seen) }] : [d];
    });

  const routes: GatewayRoute[] = [];
  let order = 0;
  type Effective = Map<string, NginxDirective[]>;
  const inherit = (parent: Effective, block: NginxDirective[]): Effective => {
    const out: Effective = new Map(parent);
    for (const name of INHERITED) {
      const own = block.filter((c) => c.name === name);
      if (own.length > 0) out.set(name, own);
    }
    // An access phase written in Lua replaces the inherited one whichever form it takes.
    const lua = block.filter((c) => c.name.startsWith('access_by_lua'));
    if (lua.length > 0)
      for (const n of ['access_by_lua_block', 'access_by_lua_file', 'access_by_lua'])
        out.set(
          n,
          lua.filter((c) => c.name === n),
        );
    return out;
  };
  const controlsOf = (eff: Effective): GatewayControl[] =>
    [...eff.values()].flat().flatMap((d) => {
      const c = control(d, g);
      return c ? [c] : [];
    });

  const visitLocations = (list: NginxDirective[], eff: Effective, server: { hosts: string[]; group: string; label: string }): void => {
    for (const d of list) {
      if (d.name !== 'location' || !d.block) continue;
      const path = locationPath(d);
      const here = inherit(eff, d.block);
      // `internal` locations serve only subrequests and redirects, never clients.
      if (path && !d.block.some((c) => c.name === 'internal')) {
        const pass =
          d.block.find((c) => PASS.has(c.name)) ??
          d.block
            .filter((c) => c.name === 'if' && c.block)
            .flatMap((c) => c.block ?? [])
            .find((c) => PASS.has(c.name));
        const upstream = pass ? upstreamOf(pass, path, g) : undefined;
        if (upstream && d.block.some((c) => c.name === 'rewrite')) upstream.rewrite = 'opaque';
        routes.push({
          gateway: 'nginx',
          file: d.file,
          span: { start: d.nameSpan.start, end: (d.args[d.args.length - 1]?.span ?? d.nameSpan).end },
          label: `${server.label} location ${d.args.map((a) => a.value).join(' ')}`,
          hosts: server.hosts,
          path,
          upstream,
          controls: controlsOf(here),
          group: server.group,
          priority: path.kind === 'exact' ? 1_000_000 : path.kind === 'prefix' ? path.value.length : 0,
          order: order++,
          ...(d.args[0]?.value === '^~' || d.args[0]?.value.startsWith('^~') ? { final: true } : {}),
        });
      }
      visitLocations(d.block, here, server);
    }
  };

  const visitServers = (list: NginxDirective[], eff: Effective, root: NginxSource): void => {
    for (const d of list) {
      if (!d.block) continue;
      if (d.name === 'http') visitServers(d.block, inherit(eff, d.block), root);
      else if (d.name === 'server') {
        const hosts = d.block
          .filter((c) => c.name === 'server_name')
          .flatMap((c) => c.args.map((a) => a.value))
          .filter((h) => h !== '_' && h !== '' && h !== 'localhost');
        const label = hosts.length > 0 ? `server ${hosts[0]}` : `server (${root.name})`;
        visitLocations(d.block, inherit(eff, d.block), { hosts, group: `nginx:${d.file}:${d.span.start}`, label });
      }
    }
  };

  for (const root of roots) {
    const list = expand(root.parsed.directives, root, new Set([root]));
    const top = inherit(new Map(), list);
    visitServers(list, top, root);
    // A conf.d fragment holds `server` blocks at its top; a snippet may hold bare `location`s.
    if (!list.some((d) => d.name === 'http' || d.name === 'server')) {
      visitLocations(list, top, { hosts: [], group: `nginx:${root.file}:${root.name}`, label: `(${root.name})` });
    }
  }
  return routes;
}
