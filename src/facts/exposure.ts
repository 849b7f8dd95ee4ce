import type { FileModel } from '../model/file-model.js';
import type { ProjectModel } from '../model/project.js';
import { isMap, isScalar, isSeq, type YamlFile, type YNode } from '../parse/yaml.js';
import type { Confidence, Span } from '../types.js';
import { gatewayIndex, type GatewayControl, type GatewayRoute } from './gateway/index.js';
import { substitute } from './images.js';
import { allK8sObjects, podTemplate, sameNamespace, type K8sObject } from './k8s-objects.js';
import { PLATFORMS, type Endpoint } from './endpoints/types.js';
import { commandOption, type AppCommand, type HostSource, type ServeCall } from './endpoints/serving.js';
import { envEntries } from './env.js';
import { classifyHost, type Listen, type ServerLaunch, type ServerSpec } from './model-servers.js';
import { workloads, type Workload } from './workloads.js';

/** A compose `ports:` entry. */
export interface PortMapping {
  raw: string;
  span: Span;
  /** Host address it is published on; undefined: all interfaces. */
  hostIp?: string;
  /** Host port or range as written; undefined: an ephemeral port. */
  hostPort?: string;
  /** Container ports (a range); undefined when they depend on a variable. */
  container?: { from: number; to: number };
  protocol?: string;
  /** Only reachable from this machine (published on 127.0.0.1 / ::1 / localhost). */
  loopback: boolean;
  /** The host address is a variable modelguard cannot resolve. */
  dynamicIp: boolean;
}

function range(s: string | undefined): { from: number; to: number } | undefined {
  if (!s) return undefined;
  const m = /^(\d+)(?:-(\d+))?$/.exec(s.trim());
  if (!m) return undefined;
  return { from: Number(m[1]), to: Number(m[2] ?? m[1]) };
}

/**
 * Parses one short-syntax mapping, `[HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]`, as
 * compose and `docker run -p` write it (`8000`, `8000:8000`, `127.0.0.1:8000:8000`,
 * `[::1]:8000:8000`, `8000-8010:8000-8010/tcp`, `${PORT:-8000}:8000`).
 */
export function parsePortSpec(raw: string, span: Span): PortMapping {
  const { value } = substitute(raw.trim(), () => undefined);
  let s = value;
  let protocol: string | undefined;
  const slash = s.lastIndexOf('/');
  if (slash !== -1) {
    protocol = s.slice(slash + 1);
    s = s.slice(0, slash);
  }
  let hostIp: string | undefined;
  const br = /^\[([^\]]*)\]:(.*)$/.exec(s);
  if (br) {
    hostIp = br[1];
    s = br[2] as string;
  }
  const parts = s.split(':');
  let hostPort: string | undefined;
  let container: string | undefined;
  if (parts.length === 1) container = parts[0];
  else if (parts.length === 2) [hostPort, container] = parts;
  else {
    container = parts.pop();
    hostPort = parts.pop();
    hostIp = parts.join(':');
  }
  const dynamicIp = !!hostIp && hostIp.includes('$');
  const loopback = !!hostIp && !dynamicIp && classifyHost(hostIp) === 'loopback';
  return {
    raw,
    span,
    ...(hostIp !== undefined ? { hostIp } : {}),
    ...(hostPort ? { hostPort } : {}),
    ...(range(container) ? { container: range(container) } : {}),
    ...(protocol ? { protocol } : {}),
    loopback,
    dynamicIp,
  };
}

/** A compose service's `ports:`, short and long syntax. */
export function composePorts(y: YamlFile, service: YNode): PortMapping[] {
  const out: PortMapping[] = [];
  for (const item of y.items(y.get(service, 'ports'))) {
    if (isScalar(item) && item.value !== null) {
      out.push(parsePortSpec(String(item.value), y.span(item)));
    } else if (isMap(item)) {
      const target = y.str(y.get(item, 'target'));
      const published = y.str(y.get(item, 'published'));
      const hostIpRaw = y.str(y.get(item, 'host_ip'));
      const hostIp = hostIpRaw !== undefined ? substitute(hostIpRaw, () => undefined).value : undefined;
      const dynamicIp = !!hostIp && hostIp.includes('$');
      const c = range(target ? substitute(target, () => undefined).value : undefined);
      out.push({
        raw: `${hostIp ? `${hostIp}:` : ''}${published ? `${published}:` : ''}${target ?? '?'}`,
        span: y.span(item),
        ...(hostIp ? { hostIp } : {}),
        ...(published ? { hostPort: substitute(published, () => undefined).value } : {}),
        ...(c ? { container: c } : {}),
        loopback: !!hostIp && !dynamicIp && classifyHost(hostIp) === 'loopback',
        dynamicIp,
      });
    }
  }
  return out;
}

