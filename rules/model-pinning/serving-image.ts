import { imageRefs, parseImage, substitute, type ImageRef } from '../../src/facts/images.js';
import { DEPLOYMENT_ROLES } from '../../src/discovery/roles.js';
import { composeDotenv, dockerRuns } from '../../src/facts/model-launches.js';
import { chartAppVersion, servingImage, servingImageKeywords, tagPinning } from '../../src/facts/serving-images.js';
import { defineRule } from '../../src/rule-api.js';

/** Compose interpolates `${VAR}` from the `.env` file next to it: resolve what the file left open. */
function withComposeDotenv(ref: ImageRef, lookup: (n: string) => string | undefined): ImageRef {
  if (!ref.dynamic) return ref;
  const { value, dynamic } = substitute(ref.raw, lookup);
  if (dynamic) return ref;
  const p = parseImage(value);
  return { ...ref, resolved: value, registry: p.registry, repository: p.repository, tag: p.tag, digest: p.digest, dynamic: false, tagSpan: undefined };
}

export default defineRule({
  meta: {
    id: 'model-pinning/serving-image',
    category: 'model-pinning',
    appliesTo: ['compose', 'k8s', 'helm-values', 'yaml-config', 'dockerfile', 'gha-workflow', 'gha-action', 'gitlab-ci', 'shell'],
    roles: DEPLOYMENT_ROLES,
    scope: 'file',
    severity: 'error',
    confidence: 'high',
    description: 'Model-server container images must be pinned to a version tag or a digest, never `latest` or no tag.',
    fullDescription:
      'Flags inference-server images (vLLM, Text Generation Inference, Ollama, llama.cpp, SGLang, Triton, NIM, LocalAI and others) that are referenced without a tag, with `:latest`, or with another floating tag such as `nightly` or `rocm`, in docker-compose files (with `.env` interpolation), Kubernetes manifests, Helm values, Dockerfile FROM lines, CI job containers and `docker run`/`docker pull` commands in scripts, Dockerfiles and CI steps. A floating tag means the server version that loads and serves the model changes without review.',
    securitySeverity: 6.5,
    tags: ['supply-chain', 'OWASP-LLM03', 'CWE-1357', 'CWE-494'],
    keywords: servingImageKeywords,
    messages: {
      untagged:
        'Image "{image}" ({server}) has no tag, so every pull takes whatever `latest` points to: a new server version (model loading, defaults, security fixes) reaches production without review. Pin a release, `{repository}:<version>`, or better a digest, `{repository}@sha256:<digest>`.',
      latestTag:
        'Image "{image}" ({server}) uses the floating tag `{tag}`, so every pull may bring a different server version without review. Pin a release, `{repository}:<version>`, or better a digest, `{repository}@sha256:<digest>`.',
      floatingAppVersion:
        'Image "{image}" ({server}) takes its tag from the chart\'s `appVersion: {tag}` ({chart}), which names no release, so every pull may bring a different server version without review. Set `tag:` here, or `appVersion` in the chart, to a release (`{repository}:<version>`), or pin a digest.',
      floatingTag:
        'Image "{image}" ({server}) uses the tag `{tag}`, which names no release and moves as new versions are published, so the server that runs the model changes without review. Pin a release tag with a version number or a digest (`{repository}@sha256:<digest>`).',
    },
  },
  *check(ctx) {
    const dotenv = ctx.file.kind === 'compose' ? composeDotenv(ctx.file, ctx.project) : undefined;
    const refs = imageRefs(ctx.file).map((r) => (dotenv ? withComposeDotenv(r, dotenv) : r));
    for (const run of dockerRuns(ctx.file, ctx.project)) {
      const p = parseImage(run.image.value);
      const tagOffset = p.tag !== undefined && !run.image.substituted ? run.image.value.lastIndexOf(`:${p.tag}`) + 1 : -1;
      refs.push({
        raw: run.image.word.value,
        resolved: run.image.value,
        registry: p.registry,
        repository: p.repository,
        tag: p.tag,
        digest: p.digest,
        span: run.image.span,
        tagSpan: tagOffset > 0 ? { start: run.image.word.map.toSource(tagOffset), end: run.image.word.map.toSource(tagOffset + (p.tag as string).length) } : undefined,
        dynamic: !run.image.exact,
        where: `docker ${run.verb}, ${run.command.where}`,
      });
    }
    const appVersion = ctx.file.kind === 'helm-values' ? chartAppVersion(ctx.file, ctx.project) : undefined;
    for (const ref of refs) {
      const server = servingImage(ref, ctx.settings);
      if (!server) continue;
      if (ref.chartDefaultTag) {
        // No tag in the values: the chart's appVersion is the tag, pinned unless it floats itself.
        if (!appVersion || tagPinning({ tag: appVersion.value, dynamic: false }) !== 'floating') continue;
        const repository = ref.registry ? `${ref.registry}/${ref.repository}` : ref.repository;
        yield ctx.report(
          'floatingAppVersion',
          ref.span,
          { image: `${ref.resolved}:${appVersion.value}`, server, repository, tag: appVersion.value, chart: appVersion.path },
          ref.disabled ? { severity: 'note' } : {},
        );
        continue;
      }
      const pinning = tagPinning(ref);
      if (pinning === 'digest' || pinning === 'version' || pinning === 'dynamic') continue;
      const repository = ref.registry ? `${ref.registry}/${ref.repository}` : ref.repository;
      const data = { image: ref.resolved, server, repository, tag: ref.tag ?? '', where: ref.where };
      // A component the values switch off (`enabled: false`) runs only once someone enables it.
      const extra = ref.disabled ? { severity: 'note' as const } : {};
      if (pinning === 'untagged') yield ctx.report('untagged', ref.span, data, extra);
      else if (/(^|[-_.])latest([-_.]|$)/i.test(ref.tag ?? '')) yield ctx.report('latestTag', ref.tagSpan ?? ref.span, data, extra);
      else yield ctx.report('floatingTag', ref.tagSpan ?? ref.span, data, extra);
    }
  },
});
