import { imageRefs } from '../../src/facts/images.js';
import { servingImage, servingImageKeywords, tagPinning } from '../../src/facts/serving-images.js';
import { defineRule } from '../../src/rule-api.js';

export default defineRule({
  meta: {
    id: 'model-pinning/serving-image',
    category: 'model-pinning',
    appliesTo: ['compose', 'k8s', 'helm-values', 'dockerfile', 'gha-workflow', 'gitlab-ci'],
    scope: 'file',
    severity: 'error',
    confidence: 'high',
    description: 'Model-server container images must be pinned to a version tag or a digest, never `latest` or no tag.',
    fullDescription:
      'Flags inference-server images (vLLM, Text Generation Inference, Ollama, llama.cpp, SGLang, Triton, NIM, LocalAI and others) that are referenced without a tag, with `:latest`, or with another floating tag such as `nightly` or `rocm`, in docker-compose files, Kubernetes manifests, Helm values, Dockerfile FROM lines and CI job containers. A floating tag means the server version that loads and serves the model changes without review.',
    securitySeverity: 6.5,
    tags: ['supply-chain', 'OWASP-LLM03', 'CWE-1357', 'CWE-494'],
    keywords: servingImageKeywords,
    messages: {
      untagged:
        'Image "{image}" ({server}) has no tag, so every pull takes whatever `latest` points to: a new server version (model loading, defaults, security fixes) reaches production without review. Pin a release, `{repository}:<version>`, or better a digest, `{repository}@sha256:<digest>`.',
      latestTag:
        'Image "{image}" ({server}) uses the floating tag `{tag}`, so every pull may bring a different server version without review. Pin a release, `{repository}:<version>`, or better a digest, `{repository}@sha256:<digest>`.',
      floatingTag:
        'Image "{image}" ({server}) uses the tag `{tag}`, which names no release and moves as new versions are published, so the server that runs the model changes without review. Pin a release tag with a version number or a digest (`{repository}@sha256:<digest>`).',
    },
  },
  *check(ctx) {
    for (const ref of imageRefs(ctx.file)) {
      if (ref.chartDefaultTag) continue;
      const server = servingImage(ref, ctx.settings);
      if (!server) continue;
      const pinning = tagPinning(ref);
      if (pinning === 'digest' || pinning === 'version' || pinning === 'dynamic') continue;
      const repository = ref.registry ? `${ref.registry}/${ref.repository}` : ref.repository;
      const data = { image: ref.resolved, server, repository, tag: ref.tag ?? '', where: ref.where };
      if (pinning === 'untagged') yield ctx.report('untagged', ref.span, data);
      else if (/(^|[-_.])latest([-_.]|$)/i.test(ref.tag ?? '')) yield ctx.report('latestTag', ref.tagSpan ?? ref.span, data);
      else yield ctx.report('floatingTag', ref.tagSpan ?? ref.span, data);
    }
  },
});
