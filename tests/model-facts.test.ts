import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { hfLoads } from '../src/facts/hf-loads.js';
import { imageRefs } from '../src/facts/images.js';
import { configModels, isModelKey, ollamaUris, recipeModels } from '../src/facts/model-config.js';
import { classifyApiModel, hubIdKind, isAllowedModel, isCommitSha, parseOllamaRef, providers } from '../src/facts/model-ids.js';
import { configServes, dockerRuns, eachValue, hubDownloads, lmEvalRuns, modelArgs, ollamaCommands, serverLaunches } from '../src/facts/model-launches.js';
import { modelRefs } from '../src/facts/model-refs.js';
import { revisionState } from '../src/facts/pinning.js';
import { pyString, tsString } from '../src/facts/values.js';
import { FileModel, ParserHost } from '../src/model/file-model.js';
import { parseModelfile } from '../src/parse/modelfile.js';
import { SyntaxKind } from '../src/parse/typescript.js';
import { Grammars } from '../src/parse/tree-sitter.js';
import type { FileKind, Span } from '../src/types.js';
import { scanFiles, tempRepo } from './helpers/run.js';
import { discover } from '../src/discovery/discover.js';
import { ProjectModel } from '../src/model/project.js';

const ROOT = join(import.meta.dirname, '..');
const host = new ParserHost(await Grammars.load());

function file(path: string, role: FileKind, text: string): FileModel {
  return new FileModel(path, `/repo/${path}`, role, text, host);
}

/** The text a span covers. */
const at = (f: FileModel, s: Span | undefined): string => (s ? f.text.slice(s.start, s.end) : '<none>');

describe('model alias data', () => {
  const data = JSON.parse(readFileSync(join(ROOT, 'src/data/model-aliases.json'), 'utf8')) as {
    providers: Array<{ id: string; snapshots?: Record<string, string[]> }>;
  };

  it('validates against its schema, and every pattern compiles', () => {
    const schema = JSON.parse(readFileSync(join(ROOT, 'schemas/model-aliases.schema.json'), 'utf8'));
    const validate = new Ajv({ allErrors: true, strict: true }).compile(schema);
    expect(validate(data) ? [] : validate.errors).toEqual([]);
    expect(() => providers({})).not.toThrow();
  });

  it('is consistent: every listed alias floats and every listed snapshot is pinned, under its provider', () => {
    for (const p of data.providers) {
      for (const [alias, snaps] of Object.entries(p.snapshots ?? {})) {
        expect(classifyApiModel(alias, {}), alias).toMatchObject({ status: 'floating', provider: { id: p.id } });
        for (const s of snaps) expect(classifyApiModel(s, {}), s).toMatchObject({ status: 'pinned', provider: { id: p.id } });
      }
    }
  });
});

