import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';

const REPO = join(import.meta.dirname, '..');

describe('bench/audit-sample.mjs (the README recipe for precision audits)', () => {
  it('samples N findings, every rule at least once, each with its code', async () => {
    const out: string[] = [];
    await main(['fixtures/demo-app', '--format', 'json'], { stdout: (s) => out.push(s), stderr: () => {}, isTTY: false, env: {}, cwd: REPO });
    const report = join(mkdtempSync(join(tmpdir(), 'modelguard-audit-')), 'report.json');
    writeFileSync(report, out.join(''));
    const rules = new Set((JSON.parse(out.join('')) as { findings: Array<{ ruleId: string }> }).findings.map((f) => f.ruleId));
    const text = execFileSync(process.execPath, [join(REPO, 'bench', 'audit-sample.mjs'), report, join(REPO, 'fixtures', 'demo-app'), '20', '3'], { encoding: 'utf8' });
    const picked = text.split('\n').filter((l) => /^#\d+ /.test(l));
    expect(picked).toHaveLength(20);
    expect(new Set(picked.map((l) => l.split(' ')[3]))).toEqual(rules);
    // The offending line is shown, marked.
    expect(text.split('\n').filter((l) => /^ {3}>\s*\d+ /.test(l))).toHaveLength(20);
    // The same seed draws the same sample.
    expect(execFileSync(process.execPath, [join(REPO, 'bench', 'audit-sample.mjs'), report, join(REPO, 'fixtures', 'demo-app'), '20', '3'], { encoding: 'utf8' })).toBe(text);
  });
});
