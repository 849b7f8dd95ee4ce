import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import type { Settings } from '../src/config/types.js';
import { discover } from '../src/discovery/discover.js';
import { ghaShellState, runsAfterFailure } from '../src/facts/pipeline/gha.js';
import { before, pipelineAnalysis, whyNotGating, type Op, type Pipeline } from '../src/facts/pipeline/index.js';
import { invocation } from '../src/facts/pipeline/invocation.js';
import { applySet, shellNonGating, stateFromFlags, stateFromShebang } from '../src/facts/pipeline/shell-status.js';
import { stepVocabulary } from '../src/facts/pipeline/steps.js';
import { FileModel, ParserHost } from '../src/model/file-model.js';
import { ProjectModel } from '../src/model/project.js';
import { parseMakefile } from '../src/parse/makefile.js';
import type { ShellCommand, ShellWord } from '../src/parse/shell.js';
import { Grammars } from '../src/parse/tree-sitter.js';
import { tempRepo } from './helpers/run.js';

const ROOT = join(import.meta.dirname, '..');
const host = new ParserHost(await Grammars.load());

async function project(files: Record<string, string>, settings: Settings = {}): Promise<ProjectModel> {
  const root = tempRepo(files);
  const d = await discover({ root, paths: [], ignore: [], maxFileSize: 1024 * 1024 });
  return new ProjectModel(d, host, settings);
}

/** `kind@path:line:col` of each op of a pipeline, job by job, in order. */
function ops(p: Pipeline | undefined): string[] {
  expect(p).toBeDefined();
  return (p as Pipeline).jobs.flatMap((j) =>
    j.ops.map((o) => {
      const r = o.at.file.range(o.at.span);
      return `${j.id}: ${o.kind}@${o.at.file.path}:${r.start.line}:${r.start.column}`;
    }),
  );
}

function words(text: string): ShellWord[] {
  const f = new FileModel('x.sh', '/x.sh', 'shell', text, host);
  return f.shellScript()?.commands[0]?.words ?? [];
}

function shellFile(text: string): FileModel {
  return new FileModel('s.sh', '/s.sh', 'shell', text, host);
}

describe('invocation: launchers are opened up', () => {
  const prog = (cmd: string) => {
    const inv = invocation(words(cmd));
    return inv ? [inv.program, inv.path ?? '', inv.runner ?? ''].join('|') : 'none';
  };
  it.each([
    ['npx --yes promptfoo@0.103.5 redteam run', 'promptfoo||'],
    ['accelerate launch --num_processes 8 --mixed_precision bf16 -m axolotl.cli.train cfg.yml', 'axolotl.cli.train||python'],
    ['accelerate launch --config_file ds.yaml train.py --lr 1e-4', 'train.py|train.py|python'],
    ['torchrun --nproc_per_node=8 scripts/sft.py', 'sft.py|scripts/sft.py|python'],
    ['python3 -u llama.cpp/convert_hf_to_gguf.py model --outtype f16', 'convert_hf_to_gguf.py|llama.cpp/convert_hf_to_gguf.py|python'],
    ['python -m lm_eval --model hf', 'lm_eval||python'],
    ['uv run --with garak python -m garak --probes dan', 'garak||python'],
    ['sudo -E env HF_TOKEN=x huggingface-cli upload a b', 'huggingface-cli||'],
    ['timeout 600 bash -e ./scripts/release.sh v1', 'release.sh|./scripts/release.sh|shell'],
    ['./llama.cpp/build/bin/llama-quantize in.gguf out.gguf Q4_K_M', 'llama-quantize|./llama.cpp/build/bin/llama-quantize|exec'],
    ['make -C deploy publish', 'make||make'],
    ['poetry run python train.py', 'train.py|train.py|python'],
    ['python -c "print(1)"', 'python -c||'],
  ])('%s', (cmd, expected) => {
    expect(prog(cmd)).toBe(expected);
  });
});