describe('classifyApiModel', () => {
  const cases: Array<[string, string | undefined, 'floating' | 'pinned' | undefined]> = [
    ['gpt-4o', 'openai', 'floating'],
    ['gpt-4o-2024-08-06', 'openai', 'pinned'],
    ['gpt-3.5-turbo-0125', 'openai', 'pinned'],
    ['chatgpt-4o-latest', 'openai', 'floating'],
    ['o1', 'openai', 'floating'],
    ['o3-mini-2025-01-31', 'openai', 'pinned'],
    ['text-embedding-3-small', 'openai', 'pinned'],
    ['ft:gpt-4o-mini-2024-07-18:acme::abc123', 'openai', 'pinned'],
    ['openai/gpt-4o', 'openai', 'floating'],
    ['openai:chat:gpt-4o-mini', 'openai', 'floating'],
    // Open-weight models named after GPT are not OpenAI API aliases; Groq serves gpt-oss under its Hub id.
    ['openai/gpt-oss-120b', 'groq', 'pinned'],
    ['gpt-oss-20b', undefined, undefined],
    ['gpt-nemo-2b', undefined, undefined],
    ['gpt-j-6b', undefined, undefined],
    ['gpt-neox-20b', undefined, undefined],
    ['gpt2', undefined, undefined],
    ['gpt2-medium', undefined, undefined],
    ['gpt-4.1-mini', 'openai', 'floating'],
    ['gpt-4.1-2025-04-14', 'openai', 'pinned'],
    ['gpt-5', 'openai', 'floating'],
    ['gpt-3.5-turbo', 'openai', 'floating'],
    ['gpt-4-turbo', 'openai', 'floating'],
    ['o4-mini', 'openai', 'floating'],
    ['whisper-1', 'openai', 'pinned'],
    ['whisper-large-v3', 'groq', 'pinned'],
    ['claude-3-5-sonnet-latest', 'anthropic', 'floating'],
    ['claude-3-5-sonnet-20241022', 'anthropic', 'pinned'],
    ['claude-sonnet-4-5', 'anthropic', 'floating'],
    ['claude-3-5-sonnet-v2@20241022', 'anthropic', 'pinned'],
    ['anthropic/claude-3-5-haiku-latest', 'anthropic', 'floating'],
    ['gemini-1.5-pro', 'google', 'floating'],
    ['gemini-1.5-pro-002', 'google', 'pinned'],
    ['models/gemini-1.5-flash', 'google', 'floating'],
    ['gemini-2.5-pro', 'google', 'pinned'],
    ['gemini-2.5-flash-preview-05-20', 'google', 'pinned'],
    ['gemini-2.0-flash-exp', 'google', 'floating'],
    ['mistral-large-latest', 'mistral', 'floating'],
    ['mistral-large-2411', 'mistral', 'pinned'],
    ['open-mixtral-8x7b', 'mistral', 'pinned'],
    ['command-r-plus', 'cohere', 'floating'],
    ['command-r-plus-08-2024', 'cohere', 'pinned'],
    ['embed-english-v3.0', 'cohere', 'pinned'],
    ['llama-3.3-70b-versatile', 'groq', 'pinned'],
    ['compound-beta', 'groq', 'floating'],
    ['groq/compound', 'groq', 'floating'],
    ['anthropic.claude-3-5-sonnet-20241022-v2:0', 'bedrock', 'pinned'],
    ['us.meta.llama3-2-90b-instruct-v1:0', 'bedrock', 'pinned'],
    ['meta-llama/Llama-3.1-8B-Instruct', undefined, undefined],
    ['llama3', undefined, undefined],
    ['acme-support-v3', undefined, undefined],
    ['gpt 4o', undefined, undefined],
  ];
  it.each(cases)('%s → %s %s', (id, provider, status) => {
    const c = classifyApiModel(id, {});
    expect(c?.provider.id).toBe(provider);
    expect(c?.status).toBe(status);
  });

  it('tries the SDK provider first', () => {
    // `mistral-saba-24b` is a Groq-hosted model name and a Mistral family name.
    expect(classifyApiModel('mistral-saba-24b', {}, 'groq')?.provider.id).toBe('groq');
  });

  it('takes settings: new providers, and patterns that extend a known one', () => {
    const settings = {
      models: {
        aliases: [
          { id: 'acme', models: ['^acme-'], floating: ['^acme-chat$'], default: 'pinned' as const },
          { id: 'openai', pinned: ['^gpt-4o$'] },
        ],
      },
    };
    expect(classifyApiModel('acme-chat', settings)?.status).toBe('floating');
    expect(classifyApiModel('acme-chat-2', settings)?.status).toBe('pinned');
    expect(classifyApiModel('gpt-4o', settings)?.status).toBe('pinned');
    expect(classifyApiModel('gpt-4o', {})?.status).toBe('floating');
  });

  it('reports a broken pattern in settings by name', () => {
    expect(() => providers({ models: { aliases: [{ id: 'bad', models: ['(('] }] } })).toThrow(/settings\.models\.aliases \(bad\): invalid pattern/);
  });
});

