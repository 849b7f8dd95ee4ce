import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rules } from '../../rules/index.js';
import { EXIT_FINDINGS, EXIT_OK, exitCode } from '../../src/cli.js';
import { emptyConfig } from '../../src/config/types.js';
import { scan, type RunResult } from '../../src/engine/run.js';
import { formatSarif } from '../../src/format/sarif.js';
import { githubProblems, sarifSchemaErrors } from '../helpers/sarif.js';

/**
 * Property-based robustness: real-looking fixtures, mutated below a marker line (truncated,
 * spliced with garbage, blocks duplicated, lines shuffled, nesting deepened, NUL and invalid
 * UTF-8 inserted), then scanned. Nothing may crash or make the scan incomplete, the SARIF
 * stays valid, and each finding above the marker keeps its place and fingerprint.
 *
 * The normal run is short and seeded. `npm run fuzz` runs the same properties longer;
 * MODELGUARD_FUZZ_RUNS and MODELGUARD_FUZZ_SEED set the number of runs and the seed (the seed
 * is printed, and a failure names the seed and path that replay it).
 */

const FUZZ = process.env.MODELGUARD_FUZZ === '1';
const RUNS = Number(process.env.MODELGUARD_FUZZ_RUNS ?? (FUZZ ? 200 : 4));
const SEED = Number(process.env.MODELGUARD_FUZZ_SEED ?? (FUZZ ? Date.now() % 2 ** 31 : 20261207));
/** A scan of one small fixture taking longer than this is a hang, not a slow machine. */
const SCAN_BOUND_MS = 15_000;

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures');

interface Target {
  /** The fixture directory, copied whole so that the mutated file keeps its context. */
  dir: string;
  /** The file that is mutated. */
  file: string;
  /** A line that ends the untouched part; the mutations go below it. */
  marker: string;
  /**
   * Ordinary code of the same language, with no model, client or server in it and names of its
   * own, mutated below the marker: whatever it turns into, the findings above cannot depend on it.
   */
  neutral: string;
}

const NEUTRAL_PY = `import csv
import json
from dataclasses import dataclass
from pathlib import Path


@dataclass
class FzRow:
    order_id: str
    total_cents: int

    def as_dict(self) -> dict:
        return {"order_id": self.order_id, "total": self.total_cents / 100}


def fz_read_rows(path: Path) -> list[FzRow]:
    with path.open(newline="") as fh:
        return [FzRow(r["id"], int(r["cents"])) for r in csv.DictReader(fh)]


def fz_summarise(rows: list[FzRow]) -> str:
    totals = {}
    for row in rows:
        totals[row.order_id] = totals.get(row.order_id, 0) + row.total_cents
    return json.dumps(totals, indent=2, sort_keys=True)
`;

const NEUTRAL_TS = `interface FzInvoice {
  id: string;
  lines: { sku: string; qty: number; cents: number }[];
}

export function fzTotal(inv: FzInvoice): number {
  return inv.lines.reduce((sum, l) => sum + l.qty * l.cents, 0);
}

export class FzLedger {
  private readonly entries = new Map<string, number>();

  add(inv: FzInvoice): void {
    this.entries.set(inv.id, (this.entries.get(inv.id) ?? 0) + fzTotal(inv));
  }

  toJSON(): Record<string, number> {
    return Object.fromEntries([...this.entries].sort(([a], [b]) => a.localeCompare(b)));
  }
}
`;

const NEUTRAL_YAML = `fz-logging:
  level: info
  handlers:
    - console
    - file: { path: /var/log/app.log, rotate: daily }
fz-features:
  search: true
  export: [csv, json]
  limits:
    page_size: 50
`;

const NEUTRAL_DOCKERFILE = `LABEL org.opencontainers.image.source="https://example.com/shop"
COPY docs/ /usr/share/doc/shop/
RUN mkdir -p /var/cache/shop \\
    && chmod 0755 /var/cache/shop
WORKDIR /srv/shop
`;

const TARGETS: Target[] = [
  { dir: 'inference-logging/unlogged-inference/invalid/py-openai', file: 'app/chat.py', marker: '_fuzz_marker = None  # mutated below this line', neutral: NEUTRAL_PY },
  { dir: 'model-pinning/hf-revision/invalid/python-surfaces', file: 'app/serve.py', marker: '_fuzz_marker = None  # mutated below this line', neutral: NEUTRAL_PY },
  { dir: 'inference-logging/unlogged-inference/invalid/ts-http', file: 'src/server/llm-http.ts', marker: 'export const fuzzMarker = 0; // mutated below this line', neutral: NEUTRAL_TS },
  { dir: 'model-pinning/serving-image/invalid/compose-anchors-and-defaults', file: 'docker-compose.yml', marker: '--- # mutated below this line', neutral: NEUTRAL_YAML },
  { dir: 'model-pinning/serving-image/invalid/k8s-multi-document', file: 'deploy/inference.yaml', marker: '--- # mutated below this line', neutral: NEUTRAL_YAML },
  { dir: 'model-pinning/serving-image/invalid/dockerfile-stages', file: 'Dockerfile', marker: '# mutated below this line', neutral: NEUTRAL_DOCKERFILE },
];

