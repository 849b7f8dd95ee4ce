import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { RunResult } from '../../src/engine/run.js';
import { githubProblems, sarifSchemaErrors } from '../helpers/sarif.js';

/** Shared pieces of the hostile-repository suite: samples of every kind of file, a bounded CLI run, the common assertions. */

export const BIN = join(import.meta.dirname, '..', '..', 'bin', 'modelguard.js');

/** An unlogged call with a floating model alias: two findings that must survive whatever sits next to it. */
export const CALL = 'from openai import OpenAI\nclient = OpenAI()\nr = client.chat.completions.create(model="gpt-4o", messages=[])\n';
export const NEIGHBOUR = 'app/neighbour.py';
export const NEIGHBOUR_RULES = ['inference-logging/unlogged-inference', 'model-pinning/api-model-alias'];

/** One valid file of each kind modelguard reads (src/discovery/classify.ts), small and realistic. */
export const SAMPLES: Record<string, string> = {
  'svc/serve.py': 'from transformers import AutoModelForCausalLM\n\nmodel = AutoModelForCausalLM.from_pretrained("acme/chat-7b")\n\ndef answer(q: str) -> str:\n    return model.generate(q)\n',
  'web/client.ts':
    "import OpenAI from 'openai';\nconst client = new OpenAI();\nexport async function ask(q: string) {\n  return client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: q }] });\n}\n",
  'web/Chat.tsx': 'import React from \'react\';\nexport function Chat({ text }: { text: string }) {\n  return <div className="chat">{text}</div>;\n}\n',
  'web/legacy.js': "const OpenAI = require('openai');\nconst client = new OpenAI();\nmodule.exports = (q) => client.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: q });\n",
  'deploy/serve.yaml':
    'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: chat\nspec:\n  template:\n    spec:\n      containers:\n        - name: vllm\n          image: vllm/vllm-openai:latest\n          args: ["--model", "acme/chat-7b", "--host", "0.0.0.0"]\n',
  'docker-compose.yml': 'services:\n  ollama:\n    image: ollama/ollama:latest\n    ports:\n      - "11434:11434"\n',
  'config/settings.yaml': 'llm:\n  provider: openai\n  model: gpt-4o\n  temperature: 0.2\n',
  'config/settings.json': '{\n  "llm": { "provider": "anthropic", "model": "claude-3-5-sonnet-latest" },\n  "retries": 3\n}\n',
  'package.json': '{\n  "name": "chat-web",\n  "version": "1.0.0",\n  "dependencies": { "openai": "^4.77.0", "express": "^4.21.0" }\n}\n',
  'pyproject.toml': '[project]\nname = "chat-svc"\nversion = "0.1.0"\ndependencies = ["transformers>=4.40", "openai"]\n\n[tool.ruff]\nline-length = 100\n',
  'requirements.txt': 'transformers>=4.40\ntorch==2.3.0\nopenai\n',
  Dockerfile: 'FROM vllm/vllm-openai:latest\nENV MODEL=acme/chat-7b\nEXPOSE 8000\nCMD ["--model", "acme/chat-7b", "--host", "0.0.0.0"]\n',
  Modelfile: 'FROM llama3\nPARAMETER temperature 0.2\nSYSTEM """You answer questions about orders."""\n',
  'scripts/serve.sh': '#!/usr/bin/env bash\nset -euo pipefail\ndocker run -p 8000:8000 vllm/vllm-openai:latest --model "$MODEL" --host 0.0.0.0\n',
  Makefile: 'MODEL ?= acme/chat-7b\n\nserve:\n\tvllm serve $(MODEL) --host 0.0.0.0 --port 8000\n',
  '.env': 'OPENAI_API_KEY=sk-test\nOPENAI_MODEL=gpt-4o\nLOG_LEVEL=info\n',
  'chart/Chart.yaml': 'apiVersion: v2\nname: chat\nversion: 0.1.0\n',
  'chart/values.yaml': 'image:\n  repository: vllm/vllm-openai\n  tag: latest\nmodel: acme/chat-7b\n',
  'chart/templates/deployment.yaml':
    'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  template:\n    spec:\n      containers:\n        - image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"\n',
  '.github/workflows/deploy.yml':
    'name: deploy\non: [push]\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: python train.py && python deploy.py --model acme/chat-7b\n',
  'action.yml': "name: eval\nruns:\n  using: composite\n  steps:\n    - run: echo 'evaluating'\n      shell: bash\n",
  '.gitlab-ci.yml': 'stages: [deploy]\ndeploy:\n  stage: deploy\n  script:\n    - python deploy.py\n',
  'nginx/nginx.conf': 'events {}\nhttp {\n  server {\n    listen 80;\n    location /v1/ {\n      proxy_pass http://vllm:8000;\n    }\n  }\n}\n',
  'gateway/envoy.yaml':
    'static_resources:\n  listeners:\n    - name: l\n      filter_chains:\n        - filters:\n            - name: envoy.filters.network.http_connection_manager\n              typed_config:\n                "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager\n                route_config:\n                  virtual_hosts:\n                    - name: llm\n                      domains: ["*"]\n                      routes:\n                        - match: { prefix: "/v1/" }\n                          route: { cluster: vllm }\n',
  'gateway/kong.yml': '_format_version: "3.0"\nservices:\n  - name: llm\n    url: http://vllm:8000\n    routes:\n      - name: chat\n        paths: ["/v1/chat"]\n',
  'gateway/traefik.yml':
    'http:\n  routers:\n    llm:\n      rule: "PathPrefix(`/v1`)"\n      service: vllm\n  services:\n    vllm:\n      loadBalancer:\n        servers:\n          - url: http://vllm:8000\n',
};