/** One way a server is reachable from outside its machine, container network or cluster. */
export interface Exposure {
  kind: 'published-port' | 'host-network' | 'host-port' | 'service' | 'route' | 'bind' | 'knative';
  /** For messages: `port "8000:8000" is published on all host interfaces`. */
  text: string;
  /** What closes this exposure, for messages. */
  fix: string;
  /** The fix itself puts authentication in front (a route): no need to add a gateway. */
  fixIsAuth?: boolean;
  file: string;
  span: Span;
  confidence: Confidence;
}

export interface ExposureResult {
  exposures: Exposure[];
  /** Authentication found on gateway routes in front of the server (these routes are not exposures). */
  guardedBy: GatewayControl[];
}

function at(file: FileModel, span: Span): string {
  const r = file.range(span);
  return `${file.path}:${r.start.line}`;
}

function routeAt(project: ProjectModel, r: GatewayRoute): string {
  const f = project.file(r.file);
  return f ? at(f, r.span) : r.file;
}

const ROUTE_FIX: Record<string, string> = {
  'ingress-nginx': 'add authentication to the Ingress (`nginx.ingress.kubernetes.io/auth-url` with oauth2-proxy, or `auth-type`/`auth-secret`)',
  ingress: 'put authentication in front of that route (an authenticating gateway policy, or oauth2-proxy as the backend)',
  traefik: 'add a `forwardAuth` or `basicAuth` middleware to the router',
  kong: 'add a `key-auth`, `jwt` or `openid-connect` plugin to the route or service',
  nginx: 'add `auth_request` (or `auth_basic`) to that location',
  envoy: 'add an `ext_authz` or `jwt_authn` filter to that route',
};

/** A server and the address it listens on: a model server launch, or an application started by a command. */
type Bound = Pick<ServerLaunch, 'listen'> & { spec: Pick<ServerSpec, 'hostFlags' | 'hostEnv' | 'defaultPort'> };

function bindText(l: Bound): string {
  const host = l.listen.host ?? '?';
  const where = l.listen.explicit
    ? `\`${l.listen.how}\``
    : `its default (${l.listen.how.replace(/^default /, '')}, no ${l.spec.hostFlags[0] ? `\`${l.spec.hostFlags[0]}\`` : `\`${l.spec.hostEnv?.[0] ?? 'host'}\``})`;
  return host === '' || l.listen.binding === 'all' ? `it listens on all interfaces through ${where}` : `it listens on ${host} through ${where}`;
}

function bindFix(l: Bound): string {
  if (l.spec.hostFlags[0]) return `bind it to 127.0.0.1 (\`${l.spec.hostFlags[0]} 127.0.0.1\`)`;
  return `bind it to 127.0.0.1 (\`${l.spec.hostEnv?.[0] ?? 'HOST'}=127.0.0.1:${l.listen.port ?? l.spec.defaultPort}\`)`;
}

const coversPort = (m: PortMapping, port: number | undefined): boolean => !m.container || port === undefined || (m.container.from <= port && port <= m.container.to);

function composeExposures(project: ProjectModel, file: FileModel, w: Workload, l: Bound, out: Exposure[], guarded: GatewayControl[]): void {
  const y = file.yaml() as YamlFile;
  if (y.str(y.get(w.node, 'network_mode')) === 'host') {
    if (l.listen.binding === 'all' || l.listen.binding === 'interface') {
      out.push({
        kind: 'host-network',
        text: `the service uses \`network_mode: host\` and ${bindText(l)}`,
        fix: bindFix(l),
        file: file.path,
        span: y.span(y.get(w.node, 'network_mode') as YNode),
        confidence: 'high',
      });
    }
    return;
  }
  // Inside a container a server bound to loopback cannot be reached through a published port.
  if (l.listen.binding === 'loopback' || l.listen.binding === 'socket') return;
  const dir = file.path.split('/').slice(0, -1).join('/');
  const siblings = [file, ...project.withKind('compose').filter((f) => f !== file && f.path.split('/').slice(0, -1).join('/') === dir)];
  for (const f of siblings) {
    const fy = f.yaml();
    const svc = f === file ? w : workloads(f).find((o) => o.name === w.name);
    if (!fy || !svc) continue;
    for (const m of composePorts(fy, svc.node)) {
      if (m.loopback || m.dynamicIp || !coversPort(m, l.listen.port)) continue;
      const host = m.hostIp && classifyHost(m.hostIp) !== 'all' ? `on ${m.hostIp}` : 'on all host interfaces';
      const suggestion = `127.0.0.1:${m.hostPort ?? l.listen.port ?? ''}:${m.container ? (m.container.from === m.container.to ? m.container.from : `${m.container.from}-${m.container.to}`) : (l.listen.port ?? '')}`;
      out.push({
        kind: 'published-port',
        text: `port "${m.raw}" is published ${host}${f !== file ? ` (${f.path})` : ''}`,
        fix: `publish it on loopback only (\`"${suggestion}"\`) or not at all (\`expose:\`)`,
        file: f.path,
        span: m.span,
        confidence: 'high',
      });
    }
  }
  gatewayExposures(project, { host: w.name, ...(l.listen.port ? { port: l.listen.port } : {}) }, out, guarded);
}

