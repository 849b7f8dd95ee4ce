import type { Document } from 'yaml';
import type { FileModel } from '../model/file-model.js';
import { isMap, isSeq, type YamlFile, type YNode } from '../parse/yaml.js';

/** A container that a compose file or a Kubernetes manifest runs. */
export interface Workload {
  kind: 'compose-service' | 'k8s-container';
  /** Service name (compose) or container name (Kubernetes). */
  name: string;
  /** For Kubernetes: `Deployment/vllm`; for compose: the service name. */
  owner: string;
  node: YNode;
  doc: Document.Parsed;
  image: YNode | null;
  /** compose `entrypoint` / Kubernetes `command`. */
  entrypoint: YNode | null;
  /** compose `command` / Kubernetes `args`. */
  command: YNode | null;
  environment: YNode | null;
}

function k8sOwner(y: YamlFile, root: YNode | null): string {
  const kind = y.str(y.get(root, 'kind')) ?? 'Object';
  const name = y.str(y.getIn(root, ['metadata', 'name'])) ?? '?';
  return `${kind}/${name}`;
}

/** Finds every `containers:` / `initContainers:` list under a node, at any depth. */
function findContainers(y: YamlFile, node: YNode | null, out: YNode[], depth = 0): void {
  if (!node || depth > 40) return;
  if (isMap(node)) {
    for (const e of y.entries(node)) {
      if ((e.key === 'containers' || e.key === 'initContainers' || e.key === 'ephemeralContainers') && e.value && isSeq(e.value)) {
        for (const c of y.items(e.value)) if (isMap(c)) out.push(c);
      } else {
        findContainers(y, e.value, out, depth + 1);
      }
    }
  } else if (isSeq(node)) {
    for (const i of y.items(node)) findContainers(y, i, out, depth + 1);
  }
}

/** Compose services and Kubernetes containers of a file, computed once. */
export function workloads(file: FileModel): Workload[] {
  return file.memo('facts:workloads', () => {
    const y = file.yaml();
    const out: Workload[] = [];
    if (!y) return out;
    for (const doc of y.documents) {
      const root = y.root(doc);
      if (file.kind === 'compose') {
        for (const svc of y.entries(y.get(root, 'services'))) {
          if (!svc.value || !isMap(svc.value)) continue;
          out.push({
            kind: 'compose-service',
            name: svc.key,
            owner: svc.key,
            node: svc.value,
            doc,
            image: y.get(svc.value, 'image'),
            entrypoint: y.get(svc.value, 'entrypoint'),
            command: y.get(svc.value, 'command'),
            environment: y.get(svc.value, 'environment'),
          });
        }
      } else if (file.kind === 'k8s' || file.kind === 'helm-values') {
        const containers: YNode[] = [];
        findContainers(y, root, containers);
        const owner = file.kind === 'k8s' ? k8sOwner(y, root) : 'values';
        for (const c of containers) {
          out.push({
            kind: 'k8s-container',
            name: y.str(y.get(c, 'name')) ?? '?',
            owner,
            node: c,
            doc,
            image: y.get(c, 'image'),
            entrypoint: y.get(c, 'command'),
            command: y.get(c, 'args'),
            environment: y.get(c, 'env'),
          });
        }
      }
    }
    file.checkAliasLimit();
    return out;
  });
}
