import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parsePortSpec } from '../src/facts/exposure.js';
import { classifyHost, matchLauncher, optionValue, parseDockerRun, parseListen, serverLaunches } from '../src/facts/model-servers.js';
import { FileModel, ParserHost } from '../src/model/file-model.js';
import type { ShellWord } from '../src/parse/shell.js';
import { Grammars } from '../src/parse/tree-sitter.js';
import type { FileKind } from '../src/types.js';

const ROOT = join(import.meta.dirname, '..');
const host = new ParserHost(await Grammars.load());

function file(path: string, role: FileKind, text: string): FileModel {
  return new FileModel(path, `/repo/${path}`, role, text, host);
}

/** Words of a one-line shell command. */
function words(cmd: string): ShellWord[] {
  const f = file('x.sh', 'shell', cmd);
  return f.shellScript()?.commands[0]?.words ?? [];
}

const span = { start: 0, end: 0 };

describe('model-servers.json', () => {
  it('validates against its schema and names images that serving-images.json knows', () => {
    const schema = JSON.parse(readFileSync(join(ROOT, 'schemas', 'model-servers.schema.json'), 'utf8'));
    const data = JSON.parse(readFileSync(join(ROOT, 'src', 'data', 'model-servers.json'), 'utf8'));
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    expect(validate(data) ? [] : validate.errors).toEqual([]);
    const images = new Set(JSON.parse(readFileSync(join(ROOT, 'src', 'data', 'serving-images.json'), 'utf8')).images.map((i: { server: string }) => i.server));
    for (const s of data.servers) if (s.image) expect(images.has(s.image.server), s.id).toBe(true);
  });
});

describe('matchLauncher', () => {
  it.each([
    ['vllm serve m --port 8000', 'vllm', 'm'],
    ['exec nohup vllm serve m', 'vllm', 'm'],
    ['env CUDA_VISIBLE_DEVICES=0 VLLM_API_KEY=x python3 -u -m vllm.entrypoints.openai.api_server --model m', 'vllm', '--model'],
    ['uv run --with vllm python -m vllm.entrypoints.openai.api_server', 'vllm', undefined],
    ['conda run -n serve python -m sglang.launch_server --model-path m', 'sglang', '--model-path'],
    ['/app/llama-server -m m.gguf', 'llama-cpp', '-m'],
    ['./build/bin/llama-server --host 0.0.0.0', 'llama-cpp', '--host'],
    ['lmdeploy serve api_server m', 'lmdeploy', 'm'],
    ['ollama serve', 'ollama', undefined],
    ['text-generation-launcher --model-id m', 'tgi', '--model-id'],
  ])('%s → %s', (cmd, id, firstArg) => {
    const w = words(cmd);
    const m = matchLauncher(w);
    expect(m?.spec.id).toBe(id);
    expect(w[m?.end ?? 0]?.value).toBe(firstArg);
  });

  it.each(['vllm bench serve', 'ollama pull llama3', 'python -m vllm.entrypoints.api_server', 'python serve.py', 'lmdeploy serve gradio m', 'echo vllm serve'])('ignores %s', (cmd) => {
    expect(matchLauncher(words(cmd))).toBeUndefined();
  });

  it('collects env wrapper assignments', () => {
    const env = new Map();
    matchLauncher(words('env VLLM_API_KEY=abc vllm serve m'), env);
    expect(env.get('VLLM_API_KEY')?.value).toBe('abc');
  });
});

describe('listen addresses', () => {
  it.each([
    ['0.0.0.0', 'all'],
    ['::', 'all'],
    ['[::]', 'all'],
    ['', 'all'],
    ['127.0.0.1', 'loopback'],
    ['localhost', 'loopback'],
    ['::1', 'loopback'],
    ['10.0.0.5', 'interface'],
    ['$HOST', 'unknown'],
  ])('%s is %s', (h, b) => {
    expect(classifyHost(h)).toBe(b);
  });

  it.each([
    ['0.0.0.0:11434', { host: '0.0.0.0', port: 11434 }],
    [':8080', { host: '', port: 8080 }],
    ['http://[::]:11434/', { host: '::', port: 11434 }],
    ['::', { host: '::' }],
    ['127.0.0.1', { host: '127.0.0.1' }],
  ])('parses %s', (raw, expected) => {
    expect(parseListen(raw)).toEqual(expected);
  });

  it('reads --flag value and --flag=value; the last one wins', () => {
    expect(optionValue(words('x --host 127.0.0.1 --host=0.0.0.0'), ['--host'])?.value).toBe('0.0.0.0');
    expect(optionValue(words('x -H 0.0.0.0'), ['--host', '-H'])?.value).toBe('0.0.0.0');
    expect(optionValue(words('x --hostess y'), ['--host'])).toBeUndefined();
  });
});