describe('model id helpers', () => {
  it.each([
    ['meta-llama/Llama-3.1-8B-Instruct', 'hub'],
    ['gpt2', 'hub'],
    ['bert-base-uncased', 'hub'],
    ['all-MiniLM-L6-v2', 'unknown'],
    ['./outputs/merged', 'local'],
    ['/models/llama', 'local'],
    ['~/models/llama', 'local'],
    ['outputs/sft/checkpoint-500', 'local'],
    ['models/model.safetensors', 'local'],
    ['C:\\models\\llama', 'local'],
    ['https://example.com/x', 'unknown'],
    ['org/na me', 'unknown'],
  ] as const)('hubIdKind(%s) = %s', (v, kind) => {
    expect(hubIdKind(v)).toBe(kind);
  });

  it('treats bare names as Hub ids where the API adds the organisation', () => {
    expect(hubIdKind('all-MiniLM-L6-v2', true)).toBe('hub');
  });

  it('only a full 40-hex sha pins', () => {
    expect(isCommitSha('866a1744564be1a2aa43c15048f0738dc7301de5')).toBe(true);
    expect(isCommitSha('866a174')).toBe(false);
    expect(revisionState({ present: false })).toBe('absent');
    expect(revisionState({ present: true, empty: true })).toBe('absent');
    expect(revisionState({ present: true, value: 'main', exact: true })).toBe('branch');
    expect(revisionState({ present: true, value: '866a174', exact: true })).toBe('abbreviated');
    expect(revisionState({ present: true })).toBe('unknown');
    expect(revisionState({ present: true, value: '866a1744564be1a2aa43c15048f0738dc7301de5', exact: true })).toBe('pinned');
  });

  it('parses Ollama references', () => {
    expect(parseOllamaRef('llama3')).toEqual({ name: 'llama3', hub: false });
    expect(parseOllamaRef('llama3.1:8b-instruct-q4_K_M')).toMatchObject({ name: 'llama3.1', tag: '8b-instruct-q4_K_M', tagOffset: 9 });
    expect(parseOllamaRef('registry.ollama.ai/library/llama3:latest')).toMatchObject({ name: 'registry.ollama.ai/library/llama3', tag: 'latest' });
    expect(parseOllamaRef('hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF')).toEqual({ name: 'hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF', hub: true });
    expect(parseOllamaRef('./model.gguf')).toBeUndefined();
    expect(parseOllamaRef('sha256:abc')).toBeUndefined();
  });

  it('honours settings.models.allowed (exact ids and globs)', () => {
    const s = { models: { allowed: ['gpt-4o', 'internal/*'] } };
    expect(isAllowedModel('gpt-4o', s)).toBe(true);
    expect(isAllowedModel('internal/llama', s)).toBe(true);
    expect(isAllowedModel('gpt-4o-mini', s)).toBe(false);
  });

  it.each([
    ['OPENAI_MODEL', true],
    ['LLM_MODEL_NAME', true],
    ['model', true],
    ['chatModel', true],
    ['embedding-model-id', true],
    ['MODEL_TIMEOUT', false],
    ['MODEL_REGISTRY_URL', false],
    ['AZURE_OPENAI_MODEL', false],
    ['models', false],
  ] as const)('isModelKey(%s) = %s', (k, v) => {
    expect(isModelKey(k)).toBe(v);
  });
});

describe('static values', () => {
  it('Python: constants, parameter defaults, single assignments, env defaults', () => {
    const f = file(
      'app.py',
      'python',
      `import os
ORG = "Qwen"
MODEL = f"{ORG}/Qwen2.5-7B"

def load(model="org/default", other=None):
    local_id = "org/local"
    twice = "a/b"
    twice = "c/d"
    use(model, local_id, twice, MODEL, os.environ.get("M", "org/env"), other)
`,
    );
    const py = f.python();
    const call = py?.calls().find((c) => c.callee === 'use');
    const vals = (call?.args ?? []).map((a) => pyString(f, a));
    expect(vals.map((v) => v && [v.value, v.via])).toEqual([
      ['org/default', 'parameter-default'],
      ['org/local', 'constant'],
      undefined,
      ['Qwen/Qwen2.5-7B', 'template'],
      ['org/env', 'env-default'],
      undefined,
    ]);
  });

  it('TypeScript: const objects, spreads, parameter defaults, env defaults', () => {
    const f = file(
      'a.ts',
      'typescript',
      `const MODELS = { chat: "gpt-4o" } as const;
function f(model = "gpt-4o-mini", { size = "8b" } = {}) {
  use(MODELS.chat, model, size, process.env.M ?? "claude-3-5-sonnet-latest");
}
`,
    );
    const ts = f.ts();
    const call = ts?.source.getDescendantsOfKind(SyntaxKind.CallExpression).find((n) => n.getText().startsWith('use('));
    const args = call?.getArguments() ?? [];
    expect(args.map((a) => tsString(f, a)).map((v) => v && [v.value, v.via])).toEqual([
      ['gpt-4o', 'literal'],
      ['gpt-4o-mini', 'parameter-default'],
      ['8b', 'parameter-default'],
      ['claude-3-5-sonnet-latest', 'env-default'],
    ]);
  });
});

