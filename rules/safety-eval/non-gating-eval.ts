import { pipelineAnalysis, PIPELINE_ROLES } from '../../src/facts/pipeline/index.js';
import { DEPLOYMENT_ROLES } from '../../src/discovery/roles.js';
import { defineRule } from '../../src/rule-api.js';

export default defineRule({
  meta: {
    id: 'safety-eval/non-gating-eval',
    category: 'safety-eval',
    appliesTo: [...PIPELINE_ROLES],
    roles: DEPLOYMENT_ROLES,
    scope: 'project',
    severity: 'error',
    confidence: 'high',
    description: 'A safety evaluation that runs before a publish or deploy must be able to stop it when it fails.',
    fullDescription:
      'Flags safety evaluations whose failure cannot stop the publish or deploy that follows them: `continue-on-error: true` on the step or job, an `if:` that can skip the evaluation step but not the publish, GitLab `allow_failure` or `when: manual`, an exit status thrown away (`|| true`, `; exit 0`, `set +e` with no check, a script without `set -e`, a pipe without `pipefail`, an `&&` list), an evaluation in GitLab `after_script`, a deploy job or step that runs `if: always()` or `when: always`, or a `workflow_run` trigger that does not check the triggering run succeeded.',
    securitySeverity: 7.0,
    tags: ['security', 'OWASP-LLM09', 'CWE-1039', 'CWE-754', 'safety-evaluation'],
    messages: {
      continueOnError:
        'The safety evaluation `{eval}` ({evalWhere}) has `{construct}`, so a failing evaluation does not stop `{sink}` ({sinkAt}) from {sinkAction} the model. Remove `continue-on-error` so the evaluation gates it.',
      allowFailure:
        'The safety evaluation `{eval}` ({evalWhere}) is in a job with `{construct}`, so the pipeline goes on to `{sink}` ({sinkAt}) when the evaluation fails (or, for a manual job, is never run). Remove `allow_failure` (on a manual job, set `allow_failure: false`) so the evaluation gates it.',
      maskedStatus:
        'The exit status of the safety evaluation `{eval}` ({evalWhere}) is thrown away by `{construct}`, so `{sink}` ({sinkAt}) runs even when the evaluation fails. Remove `{construct}`; to go on deliberately, check the results and exit non-zero when they miss your threshold.',
      errexitOff:
        'The safety evaluation `{eval}` ({evalWhere}) cannot fail the pipeline: {reason}, so `{sink}` ({sinkAt}) runs even when it fails. Make a failed evaluation stop the run (`set -e`, or `|| exit 1` after it).',
      unsafePipe:
        'The safety evaluation `{eval}` ({evalWhere}) cannot fail the pipeline: {reason}, so the pipe reports the status of its last command and `{sink}` ({sinkAt}) runs even when the evaluation fails. Add `set -o pipefail` (in GitHub Actions, `shell: bash` sets it).',
      skippable:
        'The safety evaluation `{eval}` ({evalWhere}) runs only `{construct}`, and `{sink}` ({sinkAt}) does not share that condition, so when the evaluation is skipped the model is published or deployed anyway. Remove the condition, or put the same one on the step that publishes.',
      runsAnyway:
        "{who} runs with `{construct}`, so `{sink}` ({sinkAt}) goes ahead even when the safety evaluation `{eval}` ({evalAt}) fails. Remove `{construct}`, or require the evaluation to have succeeded (`needs.<job>.result == 'success'`).",
      workflowRunUnchecked:
        "This workflow runs on `workflow_run` when {upstream} completes, failed or not, and no job checks its conclusion, so `{sink}` ({sinkAt}) goes ahead even when the safety evaluation `{eval}` ({evalAt}) fails. Add `if: github.event.workflow_run.conclusion == 'success'` to the jobs that publish or deploy.",
    },
  },
  *check(ctx) {
    for (const v of pipelineAnalysis(ctx.project, ctx.settings).verdicts) {
      if (v.rule !== 'non-gating-eval') continue;
      yield ctx.reportIn(v.at.file, v.messageId, v.at.span, v.data, v.confidence ? { confidence: v.confidence } : {});
    }
  },
});