function gatewayExposures(project: ProjectModel, upstream: { host: string; port?: number; namespace?: string }, out: Exposure[], guarded: GatewayControl[]): void {
  const v = gatewayIndex(project).query({ upstream });
  for (const r of v.routes) {
    const auth = r.controls.filter((c) => c.kind === 'auth');
    if (auth.length > 0) {
      guarded.push(...auth);
      continue;
    }
    // nginx/Envoy files may not be what is deployed; Gateway API auth lives in implementation policies.
    const medium = r.gateway === 'nginx' || r.gateway === 'envoy' || /^(HTTPRoute|GRPCRoute) /.test(r.label);
    out.push({
      kind: 'route',
      text: `${r.label} (${routeAt(project, r)}) routes to it without authentication`,
      fix: ROUTE_FIX[r.gateway] ?? (ROUTE_FIX.ingress as string),
      fixIsAuth: true,
      file: r.file,
      span: r.span,
      confidence: medium ? 'medium' : 'high',
    });
  }
}

function k8sObjectOf(project: ProjectModel, file: FileModel, w: Workload): K8sObject | undefined {
  return allK8sObjects(project).find((o) => o.file === file && o.doc === w.doc && `${o.kind}/${o.name}` === w.owner) ?? allK8sObjects(project).find((o) => o.file === file && o.doc === w.doc);
}

interface ContainerPort {
  containerPort?: number;
  hostPort?: number;
  name?: string;
  node: YNode;
}

function containerPorts(y: YamlFile, container: YNode): ContainerPort[] {
  return y.items(y.get(container, 'ports')).map((p) => {
    const cp = y.str(y.get(p, 'containerPort'));
    const hp = y.str(y.get(p, 'hostPort'));
    const name = y.str(y.get(p, 'name'));
    return { ...(cp && /^\d+$/.test(cp) ? { containerPort: Number(cp) } : {}), ...(hp && /^\d+$/.test(hp) ? { hostPort: Number(hp) } : {}), ...(name ? { name } : {}), node: p };
  });
}

