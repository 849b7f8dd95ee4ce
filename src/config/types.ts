import type { FileRole } from '../discovery/roles.js';
import type { Severity, SeverityOrOff } from '../types.js';

/** Naming knowledge of one hosted model API (schemas/model-aliases.schema.json `provider`). */
export interface ModelAliasProvider {
  id: string;
  name?: string;
  models?: string[];
  prefixes?: string[];
  floating?: string[];
  pinned?: string[];
  default?: 'floating' | 'pinned';
  pinnedForm?: string;
  snapshots?: Record<string, string[]>;
  docs?: string;
}

/** Facts about the project that rules cannot see in the code (the `settings:` section). */
export interface Settings {
  inference?: { functions?: string[] };
  logging?: { functions?: string[]; instrumentedEntryPoints?: string[] };
  guardrails?: { functions?: string[] };
  auth?: { functions?: string[]; handledUpstream?: boolean | string[] };
  rateLimit?: { functions?: string[]; handledUpstream?: boolean | string[] };
  models?: { allowed?: string[]; aliases?: ModelAliasProvider[] };
  servingImages?: string[];
  pipeline?: { evalCommands?: string[]; steps?: unknown[] };
}

export interface RuleSetting {
  severity?: SeverityOrOff;
  ignore?: string[];
  options?: Record<string, unknown>;
}

export interface Override {
  /** Path globs; empty means every path (then `roles` selects). */
  files: string[];
  /** File roles the override applies to; empty means every role. */
  roles: FileRole[];
  rules: Record<string, RuleSetting>;
}

export interface Config {
  /** Where the config came from (for messages); undefined when none was found. */
  file?: string;
  rules: Record<string, RuleSetting>;
  ignore: string[];
  /**
   * `maxFileSize:` (older, single limit): when set, the default of both size limits below;
   * `limits.sourceFileSize` / `limits.dataFileSize` win over it.
   */
  maxFileSize?: number;
  /** `limits:`: bounds on the work done per file and per run. */
  limits: Limits;
  failOn?: Severity | 'never';
  overrides: Override[];
  /** `roles:`: globs that give files a role, tried before the built-in classification. */
  roles: Partial<Record<FileRole, string[]>>;
  settings: Settings;
}

/**
 * The `limits:` section. Every key is optional; the defaults live in `resolveLimits`.
 * Other bounds (analysis time, analysis size) sit beside these.
 */
export interface Limits {
  /** Source files (Python, TS/JS, shell, Dockerfile, Makefile, Modelfile) larger than this many bytes are skipped. */
  sourceFileSize?: number;
  /** Data and config files (YAML, JSON, TOML, .env, requirements, nginx) larger than this many bytes are skipped. */
  dataFileSize?: number;
  /** Findings of one rule in one file beyond this many are summed up in one finding; 0: no cap. */
  findingsPerFile?: number;
  /** Milliseconds of analysis one file may take, summed over every rule. */
  analysisTimeMs?: number;
  /** Tree nodes the walks may visit in one file, summed over every rule. */
  analysisNodes?: number;
  [key: string]: number | undefined;
}

/** Default size limit of data and config files: one MiB is far more than a hand-written config. */
export const DEFAULT_DATA_FILE_SIZE = 1024 * 1024;
/** Default size limit of source files: large real modules (tens of thousands of lines) are still read. */
export const DEFAULT_SOURCE_FILE_SIZE = 16 * 1024 * 1024;
/** Default number of findings of one rule in one file before the rest are summed up. */
export const DEFAULT_FINDINGS_PER_FILE = 50;

export interface ResolvedLimits {
  sourceFileSize: number;
  dataFileSize: number;
  /** Infinity when the cap is lifted (`findingsPerFile: 0`). */
  findingsPerFile: number;
}

/** The limits in force: `limits.*`, else `maxFileSize:` for both sizes, else the defaults. */
export function resolveLimits(config: Pick<Config, 'maxFileSize' | 'limits'>): ResolvedLimits {
  const l = config.limits ?? {};
  const cap = l.findingsPerFile ?? DEFAULT_FINDINGS_PER_FILE;
  return {
    sourceFileSize: l.sourceFileSize ?? config.maxFileSize ?? DEFAULT_SOURCE_FILE_SIZE,
    dataFileSize: l.dataFileSize ?? config.maxFileSize ?? DEFAULT_DATA_FILE_SIZE,
    findingsPerFile: cap === 0 ? Infinity : cap,
  };
}

export interface AnalysisLimits {
  /** Milliseconds of analysis one file may take, summed over every rule. */
  analysisTimeMs: number;
  /** Tree nodes the walks may visit in one file, summed over every rule. */
  analysisNodes: number;
}

/** Far above what any file of a real repository needs (README "Limits"). */
export const DEFAULT_LIMITS: AnalysisLimits = { analysisTimeMs: 60_000, analysisNodes: 50_000_000 };

/** The per-file analysis budget in force. */
export function analysisLimits(config: Pick<Config, 'limits'>): AnalysisLimits {
  return {
    analysisTimeMs: config.limits?.analysisTimeMs ?? DEFAULT_LIMITS.analysisTimeMs,
    analysisNodes: config.limits?.analysisNodes ?? DEFAULT_LIMITS.analysisNodes,
  };
}

export function emptyConfig(): Config {
  return { rules: {}, ignore: [], limits: {}, overrides: [], roles: {}, settings: {} };
}