describe('Makefile adapter', () => {
  const mk = parseMakefile(
    [
      'PY ?= python3',
      'MODEL := acme/m',
      '',
      '.PHONY: eval publish',
      'eval: build',
      '\t@$(PY) -m garak --probes dan',
      'publish: eval ; echo inline',
      '\t-lm_eval \\',
      '\t  --tasks toxigen',
      'build:',
      '\techo build',
      '',
    ].join('\n'),
  );
  it('reads targets, prerequisites, recipes and variables', () => {
    expect([...mk.targets.keys()]).toEqual(['eval', 'publish', 'build']);
    expect(mk.targets.get('eval')?.prerequisites).toEqual(['build']);
    expect(mk.targets.get('publish')?.recipe.map((r) => [r.text.replace(/\s+/g, ' '), r.ignoreErrors])).toEqual([
      [' echo inline', false],
      ['lm_eval \\ --tasks toxigen', true],
    ]);
    expect(mk.variables.get('PY')).toBe('python3');
    expect(mk.variables.get('MODEL')).toBe('acme/m');
  });
  it('keeps recipe positions', () => {
    const text = 'publish:\n\t@ollama push acme/x\n';
    const line = parseMakefile(text).targets.get('publish')?.recipe[0];
    expect(text.slice(line?.start, (line?.start ?? 0) + 6)).toBe('ollama');
  });
});

describe('shell status: what can and cannot fail a script', () => {
  const ng = (text: string, index: number, flags = '') => {
    const f = shellFile(text);
    const cs = f.shellScript()?.commands ?? [];
    const state = flags ? stateFromFlags(flags) : stateFromShebang(text);
    for (let i = 0; i < index; i++) applySet(cs[i] as ShellCommand, state);
    const r = shellNonGating(f, cs, index, state);
    return r ? `${r.id} ${r.construct}` : 'gating';
  };
  it.each([
    ['lm_eval --tasks toxigen || true\nupload', 0, '-e', 'maskedStatus || true'],
    ['lm_eval --tasks toxigen || { echo failed; exit 1; }\nupload', 0, '-e', 'gating'],
    ['lm_eval --tasks toxigen; exit 0', 0, '-e', 'maskedStatus exit 0'],
    ['lm_eval --tasks toxigen | tee log\nupload', 0, '-e', 'unsafePipe | tee log'],
    ['lm_eval --tasks toxigen | tee log\nupload', 0, '-eo pipefail', 'gating'],
    ['lm_eval --tasks toxigen\nupload', 0, '', 'errexitOff no set -e'],
    ['lm_eval --tasks toxigen', 0, '', 'gating'],
    ['lm_eval --tasks toxigen && echo ok\nupload', 0, '-e', 'errexitOff &&'],
    ['if ! lm_eval --tasks toxigen; then exit 1; fi\nupload', 0, '', 'gating'],
    ['lm_eval --tasks toxigen\nrc=$?\nupload', 0, '', 'gating'],
  ])('%j', (text, index, flags, expected) => {
    expect(ng(text, index, flags)).toBe(expected);
  });
  it('reads options from shebangs and GitHub shells', () => {
    expect(stateFromShebang('#!/bin/bash -e\n')).toEqual({ errexit: true, pipefail: false });
    expect(stateFromShebang('#!/usr/bin/env bash\n')).toEqual({ errexit: false, pipefail: false });
    expect(ghaShellState(undefined)).toEqual({ errexit: true, pipefail: false });
    expect(ghaShellState('bash')).toEqual({ errexit: true, pipefail: true });
    expect(ghaShellState('bash --noprofile --norc {0}')).toEqual({ errexit: false, pipefail: false });
  });
  it('knows which conditions run after a failure', () => {
    expect(runsAfterFailure('${{ always() }}')).toBe(true);
    expect(runsAfterFailure('${{ !cancelled() }}')).toBe(true);
    expect(runsAfterFailure('failure()')).toBe(true);
    expect(runsAfterFailure("always() && needs.eval.result == 'success'")).toBe(false);
    expect(runsAfterFailure("github.ref == 'refs/heads/main'")).toBe(false);
    expect(runsAfterFailure('${{ !cancelled() && !failure() }}')).toBe(false);
    expect(runsAfterFailure("always() && needs.eval.result != 'failure'")).toBe(false);
    expect(runsAfterFailure('success() || failure()')).toBe(true);
  });
});

