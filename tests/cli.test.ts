import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';
import { defineRule, type Rule } from '../src/rule-api.js';
import { rules } from '../rules/index.js';
import { tempRepo } from './helpers/run.js';
import { sarifSchemaErrors } from './helpers/sarif.js';

const BIN = join(import.meta.dirname, '..', 'bin', 'modelguard.js');
const DEMO = join(import.meta.dirname, '..', 'fixtures', 'demo-app');

function cli(args: string[], cwd: string, env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '', FORCE_COLOR: '', ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const dirty = () => tempRepo({ 'docker-compose.yml': 'services:\n  llm:\n    image: vllm/vllm-openai:latest\n' });
const clean = () => tempRepo({ 'docker-compose.yml': 'services:\n  llm:\n    image: vllm/vllm-openai:v0.6.4\n', 'app.py': 'print("hi")\n' });

describe('bin/modelguard.js', () => {
  it('exits 0 on a clean folder and 1 when there are findings', () => {
    const ok = cli(['.'], clean());
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/No findings\./);
    const bad = cli(['.'], dirty());
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^docker-compose\.yml:3:29 error model-pinning\/serving-image /);
  });

  it('exits 1 on the demo app and prints valid SARIF for it', () => {
    expect(existsSync(DEMO)).toBe(true);
    const r = cli(['fixtures/demo-app', '--format', 'sarif'], join(DEMO, '..', '..'));
    expect(r.code).toBe(1);
    const log = JSON.parse(r.stdout);
    expect(sarifSchemaErrors(log)).toEqual([]);
    expect(log.runs[0].results.length).toBeGreaterThan(0);
  });

  it('exits 2 on an invalid config, naming file, line and key', () => {
    const dir = tempRepo({ '.modelguard.yml': 'rules:\n  model-pinning/serving-image: loud\n', 'docker-compose.yml': 'services: {}\n' });
    const r = cli(['.'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/invalid config:\n\s+\.modelguard\.yml:2:3: rules\.model-pinning\/serving-image: must be one of/);
    expect(r.stdout).toBe('');
  });

  it('exits 2 on usage errors with a clear message', () => {
    const dir = clean();
    const unknown = cli(['--formt', 'json'], dir);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown option --formt \(did you mean --format\?\)/);
    expect(cli(['--format', 'xml'], dir).stderr).toMatch(/--format must be one of text, json, sarif, github, not "xml"/);
    expect(cli(['--fail-on', 'critical'], dir).code).toBe(2);
    const missing = cli(['nope/'], dir);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no such file or directory: nope/);
    const rule = cli(['--rule', 'model-pinning/nope'], dir);
    expect(rule.code).toBe(2);
    expect(rule.stderr).toMatch(/unknown rule id "model-pinning\/nope"/);
    expect(cli(['--config', 'missing.yml'], dir).stderr).toMatch(/config file not found/);
  });

  it('--fail-on moves the bar', () => {
    const dir = tempRepo({
      'docker-compose.yml': 'services:\n  llm:\n    image: vllm/vllm-openai:latest\n',
      '.modelguard.yml': 'rules:\n  model-pinning/serving-image: note\n',
    });
    expect(cli(['.'], dir).code).toBe(0);
    expect(cli(['.', '--fail-on', 'note'], dir).code).toBe(1);
    expect(cli(['.', '--fail-on', 'warning'], dir).code).toBe(0);
    expect(cli(['.', '--fail-on', 'never', '--rule', 'model-pinning/serving-image'], dirty()).code).toBe(0);
    expect(cli(['.', '--disable-rule', 'model-pinning/serving-image'], dirty()).code).toBe(0);
  });

  it('--output writes the report to a file, --quiet prints findings only', () => {
    const dir = dirty();
    const r = cli(['.', '--format', 'json', '--output', 'report.json'], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    expect(report.findings).toHaveLength(1);
    const q = cli(['.', '-q'], dir);
    expect(q.stdout.trim().split('\n')).toHaveLength(1);
  });

  it('scans explicit files as pre-commit passes them, relative to the current directory', () => {
    const dir = tempRepo({ 'deploy/docker-compose.yml': 'services:\n  llm:\n    image: ollama/ollama\n', 'other/docker-compose.yml': 'services:\n  llm:\n    image: ollama/ollama\n' });
    const r = cli(['deploy/docker-compose.yml'], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^deploy\/docker-compose\.yml:3:12 error/);
    expect(r.stdout).not.toMatch(/other\//);
  });

  it('a baseline suppresses known findings', () => {
    const dir = dirty();
    cli(['.', '--format', 'json', '-o', 'baseline.json'], dir);
    const r = cli(['.', '--baseline', 'baseline.json', '--format', 'json'], dir);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).findings[0].suppressed).toBe('present in the baseline');
    expect(cli(['.', '--baseline', 'docker-compose.yml'], dir).code).toBe(2);
  });

  it('--strict fails the run on an unparsable file that a rule needed', () => {
    const dir = tempRepo({ 'docker-compose.yml': 'services:\n  llm:\n    image: vllm/vllm-openai:v0.6.4\n', 'k8s/bad.yaml': 'kind: Pod\napiVersion: v1\nspec: [vllm\n' });
    const lax = cli(['.'], dir);
    expect(lax.code).toBe(0);
    expect(lax.stdout).toMatch(/could not parse YAML/);
    expect(cli(['.', '--strict'], dir).code).toBe(2);
  });

  it('--root sets what paths are relative to', () => {
    const dir = tempRepo({ 'svc/docker-compose.yml': 'services:\n  llm:\n    image: ollama/ollama\n' });
    const r = cli(['svc', '--root', '.', '--format', 'json'], dir);
    expect(JSON.parse(r.stdout).findings[0].path).toBe('svc/docker-compose.yml');
    expect(JSON.parse(cli(['svc', '--format', 'json'], dir).stdout).findings[0].path).toBe('docker-compose.yml');
  });

  it('prints version, help and the rule list', () => {
    const dir = clean();
    expect(cli(['--version'], dir).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(cli(['--help'], dir).stdout).toMatch(/Usage: modelguard \[options\] \[paths\.\.\.\]/);
    const list = cli(['--list-rules'], dir).stdout;
    for (const r of rules) expect(list).toContain(r.meta.id);
    expect(JSON.parse(cli(['--list-rules', '--format', 'json'], dir).stdout).length).toBe(rules.length);
  });

  it('uses colour only on a terminal or when forced, never with NO_COLOR', () => {
    const dir = dirty();
    expect(cli(['.'], dir).stdout).not.toMatch(/\u001b\[/);
    expect(cli(['.', '--color'], dir).stdout).toMatch(/\u001b\[/);
    expect(cli(['.', '--color', '--no-color'], dir).stdout).not.toMatch(/\u001b\[/);
    expect(cli(['.', '--color'], dir, { NO_COLOR: '1' }).stdout).not.toMatch(/\u001b\[/);
  });
});

describe('main() with a crashing rule', () => {
  const boom = defineRule({
    meta: {
      id: 'model-pinning/boom',
      category: 'model-pinning',
      appliesTo: ['compose'],
      roles: {},
      scope: 'file',
      severity: 'error',
      confidence: 'high',
      description: 'A rule that throws, to test isolation.',
      fullDescription: 'Throws on every compose file.',
      securitySeverity: 1,
      tags: [],
      messages: { never: 'never reported, never reported' },
    },
    // biome-ignore lint/correctness/useYield: a check that throws before it reports anything
    *check() {
      throw new Error('kaboom');
    },
  });

  it('reports the rule, the file and the error, keeps the other findings, and exits 2', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['.', '--format', 'json'], { stdout: (s) => out.push(s), stderr: (s) => err.push(s), isTTY: false, env: {}, cwd: dirty() }, [...rules, boom] as Rule[]);
    expect(code).toBe(2);
    const report = JSON.parse(out.join(''));
    expect(report.findings.map((f: { ruleId: string }) => f.ruleId)).toEqual(['model-pinning/serving-image']);
    expect(report.notifications).toContainEqual(expect.objectContaining({ kind: 'rule-error', ruleId: 'model-pinning/boom', path: 'docker-compose.yml', message: expect.stringMatching(/kaboom/) }));
    expect(report.summary.complete).toBe(false);
    expect(err.join('')).toMatch(/the scan is incomplete/);
  });
});
