import { existsSync, lstatSync, readFileSync, realpathSync, statSync, type Stats } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { walk as walkTree, type Entry } from '@nodelib/fs.walk';
import picomatch from 'picomatch';
import ignore, { type Ignore } from 'ignore';
import { classifyPath, DEFAULT_SKIP_DIRS, isSourceCandidate, type Candidate } from './classify.js';

/** Directory names never entered (`*.egg-info` as a glob). */
const skipDir = picomatch(DEFAULT_SKIP_DIRS, { dot: true });

/**
 * Every entry under `dir`, symbolic links not followed, skipped directories not entered, with
 * lstat results. fast-glob's own walker: its `**` pattern would miss names holding a newline.
 */
function listTree(dir: string, unreadable: (path: string) => void): Promise<Entry[]> {
  return new Promise((res, rej) => {
    walkTree(
      dir,
      {
        followSymbolicLinks: false,
        stats: true,
        deepFilter: (e) => !skipDir(e.name),
        errorFilter: (err) => {
          if ((err as NodeJS.ErrnoException).path) unreadable((err as NodeJS.ErrnoException).path as string);
          return true;
        },
      },
      (err, entries) => (err ? rej(err) : res(entries)),
    );
  });
}

export interface DiscoverOptions {
  /** The scanned root; paths in the report are relative to it. */
  root: string;
  /** Files or directories to scan (absolute or relative to the current directory). */
  paths: string[];
  /** gitignore-style patterns from the config and `--ignore`, relative to the root. */
  ignore: string[];
  /** Data and config files larger than this many bytes are skipped (source files too, unless `sourceFileSize` is given). */
  maxFileSize: number;
  /** Source files (code, scripts, Dockerfiles) larger than this many bytes are skipped. */
  sourceFileSize?: number;
}

export interface FileRef {
  /** Relative to the root, forward slashes. */
  path: string;
  absPath: string;
  candidate: Candidate;
  size: number;
  /** Named on the command line. */
  explicit: boolean;
}

export interface Discovery {
  root: string;
  files: FileRef[];
  /** Every file found and not ignored, relevant or not (for "does this path exist" questions). */
  allPaths: string[];
  /** Data and config files over their size limit. */
  tooLarge: string[];
  /** Source files over their size limit. */
  tooLargeSource: string[];
  symlinksOutside: string[];
  unreadable: string[];
  /** Command-line paths that do not exist. */
  missing: string[];
  /** Command-line paths outside the root. */
  outside: string[];
  /**
   * When the command line names files or subdirectories (a pre-commit hook passing staged
   * files), the files to report on; the rest of the root is discovered as context only, so
   * cross-file rules still see the whole repository. Undefined: report on every file.
   */
  targets?: string[];
}

const toPosix = (p: string): string => (sep === '/' ? p : p.split(sep).join('/'));

