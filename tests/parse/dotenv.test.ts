import { describe, expect, it } from 'vitest';
import { parseDotenv, type DotenvEntry } from '../../src/parse/dotenv.js';
import { LineIndex } from '../../src/util/line-index.js';

function where(text: string, span: { start: number; end: number }): string {
  const r = new LineIndex(text).range(span.start, span.end);
  return `${r.start.line}:${r.start.column}-${r.end.line}:${r.end.column}`;
}

function byKey(entries: DotenvEntry[], key: string): DotenvEntry {
  const e = entries.find((x) => x.key === key);
  expect(e, key).toBeDefined();
  return e as DotenvEntry;
}

describe('parseDotenv', () => {
  const text = `# OpenAI-compatible endpoint
OPENAI_API_KEY=sk-test-123
export MODEL_NAME="gpt-4o-2024-08-06" # pinned
  SPACED = value with spaces   # comment
EMPTY=
SINGLE='it is $NOT_EXPANDED'
HASH=abc#def
URL=http://localhost:8000/v1
BT=\`tick\`
MULTI="line one
line two"
AFTER_MULTI=1
NOT A KEY=1
JUSTTEXT
dotted.key-name=ok
`;
  const entries = parseDotenv(text);

  it('reads keys in order, skipping comments and lines that are not assignments', () => {
    expect(entries.map((e) => e.key)).toEqual(['OPENAI_API_KEY', 'MODEL_NAME', 'SPACED', 'EMPTY', 'SINGLE', 'HASH', 'URL', 'BT', 'MULTI', 'AFTER_MULTI', 'dotted.key-name']);
  });

  it('reads unquoted values up to a comment, trailing space removed', () => {
    expect(byKey(entries, 'OPENAI_API_KEY').value).toBe('sk-test-123');
    expect(byKey(entries, 'SPACED').value).toBe('value with spaces');
    // "#" without a space before it is part of the value
    expect(byKey(entries, 'HASH').value).toBe('abc#def');
    expect(byKey(entries, 'URL').value).toBe('http://localhost:8000/v1');
    expect(byKey(entries, 'EMPTY').value).toBe('');
  });

  it('removes quotes, keeps single-quoted text as is, and reads multi-line values', () => {
    expect(byKey(entries, 'MODEL_NAME').value).toBe('gpt-4o-2024-08-06');
    expect(byKey(entries, 'SINGLE').value).toBe('it is $NOT_EXPANDED');
    expect(byKey(entries, 'BT').value).toBe('tick');
    expect(byKey(entries, 'MULTI').value).toBe('line one\nline two');
    expect(byKey(entries, 'AFTER_MULTI').value).toBe('1');
  });

  it('gives key and value spans, the value without its quotes', () => {
    expect(where(text, byKey(entries, 'OPENAI_API_KEY').keySpan)).toBe('2:1-2:15');
    expect(where(text, byKey(entries, 'OPENAI_API_KEY').valueSpan)).toBe('2:16-2:27');
    const model = byKey(entries, 'MODEL_NAME');
    expect(where(text, model.keySpan)).toBe('3:8-3:18');
    expect(where(text, model.valueSpan)).toBe('3:20-3:37');
    const spaced = byKey(entries, 'SPACED');
    expect(where(text, spaced.keySpan)).toBe('4:3-4:9');
    expect(text.slice(spaced.valueSpan.start, spaced.valueSpan.end)).toBe('value with spaces');
    expect(where(text, byKey(entries, 'EMPTY').valueSpan)).toBe('5:7-5:7');
    expect(where(text, byKey(entries, 'MULTI').valueSpan)).toBe('10:8-11:9');
  });

  it('handles escapes in double quotes in one pass', () => {
    const t = 'WIN_PATH="C:\\\\new\\\\models"\nQUOTED="say \\"hi\\""\nNL="a\\nb"\nTRAILING_BACKSLASH="dir\\\\"\nNEXT=still-read\n';
    const e = parseDotenv(t);
    expect(e.map((x) => [x.key, x.value])).toEqual([
      ['WIN_PATH', 'C:\\new\\models'],
      ['QUOTED', 'say "hi"'],
      ['NL', 'a\nb'],
      // the closing quote after an escaped backslash ends the value
      ['TRAILING_BACKSLASH', 'dir\\'],
      ['NEXT', 'still-read'],
    ]);
  });

  it('ends an unterminated quote at the end of its line', () => {
    const t = 'BROKEN="oops\nNEXT=1\n';
    expect(parseDotenv(t).map((x) => [x.key, x.value])).toEqual([
      ['BROKEN', 'oops'],
      ['NEXT', '1'],
    ]);
  });

  it('reads CRLF files without the carriage returns', () => {
    const t = 'A=1\r\nB="two"\r\nC=three # note\r\nD="unterminated\r\nE=5\r\n';
    const e = parseDotenv(t);
    expect(e.map((x) => [x.key, x.value])).toEqual([
      ['A', '1'],
      ['B', 'two'],
      ['C', 'three'],
      ['D', 'unterminated'],
      ['E', '5'],
    ]);
    expect(where(t, (e[2] as DotenvEntry).valueSpan)).toBe('3:3-3:8');
  });

  it('gives nothing for empty and comment-only files', () => {
    expect(parseDotenv('')).toEqual([]);
    expect(parseDotenv('# just a comment\n\n   \n')).toEqual([]);
  });

  it('counts columns in UTF-16 code units after non-ASCII values', () => {
    const t = 'GREETING="héllo 🙂" LATER=x\nNAME=café\n';
    const e = parseDotenv(t);
    expect(byKey(e, 'GREETING').value).toBe('héllo 🙂');
    expect(where(t, byKey(e, 'GREETING').valueSpan)).toBe('1:11-1:19');
    expect(where(t, byKey(e, 'NAME').valueSpan)).toBe('2:6-2:10');
  });
});
