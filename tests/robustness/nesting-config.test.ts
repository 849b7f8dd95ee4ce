import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { shellNonGating } from '../../src/facts/pipeline/shell-status.js';
import { FileModel, ParserHost } from '../../src/model/file-model.js';
import type { ShellCommand } from '../../src/parse/shell.js';
import { Grammars } from '../../src/parse/tree-sitter.js';
import { findConfig, loadConfig } from '../../src/config/load.js';
import { ruleInfo, tempRepo } from '../helpers/run.js';
import { BIN, CALL, NEIGHBOUR, NEIGHBOUR_RULES } from './hostile-kit.js';

/**
 * Configs, scripts and pipelines nested as deep as a file allows, or referring to themselves:
 * each is analysed or left out with a notice, never a crash, a `rule-error` or exit code 2.
 * The CLI runs with a small stack as well, so that recursion following the input shows at
 * sizes a test can afford.
 */

const rep = (s: string, n: number): string => s.repeat(n);

/** `count` lines `prefix<i> = <body(i)>`. */
const lines = (count: number, line: (i: number) => string): string => `${Array.from({ length: count }, (_, i) => line(i)).join('\n')}\n`;

export interface NestingCase {
  name: string;
  files: Record<string, string>;
  /** A finding (path and rule) the deep file itself must still give. */
  finding?: [string, string];
  /** Files that must parse (no `parse-error` notice). */
  parses?: string[];
}

