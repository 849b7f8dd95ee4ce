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
  maxFileSize: number;
  /** `limits:`: the per-file analysis budget. */
  limits: AnalysisLimits;
  failOn?: Severity | 'never';
  overrides: Override[];
  /** `roles:`: globs that give files a role, tried before the built-in classification. */
  roles: Partial<Record<FileRole, string[]>>;
  settings: Settings;
}

export interface AnalysisLimits {
  /** Milliseconds of analysis one file may take, summed over every rule. */
  analysisTimeMs: number;
  /** Tree nodes the walks may visit in one file, summed over every rule. */
  analysisNodes: number;
}

/** Far above what any file of a real repository needs (README "Limits"). */
export const DEFAULT_LIMITS: AnalysisLimits = { analysisTimeMs: 60_000, analysisNodes: 50_000_000 };

export const DEFAULT_MAX_FILE_SIZE = 1024 * 1024;

export function emptyConfig(): Config {
  return { rules: {}, ignore: [], maxFileSize: DEFAULT_MAX_FILE_SIZE, limits: { ...DEFAULT_LIMITS }, overrides: [], roles: {}, settings: {} };
}