function isInside(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** gitignore rules, read from every `.gitignore` between the repository's top and each file. */
class GitIgnores {
  private byDir = new Map<string, Ignore>();
  /** Directories known to be excluded or not, for the rules loaded so far. */
  private dirIgnored = new Map<string, boolean>();
  private top: string;

  constructor(root: string) {
    this.top = root;
    // .gitignore files above the scanned root, up to the repository top.
    let dir = root;
    const chain: string[] = [];
    for (let i = 0; i < 50; i++) {
      chain.push(dir);
      if (existsSync(join(dir, '.git'))) break;
      const parent = dirname(dir);
      if (parent === dir) {
        chain.length = 1;
        break;
      }
      dir = parent;
    }
    for (const d of chain.slice(1)) this.load(d);
    this.top = chain[chain.length - 1] as string;
    // Scanning a directory that an outer .gitignore excludes (a build output, a scratch copy)
    // is an explicit request: the outer rules then do not apply.
    if (chain.length > 1 && this.ignores(root, true)) {
      this.byDir.clear();
      this.dirIgnored.clear();
      this.top = root;
    }
  }

  /** Reads `<dir>/.gitignore` (absolute dir). */
  load(dir: string): void {
    if (this.byDir.has(dir)) return;
    try {
      const file = join(dir, '.gitignore');
      // A named pipe or a device in its place would block the read or never end.
      if (!statSync(file).isFile()) return;
      const text = readFileSync(file, 'utf8');
      this.byDir.set(dir, ignore().add(text));
      this.dirIgnored.clear();
    } catch {
      /* no .gitignore here */
    }
  }

  /**
   * Git semantics: the deepest matching pattern wins; negations re-include, except below an
   * excluded directory (git does not look inside it, so nothing there can be re-included).
   */
  ignores(absPath: string, isDir = false): boolean {
    // Whether each ancestor directory is excluded, shallowest first, with a loop rather than
    // recursion: the answers are memoised, so each directory is decided once.
    const pending: string[] = [];
    for (let d = dirname(absPath); d !== this.top && dirname(d) !== d && isInside(this.top, d) && !this.dirIgnored.has(d); d = dirname(d)) pending.push(d);
    for (let i = pending.length - 1; i >= 0; i--) {
      const d = pending[i] as string;
      const parent = dirname(d);
      this.dirIgnored.set(d, this.dirIgnored.get(parent) === true || this.matches(d, true));
    }
    const parent = dirname(absPath);
    if (this.dirIgnored.get(parent) === true) return true;
    return this.matches(absPath, isDir);
  }

  /** The patterns alone, without looking at whether a parent directory is excluded. */
  private matches(absPath: string, isDir: boolean): boolean {
    const dirs: string[] = [];
    for (let d = dirname(absPath); ; d = dirname(d)) {
      if (this.byDir.has(d)) dirs.push(d);
      if (d === this.top || dirname(d) === d) break;
    }
    dirs.reverse();
    let ignored = false;
    for (const d of dirs) {
      const rel = toPosix(relative(d, absPath)) + (isDir ? '/' : '');
      const r = (this.byDir.get(d) as Ignore).test(rel);
      if (r.ignored) ignored = true;
      else if (r.unignored) ignored = false;
    }
    return ignored;
  }
}

/**
 * Finds the files to scan. Never follows a symbolic link: a link that points inside the root is
 * covered by its target's own path, one that points outside is reported and skipped, so there
 * is no way out of the root and no cycle.
 */
export async function discover(opts: DiscoverOptions): Promise<Discovery> {
  const root = realpathSync(opts.root);
  const out: Discovery = { root, files: [], allPaths: [], tooLarge: [], tooLargeSource: [], symlinksOutside: [], unreadable: [], missing: [], outside: [] };
  const git = new GitIgnores(root);
  const user = ignore().add(opts.ignore);
  const seen = new Set<string>();
  const targets = new Set<string>();
  let marking = true;

  const consider = (abs: string, stats: Stats, explicit: boolean): void => {
    const rel = toPosix(relative(root, abs));
    if (marking) targets.add(rel);
    if (seen.has(rel)) return;
    seen.add(rel);
    if (git.ignores(abs) || user.ignores(rel)) return;
    out.allPaths.push(rel);
    const candidate = classifyPath(rel);
    if (!candidate) return;
    const source = isSourceCandidate(candidate);
    if (stats.size > (source ? (opts.sourceFileSize ?? opts.maxFileSize) : opts.maxFileSize)) {
      (source ? out.tooLargeSource : out.tooLarge).push(rel);
      return;
    }
    out.files.push({ path: rel, absPath: abs, candidate, size: stats.size, explicit });
  };

  const walk = async (dir: string): Promise<void> => {
    for (let d = dir; isInside(root, d); d = dirname(d)) {
      git.load(d);
      if (d === root) break;
    }
    const entries = await listTree(dir, (p) => {
      const rel = toPosix(relative(root, p));
      if (marking && !out.unreadable.includes(rel)) out.unreadable.push(rel);
    });
    // Every .gitignore first, so the order of entries does not matter.
    for (const e of entries) {
      if (e.name === '.gitignore') git.load(dirname(e.path));
    }
    for (const e of entries) {
      const abs2 = e.path;
      const stats = e.stats as Stats;
      if (stats.isSymbolicLink()) {
        let real: string;
        try {
          real = realpathSync(abs2);
        } catch {
          continue; // dangling link
        }
        const rel = toPosix(relative(root, abs2));
        if (!isInside(root, real) && marking && !out.symlinksOutside.includes(rel)) out.symlinksOutside.push(rel);
        continue;
      }
      if (!stats.isFile()) continue;
      consider(abs2, stats, false);
    }
  };

  const inputs = opts.paths.length > 0 ? opts.paths : [root];
  for (const input of inputs) {
    const abs = resolve(input);
    let lst: Stats;
    try {
      lst = lstatSync(abs);
    } catch {
      out.missing.push(input);
      continue;
    }
    let target = abs;
    if (lst.isSymbolicLink()) {
      try {
        target = realpathSync(abs);
      } catch {
        out.missing.push(input);
        continue;
      }
      if (!isInside(root, target)) {
        // Reported like the links the walk finds: relative to the root when the link is in it.
        let at = abs;
        try {
          at = join(realpathSync(dirname(abs)), basename(abs));
        } catch {
          /* keep abs */
        }
        out.symlinksOutside.push(isInside(root, at) ? toPosix(relative(root, at)) : input);
        continue;
      }
    } else {
      // A real path (the root itself may sit under a symlinked directory such as /tmp).
      try {
        target = realpathSync(abs);
      } catch {
        /* keep abs */
      }
    }
    if (!isInside(root, target)) {
      out.outside.push(input);
      continue;
    }
    const st = statSync(target);
    if (st.isFile()) {
      // Load the .gitignore files on the way down to an explicit file.
      for (let d = dirname(target); isInside(root, d); d = dirname(d)) {
        git.load(d);
        if (d === root) break;
      }
      consider(target, st, true);
      continue;
    }
    if (!st.isDirectory()) continue;
    await walk(target);
  }
  // Files and subdirectories were named: discover the rest of the root as context.
  const whole = inputs.some((i) => {
    try {
      return realpathSync(resolve(i)) === root;
    } catch {
      return false;
    }
  });
  if (!whole && out.missing.length === 0 && out.outside.length === 0) {
    out.targets = [...targets].sort();
    marking = false;
    await walk(root);
  }
  out.files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  out.allPaths.sort();
  out.tooLarge.sort();
  out.tooLargeSource.sort();
  out.symlinksOutside.sort();
  return out;
}

export { toPosix, isInside };
