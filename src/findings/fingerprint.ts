import type { Finding } from '../types.js';
import { sha256 } from '../util/hash.js';

/** Whitespace-collapsed source text of a finding's range, capped, for fingerprints and baselines. */
export function normalizeSnippet(text: string): string {
  const s = text.replace(/\s+/g, ' ').trim();
  return s.length > 200 ? s.slice(0, 200) : s;
}

/**
 * Fingerprints every finding: a hash of the rule id, the path, the normalised offending code
 * and its ordinal among identical (rule, path, code) findings in position order. Lines moving
 * above a finding do not change it; editing the offending code or renaming the file does.
 * Findings must already be sorted by position.
 */
export function assignFingerprints(findings: Array<Omit<Finding, 'fingerprint'> & { fingerprint?: string }>): void {
  const ordinals = new Map<string, number>();
  for (const f of findings) {
    const key = `${f.ruleId}\u0000${f.path}\u0000${f.snippet}`;
    const n = ordinals.get(key) ?? 0;
    ordinals.set(key, n + 1);
    f.fingerprint = sha256(`${key}\u0000${n}`).slice(0, 32);
  }
}

export function compareFindings(a: Finding, b: Finding): number {
  return (
    cmp(a.path, b.path) ||
    a.range.start.line - b.range.start.line ||
    a.range.start.column - b.range.start.column ||
    a.range.end.line - b.range.end.line ||
    a.range.end.column - b.range.end.column ||
    cmp(a.ruleId, b.ruleId) ||
    cmp(a.message, b.message)
  );
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
