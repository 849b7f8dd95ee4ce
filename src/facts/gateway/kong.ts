import type { FileModel } from '../../model/file-model.js';
import { isMap, type YamlFile, type YNode } from '../../parse/yaml.js';
import type { Span } from '../../types.js';
import type { K8sObject } from '../k8s-objects.js';
import { parseUrl, type GatewayControl, type GatewayRoute, type PathMatch, type UpstreamTarget } from './types.js';

const RATE_LIMIT_PLUGINS = new Set(['rate-limiting', 'rate-limiting-advanced', 'response-ratelimiting', 'graphql-rate-limiting-advanced', 'ai-rate-limiting-advanced', 'service-protection']);
const AUTH_PLUGINS = new Set([
  'key-auth',
  'key-auth-enc',
  'jwt',
  'jwt-signer',
  'openid-connect',
  'basic-auth',
  'oauth2',
  'oauth2-introspection',
  'hmac-auth',
  'ldap-auth',
  'ldap-auth-advanced',
  'mtls-auth',
  'saml',
  'vault-auth',
]);

/** The control a Kong plugin provides, if it is a rate limiter or an authentication plugin. */
export function kongPluginControl(plugin: string, config: string, file: string, span: Span): GatewayControl | undefined {
  if (RATE_LIMIT_PLUGINS.has(plugin)) return { kind: 'rate-limit', gateway: 'kong', mechanism: plugin, detail: config, file, span };
  if (AUTH_PLUGINS.has(plugin)) return { kind: 'auth', gateway: 'kong', mechanism: plugin, detail: config, file, span };
  return undefined;
}

function configSummary(y: YamlFile, config: YNode | null): string {
  const parts: string[] = [];
  for (const e of y.entries(config)) {
    const v = y.str(e.value);
    if (v !== undefined && ['second', 'minute', 'hour', 'day', 'limit', 'window_size', 'policy', 'key_names', 'issuer'].includes(e.key)) parts.push(`${e.key}=${v}`);
    else if (['limit', 'window_size', 'key_names'].includes(e.key))
      parts.push(
        `${e.key}=${y
          .items(e.value)
          .map((i) => y.str(i))
          .join(',')}`,
      );
  }
  return parts.join(' ');
}

/** A KongPlugin or KongClusterPlugin resource. */
export interface KongPluginResource {
  name: string;
  namespace?: string;
  cluster: boolean;
  /** KongClusterPlugin labelled `global: "true"`: applies to every request through Kong. */
  global: boolean;
  control?: GatewayControl;
}

/** KongPlugin / KongClusterPlugin custom resources. */
export function kongPluginResources(objects: K8sObject[]): KongPluginResource[] {
  const out: KongPluginResource[] = [];
  for (const o of objects) {
    if ((o.kind !== 'KongPlugin' && o.kind !== 'KongClusterPlugin') || !o.apiVersion.startsWith('configuration.konghq.com/')) continue;
    const { y } = o;
    const pluginNode = y.get(o.node, 'plugin');
    const plugin = y.str(pluginNode);
    if (!plugin || y.isTrue(y.get(o.node, 'disabled'))) continue;
    const control = kongPluginControl(plugin, configSummary(y, y.get(o.node, 'config')), o.file.path, y.span(pluginNode ?? o.node));
    out.push({ name: o.name, namespace: o.namespace, cluster: o.kind === 'KongClusterPlugin', global: o.kind === 'KongClusterPlugin' && o.labels.get('global') === 'true', control });
  }
  return out;
}

/** Controls of the plugins named by a `konghq.com/plugins` annotation. */
export function kongAnnotationControls(value: string, namespace: string | undefined, plugins: KongPluginResource[]): GatewayControl[] {
  const out: GatewayControl[] = [];
  for (const name of value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const p = plugins.find((x) => x.name === name && (x.cluster || x.namespace === undefined || namespace === undefined || x.namespace === namespace));
    if (p?.control) out.push(p.control);
  }
  return out;
}

function strList(y: YamlFile, node: YNode | null): string[] {
  return y.items(node).flatMap((i) => (y.str(i) !== undefined ? [y.str(i) as string] : []));
}

/**
 * Routes of a Kong declarative configuration (`kong.yml` with `_format_version`): services
 * with their routes, and plugins on the service, the route or globally.
 */