describe('pipeline model: GitHub Actions', () => {
  it('orders jobs by needs (transitively), steps in order, and inlines called workflows and composite actions', async () => {
    const p = await project({
      '.github/workflows/release.yml': [
        'name: release',
        'on: workflow_dispatch',
        'jobs:',
        '  eval:',
        '    uses: ./.github/workflows/eval.yml',
        '  build:',
        '    needs: eval',
        '    runs-on: ubuntu-latest',
        '    steps:',
        '      - uses: ./.github/actions/quantize',
        '  publish:',
        '    needs: [build]',
        '    runs-on: ubuntu-latest',
        '    steps:',
        '      - run: echo start',
        '      - run: |',
        '          huggingface-cli upload acme/m ./out',
      ].join('\n'),
      '.github/workflows/eval.yml': ['on: workflow_call', 'jobs:', '  garak:', '    runs-on: x', '    steps:', '      - run: garak --probes dan'].join('\n'),
      '.github/actions/quantize/action.yml': ['name: q', 'runs:', '  using: composite', '  steps:', '    - shell: bash', '      run: llama-quantize a.gguf b.gguf Q4_K_M'].join('\n'),
    });
    const a = pipelineAnalysis(p, {});
    expect(a.pipelines.map((x) => x.id)).toEqual(['.github/workflows/release.yml']);
    const pl = a.pipelines[0];
    expect(ops(pl)).toEqual([
      'build: quantize@.github/actions/quantize/action.yml:6:12',
      'publish: publish@.github/workflows/release.yml:17:11',
      'eval/garak: evaluate@.github/workflows/eval.yml:6:14',
    ]);
    const byKind = (k: string): Op => pl?.jobs.flatMap((j) => j.ops).find((o) => o.kind === k) as Op;
    expect(before(byKind('evaluate'), byKind('quantize'))).toBe(true);
    expect(before(byKind('quantize'), byKind('publish'))).toBe(true);
    expect(before(byKind('publish'), byKind('evaluate'))).toBe(false);
    expect(whyNotGating(byKind('evaluate'), byKind('publish'))).toBeUndefined();
    // The eval ran before the quantization: the quantize rule says so.
    expect(a.verdicts.map((v) => `${v.rule} ${v.messageId}`)).toEqual(['quantize-without-eval evalBeforeQuantize']);
  });

  it('splices scripts, Makefile targets and Python scripts that steps run, with the script positions', async () => {
    const p = await project({
      '.github/workflows/ship.yml': ['on: push', 'jobs:', '  ship:', '    runs-on: x', '    steps:', '      - run: make ship'].join('\n'),
      Makefile: ['ship: train', '\tbash scripts/push.sh', '', 'train:', '\tpython train.py', ''].join('\n'),
      'scripts/push.sh': '#!/bin/sh\nset -e\nhf upload acme/m out\n',
      'train.py': ['from trl import SFTTrainer', '', 'def main():', '    t = SFTTrainer(model="m")', '    t.train()', '', 'main()', ''].join('\n'),
    });
    const a = pipelineAnalysis(p, {});
    expect(a.pipelines.map((x) => x.id)).toEqual(['.github/workflows/ship.yml']);
    expect(ops(a.pipelines[0])).toEqual(['ship: finetune@train.py:5:5', 'ship: publish@scripts/push.sh:3:1']);
    expect(a.verdicts.map((v) => `${v.rule} ${v.at.file.path}`)).toEqual(['finetune-without-eval scripts/push.sh']);
  });

  it('follows cd and working-directory to find the scripts a step runs', async () => {
    const p = await project({
      '.github/workflows/a.yml': [
        'on: push',
        'jobs:',
        '  a:',
        '    runs-on: x',
        '    defaults:',
        '      run:',
        '        working-directory: training',
        '    steps:',
        '      - run: |',
        '          cd scripts',
        '          ./publish.sh',
        '      - run: bash scripts/publish.sh',
        '      - working-directory: .',
        '        run: cd ${{ github.workspace }}/training && python train.py',
      ].join('\n'),
      'training/scripts/publish.sh': '#!/bin/sh\nset -e\nollama push acme/m:1\n',
      'training/train.py': 'from trl import SFTTrainer\nSFTTrainer(model="m").train()\n',
    });
    expect(ops(pipelineAnalysis(p, {}).pipelines[0])).toEqual(['a: publish@training/scripts/publish.sh:3:1', 'a: publish@training/scripts/publish.sh:3:1', 'a: finetune@training/train.py:2:1']);
  });

  it('links workflow_run chains, and gates them only with a conclusion check', async () => {
    const files = (check: boolean) => ({
      '.github/workflows/eval.yml': ['name: eval', 'on: push', 'jobs:', '  e:', '    runs-on: x', '    steps:', '      - run: garak --probes dan'].join('\n'),
      '.github/workflows/pub.yml': [
        'name: pub',
        'on:',
        '  workflow_run:',
        '    workflows: [eval]',
        '    types: [completed]',
        'jobs:',
        '  p:',
        ...(check ? ["    if: github.event.workflow_run.conclusion == 'success'"] : []),
        '    runs-on: x',
        '    steps:',
        '      - run: ollama push acme/m:1',
      ].join('\n'),
    });
    expect(pipelineAnalysis(await project(files(true)), {}).verdicts).toEqual([]);
    expect(pipelineAnalysis(await project(files(false)), {}).verdicts.map((v) => `${v.rule} ${v.messageId}`)).toEqual(['non-gating-eval workflowRunUnchecked']);
  });

  it('reads matrix values for continue-on-error and lm_eval tasks', async () => {
    const p = await project({
      '.github/workflows/m.yml': [
        'on: push',
        'jobs:',
        '  e:',
        '    runs-on: x',
        '    continue-on-error: ${{ matrix.experimental }}',
        '    strategy:',
        '      matrix:',
        '        task: [toxigen]',
        '        include:',
        '          - task: bbq',
        '            experimental: true',
        '    steps:',
        '      - run: lm_eval --tasks ${{ matrix.task }}',
        '  p:',
        '    needs: e',
        '    runs-on: x',
        '    steps:',
        '      - run: hf upload acme/m out',
      ].join('\n'),
    });
    const a = pipelineAnalysis(p, {});
    const ev = a.pipelines[0]?.jobs[0]?.ops[0];
    expect(ev?.tasks).toEqual({ list: ['toxigen', 'bbq'], capabilityOnly: false });
    expect(a.verdicts.map((v) => `${v.rule} ${v.messageId}`)).toEqual(['non-gating-eval continueOnError']);
  });
});

