import { inferenceSites, InferenceContext, isTestFile, type InferenceSite } from '../../src/facts/inference/index.js';
import { DEPLOYMENT_ROLES } from '../../src/discovery/roles.js';
import { callersUnseen, ObservabilityKnowledge, recordingEvidence } from '../../src/facts/observability/index.js';
import { defineRule } from '../../src/rule-api.js';

interface Options {
  /** Also report embedding calls (their input is usually documents or search queries, their output vectors). */
  embeddings: boolean;
}

const SELF_HOSTED = new Set(['transformers', 'vllm', 'llama-cpp', 'ollama', 'huggingface', 'sentence-transformers']);

/** The callee as written, on one line (`client.chat.completions.create`, `self.llm.ainvoke`). */
function callText(text: string, site: InferenceSite): string {
  const callee = text.slice(site.calleeSpan.start, site.calleeSpan.end).replace(/\s+/g, '');
  return callee.length > 80 ? `${callee.slice(0, 77)}...` : callee;
}

/** A call of a settings.inference.functions function whose body holds SDK calls: those are checked instead. */
function hasInnerSites(ctx: InferenceContext, site: InferenceSite): boolean {
  const ref = ctx.customFunctions.find((r) => r.entry === site.custom);
  const path = ref ? ctx.refPath(ref) : undefined;
  const a = path ? ctx.analyzerAt(path) : undefined;
  return (a?.sites() ?? []).some((s) => s.sdk !== 'custom' && s.fn.name === ref?.name);
}

export default defineRule<Options>({
  meta: {
    id: 'inference-logging/unlogged-inference',
    category: 'inference-logging',
    appliesTo: ['typescript', 'python'],
    roles: DEPLOYMENT_ROLES,
    scope: 'file',
    severity: 'warning',
    confidence: 'medium',
    description: 'Model inference calls must have their prompt and response recorded, by logging or by tracing.',
    fullDescription:
      'Flags inference calls (OpenAI, Anthropic, Vercel AI SDK, LangChain, Hugging Face, vLLM, transformers, llama.cpp, Ollama, LiteLLM, Bedrock, Google, Mistral, Cohere, Groq, Together and raw HTTP calls to inference servers, in TypeScript/JavaScript and Python) whose prompt and response are recorded nowhere: no logger call that involves the prompt or the result in the calling function or its callers, no tracing wrapper, decorator, callback or logging gateway on the client or the call, and no LLM instrumentation started for the process. Without that record, abuse, prompt injection and harmful output cannot be investigated, and a self-hosted model has no provider watching it.',
    securitySeverity: 4.5,
    tags: ['monitoring', 'CWE-778', 'OWASP-A09:2021', 'OWASP-LLM10'],
    messages: {
      unlogged:
        '{sdk} call `{call}` is not logged or traced: neither its prompt nor its response is recorded here or by its callers, so misuse and harmful output cannot be investigated afterwards.{stream} To fix it, {advice}. Redact personal data (names, contact details, account numbers) before prompts and responses are stored.',
      unloggedWrapper:
        'Call of the inference function `{call}` (`{entry}` in settings.inference.functions) is not logged or traced here, by its callers or inside it, so misuse and harmful output cannot be investigated afterwards. Log the prompt and the reply at this call or inside the function, or name your logging helper in settings.logging.functions. Redact personal data (names, contact details, account numbers) before prompts and responses are stored.',
    },
    options: {
      schema: {
        type: 'object',
        additionalProperties: false,
        properties: {
          embeddings: { type: 'boolean', description: 'Also report embedding calls.' },
        },
      },
      defaults: { embeddings: false },
    },
  },
  *check(ctx) {
    const inference = InferenceContext.of(ctx.project, ctx.settings);
    const k = ObservabilityKnowledge.get();
    // Test code is not deployed: its model calls are not production traffic to record.
    if (isTestFile(ctx.file.path)) return;
    for (const site of inferenceSites(ctx.file, ctx.project)) {
      if (site.kind === 'classify') continue;
      if (site.kind === 'embedding' && !ctx.options.embeddings) continue;
      if (site.sdk === 'custom' && hasInnerSites(inference, site)) continue;
      if (recordingEvidence(ctx.project, site)) continue;
      // A client inferred from callers, options spread in from where they cannot be read
      // (telemetry or callbacks may be among them), callers the call graph cannot see (one of
      // them may log): the analysis guessed, so say so.
      const guessed = site.confidence !== 'high' || site.openArgs.length > 0 || callersUnseen(ctx.project, site);
      const extra = guessed ? { confidence: 'low' as const } : undefined;
      const call = callText(ctx.file.text, site);
      if (site.sdk === 'custom') {
        yield ctx.report('unloggedWrapper', site.calleeSpan, { call, entry: site.custom ?? '' }, extra);
        continue;
      }
      const stream = site.stream ? ' The response is streamed: record the text assembled from the chunks when the stream ends.' : '';
      const advice = k.advice(site.sdk, site.lang, SELF_HOSTED.has(site.sdk));
      yield ctx.report('unlogged', site.calleeSpan, { sdk: site.sdkName, call, stream, advice }, extra);
    }
  },
});
