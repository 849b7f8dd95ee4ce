import { pipelineAnalysis, PIPELINE_ROLES } from '../../src/facts/pipeline/index.js';
import { DEPLOYMENT_ROLES } from '../../src/discovery/roles.js';
import { defineRule } from '../../src/rule-api.js';

export default defineRule({
  meta: {
    id: 'safety-eval/quantize-without-eval',
    category: 'safety-eval',
    appliesTo: [...PIPELINE_ROLES],
    roles: DEPLOYMENT_ROLES,
    scope: 'project',
    severity: 'warning',
    confidence: 'high',
    description: 'A quantized model must pass a safety evaluation of the quantized artifact before it is published or deployed.',
    fullDescription:
      'Flags the step that publishes or deploys the output of a quantization (llama.cpp convert_hf_to_gguf.py and llama-quantize, AutoGPTQ, AutoAWQ, llm-compressor, optimum-cli export, unsloth GGUF exports, quantization configs) when no safety evaluation runs between the quantization and the publish, or when the only evaluation ran before the quantization. Quantized variants do not reliably keep the safety behaviour of the model they came from.',
    securitySeverity: 5.5,
    tags: ['security', 'OWASP-LLM09', 'OWASP-LLM04', 'CWE-1039', 'quantization'],
    messages: {
      noEval:
        '{where} {action} {what} with `{command}` after the quantization `{producer}` ({producerAt}), and no safety evaluation of the quantized model runs in between. Quantized models (GGUF, GPTQ, AWQ) do not reliably keep the safety behaviour of the original; evaluate the quantized artifact itself before it is published, e.g. {suggestion}, {placement}.{note}',
      evalBeforeQuantize:
        '{where} {action} {what} with `{command}`, but the safety evaluation `{eval}` ({evalAt}) runs before the quantization `{producer}` ({producerAt}), so it measured the full-precision model, not the artifact published. Move the evaluation after the quantization, e.g. {suggestion}, {placement}.{note}',
    },
  },
  *check(ctx) {
    for (const v of pipelineAnalysis(ctx.project, ctx.settings).verdicts) {
      if (v.rule !== 'quantize-without-eval') continue;
      yield ctx.reportIn(v.at.file, v.messageId, v.at.span, v.data, v.confidence ? { confidence: v.confidence } : {});
    }
  },
});
