import type { RunResult } from '../engine/run.js';
import type { Timing } from '../util/timing.js';

export interface TimingExtras {
  /** Milliseconds from process start until the command line began the scan (Node start-up, loading the CLI). */
  beforeMain: number;
  /** Milliseconds from process start until now. */
  total: number;
  /** Peak resident set size of the process, KiB (`process.resourceUsage().maxRSS`). */
  maxRssKiB: number;
}

const GROUPS: Array<[string, (name: string) => boolean]> = [
  ['Start-up and loading', (n) => n.startsWith('load: ') || n === 'config'],
  ['Files', (n) => n === 'discovery' || n === 'result cache' || n === 'read and classify'],
  ['Parsing, per language', (n) => n.startsWith('parse: ')],
  ['Cross-file', (n) => n === 'repository index'],
  ['Rules (facts a rule computes first count to it; parsing is not included)', (n) => n.startsWith('rule: ')],
  ['Output', (n) => n === 'findings, suppressions, notices' || n === 'format'],
];

/**
 * The `--stats` table (stderr): self time per phase, so the rows add up to the total. Rules are
 * listed slowest first, each with the findings it reported; every enabled rule has a row.
 */
export function formatTiming(timing: Timing, result: RunResult, extras: TimingExtras): string {
  const findings = new Map<string, number>();
  for (const f of result.findings) findings.set(f.ruleId, (findings.get(f.ruleId) ?? 0) + 1);
  const pct = (ms: number): string => (extras.total > 0 ? `${((100 * ms) / extras.total).toFixed(1)}%` : '');
  const lines: string[] = [];
  const width = 58;
  const row = (name: string, ms: number, what: string): string => `  ${name.padEnd(width)} ${ms.toFixed(1).padStart(9)} ${pct(ms).padStart(6)}  ${what}`;
  lines.push(`${'modelguard --stats'.padEnd(width + 2)} ${'ms'.padStart(9)} ${'share'.padStart(6)}  count`);
  lines.push(row('node start-up, CLI', extras.beforeMain, ''));
  let accounted = extras.beforeMain;
  for (const [title, test] of GROUPS) {
    const names = [...timing.phases.keys()].filter(test);
    if (names.length === 0) continue;
    lines.push(title);
    const phases = names.map((n) => [n, timing.phases.get(n) as { ms: number; count: number }] as const);
    if (title.startsWith('Rules')) phases.sort((a, b) => b[1].ms - a[1].ms || (a[0] < b[0] ? -1 : 1));
    for (const [name, p] of phases) {
      accounted += p.ms;
      let what: string;
      if (name.startsWith('rule: ')) {
        const n = findings.get(name.slice('rule: '.length)) ?? 0;
        what = `${p.count} checks, ${n} finding${n === 1 ? '' : 's'}`;
      } else if (name.startsWith('parse: ')) what = `${p.count} ${name === 'parse: shell' ? 'scripts' : 'files'}`;
      else if (name === 'read and classify') what = `${p.count} files`;
      else what = timing.notes.get(name) ?? '';
      lines.push(row(name.replace(/^rule: /, ''), p.ms, what));
    }
  }
  lines.push(row('other (engine glue, garbage collection)', Math.max(0, extras.total - accounted), ''));
  lines.push(row('total (wall, since process start)', extras.total, `${result.stats.filesScanned} files scanned, ${result.findings.length} findings`));
  lines.push(`  peak RSS ${(extras.maxRssKiB / 1024).toFixed(0)} MiB`);
  return `${lines.join('\n')}\n`;
}
