import { describe, expect, it } from 'vitest';
import { isMap, isScalar, isSeq, parseAllDocuments, type Document } from 'yaml';
import { FileModel, ParserHost } from '../../src/model/file-model.js';
import { parseJson } from '../../src/parse/json.js';
import { Grammars } from '../../src/parse/tree-sitter.js';
import type { FileKind } from '../../src/types.js';

const host = new ParserHost(await Grammars.load());
const model = (path: string, kind: FileKind, text: string): FileModel => new FileModel(path, `/repo/${path}`, kind, text, host);

/** Every node of a document as `type range value`, in document order, walked with a stack. */
function shape(doc: Document.Parsed): string[] {
  const out: string[] = [];
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0) {
    const n = stack.pop() as { range?: number[] } | null;
    if (n === null) continue;
    const r = n.range ? `${n.range[0]}-${n.range[1]}` : '?';
    if (isScalar(n)) out.push(`scalar ${r} ${JSON.stringify(n.value)} ${n.type}`);
    else if (isMap(n)) {
      out.push(`map ${r}`);
      for (let i = n.items.length - 1; i >= 0; i--) stack.push(n.items[i]?.value ?? null, n.items[i]?.key ?? null);
    } else if (isSeq(n)) {
      out.push(`seq ${r}`);
      for (let i = n.items.length - 1; i >= 0; i--) stack.push(n.items[i] ?? null);
    }
  }
  return out;
}

describe('JSON parser', () => {
  const text = '{\n  "model": "gpt-4o",\n  "esc\\u00e9": "a\\"b\\n",\n  "n": [1, -2.5e3, true, false, null, {}, []]\n}\n';

  it('gives the nodes, values and ranges the YAML parse of the same JSON gives', () => {
    const r = parseJson(text);
    expect(r.error).toBeUndefined();
    const yaml = parseAllDocuments(text)[0] as Document.Parsed;
    expect(shape(r.document as Document.Parsed)).toEqual(shape(yaml));
    expect(shape(r.document as Document.Parsed)).toContain('scalar 13-21 "gpt-4o" QUOTE_DOUBLE');
  });

  it('reads comments and trailing commas where allowed, positions kept', () => {
    const jsonc = '{\n  // the model\n  "model": /* pinned? */ "gpt-4o",\n  "list": [1, 2,],\n}\n';
    const r = parseJson(jsonc, { comments: true, trailingCommas: true });
    const nodes = shape(r.document as Document.Parsed);
    const at = jsonc.indexOf('"gpt-4o"');
    expect(nodes).toContain(`scalar ${at}-${at + 8} "gpt-4o" QUOTE_DOUBLE`);
    expect(nodes.filter((x) => x.startsWith('scalar')).map((x) => x.split(' ')[2])).toEqual(['"model"', '"gpt-4o"', '"list"', '1', '2']);
  });

  it('reports comments and trailing commas where they are not allowed, at their position', () => {
    expect(parseJson('{"a": 1 // no\n}').error).toEqual({ message: expect.stringMatching(/^comments are not allowed/), offset: 8 });
    expect(parseJson('[1, 2,]').error).toEqual({ message: expect.stringMatching(/^expected a value/), offset: 6 });
    expect(parseJson('{"a": 1,}').error).toEqual({ message: expect.stringMatching(/^expected a property name/), offset: 8 });
  });

  it('reports the first syntax error with its offset', () => {
    expect(parseJson('{"a" 1}').error?.offset).toBe(5);
    expect(parseJson('{"a": 1 "b": 2}').error?.message).toMatch(/^expected ','/);
    expect(parseJson('{"a": [1, 2}').error?.offset).toBe(11);
    expect(parseJson('[1, 2').error?.message).toMatch(/^expected '\]'/);
    expect(parseJson('{"a": "open').error?.message).toMatch(/^unterminated string/);
    expect(parseJson("{'a': 1}").error?.offset).toBe(1);
    expect(parseJson('1 2').error?.message).toMatch(/^expected the end of the file/);
  });

  it('an empty file is a document without contents', () => {
    expect(parseJson('  \n').document?.contents).toBeNull();
    expect(parseJson('// nothing\n', { comments: true }).document?.contents).toBeNull();
  });

  it('reads JSON nested 100k deep without running out of stack', () => {
    const deep = `${'{"a": ['.repeat(100_000)}"gpt-4o"${']}'.repeat(100_000)}`;
    const r = parseJson(deep);
    expect(r.error).toBeUndefined();
    let n: unknown = r.document?.contents;
    let depth = 0;
    while (isMap(n) || isSeq(n)) {
      n = isMap(n) ? n.items[0]?.value : n.items[0];
      depth++;
    }
    expect(depth).toBe(200_000);
    expect(isScalar(n) && n.value).toBe('gpt-4o');
    expect(isScalar(n) && n.range?.[0]).toBe(deep.indexOf('"gpt-4o"'));
  });
});

describe('JSON files in the file model', () => {
  it('a .json config with comments and trailing commas parses, with exact positions', () => {
    const text = '{\n  /* settings */\n  "llm": { "model": "gpt-4o", },\n}\n';
    const f = model('config/settings.json', 'json-config', text);
    const y = f.yaml();
    expect(f.notices).toEqual([]);
    const doc = y?.documents[0] as Document.Parsed;
    const v = y?.getIn(y.root(doc), ['llm', 'model']);
    expect(v && f.range(y?.span(v) ?? { start: 0, end: 0 }).start).toEqual({ line: 3, column: 21 });
  });

  it('package.json with a comment is a parse error at the comment', () => {
    const f = model('package.json', 'package-json', '{\n  "name": "app", // main\n  "version": "1.0.0"\n}\n');
    f.yaml();
    expect(f.notices.map((n) => `${n.range?.start.line}:${n.range?.start.column} ${n.message}`)).toEqual([
      '2:18 could not parse JSON: comments are not allowed in this file (InvalidCommentToken); the file was not checked',
    ]);
  });

  it('a broken .json config gives one parse-error notice with the position', () => {
    const f = model('config/bad.json', 'json-config', '{\n  "a": 1\n  "b": 2\n}\n');
    f.yaml();
    expect(f.notices.map((n) => `${n.range?.start.line}:${n.range?.start.column} ${n.message}`)).toEqual([
      "3:3 could not parse JSON: expected ',' between items (CommaExpected); the file was not checked",
    ]);
  });
});
