import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { findConfig, loadConfig } from '../../src/config/load.js';
import { emptyConfig, type Config } from '../../src/config/types.js';
import { scan, type RunResult } from '../../src/engine/run.js';
import { rules } from '../../rules/index.js';

export const ruleInfo = rules.map((r) => ({ id: r.meta.id, optionsSchema: r.meta.options?.schema }));

/** Scans a directory the way the CLI does (its own .modelguard.yml, if any), with some rules only. */
export async function scanDir(root: string, opts: { only?: string[]; config?: Config; paths?: string[] } = {}): Promise<RunResult> {
  const config = opts.config ?? loadConfig(findConfig(root), ruleInfo, root);
  return scan({ root, paths: opts.paths ?? [], config, rules, only: opts.only });
}

/** Writes `files` (path → content) into a fresh temporary directory and returns it. */
export function tempRepo(files: Record<string, string | Buffer>): string {
  const dir = mkdtempSync(join(tmpdir(), 'modelguard-test-'));
  for (const [p, content] of Object.entries(files)) {
    const abs = join(dir, p);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, content);
  }
  return dir;
}

/** Scans in-memory files with one rule: the snippet helper for one-line edge cases. */
export async function scanFiles(files: Record<string, string>, ruleId?: string, config: Config = emptyConfig()): Promise<RunResult> {
  return scanDir(tempRepo(files), { only: ruleId ? [ruleId] : undefined, config });
}

/** `path:line:col messageId` lines, the format of fixtures' expected.txt. */
export function findingLines(result: RunResult, which: 'active' | 'suppressed' | 'all' = 'active'): string[] {
  return result.findings
    .filter((f) => (which === 'all' ? true : which === 'active' ? !f.suppressed : !!f.suppressed))
    .map((f) => `${f.path}:${f.range.start.line}:${f.range.start.column} ${f.messageId}`);
}
