import type { Span } from '../types.js';
import { trimTrailing } from '../util/text.js';

export interface DotenvEntry {
  key: string;
  value: string;
  keySpan: Span;
  /** The value without its quotes. */
  valueSpan: Span;
}

const LINE = /^([ \t]*(?:export[ \t]+)?)([A-Za-z_][A-Za-z0-9_.-]*)[ \t]*=[ \t]*/;

/** `.env` files: `KEY=value`, `export KEY=value`, quoted values, comments. */
export function parseDotenv(text: string): DotenvEntry[] {
  const out: DotenvEntry[] = [];
  let pos = 0;
  while (pos <= text.length) {
    let eol = text.indexOf('\n', pos);
    if (eol === -1) eol = text.length;
    const line = text.slice(pos, eol);
    const m = LINE.exec(line);
    if (m) {
      const keyStart = pos + (m[1] as string).length;
      const valueStart = pos + m[0].length;
      const rest = text.slice(valueStart);
      const q = rest[0];
      let value: string;
      let vs = valueStart;
      let ve: number;
      let next = eol + 1;
      if (q === '"' || q === "'" || q === '`') {
        // The closing quote; inside double quotes a backslash escapes the next character.
        let close = -1;
        for (let i = 1; i < rest.length; i++) {
          if (q === '"' && rest[i] === '\\') i++;
          else if (rest[i] === q) {
            close = i;
            break;
          }
        }
        if (close === -1) close = line.replace(/\r$/, '').length - m[0].length;
        vs = valueStart + 1;
        ve = valueStart + close;
        value = text.slice(vs, ve);
        if (q === '"') value = value.replace(/\\([n"\\])/g, (_, c: string) => (c === 'n' ? '\n' : c));
        const closeLineEnd = text.indexOf('\n', ve);
        next = closeLineEnd === -1 ? text.length + 1 : closeLineEnd + 1;
      } else {
        let raw = line.slice(m[0].length);
        const hash = raw.search(/[ \t]#/);
        if (hash !== -1) raw = raw.slice(0, hash);
        raw = trimTrailing(raw, ' \t\r');
        value = raw;
        ve = vs + raw.length;
      }
      out.push({ key: m[2] as string, value, keySpan: { start: keyStart, end: keyStart + (m[2] as string).length }, valueSpan: { start: vs, end: ve } });
      pos = next;
      continue;
    }
    pos = eol + 1;
  }
  return out;
}
