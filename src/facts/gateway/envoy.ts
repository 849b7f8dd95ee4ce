import type { FileModel } from '../../model/file-model.js';
import { isMap, type YamlFile, type YNode } from '../../parse/yaml.js';
import type { GatewayControl, GatewayRoute, PathMatch, UpstreamTarget } from './types.js';

type FilterKind = 'local_ratelimit' | 'ratelimit' | 'ext_authz' | 'jwt_authn' | 'basic_auth' | 'oauth2';

const FILTERS: Array<[FilterKind, RegExp]> = [
  ['local_ratelimit', /local_ratelimit|LocalRateLimit$/],
  ['ratelimit', /filters\.http\.ratelimit|ratelimit\.v3\.RateLimit$|^envoy\.rate_limit$/],
  ['ext_authz', /ext_authz|ExtAuthz$/],
  ['jwt_authn', /jwt_authn|JwtAuthentication$/],
  ['basic_auth', /basic_auth|BasicAuth$/],
  ['oauth2', /filters\.http\.oauth2|OAuth2$/],
];

function filterKind(y: YamlFile, filter: YNode): FilterKind | undefined {
  const name = y.str(y.get(filter, 'name')) ?? '';
  const type = y.str(y.getIn(filter, ['typed_config', '@type'])) ?? '';
  for (const [kind, re] of FILTERS) if (re.test(name) || re.test(type)) return kind;
  return undefined;
}

interface HttpFilter {
  kind: FilterKind;
  name: string;
  node: YNode;
  config: YNode | null;
}

/** A runtime fraction (`filter_enabled`/`filter_enforced`) that is above zero. */
function fractionOn(y: YamlFile, node: YNode | null): boolean {
  if (!node) return false;
  const num = Number(y.str(y.getIn(node, ['default_value', 'numerator'])) ?? '0');
  return num > 0;
}

/**
 * Whether a filter acts on a route, given the filter's HCM-level config and the route's or
 * virtual host's per-filter config (which overrides it).
 */
function effective(y: YamlFile, f: HttpFilter, perFilter: YNode | null): { on: boolean; detail: string } {
  // Any filter can be switched off per route with FilterConfig {disabled: true}; ext_authz, jwt_authn
  // and basic_auth have their own per-route `disabled`.
  if (perFilter && (y.isTrue(y.get(perFilter, 'disabled')) || y.isTrue(y.getIn(perFilter, ['config', 'disabled'])))) return { on: false, detail: '' };
  switch (f.kind) {
    case 'local_ratelimit': {
      // The local rate limit enforces only with a token bucket and filter_enabled/filter_enforced
      // above 0% (both default to 0% of requests).
      const cfg = perFilter ?? f.config;
      const bucket = y.get(cfg, 'token_bucket');
      const on = !!bucket && fractionOn(y, y.get(cfg, 'filter_enabled')) && fractionOn(y, y.get(cfg, 'filter_enforced'));
      return { on, detail: bucket ? `max_tokens=${y.str(y.get(bucket, 'max_tokens')) ?? '?'} per ${y.str(y.get(bucket, 'fill_interval')) ?? '?'}` : '' };
    }
    case 'ratelimit':
      return { on: true, detail: `domain ${y.str(y.get(f.config, 'domain')) ?? '?'}` };
    case 'ext_authz': {
      const svc = y.str(y.getIn(f.config, ['http_service', 'server_uri', 'uri'])) ?? y.str(y.getIn(f.config, ['grpc_service', 'envoy_grpc', 'cluster_name'])) ?? 'external authorization';
      return { on: true, detail: svc };
    }
    case 'jwt_authn': {
      if (perFilter && !y.get(perFilter, 'requirement_name')) return { on: true, detail: 'JWT' };
      const providers = y.entries(y.get(f.config, 'providers')).map((e) => e.key);
      const rules = y.items(y.get(f.config, 'rules'));
      return { on: providers.length > 0 && (rules.length > 0 || !!perFilter), detail: `providers ${providers.join(', ')}` };
    }
    default:
      return { on: true, detail: f.name };
  }
}

function pathOf(y: YamlFile, match: YNode | null): PathMatch | undefined {
  const prefix = y.str(y.get(match, 'prefix')) ?? y.str(y.get(match, 'path_separated_prefix'));
  const ci = y.get(match, 'case_sensitive') ? !y.isTrue(y.get(match, 'case_sensitive')) : false;
  if (prefix !== undefined) return { kind: 'prefix', value: prefix, ...(ci ? { caseInsensitive: true } : {}) };
  const path = y.str(y.get(match, 'path'));
  if (path !== undefined) return { kind: 'exact', value: path, ...(ci ? { caseInsensitive: true } : {}) };
  const regex = y.str(y.getIn(match, ['safe_regex', 'regex'])) ?? y.str(y.get(match, 'regex'));
  if (regex !== undefined) return { kind: 'regex', value: `^(?:${regex})$` };
  return undefined;
}