describe('hfLoads', () => {
  it('resolves import aliases, keyword and positional model ids, and revisions', () => {
    const f = file(
      'm.py',
      'python',
      `import transformers as tf
from transformers import pipeline
from peft import PeftModel
R = "866a1744564be1a2aa43c15048f0738dc7301de5"
tf.AutoModel.from_pretrained("org/a", revision=R)
tf.AutoTokenizer.from_pretrained(pretrained_model_name_or_path="org/b", revision="main")
pipeline("text-generation", "org/c")
PeftModel.from_pretrained(base, model_id="org/d")
`,
    );
    const loads = hfLoads(f);
    expect(loads.map((l) => [l.api, l.modelArg?.str?.value, l.modelKind, l.revision?.str?.value])).toEqual([
      ['tf.AutoModel.from_pretrained', 'org/a', 'hub', R_SHA],
      ['tf.AutoTokenizer.from_pretrained', 'org/b', 'hub', 'main'],
      ['pipeline', 'org/c', 'hub', undefined],
      ['PeftModel.from_pretrained', 'org/d', 'hub', undefined],
    ]);
  });
});
const R_SHA = '866a1744564be1a2aa43c15048f0738dc7301de5';

describe('model launches', () => {
  it('reads vLLM, TGI and SGLang launches with their flags, through wrappers', () => {
    const f = file(
      's.sh',
      'shell',
      `M=org/model
exec vllm serve "$M" --revision main --trust-remote-code
uv run python -m sglang.launch_server --model-path=org/sg
env CUDA_VISIBLE_DEVICES=0 text-generation-launcher --model-id org/tgi
`,
    );
    const launches = serverLaunches(f);
    expect(launches.map((l) => [l.server, l.model?.value, l.modelFlag, l.revision?.value, l.flags.has('--trust-remote-code')])).toEqual([
      ['vllm', 'org/model', 'positional', 'main', true],
      ['sglang', 'org/sg', '--model-path', undefined, false],
      ['tgi', 'org/tgi', '--model-id', undefined, false],
    ]);
    expect(at(f, launches[1]?.model?.span)).toBe('org/sg');
  });

  it('reads docker run options, environment and the image arguments', () => {
    const f = file('d.sh', 'shell', 'docker run -d --rm --gpus all -p 8080:80 -e MODEL_ID=org/x --env=REVISION=main -v /data:/data ghcr.io/huggingface/text-generation-inference:2.4.1 --port 80\n');
    const [run] = dockerRuns(f);
    expect(run?.image.value).toBe('ghcr.io/huggingface/text-generation-inference:2.4.1');
    expect([...(run?.env.keys() ?? [])]).toEqual(['MODEL_ID', 'REVISION']);
    const [l] = serverLaunches(f);
    expect([l?.server, l?.how, l?.model?.value, l?.revision?.value]).toEqual(['tgi', 'image-args', 'org/x', 'main']);
  });

  it('reads hub downloads, lm_eval model_args and ollama commands', () => {
    const f = file(
      'x.sh',
      'shell',
      `huggingface-cli download org/a --revision main --local-dir x
lm_eval --model hf --model_args pretrained=org/b,trust_remote_code=True --tasks mmlu
docker compose exec ollama ollama pull llama3
curl http://localhost:11434/api/pull -d '{"name": "phi3"}'
`,
    );
    expect(hubDownloads(f).map((d) => [d.repo.value, d.revision?.value])).toEqual([['org/a', 'main']]);
    const [run] = lmEvalRuns(f);
    expect(run?.backend).toBe('hf');
    expect(at(f, run?.modelArgs.get('trust_remote_code')?.span)).toBe('True');
    expect(ollamaCommands(f).map((o) => [o.verb, o.model.value, at(f, o.model.span)])).toEqual([
      ['pull', 'llama3', 'llama3'],
      ['pull', 'phi3', 'phi3'],
    ]);
  });
});

