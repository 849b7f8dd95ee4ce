import type { FileModel } from '../../model/file-model.js';
import { isMap, isScalar, isSeq, type Scalar, type YamlFile, type YNode } from '../../parse/yaml.js';
import type { Span } from '../../types.js';
import { workloads } from '../workloads.js';
import type { K8sObject } from '../k8s-objects.js';
import { parseUrl, type GatewayControl, type GatewayRoute, type PathMatch, type Upstream } from './types.js';
import { cutAtAny, unwrapPlaceholders } from '../../util/text.js';

/** A Traefik middleware, from a CRD, compose labels or a dynamic configuration file. */
export interface TraefikMiddleware {
  name: string;
  provider: 'kubernetescrd' | 'docker' | 'file';
  namespace?: string;
  controls: GatewayControl[];
  /** `chain` middlewares, as referenced. */
  chain: Array<{ name: string; namespace?: string }>;
  stripPrefixes: string[];
}

/** A Traefik router: its rule, middlewares and service. */
export interface TraefikRouter {
  name: string;
  provider: TraefikMiddleware['provider'];
  namespace?: string;
  rule: string;
  file: string;
  span: Span;
  middlewares: Array<{ name: string; namespace?: string }>;
  /** Upstream hosts (compose service, Kubernetes Service, URL). */
  upstream?: Upstream;
}

/** Flat `a.b.c` → value view of a YAML subtree, with the node of each leaf. */
interface Leaf {
  value: string;
  node: YNode;
}

function controlsFromFlat(get: (key: string) => Leaf | undefined, has: (prefix: string) => Leaf | undefined, file: string, fallback: Span, y?: YamlFile): GatewayControl[] {
  const out: GatewayControl[] = [];
  const span = (l: Leaf | undefined): Span => (l && y ? y.span(l.node) : fallback);
  const rl = has('ratelimit');
  if (rl) {
    const avg = get('ratelimit.average')?.value;
    if (avg === undefined || Number(avg) > 0) {
      const period = get('ratelimit.period')?.value;
      out.push({
        kind: 'rate-limit',
        gateway: 'traefik',
        mechanism: 'rateLimit',
        detail: `average=${avg ?? '?'}${period ? ` per ${period}` : '/s'}${get('ratelimit.burst') ? ` burst=${get('ratelimit.burst')?.value}` : ''}`,
        file,
        span: span(rl),
      });
    }
  }
  const inflight = has('inflightreq');
  if (inflight) out.push({ kind: 'rate-limit', gateway: 'traefik', mechanism: 'inFlightReq', detail: `amount=${get('inflightreq.amount')?.value ?? '?'}`, file, span: span(inflight) });
  const basic = has('basicauth');
  if (basic) out.push({ kind: 'auth', gateway: 'traefik', mechanism: 'basicAuth', detail: get('basicauth.secret') ? `secret ${get('basicauth.secret')?.value}` : 'users', file, span: span(basic) });
  const digest = has('digestauth');
  if (digest) out.push({ kind: 'auth', gateway: 'traefik', mechanism: 'digestAuth', detail: 'users', file, span: span(digest) });
  const fwd = has('forwardauth');
  if (fwd) out.push({ kind: 'auth', gateway: 'traefik', mechanism: 'forwardAuth', detail: get('forwardauth.address')?.value ?? 'external authentication', file, span: span(fwd) });
  return out;
}

/** Flattens a YAML map to lower-case dotted keys (Traefik options are case-insensitive). */
function flatten(y: YamlFile, node: YNode | null, prefix = '', out = new Map<string, Leaf>(), depth = 0): Map<string, Leaf> {
  if (!node || depth > 12) return out;
  if (isMap(node)) {
    for (const e of y.entries(node)) {
      const k = `${prefix}${e.key.toLowerCase()}`;
      if (e.value && isScalar(e.value)) out.set(k, { value: y.str(e.value) ?? '', node: e.value });
      else if (e.value) {
        out.set(k, { value: '', node: e.value });
        flatten(y, e.value, `${k}.`, out, depth + 1);
      } else out.set(k, { value: '', node: e.keyNode });
    }
  } else if (isSeq(node)) {
    y.items(node).forEach((item, i) => {
      const k = `${prefix}${i}`;
      if (isScalar(item)) out.set(k, { value: y.str(item) ?? '', node: item });
      else flatten(y, item, `${k}.`, out, depth + 1);
    });
  }
  return out;
}

