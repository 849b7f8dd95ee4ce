import pc from 'picocolors';
import type { Finding, Notification } from '../types.js';
import { printable, printableLines } from './printable.js';
import { plural, summarize } from './summary.js';
import type { Formatter } from './types.js';

const MAX_LISTED_PATHS = 10;

function samePlace(a: Finding, b: Finding): boolean {
  return a.path === b.path && a.range.start.line === b.range.start.line && a.range.start.column === b.range.start.column;
}

/** `path:line:col severity rule-id message`, grouped by file, then a summary. */
export const formatText: Formatter = (result, options) => {
  const opts = { ...options, displayPath: (p: string) => printable(options.displayPath(p)) };
  const c = pc.createColors(opts.color);
  const sev = (s: Finding['severity'] | Notification['level']): string => (s === 'error' ? c.red('error') : s === 'warning' ? c.yellow('warning') : c.blue('note'));
  const lines: string[] = [];
  const shown = result.findings.filter((f) => !f.suppressed);
  let lastPath: string | undefined;
  for (let i = 0; i < shown.length; i++) {
    const f = shown[i] as Finding;
    if (lastPath !== undefined && f.path !== lastPath) lines.push('');
    lastPath = f.path;
    const where = `${opts.displayPath(f.path)}:${f.range.start.line}:${f.range.start.column}`;
    // Several rules on one place (a route without a limiter, authentication and a filter): the
    // place once, then each rule's finding under it.
    let n = 1;
    while (i + n < shown.length && samePlace(shown[i + n] as Finding, f)) n++;
    if (n === 1) {
      lines.push(`${c.bold(where)} ${sev(f.severity)} ${c.dim(f.ruleId)} ${printable(f.message)}`);
      continue;
    }
    lines.push(`${c.bold(where)} ${n} findings:`);
    for (const g of shown.slice(i, i + n)) lines.push(`  ${sev(g.severity)} ${c.dim(g.ruleId)} ${printable(g.message)}`);
    i += n - 1;
  }
  if (opts.quiet) return lines.length > 0 ? `${lines.join('\n')}\n` : '';

  const s = summarize(result);
  const total = s.errors + s.warnings + s.notes;
  if (lines.length > 0) lines.push('');
  const suppressed = s.suppressed > 0 ? ` (${s.suppressed} suppressed)` : '';
  if (total === 0) {
    lines.push(c.green(`No findings${suppressed}.`));
  } else {
    const parts = [plural(s.errors, 'error'), plural(s.warnings, 'warning'), plural(s.notes, 'note')];
    lines.push(c.bold(`${plural(total, 'finding')}: ${parts.join(', ')}${suppressed}`));
    const cats = Object.entries(s.byCategory)
      .sort((a, b) => (a[0] < b[0] ? -1 : 1))
      .map(([k, v]) => `${k} ${v}`);
    lines.push(`  by category: ${cats.join(', ')}`);
  }
  const roles = Object.entries(result.stats.filesByRole)
    .filter(([, n]) => n > 0)
    .map(([r, n]) => `${n} ${r}`);
  const byRole = roles.length > 1 ? ` (${roles.join(', ')})` : '';
  lines.push(c.dim(`  ${plural(result.stats.filesScanned, 'file')} scanned${byRole}, ${result.stats.filesParsed} parsed, ${plural(result.rules.length, 'rule')}`));
  if (result.notifications.length > 0) {
    lines.push('');
    lines.push(c.bold(`${plural(result.notifications.length, 'notification')}:`));
    for (const n of result.notifications) {
      const at = n.path ? `${opts.displayPath(n.path)}${n.range ? `:${n.range.start.line}:${n.range.start.column}` : ''} ` : '';
      lines.push(`  ${sev(n.level)} ${at}${printable(n.message)}`);
      if (n.paths) {
        for (const p of n.paths.slice(0, MAX_LISTED_PATHS)) lines.push(c.dim(`    ${opts.displayPath(p)}`));
        if (n.paths.length > MAX_LISTED_PATHS) lines.push(c.dim(`    ... and ${n.paths.length - MAX_LISTED_PATHS} more`));
      }
      if (n.detail) lines.push(c.dim(printableLines(n.detail).replace(/^/gm, '    ')));
    }
  }
  return `${lines.join('\n')}\n`;
};
