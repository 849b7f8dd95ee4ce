import type { Settings } from './config/types.js';
import type { FileModel } from './model/file-model.js';
import type { ProjectModel } from './model/project.js';
import type { FileRole } from './discovery/roles.js';
import type { Category, Confidence, FileKind, Range, Severity, SeverityOrOff, Span } from './types.js';

export interface RuleOptions<O> {
  /** JSON Schema of the rule's `options` in the config, validated by ajv at load time. */
  schema: object;
  defaults: O;
}

export interface RuleMeta<O = Record<string, never>> {
  /** `category/name`, equal to the module's path under rules/. */
  id: string;
  category: Category;
  /** File kinds the rule reads. A file-scope rule runs once per file of these kinds. */
  appliesTo: FileKind[];
  /**
   * How the rule treats files by role (what they are for): the highest severity it reports at in
   * files of that role, `off` for none. Roles not listed get the rule's severity. The config's
   * `overrides:` (by `files` or `roles`) win over these defaults.
   */
  roles: Partial<Record<FileRole, SeverityOrOff>>;
  /** `file`: check() runs per file; `project`: once per run, over ctx.project. */
  scope: 'file' | 'project';
  severity: Severity;
  /** How likely a finding is real (SARIF `precision`). */
  confidence: Confidence;
  /** One sentence: what the rule requires. The first paragraph of the rule's docs page. */
  description: string;
  /** What it flags and why, a short paragraph (SARIF `fullDescription`). */
  fullDescription: string;
  /** GitHub `security-severity`, 0.1 to 10. */
  securitySeverity: number;
  /** External taxonomies: CWE, OWASP LLM Top 10, ... */
  tags: string[];
  /**
   * Cheap prefilter: a file is handed to the rule (and so parsed) only when its text contains
   * one of these strings. Omit to see every file of the kinds in `appliesTo`. A function gets the
   * project settings, for rules whose vocabulary users extend.
   */
  keywords?: readonly string[] | ((settings: Settings) => readonly string[]);
  /** Message templates by id; `{name}` is replaced by the report's data. */
  messages: Record<string, string>;
  options?: RuleOptions<O>;
  /** Parsers the rule cannot work without; when one failed to load, the rule is skipped with a notice. */
  requires?: Array<'python' | 'bash'>;
}

export type ReportData = Record<string, string | number>;

export interface ReportExtra {
  confidence?: Confidence;
  /** A lower (or higher) severity for this finding than the rule's default. */
  severity?: Severity;
}

export interface Report {
  messageId: string;
  file: FileModel;
  range: Range;
  data: ReportData;
  confidence?: Confidence;
  severity?: Severity;
}

export interface ProjectContext<O> {
  project: ProjectModel;
  options: O;
  settings: Settings;
  /** Reports a problem in any file of the project. */
  reportIn(file: FileModel, messageId: string, at: Span | Range, data?: ReportData, extra?: ReportExtra): Report;
  /**
   * The rule's severity in `file` (or the file at a root-relative path) after its role defaults and the config (`off`: the rule does
   * not apply there), for rules that weigh evidence from other files: a call in a test file does
   * not make a constant of the application a deployed model, unless the config says tests count.
   */
  severityIn(file: FileModel | string): SeverityOrOff;
}

export interface FileContext<O> extends ProjectContext<O> {
  file: FileModel;
  /** Reports a problem in the file being checked. */
  report(messageId: string, at: Span | Range, data?: ReportData, extra?: ReportExtra): Report;
}

export interface FileRule<O = Record<string, never>> {
  meta: RuleMeta<O> & { scope: 'file' };
  check(ctx: FileContext<O>): Iterable<Report>;
}

export interface ProjectRule<O = Record<string, never>> {
  meta: RuleMeta<O> & { scope: 'project' };
  check(ctx: ProjectContext<O>): Iterable<Report>;
}

// biome-ignore lint/suspicious/noExplicitAny: rules of any options type are collected in one list
export type Rule<O = any> = FileRule<O> | ProjectRule<O>;

export function defineRule<O = Record<string, never>>(rule: FileRule<O>): FileRule<O>;
export function defineRule<O = Record<string, never>>(rule: ProjectRule<O>): ProjectRule<O>;
export function defineRule<O>(rule: Rule<O>): Rule<O> {
  return rule;
}

export function isSpan(at: Span | Range): at is Span {
  return typeof (at as Span).start === 'number';
}
