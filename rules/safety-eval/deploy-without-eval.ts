import { pipelineAnalysis, PIPELINE_ROLES } from '../../src/facts/pipeline/index.js';
import { DEPLOYMENT_ROLES } from '../../src/discovery/roles.js';
import { defineRule } from '../../src/rule-api.js';

export default defineRule({
  meta: {
    id: 'safety-eval/deploy-without-eval',
    category: 'safety-eval',
    appliesTo: [...PIPELINE_ROLES],
    roles: DEPLOYMENT_ROLES,
    scope: 'project',
    severity: 'error',
    confidence: 'high',
    description: 'A pipeline that publishes or deploys a model must run a safety evaluation that gates it first.',
    fullDescription:
      'Flags CI/CD steps (GitHub Actions, GitLab CI, and the scripts, Makefile targets and Python scripts they run) and repository scripts run by hand that publish a model (push_to_hub, save_pretrained with push_to_hub, huggingface-cli upload, hub uploads of weights, ollama push, a serving image push, a model registry; not a dataset push) or deploy a model server (kubectl or helm of an inference workload, Cloud Run, SageMaker, Modal) when no safety evaluation (lm-evaluation-harness safety tasks, garak, promptfoo red teaming, inspect, HarmBench, guard-model scoring) runs before it on every path: earlier in the job, in a job it needs, or in an earlier GitLab stage.',
    securitySeverity: 7.0,
    tags: ['security', 'OWASP-LLM09', 'OWASP-LLM05', 'CWE-1039', 'safety-evaluation'],
    messages: {
      noEval:
        '{where} {action} {what} with `{command}`, and no safety evaluation runs before it. A model nobody red-teamed or safety-benchmarked can be jailbroken or produce harmful output in front of users; run a gating evaluation first, e.g. {suggestion}, {placement}.{note}',
    },
  },
  *check(ctx) {
    for (const v of pipelineAnalysis(ctx.project, ctx.settings).verdicts) {
      if (v.rule !== 'deploy-without-eval') continue;
      yield ctx.reportIn(v.at.file, v.messageId, v.at.span, v.data, v.confidence ? { confidence: v.confidence } : {});
    }
  },
});
