import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempRepo } from './helpers/run.js';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'modelguard.js');
const RECORDER = join(import.meta.dirname, 'helpers', 'record-loads.mjs');

/** The heavy modules, by the path they load from. */
const HEAVY = {
  typescript: /\/node_modules\/(typescript|@ts-morph\/common)\//,
  'ts-morph': /\/node_modules\/ts-morph\//,
  'web-tree-sitter': /\/node_modules\/web-tree-sitter\//,
  yaml: /\/node_modules\/yaml\//,
  ajv: /\/node_modules\/ajv\//,
  engine: /\/dist\/src\/engine\//,
  rules: /\/dist\/rules\//,
} as const;
type Heavy = keyof typeof HEAVY;

/** Runs the CLI in a fresh process and returns the heavy modules it loaded. */
function loaded(args: string[], cwd = ROOT): { heavy: Set<Heavy>; status: number | null } {
  const file = join(mkdtempSync(join(tmpdir(), 'modelguard-loads-')), 'loads.txt');
  const r = spawnSync(process.execPath, ['--import', RECORDER, BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, MODELGUARD_LOADS: file } });
  const paths = readFileSync(file, 'utf8').split('\n');
  // The recorder itself works: the CLI entry is always among the modules it saw.
  expect(paths.some((p) => p.endsWith('/dist/src/cli.js'))).toBe(true);
  const heavy = new Set((Object.keys(HEAVY) as Heavy[]).filter((k) => paths.some((p) => HEAVY[k].test(p))));
  return { heavy, status: r.status };
}

describe('the command line loads only what the run needs', () => {
  it.each([[['--version']], [['--help']], [['-v']], [['--no-such-option']], [['--format', 'xml']], [['--fail-on', 'sometimes']]])('%j loads no engine, rule or parser', (args) => {
    const r = loaded(args);
    expect([...r.heavy]).toEqual([]);
    expect(r.status).toBe(args[0] === '--version' || args[0] === '--help' || args[0] === '-v' ? 0 : 2);
  });

  it('--list-rules loads the rules but no parser', () => {
    const r = loaded(['--list-rules']);
    expect(r.heavy.has('rules')).toBe(true);
    expect(r.heavy.has('typescript')).toBe(false);
    expect(r.heavy.has('web-tree-sitter')).toBe(false);
  });
});

describe('the TypeScript compiler is loaded only when a TS/JS file is parsed', () => {
  it('a Python-only repository never loads it (tree-sitter, yes)', () => {
    const dir = tempRepo({ 'app.py': 'from transformers import AutoModel\nm = AutoModel.from_pretrained("acme/m")\n' });
    const r = loaded(['.', '--format', 'json'], dir);
    expect(r.heavy.has('web-tree-sitter')).toBe(true);
    expect(r.heavy.has('typescript')).toBe(false);
    expect(r.heavy.has('ts-morph')).toBe(false);
  });

  it('a YAML-only repository never loads it (yaml, yes), nor ajv without a config file', () => {
    const dir = tempRepo({ 'docker-compose.yml': 'services:\n  llm:\n    image: vllm/vllm-openai:latest\n', 'k8s/deploy.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\n' });
    const r = loaded(['.', '--format', 'json'], dir);
    expect(r.heavy.has('yaml')).toBe(true);
    expect(r.heavy.has('typescript')).toBe(false);
    expect(r.heavy.has('ts-morph')).toBe(false);
    expect(r.heavy.has('ajv')).toBe(false);
  });

  it('a config file loads ajv to validate it', () => {
    const dir = tempRepo({ '.modelguard.yml': 'failOn: warning\n', 'app.py': 'import os\n' });
    expect(loaded(['.'], dir).heavy.has('ajv')).toBe(true);
  });

  it('a repository with a TS file that a rule reads does', () => {
    const dir = tempRepo({
      'web/route.ts': 'import OpenAI from "openai";\nconst c = new OpenAI();\nexport async function POST() { return c.chat.completions.create({ model: "gpt-4o", messages: [] }); }\n',
    });
    const r = loaded(['.', '--format', 'json'], dir);
    expect(r.heavy.has('typescript')).toBe(true);
  });
});
