import type { FileKind, Notification, Range, Span } from '../types.js';
import { fileRole, type FileRole } from '../discovery/roles.js';
import { LineIndex } from '../util/line-index.js';
import { DockerfileModel } from '../parse/dockerfile.js';
import { parseDotenv, type DotenvEntry } from '../parse/dotenv.js';
import { parseModelfile, type ModelfileInstruction } from '../parse/modelfile.js';
import { parsePython, PythonModule } from '../parse/python.js';
import { ShellParser, type ShellScript } from '../parse/shell.js';
import { ParserMemoryError, type Grammars } from '../parse/tree-sitter.js';
import { TsHost, TsModule } from '../parse/typescript.js';
import { scanImportModules } from '../parse/ts-imports.js';
import { parse as parseToml, TomlError } from 'smol-toml';
import { looksLikeTemplate, YamlFile } from '../parse/yaml.js';
import { AnalysisBudget, chargedTo, DEFAULT_LIMITS, type AnalysisLimits } from '../parse/walk.js';
import { shiftedMap, type OffsetMap } from '../util/text-map.js';
import { NO_TIMING, type Timing } from '../util/timing.js';

/** The parsers shared by every file of a run, and the run's timing (`--stats`: parse time per language). */
export class ParserHost {
  readonly ts: TsHost;
  readonly shell: ShellParser;
  /** Files left unparsed because the tree-sitter runtime's memory was nearly full. */
  readonly parserMemoryFull = new Set<string>();

  constructor(
    readonly grammars: Grammars,
    readonly timing: Timing = NO_TIMING,
    /** The per-file analysis budget. */
    readonly limits: AnalysisLimits = DEFAULT_LIMITS,
  ) {
    this.shell = new ShellParser(grammars);
    this.ts = new TsHost(timing);
  }
}

const YAML_KINDS: ReadonlySet<FileKind> = new Set(['gha-workflow', 'gha-action', 'gitlab-ci', 'compose', 'k8s', 'helm-values', 'helm-chart', 'yaml-config', 'json-config', 'package-json']);

/**
 * One file of the scanned repository. Parsing is lazy and happens at most once: the first
 * rule that asks for the YAML documents, the TS module or the Python tree pays for it, the
 * others share the result. Parse problems become notices, never exceptions.
 */
export class FileModel {
  readonly notices: Notification[] = [];
  private readonly cache = new Map<string, unknown>();
  private _lines?: LineIndex;
  private shellErrorReported = false;
  private _parsed = false;
  private tooDeepReported = false;
  private cleared = false;
  /** Time and nodes spent analysing this file; once used up, its facts are empty. */
  readonly budget: AnalysisBudget;

  constructor(
    /** Path relative to the scanned root, forward slashes. */
    readonly path: string,
    readonly absPath: string,
    readonly kind: FileKind,
    readonly text: string,
    private readonly host: ParserHost,
    /** The file started with a byte order mark (removed from `text`). */
    readonly bom = false,
    /** What the file is for (source, test, example, docs, data ...); from its path and text when not given. */
    role?: FileRole,
  ) {
    this.role = role ?? fileRole(path, kind, text);
    this.budget = new AnalysisBudget(path, host.limits);
  }

  /** The analysis budget ran out: the parsed trees are no longer handed out, so every fact is empty. */
  get exhausted(): boolean {
    return this.budget.spent !== undefined;
  }

  readonly role: FileRole;

  get lines(): LineIndex {
    this._lines ??= new LineIndex(this.text);
    return this._lines;
  }

  range(span: Span): Range {
    return this.lines.range(span.start, span.end);
  }

  /** True once some rule made the file parse. */
  get parsed(): boolean {
    if (this._parsed) return true;
    for (const k of this.cache.keys()) if (k.startsWith('parse:')) return (this._parsed = true);
    return false;
  }

