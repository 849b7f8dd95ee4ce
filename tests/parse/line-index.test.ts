import { describe, expect, it } from 'vitest';
import { LineIndex } from '../../src/util/line-index.js';
import { composeMaps, mapByLines, SegmentMap, shiftedMap } from '../../src/util/text-map.js';

describe('LineIndex', () => {
  const text = 'services:\n  vllm:\n    image: vllm/vllm-openai\n';
  const idx = new LineIndex(text);

  it('counts a line after the final newline', () => {
    expect(idx.lineCount).toBe(4);
    expect(new LineIndex('').lineCount).toBe(1);
    expect(new LineIndex('a').lineCount).toBe(1);
    expect(new LineIndex('a\n').lineCount).toBe(2);
  });

  it('turns offsets into 1-based line and column', () => {
    expect(idx.position(0)).toEqual({ line: 1, column: 1 });
    // the newline ending line 1 is its 10th column
    expect(idx.position(9)).toEqual({ line: 1, column: 10 });
    expect(idx.position(10)).toEqual({ line: 2, column: 1 });
    // "v" of "vllm/vllm-openai": line 3, after 4 spaces and "image: "
    expect(idx.position(text.indexOf('vllm/'))).toEqual({ line: 3, column: 12 });
    expect(idx.position(text.length)).toEqual({ line: 4, column: 1 });
  });

  it('clamps offsets outside the text', () => {
    expect(idx.position(-5)).toEqual({ line: 1, column: 1 });
    expect(idx.position(10_000)).toEqual({ line: 4, column: 1 });
    const noNewline = new LineIndex('ab\ncd');
    expect(noNewline.position(99)).toEqual({ line: 2, column: 3 });
  });

  it('makes ranges with an exclusive end and never an end before the start', () => {
    const start = text.indexOf('vllm/');
    expect(idx.range(start, start + 'vllm/vllm-openai'.length)).toEqual({
      start: { line: 3, column: 12 },
      end: { line: 3, column: 28 },
    });
    expect(idx.range(12, 3)).toEqual({ start: { line: 2, column: 3 }, end: { line: 2, column: 3 } });
  });

  it('counts columns in UTF-16 code units', () => {
    // "é" is one code unit, "🙂" is two (a surrogate pair)
    const t = 'name: café 🙂 x\n';
    const li = new LineIndex(t);
    expect(li.position(t.indexOf('x'))).toEqual({ line: 1, column: 15 });
    expect(li.position(t.indexOf('🙂'))).toEqual({ line: 1, column: 12 });
    expect(li.offset({ line: 1, column: 15 })).toBe(t.indexOf('x'));
  });

  it('handles CRLF line endings', () => {
    const t = 'a: 1\r\nbb: 2\r\n';
    const li = new LineIndex(t);
    expect(li.lineCount).toBe(3);
    expect(li.position(6)).toEqual({ line: 2, column: 1 });
    expect(li.lineStart(2)).toBe(6);
    // the line ends before "\r\n"
    expect(li.lineEnd(1)).toBe(4);
    expect(li.lineEnd(2)).toBe(11);
    expect(li.lineText(2)).toBe('bb: 2');
    expect(li.lineText(3)).toBe('');
  });

  it('converts positions back to offsets, clamped to the line', () => {
    expect(idx.offset({ line: 3, column: 12 })).toBe(text.indexOf('vllm/'));
    // column past the end of line 2 ("  vllm:" has 7 characters) → the end of line 2
    expect(idx.offset({ line: 2, column: 50 })).toBe(17);
    expect(idx.offset({ line: 0, column: 3 })).toBe(2);
    expect(idx.offset({ line: 99, column: 1 })).toBe(text.length);
    expect(idx.offset({ line: 1, column: 0 })).toBe(0);
  });

  it('round-trips every offset of a mixed text', () => {
    const t = 'x: "é"\r\n\ty: 🙂🙂\nlast';
    const li = new LineIndex(t);
    for (let o = 0; o <= t.length; o++) {
      const p = li.position(o);
      // offsets of "\r" map to the end of their line, which offset() clamps to
      const back = li.offset(p);
      if (t[o] === '\n' && t[o - 1] === '\r') expect(back).toBe(o - 1);
      else expect(back).toBe(o);
    }
  });

  it('gives line starts, ends and text, clamped to the file', () => {
    expect(idx.lineStart(1)).toBe(0);
    expect(idx.lineStart(3)).toBe(18);
    expect(idx.lineStart(0)).toBe(0);
    expect(idx.lineStart(100)).toBe(text.length);
    expect(idx.lineText(3)).toBe('    image: vllm/vllm-openai');
    expect(idx.lineEnd(4)).toBe(text.length);
  });
});

describe('offset maps', () => {
  it('shiftedMap adds a base', () => {
    expect(shiftedMap(40).toSource(0)).toBe(40);
    expect(shiftedMap(40).toSource(7)).toBe(47);
  });

  it('SegmentMap maps within segments and clamps between them', () => {
    const m = new SegmentMap(
      [
        { from: 10, to: 110, length: 5 },
        { from: 0, to: 50, length: 4 },
      ],
      999,
    );
    expect(m.toSource(0)).toBe(50);
    expect(m.toSource(3)).toBe(53);
    // past the first segment's length, before the second one starts: its end
    expect(m.toSource(7)).toBe(54);
    expect(m.toSource(12)).toBe(112);
    expect(m.toSource(30)).toBe(115);
    expect(new SegmentMap([], 999).toSource(4)).toBe(999);
    // before the first segment: that segment's start
    expect(new SegmentMap([{ from: 5, to: 70, length: 3 }], 0).toSource(1)).toBe(70);
  });

  it('composeMaps applies the inner map first', () => {
    const outer = shiftedMap(100);
    const inner = shiftedMap(3);
    expect(composeMaps(outer, inner).toSource(2)).toBe(105);
  });

  it('mapByLines maps each line of a block scalar to its place in the file', () => {
    const source = 'run: |\n  pip install vllm\n    --upgrade\n  vllm serve x\n';
    const value = 'pip install vllm\n  --upgrade\nvllm serve x\n';
    const start = source.indexOf('\n') + 1;
    const m = mapByLines(value, source, start, source.length);
    expect(m.toSource(0)).toBe(source.indexOf('pip'));
    expect(m.toSource(value.indexOf('--upgrade'))).toBe(source.indexOf('--upgrade'));
    expect(m.toSource(value.indexOf('serve'))).toBe(source.indexOf('serve'));
  });

  it('mapByLines handles folded lines and a closing quote on the last line', () => {
    const source = 'command: "vllm serve\n  --port 8000"\n';
    // a double-quoted scalar folded over two lines
    const value = 'vllm serve --port 8000';
    const start = source.indexOf('"') + 1;
    const m = mapByLines(value, source, start, source.lastIndexOf('"') + 1);
    expect(m.toSource(0)).toBe(start);
    expect(m.toSource(value.indexOf('--port'))).toBe(source.indexOf('--port'));
    expect(m.toSource(value.indexOf('8000'))).toBe(source.indexOf('8000'));
  });

  it('mapByLines ignores CR before LF', () => {
    const source = 'run: |\r\n  echo a\r\n  echo b\r\n';
    const value = 'echo a\necho b\n';
    const m = mapByLines(value, source, source.indexOf('\n') + 1, source.length);
    expect(m.toSource(value.indexOf('echo b'))).toBe(source.indexOf('echo b'));
    expect(m.toSource(value.indexOf('a'))).toBe(source.indexOf('a\r'));
  });
});
