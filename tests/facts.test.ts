import { describe, expect, it } from 'vitest';
import { commands, type LocatedCommand } from '../src/facts/commands.js';
import { envEntries, type EnvEntry } from '../src/facts/env.js';
import { imageRefs, parseImage, substitute } from '../src/facts/images.js';
import { workloads } from '../src/facts/workloads.js';
import { FileModel, ParserHost } from '../src/model/file-model.js';
import { Grammars } from '../src/parse/tree-sitter.js';
import type { FileKind, Span } from '../src/types.js';

const host = new ParserHost(await Grammars.load());

function file(path: string, role: FileKind, text: string): FileModel {
  return new FileModel(path, `/repo/${path}`, role, text, host);
}

/** `line:col-line:col` of a span. */
function at(f: FileModel, span: Span | undefined): string {
  expect(span).toBeDefined();
  const r = f.range(span as Span);
  return `${r.start.line}:${r.start.column}-${r.end.line}:${r.end.column}`;
}

/** Words of a command as `value@line:col-line:col`, `!` after words that are not literal. */
function words(f: FileModel, c: LocatedCommand | undefined): string[] {
  expect(c).toBeDefined();
  return (c as LocatedCommand).words.map((w) => `${w.value}@${at(f, w.span)}${w.literal ? '' : '!'}`);
}

const names = (cmds: LocatedCommand[]): string[] => cmds.map((c) => c.words.map((w) => w.value).join(' '));

function env(f: FileModel, name: string): EnvEntry {
  const e = envEntries(f).find((x) => x.name === name);
  expect(e, name).toBeDefined();
  return e as EnvEntry;
}

/** Where the whole value lands in the file through valueMap. */
function mappedValue(f: FileModel, e: EnvEntry): string {
  expect(e.valueMap && e.value !== undefined).toBe(true);
  const m = e.valueMap as NonNullable<EnvEntry['valueMap']>;
  return at(f, { start: m.toSource(0), end: m.toSource((e.value as string).length) });
}

describe('commands: GitHub Actions', () => {
  const text = `name: eval
on: [push]
defaults:
  run:
    shell: bash
jobs:
  eval:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: Serve
        run: vllm serve "\${{ matrix.model }}" --port 8000 &
      - run: |
          pip install -r requirements.txt
          python eval.py --model \${{ env.MODEL }} && echo done
      - shell: pwsh
        run: Write-Host "vllm serve"
      - id: harness
        run: >-
          lm_eval --model hf
          --tasks mmlu
  report:
    runs-on: windows-latest
    defaults:
      run:
        shell: python
    steps:
      - run: print("not a shell")
      - shell: sh
        run: ./report.sh
`;
  const f = file('.github/workflows/eval.yml', 'gha-workflow', text);
  const cmds = commands(f);

  it('finds run: steps in POSIX shells only', () => {
    expect(names(cmds)).toEqual([
      'vllm serve ${{ matrix.model }} --port 8000',
      'pip install -r requirements.txt',
      'python eval.py --model ${{ env.MODEL }}',
      'echo done',
      'lm_eval --model hf --tasks mmlu',
      './report.sh',
    ]);
    expect(cmds.every((c) => c.origin === 'gha-run')).toBe(true);
  });

  it('positions words of single-line, literal and folded run: blocks; expressions are not literal', () => {
    expect(words(f, cmds[0])).toEqual(['vllm@12:14-12:18', 'serve@12:19-12:24', '${{ matrix.model }}@12:25-12:46!', '--port@12:47-12:53', '8000@12:54-12:58']);
    expect(words(f, cmds[2])).toEqual(['python@15:11-15:17', 'eval.py@15:18-15:25', '--model@15:26-15:33', '${{ env.MODEL }}@15:34-15:50!']);
    expect(words(f, cmds[4])).toEqual(['lm_eval@20:11-20:18', '--model@20:19-20:26', 'hf@20:27-20:29', '--tasks@21:11-21:18', 'mmlu@21:19-21:23']);
  });

  it('says where each command runs', () => {
    expect(cmds.map((c) => [c.where, c.job, c.step])).toEqual([
      ['job "eval" step "Serve"', 'eval', 1],
      ['job "eval" step 3', 'eval', 2],
      ['job "eval" step 3', 'eval', 2],
      ['job "eval" step 3', 'eval', 2],
      ['job "eval" step "harness"', 'eval', 4],
      ['job "report" step 2', 'report', 1],
    ]);
    expect(cmds[2]?.before).toBe(';');
    expect(cmds[2]?.after).toBe('&&');
    expect(cmds[0]?.after).toBeUndefined();
    expect(cmds[2]?.script).toBe(cmds[1]?.script);
  });

  it('finds the steps of a composite action', () => {
    const a = file(
      'action.yml',
      'gha-action',
      `name: smoke
runs:
  using: composite
  steps:
    - run: ollama pull "\${{ inputs.model }}"
      shell: bash
    - name: Check
      run: curl -fsS http://localhost:11434/api/tags
      shell: bash
    - run: Get-ChildItem
      shell: powershell
`,
    );
    const c = commands(a);
    expect(c.map((x) => [x.words[0]?.value, x.where])).toEqual([
      ['ollama', 'step 1'],
      ['curl', 'step "Check"'],
    ]);
    expect(words(a, c[0])[2]).toBe('${{ inputs.model }}@5:24-5:45!');
  });
});