  /**
   * Computes a derived fact once per file; later callers get the cached value. The work is
   * charged to this file's analysis budget; once that is used up, the facts computed so far are
   * dropped and recomputed without the trees, which makes them empty.
   */
  memo<T>(key: string, compute: () => T): T {
    if (this.budget.spent && !this.cleared) {
      this._parsed = this.parsed;
      this.cleared = true;
      this.cache.clear();
    }
    if (!this.cache.has(key)) this.cache.set(key, chargedTo(this.budget.spent ? undefined : this.budget, compute));
    return this.cache.get(key) as T;
  }

  /** A parse, once per file, timed per language for `--stats`. */
  private parse<T>(language: string, compute: () => T): T {
    return this.memo(`parse:${language}`, () => this.host.timing.measure(`parse: ${language}`, compute));
  }

  private notice(message: string, span: Span, level: Notification['level'] = 'warning'): void {
    this.notices.push({ kind: 'parse-error', level, message, path: this.path, range: this.range(span) });
  }

  /**
   * Runs a third-party parser; when its own recursion overflows the stack on deeply nested input,
   * the file gets a parse notice and is not analysed, and the run goes on. A parse refused for
   * the tree-sitter runtime's memory is counted on the host, for one notice naming every such file.
   */
  private tooDeep<T>(parse: () => T): T | undefined {
    try {
      return parse();
    } catch (e) {
      if (e instanceof ParserMemoryError) {
        this.host.parserMemoryFull.add(this.path);
        return undefined;
      }
      if (!(e instanceof RangeError)) throw e;
      if (!this.tooDeepReported) {
        this.tooDeepReported = true;
        const why = /call stack/i.test(e.message) ? 'the parser ran out of stack' : e.message;
        this.notice(`the file is nested too deeply to parse (${why}); it was not checked`, { start: 0, end: 0 });
      }
      return undefined;
    }
  }

  get isYaml(): boolean {
    return YAML_KINDS.has(this.kind);
  }

  yaml(): YamlFile | undefined {
    if (!this.isYaml) return undefined;
    if (this.exhausted) return undefined;
    return this.parse('yaml', () => {
      // A `.json` config may have comments and trailing commas (VS Code settings, dev
      // containers); package.json is read by npm, which allows neither.
      const json = this.kind === 'json-config' ? { comments: true, trailingCommas: true } : this.kind === 'package-json' ? {} : undefined;
      const y = this.tooDeep(() => new YamlFile(this.text, { json }));
      if (!y) return undefined;
      const first = y.errors[0];
      // A file with template actions (`{{ .Values.x }}`, `{% if %}`) is a template that renders
      // to YAML, not YAML: failing to parse it says nothing about the file.
      if (first && !looksLikeTemplate(this.text)) {
        const what = this.kind === 'json-config' || this.kind === 'package-json' ? 'JSON' : 'YAML';
        const more = y.errors.length > 1 ? ` (and ${y.errors.length - 1} more)` : '';
        const kept = y.documents.length > 0 ? '; the documents that parsed were still checked' : '; the file was not checked';
        this.notice(`could not parse ${what}: ${first.message}${more}${kept}`, { start: first.offset, end: first.offset });
      }
      return y;
    });
  }

  /** The TOML table of a `pyproject.toml`; undefined (and a notice) when it does not parse. */
  toml(): Record<string, unknown> | undefined {
    if (this.kind !== 'pyproject') return undefined;
    return this.memo('parse:toml', () => {
      try {
        return parseToml(this.text) as Record<string, unknown>;
      } catch (e) {
        const at = e instanceof TomlError ? this.lines.offset({ line: e.line, column: e.column }) : 0;
        const message = (e instanceof Error ? e.message : String(e)).split('\n')[0]?.replace(/^Invalid TOML document: /, '');
        this.notice(`could not parse TOML: ${message}; the file was not checked`, { start: at, end: at });
        return undefined;
      }
    });
  }

