import { readFileSync } from 'node:fs';
import type { Settings } from '../config/types.js';
import { refineRole } from '../discovery/classify.js';
import { generatedVerdict, minifiedByName, type GeneratedKind } from '../discovery/generated.js';
import { fileRole, type RoleRule } from '../discovery/roles.js';
import type { Discovery, FileRef } from '../discovery/discover.js';
import type { FileKind } from '../types.js';
import { FileModel, type ParserHost } from './file-model.js';
import { RepoIndex } from './repo-index.js';
import { trimTrailing } from '../util/text.js';
import type { Timing } from '../util/timing.js';

/**
 * The text of a file as a user's editor would show it: UTF-16 (little or big endian) when it
 * starts with that byte order mark, else UTF-8. The mark itself is not part of the text, so
 * positions count from the first character. Undefined when the bytes are not text.
 */
export function decodeText(buf: Buffer): { text: string; bom: boolean } | undefined {
  if (buf.length >= 2 && ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff))) {
    const body = buf.subarray(2, buf.length - (buf.length % 2));
    const le = buf[0] === 0xff ? body : Buffer.from(body).swap16();
    return { text: le.toString('utf16le'), bom: true };
  }
  if (isBinary(buf)) return undefined;
  const text = buf.toString('utf8');
  const bom = text.charCodeAt(0) === 0xfeff;
  return { text: bom ? text.slice(1) : text, bom };
}

/** Git's heuristic: a NUL byte in the first 8000 bytes means binary. */
function isBinary(buf: Buffer): boolean {
  const n = Math.min(buf.length, 8000);
  for (let i = 0; i < n; i++) if (buf[i] === 0) return true;
  return false;
}

/** Code kinds checked for minified, bundled and generated files; data and config files have their own size cap. */
const GENERATED_CHECKED: ReadonlySet<FileKind> = new Set(['python', 'typescript', 'shell', 'makefile', 'dockerfile', 'modelfile']);

/**
 * The scanned repository: every discovered file, loaded (read and classified) on first use,
 * plus a repo-level index. Rules see it read-only through `ctx.project`.
 */
export class ProjectModel {
  readonly root: string;
  private readonly refs = new Map<string, FileRef>();
  private readonly models = new Map<string, FileModel | null>();
  private readonly paths: Set<string>;
  private dirs?: Set<string>;
  private readonly helmChartDirs: Set<string>;
  private _index?: RepoIndex;
  /** The files named on the command line (a pre-commit run); undefined when the whole root is scanned. */
  readonly targets?: ReadonlySet<string>;
  readonly binary: string[] = [];
  readonly unreadable: string[] = [];
  /** Source files skipped as minified, bundled or generated code (see src/discovery/generated.ts). */
  readonly generated: Array<{ path: string; kind: GeneratedKind; signal: string }> = [];

  constructor(
    discovery: Discovery,
    private readonly host: ParserHost,
    readonly settings: Settings,
    /** The config's `roles:` globs, tried before the built-in classification. */
    private readonly roleRules: readonly RoleRule[] = [],
  ) {
    this.root = discovery.root;
    if (discovery.targets) this.targets = new Set(discovery.targets);
    for (const f of discovery.files) this.refs.set(f.path, f);
    this.paths = new Set(discovery.allPaths);
    this.helmChartDirs = new Set(discovery.allPaths.filter((p) => /(^|\/)Chart\.ya?ml$/.test(p)).map((p) => p.split('/').slice(0, -1).join('/')));
  }

  /** The run's timing (`--stats`), shared with the parsers. */
  get timing(): Timing {
    return this.host.timing;
  }

  private load(ref: FileRef): FileModel | null {
    return this.host.timing.measure('read and classify', () => this.read(ref));
  }

  private read(ref: FileRef): FileModel | null {
    // A file the config gives a role to is scanned whatever it looks like.
    const userRole = this.roleRules.some((r) => r.match(ref.path));
    if (!userRole && ref.candidate === 'typescript' && minifiedByName(ref.path)) {
      this.generated.push({ path: ref.path, kind: 'minified', signal: 'a minified or bundle file name' });
      return null;
    }
    let buf: Buffer;
    try {
      buf = readFileSync(ref.absPath);
    } catch {
      this.unreadable.push(ref.path);
      return null;
    }
    const decoded = decodeText(buf);
    if (!decoded) {
      this.binary.push(ref.path);
      return null;
    }
    const { text, bom } = decoded;
    const kind = refineRole(ref.candidate, ref.path, text, this.helmChartDirs);
    if (!kind) return null;
    if (!userRole && GENERATED_CHECKED.has(kind)) {
      const verdict = generatedVerdict(ref.path, kind, text);
      if (verdict) {
        this.generated.push({ path: ref.path, ...verdict });
        return null;
      }
    }
    return new FileModel(ref.path, ref.absPath, kind, text, this.host, bom, fileRole(ref.path, kind, text, this.roleRules));
  }

  /** The file at a root-relative path, if it was discovered and is text. */
  file(path: string): FileModel | undefined {
    if (!this.models.has(path)) {
      const ref = this.refs.get(path);
      this.models.set(path, ref ? this.load(ref) : null);
    }
    return this.models.get(path) ?? undefined;
  }

  /** Every scannable file, in path order. */
  files(): FileModel[] {
    const out: FileModel[] = [];
    for (const path of this.refs.keys()) {
      const f = this.file(path);
      if (f) out.push(f);
    }
    return out;
  }

  withKind(...kinds: FileKind[]): FileModel[] {
    return this.files().filter((f) => kinds.includes(f.kind));
  }

  /** True when a file or directory exists at this root-relative path (ignored paths excluded). */
  exists(path: string): boolean {
    const p = trimTrailing(path.replace(/^\.\//, ''), '/');
    if (this.paths.has(p)) return true;
    if (!this.dirs) {
      this.dirs = new Set();
      for (const f of this.paths) {
        const parts = f.split('/');
        for (let i = 1; i < parts.length; i++) this.dirs.add(parts.slice(0, i).join('/'));
      }
    }
    return this.dirs.has(p);
  }

  /** Imports between files and declared dependencies, built on first use. */
  get index(): RepoIndex {
    this._index ??= new RepoIndex(this);
    return this._index;
  }
}