describe('commands: GitLab CI', () => {
  const text = `stages: [eval]
variables:
  MODEL_ID: org/model
before_script:
  - echo global
default:
  before_script:
    - pip install -r requirements.txt
.template:
  script:
    - echo from-template
eval:
  stage: eval
  script:
    - lm_eval --model local-completions --tasks $TASKS
    - - echo nested
      - echo nested-two
  after_script: echo bye
workflow:
  rules:
    - if: $CI
`;
  const f = file('.gitlab-ci.yml', 'gitlab-ci', text);
  const cmds = commands(f);

  it('finds global, default and job scripts, nested lists included', () => {
    expect(cmds.map((c) => [c.words.map((w) => w.value).join(' '), c.where, c.job])).toEqual([
      ['echo global', 'global before_script', '(default)'],
      ['pip install -r requirements.txt', 'default before_script', '(default)'],
      ['echo from-template', 'job ".template" script', '.template'],
      ['lm_eval --model local-completions --tasks $TASKS', 'job "eval" script', 'eval'],
      ['echo nested', 'job "eval" script', 'eval'],
      ['echo nested-two', 'job "eval" script', 'eval'],
      ['echo bye', 'job "eval" after_script', 'eval'],
    ]);
    expect(cmds.every((c) => c.origin === 'gitlab-script')).toBe(true);
  });

  it('positions script words', () => {
    expect(words(f, cmds[3])).toEqual(['lm_eval@15:7-15:14', '--model@15:15-15:22', 'local-completions@15:23-15:40', '--tasks@15:41-15:48', '$TASKS@15:49-15:55!']);
    expect(words(f, cmds[5])).toEqual(['echo@17:9-17:13', 'nested-two@17:14-17:24']);
    expect(words(f, cmds[6])).toEqual(['echo@18:17-18:21', 'bye@18:22-18:25']);
  });
});

describe('commands: GitLab script nesting', () => {
  // GitLab flattens nested script lists (what `!reference` produces) up to 10 levels.
  const nested = (levels: number, cmd: string): string => `${'['.repeat(levels)}"${cmd}"${']'.repeat(levels)}`;
  const f = file('.gitlab-ci.yml', 'gitlab-ci', `deep:\n  script:\n    - ${nested(9, 'echo nine')}\n    - ${nested(12, 'echo twelve')}\n    - echo flat\n`);

  it('reads lists nested as deep as GitLab does and no deeper', () => {
    expect(commands(f).map((c) => c.words.map((w) => w.value).join(' '))).toEqual(['echo nine', 'echo flat']);
  });
});

describe('commands: Dockerfile', () => {
  const text = `FROM python:3.12-slim
RUN --mount=type=cache,target=/root/.cache/pip --network=host pip install -r requirements.txt
RUN ["pip", "install", "vllm==0.6.3"]
ENTRYPOINT ["/bin/bash", "-c", "vllm serve \\"$MODEL_ID\\" --port 8000"]
CMD python3 -m app --model "$MODEL_ID" | tee log.txt
`;
  const f = file('Dockerfile', 'dockerfile', text);
  const cmds = commands(f);

  it('reads RUN in shell form after its flags, and in exec form', () => {
    expect(cmds[0]?.origin).toBe('dockerfile-run');
    expect(words(f, cmds[0])).toEqual(['pip@2:63-2:66', 'install@2:67-2:74', '-r@2:75-2:77', 'requirements.txt@2:78-2:94']);
    expect(cmds[1]?.exec).toBe(true);
    expect(words(f, cmds[1])).toEqual(['pip@3:6-3:11', 'install@3:13-3:22', 'vllm==0.6.3@3:24-3:37']);
    expect(at(f, cmds[1]?.span)).toBe('3:6-3:37');
  });

  it('opens up `bash -c` in exec form, positions right after escaped quotes', () => {
    const entry = cmds.filter((c) => c.origin === 'dockerfile-entrypoint');
    expect(entry).toHaveLength(2);
    expect(entry[0]?.words.map((w) => w.value)).toEqual(['/bin/bash', '-c', 'vllm serve "$MODEL_ID" --port 8000']);
    expect(words(f, entry[1])).toEqual(['vllm@4:33-4:37', 'serve@4:38-4:43', '$MODEL_ID@4:44-4:57!', '--port@4:58-4:64', '8000@4:65-4:69']);
    expect(entry[1]?.where).toBe('ENTRYPOINT');
  });

  it('reads CMD in shell form with its pipeline', () => {
    const cmd = cmds.filter((c) => c.origin === 'dockerfile-cmd');
    expect(names(cmd)).toEqual(['python3 -m app --model $MODEL_ID', 'tee log.txt']);
    expect(cmd[0]?.after).toBe('|');
    expect(words(f, cmd[1])).toEqual(['tee@5:42-5:45', 'log.txt@5:46-5:53']);
  });

  it('reads continuation lines of a shell-form RUN', () => {
    const g = file('Dockerfile.gpu', 'dockerfile', 'FROM x\nRUN apt-get update && \\\n    apt-get install -y curl \\\n    && rm -rf /var/lib/apt/lists/*\n');
    const c = commands(g);
    expect(names(c)).toEqual(['apt-get update', 'apt-get install -y curl', 'rm -rf /var/lib/apt/lists/*']);
    expect(words(g, c[1])[0]).toBe('apt-get@3:5-3:12');
    expect(c[2]?.before).toBe('&&');
  });
});

