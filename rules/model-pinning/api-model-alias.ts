import { configModels } from '../../src/facts/model-config.js';
import { DEPLOYMENT_ROLES } from '../../src/discovery/roles.js';
import { classifyApiModel, isAllowedModel, type ApiModelClass } from '../../src/facts/model-ids.js';
import { modelRefs } from '../../src/facts/model-refs.js';
import { originNote } from '../../src/facts/pinning.js';
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
        '"{model}"{origin} passed to `{api}` is a floating {provider} alias: the provider re-points it to new model versions, so answers, safety behaviour and cost change with no code change or evaluation. Pin {pinnedForm}{examples}{docs}.',
      floatingAliasInConfig:
        '{key}={model} ({where}) is a floating {provider} model alias: the provider re-points it to new model versions, so answers, safety behaviour and cost change with no review. Pin {pinnedForm}{examples}{docs}.',
    },
  },
  *check(ctx) {
    const { file, project, settings } = ctx;
    for (const ref of modelRefs(file, project)) {
      if (!ref.value || !ref.exact || NOT_API_ALIASES.has(ref.provider ?? '') || isAllowedModel(ref.value, settings)) continue;
      const hint = ref.provider === 'together' ? undefined : ref.provider;
      const c = classifyApiModel(ref.value, settings, hint);
      if (!c || c.status !== 'floating') continue;
      yield ctx.report('floatingAlias', ref.span, { model: ref.value, origin: originNote(ref), api: ref.api, provider: c.provider.name, ...pinHint(c) });
    }
    for (const m of configModels(file)) {
      // OLLAMA_MODEL=command-r names an Ollama library model, not Cohere's alias.
      if (/ollama/i.test(m.key) || isAllowedModel(m.value, settings)) continue;
      const c = classifyApiModel(m.value, settings);
      if (!c || c.status !== 'floating' || (m.prefixOnly && c.base === m.value.trim())) continue;
      yield ctx.report('floatingAliasInConfig', m.span, { key: m.key, model: m.value, where: m.where, provider: c.provider.name, ...pinHint(c) });
    }
  },
});