export const CASES: NestingCase[] = [
  {
    name: 'nginx blocks nested 5k deep',
    files: { 'nginx/nginx.conf': `events {}\nhttp {\n  server {\n    listen 80;\n${rep('location /v1/ {\n', 5000)}proxy_pass http://vllm:8000;\n${rep('}\n', 5000)}  }\n}\n` },
  },
  {
    // as deep as the data-file size limit allows: past the block depth cap the rest is skipped with a loop
    name: 'nginx blocks nested 60k deep, beside a compose file the gateway facts read',
    files: {
      'deploy/nginx.conf': `http {\n${rep('location /a {\n', 60_000)}proxy_pass http://vllm:8000;\n${rep('}\n', 60_000)}}\n`,
      'deploy/compose.yml': 'services:\n  llm:\n    image: vllm/vllm-openai:latest\n',
    },
    finding: ['deploy/compose.yml', 'model-pinning/serving-image'],
  },
  {
    // the walk from the publish job up to the evaluation job it needs is as long as the chain
    name: 'GitLab jobs chained by needs: 15k deep between an evaluation and a publish',
    files: {
      '.gitlab-ci.yml': [
        'eval:\n  script:\n    - lm_eval --model hf --model_args pretrained=./out --tasks toxigen',
        'j0:\n  needs: [eval]\n  script: [make]',
        ...Array.from({ length: 15_000 }, (_, i) => `j${i + 1}:\n  needs: [j${i}]\n  script: [make]`),
        'publish:\n  needs: [j15000]\n  script:\n    - huggingface-cli upload org/model ./out',
        '',
      ].join('\n'),
    },
  },
  {
    name: 'nginx include cycles',
    files: {
      'nginx/nginx.conf': 'events {}\nhttp {\n  include conf.d/*.conf;\n  include nginx.conf;\n}\n',
      'nginx/conf.d/a.conf': 'server {\n  listen 80;\n  include conf.d/b.conf;\n  location /v1/ { include conf.d/a.conf; proxy_pass http://vllm:8000; }\n}\n',
      'nginx/conf.d/b.conf': 'include conf.d/a.conf;\ninclude ../nginx/nginx.conf;\n',
    },
  },
  {
    name: 'YAML block sequences nested 10k deep',
    files: {
      'config/deep.yaml': `llm:\n  model: gpt-4o\nx: ${rep('- ', 10_000)}v\n`,
      'deploy/deep.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata: ${rep('- ', 10_000)}v\n`,
    },
  },
  {
    name: 'YAML flow collections nested 10k deep',
    files: {
      'config/deep.yaml': `x: ${rep('[', 10_000)}1${rep(']', 10_000)}\n`,
      'config/maps.yaml': `x: ${rep('{a: ', 10_000)}1${rep('}', 10_000)}\n`,
      'docker-compose.yml': `services:\n  web:\n    image: nginx:1.27\n    command: ${rep('[', 10_000)}${rep(']', 10_000)}\n`,
      '.gitlab-ci.yml': `deploy:\n  script:\n    - python deploy.py\n  variables: ${rep('{a: ', 10_000)}1${rep('}', 10_000)}\n`,
      '.github/workflows/ci.yml': `on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps: ${rep('[', 10_000)}${rep(']', 10_000)}\n`,
    },
  },
  {
    name: 'YAML anchors that merge themselves',
    files: {
      'config/anchors.yaml': `a: &a\n  <<: *a\n  model: gpt-4o\n${lines(2000, (i) => `k${i + 1}: &k${i + 1}\n  <<: *${i === 0 ? 'a' : `k${i}`}`)}`,
    },
  },
  {
    name: 'JSON nested 100k deep',
    files: {
      'config/deep.json': `${rep('[', 100_000)}${rep(']', 100_000)}`,
      'config/maps.json': `{"llm": {"model": "gpt-4o"}, "x": ${rep('{"a": ', 100_000)}1${rep('}', 100_000)}}`,
      'package.json': `{"name": "x", "dependencies": {"openai": "^4.0.0"}, "x": ${rep('[', 100_000)}${rep(']', 100_000)}}`,
    },
    finding: ['config/maps.json', 'model-pinning/api-model-alias'],
    parses: ['config/deep.json', 'config/maps.json', 'package.json'],
  },
  {
    name: 'GitLab CI extends chain of 5k',
    files: {
      '.gitlab-ci.yml': `${lines(5000, (i) => `.j${i}:\n  extends: .j${i + 1}\n  variables: { V${i}: "1" }`)}.j5000:\n  script:\n    - huggingface-cli upload acme/chat ./out\ndeploy:\n  extends: .j0\n`,
    },
  },
  {
    name: 'GitLab CI extends and !reference cycles',
    files: {
      '.gitlab-ci.yml':
        '.a:\n  extends: .b\n  script:\n    - !reference [.b, script]\n.b:\n  extends: [.a, .c]\n  script:\n    - !reference [.c, script]\n.c:\n  extends: .c\n  script:\n    - !reference [.a, script]\n    - !reference [.c, script]\ndeploy:\n  extends: .a\n  before_script:\n    - !reference [deploy, script]\n  script:\n    - !reference [deploy, before_script]\n    - huggingface-cli upload acme/chat ./out\n',
    },
  },
  {
    name: 'GitLab CI include cycles of local files',
    files: {
      '.gitlab-ci.yml': 'include:\n  - local: ci/a.yml\n  - local: .gitlab-ci.yml\n',
      'ci/a.yml': 'include:\n  - local: ci/b.yml\n  - local: /ci/a.yml\n',
      'ci/b.yml': 'include: ["/ci/a.yml", "/.gitlab-ci.yml"]\ndeploy:\n  script:\n    - huggingface-cli upload acme/chat ./out\n',
    },
  },
  {
    name: 'GitHub reusable workflows and composite actions in a cycle',
    files: {
      '.github/workflows/deploy.yml': 'on: push\njobs:\n  call:\n    uses: ./.github/workflows/reuse.yml\n  steps:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: ./.github/actions/a\n',
      '.github/workflows/reuse.yml':
        'on: workflow_call\njobs:\n  again:\n    uses: ./.github/workflows/deploy.yml\n  self:\n    uses: ./.github/workflows/reuse.yml\n  push:\n    runs-on: ubuntu-latest\n    steps:\n      - run: huggingface-cli upload acme/chat ./out\n',
      '.github/actions/a/action.yml': 'name: a\nruns:\n  using: composite\n  steps:\n    - uses: ./.github/actions/b\n    - uses: ./.github/actions/a\n',
      '.github/actions/b/action.yml': 'name: b\nruns:\n  using: composite\n  steps:\n    - uses: ./.github/actions/a\n    - run: huggingface-cli upload acme/chat ./out\n      shell: bash\n',
    },
  },
  {
    name: 'GitHub composite actions chained 300 deep',
    files: {
      '.github/workflows/deploy.yml': 'on: push\njobs:\n  steps:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: ./.github/actions/a0\n',
      ...Object.fromEntries(
        Array.from({ length: 300 }, (_, i) => [
          `.github/actions/a${i}/action.yml`,
          `name: a${i}\nruns:\n  using: composite\n  steps:\n    - uses: ./.github/actions/a${i + 1}\n    - run: echo ${i}\n      shell: bash\n`,
        ]),
      ),
    },
  },
  {
    name: 'compose extends cycles',
    files: {
      'docker-compose.yml':
        'services:\n  a:\n    extends: b\n  b:\n    extends: { service: a }\n  c:\n    extends: c\n  d:\n    extends: { file: other.yml, service: e }\n    ports: ["11434:11434"]\n',
      'other.yml': 'services:\n  e:\n    extends: { file: docker-compose.yml, service: d }\n    image: ollama/ollama:latest\n',
    },
  },
  {
    name: 'Traefik middleware chains that name themselves',
    files: {
      'gateway/traefik.yml':
        'http:\n  routers:\n    llm:\n      rule: "PathPrefix(`/v1`)"\n      service: vllm\n      middlewares: [loop, a]\n  middlewares:\n    loop:\n      chain:\n        middlewares: [loop]\n    a:\n      chain:\n        middlewares: [b]\n    b:\n      chain:\n        middlewares: [a, loop]\n  services:\n    vllm:\n      loadBalancer:\n        servers:\n          - url: http://vllm:8000\n',
      'gateway/chain.yml': `http:\n  routers:\n    llm:\n      rule: "PathPrefix(\`/v2\`)"\n      service: vllm\n      middlewares: [m0]\n  middlewares:\n${lines(3000, (i) => `    m${i}:\n      chain:\n        middlewares: [m${i + 1}]`)}  services:\n    vllm:\n      loadBalancer:\n        servers:\n          - url: http://vllm:8000\n`,
    },
  },
  {
    name: 'shell script with 20k &&',
    files: { 'scripts/long.sh': `#!/bin/sh\nollama pull llama3 && ${rep('echo a && ', 20_000)}true\n` },
    finding: ['scripts/long.sh', 'model-pinning/ollama-tag'],
  },
  {
    name: 'shell script with 5k nested $( … )',
    files: { 'scripts/subst.sh': `#!/bin/sh\nollama pull llama3\nx=${rep('"$(echo ', 5000)}a${rep(')"', 5000)}\n` },
    finding: ['scripts/subst.sh', 'model-pinning/ollama-tag'],
  },
  {
    name: 'shell script with 5k nested if',
    files: { 'scripts/ifs.sh': `#!/bin/sh\nollama pull llama3\n${rep('if true; then\n', 5000)}echo a\n${rep('fi\n', 5000)}` },
    finding: ['scripts/ifs.sh', 'model-pinning/ollama-tag'],
  },
  {
    name: 'Dockerfile RUN with 20k &&',
    files: { Dockerfile: `FROM ubuntu:24.04\nRUN ollama pull llama3 && ${rep('echo a && ', 20_000)}true\n` },
    finding: ['Dockerfile', 'model-pinning/ollama-tag'],
  },
  {
    name: 'Makefile variables referring 5k deep and to themselves',
    files: {
      Makefile: `${lines(5000, (i) => `V${i} = $(V${i + 1})`)}V5000 = llama3\nLOOP = $(LOOP) $(OTHER)\nOTHER = $(LOOP)\n\npull:\n\tollama pull $(V0)\n\techo $(LOOP)\n`,
    },
  },
];

