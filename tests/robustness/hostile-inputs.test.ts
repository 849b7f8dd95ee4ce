import { describe, expect, it } from 'vitest';
import { EXIT_FINDINGS, EXIT_OK, exitCode } from '../../src/cli.js';
import { formatSarif } from '../../src/format/sarif.js';
import { scanDir, tempRepo } from '../helpers/run.js';
import { CALL, cli, expectSound, expectValidSarif, NEIGHBOUR, NEIGHBOUR_RULES, randomBytes, SAMPLES, skipped } from './hostile-kit.js';

/**
 * Malformed files of every kind modelguard reads, one repository per kind of damage: each holds
 * every sample file damaged the same way, next to one normal file whose findings must survive.
 */

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52]);

interface Damage {
  name: string;
  damage: (text: string, seed: number) => string | Buffer;
  /** Skipped as binary (a NUL byte near the start), and named so in a notification. */
  binary?: boolean;
}

const DAMAGES: Damage[] = [
  { name: 'truncated mid-token', damage: (t) => t.slice(0, Math.ceil(t.length * 0.6)) },
  { name: 'truncated to one byte', damage: (t) => t.slice(0, 1) },
  { name: 'empty', damage: () => '' },
  { name: 'garbage appended', damage: (t) => `${t}@7[B:x>8>f[x-n(x@ }}}]]] "'\`\${{ <<: *nope !!binary ::: \\\n\t\t  {{{{\n` },
  { name: 'unbalanced brackets and quotes only', damage: () => '((([[[{{{ """ \'\'\' ``` <<<\n'.repeat(20) },
  { name: 'invalid UTF-8 appended', damage: (t) => Buffer.concat([Buffer.from(t), Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0xf0, 0x28, 0x8c, 0xbc, 0xff, 0xfe, 0x0a])]) },
  { name: 'random bytes without NUL', damage: (_t, seed) => randomBytes(seed, 4096, true) },
  { name: 'random bytes', damage: (_t, seed) => randomBytes(seed, 4096), binary: true },
  { name: 'a PNG header', damage: () => Buffer.concat([PNG, randomBytes(7, 512)]), binary: true },
  { name: 'NUL-filled', damage: () => Buffer.alloc(2048), binary: true },
  { name: 'UTF-16 without a byte order mark', damage: (t) => Buffer.from(t, 'utf16le'), binary: true },
  { name: 'CR-only line ends and a lone BOM in the middle', damage: (t) => t.replace(/\n/g, '\r').replace(/\r(?=.)/, '\r\ufeff') },
];

function damagedFiles(d: Damage, under = ''): Record<string, string | Buffer> {
  const files: Record<string, string | Buffer> = {};
  let seed = 1;
  for (const [path, text] of Object.entries(SAMPLES)) files[`${under}${path}`] = d.damage(text, seed++);
  return files;
}

describe('every kind of file, damaged', () => {
  it.each(DAMAGES)('$name: a notice or nothing, never a crash; the neighbour keeps its findings', async (d) => {
    const root = tempRepo({ [NEIGHBOUR]: CALL, ...damagedFiles(d) });
    const t0 = Date.now();
    const result = await scanDir(root);
    expect(Date.now() - t0).toBeLessThan(20_000);
    expectSound(result);
    expect([EXIT_OK, EXIT_FINDINGS]).toContain(exitCode(result, 'note', false));
    expectValidSarif(formatSarif(result, { color: false, quiet: false, displayPath: (p) => p }));
    if (d.binary) expect(skipped(result, 'skipped-files').sort()).toEqual(Object.keys(SAMPLES).sort());
    else expect(skipped(result, 'skipped-files')).toEqual([]);
  });

  it('all of them in one repository, through the CLI: bounded, exit 0 or 1, valid SARIF', async () => {
    const files: Record<string, string | Buffer> = { [NEIGHBOUR]: CALL };
    DAMAGES.forEach((d, i) => {
      Object.assign(files, damagedFiles(d, `d${i}/`));
    });
    const run = await cli([tempRepo(files), '--format', 'sarif', '--fail-on', 'note'], { timeoutMs: 90_000 });
    expect(run.timedOut).toBe(false);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(1);
    const sarif = expectValidSarif(run.stdout);
    expect(sarif.results.filter((r) => r.locations[0]?.physicalLocation.artifactLocation.uri === NEIGHBOUR).map((r) => r.ruleId)).toEqual(expect.arrayContaining(NEIGHBOUR_RULES));
  }, 120_000);
});
