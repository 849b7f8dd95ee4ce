import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emptyConfig } from '../src/config/types.js';
import { ResultCache } from '../src/engine/cache.js';
import { scan, type RunResult } from '../src/engine/run.js';
import { rules } from '../rules/index.js';
import { tempRepo } from './helpers/run.js';

const BIN = join(import.meta.dirname, '..', 'bin', 'modelguard.js');
const DEMO = join(import.meta.dirname, '..', 'fixtures', 'demo-app');

function cli(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A copy of the demo application to change. */
function demoCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'modelguard-cache-'));
  cpSync(DEMO, dir, { recursive: true, filter: (src) => !src.includes('.modelguard_cache') });
  return dir;
}

/** What a report says, without the run's own bookkeeping. */
const report = (json: string): unknown => {
  const r = JSON.parse(json) as { findings: unknown; notifications: unknown; summary: unknown };
  return [r.findings, r.notifications, r.summary];
};

const cacheState = (out: { stderr: string }): string => /result cache\s+\S+\s+\S+\s+(.*)/.exec(out.stderr)?.[1]?.trim() ?? 'none';

const entries = (dir: string): string[] => readdirSync(dir).filter((f) => f.startsWith('run-'));

describe('result cache', () => {
  it('is written on the first run, in a git-ignored folder, and reused on the second with the same report', () => {
    const dir = demoCopy();
    const first = cli(['.', '--format', 'json', '--stats'], dir);
    expect(cacheState(first)).toBe('miss');
    expect(readFileSync(join(dir, '.modelguard_cache', '.gitignore'), 'utf8')).toMatch(/^\*$/m);
    const second = cli(['.', '--format', 'json', '--stats'], dir);
    expect(cacheState(second)).toMatch(/^hit/);
    expect(second.code).toBe(first.code);
    expect(report(second.stdout)).toEqual(report(first.stdout));
    // The cache folder is not scanned: the second run saw the same files.
    expect((JSON.parse(second.stdout) as { summary: { filesScanned: number } }).summary.filesScanned).toBe(40);
  });

  it('answers a run on some files from the full scan, with exactly what an uncached run on them reports', () => {
    const dir = demoCopy();
    cli(['.', '--format', 'json'], dir);
    const files = ['service/app/main.py', 'deploy/docker-compose.yml', 'web/app/api/chat/route.ts', 'training/train_sft.py', 'web/lib/llm.ts'].filter((f) => existsSync(join(dir, f)));
    expect(files.length).toBe(5);
    const cached = cli([...files, '--format', 'json', '--stats'], dir);
    expect(cacheState(cached)).toMatch(/narrowed/);
    const fresh = cli([...files, '--format', 'json', '--no-cache'], dir);
    expect((JSON.parse(fresh.stdout) as { findings: unknown[] }).findings.length).toBeGreaterThan(0);
    expect(report(cached.stdout)).toEqual(report(fresh.stdout));
    expect(cached.code).toBe(fresh.code);
  });

  it('is not used once a file changes, is added or is removed', () => {
    const dir = demoCopy();
    const before = cli(['.', '--format', 'json'], dir);
    appendFileSync(join(dir, 'service', 'app', 'main.py'), '\nfrom transformers import AutoModel\nextra = AutoModel.from_pretrained("gpt2")\n');
    const changed = cli(['.', '--format', 'json', '--stats'], dir);
    expect(cacheState(changed)).toBe('miss');
    const count = (out: { stdout: string }): number => (JSON.parse(out.stdout) as { findings: unknown[] }).findings.length;
    expect(count(changed)).toBeGreaterThan(count(before));
    writeFileSync(join(dir, 'service', 'app', 'extra.py'), 'from openai import OpenAI\nOpenAI().chat.completions.create(model="gpt-4o", messages=[])\n');
    expect(cacheState(cli(['.', '--stats'], dir))).toBe('miss');
    expect(cacheState(cli(['.', '--stats'], dir))).toMatch(/^hit/);
  });

  it('keys entries by configuration and rules: another rule set or config is a miss', () => {
    const dir = demoCopy();
    cli(['.'], dir);
    expect(cacheState(cli(['.', '--stats', '--rule', 'model-pinning/hf-revision'], dir))).toBe('miss');
    writeFileSync(join(dir, '.modelguard.yml'), 'rules:\n  model-pinning/ollama-tag: off\n');
    expect(cacheState(cli(['.', '--stats'], dir))).toBe('miss');
  });

  it('--no-cache reads and writes nothing; --cache-dir puts it elsewhere', () => {
    const dir = demoCopy();
    cli(['.', '--no-cache'], dir);
    expect(existsSync(join(dir, '.modelguard_cache'))).toBe(false);
    const elsewhere = mkdtempSync(join(tmpdir(), 'modelguard-cache-dir-'));
    cli(['.', '--cache-dir', elsewhere], dir);
    expect(existsSync(join(dir, '.modelguard_cache'))).toBe(false);
    expect(entries(elsewhere)).toHaveLength(1);
  });
});