function k8sExposures(project: ProjectModel, file: FileModel, w: Workload, l: Bound, out: Exposure[], guarded: GatewayControl[]): void {
  const o = k8sObjectOf(project, file, w);
  if (!o) return;
  const { y } = o;
  const tpl = podTemplate(o);
  if (!tpl) return;
  if (l.listen.binding === 'socket') return;
  const port = l.listen.port;
  const loopback = l.listen.binding === 'loopback';
  if (y.isTrue(y.get(tpl.spec, 'hostNetwork')) && !loopback) {
    out.push({
      kind: 'host-network',
      text: `the pod uses \`hostNetwork: true\` and ${bindText(l)}`,
      fix: `drop \`hostNetwork\` and ${bindFix(l)}`,
      file: file.path,
      span: y.span(y.get(tpl.spec, 'hostNetwork') as YNode),
      confidence: 'high',
    });
  }
  if (loopback) return;
  const mine = containerPorts(y, w.node);
  for (const p of mine) {
    if (p.hostPort && (port === undefined || p.containerPort === undefined || p.containerPort === port)) {
      out.push({
        kind: 'host-port',
        text: `containerPort ${p.containerPort ?? '?'} is bound to hostPort ${p.hostPort} on every node it runs on`,
        fix: 'drop `hostPort` (use a ClusterIP Service)',
        file: file.path,
        span: y.span(y.get(p.node, 'hostPort') as YNode),
        confidence: 'high',
      });
    }
  }
  // Knative services are public unless marked cluster-local.
  if (o.apiVersion.startsWith('serving.knative.dev/') && o.labels.get('networking.knative.dev/visibility') !== 'cluster-local') {
    out.push({
      kind: 'knative',
      text: `Knative Service "${o.name}" is reachable from outside the cluster (no \`networking.knative.dev/visibility: cluster-local\` label)`,
      fix: 'label it `networking.knative.dev/visibility: cluster-local`',
      file: file.path,
      span: y.span(y.getIn(o.node, ['metadata', 'name']) ?? o.node),
      confidence: 'high',
    });
  }
  const allPorts = y.items(y.get(tpl.spec, 'containers')).flatMap((c) => containerPorts(y, c));
  const targets = (svc: K8sObject, sp: YNode): boolean => {
    const t = svc.y.str(svc.y.get(sp, 'targetPort')) ?? svc.y.str(svc.y.get(sp, 'port'));
    if (!t || port === undefined) return true;
    if (/^\d+$/.test(t)) return Number(t) === port;
    const named = allPorts.find((p) => p.name === t);
    return !named || named.containerPort === undefined || named.containerPort === port;
  };
  // Gateway API inference extension: an InferencePool selects the pods, routes name the pool.
  for (const pool of allK8sObjects(project)) {
    if (pool.kind !== 'InferencePool' || !sameNamespace(pool.namespace, o.namespace)) continue;
    const py = pool.y;
    const sel = py.getIn(pool.node, ['spec', 'selector', 'matchLabels']) ?? py.getIn(pool.node, ['spec', 'selector']);
    const selector = py.entries(sel).map((e) => [e.key, py.str(e.value)] as const);
    if (selector.length === 0 || !selector.every(([k, v]) => tpl.labels.get(k) === v)) continue;
    const tp = py.str(py.getIn(pool.node, ['spec', 'targetPortNumber'])) ?? py.str(py.getIn(pool.node, ['spec', 'targetPorts', 0, 'number']));
    if (tp && port !== undefined && Number(tp) !== port) continue;
    gatewayExposures(project, { host: pool.name, ...(pool.namespace ? { namespace: pool.namespace } : {}) }, out, guarded);
  }
  for (const svc of allK8sObjects(project)) {
    if (svc.kind !== 'Service' || svc.apiVersion !== 'v1' || !sameNamespace(svc.namespace, o.namespace)) continue;
    const sy = svc.y;
    const selector = [...sy.entries(sy.getIn(svc.node, ['spec', 'selector']))].map((e) => [e.key, sy.str(e.value)] as const);
    if (selector.length === 0 || !selector.every(([k, v]) => tpl.labels.get(k) === v)) continue;
    const spec = sy.get(svc.node, 'spec');
    const svcPorts = sy.items(sy.get(spec, 'ports')).filter((sp) => targets(svc, sp));
    if (svcPorts.length === 0) continue;
    const type = sy.str(sy.get(spec, 'type')) ?? 'ClusterIP';
    const typeNode = sy.get(spec, 'type');
    const svcFile = svc.file;
    if (type === 'LoadBalancer' || type === 'NodePort') {
      const internal = [...svc.annotations.entries()].some(([k, a]) => /load-balancer-internal|load-balancer-type$|loadbalancer-internal|lb-internal/i.test(k) && /true|internal/i.test(a.value));
      out.push({
        kind: 'service',
        text: `Service "${svc.name}" of type ${type}${internal ? ' (internal load balancer)' : ''} (${at(svcFile, sy.span(typeNode ?? svc.node))}) exposes it`,
        fix: 'make the Service `type: ClusterIP`',
        file: svcFile.path,
        span: sy.span(typeNode ?? svc.node),
        confidence: internal ? 'medium' : 'high',
      });
    }
    if (sy.items(sy.get(spec, 'externalIPs')).length > 0) {
      out.push({
        kind: 'service',
        text: `Service "${svc.name}" has \`externalIPs\` (${at(svcFile, sy.span(sy.get(spec, 'externalIPs') as YNode))})`,
        fix: 'remove `externalIPs`',
        file: svcFile.path,
        span: sy.span(sy.get(spec, 'externalIPs') as YNode),
        confidence: 'high',
      });
    }
    for (const sp of svcPorts) {
      const p = sy.str(sy.get(sp, 'port'));
      gatewayExposures(project, { host: svc.name, ...(p && /^\d+$/.test(p) ? { port: Number(p) } : {}), ...(svc.namespace ? { namespace: svc.namespace } : {}) }, out, guarded);
    }
  }
}

const INGRESS_AUTH = /^(nginx\.ingress\.kubernetes\.io\/(auth-url|auth-secret|auth-tls-verify-client)|traefik\.ingress\.kubernetes\.io\/router\.middlewares|konghq\.com\/plugins)$/;