describe('variables of commands', () => {
  it('resolves defaults, positional defaults, values built from variables and self-defaults', () => {
    const f = file(
      'v.sh',
      'shell',
      `MODEL=\${MODEL:-org/a}
B=\${1:-org/b}
ORG=acme; NAME=c
hf download "$MODEL"
hf download "$B"
hf download "$ORG/$NAME"
hf download "$2"
`,
    );
    expect(hubDownloads(f).map((d) => [d.repo.value, d.repo.exact, d.repo.via])).toEqual([
      ['org/a', true, '$MODEL'],
      ['org/b', true, '$B'],
      ['acme/c', true, '$ORG'],
      ['$2', false, undefined],
    ]);
  });

  it('takes the last assignment before the command', () => {
    const f = file('w.sh', 'shell', 'M=org/one\nhf download $M\nM=org/two\nhf download $M\n');
    expect(hubDownloads(f).map((d) => d.repo.value)).toEqual(['org/one', 'org/two']);
  });

  it('knows workflow input defaults, choice options, matrix values and inputs chosen at dispatch', () => {
    const f = file(
      '.github/workflows/w.yml',
      'gha-workflow',
      `on:
  workflow_dispatch:
    inputs:
      a: { default: org/a }
      b: { type: choice, options: [org/b1, org/b2] }
      c: { required: true }
env:
  C: \${{ inputs.c }}
jobs:
  j:
    strategy:
      matrix:
        m: [org/m1, org/m2]
    steps:
      - run: hf download \${{ inputs.a }} && hf download \${{ github.event.inputs.b }} && hf download \${{ env.C }} && hf download \${{ matrix.m }}
`,
    );
    const d = hubDownloads(f);
    expect(d.map((x) => eachValue(x.repo).map((v) => v.value))).toEqual([['org/a'], ['org/b1', 'org/b2'], ['${{ inputs.c }}'], ['org/m1', 'org/m2']]);
    expect(d[2]?.repo.runtimeInputs).toEqual(['c']);
  });

  it('reads Makefile recipes with their variables, and the command input of retry actions', () => {
    const mk = file('Makefile', 'makefile', 'M ?= org/mk\nweights:\n\thuggingface-cli download $(M)\n');
    expect(hubDownloads(mk).map((d) => [d.repo.value, d.command.where])).toEqual([['org/mk', 'target "weights"']]);
    const wf = file('.github/workflows/r.yml', 'gha-workflow', 'on: push\njobs:\n  j:\n    steps:\n      - uses: nick-fields/retry@v3\n        with:\n          command: hf download org/r\n');
    expect(hubDownloads(wf).map((d) => d.repo.value)).toEqual(['org/r']);
  });
});

describe('model arguments of programs', () => {
  it('finds the base model of launches through srun, torchrun and argument variables, with the revision', () => {
    const f = file(
      't.sh',
      'shell',
      `OPTIONS=" \\
    --num-layers 2 \\
    --tokenizer-model org/tok \\
"
srun -N 2 --ntasks-per-node 1 torchrun --nproc_per_node 8 pretrain.py \${OPTIONS}
accelerate launch train.py --model_name_or_path org/base --model_revision main
echo --model_name_or_path org/echoed
vllm serve org/served
`,
    );
    const args = modelArgs(f);
    expect(args.map((a) => [a.program, a.flag, a.model.value, a.revision?.value])).toEqual([
      ['pretrain.py', '--tokenizer-model', 'org/tok', undefined],
      ['train.py', '--model_name_or_path', 'org/base', 'main'],
    ]);
    expect(at(f, args[0]?.model.span)).toBe('org/tok');
  });

  it('reads recipes only where training settings sit next to the model', () => {
    const recipe = file('r.yaml', 'yaml-config', 'base_model: org/x\nrevision_of_model: main\nlearning_rate: 0.0002\n');
    expect(recipeModels(recipe).map((r) => [r.key, r.value, r.revision?.value, r.revisionKey])).toEqual([['base_model', 'org/x', 'main', 'revision_of_model']]);
    expect(recipeModels(file('card.yaml', 'yaml-config', 'license: mit\nbase_model: org/x\ntags: [lora]\n'))).toEqual([]);
  });
});