describe('result cache: entries that must not be trusted', () => {
  const files = { 'docker-compose.yml': 'services:\n  llm:\n    image: vllm/vllm-openai:latest\n' };
  const run = (root: string, cache: ResultCache): Promise<RunResult> => scan({ root, paths: [], config: emptyConfig(), rules, cache });

  it('another version of modelguard does not read the entry', async () => {
    const root = tempRepo(files);
    const dir = join(root, '.modelguard_cache');
    await run(root, new ResultCache(dir, '1.0.0'));
    const [entry] = entries(dir);
    const stored = JSON.parse(readFileSync(join(dir, entry as string), 'utf8')) as { run: { findings: unknown[] } };
    expect(stored.run.findings).toHaveLength(1);
    // A tampered entry that claims no findings is only believed by the version that wrote it…
    stored.run.findings = [];
    writeFileSync(join(dir, entry as string), JSON.stringify(stored));
    expect((await run(root, new ResultCache(dir, '1.0.0'))).findings).toHaveLength(0);
    // …and a version bump ignores it and computes again.
    expect((await run(root, new ResultCache(dir, '1.0.1'))).findings).toHaveLength(1);
  });

  it('a corrupt, truncated or foreign entry is ignored and rewritten', async () => {
    for (const damage of ['{"tool":"modelguard","format":1', 'not json at all', '{"tool":"othertool","format":1,"run":{}}', '[]', 'null']) {
      const root = tempRepo(files);
      const dir = join(root, '.modelguard_cache');
      const cache = new ResultCache(dir, '1.0.0');
      await run(root, cache);
      const [entry] = entries(dir);
      writeFileSync(join(dir, entry as string), damage);
      expect((await run(root, cache)).findings, damage).toHaveLength(1);
      expect(JSON.parse(readFileSync(join(dir, entry as string), 'utf8')).tool, damage).toBe('modelguard');
    }
  });

  it('an entry kept from an earlier checkout does not match the files written again', async () => {
    const root = tempRepo(files);
    const dir = join(root, '.modelguard_cache');
    await run(root, new ResultCache(dir, '1.0.0'));
    const [entry] = entries(dir);
    const stored = JSON.parse(readFileSync(join(dir, entry as string), 'utf8')) as { run: { findings: unknown[] } };
    stored.run.findings = [];
    writeFileSync(join(dir, entry as string), JSON.stringify(stored));
    // The same path, size and content, written again (a fresh checkout): a new change time.
    rmSync(join(root, 'docker-compose.yml'));
    writeFileSync(join(root, 'docker-compose.yml'), files['docker-compose.yml']);
    expect((await run(root, new ResultCache(dir, '1.0.0'))).findings).toHaveLength(1);
  });

  it('a cache folder that is a link is neither read nor written through', async () => {
    const root = tempRepo(files);
    const outside = mkdtempSync(join(tmpdir(), 'modelguard-outside-'));
    symlinkSync(outside, join(root, '.modelguard_cache'));
    const r = await run(root, new ResultCache(join(root, '.modelguard_cache'), '1.0.0'));
    expect(r.findings).toHaveLength(1);
    expect(readdirSync(outside)).toEqual([]);
  });
});