function middlewareFromFlat(name: string, provider: TraefikMiddleware['provider'], flat: Map<string, Leaf>, file: string, at: Span, y?: YamlFile, namespace?: string): TraefikMiddleware {
  const get = (k: string): Leaf | undefined => flat.get(k);
  const has = (p: string): Leaf | undefined => flat.get(p) ?? [...flat.entries()].find(([k]) => k.startsWith(`${p}.`))?.[1];
  const chain: TraefikMiddleware['chain'] = [];
  for (const [k, v] of flat) {
    if (k === 'chain.middlewares')
      chain.push(
        ...v.value
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
          .map((n) => ({ name: n })),
      );
    else if (/^chain\.middlewares\.\d+$/.test(k) && v.value) chain.push({ name: v.value });
    else if (/^chain\.middlewares\.\d+\.name$/.test(k) && v.value) chain.push({ name: v.value, namespace: flat.get(k.replace(/name$/, 'namespace'))?.value || namespace });
  }
  const stripPrefixes: string[] = [];
  for (const [k, v] of flat) {
    if (k === 'stripprefix.prefixes')
      stripPrefixes.push(
        ...v.value
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      );
    else if (/^stripprefix\.prefixes\.\d+$/.test(k) && v.value) stripPrefixes.push(v.value);
  }
  return { name, provider, namespace, controls: controlsFromFlat(get, has, file, at, y), chain, stripPrefixes };
}

