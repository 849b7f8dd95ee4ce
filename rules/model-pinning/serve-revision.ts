import { configServes, eachValue, SERVER_NAMES, serverLaunches, type ResolvedWord } from '../../src/facts/model-launches.js';
import { DEPLOYMENT_ROLES } from '../../src/discovery/roles.js';
import { hubIdKind, isAllowedModel } from '../../src/facts/model-ids.js';
import { revisionState } from '../../src/facts/pinning.js';
import { defineRule } from '../../src/rule-api.js';

function shaHint(model: string): string {
  return `with \`huggingface_hub.HfApi().model_info("${model}").sha\` or in the commit history at https://huggingface.co/${model}/commits/main`;
}

export default defineRule({
  meta: {
    id: 'model-pinning/serve-revision',
    category: 'model-pinning',
    appliesTo: ['shell', 'makefile', 'gha-workflow', 'gha-action', 'gitlab-ci', 'dockerfile', 'compose', 'k8s', 'helm-values', 'yaml-config'],
    roles: DEPLOYMENT_ROLES,
    scope: 'file',
    severity: 'error',
    confidence: 'high',
    description: 'Model servers (vLLM, TGI, TEI, SGLang, LMDeploy, FastChat) must be launched with the model pinned to a commit: `--revision <40-hex sha>` or `REVISION`.',
    fullDescription:
      'Flags model-server launches that load a Hugging Face Hub model without an immutable revision: `vllm serve M`, `python -m vllm.entrypoints.openai.api_server --model M`, `text-generation-launcher --model-id M`, TGI and TEI containers with `MODEL_ID` but no `REVISION`, `python -m sglang.launch_server --model-path M`, `lmdeploy serve api_server M`, FastChat workers (`--model-path`), and the same servers started from their images with arguments only, in shell scripts, Dockerfiles, compose, Kubernetes, Helm values and CI. Each restart then downloads whatever the repository holds.',
    securitySeverity: 7.0,
    tags: ['supply-chain', 'OWASP-LLM03', 'CWE-1357', 'CWE-494'],
    keywords: ['vllm', 'text-generation', 'text-embeddings', 'sglang', 'lmdeploy', 'fastchat', 'MODEL_ID', 'model-id', '--model', 'hf://', 'engine', 'modelFormat', 'model'],
    messages: {
      configMissingRevision:
        '`{key}` ({where}) has {server} load "{model}" from the Hugging Face Hub with no revision, so every new pod or restart downloads whatever the main branch holds then: new weights or tokenizer go live without review. Pin the commit you evaluated: {fix}; find it {find}.',
      configMutableRevision:
        '`{key}` ({where}) has {server} load "{model}" at revision "{revision}", a branch, tag or abbreviated commit that does not name one set of files. Pin the full commit instead: {fix}; find it {find}.',
      runtimeModel:
        '{server} serves the model named by the workflow input `{input}` ({where}) with no revision, so each run serves whatever the main branch of the chosen repository holds then, and nothing records which commit was used. Add an input for the commit (a 40-hex sha) next to it and pass it: {fix}.',
      missingRevision:
        '{server} serves "{model}" ({where}{origin}) without a revision, so every start or new replica downloads whatever the main branch holds then: new weights or tokenizer go live without review. Pin the commit you evaluated: {fix}; find it {find}.',
      mutableRevision:
        '{server} serves "{model}" ({where}{origin}) at revision "{revision}", a branch or tag that the repository owner can move at any time. Pin a full commit instead: {fix}; find it {find}.',
      abbreviatedRevision:
        '{server} serves "{model}" ({where}{origin}) at revision "{revision}", an abbreviated commit id; the Hub resolves only full commit ids reliably. Use the full 40-hex sha: {fix}; find it {find}.',
    },
  },
  *check(ctx) {
    const { file, project, settings } = ctx;
    for (const launch of serverLaunches(file, project, settings)) {
      if (!launch.model) continue;
      const rev: ResolvedWord | undefined = launch.revision;
      // A revision given as a variable (set by whoever deploys) is not judged.
      if (rev && !rev.exact) continue;
      const state = revisionState({ present: !!rev, value: rev?.value, exact: rev?.exact });
      const byEnv = launch.modelFlag === 'MODEL_ID';
      const fix = byEnv ? '`REVISION: <40-hex commit sha>` in the same environment' : '`--revision <40-hex commit sha>`';
      for (const model of eachValue(launch.model)) {
        const base = { server: SERVER_NAMES[launch.server], where: launch.where, revision: rev?.value ?? '' };
        if (model.runtimeInputs && state === 'absent') {
          yield ctx.report('runtimeModel', model.span, { ...base, input: model.runtimeInputs.join('`, `'), fix: byEnv ? fix : '`--revision ${{ inputs.<name> }}`' }, { confidence: 'medium' });
          continue;
        }
        if (!model.exact || hubIdKind(model.value) !== 'hub' || isAllowedModel(model.value, settings)) continue;
        const data = { ...base, model: model.value, origin: model.via ? `, through ${model.via}` : '', fix, find: shaHint(model.value) };
        if (state === 'absent') yield ctx.report('missingRevision', model.span, data);
        else if (state === 'branch') yield ctx.report('mutableRevision', rev?.span ?? model.span, data);
        else if (state === 'abbreviated') yield ctx.report('abbreviatedRevision', rev?.span ?? model.span, data);
      }
    }
    for (const c of configServes(file, settings)) {
      if (hubIdKind(c.model) !== 'hub' || isAllowedModel(c.model, settings)) continue;
      if (c.revision && !c.revision.exact) continue;
      const state = revisionState({ present: !!c.revision, value: c.revision?.value, exact: c.revision?.exact });
      const data = { server: c.server, key: c.key, model: c.model, where: c.where, revision: c.revision?.value ?? '', fix: c.fix, find: shaHint(c.model) };
      // A component the values switch off (`enabled: false`) runs only once someone enables it.
      const extra = c.disabled ? { severity: 'note' as const } : {};
      if (state === 'absent') yield ctx.report('configMissingRevision', c.span, data, extra);
      else if (state === 'branch' || state === 'abbreviated') yield ctx.report('configMutableRevision', c.revision?.span ?? c.span, data, extra);
    }
  },
});
