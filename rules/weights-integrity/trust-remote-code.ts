import { revisionState } from '../../src/facts/pinning.js';
import { RUNTIME_ROLES } from '../../src/discovery/roles.js';
import { remoteCodeSites, type RemoteCodeSite } from '../../src/facts/weights.js';
import { defineRule } from '../../src/rule-api.js';

const FIX: Record<RemoteCodeSite['kind'], string> = {
  python: '`revision="<40-hex commit sha>"`',
  command: '`--revision <40-hex commit sha>`',
  env: '`REVISION=<40-hex commit sha>`',
  config: 'a `revision` key set to a 40-hex commit sha',
};

export default defineRule({
  meta: {
    id: 'weights-integrity/trust-remote-code',
    category: 'weights-integrity',
    appliesTo: ['python', 'yaml-config', 'json-config', 'shell', 'gha-workflow', 'gha-action', 'gitlab-ci', 'dockerfile', 'compose', 'k8s', 'helm-values'],
    roles: RUNTIME_ROLES,
    scope: 'file',
    severity: 'error',
    confidence: 'high',
    description: 'Model loading must not run code from the model repository (`trust_remote_code`); where it must, the repository has to be pinned to a reviewed commit.',
    fullDescription:
      "Flags `trust_remote_code=True` in transformers, sentence-transformers, datasets, vLLM and other loads (also in option dictionaries), `--trust-remote-code` on vLLM, SGLang, TGI and other commands, TGI `TRUST_REMOTE_CODE=true`, `lm_eval --model_args trust_remote_code=True`, and `trust_remote_code: true` in training configs. The repository's Python code then runs with the process's privileges; with a pinned commit it is still reported, at lower severity, because that code must be reviewed.",
    securitySeverity: 8.8,
    tags: ['supply-chain', 'OWASP-LLM03', 'CWE-94', 'CWE-829'],
    keywords: ['trust_remote_code', 'trust-remote-code', 'TRUST_REMOTE_CODE'],
    messages: {
      remoteCode:
        "{api} runs Python code shipped in the Hub repository{model} (trust_remote_code): a modified or malicious repository executes with this process's privileges (credentials, data, network), and {pinState}. Remove it and use a model the library supports natively, or pin the repository to a commit whose code you reviewed: {fix}.",
      remoteCodePinned:
        "{api} runs Python code shipped in the Hub repository{model} (trust_remote_code), pinned to commit {revision}. That code still executes with this process's privileges: review the repository's Python files at that commit, and again before every change of the pin.",
    },
  },
  *check(ctx) {
    for (const site of remoteCodeSites(ctx.file, ctx.project)) {
      const api = site.api;
      const r = site.revision;
      const state = revisionState({ present: !!r, value: r?.value, exact: r?.exact });
      const model = site.model ? ` "${site.model}"` : '';
      if (state === 'pinned') {
        yield ctx.report('remoteCodePinned', site.span, { api, model, revision: r?.value ?? '' }, { severity: 'warning' });
        continue;
      }
      const pinState =
        state === 'branch' || state === 'abbreviated'
          ? `at revision "${r?.value ?? ''}", which is not a full commit, that code can change on any load`
          : state === 'unknown'
            ? 'its revision is set at run time, so modelguard cannot tell whether that code is pinned'
            : 'without a pinned commit that code can change on any load';
      yield ctx.report('remoteCode', site.span, { api, model, pinState, fix: FIX[site.kind] }, state === 'unknown' ? { confidence: 'medium' } : {});
    }
  },
});
