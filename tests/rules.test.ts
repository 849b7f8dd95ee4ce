import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findConfig, loadConfig } from '../src/config/load.js';
import { rules } from '../rules/index.js';
import { renderFindings } from './helpers/render.js';
import { findingLines, ruleInfo, scanDir } from './helpers/run.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

function cases(ruleId: string, kind: 'valid' | 'invalid' | 'suppressed'): string[] {
  const dir = join(FIXTURES, ruleId, kind);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((d) => statSync(join(dir, d)).isDirectory())
    .sort()
    .map((d) => join(dir, d));
}

/**
 * Every rule's fixture cases, each a tiny repository scanned with only that rule:
 * valid/* must give no finding, invalid/* exactly expected.txt, suppressed/* only suppressed
 * findings (expected.txt lists them). Each invalid and suppressed case also keeps its findings
 * rendered (code line, caret, message) in diagnostics.snap, so the prose is reviewed like code;
 * `npx vitest run tests/rules.test.ts -u` rewrites them after a deliberate change.
 */
describe.each(rules.map((r) => r.meta.id))('%s fixtures', (ruleId) => {
  const run = async (dir: string) => {
    const config = loadConfig(findConfig(dir), ruleInfo, dir);
    const optionsFile = join(dir, 'options.json');
    if (existsSync(optionsFile)) config.rules[ruleId] = { ...config.rules[ruleId], options: JSON.parse(readFileSync(optionsFile, 'utf8')) };
    return scanDir(dir, { only: [ruleId], config });
  };
  const expected = (dir: string): string[] =>
    readFileSync(join(dir, 'expected.txt'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'))
      .sort();

  it('has valid and invalid cases', () => {
    expect(cases(ruleId, 'valid').length).toBeGreaterThan(0);
    expect(cases(ruleId, 'invalid').length).toBeGreaterThan(0);
  });

  for (const dir of cases(ruleId, 'valid')) {
    it(`valid: ${dir.split('/').pop()}`, async () => {
      const result = await run(dir);
      expect(findingLines(result)).toEqual([]);
      expect(result.incomplete).toBe(false);
    });
  }
  for (const dir of cases(ruleId, 'invalid')) {
    it(`invalid: ${dir.split('/').pop()}`, async () => {
      const result = await run(dir);
      expect(findingLines(result).sort()).toEqual(expected(dir));
      expect(result.incomplete).toBe(false);
      await expect(renderFindings(dir, result)).toMatchFileSnapshot(join(dir, 'diagnostics.snap'));
    });
  }
  for (const dir of cases(ruleId, 'suppressed')) {
    it(`suppressed: ${dir.split('/').pop()}`, async () => {
      const result = await run(dir);
      expect(findingLines(result)).toEqual([]);
      expect(findingLines(result, 'suppressed').sort()).toEqual(expected(dir));
      await expect(renderFindings(dir, result)).toMatchFileSnapshot(join(dir, 'diagnostics.snap'));
    });
  }
});
