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
