import { launchExposures } from '../../src/facts/exposure.js';
import { DEPLOYMENT_ROLES } from '../../src/discovery/roles.js';
import { serverKeywords, serverLaunches } from '../../src/facts/model-servers.js';
import { servingImageKeywords } from '../../src/facts/serving-images.js';
import { defineRule } from '../../src/rule-api.js';
import type { Confidence } from '../../src/types.js';

const RANK: Record<Confidence, number> = { low: 0, medium: 1, high: 2 };

export default defineRule({
  meta: {
    id: 'access-control/open-inference-server',
    category: 'access-control',
    appliesTo: ['compose', 'k8s', 'helm-values', 'dockerfile', 'shell', 'gha-workflow'],
    roles: DEPLOYMENT_ROLES,
    scope: 'file',
    severity: 'error',
    confidence: 'high',
    description: 'Model servers reachable beyond loopback must require an API key or sit behind an authenticating gateway.',
    fullDescription:
      'Flags vLLM, Text Generation Inference, Text Embeddings Inference, llama.cpp server, llama-cpp-python, SGLang, LMDeploy, LocalAI, Xinference and Ollama started without an API key (flag, environment variable, secret) while reachable from outside their machine, container network or cluster: published compose ports, network_mode/hostNetwork, hostPort, Services of type LoadBalancer or NodePort, Ingress and gateway routes without authentication, docker run -p, or a listen address of 0.0.0.0. Anyone who reaches such a server can run the model, use up its GPUs and read what it generates.',
    securitySeverity: 8.2,
    tags: ['security', 'OWASP-LLM10', 'CWE-306', 'CWE-284'],
    keywords: (settings) => [...serverKeywords(), ...servingImageKeywords(settings)],
    messages: {
      openServer:
        '{server} ({where}) serves without an API key and is reachable beyond loopback: {exposure}{more}. Anyone who can reach it can run the model, use up its GPUs and read what it generates. Add {keyFix} read from a secret, or {fix}{gateway}.',
      openServerNoAuth:
        '{server} ({where}) has no authentication of its own and is reachable beyond loopback: {exposure}{more}. Anyone who can reach it can run, pull and delete models. Put an authenticating reverse proxy in front of it (nginx `auth_request`, oauth2-proxy, Traefik `forwardAuth`) and {fix}.',
    },
  },
  *check(ctx) {
    for (const launch of serverLaunches(ctx.file, ctx.project, ctx.settings)) {
      if (launch.apiKey.state !== 'absent') continue;
      const { exposures } = launchExposures(ctx.project, launch);
      if (exposures.length === 0) continue;
      // The strongest evidence first: explicit exposures before defaults.
      const sorted = [...exposures].sort((a, b) => RANK[b.confidence] - RANK[a.confidence]);
      const first = sorted[0] as (typeof sorted)[number];
      const more =
        sorted.length > 1
          ? ` (and ${sorted.length - 1} more: ${sorted
              .slice(1, 3)
              .map((e) => e.text)
              .join('; ')}${sorted.length > 3 ? '; ...' : ''})`
          : '';
      const gateway = first.fixIsAuth ? '' : ' and send its traffic through an authenticating gateway';
      const data = { server: launch.spec.name, where: launch.where, exposure: first.text, more, fix: first.fix, gateway, keyFix: launch.spec.keyFix ?? '' };
      // A server in a CI job lives only as long as the job.
      const ci = ctx.file.kind === 'gha-workflow' ? { severity: 'warning' as const } : {};
      yield ctx.report(launch.spec.keyFix ? 'openServer' : 'openServerNoAuth', launch.span, data, { confidence: first.confidence, ...ci });
    }
  },
});