describe('compose port mappings', () => {
  it.each([
    ['8000', { container: { from: 8000, to: 8000 }, loopback: false }],
    ['8000:8000', { hostPort: '8000', container: { from: 8000, to: 8000 }, loopback: false }],
    ['127.0.0.1:8000:8000', { hostIp: '127.0.0.1', hostPort: '8000', loopback: true }],
    ['[::1]:8000:8000/tcp', { hostIp: '::1', loopback: true, protocol: 'tcp' }],
    ['0.0.0.0:8000-8010:8000-8010', { hostIp: '0.0.0.0', container: { from: 8000, to: 8010 }, loopback: false }],
    ['${PORT:-8000}:8000', { hostPort: '8000', loopback: false }],
    ['${BIND:-127.0.0.1}:8000:8000', { hostIp: '127.0.0.1', loopback: true }],
    ['${BIND}:8000:8000', { dynamicIp: true, loopback: false }],
  ])('%s', (raw, expected) => {
    expect(parsePortSpec(raw, span)).toMatchObject(expected);
  });
});

describe('docker run', () => {
  it('splits options, image and arguments', () => {
    const d = parseDockerRun(words('docker run -d --rm --gpus all -e VLLM_API_KEY -p 127.0.0.1:8000:8000 --name=llm -v ~/.cache:/root/.cache vllm/vllm-openai:v0.6.4 --model m'));
    expect(d?.image.value).toBe('vllm/vllm-openai:v0.6.4');
    expect(d?.args.map((w) => w.value)).toEqual(['--model', 'm']);
    expect(d?.run.publish.map((p) => p.raw)).toEqual(['127.0.0.1:8000:8000']);
    expect([...(d?.env.keys() ?? [])]).toEqual(['VLLM_API_KEY']);
  });

  it('reads combined short flags, -P and host networking', () => {
    const d = parseDockerRun(words('podman run -dp 8080:80 --network=host ghcr.io/huggingface/text-generation-inference:2.4.1'));
    expect(d?.run.publish.map((p) => p.raw)).toEqual(['8080:80']);
    expect(d?.run.hostNetwork).toBe(true);
    expect(parseDockerRun(words('docker run -itP ollama/ollama:0.5.4'))?.run.publishAll).toBe(true);
    expect(parseDockerRun(words('docker build -t x .'))).toBeUndefined();
  });
});

describe('serverLaunches', () => {
  it('combines a Dockerfile ENTRYPOINT with its CMD and reads ENV of the final stage only', () => {
    const f = file(
      'Dockerfile',
      'dockerfile',
      'FROM python:3.12 AS build\nENV VLLM_API_KEY=build-only\nFROM vllm/vllm-openai:v0.6.4\nENTRYPOINT ["python3", "-m", "vllm.entrypoints.openai.api_server"]\nCMD ["--model", "m", "--host", "0.0.0.0"]\n',
    );
    const [l] = serverLaunches(f, undefined, {});
    expect(l?.spec.id).toBe('vllm');
    expect(l?.listen).toMatchObject({ binding: 'all', host: '0.0.0.0', explicit: true, port: 8000 });
    expect(l?.apiKey.state).toBe('absent');
  });

  it('treats compose args as arguments of the image entrypoint, with the image defaults', () => {
    const f = file(
      'docker-compose.yml',
      'compose',
      'services:\n  llama:\n    image: ghcr.io/ggml-org/llama.cpp:server\n    command: ["-m", "/m.gguf", "--port", "9000"]\n    environment:\n      - LLAMA_API_KEY=${KEY}\n  light:\n    image: ghcr.io/ggml-org/llama.cpp:light\n',
    );
    const ls = serverLaunches(f, undefined, {});
    expect(ls).toHaveLength(1);
    expect(ls[0]?.listen).toMatchObject({ binding: 'all', host: '0.0.0.0', port: 9000, explicit: false });
    expect(ls[0]?.apiKey).toEqual({ state: 'present', via: 'LLAMA_API_KEY' });
  });

  it('reads OLLAMA_HOST forms and an empty --api-key', () => {
    const f = file('s.sh', 'shell', 'OLLAMA_HOST=:11434 ollama serve &\nvllm serve m --api-key "" &\nexport OLLAMA_HOST=127.0.0.1\nollama serve\n');
    const ls = serverLaunches(f, undefined, {});
    expect(ls.map((l) => `${l.spec.id} ${l.listen.binding} ${l.apiKey.state}`)).toEqual(['ollama all absent', 'vllm all absent', 'ollama loopback absent']);
  });
});
