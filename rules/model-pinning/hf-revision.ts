import { hfLoads, tokenizerArg, writtenHubIds, type HfArg, type HfLoad } from '../../src/facts/hf-loads.js';
import { DEPLOYMENT_ROLES } from '../../src/discovery/roles.js';
import { inRepo } from '../../src/facts/hf-loads.js';
import { recipeModels } from '../../src/facts/model-config.js';
import { eachValue, hubDownloads, lmEvalRuns, modelArgs, type ResolvedWord } from '../../src/facts/model-launches.js';
import { hubIdKind, isAllowedModel } from '../../src/facts/model-ids.js';
import { makesUntrainedModels } from '../../src/facts/pipeline/python-ops.js';
import type { ProjectModel } from '../../src/model/project.js';
import { writtenModelIds } from '../../src/facts/model-refs.js';
import { callNote, CLI_REVISION_FIX, JS_REVISION_FIX, originNote, PY_REVISION_FIX, revisionState, viaNote, type RevisionState } from '../../src/facts/pinning.js';
import { defineRule, type FileContext, type Report } from '../../src/rule-api.js';
import type { Span } from '../../src/types.js';

const LM_EVAL_HUB_BACKENDS = new Set(['hf', 'hf-auto', 'huggingface', 'hf-multimodal', 'vllm', 'vllm-vlm', 'sglang', 'steered', 'mamba_ssm']);

