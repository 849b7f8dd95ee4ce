import type { YNode } from '../../parse/yaml.js';
import type { Span } from '../../types.js';
import type { K8sObject } from '../k8s-objects.js';
import { sameNamespace } from '../k8s-objects.js';
import { kongAnnotationControls, type KongPluginResource } from './kong.js';
import { resolveTraefikMiddlewares, type TraefikMiddleware } from './traefik.js';
import type { GatewayControl, GatewayKind, GatewayRoute, PathMatch, Upstream } from './types.js';

const NGINX = 'nginx.ingress.kubernetes.io/';

/** The controller an Ingress is meant for, from its class and annotations. */
export function ingressController(o: K8sObject): GatewayKind {
  const cls = (o.y.str(o.y.getIn(o.node, ['spec', 'ingressClassName'])) ?? o.annotations.get('kubernetes.io/ingress.class')?.value ?? '').toLowerCase();
  const keys = [...o.annotations.keys()];
  if (cls.includes('traefik') || keys.some((k) => k.startsWith('traefik.ingress.kubernetes.io/'))) return 'traefik';
  if (cls.includes('kong') || keys.some((k) => k.startsWith('konghq.com/'))) return 'kong';
  if (cls.includes('nginx') || keys.some((k) => k.startsWith(NGINX))) return 'ingress-nginx';
  return 'ingress';
}

function annotationSpan(o: K8sObject, key: string): Span {
  const a = o.annotations.get(key);
  if (!a) return o.y.span(o.node);
  const k = o.y.span(a.keyNode);
  return { start: k.start, end: a.valueNode ? o.y.span(a.valueNode).end : k.end };
}

const positive = (v: string | undefined): boolean => v !== undefined && /^\s*\d+\s*$/.test(v) && Number(v) > 0;

/**
 * Rate limits and authentication that ingress-nginx annotations put on every path of an
 * Ingress: `limit-rps`, `limit-rpm`, `limit-connections`, `global-rate-limit`, `auth-url`,
 * `auth-type` with `auth-secret`, and client certificates (`auth-tls-verify-client: on`).
 */
export function ingressNginxControls(o: K8sObject): GatewayControl[] {
  const out: GatewayControl[] = [];
  const get = (k: string): string | undefined => o.annotations.get(NGINX + k)?.value;
  const add = (kind: GatewayControl['kind'], key: string, detail: string): void => {
    out.push({ kind, gateway: 'ingress-nginx', mechanism: NGINX + key, detail, file: o.file.path, span: annotationSpan(o, NGINX + key) });
  };
  if (positive(get('limit-rps'))) add('rate-limit', 'limit-rps', `${get('limit-rps')} requests/s per client IP`);
  if (positive(get('limit-rpm'))) add('rate-limit', 'limit-rpm', `${get('limit-rpm')} requests/min per client IP`);
  if (positive(get('limit-connections'))) add('rate-limit', 'limit-connections', `${get('limit-connections')} connections per client IP`);
  if (positive(get('global-rate-limit'))) add('rate-limit', 'global-rate-limit', `${get('global-rate-limit')} requests per ${get('global-rate-limit-window') ?? 'window'}`);
  if (get('auth-url')?.trim()) add('auth', 'auth-url', get('auth-url') as string);
  const type = get('auth-type')?.trim().toLowerCase();
  if ((type === 'basic' || type === 'digest') && get('auth-secret')?.trim()) add('auth', 'auth-type', `${type} (secret ${get('auth-secret')})`);
  if (get('auth-tls-verify-client')?.trim().toLowerCase() === 'on' && get('auth-tls-secret')?.trim()) add('auth', 'auth-tls-verify-client', `client certificates from ${get('auth-tls-secret')}`);
  return out;
}

/** The Services an Ingress routes to, with hosts and paths. */
export interface IngressBackend {
  ingress: K8sObject;
  host?: string;
  path: PathMatch;
  service: string;
  port?: number;
  portName?: string;
  /** The backend node (`service:` / `serviceName:`), for positions. */
  node: YNode;
}