/** Helm values next to a serving image: `service.type`, `ingress.enabled` (and its auth annotations), `hostNetwork`. */
function helmExposures(file: FileModel, l: ServerLaunch, out: Exposure[], guarded: GatewayControl[]): void {
  const y = file.yaml() as YamlFile;
  const { component, root } = l.helm as NonNullable<ServerLaunch['helm']>;
  if (l.listen.binding === 'loopback' || l.listen.binding === 'socket') return;
  const pick = (path: string[]): YNode | null => y.getIn(component, path) ?? (component !== root ? y.getIn(root, path) : null);
  const type = pick(['service', 'type']);
  const t = y.str(type);
  if (type && (t === 'LoadBalancer' || t === 'NodePort')) {
    out.push({ kind: 'service', text: `the chart's Service is of type ${t} (\`service.type\`)`, fix: 'set `service.type: ClusterIP`', file: file.path, span: y.span(type), confidence: 'medium' });
  }
  const enabled = pick(['ingress', 'enabled']);
  if (enabled && y.isTrue(enabled)) {
    const annotations = y.entries(pick(['ingress', 'annotations']));
    const auth = annotations.filter((a) => INGRESS_AUTH.test(a.key));
    if (auth.length > 0) {
      for (const a of auth)
        guarded.push({
          kind: 'auth',
          gateway: a.key.startsWith('nginx.') ? 'ingress-nginx' : a.key.startsWith('traefik.') ? 'traefik' : 'kong',
          mechanism: a.key,
          detail: y.str(a.value) ?? '',
          file: file.path,
          span: y.span(a.keyNode),
        });
    } else {
      out.push({
        kind: 'route',
        text: "the chart's Ingress is enabled (`ingress.enabled: true`) with no authentication annotation",
        fix: 'add authentication to the Ingress (`nginx.ingress.kubernetes.io/auth-url` with oauth2-proxy)',
        fixIsAuth: true,
        file: file.path,
        span: y.span(enabled),
        confidence: 'medium',
      });
    }
  }
  const hostNetwork = pick(['hostNetwork']);
  if (hostNetwork && y.isTrue(hostNetwork))
    out.push({
      kind: 'host-network',
      text: `the chart runs it with \`hostNetwork: true\` and ${bindText(l)}`,
      fix: `drop \`hostNetwork\` and ${bindFix(l)}`,
      file: file.path,
      span: y.span(hostNetwork),
      confidence: 'medium',
    });
}

/** Compose services that build an image from this Dockerfile (`build: ./dir`, `build: {context, dockerfile}`). */
export function composeServicesBuilding(project: ProjectModel, dockerfile: FileModel): Array<{ file: FileModel; service: Workload }> {
  const out: Array<{ file: FileModel; service: Workload }> = [];
  for (const f of project.withKind('compose')) {
    const y = f.yaml();
    if (!y) continue;
    const dir = f.path.split('/').slice(0, -1);
    for (const w of workloads(f)) {
      const build = y.get(w.node, 'build');
      if (!build) continue;
      const context = isMap(build) ? (y.str(y.get(build, 'context')) ?? '.') : (y.str(build) ?? '.');
      const df = isMap(build) ? (y.str(y.get(build, 'dockerfile')) ?? 'Dockerfile') : 'Dockerfile';
      const parts = [...dir];
      for (const seg of `${context}/${df}`.split('/')) {
        if (seg === '' || seg === '.') continue;
        if (seg === '..') parts.pop();
        else parts.push(seg);
      }
      if (parts.join('/') === dockerfile.path) out.push({ file: f, service: w });
    }
  }
  return out;
}

