/**
 * The result cache: the findings of the last run over a repository state, reused while nothing
 * that run could read has changed. The state is every path discovery saw and, for each candidate
 * file, its size, modification and change times and inode (the metadata strategy of ESLint's
 * cache; a checkout gives each file a change time nobody can predict, so a cache file committed
 * to a repository never matches). The key is the tool version, the effective configuration, the
 * rules that run, the extra ignore patterns and the baseline. A full scan's entry also answers a
 * run on some of its files: their findings are exactly the full scan's.
 *
 * A cache that does not parse, is another tool's or version's, or is a symbolic link is ignored
 * and rewritten. Entries are written to a fresh temporary file and renamed into place, so a reader
 * never sees half an entry; a directory that cannot be written is simply not cached.
 */
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Discovery } from '../discovery/discover.js';
import type { FileRole } from '../discovery/roles.js';
import type { Finding, Notification } from '../types.js';

/** The default cache folder, under the scanned root (git-ignored by the `.gitignore` written into it). */
export const DEFAULT_CACHE_DIR = '.modelguard_cache';

const FORMAT = 1;

export interface CachedRun {
  findings: Finding[];
  notifications: Notification[];
  incomplete: boolean;
  filesDiscovered: number;
  /** Per scanned file: its role and whether the run parsed it. */
  files: Record<string, [FileRole, boolean]>;
}

interface Entry {
  tool: 'modelguard';
  format: number;
  version: string;
  key: string;
  state: string;
  targets: string[] | null;
  run: CachedRun;
}

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

/** The key of a run's inputs other than the files: tool version, configuration, rules, ignores, baseline. */
export function cacheKey(parts: { version: string; config: unknown; rules: string[]; ignore: string[]; baseline?: Set<string>; debug: boolean }): string {
  return sha(JSON.stringify([FORMAT, parts.version, parts.config, parts.rules, parts.ignore, parts.baseline ? [...parts.baseline].sort() : null, parts.debug]));
}

/** The repository state a run reads: every discovered path, and each candidate file's metadata. */
export function repositoryState(discovery: Discovery): string {
  const h = createHash('sha256');
  h.update(`${discovery.root}\n`);
  for (const p of [...discovery.allPaths].sort()) h.update(`${p}\n`);
  for (const f of [...discovery.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    try {
      const st = statSync(f.absPath, { bigint: true });
      h.update(`${f.path}\0${st.size}\0${st.mtimeNs}\0${st.ctimeNs}\0${st.ino}\n`);
    } catch {
      h.update(`${f.path}\0missing\n`);
    }
  }
  for (const group of [discovery.tooLarge, discovery.tooLargeSource, discovery.symlinksOutside, discovery.unreadable]) h.update(`${[...group].sort().join('\0')}\n`);
  return h.digest('hex');
}

export class ResultCache {
  constructor(
    /** Absolute path of the cache folder. */
    readonly dir: string,
    private readonly version: string,
  ) {}

  private file(key: string, targets: string[] | undefined): string {
    return join(this.dir, `run-${sha(`${key}\0${targets ? [...targets].sort().join('\0') : '*'}`).slice(0, 32)}.json`);
  }

  private read(path: string, key: string, state: string): Entry | undefined {
    try {
      if (lstatSync(this.dir).isSymbolicLink() || lstatSync(path).isSymbolicLink()) return undefined;
      const e = JSON.parse(readFileSync(path, 'utf8')) as Partial<Entry>;
      if (e?.tool !== 'modelguard' || e.format !== FORMAT || e.version !== this.version || e.key !== key || e.state !== state) return undefined;
      const r = e.run;
      if (!r || !Array.isArray(r.findings) || !Array.isArray(r.notifications) || typeof r.incomplete !== 'boolean' || typeof r.files !== 'object' || r.files === null) return undefined;
      return e as Entry;
    } catch {
      return undefined;
    }
  }

  /**
   * The cached run for these targets (undefined: the whole root) in this state: an entry written
   * for the same targets, or the full scan's entry narrowed to them.
   */
  lookup(key: string, state: string, targets: string[] | undefined): { run: CachedRun; from: 'same' | 'full' } | undefined {
    const same = this.read(this.file(key, targets), key, state);
    if (same) return { run: same.run, from: 'same' };
    if (!targets) return undefined;
    const full = this.read(this.file(key, undefined), key, state);
    return full ? { run: narrow(full.run, new Set(targets)), from: 'full' } : undefined;
  }

  store(key: string, state: string, targets: string[] | undefined, run: CachedRun): void {
    try {
      if (!this.prepare()) return;
      const path = this.file(key, targets);
      const entry: Entry = { tool: 'modelguard', format: FORMAT, version: this.version, key, state, targets: targets ? [...targets].sort() : null, run };
      const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
      writeFileSync(tmp, JSON.stringify(entry), { flag: 'wx' });
      try {
        renameSync(tmp, path);
      } catch {
        unlinkSync(tmp);
      }
    } catch {
      // A read-only checkout or a full disk: the run is just not cached.
    }
  }

  /** Creates the folder with its `.gitignore` (`*`, as Ruff does); false when it is not a plain folder of ours. */
  private prepare(): boolean {
    try {
      const st = lstatSync(this.dir);
      if (!st.isDirectory()) return false;
    } catch {
      mkdirSync(this.dir, { recursive: true });
    }
    try {
      lstatSync(join(this.dir, '.gitignore'));
    } catch {
      writeFileSync(join(this.dir, '.gitignore'), '# Created by modelguard: its result cache, never committed.\n*\n', { flag: 'wx' });
    }
    return true;
  }
}

/** A full scan's run, as a run on `targets` reports it: their findings and notices, counted over them. */
function narrow(run: CachedRun, targets: Set<string>): CachedRun {
  const notifications: Notification[] = [];
  for (const n of run.notifications) {
    if (n.path !== undefined) {
      if (targets.has(n.path)) notifications.push(n);
    } else if (n.paths) {
      const kept = n.kind === 'symlink-outside-root' ? n.paths : n.paths.filter((p) => targets.has(p));
      if (kept.length === n.paths.length) notifications.push(n);
      else if (kept.length > 0)
        notifications.push({
          ...n,
          paths: kept,
          message: n.message
            .replace(/^skipped \d+ files?:/, `skipped ${kept.length} file${kept.length === 1 ? '' : 's'}:`)
            .replace(/^not parsed \d+ files?:/, `not parsed ${kept.length} file${kept.length === 1 ? '' : 's'}:`),
        });
    } else notifications.push(n);
  }
  const files = Object.fromEntries(Object.entries(run.files).filter(([p]) => targets.has(p)));
  return {
    findings: run.findings.filter((f) => targets.has(f.path)),
    notifications,
    incomplete: notifications.some((n) => n.kind === 'rule-error'),
    filesDiscovered: run.filesDiscovered,
    files,
  };
}