function clusters(y: YamlFile, root: YNode | null): Map<string, UpstreamTarget[]> {
  const out = new Map<string, UpstreamTarget[]>();
  for (const c of y.items(y.getIn(root, ['static_resources', 'clusters']))) {
    const name = y.str(y.get(c, 'name'));
    if (!name) continue;
    const targets: UpstreamTarget[] = [];
    for (const ep of y.items(y.getIn(c, ['load_assignment', 'endpoints']))) {
      for (const lb of y.items(y.get(ep, 'lb_endpoints'))) {
        const sa = y.getIn(lb, ['endpoint', 'address', 'socket_address']);
        const host = y.str(y.get(sa, 'address'));
        const port = y.str(y.get(sa, 'port_value'));
        if (host) targets.push({ host, ...(port ? { port: Number(port) } : {}) });
      }
    }
    for (const h of y.items(y.get(c, 'hosts'))) {
      const sa = y.get(h, 'socket_address');
      const host = y.str(y.get(sa, 'address'));
      if (host) targets.push({ host, ...(y.str(y.get(sa, 'port_value')) ? { port: Number(y.str(y.get(sa, 'port_value'))) } : {}) });
    }
    out.set(name, targets);
  }
  return out;
}

/**
 * Routes of an Envoy bootstrap configuration: every route of every virtual host of every HTTP
 * connection manager, with the HTTP filters that act on it (`local_ratelimit` when it enforces,
 * `ratelimit`, `ext_authz`, `jwt_authn`, `basic_auth`, `oauth2`) after per-route overrides.
 */
export function envoyRoutes(file: FileModel): GatewayRoute[] {
  return file.memo('gateway:envoy', () => {
    const out: GatewayRoute[] = [];
    const y = file.yaml();
    if (!y || !/http_connection_manager|HttpConnectionManager/.test(file.text)) return out;
    for (const doc of y.documents) {
      const root = y.root(doc);
      if (!isMap(root)) continue;
      const cl = clusters(y, root);
      let order = 0;
      for (const listener of y.items(y.getIn(root, ['static_resources', 'listeners']))) {
        for (const chain of y.items(y.get(listener, 'filter_chains'))) {
          for (const nf of y.items(y.get(chain, 'filters'))) {
            const hcm = y.get(nf, 'typed_config') ?? y.get(nf, 'config');
            if (!/http_connection_manager/.test(y.str(y.get(nf, 'name')) ?? '') && !/HttpConnectionManager$/.test(y.str(y.get(hcm, '@type')) ?? '')) continue;
            const filters: HttpFilter[] = y.items(y.get(hcm, 'http_filters')).flatMap((f) => {
              const kind = filterKind(y, f);
              return kind ? [{ kind, name: y.str(y.get(f, 'name')) ?? kind, node: f, config: y.get(f, 'typed_config') ?? y.get(f, 'config') }] : [];
            });
            const group = `envoy:${file.path}:${y.span(nf).start}`;
            for (const vh of y.items(y.getIn(hcm, ['route_config', 'virtual_hosts']))) {
              const domains = y.items(y.get(vh, 'domains')).flatMap((d) => (y.str(d) && y.str(d) !== '*' ? [y.str(d) as string] : []));
              const vhName = y.str(y.get(vh, 'name')) ?? domains[0] ?? '*';
              const vhPer = y.get(vh, 'typed_per_filter_config');
              for (const route of y.items(y.get(vh, 'routes'))) {
                const match = y.get(route, 'match');
                const path = pathOf(y, match);
                if (!path) continue;
                const routePer = y.get(route, 'typed_per_filter_config');
                const action = y.get(route, 'route');
                const controls: GatewayControl[] = [];
                for (const f of filters) {
                  const per = y.get(routePer, f.name) ?? y.get(vhPer, f.name);
                  const { on, detail } = effective(y, f, per);
                  if (!on) continue;
                  // The global rate limit filter acts only where rate_limits actions are configured.
                  if (f.kind === 'ratelimit' && y.items(y.get(action, 'rate_limits')).length === 0 && y.items(y.get(vh, 'rate_limits')).length === 0) continue;
                  const isRate = f.kind === 'local_ratelimit' || f.kind === 'ratelimit';
                  controls.push({ kind: isRate ? 'rate-limit' : 'auth', gateway: 'envoy', mechanism: f.name, detail, file: file.path, span: y.span(y.get(f.node, 'name') ?? f.node) });
                }
                const clusterName = y.str(y.get(action, 'cluster'));
                const prefixRewrite = y.str(y.get(action, 'prefix_rewrite'));
                out.push({
                  gateway: 'envoy',
                  file: file.path,
                  span: y.span(match ?? route),
                  label: `Envoy virtual host "${vhName}" route ${path.value}`,
                  hosts: domains,
                  path,
                  upstream: clusterName
                    ? {
                        raw: `cluster ${clusterName}`,
                        targets: cl.get(clusterName) ?? [],
                        ...(prefixRewrite !== undefined && path.kind === 'prefix'
                          ? { rewrite: { from: path.value, to: prefixRewrite } }
                          : y.get(action, 'regex_rewrite')
                            ? { rewrite: 'opaque' as const }
                            : {}),
                      }
                    : undefined,
                  controls,
                  group: `${group}:${vhName}`,
                  priority: 0,
                  order: order++,
                });
              }
            }
          }
        }
      }
    }
    return out;
  });
}