  /** Call after walking YAML: reports a YAML bomb cut short by the alias limit. */
  checkAliasLimit(): void {
    const y = this.cache.get('parse:yaml') as YamlFile | undefined;
    if (y?.aliasLimitExceeded && !this.cache.has('notice:alias')) {
      this.cache.set('notice:alias', true);
      this.notice('YAML aliases expand past the limit (possible alias bomb); aliases beyond it were not followed', { start: 0, end: 0 });
    }
  }

  /**
   * The modules a TS/JS file imports (see TsModule.imports), without parsing it when the
   * compiler's scanner can tell (see scanImportModules): the repository index asks every file.
   */
  tsImportModules(): string[] | undefined {
    if (this.kind !== 'typescript' || this.exhausted) return undefined;
    return this.memo('ts:import-modules', () => {
      const parsed = this.cache.get('parse:typescript') as TsModule | undefined;
      const scanned = parsed ? undefined : scanImportModules(this.text, /x$/.test(this.path));
      if (scanned) return [...scanned];
      const mod = this.ts();
      return mod ? [...new Set(mod.imports().map((i) => i.module))] : undefined;
    });
  }

  ts(): TsModule | undefined {
    if (this.kind !== 'typescript') return undefined;
    if (this.exhausted) return undefined;
    return this.parse('typescript', () => {
      const source = this.tooDeep(() => this.host.ts.parse(this.path, this.text));
      if (!source) return undefined;
      const mod = new TsModule(source);
      const err = mod.parseError();
      if (err) this.notice(`syntax error: ${err.message}; the file was checked with error recovery`, err.span);
      return mod;
    });
  }

  python(): PythonModule | undefined {
    if (this.kind !== 'python' || !this.host.grammars.has('python')) return undefined;
    if (this.exhausted) return undefined;
    return this.parse('python', () => {
      const parsed = this.tooDeep(() => parsePython(this.host.grammars, this.text));
      if (!parsed) return undefined;
      const { tree, error: err } = parsed;
      if (err) {
        const what = err.missing ? `missing ${err.type}` : 'unexpected input';
        this.notice(`syntax error (${what}); the file was checked with error recovery`, { start: err.start, end: err.end });
      }
      return new PythonModule(tree, this.text);
    });
  }

  dockerfile(): DockerfileModel | undefined {
    if (this.kind !== 'dockerfile') return undefined;
    if (this.exhausted) return undefined;
    return this.parse('dockerfile', () => this.tooDeep(() => new DockerfileModel(this.text, this.lines)));
  }

  dotenv(): DotenvEntry[] | undefined {
    if (this.kind !== 'dotenv') return undefined;
    return this.parse('dotenv', () => parseDotenv(this.text));
  }

  modelfile(): ModelfileInstruction[] | undefined {
    if (this.kind !== 'modelfile') return undefined;
    return this.parse('modelfile', () => parseModelfile(this.text));
  }

  /** The whole file as a shell script (role `shell`). */
  shellScript(): ShellScript | undefined {
    if (this.kind !== 'shell') return undefined;
    if (this.exhausted) return undefined;
    return this.memo('parse:shell', () => this.parseShell(this.text, shiftedMap(0)));
  }

  /**
   * Parses shell text embedded in this file (a `run:` block, a Dockerfile RUN, a compose
   * `command:`); `map` takes offsets in `script` to offsets in this file.
   */
  parseShell(script: string, map: OffsetMap, ghaExpressions = false): ShellScript | undefined {
    if (!this.host.shell.available) return undefined;
    if (this.exhausted) return undefined;
    const parsed = this.host.timing.measure('parse: shell', () => this.tooDeep(() => this.host.shell.parse(script, map, this.text, ghaExpressions)));
    if (!parsed) return undefined;
    if (parsed.error && !this.shellErrorReported) {
      this.shellErrorReported = true;
      this.notice('shell syntax error; the commands around it were still checked', parsed.error, this.kind === 'shell' ? 'warning' : 'note');
    }
    return parsed;
  }
}
