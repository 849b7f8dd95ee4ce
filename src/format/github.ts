import { printable } from './printable.js';
import type { Formatter } from './types.js';

const escapeData = (s: string): string => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escapeProperty = (s: string): string => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

/** GitHub Actions workflow commands: one annotation per finding (and per notification). */
export const formatGithub: Formatter = (result, opts) => {
  const out: string[] = [];
  for (const f of result.findings) {
    if (f.suppressed) continue;
    const cmd = f.severity === 'error' ? 'error' : f.severity === 'warning' ? 'warning' : 'notice';
    const { start, end } = f.range;
    const props = [
      `file=${escapeProperty(opts.displayPath(f.path))}`,
      `line=${start.line}`,
      `col=${start.column}`,
      `endLine=${end.line}`,
      `endColumn=${end.column}`,
      `title=${escapeProperty(`modelguard ${f.ruleId}`)}`,
    ];
    out.push(`::${cmd} ${props.join(',')}::${escapeData(printable(f.message))}`);
  }
  for (const n of result.notifications) {
    const cmd = n.level === 'error' ? 'error' : n.level === 'warning' ? 'warning' : 'notice';
    const props = [`title=${escapeProperty(`modelguard ${n.kind}`)}`];
    if (n.path) props.unshift(`file=${escapeProperty(opts.displayPath(n.path))}`, ...(n.range ? [`line=${n.range.start.line}`, `col=${n.range.start.column}`] : []));
    const list = n.paths ? `: ${n.paths.slice(0, 20).join(', ')}${n.paths.length > 20 ? ', ...' : ''}` : '';
    out.push(`::${cmd} ${props.join(',')}::${escapeData(printable(n.message + list))}`);
  }
  return out.length > 0 ? `${out.join('\n')}\n` : '';
};