function shaHint(model: string): string {
  return /[{$]/.test(model)
    ? "in the repository's commit history on the Hub"
    : `with \`huggingface_hub.HfApi().model_info("${model}").sha\` or in the commit history at https://huggingface.co/${model}/commits/main`;
}

interface Subject {
  api: string;
  model: string;
  origin: string;
  /** Where the load is, seen from the literal (` on line 12 (and 2 other loads)`), for ids written apart from the call. */
  where?: string;
  /** Where the model id is passed. */
  at: Span;
  fix: string;
  revision: { state: RevisionState; span?: Span; text?: string; value?: string };
}

/** Loads of what shapes a model but is not its weights: tokenizers, processors, feature extractors. */
export const SHAPING_API = /\.from_pretrained$(?<=(?:Tokenizer\w*|Processor|FeatureExtractor)\.from_pretrained)/;

/**
 * A tokenizer or processor loaded by a script that makes randomly initialised test models: it
 * shapes a test fixture, not a deployed model.
 */
function shapesTestModel(project: ProjectModel, path: string, load: HfLoad): boolean {
  if (load.language !== 'python' || !SHAPING_API.test(load.api)) return false;
  const f = project.file(path);
  return !!f && makesUntrainedModels(f, project);
}

function* judge(ctx: FileContext<Record<string, never>>, s: Subject, confidence?: 'high' | 'medium'): Generator<Report> {
  const data = { api: s.api, at: s.where ?? '', model: s.model, origin: s.origin, fix: s.fix, find: shaHint(s.model), revision: s.revision.value ?? '', expr: s.revision.text ?? '' };
  switch (s.revision.state) {
    case 'absent':
      yield ctx.report('missingRevision', s.at, data, confidence ? { confidence } : {});
      break;
    case 'branch':
      yield ctx.report('mutableRevision', s.revision.span ?? s.at, data, confidence ? { confidence } : {});
      break;
    case 'abbreviated':
      yield ctx.report('abbreviatedRevision', s.revision.span ?? s.at, data, confidence ? { confidence } : {});
      break;
    case 'unknown':
      yield ctx.report('unknownRevision', s.revision.span ?? s.at, data, { confidence: 'low' });
      break;
    default:
      break;
  }
}

/** A revision given on a command line: a variable set by whoever runs it is not judged (undefined). */
function cliRevision(rev: ResolvedWord | undefined): Subject['revision'] | undefined {
  if (rev && !rev.exact) return undefined;
  return { state: revisionState({ present: !!rev, value: rev?.value, exact: rev?.exact }), span: rev?.span, value: rev?.value, text: rev?.word.raw };
}

function argRevision(rev: HfArg | undefined, opaque: boolean): Subject['revision'] {
  if (!rev) return opaque ? { state: 'unknown', text: '**kwargs' } : { state: 'absent' };
  const empty = /^(None|undefined|null)$/.test(rev.text.trim());
  const state = revisionState({ present: true, empty, value: rev.str?.value, exact: rev.str?.exact });
  return { state, span: rev.span, text: rev.text, value: rev.str?.value };
}

function loadSubject(load: HfLoad, arg: HfArg, revision: Subject['revision']): Subject {
  const s = arg.str as NonNullable<HfArg['str']>;
  return { api: load.api, model: s.value, origin: originNote(s), at: arg.span, fix: load.fixSyntax === 'js' ? JS_REVISION_FIX : PY_REVISION_FIX, revision };
}

export default defineRule({
  meta: {
    id: 'model-pinning/hf-revision',
    category: 'model-pinning',
    appliesTo: ['python', 'typescript', 'shell', 'makefile', 'gha-workflow', 'gha-action', 'gitlab-ci', 'dockerfile', 'compose', 'k8s', 'helm-values', 'yaml-config', 'json-config'],
    roles: DEPLOYMENT_ROLES,
    scope: 'file',
    severity: 'error',
    confidence: 'high',
    description: 'Models loaded from the Hugging Face Hub must be pinned to a commit with a 40-hex `revision`, not a branch, a tag or nothing.',
    fullDescription:
      'Flags Hugging Face Hub loads without an immutable revision: transformers `from_pretrained` and `pipeline`, huggingface_hub `hf_hub_download`/`snapshot_download`, sentence-transformers, peft, diffusers, vLLM `LLM(...)`, transformers.js `pipeline`/`from_pretrained`, `huggingface-cli download`, `lm_eval --model_args pretrained=...`, the base model of fine-tuning runs (`--model_name_or_path`, `--base_model` given to `torchrun`, `deepspeed`, `accelerate launch`, `trl`, training scripts) and of training recipes (TRL/alignment-handbook `model_name_or_path` + `model_revision`, axolotl `base_model` + `revision_of_model`, LLaMA-Factory). Without a commit SHA every fresh load takes what the repository holds at that moment, so weights, tokenizer or remote code can change without review.',
    securitySeverity: 7.0,
    tags: ['supply-chain', 'OWASP-LLM03', 'CWE-1357', 'CWE-494'],
    keywords: [
      'from_pretrained',
      'from_quantized',
      'pipeline',
      'hf_hub_download',
      'snapshot_download',
      'SentenceTransformer',
      'CrossEncoder',
      'SparseEncoder',
      'LLM',
      'EngineArgs',
      'load_adapter',
      'load_lora_weights',
      'load_textual_inversion',
      'load_ip_adapter',
      'huggingface-cli',
      'download',
      'lm_eval',
      'lm-eval',
      'model_name_or_path',
      'base_model',
      'model-name-or-path',
      'base-model',
      'model_id',
      'model-id',
      'model_path',
      'model-path',
      'tokenizer_name',
      'tokenizer-name',
      'tokenizer-model',
      'InferenceClient',
      'HfInference',
      '@huggingface/inference',
    ],
    messages: {
      missingRevision:
        '`{api}`{at} loads "{model}"{origin} from the Hugging Face Hub without a revision, so every fresh load takes whatever the main branch holds then: changed weights, tokenizer or code reach production without review. Pin the commit you evaluated: {fix}; find it {find}.',
      mutableRevision:
        '`{api}` loads "{model}"{origin} at revision "{revision}", a branch or tag that the repository owner can move to other files at any time. Pin a full commit instead: {fix}; find it {find}.',
      abbreviatedRevision:
        '`{api}` loads "{model}"{origin} at revision "{revision}", an abbreviated commit id; the Hub resolves only full commit ids reliably. Use the full 40-hex sha: {fix}; find it {find}.',
      runtimeModel:
        '`{api}` loads the model named by the workflow input `{input}` and passes no revision, so each run downloads whatever the main branch of the chosen repository holds then, and nothing records which commit was used. Add an input for the commit (a 40-hex sha) next to it and pass it: {fix}.',
      recipeMissingRevision:
        'This recipe\'s `{key}` is "{model}" on the Hugging Face Hub with no `{revisionKey}`, so every run trains or evaluates whatever the main branch holds then: the model you fine-tune, and everything built from it, can change without review. Pin the commit you evaluated: `{revisionKey}: <40-hex commit sha>`; find it {find}.',
      recipeMutableRevision:
        'This recipe\'s `{key}` "{model}" is pinned to `{revisionKey}: {revision}`, a branch or tag that the repository owner can move at any time. Pin a full commit instead: `{revisionKey}: <40-hex commit sha>`; find it {find}.',
      unknownRevision:
        '`{api}` loads "{model}"{origin} with a revision modelguard cannot see ({expr}). Unless it always holds a full 40-hex commit sha, the model can change without review; make sure it does, e.g. pin it in code: {fix}.',
      defaultModel:
        '`{api}("{task}")` names no model, so the library picks its default model for the task, which changes with library upgrades. Pass the model id explicitly and pin it to a commit: {fix}.',
      hostedModel:
        '"{model}"{origin} is called through the Hugging Face Inference API (`{api}`), which serves whatever the provider deployed and cannot be pinned to a commit. For a fixed version, deploy it on a dedicated Inference Endpoint at a pinned revision and pass its `endpointUrl`, or self-host it with a pinned revision.',
      unpinnableLoad:
        '`{api}` downloads "{model}"{origin} from the main branch and has no revision parameter. Download the file at a pinned commit with `hf_hub_download(repo_id="{model}", filename=..., revision="<40-hex commit sha>")` and load that path instead.',
    },
  },
  *check(ctx) {
    const { file, project, settings } = ctx;
    for (const load of hfLoads(file, project)) {
      if (load.defaultModel) {
        yield ctx.report(
          'defaultModel',
          load.calleeSpan,
          {
            api: load.api,
            task: load.defaultModel.task ?? '...',
            fix: load.fixSyntax === 'js' ? `pipeline(task, "<org>/<model>", ${JS_REVISION_FIX})` : `pipeline(task, model="<org>/<model>", ${PY_REVISION_FIX})`,
          },
          { confidence: 'medium' },
        );
        continue;
      }
      // A configuration alone carries no weights or code; the model built from it is judged where it is loaded.
      if (load.configOnly || shapesTestModel(project, file.path, load)) continue;
      const arg = load.modelArg;
      // Ids that reach the load only from files where the rule is off (a test passing its tiny model) are not this load's models.
      const hub = load.modelSources.filter((m) => m.kind === 'hub' && !isAllowedModel(m.value, settings) && ctx.severityIn(m.path) !== 'off');
      if (!arg || hub.length === 0) continue;
      const first = hub[0] as (typeof hub)[number];
      const origin = originNote({ ...first, definedIn: first.path === file.path ? undefined : first.path });
      if (load.noRevisionParam) {
        yield ctx.report('unpinnableLoad', arg.span, { api: load.api, model: first.value, origin });
        continue;
      }
      const revision = argRevision(load.revision, load.opaqueArgs);
      // A missing revision is reported once per written id, below; a revision that is there is judged where it is.
      if (revision.state !== 'absent') {
        const fix = load.fixSyntax === 'js' ? JS_REVISION_FIX : PY_REVISION_FIX;
        yield* judge(ctx, { api: load.api, model: first.value, origin, at: arg.span, fix, revision }, load.confidence === 'medium' ? 'medium' : undefined);
      }
      const tok = tokenizerArg(load);
      if (tok?.arg.str && hubIdKind(tok.arg.str.value) === 'hub' && tok.arg.str.value !== first.value && !isAllowedModel(tok.arg.str.value, settings)) {
        const sub = loadSubject(load, tok.arg, argRevision(tok.revision, load.opaqueArgs));
        yield* judge(ctx, { ...sub, api: `${load.api}(tokenizer=...)`, fix: 'tokenizer_revision="<40-hex commit sha>"' });
      }
    }
    // Loads without a revision: each id once, where it is written, naming the loads it reaches.
    for (const id of writtenHubIds(file, project)) {
      if (isAllowedModel(id.value, settings)) continue;
      const uses = id.uses.filter(
        (u) =>
          !u.load.noRevisionParam &&
          !u.load.configOnly &&
          !shapesTestModel(project, u.path, u.load) &&
          argRevision(u.load.revision, u.load.opaqueArgs).state === 'absent' &&
          ctx.severityIn(u.path) !== 'off',
      );
      const first = uses[0];
      const at = project.file(id.path);
      if (!first || !at) continue;
      const u = first.load;
      const data = {
        api: u.api,
        at: callNote(project, id, first, uses.length - 1, 'load'),
        model: id.value,
        origin: originNote({ ...first.source, definedIn: undefined }),
        fix: u.fixSyntax === 'js' ? JS_REVISION_FIX : PY_REVISION_FIX,
        find: shaHint(id.value),
      };
      const sure = uses.some((x) => x.load.confidence === 'high' && x.source.confidence === 'high');
      yield ctx.reportIn(at, 'missingRevision', id.span, data, sure ? {} : { confidence: 'medium' });
    }
    for (const id of writtenModelIds(file, project)) {
      const use = id.uses.find((u) => u.ref.provider === 'huggingface' && ctx.severityIn(u.path) !== 'off');
      const at = project.file(id.path);
      if (!use || !at || !id.exact || hubIdKind(id.value) !== 'hub' || isAllowedModel(id.value, settings)) continue;
      yield ctx.reportIn(at, 'hostedModel', id.span, { api: use.ref.api, model: id.value, origin: originNote({ ...use.ref, definedIn: undefined }) }, { severity: 'note', confidence: 'medium' });
    }
    const isHubId = (v: string): boolean => hubIdKind(v) === 'hub' && !isAllowedModel(v, settings) && !inRepo(project, file.path, v);
    for (const dl of hubDownloads(file, project)) {
      // A revision passed as a variable is set by whoever runs the command: not judged.
      const revision = cliRevision(dl.revision);
      if (!revision) continue;
      for (const repo of eachValue(dl.repo)) {
        if (repo.runtimeInputs && revision.state === 'absent') {
          yield ctx.report('runtimeModel', repo.span, { api: dl.tool, input: repo.runtimeInputs.join('`, `'), fix: '`--revision ${{ inputs.<name> }}`' }, { confidence: 'medium' });
          continue;
        }
        if (!repo.exact || !isHubId(repo.value)) continue;
        yield* judge(ctx, { api: dl.tool, model: repo.value, origin: viaNote(repo.via), at: repo.span, fix: CLI_REVISION_FIX, revision });
      }
    }
    // The base model of a fine-tune and the model of conversion or evaluation scripts.
    const args = modelArgs(file, project);
    // An argument list in a variable, used by two commands (a debug and a normal launch), is one finding.
    const judged = new Set<string>();
    for (const arg of args) {
      const revision = cliRevision(arg.revision);
      if (!revision) continue;
      const api = `${arg.program} ${arg.flag}`;
      for (const m of eachValue(arg.model)) {
        // A tokenizer that is the model itself is judged with the model.
        if (arg.role === 'tokenizer' && args.some((a) => a.command === arg.command && a.role === 'model' && eachValue(a.model).some((x) => x.value === m.value))) continue;
        const fix = `\`${arg.revisionFlag} <40-hex commit sha>\` if \`${arg.program}\` takes it (transformers and TRL scripts do), or download that commit first (\`huggingface-cli download <model> --revision <sha> --local-dir DIR\`) and pass DIR`;
        if (m.runtimeInputs && revision.state === 'absent') {
          yield ctx.report('runtimeModel', m.span, { api, input: m.runtimeInputs.join('`, `'), fix }, { confidence: 'medium' });
          continue;
        }
        if (!m.exact || !isHubId(m.value) || judged.has(`${m.span.start}:${m.value}`)) continue;
        judged.add(`${m.span.start}:${m.value}`);
        yield* judge(ctx, { api, model: m.value, origin: viaNote(m.via), at: m.span, fix, revision });
      }
    }
    for (const r of recipeModels(file)) {
      if (!isHubId(r.value)) continue;
      const rv = r.revision;
      const state = revisionState({ present: !!rv, value: rv?.value, exact: rv?.value !== undefined && !/\$\{|\{\{/.test(rv.value) });
      const data = { key: r.key, model: r.value, revisionKey: rv?.key ?? r.revisionKey, revision: rv?.value ?? '', find: shaHint(r.value) };
      if (state === 'absent') yield ctx.report('recipeMissingRevision', r.span, data);
      else if (state === 'branch') yield ctx.report('recipeMutableRevision', rv?.span ?? r.span, data);
      else if (state === 'abbreviated')
        yield ctx.report('abbreviatedRevision', rv?.span ?? r.span, {
          api: `${r.key}`,
          model: r.value,
          origin: '',
          revision: rv?.value ?? '',
          fix: `${data.revisionKey}: <40-hex commit sha>`,
          find: data.find,
          expr: '',
        });
    }
    for (const run of lmEvalRuns(file, project)) {
      if (run.backend && !LM_EVAL_HUB_BACKENDS.has(run.backend)) continue;
      const pretrained = run.modelArgs.get('pretrained');
      if (!pretrained?.exact || hubIdKind(pretrained.value) !== 'hub' || isAllowedModel(pretrained.value, settings)) continue;
      const rev = run.modelArgs.get('revision');
      if (rev && !rev.exact) continue;
      const state = revisionState({ present: !!rev, value: rev?.value, exact: rev?.exact });
      yield* judge(ctx, {
        api: 'lm_eval',
        model: pretrained.value,
        origin: '',
        at: pretrained.span,
        fix: 'revision=<40-hex commit sha> in --model_args',
        revision: { state, span: rev?.span, value: rev?.value },
      });
    }
  },
});