export function kongDeclarativeRoutes(file: FileModel): GatewayRoute[] {
  return file.memo('gateway:kong', () => {
    const out: GatewayRoute[] = [];
    const y = file.yaml();
    if (!y || !/_format_version/.test(file.text)) return out;
    for (const doc of y.documents) {
      const root = y.root(doc);
      if (!isMap(root) || !y.get(root, '_format_version')) continue;
      const pluginControlsOne = (p: YNode): GatewayControl[] => {
        if (y.get(p, 'enabled') && !y.isTrue(y.get(p, 'enabled'))) return [];
        const nameNode = y.get(p, 'name');
        const c = kongPluginControl(y.str(nameNode) ?? '', configSummary(y, y.get(p, 'config')), file.path, y.span(nameNode ?? p));
        return c ? [c] : [];
      };
      const pluginControls = (list: YNode | null): GatewayControl[] => y.items(list).flatMap(pluginControlsOne);
      // Top-level plugins: global, or attached to a service / route by name.
      const topPlugins = y.items(y.get(root, 'plugins'));
      const attached = (key: 'service' | 'route', name: string | undefined): GatewayControl[] =>
        name === undefined
          ? []
          : topPlugins.flatMap((p) => {
              const ref = y.get(p, key);
              const refName = isMap(ref) ? (y.str(y.get(ref, 'name')) ?? y.str(y.get(ref, 'id'))) : y.str(ref);
              return refName === name ? pluginControlsOne(p) : [];
            });
      const global = topPlugins.filter((p) => !y.get(p, 'service') && !y.get(p, 'route') && !y.get(p, 'consumer')).flatMap(pluginControlsOne);
      const upstreams = new Map<string, UpstreamTarget[]>();
      for (const u of y.items(y.get(root, 'upstreams'))) {
        const name = y.str(y.get(u, 'name'));
        if (!name) continue;
        upstreams.set(
          name,
          y.items(y.get(u, 'targets')).flatMap((t) => {
            const m = /^([^:]+)(?::(\d+))?$/.exec(y.str(y.get(t, 'target')) ?? '');
            return m ? [{ host: m[1] as string, port: m[2] ? Number(m[2]) : 8000 }] : [];
          }),
        );
      }
      const services = y.items(y.get(root, 'services'));
      const serviceInfo = (svc: YNode) => {
        const url = parseUrl(y.str(y.get(svc, 'url')) ?? '');
        const host = url?.host ?? y.str(y.get(svc, 'host'));
        const port = url?.port ?? (y.str(y.get(svc, 'port')) ? Number(y.str(y.get(svc, 'port'))) : undefined);
        const protocol = url?.scheme ?? y.str(y.get(svc, 'protocol')) ?? 'http';
        const path = url?.path || y.str(y.get(svc, 'path')) || '';
        const targets: UpstreamTarget[] = host ? (upstreams.get(host) ?? [{ host, port: port ?? (protocol === 'https' ? 443 : 80) }]) : [];
        return { name: y.str(y.get(svc, 'name')), targets, path, raw: y.str(y.get(svc, 'url')) ?? host ?? '' };
      };
      let order = 0;
      const addRoute = (route: YNode, svc: YNode | undefined, extra: GatewayControl[]): void => {
        const info = svc ? serviceInfo(svc) : undefined;
        const routeName = y.str(y.get(route, 'name'));
        const controls = [...global, ...extra, ...(info ? attached('service', info.name) : []), ...pluginControls(y.get(route, 'plugins')), ...attached('route', routeName)];
        const paths = strList(y, y.get(route, 'paths'));
        const stripPath = y.get(route, 'strip_path') ? y.isTrue(y.get(route, 'strip_path')) : true;
        const matches: PathMatch[] = paths.length > 0 ? paths.map((p) => (p.startsWith('~') ? { kind: 'regex', value: p.slice(1) } : { kind: 'prefix', value: p })) : [{ kind: 'prefix', value: '/' }];
        for (const path of matches) {
          const methods = strList(y, y.get(route, 'methods')).map((m) => m.toUpperCase());
          out.push({
            gateway: 'kong',
            file: file.path,
            span: y.span(y.get(route, 'paths') ?? y.get(route, 'name') ?? route),
            label: `Kong route "${routeName ?? path.value}"`,
            hosts: strList(y, y.get(route, 'hosts')),
            path,
            ...(methods.length > 0 ? { methods } : {}),
            upstream: info
              ? {
                  raw: info.raw,
                  targets: info.targets,
                  ...(path.kind === 'regex'
                    ? stripPath
                      ? { rewrite: 'opaque' as const }
                      : {}
                    : stripPath
                      ? { rewrite: { from: path.value, to: info.path } }
                      : info.path
                        ? { rewrite: { from: '', to: info.path } }
                        : {}),
                }
              : undefined,
            controls,
            group: 'kong',
            priority: path.kind === 'prefix' ? path.value.length : 0,
            order: order++,
          });
        }
      };
      for (const svc of services) {
        const svcControls = pluginControls(y.get(svc, 'plugins'));
        for (const route of y.items(y.get(svc, 'routes'))) addRoute(route, svc, svcControls);
      }
      for (const route of y.items(y.get(root, 'routes'))) {
        const ref = y.get(route, 'service');
        const refName = isMap(ref) ? y.str(y.get(ref, 'name')) : y.str(ref);
        const svc = services.find((s) => y.str(y.get(s, 'name')) === refName);
        addRoute(route, svc, svc ? pluginControls(y.get(svc, 'plugins')) : []);
      }
    }
    return out;
  });
}
