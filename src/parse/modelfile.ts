import type { Span } from '../types.js';

/** One instruction of an Ollama Modelfile. */
export interface ModelfileInstruction {
  /** Upper-case keyword: FROM, ADAPTER, PARAMETER, TEMPLATE, SYSTEM, MESSAGE, LICENSE. */
  keyword: string;
  keywordSpan: Span;
  /** The argument text as written after the keyword (to the end of the line, or of a `"""` block). */
  args: string;
  argsSpan: Span;
}

/**
 * Parses an Ollama Modelfile (https://github.com/ollama/ollama/blob/main/docs/modelfile.md):
 * `# comments`, `KEYWORD args` lines, and `"""` blocks that span lines. Keywords are
 * case-insensitive. Never fails: unknown lines are skipped.
 */
export function parseModelfile(text: string): ModelfileInstruction[] {
  const out: ModelfileInstruction[] = [];
  const line = /^[ \t]*([A-Za-z]+)[ \t]+/gm;
  let pos = 0;
  while (pos < text.length) {
    line.lastIndex = pos;
    const eol = text.indexOf('\n', pos);
    const end = eol === -1 ? text.length : eol;
    const m = line.exec(text);
    if (!m || m.index !== pos) {
      pos = end + 1;
      continue;
    }
    const keyword = (m[1] as string).toUpperCase();
    const kwStart = pos + m[0].indexOf(m[1] as string);
    const argsStart = pos + m[0].length;
    let argsEnd = end;
    // A """ block may continue over several lines.
    const rest = text.slice(argsStart, end);
    const open = rest.indexOf('"""');
    if (open !== -1 && rest.indexOf('"""', open + 3) === -1) {
      const close = text.indexOf('"""', argsStart + open + 3);
      argsEnd = close === -1 ? text.length : close + 3;
      const after = text.indexOf('\n', argsEnd);
      pos = after === -1 ? text.length : after + 1;
    } else {
      pos = end + 1;
    }
    let e = argsEnd;
    while (e > argsStart && /[ \t\r]/.test(text[e - 1] as string)) e--;
    out.push({ keyword, keywordSpan: { start: kwStart, end: kwStart + (m[1] as string).length }, args: text.slice(argsStart, e), argsSpan: { start: argsStart, end: e } });
  }
  return out;
}
