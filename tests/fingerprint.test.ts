import { describe, expect, it } from 'vitest';
import { lineHashes } from '../src/util/hash.js';
import { scanFiles } from './helpers/run.js';

const RULE = 'model-pinning/serving-image';

describe('primaryLocationLineHash (GitHub upload-sarif algorithm)', () => {
  const hashes = (s: string): string[] => [...lineHashes(s).entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]);

  // Reference vectors published with github/codeql-action's fingerprinting tests.
  it('matches the reference values, whitespace and line endings included', () => {
    expect(hashes('')).toEqual(['c129715d7a2bc9a3:1']);
    expect(hashes(' a\nb\n  \t\tc\n d')).toEqual(['271789c17abda88f:1', '54703d4cd895b18:1', '180aee12dab6264:1', 'a23a3dc5e078b07b:1']);
    const lf = ' hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End\n';
    const expected = ['e9496ae3ebfced30:1', 'fb7c023a8b9ccb3f:1', 'ce8ba1a563dcdaca:1', 'e20e36e16fcb0cc8:1', 'b3edc88f2938467e:1', 'c8e28b0b4002a3a0:1', 'c129715d7a2bc9a3:1'];
    expect(hashes(lf)).toEqual(expected);
    expect(hashes(lf.replace(/\n/g, '\r\n'))).toEqual(expected);
    expect(hashes(lf.replace(/\n/g, '\r'))).toEqual(expected);
  });

  it('numbers repeated lines', () => {
    expect(hashes('Lorem ipsum dolor sit amet.\n'.repeat(10))).toEqual([
      'a7f2ff13bc495cf2:1',
      'a7f2ff13bc495cf2:2',
      'a7f2ff13bc495cf2:3',
      'a7f2ff13bc495cf2:4',
      'a7f2ff13bc495cf2:5',
      'a7f2ff13bc495cf2:6',
      'a7f2ff1481e87703:1',
      'a9cf91f7bbf1862b:1',
      '55ec222b86bcae53:1',
      'cc97dc7b1d7d8f7b:1',
      'c129715d7a2bc9a3:1',
    ]);
  });
});

describe('finding fingerprints', () => {
  const compose = (prefix: string): string => `${prefix}services:
  chat:
    image: vllm/vllm-openai:latest
  batch:
    image: vllm/vllm-openai:latest
  tgi:
    image: ghcr.io/huggingface/text-generation-inference
`;

  it('stay the same when unrelated lines are inserted above', async () => {
    const before = await scanFiles({ 'docker-compose.yml': compose('') }, RULE);
    const after = await scanFiles({ 'docker-compose.yml': compose('# Inference stack\n# owned by the platform team\nname: support\n\n') }, RULE);
    expect(before.findings).toHaveLength(3);
    expect(after.findings.map((f) => f.range.start.line)).toEqual(before.findings.map((f) => f.range.start.line + 4));
    expect(after.findings.map((f) => f.fingerprint)).toEqual(before.findings.map((f) => f.fingerprint));
  });

  it('tell identical constructs apart by their ordinal', async () => {
    const r = await scanFiles({ 'docker-compose.yml': compose('') }, RULE);
    const [a, b, c] = r.findings.map((f) => f.fingerprint);
    expect(a).not.toBe(b);
    expect(new Set([a, b, c]).size).toBe(3);
    expect(a).toMatch(/^[0-9a-f]{32}$/);
  });

  it('change when the offending code changes or the file moves', async () => {
    const base = await scanFiles({ 'docker-compose.yml': compose('') }, RULE);
    const edited = await scanFiles({ 'docker-compose.yml': compose('').replace('text-generation-inference', 'text-generation-inference:nightly') }, RULE);
    const moved = await scanFiles({ 'deploy/docker-compose.yml': compose('') }, RULE);
    expect(edited.findings[2]?.fingerprint).not.toBe(base.findings[2]?.fingerprint);
    expect(edited.findings[0]?.fingerprint).toBe(base.findings[0]?.fingerprint);
    expect(moved.findings[0]?.fingerprint).not.toBe(base.findings[0]?.fingerprint);
  });
});

describe('primaryLocationLineHash against a BigInt reference', () => {
  /** The same algorithm in plain BigInt arithmetic, as a cross-check of the 32-bit-halves version. */
  function reference(text: string): Map<number, string> {
    const MASK = (1n << 64n) - 1n;
    let first = 1n;
    for (let i = 0; i < 100; i++) first = (first * 37n) & MASK;
    const win = new Array<number>(100).fill(0);
    const lines = new Array<number>(100).fill(-1);
    const counts = new Map<string, number>();
    const out = new Map<number, string>();
    let hash = 0n;
    let idx = 0;
    let line = 0;
    let start = true;
    let cr = false;
    const emit = () => {
      const v = hash.toString(16);
      const n = (counts.get(v) ?? 0) + 1;
      counts.set(v, n);
      out.set(lines[idx] as number, `${v}:${n}`);
      lines[idx] = -1;
    };
    const upd = (c: number) => {
      const b = win[idx] as number;
      win[idx] = c;
      hash = (37n * hash + BigInt(c) - first * BigInt(b)) & MASK;
      idx = (idx + 1) % 100;
    };
    const proc = (ch: number) => {
      let c = ch;
      if (c === 32 || c === 9 || (cr && c === 10)) {
        cr = false;
        return;
      }
      if (c === 13) {
        c = 10;
        cr = true;
      } else cr = false;
      if (lines[idx] !== -1) emit();
      if (start) {
        start = false;
        lines[idx] = ++line;
      }
      if (c === 10) start = true;
      upd(c);
    };
    for (let i = 0; i < text.length; i++) proc(text.charCodeAt(i));
    proc(65535);
    for (let i = 0; i < 100; i++) {
      if (lines[idx] !== -1) emit();
      upd(0);
    }
    return out;
  }

  it('agrees on random text with every kind of character', () => {
    let seed = 42;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const alphabet = ['a', 'Z', '0', ' ', '\t', '\n', '\r\n', '\r', 'é', '😀', '~', '\uffff'];
    for (let t = 0; t < 40; t++) {
      let s = '';
      const len = Math.floor(rnd() * 600);
      for (let i = 0; i < len; i++) s += alphabet[Math.floor(rnd() * alphabet.length)];
      expect(Object.fromEntries(lineHashes(s))).toEqual(Object.fromEntries(reference(s)));
    }
  });

  it('hashes only the wanted lines, with the values of the full pass, and stops early', () => {
    const text = Array.from({ length: 400 }, (_, i) => `line ${i % 7}  value\t${i % 3}`).join('\n');
    const all = lineHashes(text);
    const wanted = new Set([1, 8, 15, 150, 399]);
    const some = lineHashes(text, wanted);
    expect([...some.keys()].sort((a, b) => a - b)).toEqual([...wanted]);
    for (const l of wanted) expect(some.get(l)).toBe(all.get(l));
    expect(lineHashes(text, new Set()).size).toBe(0);
  });
});
