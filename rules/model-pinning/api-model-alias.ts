import { configModels } from '../../src/facts/model-config.js';
import { DEPLOYMENT_ROLES } from '../../src/discovery/roles.js';
import { classifyApiModel, isAllowedModel, type ApiModelClass } from '../../src/facts/model-ids.js';
import { writtenModelIds } from '../../src/facts/model-refs.js';
import { callNote, originNote } from '../../src/facts/pinning.js';
import type { Confidence } from '../../src/types.js';
import { defineRule } from '../../src/rule-api.js';

/**
 * Clients whose `model` is not a provider's public model id: Azure deployment names, another
 * server behind an SDK's base URL (vLLM, a proxy) that names models its own way, and Ollama
 * and Hub models (other rules).
 */
const NOT_API_ALIASES = new Set(['azure', 'compatible', 'ollama', 'huggingface']);

function pinHint(c: ApiModelClass): { pinnedForm: string; examples: string; docs: string } {
  const ex = c.snapshots.slice(0, 2).map((s) => `\`${s}\``);
  return {
    pinnedForm: c.provider.pinnedForm,
    examples: ex.length > 0 ? `, e.g. ${ex.join(' or ')}` : '',
    docs: c.provider.docs ? `; versions are listed at ${c.provider.docs}` : '',
  };
}

export default defineRule({
  meta: {
    id: 'model-pinning/api-model-alias',
    category: 'model-pinning',
    appliesTo: ['python', 'typescript', 'dotenv', 'compose', 'k8s', 'helm-values', 'yaml-config', 'json-config', 'gha-workflow', 'gitlab-ci', 'dockerfile', 'shell'],
    roles: DEPLOYMENT_ROLES,
    scope: 'file',
    severity: 'warning',
    confidence: 'high',
    description: 'Hosted model APIs must be called with a pinned model version (a dated snapshot), not a floating alias such as `gpt-4o` or `claude-3-5-sonnet-latest`.',
    fullDescription:
      'Flags floating model aliases of hosted APIs (OpenAI, Anthropic, Google Gemini, Mistral, Cohere, Groq, Bedrock) in SDK calls (OpenAI, Anthropic, Mistral, Google GenAI, Cohere, Groq, Together, Bedrock, LiteLLM, the Vercel AI SDK provider factories, LangChain and LlamaIndex) and in configuration (`.env`, compose, Kubernetes, Helm values, CI `env:`, YAML/JSON configs). The provider re-points an alias to new model versions, so behaviour, safety and cost change without a code change or an evaluation.',
    securitySeverity: 4.0,
    tags: ['supply-chain', 'OWASP-LLM03', 'CWE-1357'],
    keywords: ['model', 'MODEL', 'Model', 'provider'],
    messages: {
      floatingAlias:
        '"{model}"{origin}, passed to `{api}`{at}, is a floating {provider} alias: the provider re-points it to new model versions, so answers, safety behaviour and cost change with no code change or evaluation. Pin {pinnedForm}{examples}{docs}.',
      floatingAliasInConfig:
        '{key}={model} ({where}) is a floating {provider} model alias: the provider re-points it to new model versions, so answers, safety behaviour and cost change with no review. Pin {pinnedForm}{examples}{docs}.',
    },
  },
  *check(ctx) {
    const { file, project, settings } = ctx;
    // Each id once, at the literal, with the SDK calls it reaches (uses in tests, docs and data are not deployments).
    for (const id of writtenModelIds(file, project)) {
      if (!id.exact || isAllowedModel(id.value, settings)) continue;
      const hits = id.uses.flatMap((u) => {
        if (NOT_API_ALIASES.has(u.ref.provider ?? '') || ctx.severityIn(u.path) === 'off') return [];
        const c = classifyApiModel(id.value, settings, u.ref.provider === 'together' ? undefined : u.ref.provider);
        // An OpenAI id handed to the Anthropic client (a branch not taken for it) is not that call's model.
        const fits = !u.ref.provider || u.ref.provider === 'together' || c?.provider.id === u.ref.provider;
        return c && fits && c.status === 'floating' ? [{ u, c }] : [];
      });
      const first = hits[0];
      const at = project.file(id.path);
      if (!first || !at) continue;
      const confidence = hits.some((h) => h.u.ref.confidence === 'high') ? 'high' : hits.some((h) => h.u.ref.confidence === 'medium') ? 'medium' : ('low' as Confidence);
      yield ctx.reportIn(
        at,
        'floatingAlias',
        id.span,
        {
          model: id.value,
          origin: originNote({ ...first.u.ref, definedIn: undefined }),
          api: first.u.ref.api,
          at: callNote(project, id, first.u, hits.length - 1),
          provider: first.c.provider.name,
          ...pinHint(first.c),
        },
        { confidence },
      );
    }
    for (const m of configModels(file)) {
      // OLLAMA_MODEL=command-r names an Ollama library model, not Cohere's alias.
      if (/ollama/i.test(m.key) || isAllowedModel(m.value, settings)) continue;
      const c = classifyApiModel(m.value, settings);
      if (c?.status !== 'floating' || (m.prefixOnly && c.base === m.value.trim())) continue;
      yield ctx.report('floatingAliasInConfig', m.span, { key: m.key, model: m.value, where: m.where, provider: c.provider.name, ...pinHint(c) });
    }
  },
});
