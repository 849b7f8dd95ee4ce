import type { RunResult } from '../engine/run.js';
import type { Severity } from '../types.js';

export interface Summary {
  errors: number;
  warnings: number;
  notes: number;
  suppressed: number;
  byCategory: Record<string, number>;
}

/** Counts of unsuppressed findings by severity and category, and of suppressed ones. */
export function summarize(result: RunResult): Summary {
  const s: Summary = { errors: 0, warnings: 0, notes: 0, suppressed: 0, byCategory: {} };
  const key: Record<Severity, 'errors' | 'warnings' | 'notes'> = { error: 'errors', warning: 'warnings', note: 'notes' };
  for (const f of result.findings) {
    if (f.suppressed) {
      s.suppressed++;
      continue;
    }
    s[key[f.severity]]++;
    s.byCategory[f.category] = (s.byCategory[f.category] ?? 0) + 1;
  }
  return s;
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