type Mutation = (b: Buffer) => Buffer;

/** A named mutation, printed by its name in a counterexample. */
type Named = { name: string; apply: Mutation; [fc.toStringMethod]: () => string };
const named = (name: string, apply: Mutation): Named => ({ name, apply, [fc.toStringMethod]: () => name });

const lines = (b: Buffer): string[] => b.toString('latin1').split('\n');
const join_ = (ls: string[]): Buffer => Buffer.from(ls.join('\n'), 'latin1');

/** Garbage: bytes from the source's own alphabet of brackets, quotes and operators, or any bytes at all. */
const garbage = fc.oneof(
  fc.stringMatching(/^[(){}[\]<>"'`\\:;,.!@#$%^&*|~=+\-_ \t\n]{1,40}$/).map((s) => Buffer.from(s)),
  fc.uint8Array({ minLength: 1, maxLength: 40 }).map((a) => Buffer.from(a)),
  fc.string({ unit: 'grapheme', maxLength: 20 }).map((s) => Buffer.from(s)),
);

const mutation: fc.Arbitrary<{ name: string; apply: Mutation }> = fc.oneof(
  fc.nat().map((k) => named(`truncate@${k}`, (b) => b.subarray(0, b.length === 0 ? 0 : k % b.length))),
  fc.tuple(fc.nat(), garbage).map(([k, g]) =>
    named(`garbage@line${k}:${JSON.stringify(g.toString('latin1'))}`, (b) => {
      const ls = lines(b);
      const at = k % (ls.length + 1);
      return Buffer.concat([join_(ls.slice(0, at)), Buffer.from(at > 0 ? '\n' : ''), g, Buffer.from('\n'), join_(ls.slice(at))]);
    }),
  ),
  fc.tuple(fc.nat(), fc.nat(), fc.integer({ min: 1, max: 4 })).map(([i, n, times]) =>
    named(`duplicate@${i}+${n}x${times}`, (b) => {
      const ls = lines(b);
      const from = i % ls.length;
      const to = Math.min(ls.length, from + 1 + (n % 8));
      const block = ls.slice(from, to);
      return join_([...ls.slice(0, to), ...Array.from({ length: times }, () => block).flat(), ...ls.slice(to)]);
    }),
  ),
  fc.array(fc.nat(), { minLength: 1, maxLength: 200 }).map((keys) =>
    named(`shuffle:${keys.slice(0, 5).join(',')}`, (b) => {
      const ls = lines(b);
      return join_(
        ls
          .map((l, i) => [keys[i % keys.length] as number, i, l] as const)
          .sort((x, y) => x[0] - y[0] || x[1] - y[1])
          .map((t) => t[2]),
      );
    }),
  ),
  fc.tuple(fc.nat(), fc.nat(), fc.integer({ min: 1, max: 30 }), fc.constantFrom('()', '[]', '{}', '  ', '\t', '- ', '> ')).map(([i, n, depth, wrap]) =>
    named(`nest@${i}+${n}:${JSON.stringify(wrap)}x${depth}`, (b) => {
      const ls = lines(b);
      const from = i % ls.length;
      const to = Math.min(ls.length, from + 1 + (n % 10));
      const open = wrap.trim().length === 2 ? (wrap[0] as string).repeat(depth) : '';
      const close = wrap.trim().length === 2 ? (wrap[1] as string).repeat(depth) : '';
      const indent = wrap.trim().length === 2 ? '' : wrap.repeat(depth);
      const body = ls.slice(from, to).map((l) => indent + l);
      if (open) body[0] = open + body[0];
      if (close) body[body.length - 1] += close;
      return join_([...ls.slice(0, from), ...body, ...ls.slice(to)]);
    }),
  ),
  fc.tuple(fc.nat(), fc.constantFrom([0x00], [0xc3, 0x28], [0xff, 0xfe], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xc0, 0xaf], [0x80])).map(([k, bytes]) =>
    named(`bytes@${k}:${bytes.map((x) => x.toString(16)).join(' ')}`, (b) => {
      const at = b.length === 0 ? 0 : k % b.length;
      return Buffer.concat([b.subarray(0, at), Buffer.from(bytes), b.subarray(at)]);
    }),
  ),
);

/** Git's binary heuristic, as discovery applies it: a NUL byte in the first 8000 bytes. */
const looksBinary = (b: Buffer): boolean => b.subarray(0, 8000).includes(0);

const placed = (r: RunResult, file: string, maxLine: number): string[] =>
  r.findings.filter((f) => f.path === file && f.range.start.line <= maxLine).map((f) => `${f.range.start.line}:${f.range.start.column} ${f.ruleId} ${f.fingerprint}`);

async function scanTimed(root: string): Promise<RunResult> {
  const t0 = Date.now();
  const result = await scan({ root, paths: [], config: emptyConfig(), rules });
  const ms = Date.now() - t0;
  if (ms > SCAN_BOUND_MS) throw new Error(`the scan took ${ms} ms (bound ${SCAN_BOUND_MS} ms)`);
  return result;
}

function expectSoundScan(r: RunResult): void {
  expect(r.notifications.filter((n) => n.kind === 'rule-error').map((n) => `${n.path} ${n.ruleId} ${n.message}`)).toEqual([]);
  expect(r.incomplete).toBe(false);
  expect([EXIT_OK, EXIT_FINDINGS]).toContain(exitCode(r, 'note', false));
  const log = JSON.parse(formatSarif(r, { color: false, quiet: false, displayPath: (p) => p }));
  expect(sarifSchemaErrors(log)).toEqual([]);
  expect(githubProblems(log)).toEqual([]);
}

function copyFixture(t: Target): { root: string; target: string; original: string } {
  const root = mkdtempSync(join(tmpdir(), 'modelguard-fuzz-'));
  cpSync(join(FIXTURES, t.dir), root, { recursive: true });
  const target = join(root, t.file);
  return { root, target, original: readFileSync(target, 'utf8').replace(/\n*$/, '\n') };
}

const mutations = fc.array(mutation, { minLength: 1, maxLength: 3 });
const apply = (ms: Array<{ apply: Mutation }>, text: string): Buffer => ms.reduce<Buffer>((b, m) => m.apply(b), Buffer.from(text));
const params = { seed: SEED, numRuns: RUNS, endOnFailure: true };
const timeout = FUZZ ? 3_600_000 : 60_000;

describe.each(TARGETS)('fuzzing $file of $dir', (t) => {
  it(
    `the whole fixture mutated: no crash, no rule error, valid SARIF (seed ${SEED}, ${RUNS} runs)`,
    async () => {
      if (FUZZ) console.log(`fuzz ${t.dir}/${t.file}: seed ${SEED}, ${RUNS} runs (replay with MODELGUARD_FUZZ_SEED=${SEED})`);
      const { root, target, original } = copyFixture(t);
      await fc.assert(
        fc.asyncProperty(mutations, async (ms) => {
          const bytes = apply(ms, original);
          writeFileSync(target, bytes);
          const after = await scanTimed(root);
          expectSoundScan(after);
          if (looksBinary(bytes)) expect(after.notifications.find((n) => n.kind === 'skipped-files')?.paths).toContain(t.file);
        }),
        params,
      );
    },
    timeout,
  );

  it(
    `mutations below the marker leave each finding above it in place with its fingerprint (seed ${SEED}, ${RUNS} runs)`,
    async () => {
      const { root, target, original } = copyFixture(t);
      const head = `${original}${t.marker}\n`;
      const markerLine = head.split('\n').length - 1;

      // The fixture's own findings, with the unmutated neutral code below the marker.
      writeFileSync(target, head + t.neutral);
      const before = await scanTimed(root);
      expectSoundScan(before);
      const expected = placed(before, t.file, markerLine);
      expect(expected.length).toBeGreaterThan(0);
      writeFileSync(target, original);
      const alone = await scanTimed(root);
      expect(placed(alone, t.file, markerLine)).toEqual(expected);

      await fc.assert(
        fc.asyncProperty(mutations, async (ms) => {
          const bytes = Buffer.concat([Buffer.from(head), apply(ms, t.neutral)]);
          writeFileSync(target, bytes);
          const after = await scanTimed(root);
          expectSoundScan(after);
          if (looksBinary(bytes)) {
            expect(after.notifications.find((n) => n.kind === 'skipped-files')?.paths).toContain(t.file);
            return;
          }
          try {
            expect(placed(after, t.file, markerLine)).toEqual(expected);
          } catch (e) {
            // The failing input, to read or rescan by hand.
            writeFileSync(`${root}.failing`, bytes);
            throw new Error(`${(e as Error).message}\n(input kept at ${root}.failing)`);
          }
        }),
        params,
      );
    },
    timeout,
  );
});