describe('pipeline model: GitLab CI', () => {
  it('orders jobs by stages (default stages too) and needs, with extends and local includes', async () => {
    const p = await project({
      '.gitlab-ci.yml': [
        "include: 'ci/base.yml'",
        '',
        'train:',
        '  extends: .gpu',
        '  stage: build',
        '  script:',
        '    - trl sft --output_dir out',
        'eval:',
        '  extends: .gpu',
        '  script: [garak --probes dan]',
        'pub:',
        '  stage: deploy',
        '  needs: [train]',
        '  script:',
        '    - hf upload acme/m out',
      ].join('\n'),
      'ci/base.yml': ['.gpu:', '  tags: [gpu]', '  before_script:', '    - pip install -r requirements.txt'].join('\n'),
    });
    const a = pipelineAnalysis(p, {});
    const pl = a.pipelines[0] as Pipeline;
    expect(pl.jobs.map((j) => `${j.id}<-${j.preds.map((x) => x.id).join(',')}`)).toEqual(['train<-', 'eval<-train', 'pub<-train']);
    // pub needs only train: the eval in the test stage does not run before it.
    expect(a.verdicts.map((v) => `${v.rule} ${v.messageId}`)).toEqual(['finetune-without-eval noEval']);
    expect(a.verdicts[0]?.data.note).toMatch(/does not run before it: put it in an earlier stage or add "eval" to `needs:`/);
  });

  it('treats allow_failure and after_script as non-gating', async () => {
    const p = await project({
      '.gitlab-ci.yml': ['e:', '  stage: test', '  script: [echo]', '  after_script:', '    - garak --probes dan', 'd:', '  stage: deploy', '  script:', '    - ollama push acme/m:1'].join('\n'),
    });
    const v = pipelineAnalysis(p, {}).verdicts;
    expect(v.map((x) => `${x.rule} ${x.messageId} ${x.data.reason}`)).toEqual(['non-gating-eval errexitOff it runs in `after_script`, whose failures do not fail the job']);
  });
});

