import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResult } from '../../src/engine/run.js';
import type { Finding } from '../../src/types.js';

/** Words of `text` in lines of at most `width` characters (a longer word gets a line of its own). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/**
 * One finding as a reviewer reads it: rule, severity and position, the offending line with a
 * caret run under the reported range (to the line's end for a range that goes on), then the
 * message. Fixtures keep these beside expected.txt, so a change of prose or position shows in
 * review as a diff of this text.
 */
function renderFinding(root: string, f: Finding, texts: Map<string, string[]>): string {
  let lines = texts.get(f.path);
  if (!lines) {
    lines = readFileSync(join(root, f.path), 'utf8')
      .replace(/^\uFEFF/, '')
      .split(/\r\n|\r|\n/);
    texts.set(f.path, lines);
  }
  const { start, end } = f.range;
  const src = (lines[start.line - 1] ?? '').replace(/\t/g, ' ');
  const stop = end.line === start.line ? Math.max(end.column, start.column + 1) : src.length + 1;
  const gutter = String(start.line);
  const pad = ' '.repeat(gutter.length);
  const head = `${f.ruleId} ${f.severity} ${f.path}:${start.line}:${start.column} [${f.messageId}]${f.suppressed ? ` suppressed (${f.suppressed.kind}${f.suppressed.justification ? `: ${f.suppressed.justification}` : ''})` : ''}`;
  return [
    head,
    `${pad} |`,
    `${gutter} | ${src.trimEnd()}`,
    `${pad} | ${' '.repeat(start.column - 1)}${'^'.repeat(Math.max(1, stop - start.column))}`,
    ...wrap(f.message, 96).map((l, i) => `${pad} ${i === 0 ? '=' : ' '} ${l}`),
  ].join('\n');
}

/** Every finding of a run (sorted by path and position), rendered for a snapshot. */
export function renderFindings(root: string, result: RunResult): string {
  const texts = new Map<string, string[]>();
  const sorted = [...result.findings].sort(
    (a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) || a.range.start.line - b.range.start.line || a.range.start.column - b.range.start.column || a.ruleId.localeCompare(b.ruleId),
  );
  return `${sorted.map((f) => renderFinding(root, f, texts)).join('\n\n')}\n`;
}