describe('commands: compose', () => {
  const text = `services:
  vllm:
    image: vllm/vllm-openai:v0.6.3
    command: --model meta-llama/Llama-3.1-8B-Instruct --max-model-len 8192
  tgi:
    image: ghcr.io/huggingface/text-generation-inference:2.4.0
    entrypoint: ["text-generation-launcher"]
    command: ["--model-id", "\${MODEL_ID:-mistralai/Mistral-7B-Instruct-v0.3}", "--port", "80"]
  ollama:
    image: ollama/ollama:0.3.12
    entrypoint: /bin/sh -c
    command: ["ollama serve & sleep 5 && ollama pull llama3"]
  worker:
    image: python:3.12
    command: sh -c 'pip install -r req.txt && python worker.py'
  api:
    image: python:3.12
    command: ["--port", "8080"]
    entrypoint: ["uvicorn", "app:api"]
  jobs:
    image: python:3.12
    entrypoint: ["python", "-m", "jobs"]
    command: "--queue default"
  shell-only:
    image: alpine:3.20
    entrypoint: /docker-entrypoint.sh && exec nginx
  cli:
    image: python:3.12
    entrypoint: python -m cli
    command: --port 8080
`;
  const f = file('docker-compose.yml', 'compose', text);
  const cmds = commands(f);
  const of = (service: string) => cmds.filter((c) => c.workload?.name === service);

  it('parses a command string as shell', () => {
    const c = of('vllm');
    expect(c).toHaveLength(1);
    expect(c[0]?.origin).toBe('compose-command');
    expect(c[0]?.where).toBe('service "vllm"');
    expect(words(f, c[0])).toEqual(['--model@4:14-4:21', 'meta-llama/Llama-3.1-8B-Instruct@4:22-4:54', '--max-model-len@4:55-4:70', '8192@4:71-4:75']);
  });

  it('joins a list entrypoint and a list command into one exec command; ${VAR} is not literal', () => {
    const c = of('tgi');
    expect(c).toHaveLength(1);
    expect(c[0]?.exec).toBe(true);
    expect(words(f, c[0])).toEqual(['text-generation-launcher@7:18-7:44', '--model-id@8:15-8:27', '${MODEL_ID:-mistralai/Mistral-7B-Instruct-v0.3}@8:29-8:78!', '--port@8:80-8:88', '80@8:90-8:94']);
    expect(at(f, c[0]?.span)).toBe('7:18-8:94');
  });

  it('joins a string entrypoint with a list command and opens up sh -c', () => {
    const c = of('ollama');
    expect(names(c)).toEqual(['/bin/sh -c ollama serve & sleep 5 && ollama pull llama3', 'ollama serve', 'sleep 5', 'ollama pull llama3']);
    expect(c.every((x) => x.origin === 'compose-command')).toBe(true);
    expect(c[0]?.exec).toBe(true);
    expect(words(f, c[0])).toEqual(['/bin/sh@11:17-11:24', '-c@11:25-11:27', 'ollama serve & sleep 5 && ollama pull llama3@12:15-12:61']);
    expect(words(f, c[3])).toEqual(['ollama@12:42-12:48', 'pull@12:49-12:53', 'llama3@12:54-12:60']);
    expect(c[1]?.after).toBe('&');
    expect(c[3]?.before).toBe('&&');
  });

  it('joins a string entrypoint with a command string', () => {
    const c = of('cli');
    expect(c).toHaveLength(1);
    expect(c[0]?.origin).toBe('compose-command');
    expect(words(f, c[0])).toEqual(['python@29:17-29:23', '-m@29:24-29:26', 'cli@29:27-29:30', '--port@30:14-30:20', '8080@30:21-30:25']);
  });

  it("opens up `sh -c '...'` in a command string", () => {
    const c = of('worker');
    expect(names(c)).toEqual(['sh -c pip install -r req.txt && python worker.py', 'pip install -r req.txt', 'python worker.py']);
    expect(words(f, c[2])).toEqual(['python@15:47-15:53', 'worker.py@15:54-15:63']);
    // the inner commands keep the script they came from
    expect(c[2]?.script?.commands).toHaveLength(2);
  });

  it('puts the entrypoint first even when it is written after the command', () => {
    const c = of('api');
    expect(c).toHaveLength(1);
    expect(c[0]?.words.map((w) => w.value)).toEqual(['uvicorn', 'app:api', '--port', '8080']);
    // the span covers both keys, start before end
    expect(at(f, c[0]?.span)).toBe('18:15-19:38');
  });

  it('prefixes the words of a command string with a list entrypoint', () => {
    const c = of('jobs');
    expect(c).toHaveLength(1);
    expect(c[0]?.exec).toBe(true);
    expect(words(f, c[0])).toEqual(['python@22:18-22:26', '-m@22:28-22:32', 'jobs@22:34-22:40', '--queue@23:15-23:22', 'default@23:23-23:30']);
  });

  it('parses an entrypoint string alone as a script of its own', () => {
    const c = of('shell-only');
    expect(names(c)).toEqual(['/docker-entrypoint.sh', 'exec nginx']);
    expect(c.every((x) => x.origin === 'compose-entrypoint')).toBe(true);
    expect(words(f, c[1])).toEqual(['exec@26:42-26:46', 'nginx@26:47-26:52']);
  });
});