describe('step classification', () => {
  /** The kinds of ops one `run:` line gives, in a job named `job`. */
  const kinds = async (cmd: string, job = 'build', extra: Record<string, string> = {}): Promise<string> => {
    const p = await project({ '.github/workflows/x.yml': ['on: push', 'jobs:', `  ${job}:`, '    runs-on: x', '    steps:', `      - run: ${JSON.stringify(cmd)}`].join('\n'), ...extra });
    return (
      pipelineAnalysis(p, {})
        .pipelines[0]?.jobs.flatMap((j) => j.ops.map((o) => o.kind))
        .join(',') ?? ''
    );
  };
  it.each([
    ['huggingface-cli upload acme/m ./out', 'publish'],
    ['hf upload acme/m ./out', 'publish'],
    ['git push https://user:$HF_TOKEN@huggingface.co/acme/m main', 'publish'],
    ['git push origin main', ''],
    ['ollama push acme/m:7b', 'publish'],
    ['ollama create acme/m:q4 --quantize q4_K_M -f Modelfile', 'quantize'],
    ['cog push r8.im/acme/m', 'publish'],
    ['mlflow models register -m runs:/x/model -n support', 'publish'],
    ['sky serve up serve.yaml', 'deploy'],
    ['gcloud run deploy llm --image vllm/vllm-openai:v0.6.4', 'deploy'],
    ['gcloud run deploy web --image gcr.io/acme/web:1', ''],
    ['axolotl train cfg.yml', 'finetune'],
    ['trl dpo --model_name_or_path m', 'finetune'],
    ['tune run lora_finetune_single_device --config c.yaml', 'finetune'],
    ['tune run eleuther_eval --config e.yaml tasks=[toxigen]', 'evaluate'],
    ['tune run generate --config g.yaml', ''],
    ['llamafactory-cli train sft.yaml', 'finetune'],
    ['openai api fine_tuning.jobs.create -t file-abc -m gpt-4o-mini-2024-07-18', 'finetune'],
    ['optimum-cli export onnx --model m out/', 'quantize'],
    ['python -m mlx_lm.convert --hf-path m -q', 'quantize'],
    ['python -m mlx_lm.convert --hf-path m', ''],
    ['lm_eval --model hf --tasks toxigen', 'evaluate'],
    ['python -m garak --probes dan', 'evaluate'],
    ['npx promptfoo@latest redteam run', 'evaluate'],
    ['inspect eval inspect_evals/strong_reject --model hf/m', 'evaluate'],
    ['deepeval test run test_safety.py', 'evaluate'],
    ['python HarmBench/generate_completions.py --model m', 'evaluate'],
    ['pip install garak lm-eval', ''],
    ['echo lm_eval', ''],
  ])('%s', async (cmd, expected) => {
    expect(await kinds(cmd)).toBe(expected);
  });
  it('counts `vllm serve` as a deploy only in a deploy job or script', async () => {
    expect(await kinds('vllm serve acme/m --port 8000', 'deploy-prod')).toBe('deploy');
    expect(await kinds('vllm serve acme/m --port 8000 &', 'safety-eval')).toBe('');
  });
  it('reads Python scripts a step runs: Llama Guard scoring, PyRIT, giskard, OpenAI fine-tuning, GGUF exports', async () => {
    const py = (code: string) => kinds('python job.py', 'build', { 'job.py': code });
    expect(await py('from transformers import AutoModelForCausalLM\nguard = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-Guard-3-8B")\n')).toBe('evaluate');
    expect(await py('from pyrit.orchestrator import PromptSendingOrchestrator\nPromptSendingOrchestrator(objective_target=None)\n')).toBe('evaluate');
    expect(await py('import giskard\nreport = giskard.scan(model, dataset)\n')).toBe('evaluate');
    expect(await py('from openai import OpenAI\nclient = OpenAI()\nclient.fine_tuning.jobs.create(training_file="file-abc", model="gpt-4o-mini-2024-07-18")\n')).toBe('finetune');
    expect(await py('from unsloth import FastLanguageModel\nmodel.push_to_hub_gguf("acme/m-GGUF", tokenizer, quantization_method="q4_k_m")\n')).toBe('quantize,publish');
    expect(await py('from huggingface_hub import HfApi\nHfApi().upload_folder(folder_path="out", repo_id="acme/m")\n')).toBe('publish');
  });
});