/** Traefik `Middleware` custom resources. */
export function traefikCrdMiddlewares(objects: K8sObject[]): TraefikMiddleware[] {
  return objects
    .filter((o) => o.kind === 'Middleware' && /^traefik\.(io|containo\.us)\//.test(o.apiVersion))
    .map((o) => {
      const spec = o.y.get(o.node, 'spec');
      return middlewareFromFlat(o.name, 'kubernetescrd', flatten(o.y, spec), o.file.path, o.y.span(spec ?? o.node), o.y, o.namespace);
    });
}

/** Parses the parts of a Traefik rule modelguard needs: hosts, paths and methods. */
export function parseTraefikRule(rule: string): { hosts: string[]; paths: PathMatch[]; methods?: string[] } {
  const args = (fn: string): string[] => {
    const out: string[] = [];
    // Quoted arguments may hold parentheses (`PathRegexp(\`^/v1/(chat|embed)\`)`).
    const re = new RegExp(`\\b${fn}\\s*\\(((?:\`[^\`]*\`|"[^"]*"|'[^']*'|[^)\`"'])*)\\)`, 'g');
    for (const m of rule.matchAll(re)) for (const a of (m[1] as string).matchAll(/[`"']([^`"']*)[`"']/g)) out.push(a[1] as string);
    return out;
  };
  const hosts = args('Host');
  for (const h of args('HostRegexp')) hosts.push(`~${unwrapPlaceholders(h)}`);
  const paths: PathMatch[] = [
    ...args('PathPrefix').map((v): PathMatch => ({ kind: 'prefix', value: v })),
    ...args('Path').map((v): PathMatch => ({ kind: 'exact', value: v })),
    ...args('PathRegexp').map((v): PathMatch => ({ kind: 'regex', value: v })),
  ];
  const methods = args('Method').map((m) => m.toUpperCase());
  return { hosts, paths: paths.length > 0 ? paths : [{ kind: 'prefix', value: '/' }], ...(methods.length > 0 ? { methods } : {}) };
}

/** Traefik `IngressRoute` custom resources: one router per route. */
export function traefikIngressRoutes(objects: K8sObject[]): TraefikRouter[] {
  const out: TraefikRouter[] = [];
  for (const o of objects) {
    if (o.kind !== 'IngressRoute' || !/^traefik\.(io|containo\.us)\//.test(o.apiVersion)) continue;
    const { y } = o;
    y.items(y.getIn(o.node, ['spec', 'routes'])).forEach((route, i) => {
      const matchNode = y.get(route, 'match');
      const services = y.items(y.get(route, 'services')).filter((s) => (y.str(y.get(s, 'kind')) ?? 'Service') === 'Service');
      const upstream: Upstream | undefined =
        services.length > 0
          ? {
              raw: services.map((s) => y.str(y.get(s, 'name'))).join(', '),
              targets: services.flatMap((s) => {
                const name = y.str(y.get(s, 'name'));
                if (!name) return [];
                const port = y.str(y.get(s, 'port'));
                const ns = y.str(y.get(s, 'namespace')) ?? o.namespace;
                return [{ host: name, ...(port && /^\d+$/.test(port) ? { port: Number(port) } : port ? { portName: port } : {}), ...(ns ? { namespace: ns } : {}) }];
              }),
            }
          : undefined;
      out.push({
        name: `${o.name}#${i}`,
        provider: 'kubernetescrd',
        namespace: o.namespace,
        rule: y.str(matchNode) ?? '',
        file: o.file.path,
        span: y.span(matchNode ?? route),
        middlewares: y.items(y.get(route, 'middlewares')).flatMap((m) => {
          const name = y.str(y.get(m, 'name'));
          return name ? [{ name, namespace: y.str(y.get(m, 'namespace')) ?? o.namespace }] : [];
        }),
        upstream,
      });
    });
  }
  return out;
}

interface LabelEntry {
  key: string;
  value: string;
  span: Span;
}

/** Compose `labels:` as a map or a `- key=value` list. */
function composeLabels(y: YamlFile, node: YNode | null): LabelEntry[] {
  const out: LabelEntry[] = [];
  if (isMap(node)) {
    for (const e of y.entries(node)) out.push({ key: e.key, value: y.str(e.value) ?? '', span: { start: y.span(e.keyNode).start, end: e.value ? y.span(e.value).end : y.span(e.keyNode).end } });
  } else if (isSeq(node)) {
    for (const item of y.items(node)) {
      if (!isScalar(item) || typeof item.value !== 'string') continue;
      const eq = item.value.indexOf('=');
      const map = y.valueMap(item as Scalar);
      out.push({ key: eq === -1 ? item.value : item.value.slice(0, eq), value: eq === -1 ? '' : item.value.slice(eq + 1), span: { start: map.toSource(0), end: map.toSource(item.value.length) } });
    }
  }
  return out;
}

/** Traefik routers and middlewares declared with compose `labels:` (the Docker provider). */
export function traefikDockerConfig(file: FileModel): { routers: TraefikRouter[]; middlewares: TraefikMiddleware[] } {
  return file.memo('gateway:traefik-docker', () => {
    const routers: TraefikRouter[] = [];
    const middlewares: TraefikMiddleware[] = [];
    const y = file.yaml();
    if (!y || file.kind !== 'compose') return { routers, middlewares };
    for (const w of workloads(file)) {
      const labels = composeLabels(y, y.get(w.node, 'labels')).filter((l) => l.key.toLowerCase().startsWith('traefik.'));
      if (labels.length === 0) continue;
      const enabled = labels.find((l) => l.key.toLowerCase() === 'traefik.enable');
      if (enabled && enabled.value.toLowerCase() === 'false') continue;
      const byKind = (kind: string): Map<string, Map<string, Leaf & { span: Span }>> => {
        const m = new Map<string, Map<string, Leaf & { span: Span }>>();
        for (const l of labels) {
          const parts = l.key.split('.');
          if (parts[1]?.toLowerCase() !== 'http' || parts[2]?.toLowerCase() !== kind || !parts[3]) continue;
          const name = parts[3];
          const rest = parts.slice(4).join('.').toLowerCase();
          if (!m.has(name)) m.set(name, new Map());
          (m.get(name) as Map<string, Leaf & { span: Span }>).set(rest, { value: l.value, node: w.node, span: l.span });
        }
        return m;
      };
      const services = byKind('services');
      const serverPort = (svc: string | undefined): number | undefined => {
        const s = svc ? services.get(svc) : services.values().next().value;
        const p = s?.get('loadbalancer.server.port')?.value;
        return p && /^\d+$/.test(p) ? Number(p) : undefined;
      };
      for (const [name, flat] of byKind('middlewares')) {
        const first = [...flat.values()][0] as Leaf & { span: Span };
        const mw = middlewareFromFlat(name, 'docker', flat, file.path, first.span);
        // Label spans: point each control at its label.
        for (const c of mw.controls) {
          const key = [...flat.keys()].find((k) => k.startsWith(c.mechanism.toLowerCase()));
          if (key) c.span = (flat.get(key) as { span: Span }).span;
        }
        middlewares.push(mw);
      }
      const routerDefs = byKind('routers');
      for (const [name, flat] of routerDefs) {
        const rule = flat.get('rule');
        const svc = flat.get('service')?.value;
        // A router without `service` goes to the container's own service (when it defines one or none).
        const port = serverPort(svc === undefined ? undefined : cutAtAny(svc, '@'));
        routers.push({
          name,
          provider: 'docker',
          rule: rule?.value ?? '',
          file: file.path,
          span: (rule ?? ([...flat.values()][0] as { span: Span })).span,
          middlewares: (flat.get('middlewares')?.value ?? '')
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
            .map((n) => ({ name: n })),
          upstream: { raw: `service "${w.name}"`, targets: [{ host: w.name, ...(port ? { port } : {}) }] },
        });
      }
    }
    return { routers, middlewares };
  });
}

/** Traefik's file provider: a dynamic configuration with `http: {routers, middlewares, services}`. */
export function traefikFileConfig(file: FileModel): { routers: TraefikRouter[]; middlewares: TraefikMiddleware[] } {
  return file.memo('gateway:traefik-file', () => {
    const routers: TraefikRouter[] = [];
    const middlewares: TraefikMiddleware[] = [];
    const y = file.yaml();
    if (!y || (file.kind !== 'yaml-config' && file.kind !== 'json-config')) return { routers, middlewares };
    for (const doc of y.documents) {
      const http = y.get(y.root(doc), 'http');
      if (!http || !isMap(http)) continue;
      for (const e of y.entries(y.get(http, 'middlewares'))) {
        middlewares.push(middlewareFromFlat(e.key, 'file', flatten(y, e.value), file.path, y.span(e.keyNode), y));
      }
      const services = new Map(y.entries(y.get(http, 'services')).map((e) => [e.key, e.value]));
      for (const e of y.entries(y.get(http, 'routers'))) {
        const ruleNode = y.get(e.value, 'rule');
        const service = y.str(y.get(e.value, 'service'));
        const svcName = service === undefined ? undefined : cutAtAny(service, '@');
        const svc = svcName ? services.get(svcName) : undefined;
        const urls = y.items(y.getIn(svc, ['loadBalancer', 'servers'])).flatMap((s) => {
          const u = parseUrl(y.str(y.get(s, 'url')) ?? '');
          return u ? [{ host: u.host, port: u.port ?? (u.scheme === 'https' ? 443 : 80) }] : [];
        });
        const mws = y.get(e.value, 'middlewares');
        routers.push({
          name: e.key,
          provider: 'file',
          rule: y.str(ruleNode) ?? '',
          file: file.path,
          span: y.span(ruleNode ?? e.keyNode),
          middlewares: isSeq(mws) ? y.items(mws).flatMap((m) => (y.str(m) ? [{ name: y.str(m) as string }] : [])) : [],
          upstream: svcName ? { raw: svcName, targets: urls } : undefined,
        });
      }
    }
    return { routers, middlewares };
  });
}

/** Resolves a router's middlewares (following chains) into controls and path prefixes it strips. */
export function resolveTraefikMiddlewares(
  refs: Array<{ name: string; namespace?: string }>,
  from: TraefikMiddleware['provider'],
  all: TraefikMiddleware[],
  depth = 0,
): { controls: GatewayControl[]; stripPrefixes: string[] } {
  const controls: GatewayControl[] = [];
  const stripPrefixes: string[] = [];
  if (depth > 8) return { controls, stripPrefixes };
  for (const ref of refs) {
    const at = ref.name.indexOf('@');
    const provider = (at === -1 ? from : ref.name.slice(at + 1)) as TraefikMiddleware['provider'];
    let name = at === -1 ? ref.name : ref.name.slice(0, at);
    let namespace = ref.namespace;
    // Ingress annotations name CRD middlewares `namespace-name@kubernetescrd`.
    const candidates = all.filter((m) => m.provider === provider || (provider === ('kubernetes' as never) && m.provider === 'kubernetescrd'));
    let mw = candidates.find((m) => m.name === name && (namespace === undefined || m.namespace === undefined || m.namespace === namespace));
    if (!mw && provider === 'kubernetescrd') {
      mw = candidates.find((m) => m.namespace && `${m.namespace}-${m.name}` === name);
      if (mw) {
        name = mw.name;
        namespace = mw.namespace;
      }
    }
    if (!mw) continue;
    controls.push(...mw.controls);
    stripPrefixes.push(...mw.stripPrefixes);
    const sub = resolveTraefikMiddlewares(
      mw.chain.map((c) => ({ name: c.name, namespace: c.namespace ?? mw.namespace })),
      mw.provider,
      all,
      depth + 1,
    );
    controls.push(...sub.controls);
    stripPrefixes.push(...sub.stripPrefixes);
  }
  return { controls, stripPrefixes };
}

/** Routes of Traefik routers, with their middlewares' controls. */
export function traefikRoutes(routers: TraefikRouter[], middlewares: TraefikMiddleware[]): GatewayRoute[] {
  const out: GatewayRoute[] = [];
  let order = 0;
  for (const r of routers) {
    const { hosts, paths, methods } = parseTraefikRule(r.rule);
    const { controls, stripPrefixes } = resolveTraefikMiddlewares(r.middlewares, r.provider, middlewares);
    for (const path of paths) {
      const strip = stripPrefixes.find((p) => path.kind !== 'regex' && path.value.startsWith(p));
      const upstream = r.upstream ? { ...r.upstream, ...(strip ? { rewrite: { from: strip, to: '' } } : {}) } : undefined;
      out.push({
        gateway: 'traefik',
        file: r.file,
        span: r.span,
        label: `Traefik router "${r.name}"`,
        hosts,
        path,
        ...(methods ? { methods } : {}),
        upstream,
        controls,
        group: 'traefik',
        // Traefik's default priority is the length of the rule.
        priority: r.rule.length,
        order: order++,
      });
    }
  }
  return out;
}
