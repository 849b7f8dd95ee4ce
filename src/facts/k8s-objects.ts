import type { Document } from 'yaml';
import type { FileModel } from '../model/file-model.js';
import type { ProjectModel } from '../model/project.js';
import { isMap, isScalar, type YamlFile, type YNode } from '../parse/yaml.js';

/** One Kubernetes object of a manifest (a document, or an item of a `kind: List`). */
export interface K8sObject {
  file: FileModel;
  y: YamlFile;
  doc: Document.Parsed;
  node: YNode;
  apiVersion: string;
  kind: string;
  name: string;
  /** `metadata.namespace`; undefined when not written (the namespace is chosen at apply time). */
  namespace?: string;
  labels: Map<string, string>;
  annotations: Map<string, { value: string; keyNode: YNode; valueNode: YNode | null }>;
}

function stringMap(y: YamlFile, node: YNode | null): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of y.entries(node)) {
    const v = y.str(e.value);
    if (v !== undefined) out.set(e.key, v);
  }
  return out;
}

function objectOf(file: FileModel, y: YamlFile, doc: Document.Parsed, node: YNode | null): K8sObject | undefined {
  if (!node || !isMap(node)) return undefined;
  const kind = y.str(y.get(node, 'kind'));
  const apiVersion = y.str(y.get(node, 'apiVersion'));
  if (!kind || !apiVersion) return undefined;
  const meta = y.get(node, 'metadata');
  const annotations: K8sObject['annotations'] = new Map();
  for (const e of y.entries(y.get(meta, 'annotations'))) {
    const v = e.value && isScalar(e.value) && e.value.value !== null ? String(e.value.value) : '';
    annotations.set(e.key, { value: v, keyNode: e.keyNode, valueNode: e.value });
  }
  return {
    file,
    y,
    doc,
    node,
    apiVersion,
    kind,
    name: y.str(y.get(meta, 'name')) ?? '',
    namespace: y.str(y.get(meta, 'namespace')),
    labels: stringMap(y, y.get(meta, 'labels')),
    annotations,
  };
}

/** The Kubernetes objects of a manifest file, computed once. */
export function k8sObjects(file: FileModel): K8sObject[] {
  return file.memo('facts:k8s-objects', () => {
    const y = file.yaml();
    const out: K8sObject[] = [];
    if (!y || file.kind !== 'k8s') return out;
    for (const doc of y.documents) {
      const root = y.root(doc);
      if (y.str(y.get(root, 'kind')) === 'List') {
        for (const item of y.items(y.get(root, 'items'))) {
          const o = objectOf(file, y, doc, item);
          if (o) out.push(o);
        }
        continue;
      }
      const o = objectOf(file, y, doc, root);
      if (o) out.push(o);
    }
    file.checkAliasLimit();
    return out;
  });
}

const projectObjects = new WeakMap<ProjectModel, K8sObject[]>();

/** Every Kubernetes object in the repository, computed once per run. */
export function allK8sObjects(project: ProjectModel): K8sObject[] {
  let list = projectObjects.get(project);
  if (!list) {
    list = project.withKind('k8s').flatMap((f) => k8sObjects(f));
    projectObjects.set(project, list);
  }
  return list;
}

/**
 * True when two objects can be in the same namespace: equal namespaces, or one of them leaves
 * the namespace to `kubectl apply -n` / kustomize (then they are usually applied together).
 */
export function sameNamespace(a: string | undefined, b: string | undefined): boolean {
  return a === undefined || b === undefined || a === b;
}

/** The pod template of a workload object (Deployment, StatefulSet, Job, CronJob, Pod, ...), if it has one. */
export function podTemplate(o: K8sObject): { labels: Map<string, string>; spec: YNode | null; node: YNode | null } | undefined {
  const { y, node } = o;
  if (o.kind === 'Pod') return { labels: o.labels, spec: y.get(node, 'spec'), node };
  const template = o.kind === 'CronJob' ? y.getIn(node, ['spec', 'jobTemplate', 'spec', 'template']) : y.getIn(node, ['spec', 'template']);
  if (!template || !isMap(template)) return undefined;
  return { labels: stringMap(y, y.getIn(template, ['metadata', 'labels'])), spec: y.get(template, 'spec'), node: template };
}
