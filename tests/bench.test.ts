import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const BENCH = join(ROOT, 'dist', 'bench', 'run.js');

/** Shapes only: the figures are wall-clock times of a shared machine. */
describe('npm run bench (bench/run.ts)', () => {
  it('measures a tiny synthetic tree with its peers and prints JSON of the documented shape', () => {
    const out = JSON.parse(execFileSync(process.execPath, [BENCH, '--synthetic', '40', '--runs', '1', '--json'], { encoding: 'utf8', timeout: 170_000 }));
    expect(out.machine).toMatchObject({ nproc: expect.any(Number), cpu: expect.any(String), node: process.version });
    expect(out.startup).toMatchObject({ nodeMs: expect.any(Number), versionMs: expect.any(Number), helpMs: expect.any(Number) });
    expect(out.trees).toHaveLength(1);
    const tree = out.trees[0];
    for (const s of [tree.full, tree.small]) {
      expect(s.modelguard).toMatchObject({ wallMs: expect.any(Number), filesPerSecond: expect.any(Number), cacheHits: 0, findings: expect.any(Number) });
      expect(s.modelguard.runsMs).toHaveLength(1);
      expect(s.modelguard.peakRssMiB).toBeGreaterThan(0);
      expect(Object.keys(s.modelguard.parsed)).toEqual(expect.arrayContaining(['yaml']));
      expect(s.peers.map((p: { tool: string }) => p.tool)).toEqual(['ast-grep', 'ripgrep']);
      for (const p of s.peers) {
        if ('skipped' in p) expect(p.skipped).toMatch(/not on PATH|missing/);
        else expect(s.ratios[p.tool]).toBeGreaterThan(0);
      }
    }
    expect(Object.keys(tree.full.modelguard.parsed)).toEqual(expect.arrayContaining(['python', 'typescript', 'yaml']));
    // The small run parses what its files and their neighbourhood need, never more than the full scan.
    for (const [lang, n] of Object.entries(tree.small.modelguard.parsed as Record<string, number>)) expect(n).toBeLessThanOrEqual(tree.full.modelguard.parsed[lang] ?? 0);
    // The whole tree (40 files, 17 that can matter) is seen; the small run checks 5 files of it.
    expect(tree.full.modelguard.filesSeen).toBe(40);
    expect(tree.full.modelguard.findings).toBeGreaterThan(0);
    expect(tree.small.files).toHaveLength(5);
    expect(tree.small.modelguard.filesScanned).toBeLessThanOrEqual(5);
    // With the cache filled by a full scan, both runs are answered from it, with the same findings.
    expect(tree.cached.full).toMatchObject({ cacheHits: 1, findings: tree.full.modelguard.findings, filesScanned: tree.full.modelguard.filesScanned });
    expect(tree.cached.small).toMatchObject({ cacheHits: 1, findings: tree.small.modelguard.findings, filesScanned: tree.small.modelguard.filesScanned });
    expect(out.curve).toEqual([expect.objectContaining({ files: 40, wallMs: expect.any(Number), msPer1kFiles: expect.any(Number) })]);
  }, 180_000);

  it('picks the same five files every time and generates the same tree', async () => {
    const { generateTree, pickFiles } = await import(BENCH);
    const a = mkdtempSync(join(tmpdir(), 'mg-bench-test-'));
    const b = mkdtempSync(join(tmpdir(), 'mg-bench-test-'));
    generateTree(a, 120);
    generateTree(b, 120);
    const count = (d: string): number => readdirSync(d, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).length;
    expect(count(a)).toBe(120);
    expect(count(b)).toBe(120);
    expect(await pickFiles(a)).toEqual(await pickFiles(b));
    expect(await pickFiles(a)).toHaveLength(5);
  });
});
