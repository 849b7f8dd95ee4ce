import type { FileModel } from '../model/file-model.js';
import { isMap, isScalar, isSeq, type Scalar, type YamlFile, type YNode } from '../parse/yaml.js';
import type { Span } from '../types.js';
import type { OffsetMap } from '../util/text-map.js';
import { workloads } from './workloads.js';

/** A container image reference found in a file. */
export interface ImageRef {
  /** As written (`vllm/vllm-openai:${TAG:-latest}`). */
  raw: string;
  /** After variable defaults were substituted (`vllm/vllm-openai:latest`). */
  resolved: string;
  /** Registry host, if one was written (`ghcr.io`). */
  registry?: string;
  /** Repository path without registry, tag or digest (`vllm/vllm-openai`, `library/` dropped). */
  repository: string;
  tag?: string;
  digest?: string;
  /** Where the reference is: the whole reference, and the tag if written. */
  span: Span;
  tagSpan?: Span;
  /** Part of the reference comes from a variable with no default. */
  dynamic: boolean;
  /** Where it was found, for messages: `service "vllm"`, `Deployment/vllm container "server"`, `FROM`. */
  where: string;
  /**
   * Helm `image: {repository}` with an empty or absent tag: the chart's appVersion applies (in a
   * YAML config of the same shape, the tag is unknown).
   */
  chartDefaultTag?: boolean;
  /** Helm values (or a config of their shape): inside a component switched off (`enabled: false`), so not deployed by default. */
  disabled?: boolean;
}

/** A Helm values map that switches its component off: `enabled: false`. */
export function switchedOff(y: YamlFile, node: YNode | null): boolean {
  const v = y.get(node, 'enabled') ?? y.get(node, 'enable');
  return !!v && isScalar(v) && (v.value === false || v.value === 'false');
}

