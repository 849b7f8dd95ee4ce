import type { FileModel } from '../model/file-model.js';
import { isMap, isScalar, isSeq, type YamlFile, type YNode } from '../parse/yaml.js';
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
    if (!y || file.role !== 'helm-values') return out;
    for (const doc of y.documents) walk(y, y.root(doc), [], out, 0);
    file.checkAliasLimit();
    return out;
  });
}

function walk(y: YamlFile, node: YNode | null, path: string[], out: ImageRef[], depth: number): void {
  if (!node || depth > 40) return;
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
        where: `values ${path.join('.')}`,
        chartDefaultTag: !tag,
      });
    }
    for (const e of y.entries(node)) walk(y, e.value, [...path, e.key], out, depth + 1);
  } else if (isSeq(node)) {
    y.items(node).forEach((item, i) => walk(y, item, [...path.slice(0, -1), `${path[path.length - 1] ?? ''}[${i}]`], out, depth + 1));
  }
}
