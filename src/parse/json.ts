import { Document, Pair, Scalar, YAMLMap, YAMLSeq } from 'yaml';

/**
 * Strict JSON read straight into the YAML node shapes the rules walk (maps, sequences, scalars
 * with source ranges), without the YAML library's lexer and composer. JSON is YAML, so the nodes
 * are what the YAML parse would give; but that parse took 65 s and 2 GB for a 23 MB JSON file
 * (about 3 µs and 90 bytes for every byte), where this builds only the nodes. Returns undefined for anything that is not strict JSON (comments, trailing
 * commas, a syntax error, nesting deeper than `MAX_DEPTH`): the YAML parse then decides, and
 * reports its errors with positions.
 */
const MAX_DEPTH = 512;

class NotJson extends Error {}

export function parseJsonDocument(text: string): Document.Parsed | undefined {
  let i = 0;
  const n = text.length;
  const fail = (): never => {
    throw new NotJson();
  };
  const ws = (): void => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 10 || c === 13 || c === 9) i++;
      else break;
    }
  };
  const string = (): Scalar => {
    const start = i;
    i++; // opening quote
    let escaped = false;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 34) break;
      if (c === 92) {
        escaped = true;
        i += 2;
        continue;
      }
      if (c < 32) fail();
      i++;
    }
    if (i >= n) fail();
    i++; // closing quote
    const raw = text.slice(start, i);
    const s = new Scalar(escaped ? (JSON.parse(raw) as string) : raw.slice(1, -1));
    s.type = 'QUOTE_DOUBLE';
    s.range = [start, i, i];
    return s;
  };
  const NUMBER = /-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;
  const value = (depth: number): Scalar | YAMLMap | YAMLSeq => {
    if (depth > MAX_DEPTH) fail();
    ws();
    const c = text.charCodeAt(i);
    const start = i;
    if (c === 34) return string();
    if (c === 123) {
      i++;
      const map = new YAMLMap();
      map.flow = true;
      ws();
      if (text.charCodeAt(i) === 125) i++;
      else {
        for (;;) {
          ws();
          if (text.charCodeAt(i) !== 34) fail();
          const key = string();
          ws();
          if (text.charCodeAt(i) !== 58) fail();
          i++;
          map.items.push(new Pair(key, value(depth + 1)));
          ws();
          const d = text.charCodeAt(i++);
          if (d === 125) break;
          if (d !== 44) fail();
        }
      }
      map.range = [start, i, i];
      return map;
    }
    if (c === 91) {
      i++;
      const seq = new YAMLSeq();
      seq.flow = true;
      ws();
      if (text.charCodeAt(i) === 93) i++;
      else {
        for (;;) {
          seq.items.push(value(depth + 1));
          ws();
          const d = text.charCodeAt(i++);
          if (d === 93) break;
          if (d !== 44) fail();
        }
      }
      seq.range = [start, i, i];
      return seq;
    }
    let v: unknown;
    if (text.startsWith('true', i)) v = true;
    else if (text.startsWith('false', i)) v = false;
    else if (text.startsWith('null', i)) v = null;
    else {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(text);
      if (!m || m[0].length === 0) fail();
      v = Number((m as RegExpExecArray)[0]);
    }
    const len = v === true || v === null ? 4 : v === false ? 5 : (NUMBER.lastIndex - i);
    i += len;
    const s = new Scalar(v);
    s.type = 'PLAIN';
    s.source = text.slice(start, i);
    s.range = [start, i, i];
    return s;
  };
  try {
    if (text.charCodeAt(0) === 0xfeff) i = 1;
    const root = value(0);
    ws();
    if (i !== n) return undefined;
    const doc = new Document() as Document.Parsed;
    doc.contents = root as Document.Parsed['contents'];
    (doc as { range: [number, number, number] }).range = [0, n, n];
    return doc;
  } catch (e) {
    if (e instanceof NotJson || e instanceof SyntaxError) return undefined;
    throw e;
  }
}