/** Dockerfiles that copy a script into the image (and so probably run it there). */
function dockerfilesRunning(project: ProjectModel, script: FileModel): FileModel[] {
  const base = script.path.split('/').pop() as string;
  return project
    .withKind('dockerfile')
    .filter((df) =>
      (df.dockerfile()?.instructions ?? []).some(
        (ins) => ['COPY', 'ADD', 'ENTRYPOINT', 'CMD', 'RUN'].includes(ins.keyword) && ins.argsText.split(/[\s"',[\]]+/).some((a) => a.split('/').pop() === base),
      ),
    );
}

/** A shell script that runs inside a container: an entrypoint by name, or copied in by a Dockerfile. */
function containerScript(project: ProjectModel, script: FileModel): boolean {
  const base = script.path.split('/').pop() as string;
  return /(^|[-_.])entrypoint([-_.]|$)/i.test(base) || dockerfilesRunning(project, script).length > 0;
}

/** Whether a GitHub Actions job runs on a self-hosted runner (reachable, unlike hosted runners). */
function selfHosted(file: FileModel, job: string | undefined): boolean {
  const y = file.yaml();
  if (!y || !job) return false;
  for (const doc of y.documents) {
    const runsOn = y.getIn(y.root(doc), ['jobs', job, 'runs-on']);
    const labels = isSeq(runsOn)
      ? y.items(runsOn).map((i) => y.str(i) ?? '')
      : isMap(runsOn)
        ? [y.str(y.get(runsOn, 'group')) ? 'self-hosted' : '', ...y.items(y.get(runsOn, 'labels')).map((i) => y.str(i) ?? '')]
        : [y.str(runsOn) ?? ''];
    if (labels.some((l) => l === 'self-hosted')) return true;
  }
  return false;
}

/**
 * How a server launch is reachable beyond loopback: published compose ports, `network_mode:
 * host`, Kubernetes Services of type LoadBalancer/NodePort, `externalIPs`, `hostPort`,
 * `hostNetwork`, Knative services, gateway routes without authentication (Ingress, Traefik,
 * nginx, Kong, Envoy), `docker run -p`, and for scripts and images a listen address that is not
 * loopback. Routes that authenticate are returned as `guardedBy`, not as exposures.
 */
export function launchExposures(project: ProjectModel, l: ServerLaunch): ExposureResult {
  const exposures: Exposure[] = [];
  const guardedBy: GatewayControl[] = [];
  const file = l.file;
  if (l.workload?.kind === 'compose-service') composeExposures(project, file, l.workload, l, exposures, guardedBy);
  else if (l.workload && file.kind === 'k8s') k8sExposures(project, file, l.workload, l, exposures, guardedBy);
  else if (l.origin === 'docker-run' && l.docker) {
    const bindsOut = l.listen.binding !== 'loopback' && l.listen.binding !== 'socket';
    if (l.docker.hostNetwork) {
      if (l.listen.binding === 'all' || l.listen.binding === 'interface')
        exposures.push({ kind: 'host-network', text: `\`docker run --network host\` and ${bindText(l)}`, fix: bindFix(l), file: file.path, span: l.span, confidence: 'high' });
    } else if (bindsOut) {
      for (const p of l.docker.publish) {
        const m = parsePortSpec(p.raw, p.span);
        if (m.loopback || m.dynamicIp || !coversPort(m, l.listen.port)) continue;
        exposures.push({
          kind: 'published-port',
          text: `\`docker run -p ${p.raw}\` publishes it ${m.hostIp && classifyHost(m.hostIp) !== 'all' ? `on ${m.hostIp}` : 'on all host interfaces'}`,
          fix: `publish it on loopback only (\`-p 127.0.0.1:${m.hostPort ?? l.listen.port}:${l.listen.port ?? ''}\`)`,
          file: file.path,
          span: p.span,
          confidence: 'high',
        });
      }
      if (l.docker.publishAll)
        exposures.push({
          kind: 'published-port',
          text: '`docker run -P` publishes its ports on all host interfaces',
          fix: `publish it on loopback only (\`-p 127.0.0.1:${l.listen.port}:${l.listen.port}\`)`,
          file: file.path,
          span: l.span,
          confidence: 'high',
        });
    }
  } else if (l.helm) {
    helmExposures(file, l, exposures, guardedBy);
  } else if (file.kind === 'dockerfile') {
    const users = composeServicesBuilding(project, file);
    if (users.length > 0) {
      for (const u of users) composeExposures(project, u.file, u.service, l, exposures, guardedBy);
    } else if (l.listen.binding === 'all' || l.listen.binding === 'interface') {
      exposures.push({
        kind: 'bind',
        text: `${l.origin === 'image' ? 'as built' : `in the image's ${l.where}`}, ${bindText(l)}, so the server is open wherever the container's port is published`,
        fix: 'publish the port only behind an authenticating gateway',
        fixIsAuth: true,
        file: file.path,
        span: l.listen.span ?? l.span,
        confidence: l.listen.explicit ? 'high' : 'medium',
      });
    }
  } else if (file.kind === 'shell' && containerScript(project, file)) {
    // A container's entrypoint script listens wherever its container lets it; the deployment
    // that runs the image (compose, Kubernetes) is judged where it is written.
  } else if (file.kind === 'shell' || (file.kind === 'gha-workflow' && selfHosted(file, l.command?.job))) {
    if (l.listen.binding === 'all' || l.listen.binding === 'interface') {
      const runner = file.kind === 'gha-workflow' ? ' on a self-hosted runner' : '';
      exposures.push({ kind: 'bind', text: `${bindText(l)}${runner}`, fix: bindFix(l), file: file.path, span: l.listen.span ?? l.span, confidence: l.listen.explicit ? 'high' : 'medium' });
    }
  }
  return { exposures, guardedBy };
}

// ------------------------------------------------------------------------------ applications

/** Whether the application serving an endpoint can be reached from outside its machine, container network or cluster. */
export interface EndpointExposure {
  /**
   * `public`: published (compose ports, a Service or route, a server bound to all interfaces on a
   * host); `internal`: bound to loopback, or run only inside a container network or a CI job;
   * `unknown`: modelguard sees no start of it, or one whose address or deployment it cannot tell.
   */
  state: 'public' | 'internal' | 'unknown';
  /** For messages: `compose service "api" publishes port "8000:8000"`, `it listens on localhost (the default of --host)`. */
  why: string;
  file?: string;
  span?: Span;
}

function sourceListen(h: HostSource, args: AppCommand['args'] | undefined, env: (name: string) => string | undefined): Listen {
  const of = (host: string | undefined, how: string, explicit: boolean, span?: Span): Listen => {
    if (host === undefined) return { binding: 'unknown', how, explicit, ...(span ? { span } : {}) };
    const { value, dynamic } = substitute(host, env);
    if (dynamic) return { binding: 'unknown', how, explicit, ...(span ? { span } : {}) };
    return { binding: classifyHost(value), host: value, how, explicit, ...(span ? { span } : {}) };
  };
  switch (h.kind) {
    case 'literal':
      return of(h.value, `host ${h.value}`, true, h.span);
    case 'default':
      return of(h.value, `the server's default (${h.value})`, false);
    case 'unknown':
      return { binding: 'unknown', how: `\`${h.text}\``, explicit: true, span: h.span };
    case 'env': {
      const v = env(h.name);
      return v !== undefined ? of(v, `${h.name}=${v}`, true) : of(h.default, `the default of ${h.name}${h.default !== undefined ? ` (${h.default})` : ''}`, h.default !== undefined, h.span);
    }
    case 'flag': {
      const given = args ? commandOption(args, h.flags) : undefined;
      if (given) return of(given.value, `\`${h.flags[0]} ${given.value}\``, true, given.span);
      return of(h.default, `the default of \`${h.flags[0] ?? '--host'}\`${h.default !== undefined ? ` (${h.default})` : ''}`, h.default !== undefined, h.span);
    }
  }
}

function commandEnv(c: AppCommand): (name: string) => string | undefined {
  const entries = envEntries(c.file).filter((e) => !c.command.workload || e.workload === c.command.workload);
  return (name) => entries.find((e) => e.name === name)?.value;
}

function commandListen(c: AppCommand, serve: ServeCall | undefined): Listen {
  const env = commandEnv(c);
  if (c.host) {
    const h: HostSource = c.host.value !== undefined ? { kind: 'literal', value: c.host.value, span: c.host.span ?? c.span } : { kind: 'default', value: c.host.default };
    return { ...sourceListen(h, undefined, env), ...(c.port ? { port: c.port } : {}) };
  }
  if (serve)
    return {
      ...sourceListen(serve.host, c.args, env),
      ...(serve.port ? { port: serve.port } : {}),
      ...(commandOption(c.args, ['--port']) && /^\d+$/.test(commandOption(c.args, ['--port'])?.value ?? '') ? { port: Number(commandOption(c.args, ['--port'])?.value) } : {}),
    };
  return { binding: 'unknown', how: 'unknown', explicit: false };
}

function at0(project: ProjectModel, file: string, span: Span | undefined): string {
  const f = project.file(file);
  return f && span ? at(f, span) : file;
}

function bound(listen: Listen): Bound {
  return { listen, spec: { hostFlags: ['--host'], defaultPort: listen.port ?? 8000 } };
}

const CONTAINER_PUBLISHES = (e: Exposure): EndpointExposure => ({ state: 'public', why: e.text, file: e.file, span: e.span });

/** Where a command that starts the application runs, and whether that publishes it. */
function commandExposure(project: ProjectModel, c: AppCommand, listen: Listen): EndpointExposure {
  const where = `${c.command.where} (${at(c.file, c.span)})`;
  const b = bound(listen);
  const inContainer = (file: FileModel, w: Workload): EndpointExposure => {
    const out: Exposure[] = [];
    composeExposures(project, file, w, b, out, []);
    const first = out[0];
    if (first) return CONTAINER_PUBLISHES(first);
    return { state: 'internal', why: `${where} runs it in compose service "${w.name}", which publishes no port to it`, file: c.file.path, span: c.span };
  };
  if (listen.binding === 'socket') return { state: 'internal', why: `${where} serves it on a Unix socket` };
  const w = c.command.workload;
  if (c.file.kind === 'compose' && w) return inContainer(c.file, w);
  if (c.file.kind === 'k8s' && w) {
    const out: Exposure[] = [];
    k8sExposures(project, c.file, w, b, out, []);
    const first = out[0];
    if (first) return CONTAINER_PUBLISHES(first);
    return { state: 'unknown', why: `${where} runs it in the cluster; no Service, Ingress or route in the repository exposes it` };
  }
  if (c.file.kind === 'dockerfile') {
    const users = composeServicesBuilding(project, c.file);
    const states = users.map((u) => inContainer(u.file, u.service));
    return states.find((x) => x.state === 'public') ?? states[0] ?? { state: 'unknown', why: `${where} starts it in an image; modelguard sees no deployment of that image` };
  }
  if (c.file.kind === 'gha-workflow' || c.file.kind === 'gitlab-ci') return { state: 'internal', why: `${where} starts it in a CI job` };
  if (c.file.kind === 'shell' && containerScript(project, c.file)) return { state: 'unknown', why: `${where} starts it inside a container` };
  // A script or Makefile run on a host.
  if (listen.binding === 'all' || listen.binding === 'interface')
    return { state: 'public', why: `${where} starts it listening on ${listen.host ?? '?'} (${listen.how})`, file: c.file.path, span: listen.span ?? c.span };
  if (listen.binding === 'loopback') return { state: 'internal', why: `${where} starts it on ${listen.host ?? 'loopback'} (${listen.how})` };
  return { state: 'unknown', why: `${where} starts it; its listen address (${listen.how}) is not known` };
}

/** What a serve call in the code says when no command in the repository starts the application. */
function codeExposure(project: ProjectModel, s: ServeCall): EndpointExposure {
  const listen = sourceListen(s.host, undefined, () => undefined);
  const where = `\`${s.how}\` (${at0(project, s.file, s.span)})`;
  if (listen.binding === 'all' || listen.binding === 'interface')
    return { state: 'public', why: `${where} listens on ${listen.host ?? '?'} (${listen.how})`, file: s.file, span: listen.span ?? s.span };
  // A default the code writes (`--host` defaulting to localhost) is a decision; the library's own default often only serves development.
  if (listen.binding === 'loopback' && listen.explicit)
    return { state: 'internal', why: `${where} listens on ${listen.host ?? 'loopback'} (${listen.how}) and nothing in the repository starts it otherwise` };
  return { state: 'unknown', why: `${where} listens on ${listen.host ?? 'an address modelguard cannot tell'} (${listen.how})` };
}

/** Compose services whose `build` context contains a file and that publish a port beyond loopback. */
function publishedBuilds(project: ProjectModel, path: string): EndpointExposure[] {
  const out: EndpointExposure[] = [];
  for (const f of project.withKind('compose')) {
    const y = f.yaml();
    if (!y) continue;
    const base = f.path.split('/').slice(0, -1);
    for (const w of workloads(f)) {
      const build = y.get(w.node, 'build');
      if (!build) continue;
      const context = isMap(build) ? (y.str(y.get(build, 'context')) ?? '.') : (y.str(build) ?? '.');
      if (/^[a-z]+:\/\//i.test(context)) continue;
      const parts = [...base];
      for (const seg of context.split('/')) {
        if (seg === '' || seg === '.') continue;
        if (seg === '..') parts.pop();
        else parts.push(seg);
      }
      const dir = parts.join('/');
      if (dir !== '' && !path.startsWith(`${dir}/`)) continue;
      const m = composePorts(y, w.node).find((p) => !p.loopback && !p.dynamicIp);
      if (m) out.push({ state: 'public', why: `compose service "${w.name}" (${f.path}) builds it and publishes port "${m.raw}"`, file: f.path, span: m.span });
    }
  }
  return out;
}

const exposureCache = new WeakMap<ProjectModel, Map<string, EndpointExposure>>();

/**
 * How the application serving an endpoint is reachable: the commands in the repository that
 * start it (compose services and their published ports, Kubernetes Services and routes, images
 * and the compose services built from them, scripts, CI jobs) with the address it listens on
 * there, else what the code that serves it says (`uvicorn.run(app, host=args.host)` with the
 * option's default). Frameworks whose routes are public by design (Next.js) are `public`.
 */
export function endpointExposure(project: ProjectModel, ep: Endpoint): EndpointExposure {
  if (ep.framework === 'nextjs') return { state: 'public', why: 'a Next.js route' };
  if (ep.framework === 'sveltekit') return { state: 'public', why: 'a SvelteKit route' };
  // Cloud Functions require IAM unless deployed with --allow-unauthenticated; Ray Serve's proxy listens on loopback unless configured.
  if (ep.framework === 'cloud-functions' || (ep.framework === 'ray-serve' && !ep.app))
    return { state: 'unknown', why: `a ${ep.framework} endpoint: whether it is public depends on how it is deployed` };
  if (PLATFORMS.has(ep.framework) && !ep.app) return { state: 'public', why: `a ${ep.framework} function, published by the platform` };
  const app = ep.app;
  if (!app) return { state: 'unknown', why: 'modelguard does not know how this application is started' };
  let m = exposureCache.get(project);
  if (!m) exposureCache.set(project, (m = new Map()));
  const key = `${app.file}:${app.span.start}`;
  const hit = m.get(key);
  if (hit) return hit;
  let states = app.commands.map((c) => commandExposure(project, c.command, commandListen(c.command, c.serve)));
  if (states.length === 0) states = app.serves.map((s) => codeExposure(project, s));
  // Nothing says how it starts: a compose service that builds its code and publishes a port runs it in the open.
  if (states.length === 0) states = publishedBuilds(project, ep.file);
  const v = states.find((x) => x.state === 'public') ??
    states.find((x) => x.state === 'unknown') ??
    states[0] ?? { state: 'unknown', why: 'modelguard finds no start of this application in the repository' };
  m.set(key, v);
  return v;
}