describe('step vocabulary', () => {
  it('is valid data, and the settings schema describes steps the same way', () => {
    const schema = JSON.parse(readFileSync(join(ROOT, 'schemas', 'pipeline-steps.schema.json'), 'utf8'));
    const data = JSON.parse(readFileSync(join(ROOT, 'src', 'data', 'pipeline-steps.json'), 'utf8'));
    const validate = new Ajv({ allErrors: true, strict: true }).compile(schema);
    expect(validate(data) ? [] : validate.errors).toEqual([]);
    const config = JSON.parse(readFileSync(join(ROOT, 'schemas', 'config.schema.json'), 'utf8'));
    expect(config.definitions.pipelineStep).toEqual(schema.definitions.step);
    const ids = data.steps.map((s: { id: string }) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('takes extra steps and eval commands from settings', async () => {
    const settings: Settings = {
      pipeline: { evalCommands: ['make safety-gate'], steps: [{ id: 'acme-push', kind: 'publish', tool: 'acme registry', command: ['acme-models push'] }] },
    };
    const v = stepVocabulary(settings);
    expect(v.commands.some((c) => c.text === 'acme-models push')).toBe(true);
    const files = {
      '.github/workflows/x.yml': ['on: push', 'jobs:', '  a:', '    runs-on: x', '    steps:', '      - run: make safety-gate', '      - run: acme-models push support:1'].join('\n'),
    };
    expect(pipelineAnalysis(await project(files, settings), settings).verdicts).toEqual([]);
    const without = { pipeline: { steps: settings.pipeline?.steps } } as Settings;
    expect(pipelineAnalysis(await project(files, without), without).verdicts.map((x) => x.rule)).toEqual(['deploy-without-eval']);
  });
});

describe('standalone scripts', () => {
  it('judges a script by the pipeline that runs it, and scripts nobody runs on their own', async () => {
    const p = await project({
      '.github/workflows/a.yml': ['on: push', 'jobs:', '  a:', '    runs-on: x', '    steps:', '      - run: garak --probes dan', '      - run: ./scripts/pub.sh'].join('\n'),
      'scripts/pub.sh': '#!/bin/bash\nset -e\nollama push acme/m:1\n',
      'scripts/other.sh': '#!/bin/bash\nset -e\nollama push acme/m:2\n',
    });
    const v = pipelineAnalysis(p, {}).verdicts;
    expect(v.map((x) => `${x.rule} ${x.at.file.path} ${x.confidence}`)).toEqual(['deploy-without-eval scripts/other.sh medium']);
  });

  it('reads a Python entry script that publishes through a function of another module', async () => {
    const p = await project({
      'train.py': [
        'from trl import SFTTrainer',
        'from helpers.hub import publish',
        '',
        'if __name__ == "__main__":',
        '    trainer = SFTTrainer(model="m")',
        '    trainer.train()',
        '    publish(trainer.model)',
      ].join('\n'),
      'helpers/__init__.py': '',
      'helpers/hub.py': ['def publish(model):', '    model.push_to_hub("acme/m")'].join('\n'),
    });
    const v = pipelineAnalysis(p, {}).verdicts;
    expect(v.map((x) => `${x.rule} ${x.at.file.path} ${x.data.where}`)).toEqual(['finetune-without-eval helpers/hub.py Script train.py']);
  });

  it('reads Python scripts in execution order, entering functions where they are called', async () => {
    const p = await project({
      'push.py': [
        'from huggingface_hub import HfApi',
        'import lm_eval',
        '',
        'def publish():',
        '    HfApi().upload_folder(folder_path="out", repo_id="acme/m")',
        '',
        'def check():',
        '    lm_eval.simple_evaluate(model="hf", tasks=["mmlu"])',
        '',
        'if __name__ == "__main__":',
        '    check()',
        '    publish()',
      ].join('\n'),
    });
    const a = pipelineAnalysis(p, {});
    expect(ops(a.pipelines[0])).toEqual(['main: evaluate@push.py:8:5', 'main: publish@push.py:5:5']);
    expect(a.verdicts.map((v) => `${v.rule} ${v.data.note}`)).toEqual([
      'deploy-without-eval  The evaluation `lm_eval.simple_evaluate(…)` (line 8) runs only capability benchmarks (mmlu), which say nothing about safety.',
    ]);
  });
});
