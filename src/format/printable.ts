/**
 * Text from the scanned repository (file names, model ids, route paths quoted in messages) as it
 * may safely reach a terminal or a CI log: control characters that would move the cursor, clear
 * the screen or start an escape sequence, and the invisible characters that reorder what a reader
 * sees (bidirectional overrides and isolates, as in "Trojan Source"), are shown escaped, the way
 * `ls -b` shows a newline in a file name. Everything else, including non-Latin scripts and emoji,
 * is kept as it is.
 */

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

// C0 controls, DEL, C1 controls; the Arabic letter mark, left/right marks, the line and paragraph
// separators, the bidi embeddings and overrides, and the bidi isolates.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;

function escapeChar(ch: string): string {
  const named = NAMED[ch];
  if (named) return named;
  const code = ch.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** `s` as one printable line: every unsafe character escaped, newlines included. */
export function printable(s: string): string {
  return s.replace(UNSAFE, escapeChar);
}

/** `s` with unsafe characters escaped but its line breaks kept: for multi-line detail blocks. */
export function printableLines(s: string): string {
  return s
    .split('\n')
    .map((line) => printable(line))
    .join('\n');
}
