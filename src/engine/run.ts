import { cacheKey, repositoryState, type ResultCache } from './cache.js';
import picomatch from 'picomatch';
import { analysisLimits, resolveLimits, type Config, type RuleSetting } from '../config/types.js';
import { discover, type Discovery } from '../discovery/discover.js';
import { assignFingerprints, cmp, compareFindings, normalizeSnippet } from '../findings/fingerprint.js';
import { type FileModel, ParserHost } from '../model/file-model.js';
import { ProjectModel } from '../model/project.js';
import { Grammars } from '../parse/tree-sitter.js';
import { isSpan, type FileContext, type ProjectContext, type Report, type ReportData, type ReportExtra, type Rule } from '../rule-api.js';
import { directiveMatches, findDirective, parseDirectives, type Directive } from '../suppress/inline.js';
import { compileRoleRules, FILE_ROLES, type FileRole } from '../discovery/roles.js';
import { type AnalysisBudget, AnalysisBudgetError, chargedTo } from '../parse/walk.js';
import { CATEGORIES, type Confidence, type Finding, type Notification, type Range, type Severity, type SeverityOrOff, type Span } from '../types.js';
import { lineHashes } from '../util/hash.js';
import { packageInfo } from '../util/pkg.js';
import { NO_TIMING, type Timing } from '../util/timing.js';

export interface ScanOptions {
  root: string;
  /** Files or directories; empty means the root. */
  paths: string[];
  config: Config;
  rules: readonly Rule[];
  /** Run only these rule ids. */
  only?: string[];
  /** Do not run these rule ids. */
  disable?: string[];
  /** Extra gitignore-style patterns (`--ignore`). */
  ignore?: string[];
  /** Fingerprints of known findings: matching findings are marked suppressed (`baseline`). */
  baseline?: Set<string>;
  /** Keep stack traces of rule errors. */
  debug?: boolean;
  /** Collects time per phase (`--stats`); off when not given. */
  timing?: Timing;
  /** Reuse and keep results here (src/engine/cache.ts); no caching when not given. */
  cache?: ResultCache;
}

export interface RunStats {
  filesDiscovered: number;
  filesScanned: number;
  filesParsed: number;
  /** Scanned files by role (what they are for), every role present. */
  filesByRole: Record<FileRole, number>;
}

export interface RunResult {
  toolName: 'modelguard';
  toolVersion: string;
  root: string;
  /** Rules that ran, sorted by id. */
  rules: Rule[];
  findings: Finding[];
  notifications: Notification[];
  stats: RunStats;
  /** A rule crashed somewhere: the scan is incomplete (exit code 2). */
  incomplete: boolean;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

function formatMessage(template: string, data: ReportData): string {
  return template.replace(/\{(\w+)\}/g, (m, k: string) => (k in data ? String(data[k]) : m));
}

const SEVERITY_OR_OFF_RANK: Record<SeverityOrOff, number> = { off: 0, note: 1, warning: 2, error: 3 };

/** The lower of two severities (`off` is lowest). */
function lower(a: SeverityOrOff, b: SeverityOrOff): SeverityOrOff {
  return SEVERITY_OR_OFF_RANK[a] <= SEVERITY_OR_OFF_RANK[b] ? a : b;
}

interface Located {
  path: string;
  role: FileRole;
}

/**
 * Effective severity of each rule for each file, in this order: the rule's default (or the
 * report's own), the config's `rules:`, the rule's role defaults (a cap), then the config's
 * `overrides:` by path or role, later entries winning.
 */
class SeverityTable {
  private readonly overrides: Array<{ match: (f: Located) => boolean; rules: Record<string, RuleSetting> }>;

  constructor(private readonly config: Config) {
    this.overrides = config.overrides.map((o) => {
      const glob = o.files.length > 0 ? picomatch(o.files, { dot: true }) : () => true;
      const roles = new Set(o.roles);
      return { match: (f: Located) => glob(f.path) && (roles.size === 0 || roles.has(f.role)), rules: o.rules };
    });
  }