/** A small deterministic generator (mulberry32), so "random" bytes are the same on every run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomBytes(seed: number, n: number, noNul = false): Buffer {
  const next = rng(seed);
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = noNul ? 1 + Math.floor(next() * 255) : Math.floor(next() * 256);
  return b;
}

export interface CliRun {
  status: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  ms: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in its own process, killed after `timeoutMs`, so a hang fails one test instead of the suite. */
export function cli(args: string[], opts: { cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<CliRun> {
  const t0 = Date.now();
  return new Promise((res) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd, env: opts.env ?? { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 60_000);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      res({ status, signal, timedOut, ms: Date.now() - t0, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

/** The CLI's SARIF: valid against the schema and what GitHub code scanning accepts. */
export function expectValidSarif(stdout: string): { results: Array<{ ruleId: string; locations: Array<{ physicalLocation: { artifactLocation: { uri: string } } }> }> } {
  const log = JSON.parse(stdout);
  expect(sarifSchemaErrors(log)).toEqual([]);
  expect(githubProblems(log)).toEqual([]);
  return log.runs[0];
}

/** Rule ids of the active findings in one file. */
export function rulesIn(result: RunResult, path: string): string[] {
  return [...new Set(result.findings.filter((f) => f.path === path && !f.suppressed).map((f) => f.ruleId))].sort();
}

/** What every hostile scan must hold: complete, no rule crashed, the neighbour still checked. */
export function expectSound(result: RunResult): void {
  expect(result.notifications.filter((n) => n.kind === 'rule-error').map((n) => `${n.path} ${n.ruleId} ${n.message}`)).toEqual([]);
  expect(result.incomplete).toBe(false);
  expect(rulesIn(result, NEIGHBOUR)).toEqual(expect.arrayContaining(NEIGHBOUR_RULES));
}

/** The paths a notification of `kind` lists (skipped files, links outside the root, unreadable files). */
export function skipped(result: RunResult, kind: string): string[] {
  return result.notifications.filter((n) => n.kind === kind).flatMap((n) => n.paths ?? []);
}