describe('commands: Kubernetes and Helm values', () => {
  const text = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: vllm
spec:
  template:
    spec:
      initContainers:
        - name: fetch
          image: amazon/aws-cli:2.17.0
          command: ["sh", "-c"]
          args:
            - aws s3 cp s3://models/llama /models --recursive && echo fetched
      containers:
        - name: server
          image: vllm/vllm-openai:v0.6.3
          command: ["python3", "-m", "vllm.entrypoints.openai.api_server"]
          args: ["--model", "$(MODEL_ID)", "--port", "8000"]
---
apiVersion: batch/v1
kind: Job
metadata:
  name: eval
spec:
  template:
    spec:
      containers:
        - name: harness
          image: python:3.12
          args: ["lm_eval", "--tasks", "mmlu"]
`;
  const f = file('k8s/vllm.yaml', 'k8s', text);
  const cmds = commands(f);

  it('joins command and args, opens up sh -c, and knows $(VAR) is not literal', () => {
    expect(names(cmds)).toEqual([
      'sh -c aws s3 cp s3://models/llama /models --recursive && echo fetched',
      'aws s3 cp s3://models/llama /models --recursive',
      'echo fetched',
      'python3 -m vllm.entrypoints.openai.api_server --model $(MODEL_ID) --port 8000',
      'lm_eval --tasks mmlu',
    ]);
    expect(cmds.map((c) => c.where)).toEqual([
      'Deployment/vllm container "fetch"',
      'Deployment/vllm container "fetch"',
      'Deployment/vllm container "fetch"',
      'Deployment/vllm container "server"',
      'Job/eval container "harness"',
    ]);
    expect(cmds.every((c) => c.origin === 'k8s-command')).toBe(true);
    expect(words(f, cmds[3]).slice(3)).toEqual(['--model@18:18-18:27', '$(MODEL_ID)@18:29-18:42!', '--port@18:44-18:52', '8000@18:54-18:60']);
    expect(words(f, cmds[2])).toEqual(['echo@13:66-13:70', 'fetched@13:71-13:78']);
  });

  it('finds containers anywhere in Helm values', () => {
    const v = file(
      'charts/inference/values.yaml',
      'helm-values',
      `server:
  image:
    repository: vllm/vllm-openai
    tag: v0.6.3
sidecars:
  containers:
    - name: warmup
      image: curlimages/curl:8.10.1
      command: ["sh", "-c", "curl -fsS http://localhost:8000/health"]
`,
    );
    const c = commands(v);
    expect(names(c)).toEqual(['sh -c curl -fsS http://localhost:8000/health', 'curl -fsS http://localhost:8000/health']);
    expect(c[0]?.where).toBe('values container "warmup"');
    expect(words(v, c[1])).toEqual(['curl@9:30-9:34', '-fsS@9:35-9:39', 'http://localhost:8000/health@9:40-9:68']);
  });
});

describe('commands: shell scripts', () => {
  it('reads every command of a script, `bash -lc` opened up', () => {
    const text = '#!/usr/bin/env bash\nset -euo pipefail\nbash -lc "huggingface-cli download $MODEL"\n';
    const f = file('scripts/fetch', 'shell', text);
    const c = commands(f);
    expect(names(c)).toEqual(['set -euo pipefail', 'bash -lc huggingface-cli download $MODEL', 'huggingface-cli download $MODEL']);
    expect(c.every((x) => x.origin === 'script' && x.where === 'script')).toBe(true);
    expect(words(f, c[2])).toEqual(['huggingface-cli@3:11-3:26', 'download@3:27-3:35', '$MODEL@3:36-3:42!']);
    // the same FileModel gives the same array
    expect(commands(f)).toBe(c);
  });

  it('has no commands for files of other roles', () => {
    expect(commands(file('.env', 'dotenv', 'A=1\n'))).toEqual([]);
  });
});

describe('env', () => {
  it('reads compose environment in map and list form, merge keys included', () => {
    const text = `x-env: &env
  HF_HOME: /data
services:
  vllm:
    image: vllm/vllm-openai:v0.6.3
    environment:
      <<: *env
      HF_TOKEN: \${HF_TOKEN}
      VLLM_PORT: "8000"
  tgi:
    image: ghcr.io/huggingface/text-generation-inference:2.4.0
    environment:
      - MODEL_ID=mistralai/Mistral-7B-Instruct-v0.3
      - "MAX_INPUT_TOKENS=4096"
      - NO_VALUE
`;
    const f = file('compose.yaml', 'compose', text);
    const e = envEntries(f);
    expect(e.map((x) => [x.name, x.value, x.where, x.origin])).toEqual([
      ['HF_TOKEN', '${HF_TOKEN}', 'service "vllm"', 'compose'],
      ['VLLM_PORT', '8000', 'service "vllm"', 'compose'],
      ['HF_HOME', '/data', 'service "vllm"', 'compose'],
      ['MODEL_ID', 'mistralai/Mistral-7B-Instruct-v0.3', 'service "tgi"', 'compose'],
      ['MAX_INPUT_TOKENS', '4096', 'service "tgi"', 'compose'],
      ['NO_VALUE', undefined, 'service "tgi"', 'compose'],
    ]);
    const port = env(f, 'VLLM_PORT');
    expect(at(f, port.nameSpan)).toBe('9:7-9:16');
    expect(at(f, port.valueSpan)).toBe('9:18-9:24');
    expect(mappedValue(f, port)).toBe('9:19-9:23');
    // merged from the anchor: positions where it is written
    expect(at(f, env(f, 'HF_HOME').nameSpan)).toBe('2:3-2:10');
    const model = env(f, 'MODEL_ID');
    expect(at(f, model.nameSpan)).toBe('13:9-13:17');
    expect(at(f, model.valueSpan)).toBe('13:18-13:52');
    const quoted = env(f, 'MAX_INPUT_TOKENS');
    expect(at(f, quoted.nameSpan)).toBe('14:10-14:26');
    expect(mappedValue(f, quoted)).toBe('14:27-14:31');
    expect(env(f, 'NO_VALUE').valueSpan).toBeUndefined();
    expect(env(f, 'MODEL_ID').workload?.name).toBe('tgi');
  });

  it('reads Kubernetes env with values, valueFrom and quoted numbers', () => {
    const text = `apiVersion: v1
kind: Pod
metadata:
  name: vllm
spec:
  containers:
    - name: server
      image: vllm/vllm-openai:v0.6.3
      env:
        - name: MODEL_ID
          value: meta-llama/Llama-3.1-8B-Instruct
        - name: HF_TOKEN
          valueFrom:
            secretKeyRef: { name: hf, key: token }
        - name: PORT
          value: "8000"
`;
    const f = file('pod.yaml', 'k8s', text);
    expect(envEntries(f).map((x) => [x.name, x.value, x.where])).toEqual([
      ['MODEL_ID', 'meta-llama/Llama-3.1-8B-Instruct', 'Pod/vllm container "server"'],
      ['HF_TOKEN', undefined, 'Pod/vllm container "server"'],
      ['PORT', '8000', 'Pod/vllm container "server"'],
    ]);
    expect(at(f, env(f, 'MODEL_ID').nameSpan)).toBe('10:17-10:25');
    expect(at(f, env(f, 'MODEL_ID').valueSpan)).toBe('11:18-11:50');
    expect(at(f, env(f, 'PORT').valueSpan)).toBe('16:18-16:24');
    expect(mappedValue(f, env(f, 'PORT'))).toBe('16:19-16:23');
  });

  it('reads GitHub Actions env at workflow, job and step level', () => {
    const text = `on: push
env:
  HF_HOME: /cache
jobs:
  eval:
    runs-on: ubuntu-latest
    env:
      MODEL: \${{ matrix.model }}
    steps:
      - run: echo
      - run: echo
        env:
          TOKEN: \${{ secrets.HF_TOKEN }}
`;
    const f = file('.github/workflows/e.yml', 'gha-workflow', text);
    expect(envEntries(f).map((x) => [x.name, x.value, x.where, x.origin])).toEqual([
      ['HF_HOME', '/cache', 'workflow', 'gha'],
      ['MODEL', '${{ matrix.model }}', 'job "eval"', 'gha'],
      ['TOKEN', '${{ secrets.HF_TOKEN }}', 'job "eval" step 2', 'gha'],
    ]);
    expect(at(f, env(f, 'TOKEN').valueSpan)).toBe('13:18-13:41');
  });

  it('reads GitLab variables, plain and with value/description', () => {
    const text = `variables:
  MODEL_ID: meta-llama/Llama-3.1-8B
  HF_HUB_OFFLINE:
    value: "1"
    description: offline mode
eval:
  variables:
    TASKS: mmlu
  script: [lm_eval]
`;
    const f = file('.gitlab-ci.yml', 'gitlab-ci', text);
    expect(envEntries(f).map((x) => [x.name, x.value, x.where, x.origin])).toEqual([
      ['MODEL_ID', 'meta-llama/Llama-3.1-8B', 'global variables', 'gitlab'],
      ['HF_HUB_OFFLINE', '1', 'global variables', 'gitlab'],
      ['TASKS', 'mmlu', 'job "eval"', 'gitlab'],
    ]);
    expect(mappedValue(f, env(f, 'HF_HUB_OFFLINE'))).toBe('4:13-4:14');
  });

  it('reads .env files', () => {
    const text = 'OPENAI_API_KEY=sk-test\nexport MODEL_NAME="gpt-4o" # pinned\n';
    const f = file('.env.production', 'dotenv', text);
    expect(envEntries(f).map((x) => [x.name, x.value, x.where, x.origin])).toEqual([
      ['OPENAI_API_KEY', 'sk-test', '.env.production', 'dotenv'],
      ['MODEL_NAME', 'gpt-4o', '.env.production', 'dotenv'],
    ]);
    expect(at(f, env(f, 'MODEL_NAME').valueSpan)).toBe('2:20-2:26');
    expect(mappedValue(f, env(f, 'MODEL_NAME'))).toBe('2:20-2:26');
  });

  it('reads Dockerfile ENV and ARG, quoted values with spaces whole, the legacy form too', () => {
    const text = `ARG VLLM_TAG=v0.6.3
ARG HF_TOKEN
FROM vllm/vllm-openai:\${VLLM_TAG}
ENV HF_HOME=/models \\
    MODEL_ID="meta-llama/Llama-3.1-8B-Instruct" \\
    SERVED_NAME="llama 3.1 8b"
ENV LEGACY_NAME some long value
`;
    const f = file('Dockerfile', 'dockerfile', text);
    expect(envEntries(f).map((x) => [x.name, x.value, x.origin])).toEqual([
      ['VLLM_TAG', 'v0.6.3', 'dockerfile-arg'],
      ['HF_TOKEN', undefined, 'dockerfile-arg'],
      ['HF_HOME', '/models', 'dockerfile-env'],
      ['MODEL_ID', 'meta-llama/Llama-3.1-8B-Instruct', 'dockerfile-env'],
      ['SERVED_NAME', 'llama 3.1 8b', 'dockerfile-env'],
      ['LEGACY_NAME', 'some long value', 'dockerfile-env'],
    ]);
    expect(at(f, env(f, 'VLLM_TAG').valueSpan)).toBe('1:14-1:20');
    expect(at(f, env(f, 'MODEL_ID').nameSpan)).toBe('5:5-5:13');
    expect(at(f, env(f, 'MODEL_ID').valueSpan)).toBe('5:15-5:47');
    expect(at(f, env(f, 'SERVED_NAME').valueSpan)).toBe('6:18-6:30');
    expect(mappedValue(f, env(f, 'LEGACY_NAME'))).toBe('7:17-7:32');
    expect(env(f, 'HF_TOKEN').valueSpan).toBeUndefined();
  });

  it('reads top-level assignments of shell scripts', () => {
    const text = '#!/bin/sh\nMODEL="${MODEL:-org/model}"\nexport PORT=8000\n';
    const f = file('scripts/serve', 'shell', text);
    expect(envEntries(f).map((x) => [x.name, x.value, x.origin])).toEqual([
      ['MODEL', '${MODEL:-org/model}', 'shell'],
      ['PORT', '8000', 'shell'],
    ]);
    expect(at(f, env(f, 'PORT').nameSpan)).toBe('3:8-3:12');
    expect(mappedValue(f, env(f, 'MODEL'))).toBe('2:8-2:27');
  });
});

describe('image references', () => {
  it('splits references into registry, repository, tag and digest', () => {
    expect(parseImage('vllm/vllm-openai:v0.6.3')).toEqual({ repository: 'vllm/vllm-openai', tag: 'v0.6.3', tagOffset: 17 });
    expect(parseImage('nginx')).toEqual({ repository: 'nginx' });
    expect(parseImage('library/python:3.12')).toEqual({ repository: 'python', tag: '3.12', tagOffset: 15 });
    expect(parseImage('docker.io/library/nginx:1.27')).toEqual({ repository: 'nginx', tag: '1.27', tagOffset: 24 });
    expect(parseImage('localhost:5000/vllm:v1')).toEqual({ registry: 'localhost:5000', repository: 'vllm', tag: 'v1', tagOffset: 20 });
    expect(parseImage('localhost:5000/vllm')).toEqual({ registry: 'localhost:5000', repository: 'vllm' });
    expect(parseImage('localhost/team/vllm')).toEqual({ registry: 'localhost', repository: 'team/vllm' });
    expect(parseImage('ghcr.io/huggingface/text-generation-inference@sha256:abc123')).toEqual({
      registry: 'ghcr.io',
      repository: 'huggingface/text-generation-inference',
      digest: 'sha256:abc123',
    });
    expect(parseImage('nvcr.io/nvidia/tritonserver:24.08-py3@sha256:0f0f')).toEqual({
      registry: 'nvcr.io',
      repository: 'nvidia/tritonserver',
      tag: '24.08-py3',
      tagOffset: 28,
      digest: 'sha256:0f0f',
    });
  });

  it('substitutes variables with what is known and defaults, and flags the rest as dynamic', () => {
    const none = (): undefined => undefined;
    expect(substitute('vllm/vllm-openai:${TAG:-v0.6.3}', none)).toEqual({ value: 'vllm/vllm-openai:v0.6.3', dynamic: false });
    expect(substitute('vllm/vllm-openai:${TAG-v0.6.3}', none)).toEqual({ value: 'vllm/vllm-openai:v0.6.3', dynamic: false });
    expect(substitute('vllm/vllm-openai:${TAG}', none)).toEqual({ value: 'vllm/vllm-openai:${TAG}', dynamic: true });
    expect(substitute('$REGISTRY/vllm:v1', none)).toEqual({ value: '$REGISTRY/vllm:v1', dynamic: true });
    expect(substitute('vllm/vllm-openai:${TAG:-latest}', (n) => (n === 'TAG' ? 'v0.6.4' : undefined))).toEqual({ value: 'vllm/vllm-openai:v0.6.4', dynamic: false });
    // `:?` has no default: the tag is whatever the variable holds
    expect(substitute('vllm/vllm-openai:${TAG:?set TAG}', none)).toEqual({ value: 'vllm/vllm-openai:${TAG:?set TAG}', dynamic: true });
    expect(substitute('vllm/vllm-openai:${TAG:?set TAG}', (n) => (n === 'TAG' ? 'v1' : undefined))).toEqual({ value: 'vllm/vllm-openai:v1', dynamic: false });
    // `:+` depends on whether the variable is set
    expect(substitute('img${SUFFIX:+-gpu}:v1', none)).toEqual({ value: 'img${SUFFIX:+-gpu}:v1', dynamic: true });
    expect(substitute('img${SUFFIX:+-gpu}:v1', () => 'yes')).toEqual({ value: 'img-gpu:v1', dynamic: false });
  });

  it('finds compose images, substituting defaults, with the tag located when written literally', () => {
    const text = `services:
  vllm:
    image: \${REGISTRY:-docker.io}/vllm/vllm-openai:\${VLLM_TAG:-v0.6.3}
  tgi:
    image: "ghcr.io/huggingface/text-generation-inference:latest"
  ollama:
    image: ollama/ollama@sha256:0123456789abcdef
  custom:
    image: \${IMAGE}
  builder:
    build: .
`;
    const f = file('docker-compose.yml', 'compose', text);
    const refs = imageRefs(f);
    expect(refs.map((r) => [r.where, r.resolved, r.registry, r.repository, r.tag, r.digest, r.dynamic])).toEqual([
      ['service "vllm"', 'docker.io/vllm/vllm-openai:v0.6.3', undefined, 'vllm/vllm-openai', 'v0.6.3', undefined, false],
      ['service "tgi"', 'ghcr.io/huggingface/text-generation-inference:latest', 'ghcr.io', 'huggingface/text-generation-inference', 'latest', undefined, false],
      ['service "ollama"', 'ollama/ollama@sha256:0123456789abcdef', undefined, 'ollama/ollama', undefined, 'sha256:0123456789abcdef', false],
      ['service "custom"', '${IMAGE}', undefined, '${IMAGE}', undefined, undefined, true],
    ]);
    expect(refs[0]?.raw).toBe('${REGISTRY:-docker.io}/vllm/vllm-openai:${VLLM_TAG:-v0.6.3}');
    expect(at(f, refs[0]?.span)).toBe('3:12-3:71');
    // a substituted reference has no tag position
    expect(refs[0]?.tagSpan).toBeUndefined();
    expect(at(f, refs[1]?.span)).toBe('5:12-5:66');
    expect(at(f, refs[1]?.tagSpan)).toBe('5:59-5:65');
  });

  it('counts tag columns in UTF-16 code units after non-ASCII text on the same line', () => {
    const text = 'services:\n  café: {labels: {note: "é 🙂"}, image: "vllm/vllm-openai:latest"}\n';
    const f = file('docker-compose.yml', 'compose', text);
    const [ref] = imageRefs(f);
    expect(ref?.where).toBe('service "café"');
    // "café: {labels: {note: "é 🙂"}, image: " — the emoji is two code units
    expect(at(f, ref?.span)).toBe('2:41-2:66');
    expect(at(f, ref?.tagSpan)).toBe('2:59-2:65');
    expect(text.slice(ref?.tagSpan?.start, ref?.tagSpan?.end)).toBe('latest');
  });

  it('finds Kubernetes container images in every document', () => {
    const text = `apiVersion: apps/v1
kind: Deployment
metadata: { name: vllm }
spec:
  template:
    spec:
      initContainers:
        - name: fetch
          image: amazon/aws-cli:2.17.0
      containers:
        - name: server
          image: vllm/vllm-openai
---
apiVersion: v1
kind: Pod
metadata: { name: debug }
spec:
  containers:
    - name: shell
      image: busybox:1.36
`;
    const f = file('k8s.yaml', 'k8s', text);
    const refs = imageRefs(f);
    expect(refs.map((r) => [r.where, r.repository, r.tag])).toEqual([
      ['Deployment/vllm container "fetch"', 'amazon/aws-cli', '2.17.0'],
      ['Deployment/vllm container "server"', 'vllm/vllm-openai', undefined],
      ['Pod/debug container "shell"', 'busybox', '1.36'],
    ]);
    expect(at(f, refs[1]?.span)).toBe('12:18-12:34');
    expect(at(f, refs[2]?.tagSpan)).toBe('20:22-20:26');
  });

  it('finds Helm values images: maps with repository/tag, plain strings, lists', () => {
    const text = `image:
  repository: vllm/vllm-openai
  tag: ""
sidecar:
  image:
    registry: ghcr.io
    repository: huggingface/text-generation-inference
    tag: "2.4.0"
digestImage:
  repository: ollama/ollama
  digest: sha256:feed
extra:
  image: ollama/ollama:latest
workers:
  - image: python:3.12
`;
    const f = file('charts/inference/values.yaml', 'helm-values', text);
    const refs = imageRefs(f);
    expect(refs.map((r) => [r.where, r.raw, r.registry, r.repository, r.tag, r.digest, r.chartDefaultTag])).toEqual([
      ['values image', 'vllm/vllm-openai', undefined, 'vllm/vllm-openai', undefined, undefined, true],
      ['values sidecar.image', 'ghcr.io/huggingface/text-generation-inference:2.4.0', 'ghcr.io', 'huggingface/text-generation-inference', '2.4.0', undefined, false],
      ['values digestImage', 'ollama/ollama@sha256:feed', undefined, 'ollama/ollama', undefined, 'sha256:feed', true],
      ['values extra.image', 'ollama/ollama:latest', undefined, 'ollama/ollama', 'latest', undefined, undefined],
      ['values workers[0].image', 'python:3.12', undefined, 'python', '3.12', undefined, undefined],
    ]);
    // no tag: the repository; a tag: the tag value, quotes included
    expect(at(f, refs[0]?.span)).toBe('2:15-2:31');
    expect(at(f, refs[1]?.span)).toBe('8:10-8:17');
    expect(at(f, refs[3]?.tagSpan)).toBe('13:24-13:30');
  });

  it('finds GitHub Actions job containers, services and docker:// steps', () => {
    const text = `on: push
jobs:
  eval:
    runs-on: ubuntu-latest
    container:
      image: vllm/vllm-openai:latest
    services:
      tgi: ghcr.io/huggingface/text-generation-inference:2.4.0
      redis:
        image: redis
    steps:
      - uses: docker://ollama/ollama:0.3.12
      - uses: actions/checkout@v4
  lint:
    runs-on: ubuntu-latest
    container: python:3.12
    steps: []
`;
    const f = file('.github/workflows/ci.yml', 'gha-workflow', text);
    const refs = imageRefs(f);
    expect(refs.map((r) => [r.where, r.repository, r.tag])).toEqual([
      ['job "eval" container', 'vllm/vllm-openai', 'latest'],
      ['job "eval" service "tgi"', 'huggingface/text-generation-inference', '2.4.0'],
      ['job "eval" service "redis"', 'redis', undefined],
      ['job "eval" step', 'ollama/ollama', '0.3.12'],
      ['job "lint" container', 'python', '3.12'],
    ]);
    expect(at(f, refs[0]?.tagSpan)).toBe('6:31-6:37');
    expect(at(f, refs[3]?.span)).toBe('12:24-12:44');
    expect(at(f, refs[3]?.tagSpan)).toBe('12:38-12:44');
  });

  it('finds GitLab images: global (string or map), default, job, and services', () => {
    const text = `image:
  name: vllm/vllm-openai:latest
  entrypoint: [""]
services:
  - redis:7
default:
  image: python:3.12
eval:
  image: { name: "ghcr.io/huggingface/text-generation-inference:2.3.1", entrypoint: [""] }
  services:
    - name: ollama/ollama:0.3.12
      alias: ollama
    - postgres:16
  script: [echo]
`;
    const f = file('.gitlab-ci.yml', 'gitlab-ci', text);
    const refs = imageRefs(f);
    expect(refs.map((r) => [r.where, r.repository, r.tag])).toEqual([
      ['default image', 'vllm/vllm-openai', 'latest'],
      ['default service', 'redis', '7'],
      ['default image', 'python', '3.12'],
      ['job "eval" image', 'huggingface/text-generation-inference', '2.3.1'],
      ['job "eval" service', 'ollama/ollama', '0.3.12'],
      ['job "eval" service', 'postgres', '16'],
    ]);
    expect(at(f, refs[0]?.tagSpan)).toBe('2:26-2:32');
    expect(at(f, refs[3]?.tagSpan)).toBe('9:65-9:70');

    const plain = file('.gitlab-ci.yml', 'gitlab-ci', 'image: ollama/ollama\njob:\n  script: [ollama serve]\n');
    expect(imageRefs(plain).map((r) => [r.where, r.repository, r.tag])).toEqual([['default image', 'ollama/ollama', undefined]]);
  });

  it('finds Dockerfile FROM images with global ARG defaults, skipping stages and scratch', () => {
    const text = `ARG VLLM_TAG=v0.6.3
ARG BASE_REGISTRY
FROM \${BASE_REGISTRY:-docker.io}/library/python:3.12-slim AS deps
FROM --platform=linux/amd64 vllm/vllm-openai:\${VLLM_TAG} AS server
FROM deps
FROM scratch
FROM ghcr.io/ggml-org/llama.cpp:server
FROM nvcr.io/nvidia/tritonserver:\${TRITON_TAG}
`;
    const f = file('Dockerfile', 'dockerfile', text);
    const refs = imageRefs(f);
    expect(refs.map((r) => [r.raw, r.resolved, r.repository, r.tag, r.dynamic])).toEqual([
      ['${BASE_REGISTRY:-docker.io}/library/python:3.12-slim', 'docker.io/library/python:3.12-slim', 'python', '3.12-slim', false],
      ['vllm/vllm-openai:${VLLM_TAG}', 'vllm/vllm-openai:v0.6.3', 'vllm/vllm-openai', 'v0.6.3', false],
      ['ghcr.io/ggml-org/llama.cpp:server', 'ghcr.io/ggml-org/llama.cpp:server', 'ggml-org/llama.cpp', 'server', false],
      ['nvcr.io/nvidia/tritonserver:${TRITON_TAG}', 'nvcr.io/nvidia/tritonserver:${TRITON_TAG}', 'nvidia/tritonserver', '${TRITON_TAG}', true],
    ]);
    expect(refs.every((r) => r.where === 'FROM')).toBe(true);
    expect(at(f, refs[1]?.span)).toBe('4:29-4:57');
    expect(refs[1]?.tagSpan).toBeUndefined();
    expect(at(f, refs[2]?.tagSpan)).toBe('7:33-7:39');
  });

  it('gives no images for files without any and for files that did not parse', () => {
    expect(imageRefs(file('docker-compose.yml', 'compose', 'services:\n  app:\n    build: .\n'))).toEqual([]);
    const broken = file('docker-compose.yml', 'compose', 'services:\n  app: [\n');
    expect(imageRefs(broken)).toEqual([]);
    expect(broken.notices.map((n) => n.kind)).toEqual(['parse-error']);
  });
});

describe('workloads', () => {
  it('names compose services and Kubernetes containers with their owners', () => {
    const compose = file('docker-compose.yml', 'compose', 'services:\n  vllm:\n    image: a\n  not-a-map: x\n');
    expect(workloads(compose).map((w) => [w.kind, w.name, w.owner])).toEqual([['compose-service', 'vllm', 'vllm']]);
    const k8s = file(
      'cron.yaml',
      'k8s',
      'apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: nightly-eval\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers:\n            - name: eval\n              image: python:3.12\n',
    );
    const w = workloads(k8s);
    expect(w.map((x) => [x.kind, x.name, x.owner])).toEqual([['k8s-container', 'eval', 'CronJob/nightly-eval']]);
    expect(imageRefs(k8s)[0]?.where).toBe('CronJob/nightly-eval container "eval"');
  });

  it('stops a YAML bomb in a manifest and reports it', () => {
    const lines = ['apiVersion: v1', 'kind: ConfigMap', 'metadata: { name: bomb }', `a0: &a0 [${Array(10).fill('"x"').join(', ')}]`];
    for (let i = 1; i < 9; i++)
      lines.push(
        `a${i}: &a${i} [${Array(10)
          .fill(`*a${i - 1}`)
          .join(', ')}]`,
      );
    const f = file('bomb.yaml', 'k8s', `${lines.join('\n')}\n`);
    expect(workloads(f)).toEqual([]);
    expect(f.notices.map((n) => n.message)).toEqual([expect.stringContaining('alias bomb')]);
  });
});

describe('commands: Makefile recipes and command-running actions', () => {
  it('reads each recipe line once, with its target, and positions its words', () => {
    const f = file('Makefile', 'makefile', 'MODEL ?= org/x\n\nweights serve:\n\t@mkdir -p models\n\thf download $(MODEL) \\\n\t  --local-dir models\n');
    const cmds = commands(f);
    expect(cmds.map((c) => [c.words.map((w) => w.value).join(' '), c.origin, c.where])).toEqual([
      ['mkdir -p models', 'makefile-recipe', 'target "weights"'],
      ['hf download $(MODEL) --local-dir models', 'makefile-recipe', 'target "weights"'],
    ]);
    expect(words(f, cmds[1])[2]).toBe('$(MODEL)@5:14-5:22!');
  });

  it('reads the command input of retry and remote-shell actions, not other inputs', () => {
    const f = file(
      '.github/workflows/w.yml',
      'gha-workflow',
      `on: push
jobs:
  j:
    steps:
      - uses: nick-fields/retry@v3
        with:
          max_attempts: 3
          command: huggingface-cli download org/x
      - uses: actions/github-script@v7
        with:
          script: console.log("not a shell")
`,
    );
    const cmds = commands(f);
    expect(cmds.map((c) => [c.words.map((w) => w.value).join(' '), c.where, c.step])).toEqual([['huggingface-cli download org/x', 'job "j" step 1', 0]]);
    expect(words(f, cmds[0])[2]).toBe('org/x@8:45-8:50');
  });
});

describe('shell strings with line continuations', () => {
  it('maps each word of a continued double-quoted string to its own line', () => {
    const f = file('o.sh', 'shell', 'OPTS=" \\\n    --layers 2 \\\n    --tokenizer org/tok \\\n"\n');
    const v = f.shellScript()?.variables[0]?.value;
    const at2 = (v?.value ?? '').indexOf('org/tok');
    expect(f.range({ start: v?.map.toSource(at2) ?? 0, end: v?.map.toSource(at2 + 7) ?? 0 }).start).toEqual({ line: 3, column: 17 });
  });
});
