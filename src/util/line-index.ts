import type { Position, Range } from '../types.js';

/**
 * Converts UTF-16 offsets of a text to 1-based line/column positions and back.
 * The only place where offsets become positions: every parse adapter goes through it.
 */
export class LineIndex {
  /** Offset of the first character of every line. */
  private readonly starts: number[];

  constructor(private readonly text: string) {
    const starts = [0];
    for (let i = 0; i < text.length; i++) {
      if (text.charCodeAt(i) === 10) starts.push(i + 1);
    }
    this.starts = starts;
  }

  get lineCount(): number {
    return this.starts.length;
  }

  position(offset: number): Position {
    const o = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] as number) <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: o - (this.starts[lo] as number) + 1 };
  }

  range(start: number, end: number): Range {
    return { start: this.position(start), end: this.position(Math.max(start, end)) };
  }

  /** Offset of a 1-based position (clamped to the line). */
  offset(pos: Position): number {
    const line = Math.max(1, Math.min(pos.line, this.starts.length));
    const start = this.starts[line - 1] as number;
    const lineEnd = this.lineEnd(line);
    return Math.min(start + Math.max(0, pos.column - 1), lineEnd);
  }

  /** Offset of the first character of a 1-based line. */
  lineStart(line: number): number {
    return this.starts[Math.max(0, Math.min(line - 1, this.starts.length - 1))] as number;
  }

  /** Offset just past the last character of a 1-based line (before `\r\n` or `\n`). */
  lineEnd(line: number): number {
    if (line >= this.starts.length) return this.text.length;
    let end = (this.starts[line] as number) - 1;
    if (end > this.lineStart(line) && this.text.charCodeAt(end - 1) === 13) end--;
    return end;
  }

  lineText(line: number): string {
    return this.text.slice(this.lineStart(line), this.lineEnd(line));
  }
}
