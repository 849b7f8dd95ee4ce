import { writeFileSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { RunResult } from './engine/run.js';
import type { Formatter } from './format/types.js';
import type { Rule } from './rule-api.js';
import { SEVERITY_RANK, type Severity } from './types.js';
import { didYouMean } from './util/did-you-mean.js';
import { packageInfo } from './util/pkg.js';
import { Timing } from './util/timing.js';

// Only light modules are imported above: `--version`, `--help` and usage errors answer without
// loading the engine, the rules or the parsers (ts-morph, tree-sitter, yaml, ajv). A scan loads
// them with `import()`; tests/lazy-load.test.ts checks which modules each path loads.

export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_ERROR = 2;

const FORMATS = ['text', 'json', 'sarif', 'github'] as const;

async function formatter(format: (typeof FORMATS)[number]): Promise<Formatter> {
  switch (format) {
    case 'json':
      return (await import('./format/json.js')).formatJson;
    case 'sarif':
      return (await import('./format/sarif.js')).formatSarif;
    case 'github':
      return (await import('./format/github.js')).formatGithub;
    default:
      return (await import('./format/text.js')).formatText;
  }
}
const FAIL_ON = ['error', 'warning', 'note', 'never'] as const;

const OPTIONS = {
  format: { type: 'string', short: 'f' },
  output: { type: 'string', short: 'o' },
  config: { type: 'string', short: 'c' },
  'fail-on': { type: 'string' },
  rule: { type: 'string', multiple: true },
  'disable-rule': { type: 'string', multiple: true },
  ignore: { type: 'string', multiple: true },
  root: { type: 'string' },
  baseline: { type: 'string' },
  'sarif-category': { type: 'string' },
  'list-rules': { type: 'boolean' },
  strict: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  color: { type: 'boolean' },
  'no-color': { type: 'boolean' },
  debug: { type: 'boolean' },
  stats: { type: 'boolean' },
  'no-cache': { type: 'boolean' },
  'cache-dir': { type: 'string' },
  version: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const HELP = `modelguard: static checks for repositories that deploy AI models

Usage: modelguard [options] [paths...]

Scans the given files and directories (default: the current directory) and reports where a
deployment skips safety evaluation, rate limiting, access control, inference logging, model
pinning, guardrails or weight integrity.

Options:
  -f, --format FORMAT      text (default), json, sarif or github
  -o, --output FILE        write the report to FILE instead of stdout
  -c, --config FILE        config file (default: .modelguard.yml at the scanned root)
      --fail-on LEVEL      exit 1 on findings at or above LEVEL: error (default), warning, note, never
      --rule ID            run only this rule (repeatable)
      --disable-rule ID    do not run this rule (repeatable)
      --ignore GLOB        skip files matching this gitignore-style pattern (repeatable)
      --root DIR           directory paths are reported relative to (default: the single
                           directory given, else the current directory)
      --baseline FILE      a JSON report from an earlier run: findings it lists are suppressed
      --sarif-category ID  SARIF automationDetails.id (GitHub code scanning category)
      --strict             exit 2 when a file could not be parsed
  -q, --quiet              text: print findings only, no summary
      --no-color           no colours (also NO_COLOR=1; colours are off when not a terminal)
      --color              force colours
      --list-rules         list the rules and exit
      --debug              keep stack traces of rule errors
      --stats              print time and counts per phase and rule, and peak memory, to stderr
      --no-cache           do not read or write the result cache
      --cache-dir DIR      keep the result cache in DIR (default: .modelguard_cache in the
                           scanned root, git-ignored by the .gitignore modelguard writes there)
  -v, --version            print the version
  -h, --help               print this help

Exit codes: 0 no findings at or above --fail-on; 1 findings; 2 usage, config or internal error.
`;

export interface CliIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  isTTY: boolean;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

function listRules(rules: readonly Rule[], format: string, docsUrl: (id: string) => string): string {
  if (format === 'json') {
    return `${JSON.stringify(
      rules.map((r) => ({
        id: r.meta.id,
        category: r.meta.category,
        severity: r.meta.severity,
        confidence: r.meta.confidence,
        description: r.meta.description,
        helpUri: docsUrl(r.meta.id),
      })),
      null,
      2,
    )}\n`;
  }
  const width = Math.max(...rules.map((r) => r.meta.id.length));
  return `${rules.map((r) => `${r.meta.id.padEnd(width)}  ${r.meta.severity.padEnd(7)}  ${r.meta.description}`).join('\n')}\n`;
}

async function readBaseline(file: string): Promise<Set<string> | string> {
  const { readFileSync } = await import('node:fs');
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    return `--baseline ${file}: not a readable JSON report (${(e as Error).message})`;
  }
  const findings = (data as { findings?: Array<{ fingerprint?: unknown }> }).findings;
  if (!Array.isArray(findings)) return `--baseline ${file}: expected a modelguard JSON report with a "findings" array`;
  return new Set(findings.map((f) => f.fingerprint).filter((f): f is string => typeof f === 'string'));
}

/** Picks the exit code: the only place that decides it. */
export function exitCode(result: RunResult, failOn: Severity | 'never', strict: boolean): number {
  if (result.incomplete) return EXIT_ERROR;
  if (strict && result.notifications.some((n) => n.kind === 'parse-error' && n.level !== 'note')) return EXIT_ERROR;
  if (failOn === 'never') return EXIT_OK;
  const bar = SEVERITY_RANK[failOn];
  return result.findings.some((f) => !f.suppressed && SEVERITY_RANK[f.severity] >= bar) ? EXIT_FINDINGS : EXIT_OK;
}

/** Runs the command line; `rules` defaults to the registered rules (loaded only when a scan or listing needs them). */
export async function main(argv: string[], io: CliIO, rules?: readonly Rule[]): Promise<number> {
  let args: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    args = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    const msg = (e as Error).message;
    const unknown = /Unknown option '(-{1,2}[^']+)'/.exec(msg)?.[1];
    const hint = unknown ? didYouMean(unknown.replace(/^-+/, ''), Object.keys(OPTIONS)) : undefined;
    io.stderr(`modelguard: ${unknown ? `unknown option ${unknown}` : msg}${hint ? ` (did you mean --${hint}?)` : ''}\nRun modelguard --help for usage.\n`);
    return EXIT_ERROR;
  }
  const v = args.values;
  if (v.help) {
    io.stdout(HELP);
    return EXIT_OK;
  }
  if (v.version) {
    io.stdout(`${packageInfo().version}\n`);
    return EXIT_OK;
  }
  const format = v.format ?? 'text';
  if (!(FORMATS as readonly string[]).includes(format)) {
    io.stderr(`modelguard: --format must be one of ${FORMATS.join(', ')}, not "${format}"\n`);
    return EXIT_ERROR;
  }
  if (v['list-rules']) {
    const { docsUrl } = await import('./engine/registry.js');
    io.stdout(listRules(rules ?? (await import('../rules/index.js')).rules, format, docsUrl));
    return EXIT_OK;
  }
  if (v['fail-on'] !== undefined && !(FAIL_ON as readonly string[]).includes(v['fail-on'])) {
    io.stderr(`modelguard: --fail-on must be one of ${FAIL_ON.join(', ')}, not "${v['fail-on']}"\n`);
    return EXIT_ERROR;
  }
  const paths = args.positionals.map((p) => resolve(io.cwd, p));
  let root: string;
  if (v.root) root = resolve(io.cwd, v.root);
  else if (paths.length === 1) {
    const { statSync } = await import('node:fs');
    let isDir = false;
    try {
      isDir = statSync(paths[0] as string).isDirectory();
    } catch {
      io.stderr(`modelguard: no such file or directory: ${args.positionals[0]}\n`);
      return EXIT_ERROR;
    }
    root = isDir ? (paths[0] as string) : io.cwd;
  } else root = io.cwd;

  const timing = new Timing(!!v.stats);
  const mainStart = performance.now();
  const { ConfigError, findConfig, loadConfig } = await timing.measureAsync('load: config reader', () => import('./config/load.js'));
  const { scan, UsageError } = await timing.measureAsync('load: engine', () => import('./engine/run.js'));
  const ruleSet = rules ?? (await timing.measureAsync('load: rules', () => import('../rules/index.js'))).rules;
  try {
    const ruleInfo = ruleSet.map((r) => ({ id: r.meta.id, optionsSchema: r.meta.options?.schema }));
    const config = timing.measure('config', () => loadConfig(findConfig(root, v.config ? resolve(io.cwd, v.config) : undefined), ruleInfo, io.cwd));
    const failOn = (v['fail-on'] ?? config.failOn ?? 'error') as Severity | 'never';
    const baseline = v.baseline ? await readBaseline(resolve(io.cwd, v.baseline)) : undefined;
    if (typeof baseline === 'string') {
      io.stderr(`modelguard: ${baseline}\n`);
      return EXIT_ERROR;
    }
    const { DEFAULT_CACHE_DIR, ResultCache } = await import('./engine/cache.js');
    const cache = v['no-cache'] ? undefined : new ResultCache(v['cache-dir'] ? resolve(io.cwd, v['cache-dir']) : resolve(root, DEFAULT_CACHE_DIR), packageInfo().version);
    const result = await scan({
      cache,
      root,
      paths,
      config,
      rules: ruleSet,
      only: v.rule,
      disable: v['disable-rule'],
      ignore: v.ignore,
      baseline,
      debug: v.debug,
      timing,
    });
    const toFile = v.output !== undefined;
    const noColor = v['no-color'] || (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '');
    const color = format === 'text' && !toFile && !noColor && (v.color === true || io.isTTY || (!!io.env.FORCE_COLOR && io.env.FORCE_COLOR !== '0'));
    const displayPath = (p: string): string => {
      const abs = resolve(result.root, p);
      const rel = relative(io.cwd, abs);
      return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel.split('\\').join('/') : abs;
    };
    const format_ = await timing.measureAsync('load: formatter', () => formatter(format as (typeof FORMATS)[number]));
    const report = timing.measure('format', () => format_(result, { color, quiet: !!v.quiet, displayPath, sarifCategory: v['sarif-category'] }));
    if (toFile) {
      try {
        writeFileSync(resolve(io.cwd, v.output as string), report);
      } catch (e) {
        io.stderr(`modelguard: cannot write ${v.output}: ${(e as Error).message}\n`);
        return EXIT_ERROR;
      }
    } else {
      io.stdout(report);
    }
    if (result.incomplete) io.stderr('modelguard: the scan is incomplete (a rule failed); see the notifications\n');
    if (timing.enabled) {
      const { formatTiming } = await import('./format/timing.js');
      io.stderr(formatTiming(timing, result, { beforeMain: mainStart, total: performance.now(), maxRssKiB: process.resourceUsage().maxRSS }));
    }
    return exitCode(result, failOn, !!v.strict);
  } catch (e) {
    if (e instanceof ConfigError) {
      io.stderr(`modelguard: invalid config:\n${e.message.replace(/^/gm, '  ')}\n`);
      return EXIT_ERROR;
    }
    if (e instanceof UsageError) {
      io.stderr(`modelguard: ${e.message}\n`);
      return EXIT_ERROR;
    }
    io.stderr(`modelguard: internal error: ${e instanceof Error ? (v.debug ? e.stack : e.message) : String(e)}\n`);
    return EXIT_ERROR;
  }
}
