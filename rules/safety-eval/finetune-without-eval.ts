import { pipelineAnalysis, PIPELINE_ROLES } from '../../src/facts/pipeline/index.js';
import { DEPLOYMENT_ROLES } from '../../src/discovery/roles.js';
import { defineRule } from '../../src/rule-api.js';

export default defineRule({
  meta: {
    id: 'safety-eval/finetune-without-eval',
    category: 'safety-eval',
    appliesTo: [...PIPELINE_ROLES],
    roles: DEPLOYMENT_ROLES,
    scope: 'project',
    severity: 'error',
    confidence: 'high',
    description: 'A fine-tuned model must pass a safety evaluation of the fine-tuned weights before it is published or deployed.',
    fullDescription:
      'Flags the step that publishes or deploys the output of a fine-tuning run (axolotl, TRL, torchtune, LLaMA-Factory, unsloth, Trainer/SFTTrainer scripts, OpenAI fine-tuning jobs), including pushes the trainer makes while it trains (push_to_hub in the training arguments, trainer callbacks that push checkpoints), when no safety evaluation runs between the fine-tune and the publish, or when the only evaluation ran before the fine-tune and so measured the base model. Benign fine-tuning degrades safety alignment, and about a hundred adversarial examples can remove it.',
    securitySeverity: 7.5,
    tags: ['security', 'OWASP-LLM09', 'OWASP-LLM04', 'CWE-1039', 'fine-tuning'],
    messages: {
      noEval:
        '{where} {action} {what} with `{command}` after the fine-tune `{producer}` ({producerAt}), and no safety evaluation of the fine-tuned model runs in between. Fine-tuning weakens safety alignment, even on benign data; evaluate the fine-tuned model before it leaves the pipeline, e.g. {suggestion}, {placement}.{note}',
      evalBeforeFinetune:
        '{where} {action} {what} with `{command}`, but the safety evaluation `{eval}` ({evalAt}) runs before the fine-tune `{producer}` ({producerAt}), so it measured the base model, not the one published. Move the evaluation after the fine-tune, e.g. {suggestion}, {placement}.{note}',
    },
  },
  *check(ctx) {
    for (const v of pipelineAnalysis(ctx.project, ctx.settings).verdicts) {
      if (v.rule !== 'finetune-without-eval') continue;
      yield ctx.reportIn(v.at.file, v.messageId, v.at.span, v.data, v.confidence ? { confidence: v.confidence } : {});
    }
  },
});
