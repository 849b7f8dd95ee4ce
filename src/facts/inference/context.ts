import { builtinModules } from 'node:module';
import { posix } from 'node:path';
import type { Settings } from '../../config/types.js';
import type { FileModel } from '../../model/file-model.js';
import type { ProjectModel } from '../../model/project.js';
import { deeper } from '../../parse/walk.js';
import { isTestFile, MODULE_FN } from './common.js';
import { PyInference } from './python.js';
import { SdkKnowledge } from './sdks.js';
import { TsInference } from './ts.js';
import type { CallEdge, FunctionInfo, InferenceSite } from './types.js';

/** A declaration of a function, method or class name, in three forms (group 1, 2 or 3). */
export const REPO_DECLARATION =
  /\b(?:function\s*(?:\*\s*)?|class\s+|(?:const|let|var)\s+)([A-Za-z_$][\w$]*)|^[^\S\n\r\u2028\u2029]*(?:(?:public|private|protected|static|async|readonly|get|set|override)\s+)*([A-Za-z_$][\w$]*)\s*(?:<[^<>]*>\s*)?\(|(?<![\w$])\d*([A-Za-z_$][\w$]*)\s*[:=]\s*(?:async\s*)?(?:function\b|\(|[A-Za-z_$][\w$]*\s*=>)/gm;
/** A declaring keyword right before a name (`def `, `function* `). */
export const DECLARED_BEFORE = /\b(def|function|class|const|let|var)\s*(?:\*\s*)?$/;
/** `import <names> from "./x"` and `const <names> = require("./x")` of a repository module. */
export const REPO_IMPORT =
  /\bimport\s((?:(?!\bimport\s)[^'";]){0,2000}?)\bfrom\s*['"](?:\.|@\/|~\/)|\b(?:const|let|var)\s((?:(?!\b(?:const|let|var)\s)[^=;]){0,500}?)=\s*require\(\s*['"](?:\.|@\/|~\/)/g;

/** What both language analyzers offer (src/facts/inference/ts.ts and python.ts). */
export interface FileAnalyzer {
  readonly file: FileModel;
  /** Inference calls in this file. */
  sites(): InferenceSite[];
  /** Every function of the file, plus `<module>` for top-level code. */
  functions(): FunctionInfo[];
  /** The innermost function containing an offset (`<module>` outside any). */
  functionAt(offset: number): FunctionInfo;
  /** Calls in this file to functions of the repository. */
  edges(): CallEdge[];
  /** The edges whose callee is named `name` (a cheaper subset of `edges()`). */
  edgesNamed(name: string): CallEdge[];
}

/** A `settings.inference.functions` / `settings.logging.functions` entry, normalised. */
export interface FunctionRef {
  /** As written in the settings. */
  entry: string;
  /** `lib/llm.ts` for `lib/llm.ts#complete`; undefined for dotted Python names until resolved. */
  path?: string;
  /** Python module of a dotted entry (`app.llm` for `app.llm.ask`). */
  module?: string;
  /** Function name, possibly `Class.method`. */
  name: string;
}

/** Parses `lib/llm.ts#complete`, `lib/llm.ts#Client.complete`, `app.llm.ask`, `app.llm.Client.ask`. */
export function parseFunctionRefs(entries: readonly string[] | undefined): FunctionRef[] {
  const out: FunctionRef[] = [];
  for (const entry of entries ?? []) {
    const hash = entry.indexOf('#');
    if (hash > 0) {
      out.push({ entry, path: entry.slice(0, hash).replace(/^\.\//, ''), name: entry.slice(hash + 1) });
      continue;
    }
    const parts = entry.split('.');
    if (parts.length < 2) {
      out.push({ entry, name: entry });
      continue;
    }
    // `app.llm.Client.ask`: a capitalised second-to-last part is a class.
    const cls = parts.length >= 3 && /^[A-Z]/.test(parts[parts.length - 2] as string);
    const nameParts = cls ? parts.slice(-2) : parts.slice(-1);
    out.push({ entry, module: parts.slice(0, parts.length - nameParts.length).join('.'), name: nameParts.join('.') });
  }
  return out;
}

const contexts = new WeakMap<ProjectModel, InferenceContext>();
const NODE_BUILTINS: ReadonlySet<string> = new Set(builtinModules);

/** Marks a computation in progress (a cycle when met again). */
export const PENDING = Symbol('pending');
export type Memo<K, V> = Map<K, V | null | typeof PENDING>;

/**
 * Per-project state of the inference analysis: the SDK knowledge, the user's settings, and
 * one analyzer per file (created on first use, cached on the FileModel).
 */
export class InferenceContext {
  readonly k = SdkKnowledge.get();
  readonly customFunctions: FunctionRef[];
  readonly loggingFunctions: FunctionRef[];

  private constructor(
    readonly project: ProjectModel,
    readonly settings: Settings,
  ) {
    this.customFunctions = parseFunctionRefs(settings.inference?.functions);
    this.loggingFunctions = parseFunctionRefs(settings.logging?.functions);
  }

  static of(project: ProjectModel, settings: Settings = project.settings): InferenceContext {
    let c = contexts.get(project);
    if (!c) {
      c = new InferenceContext(project, settings);
      contexts.set(project, c);
    }
    return c;
  }

  private readonly pyModules = new Map<string, string | undefined>();

  /** RepoIndex.resolvePy, cached (absolute names by name, relative ones by directory). */
  resolvePy(from: string, module: string): string | undefined {
    const key = module.startsWith('.') ? `${posix.dirname(from)}|${module}` : module;
    if (!this.pyModules.has(key)) this.pyModules.set(key, this.project.index.resolvePy(from, module));
    return this.pyModules.get(key);
  }

  private readonly thirdParty = new Map<string, boolean>();

  /**
   * Whether a bare module specifier names a package from outside the repository that no SDK
   * knowledge covers: a Node built-in, or a package the repository's package.json files declare
   * from a registry (not `workspace:`, `file:`, `link:` or `portal:`, which are the repository's
   * own code). A value typed with such a package's types is that package's object, never an SDK
   * client modelguard knows (see TsInference.paramValue).
   */
  isForeignTsModule(module: string, sdkModule: (m: string) => boolean): boolean {
    let foreign = this.thirdParty.get(module);
    if (foreign === undefined) {
      if (module.startsWith('.') || module.startsWith('/') || /^[@~]\//.test(module) || module.startsWith('$') || sdkModule(module)) foreign = false;
      else if (module.startsWith('node:') || NODE_BUILTINS.has(module)) foreign = true;
      else {
        const parts = module.split('/');
        const name = module.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string);
        const declared = this.project.index.package(name, 'npm');
        foreign = declared.length > 0 && declared.every((d) => !/^(workspace|file|link|portal):/.test(d.spec));
      }
      this.thirdParty.set(module, foreign);
    }
    return foreign;
  }

  private _repoNames?: Set<string>;

  /**
   * Every name a TS/JS file of the repository declares as a function, method or class (a cheap
   * text scan, once): a call whose callee ends in another name cannot be a call edge.
   */
  repoNames(): Set<string> {
    if (this._repoNames) return this._repoNames;
    const names = new Set<string>();
    for (const f of this.project.files()) {
      if (f.kind !== 'typescript') continue;
      for (const m of f.text.matchAll(REPO_DECLARATION)) {
        const n = m[1] ?? m[2] ?? m[3];
        if (n) names.add(n);
      }
      // Local names of imports from the repository (`import ask from "./llm"`, `{ a as b }`). One
      // whitespace after the keyword and a bounded lazy run keep the scan linear: `\s+X+?\s+from`
      // over a long run of spaces backtracks cubically. The run also stops at the next keyword, so
      // a thousand `import`s without a `from` are not each scanned two thousand characters on.
      for (const m of f.text.matchAll(REPO_IMPORT)) {
        for (const id of (m[1] ?? m[2] ?? '').match(/[A-Za-z_$][\w$]*/g) ?? []) names.add(id);
      }
    }
    this._repoNames = names;
    return names;
  }

  /** The analyzer of a TS/JS or Python file, created once per file. */
  analyzer(file: FileModel | undefined): FileAnalyzer | undefined {
    if (!file) return undefined;
    if (file.kind === 'typescript') return file.ts() ? file.memo('inference:analyzer', () => new TsInference(file, this)) : undefined;
    if (file.kind === 'python') return file.python() ? file.memo('inference:analyzer', () => new PyInference(file, this)) : undefined;
    return undefined;
  }

  /** The TS analyzer of a path, if it is a TS/JS file of the repository. */
  tsAt(path: string): TsInference | undefined {
    const a = this.analyzerAt(path);
    return a instanceof TsInference ? a : undefined;
  }

  pyAt(path: string): PyInference | undefined {
    const a = this.analyzerAt(path);
    return a instanceof PyInference ? a : undefined;
  }

  analyzerAt(path: string): FileAnalyzer | undefined {
    return this.analyzer(this.project.file(path));
  }

  private readonly callerCache: Memo<string, CallEdge[]> = new Map();
  private readonly importerCache = new Map<string, string[]>();
  private codeFiles?: FileModel[];
  private readonly stemFiles = new Map<string, FileModel[]>();

  /**
   * Files of the repository that import `path`. Same answer as RepoIndex.importers, but only
   * files whose text mentions the module's name are parsed to check: a pre-commit run on a
   * handful of files does not parse the whole repository.
   */
  importersOf(path: string): string[] {
    const hit = this.importerCache.get(path);
    if (hit) return hit;
    this.codeFiles ??= this.project.files().filter((f) => f.kind === 'typescript' || f.kind === 'python');
    const parts = path.replace(/\.[^./]+$/, '').split('/');
    let stem = parts.pop() ?? '';
    if ((stem === 'index' || stem === '__init__') && parts.length > 0) stem = parts.pop() as string;
    let candidates = this.stemFiles.get(stem);
    if (!candidates) {
      candidates = this.filesMentioning(stem);
      this.stemFiles.set(stem, candidates);
    }
    const out: string[] = [];
    for (const f of candidates) {
      if (f.path !== path && this.project.index.importsOf(f).some((e) => e.resolved === path)) out.push(f.path);
    }
    this.importerCache.set(path, out);
    return out;
  }

  /**
   * Code files whose text contains `stem`. A stem that is one identifier is looked up in the
   * word index; one like `api-keys` or `[slug]` is looked for only in the files holding its
   * longest word, not in every file.
   */
  private filesMentioning(stem: string): FileModel[] {
    if (/^[A-Za-z_]\w*$/.test(stem)) return this.wordIndex().get(stem) ?? [];
    const longest = (stem.match(/[A-Za-z_]\w*/g) ?? []).reduce((a, b) => (b.length > a.length ? b : a), '');
    const pool = longest ? (this.wordIndex().get(longest) ?? []) : (this.codeFiles ?? []);
    return pool.filter((f) => f.text.includes(stem));
  }

  private words?: Map<string, FileModel[]>;

  /** Code files by the identifiers their text contains: one pass instead of one per module name. */
  private wordIndex(): Map<string, FileModel[]> {
    if (!this.words) {
      this.words = new Map();
      for (const f of this.codeFiles ?? []) {
        for (const w of new Set(f.text.match(/[A-Za-z_]\w*/g) ?? [])) {
          const list = this.words.get(w);
          if (list) list.push(f);
          else this.words.set(w, [f]);
        }
      }
    }
    return this.words;
  }

  /** Incremented whenever a cycle cuts a computation short; results computed meanwhile are not cached. */
  cycles = 0;
  /** Un-annotated parameters being resolved through their callers right now (see paramHops). */
  paramHops = 0;

  /**
   * Memoises `compute` under `key`. A computation that meets itself again (a cycle: a client
   * passed around in a loop of calls) sees undefined, and what it computed meanwhile is not kept,
   * so a later query, made when the cycle is no longer open, gets the full answer.
   */
  memo<K, V>(cache: Memo<K, V>, key: K, compute: () => V | undefined): V | undefined {
    const hit = cache.get(key);
    if (hit === PENDING) {
      this.cycles++;
      return undefined;
    }
    if (hit !== undefined) return hit ?? undefined;
    // A chain of resolutions (a 10,000-link assignment chain, 2,000 classes each extending the
    // last) nested deeper than the shared resolution depth is unknown from there on; what the
    // levels above compute with that is kept, so no query walks the chain twice.
    return deeper(undefined, () => {
      const before = this.cycles;
      cache.set(key, PENDING);
      let v: V | undefined;
      try {
        v = compute();
      } finally {
        if (this.cycles === before) cache.set(key, v ?? null);
        else cache.delete(key);
      }
      return v;
    });
  }

  /**
   * Calls to `fn` from the repository: its own file and the files importing it (and, through
   * re-exporting modules, their importers, up to `importerDepth` levels).
   */
  callersOf(fn: FunctionInfo, importerDepth = 2): CallEdge[] {
    return (
      this.memo(this.callerCache, `${fn.id}@${fn.span.start}|${importerDepth}`, () => {
        const files = new Set([fn.path]);
        let frontier = [fn.path];
        for (let d = 0; d < importerDepth && frontier.length > 0; d++) {
          const next: string[] = [];
          for (const p of frontier) {
            for (const imp of this.importersOf(p)) {
              if (files.has(imp)) continue;
              files.add(imp);
              next.push(imp);
            }
          }
          frontier = next;
        }
        // A file can only call the function if it mentions its name (its class's, for a constructor).
        const last = fn.name.split('.').pop() ?? fn.name;
        const name = last === '__init__' || last === 'constructor' ? (fn.className ?? last) : last;
        if (name.startsWith('<')) return [];
        const out: CallEdge[] = [];
        for (const p of [...files].sort()) {
          const f = this.project.file(p);
          const mentions = f ? this.mentions(f.path, f.text, name) : 0;
          const viaCls = last === '__init__' && p === fn.path && /\bcls\s*\(/.test(f?.text ?? '');
          if (mentions < (p === fn.path ? 2 : 1) && !viaCls) continue;
          for (const e of (viaCls ? ['cls', name] : [name]).flatMap((n) => this.analyzerAt(p)?.edgesNamed(n) ?? [])) if (e.to.id === fn.id && e.to.span.start === fn.span.start) out.push(e);
        }
        return out;
      }) ?? []
    );
  }

  /**
   * Whether the function is used somewhere the call graph did not resolve to a call of it: a
   * method named on some object (`self.generate(...)` in a base class, `engine.run` on an untyped
   * value), or a function named as a value in its own module or in a module that imports it
   * (`handlers = {"judge": judge}`). Definitions, strings and test files do not count. A
   * function with no known callers that is used like that has callers nobody can see.
   */
  mentionedElsewhere(fn: FunctionInfo): boolean {
    const name = fn.name.split('.').pop() ?? fn.name;
    if (name.startsWith('<') || fn.name === MODULE_FN || name === 'constructor' || name === '__init__') return false;
    const method = fn.className !== undefined;
    const candidates = method ? this.project.files().map((f) => f.path) : [fn.path, ...this.importersOf(fn.path)];
    for (const path of candidates) {
      const f = this.project.file(path);
      if (!f || (f.kind !== 'python' && f.kind !== 'typescript') || isTestFile(f.path) || !f.text.includes(name)) continue;
      if (references(f.text, name, method)) return true;
    }
    return false;
  }

  private readonly mentionCache = new Map<string, number>();

  /** How often `name` occurs as a whole word in a file (cached: callers are asked for often). */
  private mentions(path: string, text: string, name: string): number {
    const key = `${path}\u0000${name}`;
    let n = this.mentionCache.get(key);
    if (n === undefined) {
      n = 0;
      const isWord = (c: string | undefined): boolean => c !== undefined && /[\w$]/.test(c);
      for (let at = text.indexOf(name); at !== -1; at = text.indexOf(name, at + name.length)) {
        if (!isWord(text[at - 1]) && !isWord(text[at + name.length])) n++;
      }
      this.mentionCache.set(key, n);
    }
    return n;
  }

  /** Resolves a FunctionRef's file (dotted Python entries through the repository's modules). */
  refPath(ref: FunctionRef): string | undefined {
    if (ref.path) return ref.path;
    if (ref.module) return this.resolvePy('', ref.module);
    return undefined;
  }

  /** The FunctionRef (custom inference function) that names this function, if any. */
  customFunction(fn: FunctionInfo): FunctionRef | undefined {
    return this.customFunctions.find((r) => r.name === fn.name && this.refPath(r) === fn.path);
  }

  loggingFunction(fn: FunctionInfo): FunctionRef | undefined {
    return this.loggingFunctions.find((r) => r.name === fn.name && this.refPath(r) === fn.path);
  }
}

/**
 * Whether a text uses `name` other than by defining it or spelling it in a string: as `.name`
 * for a method, as a bare name for a function.
 */
function references(text: string, name: string, method: boolean): boolean {
  const isWord = (c: string | undefined): boolean => c !== undefined && /[\w$]/.test(c);
  for (let at = text.indexOf(name); at !== -1; at = text.indexOf(name, at + name.length)) {
    const before = text[at - 1];
    const after = text[at + name.length];
    if (isWord(before) || isWord(after)) continue;
    if (before === '"' || before === "'" || before === '/' || before === '`' || after === '"' || after === "'") continue;
    if (DECLARED_BEFORE.test(text.slice(Math.max(0, at - 12), at))) continue;
    if (method ? before === '.' : before !== '.') return true;
  }
  return false;
}