export function ingressBackends(o: K8sObject): IngressBackend[] {
  if (o.kind !== 'Ingress') return [];
  const { y } = o;
  const out: IngressBackend[] = [];
  const regex = o.annotations.get(`${NGINX}use-regex`)?.value === 'true';
  const backend = (b: YNode | null, host: string | undefined, path: PathMatch): void => {
    if (!b) return;
    const svc = y.get(b, 'service');
    const name = y.str(y.get(svc, 'name')) ?? y.str(y.get(b, 'serviceName'));
    if (!name) return;
    const num = y.str(y.getIn(svc, ['port', 'number'])) ?? y.str(y.get(b, 'servicePort'));
    const pname = y.str(y.getIn(svc, ['port', 'name']));
    out.push({
      ingress: o,
      host,
      path,
      service: name,
      ...(num && /^\d+$/.test(num) ? { port: Number(num) } : num ? { portName: num } : {}),
      ...(pname ? { portName: pname } : {}),
      node: svc ?? b,
    });
  };
  const spec = y.get(o.node, 'spec');
  backend(y.get(spec, 'defaultBackend') ?? y.get(spec, 'backend'), undefined, { kind: 'prefix', value: '/' });
  for (const rule of y.items(y.get(spec, 'rules'))) {
    const host = y.str(y.get(rule, 'host'));
    for (const p of y.items(y.getIn(rule, ['http', 'paths']))) {
      const value = y.str(y.get(p, 'path')) ?? '/';
      const type = y.str(y.get(p, 'pathType')) ?? 'ImplementationSpecific';
      const path: PathMatch =
        type === 'Exact'
          ? { kind: 'exact', value }
          : regex && type === 'ImplementationSpecific'
            ? { kind: 'regex', value: `^${value}`, caseInsensitive: true }
            : { kind: 'prefix', value, ...(type === 'Prefix' ? { elementwise: true } : {}) };
      backend(y.get(p, 'backend'), host, path);
    }
  }
  return out;
}

/**
 * Routes of Kubernetes Ingresses, with the controls of their controller: ingress-nginx
 * annotations, Traefik middlewares named by `traefik.ingress.kubernetes.io/router.middlewares`,
 * Kong plugins named by `konghq.com/plugins` on the Ingress or the backend Service, and global
 * KongClusterPlugins.
 */
export function ingressRoutes(objects: K8sObject[], traefik: TraefikMiddleware[], kong: KongPluginResource[]): GatewayRoute[] {
  const out: GatewayRoute[] = [];
  let order = 0;
  const services = objects.filter((o) => o.kind === 'Service');
  for (const o of objects) {
    if (o.kind !== 'Ingress') continue;
    const controller = ingressController(o);
    const base: GatewayControl[] = [];
    if (controller === 'ingress-nginx') base.push(...ingressNginxControls(o));
    if (controller === 'traefik') {
      const mw = o.annotations.get('traefik.ingress.kubernetes.io/router.middlewares')?.value ?? '';
      base.push(
        ...resolveTraefikMiddlewares(
          mw
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
            .map((name) => ({ name, namespace: o.namespace })),
          'kubernetescrd',
          traefik,
        ).controls,
      );
    }
    if (controller === 'kong') {
      base.push(...kongAnnotationControls(o.annotations.get('konghq.com/plugins')?.value ?? '', o.namespace, kong));
      base.push(...kong.filter((p) => p.global && p.control).map((p) => p.control as GatewayControl));
    }
    const rewrite = o.annotations.has(`${NGINX}rewrite-target`) || o.annotations.has('traefik.ingress.kubernetes.io/rewrite-target');
    for (const b of ingressBackends(o)) {
      const controls = [...base];
      if (controller === 'kong') {
        const svc = services.find((s) => s.name === b.service && sameNamespace(s.namespace, o.namespace));
        if (svc) controls.push(...kongAnnotationControls(svc.annotations.get('konghq.com/plugins')?.value ?? '', svc.namespace ?? o.namespace, kong));
      }
      const upstream: Upstream = {
        raw: `${b.service}${b.port ? `:${b.port}` : b.portName ? `:${b.portName}` : ''}`,
        targets: [{ host: b.service, ...(b.port ? { port: b.port } : {}), ...(b.portName ? { portName: b.portName } : {}), ...(o.namespace ? { namespace: o.namespace } : {}) }],
        ...(rewrite ? { rewrite: 'opaque' as const } : {}),
      };
      out.push({
        gateway: controller,
        file: o.file.path,
        span: o.y.span(b.node),
        label: `Ingress ${o.namespace ? `${o.namespace}/` : ''}${o.name}${b.host ? ` host ${b.host}` : ''} path ${b.path.value}`,
        hosts: b.host ? [b.host] : [],
        path: b.path,
        upstream,
        controls,
        // ingress-nginx merges the Ingresses of one host into one server.
        group: `${controller}:${b.host ?? '*'}`,
        priority: b.path.kind === 'exact' ? 1_000_000 : b.path.kind === 'prefix' ? b.path.value.length : 0,
        order: order++,
      });
    }
  }
  return out;
}