interface Run {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The CLI on `root` (JSON output), optionally with a reduced stack, killed after `timeoutMs`. */
export function runCli(root: string, nodeArgs: string[] = [], timeoutMs = 60_000): Promise<Run> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [...nodeArgs, BIN, root, '--format', 'json'], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      res({ status, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

interface Output {
  findings: Array<{ ruleId: string; path: string; suppressed: unknown }>;
  notifications: Array<{ kind: string; level: string; message: string; path?: string; ruleId?: string }>;
}

describe('configs, scripts and pipelines nested deep or in cycles', () => {
  for (const c of CASES) {
    // A small stack only: what passes with it passes with the default one.
    for (const stack of [['--stack-size=400']]) {
      it(`${c.name} (small stack)`, async () => {
        const root = tempRepo({ [NEIGHBOUR]: CALL, ...c.files });
        const r = await runCli(root, stack);
        expect(r.signal, r.stderr).toBeNull();
        expect([0, 1], r.stderr).toContain(r.status);
        const out = JSON.parse(r.stdout) as Output;
        expect(out.notifications.filter((n) => n.kind === 'rule-error' || n.level === 'error').map((n) => `${n.kind} ${n.path} ${n.ruleId} ${n.message}`)).toEqual([]);
        const rules = (path: string): string[] => out.findings.filter((f) => f.path === path && !f.suppressed).map((f) => f.ruleId);
        expect(rules(NEIGHBOUR)).toEqual(expect.arrayContaining(NEIGHBOUR_RULES));
        if (c.finding) expect(rules(c.finding[0])).toContain(c.finding[1]);
        for (const p of c.parses ?? []) expect(out.notifications.filter((n) => n.kind === 'parse-error' && n.path === p).map((n) => n.message)).toEqual([]);
      }, 70_000);
    }
  }
});

describe('long command lists cost the same per command', () => {
  /** How often `shellNonGating`, asked about every command of the script, reads a command of it. */
  async function readsPerCommand(script: string): Promise<number> {
    const host = new ParserHost(await Grammars.load());
    const f = new FileModel('long.sh', '/repo/long.sh', 'shell', script, host);
    const cs = f.shellScript()?.commands ?? [];
    let reads = 0;
    const counted = new Proxy(cs, {
      get(t, p, r) {
        if (typeof p === 'string' && /^[0-9]+$/.test(p)) reads++;
        return Reflect.get(t, p, r) as unknown;
      },
    }) as readonly ShellCommand[];
    for (let k = 0; k < cs.length; k++) shellNonGating(f, counted, k, { errexit: k % 2 === 0, pipefail: false });
    expect(cs.length).toBeGreaterThan(3000);
    return reads / cs.length;
  }

  it('an && list of 3k commands', async () => {
    expect(await readsPerCommand(`#!/bin/sh\n${rep('echo a && ', 3000)}true\n`)).toBeLessThan(30);
  });

  it('a pipeline of 3k commands', async () => {
    expect(await readsPerCommand(`#!/bin/sh\n${rep('echo a | ', 3000)}cat\n`)).toBeLessThan(30);
  });
});

describe('limits that are not positive whole numbers', () => {
  const load = (yaml: string): (() => unknown) => {
    const root = tempRepo({ '.modelguard.yml': yaml });
    return () => loadConfig(findConfig(root), ruleInfo, root);
  };
  const BAD: Array<[string, string]> = [
    ['sourceFileSize', '"lots"'],
    ['sourceFileSize', '-3'],
    ['sourceFileSize', '0'],
    ['dataFileSize', '1.5'],
    ['dataFileSize', '"0.1B"'],
    ['dataFileSize', '99999999999999999999'],
    ['sourceFileSize', '"99999999999GiB"'],
    ['dataFileSize', '1e400'],
    ['findingsPerFile', '"12"'],
    ['findingsPerFile', '-1'],
    ['findingsPerFile', '2.5'],
    ['findingsPerFile', '99999999999999999999'],
    ['analysisTimeMs', '0'],
    ['analysisTimeMs', '"60s"'],
    ['analysisTimeMs', '1e400'],
    ['analysisNodes', '-5'],
    ['analysisNodes', '[1]'],
    ['analysisNodes', '99999999999999999999'],
  ];
  for (const [key, value] of BAD) {
    it(`${key}: ${value} is refused, naming the key and what it takes`, () => {
      expect(load(`limits:\n  ${key}: ${value}\n`)).toThrow(new RegExp(`\\.modelguard\\.yml:2:3: limits\\.${key}: (must be|is too large)`));
    });
  }

  it('whole numbers and sizes in range are taken', () => {
    const c = load('limits:\n  sourceFileSize: 2MiB\n  dataFileSize: "4096"\n  findingsPerFile: 0\n  analysisTimeMs: 1\n  analysisNodes: 9007199254740991\n')() as { limits: Record<string, number> };
    expect(c.limits).toEqual({ sourceFileSize: 2 * 1024 * 1024, dataFileSize: 4096, findingsPerFile: 0, analysisTimeMs: 1, analysisNodes: 9007199254740991 });
  });

  it('the CLI exits 2 with the message and scans nothing', async () => {
    const root = tempRepo({ [NEIGHBOUR]: CALL, '.modelguard.yml': 'limits:\n  analysisNodes: 99999999999999999999\n' });
    const r = await runCli(root);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/limits\.analysisNodes: is too large/);
  });
});
