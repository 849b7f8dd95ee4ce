import type { FileModel } from '../model/file-model.js';
import { isMap, isScalar, isSeq, type Scalar, type YamlFile, type YNode } from '../parse/yaml.js';
import type { Span } from '../types.js';
import { parseImage, type ImageRef } from './images.js';

/**
 * Helm values often describe images as `{ repository, tag }` maps under keys that do not say
 * "image" (`servingEngineSpec.modelSpec[0]` in the vLLM production stack). Every such map of
 * a values file, as an ImageRef; callers keep the ones whose repository they recognise.
 * A map without a tag is marked `chartDefaultTag` (the chart's appVersion applies).
 */
export function repositoryMaps(file: FileModel): ImageRef[] {
  return file.memo('facts:image-maps', () => {
    const out: ImageRef[] = [];
    const y = file.yaml();
    if (!y || (file.role !== 'helm-values' && file.role !== 'k8s')) return out;
    for (const doc of y.documents) walk(y, y.root(doc), [], out, 0, file.role === 'k8s' ? 'resource' : 'values');
    file.checkAliasLimit();
    return out;
  });
}

const IMAGE_REF = /^[a-z0-9][a-z0-9._/:@-]*$/i;

function walk(y: YamlFile, node: YNode | null, path: string[], out: ImageRef[], depth: number, label: string): void {
  if (!node || depth > 40) return;
  const key = (path[path.length - 1] ?? '').toLowerCase();
  // Custom resources (operators, KServe, ...) write `image: { registry, name: "repo:tag" }`.
  if (isMap(node) && key.includes('image') && !y.get(node, 'repository')) {
    const nameNode = y.get(node, 'name');
    const name = y.str(nameNode);
    if (nameNode && isScalar(nameNode) && name && IMAGE_REF.test(name) && name.includes('/')) {
      const registry = y.str(y.get(node, 'registry'));
      const tagNode = y.get(node, 'tag');
      const tag = y.str(tagNode);
      const prefix = registry ? `${registry}/` : '';
      const full = `${prefix}${name}${tag && !name.includes(':') ? `:${tag}` : ''}`;
      const p = parseImage(full);
      // The tag written inside `name` ("repo:latest"): point at it.
      let inName: Span | undefined;
      if (!(tagNode && tag) && p.tag && p.tagOffset !== undefined && p.tagOffset >= prefix.length) {
        const map = y.valueMap(nameNode as Scalar);
        const at = p.tagOffset - prefix.length;
        inName = { start: map.toSource(at), end: map.toSource(at + p.tag.length) };
      }
      out.push({
        raw: full,
        resolved: full,
        registry: p.registry,
        repository: p.repository,
        tag: p.tag || undefined,
        digest: p.digest,
        span: tagNode && tag ? y.span(tagNode) : y.span(nameNode),
        tagSpan: tagNode && tag ? y.span(tagNode) : inName,
        dynamic: false,
        where: `${label} ${path.join('.')}`,
        chartDefaultTag: label === 'values' && !p.tag,
      });
      return;
    }
  }
  if (isMap(node)) {
    const repoNode = y.get(node, 'repository');
    const repo = y.str(repoNode);
    if (repoNode && isScalar(repoNode) && repo && /^[a-z0-9][a-z0-9._/:-]*$/i.test(repo) && !repo.includes('://')) {
      const registry = y.str(y.get(node, 'registry'));
      const tagNode = y.get(node, 'tag');
      const tag = y.str(tagNode);
      const digest = y.str(y.get(node, 'digest'));
      const full = `${registry ? `${registry}/` : ''}${repo}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`;
      const p = parseImage(full);
      out.push({
        raw: full,
        resolved: full,
        registry: p.registry,
        repository: p.repository,
        tag: tag || undefined,
        digest: digest || undefined,
        span: tagNode && tag ? y.span(tagNode) : y.span(repoNode),
        tagSpan: tagNode && tag ? y.span(tagNode) : undefined,
        dynamic: false,
        where: `${label} ${path.join('.')}`,
        chartDefaultTag: label === 'values' && !tag,
      });
    }
    for (const e of y.entries(node)) walk(y, e.value, [...path, e.key], out, depth + 1, label);
  } else if (isSeq(node)) {
    y.items(node).forEach((item, i) => walk(y, item, [...path.slice(0, -1), `${path[path.length - 1] ?? ''}[${i}]`], out, depth + 1, label));
  }
}