/**
 * Gateway API `HTTPRoute`/`GRPCRoute` and OpenShift `Route` objects: routes to Services (and to
 * inference-extension `InferencePool`s). Authentication on these comes from
 * implementation-specific policies modelguard does not read, so they carry no controls.
 */
export function gatewayApiRoutes(objects: K8sObject[]): GatewayRoute[] {
  const out: GatewayRoute[] = [];
  let order = 0;
  for (const o of objects) {
    const { y } = o;
    if ((o.kind === 'HTTPRoute' || o.kind === 'GRPCRoute') && o.apiVersion.startsWith('gateway.networking.k8s.io/')) {
      const hosts = y.items(y.getIn(o.node, ['spec', 'hostnames'])).flatMap((h) => (y.str(h) ? [y.str(h) as string] : []));
      y.items(y.getIn(o.node, ['spec', 'rules'])).forEach((rule, i) => {
        const targets = y.items(y.get(rule, 'backendRefs')).flatMap((b) => {
          const name = y.str(y.get(b, 'name'));
          const port = y.str(y.get(b, 'port'));
          const ns = y.str(y.get(b, 'namespace')) ?? o.namespace;
          return name ? [{ host: name, ...(port && /^\d+$/.test(port) ? { port: Number(port) } : {}), ...(ns ? { namespace: ns } : {}) }] : [];
        });
        const matches = y.items(y.get(rule, 'matches'));
        const paths: Array<{ path: PathMatch; methods?: string[] }> =
          matches.length > 0
            ? matches.map((m) => {
                const type = y.str(y.getIn(m, ['path', 'type'])) ?? 'PathPrefix';
                const value = y.str(y.getIn(m, ['path', 'value'])) ?? '/';
                const method = y.str(y.get(m, 'method'));
                const path: PathMatch = type === 'Exact' ? { kind: 'exact', value } : type === 'RegularExpression' ? { kind: 'regex', value } : { kind: 'prefix', value, elementwise: true };
                return { path, ...(method ? { methods: [method.toUpperCase()] } : {}) };
              })
            : [{ path: { kind: 'prefix', value: '/' } }];
        for (const p of paths) {
          out.push({
            gateway: 'ingress',
            file: o.file.path,
            span: y.span(y.get(rule, 'backendRefs') ?? rule),
            label: `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name} rule ${i + 1}`,
            hosts,
            path: p.path,
            ...(p.methods ? { methods: p.methods } : {}),
            upstream: { raw: targets.map((t) => t.host).join(', '), targets, ...(y.get(rule, 'filters') ? { rewrite: 'opaque' as const } : {}) },
            controls: [],
            group: `gateway-api:${hosts[0] ?? '*'}`,
            priority: p.path.kind === 'exact' ? 1_000_000 : p.path.kind === 'prefix' ? p.path.value.length : 0,
            order: order++,
          });
        }
      });
    }
    if (o.kind === 'Route' && o.apiVersion.startsWith('route.openshift.io/')) {
      const to = y.getIn(o.node, ['spec', 'to']);
      const name = y.str(y.get(to, 'name'));
      if (!name) continue;
      const host = y.str(y.getIn(o.node, ['spec', 'host']));
      const tp = y.str(y.getIn(o.node, ['spec', 'port', 'targetPort']));
      out.push({
        gateway: 'ingress',
        file: o.file.path,
        span: y.span(to ?? o.node),
        label: `Route ${o.namespace ? `${o.namespace}/` : ''}${o.name}`,
        hosts: host ? [host] : [],
        path: { kind: 'prefix', value: y.str(y.getIn(o.node, ['spec', 'path'])) ?? '/' },
        upstream: { raw: name, targets: [{ host: name, ...(tp && /^\d+$/.test(tp) ? { port: Number(tp) } : tp ? { portName: tp } : {}), ...(o.namespace ? { namespace: o.namespace } : {}) }] },
        controls: [],
        group: `openshift:${host ?? '*'}`,
        priority: 0,
        order: order++,
      });
    }
  }
  return out;
}
