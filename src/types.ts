import type { FileRole } from './discovery/roles.js';

/** Shared value types. Positions are 1-based; `end` is exclusive, exactly like SARIF regions. */

export interface Position {
  /** 1-based line. */
  line: number;
  /** 1-based column, counted in UTF-16 code units (SARIF `utf16CodeUnits`). */
  column: number;
}

export interface Range {
  start: Position;
  end: Position;
}

/** A half-open span of UTF-16 offsets into a file's text. */
export interface Span {
  start: number;
  end: number;
}

export type Severity = 'error' | 'warning' | 'note';
export type Confidence = 'low' | 'medium' | 'high';
export type SeverityOrOff = Severity | 'off';

export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'note'];
export const SEVERITY_RANK: Record<Severity, number> = { note: 1, warning: 2, error: 3 };

export const CATEGORIES = ['model-pinning', 'inference-logging', 'rate-limit', 'access-control', 'safety-eval', 'guardrails', 'weights-integrity'] as const;
export type Category = (typeof CATEGORIES)[number];

/** What a file is (its format and the tool that reads it), decided at discovery from its path and (cheaply) its contents. */
export type FileKind =
  | 'gha-workflow'
  | 'gha-action'
  | 'gitlab-ci'
  | 'compose'
  | 'k8s'
  | 'helm-values'
  | 'helm-chart'
  | 'helm-template'
  | 'yaml-config'
  | 'json-config'
  | 'package-json'
  | 'dockerfile'
  | 'dotenv'
  | 'python'
  | 'typescript'
  | 'shell'
  | 'makefile'
  | 'modelfile'
  | 'requirements'
  | 'pyproject'
  | 'nginx';

export const FILE_KINDS: readonly FileKind[] = [
  'gha-workflow',
  'gha-action',
  'gitlab-ci',
  'compose',
  'k8s',
  'helm-values',
  'helm-chart',
  'helm-template',
  'yaml-config',
  'json-config',
  'package-json',
  'dockerfile',
  'dotenv',
  'python',
  'typescript',
  'shell',
  'makefile',
  'modelfile',
  'requirements',
  'pyproject',
  'nginx',
];

export interface Suppression {
  kind: 'inline' | 'config' | 'baseline';
  /** The justification; empty when none was given. */
  justification: string;
}

export interface Finding {
  ruleId: string;
  category: Category;
  messageId: string;
  message: string;
  severity: Severity;
  confidence: Confidence;
  path: string;
  /** What the file is for (source, config, test, example, docs, data, generated). */
  role: FileRole;
  range: Range;
  /** Stable across unrelated edits: rule id, path, normalised offending code, ordinal. */
  fingerprint: string;
  /** GitHub's `primaryLocationLineHash`, computed the way github/codeql-action does. */
  lineHash: string;
  /** The offending source text (normalised whitespace), for baselines and snippets. */
  snippet: string;
  suppressed: Suppression | false;
}

export type NotificationKind =
  | 'parse-error'
  | 'rule-error'
  | 'analysis-budget'
  | 'skipped-files'
  | 'unreadable-file'
  | 'symlink-outside-root'
  | 'capability-missing'
  | 'suppression-without-reason'
  | 'unused-suppression'
  | 'unknown-rule-in-suppression'
  | 'unsupported-regex'
  | 'no-files';

export interface Notification {
  kind: NotificationKind;
  level: Severity;
  message: string;
  path?: string;
  range?: Range;
  ruleId?: string;
  /** Files counted by a `skipped-files` notification. */
  paths?: string[];
  /** Stack trace of a rule error; only kept under --debug. */
  detail?: string;
}
