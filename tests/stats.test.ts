import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HELP } from '../src/cli.js';
import { rules } from '../rules/index.js';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'modelguard.js');

function cli(args: string[]) {
  // Measured runs: never answered from the result cache.
  const r = spawnSync(process.execPath, [BIN, ...args, '--no-cache'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The JSON report without what changes from run to run. */
const stable = (json: string): unknown => JSON.parse(json);

describe('--stats', () => {
  const plain = cli(['fixtures/demo-app', '--format', 'json']);
  const stats = cli(['fixtures/demo-app', '--format', 'json', '--stats']);
  const sarif = [cli(['fixtures/demo-app', '--format', 'sarif']), cli(['fixtures/demo-app', '--format', 'sarif', '--stats'])];

  it('leaves stdout and the exit code as they are', () => {
    expect(stats.code).toBe(plain.code);
    expect(stable(stats.stdout)).toEqual(stable(plain.stdout));
    expect(sarif[1]?.stdout).toBe(sarif[0]?.stdout);
    expect(plain.stderr).toBe('');
  });

  it('prints a table of phases on stderr: discovery, reading, parse per language, index, output, total and peak RSS', () => {
    const t = stats.stderr;
    expect(t).toMatch(/^modelguard --stats +ms +share +count$/m);
    expect(t).toMatch(/^ {2}discovery +\d+\.\d +\d+\.\d% +\d+ files seen, \d+ candidates$/m);
    expect(t).toMatch(/^ {2}read and classify +\d+\.\d .* \d+ files$/m);
    for (const lang of ['python', 'typescript', 'yaml', 'dockerfile']) expect(t).toMatch(new RegExp(`^ {2}parse: ${lang} +\\d+\\.\\d .* [1-9]\\d* files$`, 'm'));
    expect(t).toMatch(/^ {2}load: TypeScript compiler +\d/m);
    expect(t).toMatch(/^ {2}repository index +\d/m);
    expect(t).toMatch(/^ {2}format +\d/m);
    expect(t).toMatch(/^ {2}total \(wall, since process start\) +\d+\.\d +100\.0% +\d+ files scanned, \d+ findings$/m);
    expect(t).toMatch(/^ {2}peak RSS \d+ MiB$/m);
  });

  it('lists every enabled rule once, with its findings, which add up to the report', () => {
    const report = JSON.parse(stats.stdout) as { findings: Array<{ ruleId: string }> };
    let sum = 0;
    for (const r of rules) {
      const m = new RegExp(`^ {2}${r.meta.id.replace('/', '\\/')} +\\d+\\.\\d +\\d+\\.\\d% +(\\d+) checks, (\\d+) findings?$`, 'gm');
      const hits = [...stats.stderr.matchAll(m)];
      expect(hits.length, r.meta.id).toBe(1);
      const n = Number(hits[0]?.[2]);
      expect(n, r.meta.id).toBe(report.findings.filter((f) => f.ruleId === r.meta.id).length);
      sum += n;
    }
    expect(sum).toBe(report.findings.length);
  });

  it('lists only the rules that ran with --rule', () => {
    const one = cli(['fixtures/demo-app', '--rule', 'model-pinning/ollama-tag', '--stats', '--quiet']);
    expect(one.stderr).toMatch(/^ {2}model-pinning\/ollama-tag +\d/m);
    expect(one.stderr).not.toMatch(/^ {2}model-pinning\/hf-revision /m);
  });
});

describe('the README options table and --help', () => {
  it('name the same long options', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('## Usage'), readme.indexOf('### Exit codes'));
    const long = (text: string): string[] => [...new Set([...text.matchAll(/--([a-z][a-z-]+)/g)].map((m) => m[1] as string))].sort();
    expect(long(table)).toEqual(long(HELP.slice(HELP.indexOf('Options:'), HELP.indexOf('Exit codes'))));
  });
});