describe('models served from configuration', () => {
  it('reads model specs next to a serving image, engines, hf:// URIs and KServe arguments', () => {
    const f = file(
      'values.yaml',
      'helm-values',
      `modelSpec:
  - repository: vllm/vllm-openai
    tag: v0.8.5
    modelURL: org/a
    vllmConfig:
      extraArgs: ["--revision", "main"]
app:
  settings:
    model: org/not-served
other:
  engine: VLLM
  url: hf://org/b:0123456789abcdef0123456789abcdef01234567
`,
    );
    expect(configServes(f).map((c) => [c.server, c.key, c.model, c.revision?.value, at(f, c.span)])).toEqual([
      ['vLLM', 'modelURL', 'org/a', 'main', 'org/a'],
      ['vLLM', 'url', 'org/b', '0123456789abcdef0123456789abcdef01234567', 'org/b'],
    ]);
    const k = file(
      'isvc.yaml',
      'k8s',
      'apiVersion: serving.kserve.io/v1beta1\nkind: InferenceService\nspec:\n  predictor:\n    model:\n      modelFormat: { name: huggingface }\n      args: ["--model_id=org/k"]\n',
    );
    expect(configServes(k).map((c) => [c.server, c.model, at(k, c.span)])).toEqual([['KServe (huggingface)', 'org/k', 'org/k']]);
  });

  it('marks specs and images of components the values switch off, and reports them as notes', async () => {
    const text = 'engines:\n  - enabled: false\n    repository: vllm/vllm-openai\n    tag: latest\n    modelURL: org/off\n  - repository: vllm/vllm-openai\n    tag: latest\n    modelURL: org/on\n';
    const f = file('values.yaml', 'helm-values', text);
    expect(configServes(f).map((c) => [c.model, !!c.disabled])).toEqual([
      ['org/off', true],
      ['org/on', false],
    ]);
    expect(imageRefs(f).map((r) => !!r.disabled)).toEqual([true, false]);
    const r = await scanFiles({ 'values.yaml': text });
    expect(r.findings.filter((x) => x.ruleId.startsWith('model-pinning/serv')).map((x) => [x.ruleId, x.range.start.line, x.severity])).toEqual([
      ['model-pinning/serving-image', 4, 'note'],
      ['model-pinning/serve-revision', 5, 'note'],
      ['model-pinning/serving-image', 7, 'error'],
      ['model-pinning/serve-revision', 8, 'error'],
    ]);
  });

  it('reads ollama:// URIs without their query', () => {
    const f = file('m.yaml', 'yaml-config', 'url: "ollama://qwen2:0.5b?insecure=true"\n');
    expect(ollamaUris(f).map((u) => [u.value, at(f, u.span)])).toEqual([['qwen2:0.5b', 'qwen2:0.5b']]);
  });
});

describe('modelRefs', () => {
  it('follows clients, factories and classes in TS', () => {
    const f = file(
      'a.ts',
      'typescript',
      `import OpenAI from "openai";
import { anthropic } from "@ai-sdk/anthropic";
import { ChatOpenAI } from "@langchain/openai";
class Bot { private llm = new OpenAI({ baseURL: "http://localhost:11434/v1" }); go() { return this.llm.chat.completions.create({ model: "llama3" }); } }
const c = new OpenAI();
c.responses.create({ model: "gpt-4o" });
anthropic("claude-3-5-haiku-latest");
new ChatOpenAI({ modelName: "gpt-4o-mini" });
`,
    );
    expect(modelRefs(f).map((r) => [r.api, r.value, r.provider, r.found])).toEqual([
      ['this.llm.chat.completions.create', 'llama3', 'ollama', 'client-call'],
      ['c.responses.create', 'gpt-4o', 'openai', 'client-call'],
      ['anthropic', 'claude-3-5-haiku-latest', 'anthropic', 'factory'],
      ['new ChatOpenAI', 'gpt-4o-mini', 'openai', 'constructor'],
    ]);
  });

  it('follows clients in Python, including inline and `with` clients', () => {
    const f = file(
      'a.py',
      'python',
      `from openai import OpenAI
import anthropic
client = OpenAI()
client.chat.completions.create(model="gpt-4o")
anthropic.Anthropic().messages.create(model="claude-3-5-sonnet-latest", max_tokens=1)
with OpenAI() as c2:
    c2.embeddings.create(model="text-embedding-3-small", input="x")
client.files.list()
`,
    );
    expect(modelRefs(f).map((r) => [r.api, r.value, r.provider])).toEqual([
      ['client.chat.completions.create', 'gpt-4o', 'openai'],
      ['anthropic.Anthropic().messages.create', 'claude-3-5-sonnet-latest', 'anthropic'],
      ['c2.embeddings.create', 'text-embedding-3-small', 'openai'],
    ]);
  });
});

