import type { RunResult } from '../engine/run.js';

export interface FormatOptions {
  /** Colours in text output (decided once by the CLI). */
  color: boolean;
  /** Text: findings only, no summary or notifications. */
  quiet: boolean;
  /** How to show a root-relative path to the user (text and GitHub annotations). */
  displayPath: (path: string) => string;
  /** SARIF `automationDetails.id` (`category/` form). */
  sarifCategory?: string;
}

export type Formatter = (result: RunResult, options: FormatOptions) => string;
