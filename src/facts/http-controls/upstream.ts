import { posix } from 'node:path';
import type { ProjectModel } from '../../model/project.js';
import { isMap } from '../../parse/yaml.js';
import { allK8sObjects, podTemplate, sameNamespace } from '../k8s-objects.js';
import { workloads } from '../workloads.js';

/** A service name a gateway may forward to, standing for the application that serves an endpoint. */
export interface AppUpstream {
  host: string;
  namespace?: string;
  /** How the link was made, for messages: `compose service "api" builds web/`. */
  how: string;
}

const MARKERS = ['Dockerfile', 'package.json', 'pyproject.toml', 'requirements.txt', 'setup.py'];

/** The application directory of a source file: the nearest directory above it with a Dockerfile or a package manifest. */
export function appDir(project: ProjectModel, file: string): string {
  const parts = file.split('/').slice(0, -1);
  for (let i = parts.length; i >= 0; i--) {
    const dir = parts.slice(0, i).join('/');
    if (MARKERS.some((m) => project.exists(dir ? `${dir}/${m}` : m))) return dir;
  }
  return '';
}

function within(dir: string, file: string): boolean {
  return dir === '' || file === dir || file.startsWith(`${dir}/`);
}

/** `ghcr.io/acme/chat-api:1.2@sha256:...` → `chat-api`. */
function imageName(image: string): string {
  const noDigest = image.split('@')[0] as string;
  const last = noDigest.split('/').pop() ?? noDigest;
  return last.replace(/:[^:]*$/, '');
}

function packageNames(project: ProjectModel, dir: string): string[] {
  const out: string[] = [];
  const pj = project.file(dir ? `${dir}/package.json` : 'package.json');
  if (pj) {
    try {
      const name = (JSON.parse(pj.text) as { name?: unknown }).name;
      if (typeof name === 'string') out.push(name.replace(/^@[^/]+\//, ''));
    } catch {
      /* not JSON */
    }
  }
  const pp = project.file(dir ? `${dir}/pyproject.toml` : 'pyproject.toml');
  const m = pp ? /^\s*name\s*=\s*["']([^"']+)["']/m.exec(pp.text) : null;
  if (m) out.push(m[1] as string);
  return out;
}

const cache = new WeakMap<ProjectModel, Map<string, AppUpstream[]>>();

/**
 * The service names that front the application a file belongs to, found the way a reader of the
 * repository would connect them:
 *
 * 1. compose services whose `build` context contains the file (the deepest context wins);
 * 2. Kubernetes Services selecting the pods of a workload whose image name is the application
 *    directory's name, a compose service name found in 1, or the package's name
 *    (`ghcr.io/acme/chat-api:1.0` for `chat-api/`, or for a package.json named `chat-api`).
 */
export function appUpstreams(project: ProjectModel, file: string): AppUpstream[] {
  let m = cache.get(project);
  if (!m) {
    m = new Map();
    cache.set(project, m);
  }
  const dir = appDir(project, file);
  const hit = m.get(dir);
  if (hit) return hit;
  const out: AppUpstream[] = [];
  let best = -1;
  const compose: AppUpstream[] = [];
  for (const f of project.withKind('compose')) {
    const y = f.yaml();
    if (!y) continue;
    const base = posix.dirname(f.path) === '.' ? '' : posix.dirname(f.path);
    for (const w of workloads(f)) {
      const build = y.get(w.node, 'build');
      if (!build) continue;
      const context = isMap(build) ? (y.str(y.get(build, 'context')) ?? '.') : (y.str(build) ?? '.');
      if (/^[a-z]+:\/\//i.test(context) || context.startsWith('git@')) continue;
      const ctx = posix
        .normalize(posix.join(base || '.', context))
        .replace(/^\.$/, '')
        .replace(/\/$/, '');
      if (ctx.startsWith('..') || !within(ctx, file)) continue;
      const depth = ctx === '' ? 0 : ctx.split('/').length;
      if (depth > best) {
        best = depth;
        compose.length = 0;
      }
      if (depth === best) compose.push({ host: w.name, how: `compose service "${w.name}" (${f.path}) builds ${ctx || '.'}/` });
    }
  }
  out.push(...compose);
  const names = new Set([posix.basename(dir) || '', ...compose.map((c) => c.host), ...packageNames(project, dir)].filter((x) => x && x !== '.'));
  if (names.size > 0) {
    const objects = allK8sObjects(project);
    for (const o of objects) {
      const tpl = podTemplate(o);
      if (!tpl || o.kind === 'Pod') continue;
      const images = o.y.items(o.y.get(tpl.spec, 'containers')).map((c) => o.y.str(o.y.get(c, 'image')) ?? '');
      if (!images.some((i) => names.has(imageName(i)))) continue;
      for (const svc of objects) {
        if (svc.kind !== 'Service' || !sameNamespace(svc.namespace, o.namespace)) continue;
        const sel = svc.y.entries(svc.y.getIn(svc.node, ['spec', 'selector'])).map((e) => [e.key, svc.y.str(e.value)] as const);
        if (sel.length === 0 || !sel.every(([k, v]) => tpl.labels.get(k) === v)) continue;
        out.push({
          host: svc.name,
          ...((svc.namespace ?? o.namespace) ? { namespace: (svc.namespace ?? o.namespace) as string } : {}),
          how: `Service "${svc.name}" (${svc.file.path}) selects ${o.kind} "${o.name}", which runs the image built from ${dir || '.'}/`,
        });
      }
    }
  }
  m.set(dir, out);
  return out;
}