  private pick(rules: Record<string, RuleSetting>, rule: Rule): SeverityOrOff | undefined {
    return rules[rule.meta.id]?.severity ?? rules[`${rule.meta.category}/*`]?.severity;
  }

  /** Severity at the top level (no path): `off` disables the rule for the run. */
  base(rule: Rule): SeverityOrOff {
    return this.pick(this.config.rules, rule) ?? rule.meta.severity;
  }

  /**
   * The severity of a finding of `rule` in `file`; `reported` is the report's own severity, if any.
   * A finding the analysis had to guess (`low` confidence) is at most a note, like a role's cap;
   * `overrides:` can still set it.
   */
  at(rule: Rule, file: Located, reported?: Severity, confidence?: Confidence): SeverityOrOff {
    const top = this.pick(this.config.rules, rule);
    let s: SeverityOrOff = top ?? reported ?? rule.meta.severity;
    const cap = rule.meta.roles[file.role];
    if (cap) s = lower(s, cap);
    if (confidence === 'low') s = lower(s, 'note');
    for (const o of this.overrides) if (o.match(file)) s = this.pick(o.rules, rule) ?? s;
    return s;
  }

  /** True when some override turns the rule on for some path. */
  enabledSomewhere(rule: Rule): boolean {
    return this.overrides.some((o) => {
      const s = this.pick(o.rules, rule);
      return s !== undefined && s !== 'off';
    });
  }
}

function ruleOptions(rule: Rule, config: Config): unknown {
  const given = config.rules[rule.meta.id]?.options ?? {};
  return { ...((rule.meta.options?.defaults as object | undefined) ?? {}), ...given };
}

/** Config `rules.<id>.ignore`: `glob`, `path:line` or `path:line:column`. */
function configIgnore(config: Config, ruleId: string): (f: Finding) => string | undefined {
  const entries = config.rules[ruleId]?.ignore ?? [];
  const matchers = entries.map((e) => {
    const m = /^(.*?)(?::(\d+))?(?::(\d+))?$/.exec(e) as RegExpExecArray;
    const glob = picomatch(m[1] as string, { dot: true });
    const line = m[2] ? Number(m[2]) : undefined;
    const col = m[3] ? Number(m[3]) : undefined;
    return { e, test: (f: Finding) => glob(f.path) && (line === undefined || f.range.start.line === line) && (col === undefined || f.range.start.column === col) };
  });
  return (f) => matchers.find((m) => m.test(f))?.e;
}

/** The messageId of the finding that sums up the findings of a rule in a file beyond the cap. */
export const FINDINGS_CAPPED = 'findingsCapped';

/**
 * At most `cap` reports of one rule per file: the first by position. The others are summed up by
 * one report at the first of them, carrying the highest severity among them, so the summary
 * fails a build as the findings it stands for would have. Below the cap, reports pass unchanged.
 */
function sameData(a: ReportData, b: ReportData): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

export function capReports(mine: Report[], cap: number, rank: (r: Report) => number): Array<{ report: Report; omitted?: number }> {
  if (mine.length <= cap) return mine.map((report) => ({ report }));
  const byFile = new Map<FileModel, Report[]>();
  for (const r of mine) {
    const list = byFile.get(r.file);
    if (list) list.push(r);
    else byFile.set(r.file, [r]);
  }
  const out: Array<{ report: Report; omitted?: number }> = [];
  for (const list of byFile.values()) {
    if (list.length <= cap) {
      for (const report of list) out.push({ report });
      continue;
    }
    const byPlace = (a: Report, b: Report): number =>
      a.range.start.line - b.range.start.line || a.range.start.column - b.range.start.column || a.range.end.line - b.range.end.line || a.range.end.column - b.range.end.column;
    list.sort(byPlace);
    // Exact repeats (same place, message and data) are dropped later anyway: they do not count.
    const distinct: Report[] = [];
    let placeStart = 0;
    for (const r of list) {
      const prev = distinct[distinct.length - 1];
      if (!prev || byPlace(prev, r) !== 0) placeStart = distinct.length;
      else if (distinct.slice(placeStart).some((d) => d.messageId === r.messageId && sameData(d.data, r.data))) continue;
      distinct.push(r);
    }
    for (const report of distinct.slice(0, cap)) out.push({ report });
    const rest = distinct.slice(cap);
    const first = rest[0];
    if (!first) continue;
    // The summary takes the severity and confidence of the gravest report it stands for.
    let gravest = first;
    for (const r of rest) if (rank(r) > rank(gravest)) gravest = r;
    out.push({ report: { ...first, data: {}, severity: gravest.severity, confidence: gravest.confidence }, omitted: rest.length });
  }
  return out;
}

/** Runs a scan: discovery, rules, findings, suppressions. Pure of stdout; the CLI prints. */
export async function scan(opts: ScanOptions): Promise<RunResult> {
  const { config } = opts;
  const known = new Set(opts.rules.map((r) => r.meta.id));
  for (const id of [...(opts.only ?? []), ...(opts.disable ?? [])]) {
    if (!known.has(id)) throw new UsageError(`unknown rule id "${id}" (see --list-rules)`);
  }
  const severities = new SeverityTable(config);
  const enabled = opts.rules
    .filter((r) => (opts.only && opts.only.length > 0 ? opts.only.includes(r.meta.id) : true))
    .filter((r) => !(opts.disable ?? []).includes(r.meta.id))
    .filter((r) => severities.base(r) !== 'off' || severities.enabledSomewhere(r))
    .sort((a, b) => cmp(a.meta.id, b.meta.id));

  const limits = resolveLimits(config);
  const timing = opts.timing ?? NO_TIMING;
  for (const r of enabled) timing.declare(`rule: ${r.meta.id}`);
  const discovery: Discovery = await timing.measureAsync('discovery', () =>
    discover({
      root: opts.root,
      paths: opts.paths,
      ignore: [...config.ignore, ...(opts.ignore ?? [])],
      maxFileSize: limits.dataFileSize,
      sourceFileSize: limits.sourceFileSize,
    }),
  );
  timing.note('discovery', `${discovery.allPaths.length} files seen, ${discovery.files.length} candidates`);
  if (discovery.missing.length > 0) throw new UsageError(`no such file or directory: ${discovery.missing.join(', ')}`);
  if (discovery.outside.length > 0) throw new UsageError(`path outside the scanned root ${discovery.root}: ${discovery.outside.join(', ')}`);

  // The result cache: a run over an unchanged repository state with the same inputs is not redone.
  const version = packageInfo().version;
  const cached = opts.cache
    ? timing.measure('result cache', () => {
        const key = cacheKey({ version, config, rules: enabled.map((r) => r.meta.id), ignore: opts.ignore ?? [], baseline: opts.baseline, debug: !!opts.debug });
        const state = repositoryState(discovery);
        return { key, state, hit: opts.cache?.lookup(key, state, discovery.targets) };
      })
    : undefined;
  if (cached?.hit) {
    const run = cached.hit.run;
    timing.note('result cache', `hit (${cached.hit.from === 'full' ? "the full scan's entry, narrowed to the files given" : 'same files'})`);
    const filesByRole = Object.fromEntries(FILE_ROLES.map((r) => [r, 0])) as Record<FileRole, number>;
    let parsedCount = 0;
    for (const [role, wasParsed] of Object.values(run.files)) {
      filesByRole[role]++;
      if (wasParsed) parsedCount++;
    }
    return {
      toolName: 'modelguard',
      toolVersion: version,
      root: discovery.root,
      rules: enabled,
      findings: run.findings,
      notifications: run.notifications,
      stats: { filesDiscovered: run.filesDiscovered, filesScanned: Object.keys(run.files).length, filesParsed: parsedCount, filesByRole },
      incomplete: run.incomplete,
    };
  }
  if (cached) timing.note('result cache', 'miss');

  const grammars = await timing.measureAsync('load: tree-sitter grammars', () => Grammars.load());
  const host = new ParserHost(grammars, timing, analysisLimits(config));
  const project = new ProjectModel(discovery, host, config.settings, compileRoleRules(config.roles));
  const notifications: Notification[] = [];
  /** `omitted`: a summary standing for that many reports of the rule in the file, left out by the cap. */
  const reports: Array<{ rule: Rule; report: Report; omitted?: number }> = [];
  const keep = (rule: Rule, mine: Report[]): void => {
    const rank = (r: Report): number => SEVERITY_OR_OFF_RANK[severities.at(rule, r.file, r.severity, r.confidence ?? rule.meta.confidence)];
    for (const k of capReports(mine, limits.findingsPerFile, rank)) reports.push({ rule, ...k });
  };
  let incomplete = false;

  const runnable = enabled.filter((r) => {
    const missing = (r.meta.requires ?? []).filter((g) => !grammars.has(g));
    if (missing.length === 0) return true;
    notifications.push({
      kind: 'capability-missing',
      level: 'warning',
      ruleId: r.meta.id,
      message: `${r.meta.id} did not run: ${missing.map((g) => grammars.failures.get(g)).join('; ')}`,
    });
    return false;
  });

  const makeReport = (rule: Rule, file: FileModel, messageId: string, at: Span | Range, data: ReportData = {}, extra: ReportExtra = {}): Report => {
    if (!(messageId in rule.meta.messages)) throw new Error(`unknown messageId "${messageId}"`);
    return { messageId, file, range: isSpan(at) ? file.range(at) : at, data, ...extra };
  };

  /** A rule's severity in a file of the project; `off` for a path that is not one. */
  const severityIn =
    (rule: Rule) =>
    (f: FileModel | string): SeverityOrOff => {
      const file = typeof f === 'string' ? project.file(f) : f;
      return file ? severities.at(rule, file) : 'off';
    };

  const ruleFailed = (rule: Rule, path: string | undefined, e: unknown): void => {
    incomplete = true;
    notifications.push({
      kind: 'rule-error',
      level: 'error',
      ruleId: rule.meta.id,
      path,
      message: `rule ${rule.meta.id} failed${path ? ` on ${path}` : ''}: ${e instanceof Error ? e.message : String(e)}`,
      ...(opts.debug && e instanceof Error && e.stack ? { detail: e.stack } : {}),
    });
  };

  const budgetSpent = (rule: Rule, budget: AnalysisBudget): void => {
    const [what, key, limit] =
      budget.spent === 'time' ? ['time', 'limits.analysisTimeMs', `${budget.limits.analysisTimeMs} ms`] : ['nodes', 'limits.analysisNodes', `${budget.limits.analysisNodes} nodes visited`];
    notifications.push({
      kind: 'analysis-budget',
      level: 'warning',
      ruleId: rule.meta.id,
      path: budget.path,
      message: `analysis of ${budget.path} stopped while ${rule.meta.id} ran: its ${what} budget (${limit}) is used up, so findings in this file may be missing; raise ${key} in .modelguard.yml to analyse it fully`,
    });
  };

  /**
   * Runs one rule check, isolating its failures. A file whose analysis budget runs out gets a
   * notice (once) and from then on empty facts; the check is run again, so the other files it
   * reads still count. Each retry follows a newly exhausted file, so retries are few.
   */
  const runChecked = (rule: Rule, path: string | undefined, file: FileModel | undefined, check: () => Iterable<Report>): Report[] => {
    for (let attempt = 0; ; attempt++) {
      const mine: Report[] = [];
      try {
        chargedTo(file?.budget, () => {
          for (const r of check()) mine.push(r);
        });
        return mine;
      } catch (e) {
        if (!(e instanceof AnalysisBudgetError)) {
          ruleFailed(rule, path, e);
          return [];
        }
        if (!exhaustedFiles.has(e.budget.path)) {
          exhaustedFiles.add(e.budget.path);
          budgetSpent(rule, e.budget);
        } else if (attempt > exhaustedFiles.size) {
          return [];
        }
        if (file?.exhausted) return [];
      }
    }
  };
  const exhaustedFiles = new Set<string>();

  // With files named on the command line, only they are checked and reported; the rest of
  // the repository is context that cross-file rules may read.
  const targetSet = discovery.targets ? new Set(discovery.targets) : undefined;
  const isTarget = (path: string): boolean => !targetSet || targetSet.has(path);
  const files = targetSet ? [...targetSet].map((p) => project.file(p)).filter((f): f is FileModel => !!f) : project.files();
  const fileRules = runnable.filter((r) => r.meta.scope === 'file');
  const keywords = new Map(fileRules.map((r) => [r, typeof r.meta.keywords === 'function' ? r.meta.keywords(config.settings) : r.meta.keywords]));
  const options = new Map(runnable.map((r) => [r, ruleOptions(r, config)]));
  for (const file of files) {
    for (const rule of fileRules) {
      if (!rule.meta.appliesTo.includes(file.kind)) continue;
      if (severities.at(rule, file) === 'off') continue;
      const kw = keywords.get(rule);
      if (kw && kw.length > 0 && !kw.some((k) => file.text.includes(k))) continue;
      const ctx: FileContext<unknown> = {
        file,
        project,
        options: options.get(rule),
        settings: config.settings,
        report: (id, at, data, extra) => makeReport(rule, file, id, at, data, extra),
        reportIn: (f, id, at, data, extra) => makeReport(rule, f, id, at, data, extra),
        severityIn: severityIn(rule),
      };
      const mine = timing.measure(`rule: ${rule.meta.id}`, () => runChecked(rule, file.path, file, () => (rule as { check(c: FileContext<unknown>): Iterable<Report> }).check(ctx)));
      keep(rule, mine);
    }
  }
  for (const rule of runnable.filter((r) => r.meta.scope === 'project')) {
    const ctx: ProjectContext<unknown> = {
      project,
      options: options.get(rule),
      settings: config.settings,
      reportIn: (f, id, at, data, extra) => makeReport(rule, f, id, at, data, extra),
      severityIn: severityIn(rule),
    };
    const mine = timing.measure(`rule: ${rule.meta.id}`, () => runChecked(rule, undefined, undefined, () => (rule as { check(c: ProjectContext<unknown>): Iterable<Report> }).check(ctx)));
    keep(rule, mine);
  }

  // Reports → findings.
  const findingsStart = timing.begin();
  const seen = new Set<string>();
  let findings: Finding[] = [];
  for (const { rule, report, omitted } of reports) {
    const file = report.file;
    if (!isTarget(file.path)) continue;
    const confidence = report.confidence ?? rule.meta.confidence;
    const sev = severities.at(rule, file, report.severity, confidence);
    if (sev === 'off') continue;
    const severity: Severity = sev;
    const { start, end } = report.range;
    const message =
      omitted === undefined
        ? formatMessage(rule.meta.messages[report.messageId] as string, report.data)
        : `${omitted} more finding${omitted === 1 ? '' : 's'} of ${rule.meta.id} in this file ${omitted === 1 ? 'was' : 'were'} left out, from this one on (the first ${limits.findingsPerFile} are reported); set limits.findingsPerFile: 0 in the config to see them all`;
    const key = `${rule.meta.id}|${file.path}|${start.line}:${start.column}-${end.line}:${end.column}|${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const so = file.lines.offset(start);
    const eo = file.lines.offset(end);
    findings.push({
      ruleId: rule.meta.id,
      category: rule.meta.category,
      messageId: omitted === undefined ? report.messageId : FINDINGS_CAPPED,
      message,
      severity,
      confidence,
      path: file.path,
      role: file.role,
      range: report.range,
      fingerprint: '',
      lineHash: '',
      // A summary's fingerprint does not depend on where the cap falls or how many it stands for.
      snippet: omitted === undefined ? normalizeSnippet(file.text.slice(so, Math.max(so, eo))) : `\u0000${FINDINGS_CAPPED}`,
      suppressed: false,
    });
  }
  findings.sort(compareFindings);
  assignFingerprints(findings);
  // GitHub's line hashes, for the lines that have findings only.
  const byPath = new Map<string, Finding[]>();
  for (const f of findings) {
    const list = byPath.get(f.path);
    if (list) list.push(f);
    else byPath.set(f.path, [f]);
  }
  for (const [path, list] of byPath) {
    const file = project.file(path);
    if (!file) continue;
    const hashes = lineHashes((file.bom ? '\ufeff' : '') + file.text, new Set(list.map((f) => f.range.start.line)));
    for (const f of list) f.lineHash = hashes.get(f.range.start.line) ?? '';
  }

  // Suppressions: inline comments, then config, then baseline.
  const directivesByFile = new Map<string, Directive[]>();
  const directivesOf = (path: string): Directive[] => {
    let d = directivesByFile.get(path);
    if (!d) {
      const f = project.file(path);
      d = f ? parseDirectives(f) : [];
      directivesByFile.set(path, d);
    }
    return d;
  };
  const ignoreMatchers = new Map(enabled.map((r) => [r.meta.id, configIgnore(config, r.meta.id)]));
  for (const f of findings) {
    const hit = findDirective(directivesOf(f.path), f.ruleId, f.range.start.line);
    if (hit) {
      hit.directive.used.add(hit.id);
      f.suppressed = { kind: 'inline', justification: hit.directive.reason || '(no reason given)' };
      continue;
    }
    const cfg = ignoreMatchers.get(f.ruleId)?.(f);
    if (cfg) {
      f.suppressed = { kind: 'config', justification: `ignored by the config (rules.${f.ruleId}.ignore: ${cfg})` };
      continue;
    }
    if (opts.baseline?.has(f.fingerprint)) f.suppressed = { kind: 'baseline', justification: 'present in the baseline' };
  }

  // Directive hygiene: missing reasons, unknown ids, directives that matched nothing.
  const byId = new Map(opts.rules.map((r) => [r.meta.id, r]));
  for (const file of files) {
    const directives = directivesOf(file.path);
    for (const d of directives) {
      const range = file.range(d.span);
      if (!d.reason) {
        notifications.push({
          kind: 'suppression-without-reason',
          level: 'note',
          path: file.path,
          range,
          message: `suppression of ${d.ids.join(', ')} gives no reason; write one after a colon: modelguard-ignore[${d.ids.join(',')}]: why this is safe`,
        });
      }
      for (const id of d.ids) {
        const isCategory = id.endsWith('/*') && (CATEGORIES as readonly string[]).includes(id.slice(0, -2));
        const rule = byId.get(id);
        if (!rule && !isCategory) {
          notifications.push({ kind: 'unknown-rule-in-suppression', level: 'note', path: file.path, range, message: `suppression names unknown rule "${id}"` });
          continue;
        }
        if (d.used.has(id)) continue;
        // Unused only if the rule actually looked at this file.
        const looked = enabled.filter((r) => (rule ? r === rule : directiveMatches({ ...d, ids: [id] }, r.meta.id)) && r.meta.appliesTo.includes(file.kind) && severities.at(r, file) !== 'off');
        if (looked.length === 0 || !runnable.some((r) => looked.includes(r))) continue;
        notifications.push({ kind: 'unused-suppression', level: 'note', path: file.path, range, message: `suppression of ${id} matched no finding; remove it` });
      }
    }
  }

  // Parse notices of the files that were parsed, then skipped files.
  let parsed = 0;
  const filesByRole = Object.fromEntries(FILE_ROLES.map((r) => [r, 0])) as Record<FileRole, number>;
  const fileStates: Record<string, [FileRole, boolean]> = {};
  for (const file of files) {
    if (file.parsed) parsed++;
    filesByRole[file.role]++;
    fileStates[file.path] = [file.role, file.parsed];
    notifications.push(...file.notices);
  }
  const targeted = (paths: string[]): string[] => paths.filter(isTarget);
  const signals = (kind: string): string => [...new Set(project.generated.filter((g) => g.kind === kind && isTarget(g.path)).map((g) => g.signal))].sort().join(', ');
  const sizeKey = (key: 'sourceFileSize' | 'dataFileSize'): string => (config.limits[key] === undefined && config.maxFileSize !== undefined ? 'maxFileSize' : `limits.${key}`);
  const skipped: Array<[Notification['kind'], string, string[]]> = [
    ['skipped-files', `larger than the size limit of data and config files (${limits.dataFileSize} bytes; raise ${sizeKey('dataFileSize')} in the config to scan them)`, targeted(discovery.tooLarge)],
    ['skipped-files', `larger than the size limit of source files (${limits.sourceFileSize} bytes; raise ${sizeKey('sourceFileSize')} in the config to scan them)`, targeted(discovery.tooLargeSource)],
    ['skipped-files', 'binary', targeted(project.binary)],
    [
      'skipped-files',
      `minified or bundled code (${signals('minified')}); to scan them anyway, give them a role in the config, e.g. roles: { source: ["<glob>"] }`,
      targeted(project.generated.filter((g) => g.kind === 'minified').map((g) => g.path)),
    ],
    [
      'skipped-files',
      `generated code (${signals('generated')}; the fix belongs in the generator's input); to scan them anyway, give them a role in the config, e.g. roles: { source: ["<glob>"] }`,
      targeted(project.generated.filter((g) => g.kind === 'generated').map((g) => g.path)),
    ],
    ['symlink-outside-root', 'symbolic links to outside the scanned root', discovery.symlinksOutside],
    ['unreadable-file', 'unreadable', targeted([...discovery.unreadable, ...project.unreadable])],
  ];
  for (const [kind, why, paths] of skipped) {
    if (paths.length === 0) continue;
    const sorted = [...paths].sort();
    notifications.push({ kind, level: 'note', message: `skipped ${sorted.length} file${sorted.length === 1 ? '' : 's'}: ${why}`, paths: sorted });
  }
  const unparsed = targeted([...host.parserMemoryFull]).sort();
  if (unparsed.length > 0) {
    notifications.push({
      kind: 'skipped-files',
      level: 'warning',
      message: `not parsed ${unparsed.length} file${unparsed.length === 1 ? '' : 's'}: the tree-sitter parser's memory (2 GiB) filled up with the trees of the Python files parsed before them, so findings in them may be missing; scan the repository in parts (give fewer paths, or ignore vendored code)`,
      paths: unparsed,
    });
  }
  if (files.length === 0) {
    notifications.push({ kind: 'no-files', level: 'warning', message: 'no files to scan were found (check the paths, .gitignore and ignore patterns)' });
  }
  notifications.sort(
    (a, b) =>
      cmp(a.path ?? '', b.path ?? '') ||
      (a.range?.start.line ?? 0) - (b.range?.start.line ?? 0) ||
      (a.range?.start.column ?? 0) - (b.range?.start.column ?? 0) ||
      cmp(a.kind, b.kind) ||
      cmp(a.message, b.message),
  );
  findings = findings.sort(compareFindings);
  timing.end('findings, suppressions, notices', findingsStart);

  if (cached) {
    const store = { findings, notifications, incomplete, filesDiscovered: discovery.allPaths.length, files: fileStates };
    timing.measure('result cache', () => opts.cache?.store(cached.key, cached.state, discovery.targets, store));
  }
  return {
    toolName: 'modelguard',
    toolVersion: version,
    root: discovery.root,
    rules: enabled,
    findings,
    notifications,
    stats: { filesDiscovered: discovery.allPaths.length, filesScanned: files.length, filesParsed: parsed, filesByRole },
    incomplete,
  };
}