/** `${NAME}`, `${NAME:-default}`, `${1:-default}` (a script's arguments), `$NAME`, and `$1`, `$@` (never known). */
const VAR = /\$\{([A-Za-z_][A-Za-z0-9_]*|[0-9]+)(?::?([-=?+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*|[0-9@*#])/g;

/**
 * Substitutes `${X:-default}` (compose, Dockerfile ARG) with what is known; unknowns stay.
 * `${X:?message}` has no default, and `${X:+alternative}` depends on X: both stay unless X is known.
 */
export function substitute(raw: string, known: (name: string) => string | undefined): { value: string; dynamic: boolean } {
  let dynamic = false;
  const value = raw.replace(VAR, (m, braced: string | undefined, op: string | undefined, arg: string | undefined, bare: string | undefined) => {
    const name = (braced ?? bare) as string;
    const k = known(name);
    const v = op === '+' ? (k === undefined ? undefined : k === '' ? '' : arg) : op === '?' ? k : (k ?? arg);
    if (v === undefined) {
      dynamic = true;
      return m;
    }
    return v;
  });
  return { value, dynamic };
}

/** Splits `registry/repo:tag@digest`. */
export function parseImage(ref: string): { registry?: string; repository: string; tag?: string; tagOffset?: number; digest?: string } {
  let rest = ref.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  let tagOffset: number | undefined;
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > slash) {
    tag = rest.slice(colon + 1);
    tagOffset = colon + 1;
    rest = rest.slice(0, colon);
  }
  let registry: string | undefined;
  const first = rest.split('/')[0] as string;
  if (rest.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    registry = first;
    rest = rest.slice(first.length + 1);
  }
  if (registry === 'docker.io' || registry === 'index.docker.io' || registry === 'registry-1.docker.io') registry = undefined;
  if (!registry && rest.startsWith('library/')) rest = rest.slice('library/'.length);
  return { registry, repository: rest, tag, tagOffset, digest };
}

function make(raw: string, resolved: string, dynamic: boolean, span: Span, map: OffsetMap | undefined, where: string): ImageRef {
  const p = parseImage(resolved);
  const ref: ImageRef = { raw, resolved, registry: p.registry, repository: p.repository, tag: p.tag, digest: p.digest, span, dynamic, where };
  if (p.tag !== undefined && p.tagOffset !== undefined && raw === resolved && map) {
    ref.tagSpan = { start: map.toSource(p.tagOffset), end: map.toSource(p.tagOffset + p.tag.length) };
  }
  return ref;
}

function fromScalar(_file: FileModel, y: YamlFile, node: YNode | null, where: string, env?: (n: string) => string | undefined): ImageRef | undefined {
  if (!node || !isScalar(node) || typeof node.value !== 'string' || !node.value.trim()) return undefined;
  const raw = node.value.trim();
  const { value, dynamic } = substitute(raw, env ?? (() => undefined));
  return make(raw, value, dynamic, y.span(node), y.valueMap(node as Scalar), where);
}

const IMAGE_NAME = /^[a-z0-9][a-z0-9._/:@-]*$/i;
/** Keys whose scalar value is an image reference: `image`, `serverImage`, `vllm_image`, `sidecar-image`. */
const IMAGE_KEY = /^image$|[a-z0-9][-_]?image$|[a-z0-9]Image$/;

/**
 * An image written as a map: Helm's `{ registry, repository, tag, digest }` (under any key:
 * `servingEngineSpec.modelSpec[0]` in the vLLM production stack), or a custom resource's
 * `image: { registry, name: "repo:tag" }`. An empty or absent tag in Helm values is the chart's
 * `appVersion`, which the chart version pins (`chartDefaultTag`).
 */
function fromImageMap(y: YamlFile, node: YNode, key: string, where: string, values: boolean): ImageRef | undefined {
  const repoNode = y.get(node, 'repository');
  const byName = !repoNode && key.toLowerCase().includes('image');
  const nameNode = repoNode ?? (byName ? y.get(node, 'name') : null);
  const name = y.str(nameNode);
  if (!nameNode || !isScalar(nameNode) || !name || !IMAGE_NAME.test(name) || (byName && !name.includes('/'))) return undefined;
  const registry = y.str(y.get(node, 'registry'));
  const tagNode = y.get(node, 'tag');
  const tag = y.str(tagNode);
  const digest = y.str(y.get(node, 'digest')) ?? y.str(y.get(node, 'sha'));
  const prefix = registry ? `${registry}/` : '';
  const full = `${prefix}${name}${tag && !(byName && name.includes(':')) ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`;
  const p = parseImage(full);
  let tagSpan = tagNode && tag ? y.span(tagNode) : undefined;
  if (!tagSpan && p.tag && p.tagOffset !== undefined && p.tagOffset >= prefix.length) {
    // The tag written inside `name: "repo:latest"`: point at it.
    const map = y.valueMap(nameNode as Scalar);
    const at = p.tagOffset - prefix.length;
    tagSpan = { start: map.toSource(at), end: map.toSource(at + p.tag.length) };
  }
  return {
    raw: full,
    resolved: full,
    registry: p.registry,
    repository: p.repository,
    tag: p.tag || undefined,
    digest: p.digest || undefined,
    span: tagNode && tag ? y.span(tagNode) : y.span(nameNode),
    tagSpan,
    dynamic: false,
    where,
    chartDefaultTag: values && !p.tag,
  };
}

/**
 * How a YAML file's images are read: Helm `values`, a Kubernetes custom `resource`, or a `config`
 * of the values' shape (a values file with another name, given to `helm install -f`, or another
 * tool's settings), where a `{repository}` map without a tag leaves the tag unknown.
 */
type ImageWalk = 'values' | 'resource' | 'config';

/** `image:` scalars and image maps at any depth (Helm values, custom resources, YAML configs). */
function walkImages(file: FileModel, y: YamlFile, node: YNode | null, path: string[], out: ImageRef[], mode: ImageWalk, depth = 0, off = false): void {
  if (!node || depth > 40) return;
  const label = mode;
  const values = mode !== 'resource';
  if (isMap(node)) {
    off ||= values && switchedOff(y, node);
    const ref = fromImageMap(y, node, path[path.length - 1] ?? '', `${label} ${path.join('.')}`, values);
    if (ref) {
      if (off) ref.disabled = true;
      out.push(ref);
      if (!y.get(node, 'repository')) return;
    }
    const imageTable = /(^|[-_])images$|[a-z]Images$/i.test(path[path.length - 1] ?? '');
    for (const e of y.entries(node)) {
      // `image:`, `serverImage:`, `vllm_image:`, and the entries of an image table (`images: { default: repo:tag }`).
      const named = e.key === 'image' || ((IMAGE_KEY.test(e.key) || imageTable) && isScalar(e.value) && typeof e.value.value === 'string' && IMAGE_NAME.test(e.value.value.trim()));
      if (named && e.value && isScalar(e.value)) {
        const r = fromScalar(file, y, e.value, `${label} ${[...path, e.key].join('.')}`);
        if (r && off) r.disabled = true;
        if (r) out.push(r);
      } else {
        walkImages(file, y, e.value, [...path, e.key], out, mode, depth + 1, off);
      }
    }
  } else if (isSeq(node)) {
    y.items(node).forEach((i, n) => {
      walkImages(file, y, i, [...path.slice(0, -1), `${path[path.length - 1] ?? ''}[${n}]`], out, mode, depth + 1, off);
    });
  }
}

/**
 * Every container image a file names: compose `image:`, Kubernetes containers and custom
 * resources, Helm values and YAML configs of their shape (`image: x:tag` and `{repository, tag}` maps under any key), Dockerfile `FROM`, GitHub Actions job
 * containers, services and `docker://` steps, GitLab `image:`/`services:`.
 */
export function imageRefs(file: FileModel): ImageRef[] {
  return file.memo('facts:images', () => {
    const out: ImageRef[] = [];
    const y = file.yaml();
    switch (file.kind) {
      case 'compose':
      case 'k8s': {
        if (!y) break;
        for (const w of workloads(file)) {
          const where = w.kind === 'compose-service' ? `service "${w.name}"` : `${w.owner} container "${w.name}"`;
          const ref = fromScalar(file, y, w.image, where);
          if (ref) out.push(ref);
        }
        if (file.kind === 'k8s') {
          // Custom resources (operator runtimes, KServe) name images outside container lists.
          const seen = new Set(out.map((r) => r.span.start));
          const more: ImageRef[] = [];
          for (const doc of y.documents) walkImages(file, y, y.root(doc), [], more, 'resource');
          for (const r of more) if (!seen.has(r.span.start)) out.push(r);
        }
        break;
      }
      case 'helm-values':
      case 'yaml-config':
        if (!y) break;
        for (const doc of y.documents) walkImages(file, y, y.root(doc), [], out, file.kind === 'helm-values' ? 'values' : 'config');
        break;
      case 'gha-workflow':
        if (!y) break;
        for (const doc of y.documents) {
          for (const job of y.entries(y.get(y.root(doc), 'jobs'))) {
            const c = y.get(job.value, 'container');
            const cref = isMap(c) ? fromScalar(file, y, y.get(c, 'image'), `job "${job.key}" container`) : fromScalar(file, y, c, `job "${job.key}" container`);
            if (cref) out.push(cref);
            for (const svc of y.entries(y.get(job.value, 'services'))) {
              const r = fromScalar(file, y, isMap(svc.value) ? y.get(svc.value, 'image') : svc.value, `job "${job.key}" service "${svc.key}"`);
              if (r) out.push(r);
            }
            for (const step of y.items(y.get(job.value, 'steps'))) {
              const uses = y.get(step, 'uses');
              const u = y.str(uses);
              if (uses && isScalar(uses) && u?.startsWith('docker://')) {
                const map = y.valueMap(uses as Scalar);
                const raw = u.slice('docker://'.length);
                out.push(make(raw, raw, false, { start: map.toSource(9), end: map.toSource(u.length) }, { toSource: (o) => map.toSource(o + 9) }, `job "${job.key}" step`));
              }
            }
          }
        }
        break;
      case 'gitlab-ci':
        if (!y) break;
        for (const doc of y.documents) {
          for (const job of y.entries(y.root(doc))) {
            // Global `image:` (a name, or a map with `name:`) and `services:`.
            if (job.key === 'image') {
              const r = fromScalar(file, y, isMap(job.value) ? y.get(job.value, 'name') : job.value, 'default image');
              if (r) out.push(r);
              continue;
            }
            if (job.key === 'services' && isSeq(job.value)) {
              for (const s of y.items(job.value)) {
                const sr = fromScalar(file, y, isMap(s) ? y.get(s, 'name') : s, 'default service');
                if (sr) out.push(sr);
              }
              continue;
            }
            if (!isMap(job.value)) continue;
            const img = y.get(job.value, 'image');
            const r = fromScalar(file, y, isMap(img) ? y.get(img, 'name') : img, job.key === 'default' ? 'default image' : `job "${job.key}" image`);
            if (r) out.push(r);
            for (const s of y.items(y.get(job.value, 'services'))) {
              const sr = fromScalar(file, y, isMap(s) ? y.get(s, 'name') : s, `job "${job.key}" service`);
              if (sr) out.push(sr);
            }
          }
        }
        break;
      case 'dockerfile': {
        const df = file.dockerfile();
        if (!df) break;
        const stages = new Set<string>();
        for (const from of df.froms) {
          const raw = from.image;
          const isStage = stages.has(raw.toLowerCase());
          if (from.stage) stages.add(from.stage.toLowerCase());
          if (isStage || raw.toLowerCase() === 'scratch') continue;
          const { value, dynamic } = substitute(raw, (n) => df.globalArgs.get(n));
          out.push(make(raw, value, dynamic, from.imageSpan, { toSource: (o) => from.imageSpan.start + o }, 'FROM'));
        }
        break;
      }
      default:
        break;
    }
    if (y) file.checkAliasLimit();
    return out;
  });
}
