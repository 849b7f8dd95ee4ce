import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';
import { githubProblems, reportSchemaErrors, sarifSchemaErrors } from './helpers/sarif.js';

const REPO = join(import.meta.dirname, '..');

async function run(args: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const code = await main(args, { stdout: (s) => out.push(s), stderr: (s) => out.push(s), isTTY: false, env: {}, cwd: REPO });
  return { code, out: out.join('') };
}

/** The tool version changes with every release; snapshots should not. */
const scrub = (s: string): string => s.replace(/"(semanticVersion|version)": "\d+\.\d+\.\d+[^"]*"/g, '"$1": "<version>"');

describe('golden output of the demo app', () => {
  it('SARIF: valid, GitHub-ready, and as reviewed', async () => {
    const { code, out } = await run(['fixtures/demo-app', '--format', 'sarif', '--sarif-category', 'modelguard']);
    expect(code).toBe(1);
    const log = JSON.parse(out);
    expect(sarifSchemaErrors(log)).toEqual([]);
    expect(githubProblems(log)).toEqual([]);
    await expect(scrub(out)).toMatchFileSnapshot('__snapshots__/demo-app.sarif.json');
  });

  it('JSON: follows its schema, and as reviewed', async () => {
    const { out } = await run(['fixtures/demo-app', '--format', 'json']);
    expect(reportSchemaErrors(JSON.parse(out))).toEqual([]);
    await expect(scrub(out)).toMatchFileSnapshot('__snapshots__/demo-app.json');
  });

  it('text: as reviewed', async () => {
    const { out } = await run(['fixtures/demo-app', '--no-color']);
    await expect(out).toMatchFileSnapshot('__snapshots__/demo-app.txt');
  });

  it('is byte-identical from one run to the next', async () => {
    const a = await run(['fixtures/demo-app', '--format', 'sarif']);
    const b = await run(['fixtures/demo-app', '--format', 'sarif']);
    expect(a.out).toBe(b.out);
  });
});