describe('modelRefs across modules', () => {
  async function project(files: Record<string, string>): Promise<ProjectModel> {
    const d = await discover({ root: tempRepo(files), paths: [], ignore: [], maxFileSize: 1 << 20 });
    return new ProjectModel(d, host, {});
  }
  const refs = (p: ProjectModel, path: string) => modelRefs(p.file(path) as FileModel, p).map((r) => [r.api, r.value, r.provider]);

  it('follows a client created two modules away, through a module that passes it on', async () => {
    const p = await project({
      'lib/openai.ts': 'import OpenAI from "openai";\nexport const client = new OpenAI();\n',
      'lib/index.ts': 'import { client } from "./openai";\nexport { client };\n',
      'app/chat.ts': 'import { client } from "../lib";\nexport const ask = () => client.chat.completions.create({ model: "gpt-4o", messages: [] });\n',
    });
    expect(refs(p, 'app/chat.ts')).toEqual([['client.chat.completions.create', 'gpt-4o', 'openai']]);
  });

  it('does not parse the modules of a file that no SDK import reaches', async () => {
    const p = await project({
      'app/model-view.ts': 'import { LIMIT } from "./limits";\nexport const modelRows = LIMIT + 1;\n',
      'app/limits.ts': 'import { base } from "./base";\nexport const LIMIT = base * 2;\n',
      'app/base.ts': 'export const base = 2;\n',
    });
    expect(refs(p, 'app/model-view.ts')).toEqual([]);
    expect([p.file('app/limits.ts')?.parsed, p.file('app/base.ts')?.parsed]).toEqual([false, false]);
  });

  it('still reads a module cycle that reaches an SDK', async () => {
    const p = await project({
      'a.ts': 'import { client } from "./b";\nexport const x = 1;\nclient.responses.create({ model: "gpt-4o-mini" });\n',
      'b.ts': 'import { x } from "./a";\nimport { client } from "./c";\nexport { client, x };\n',
      'c.ts': 'import OpenAI from "openai";\nexport const client = new OpenAI();\n',
    });
    expect(refs(p, 'a.ts')).toEqual([['client.responses.create', 'gpt-4o-mini', 'openai']]);
  });
});

describe('config models and Modelfiles', () => {
  it('finds model settings in YAML configs, skipping LiteLLM labels', () => {
    const f = file(
      'c.yaml',
      'yaml-config',
      `model_list:
  - model_name: gpt-4o
    litellm_params:
      model: openai/gpt-4o
providers:
  - openai:chat:gpt-4o-mini
`,
    );
    expect(configModels(f).map((m) => [m.key, m.value, m.prefixOnly])).toEqual([
      ['model', 'openai/gpt-4o', false],
      ['providers', 'openai:chat:gpt-4o-mini', true],
    ]);
  });

  it('parses Modelfile instructions, with multi-line blocks', () => {
    const text = 'FROM llama3\nsystem """a\nFROM b"""\nadapter ./x\n';
    expect(parseModelfile(text).map((i) => [i.keyword, i.args])).toEqual([
      ['FROM', 'llama3'],
      ['SYSTEM', '"""a\nFROM b"""'],
      ['ADAPTER', './x'],
    ]);
  });
});
