import { createScanner, printParseErrorCode, type JSONScanner } from 'jsonc-parser';
import { Document, Pair, Scalar, YAMLMap, YAMLSeq } from 'yaml';

/**
 * JSON read into the YAML node shapes the rules walk (maps, sequences, scalars with source
 * ranges), without the YAML library's lexer and composer: JSON is YAML, so the nodes are what
 * the YAML parse would give, but that parse took 65 s and 2 GB for a 23 MB JSON file. The tokens
 * (strings and their escapes, numbers, comments) come from jsonc-parser's scanner; the nesting is
 * kept on an explicit stack, so a file nested 100,000 deep is read like a flat one.
 */

export interface JsonOptions {
  /** `//` and `/* *\/` comments are allowed (VS Code settings, dev containers); otherwise each is an error. */
  comments?: boolean;
  /** A comma before a closing `}` or `]` is allowed. */
  trailingCommas?: boolean;
}

export interface JsonProblem {
  message: string;
  /** Where the problem is, an offset into the text. */
  offset: number;
}

export type JsonResult = { document: Document.Parsed; error?: undefined } | { document?: undefined; error: JsonProblem };

// jsonc-parser's SyntaxKind, ScanError and ParseErrorCode are `const enum`s: their values, named here.
const T = {
  openBrace: 1,
  closeBrace: 2,
  openBracket: 3,
  closeBracket: 4,
  comma: 5,
  colon: 6,
  null: 7,
  true: 8,
  false: 9,
  string: 10,
  number: 11,
  lineComment: 12,
  blockComment: 13,
  lineBreak: 14,
  trivia: 15,
  unknown: 16,
  eof: 17,
} as const;

const E = {
  invalidSymbol: 1,
  invalidNumberFormat: 2,
  propertyNameExpected: 3,
  valueExpected: 4,
  colonExpected: 5,
  commaExpected: 6,
  closeBraceExpected: 7,
  closeBracketExpected: 8,
  endOfFileExpected: 9,
  invalidCommentToken: 10,
  unexpectedEndOfComment: 11,
  unexpectedEndOfString: 12,
  unexpectedEndOfNumber: 13,
  invalidUnicode: 14,
  invalidEscapeCharacter: 15,
  invalidCharacter: 16,
} as const;

/** A ScanError of the scanner → the ParseErrorCode it is reported as (jsonc-parser's own mapping). */
const SCAN_ERRORS: Record<number, number> = {
  1: E.unexpectedEndOfComment,
  2: E.unexpectedEndOfString,
  3: E.unexpectedEndOfNumber,
  4: E.invalidUnicode,
  5: E.invalidEscapeCharacter,
  6: E.invalidCharacter,
};

const MESSAGES: Record<number, string> = {
  [E.invalidSymbol]: 'unexpected character',
  [E.invalidNumberFormat]: 'invalid number',
  [E.propertyNameExpected]: 'expected a property name in double quotes',
  [E.valueExpected]: 'expected a value',
  [E.colonExpected]: "expected ':' after the property name",
  [E.commaExpected]: "expected ',' between items",
  [E.closeBraceExpected]: "expected '}'",
  [E.closeBracketExpected]: "expected ']'",
  [E.endOfFileExpected]: 'expected the end of the file after the value',
  [E.invalidCommentToken]: 'comments are not allowed in this file',
  [E.unexpectedEndOfComment]: 'unterminated comment',
  [E.unexpectedEndOfString]: 'unterminated string',
  [E.unexpectedEndOfNumber]: 'unterminated number',
  [E.invalidUnicode]: 'invalid \\u escape in a string',
  [E.invalidEscapeCharacter]: 'invalid escape in a string',
  [E.invalidCharacter]: 'control character in a string',
};

class JsonError extends Error {
  constructor(
    readonly code: number,
    readonly offset: number,
  ) {
    super(printParseErrorCode(code as Parameters<typeof printParseErrorCode>[0]));
  }
}

/** One open `{` or `[`: its node, where it starts, and for a map the key of the value being read. */
interface Open {
  node: YAMLMap | YAMLSeq;
  start: number;
  map: boolean;
  key?: Scalar;
}

type Want = 'value' | 'firstValue' | 'nextValue' | 'firstKey' | 'nextKey' | 'colon' | 'after';

/**
 * Parses a JSON text into one YAML document. The first syntax error ends the parse and is
 * returned with its offset; an empty text (or one of comments only) is a document without contents.
 */
export function parseJson(text: string, opts: JsonOptions = {}): JsonResult {
  const n = text.length;
  const scanner: JSONScanner = createScanner(text, false);
  if (text.charCodeAt(0) === 0xfeff) scanner.setPosition(1);
  let kind: number = T.eof;
  let at = 0;
  let end = 0;
  const fail = (code: number, offset = at): never => {
    throw new JsonError(code, offset);
  };
  const next = (): void => {
    for (;;) {
      kind = scanner.scan();
      at = scanner.getTokenOffset();
      end = at + scanner.getTokenLength();
      const err = scanner.getTokenError();
      if (err !== 0) fail(SCAN_ERRORS[err] ?? E.invalidSymbol);
      if (kind === T.lineBreak || kind === T.trivia) continue;
      if (kind === T.lineComment || kind === T.blockComment) {
        if (!opts.comments) fail(E.invalidCommentToken);
        continue;
      }
      if (kind === T.unknown) fail(E.invalidSymbol);
      return;
    }
  };
  const scalar = (): Scalar => {
    let s: Scalar;
    if (kind === T.string) {
      s = new Scalar(scanner.getTokenValue());
      s.type = 'QUOTE_DOUBLE';
    } else {
      const raw = text.slice(at, end);
      s = new Scalar(kind === T.number ? Number(raw) : kind === T.true ? true : kind === T.false ? false : null);
      s.type = 'PLAIN';
      s.source = raw;
    }
    s.range = [at, end, end];
    return s;
  };

  let root: Scalar | YAMLMap | YAMLSeq | null = null;
  const stack: Open[] = [];
  /** Puts a value where the innermost open collection (or the document) expects it. */
  const place = (v: Scalar | YAMLMap | YAMLSeq): void => {
    const top = stack[stack.length - 1];
    if (!top) root = v;
    else if (top.map) (top.node as YAMLMap).items.push(new Pair(top.key, v));
    else (top.node as YAMLSeq).items.push(v);
  };
  const close = (): void => {
    const top = stack.pop() as Open;
    top.node.range = [top.start, end, end];
  };

  try {
    let want: Want = 'value';
    next();
    if (kind === T.eof) return { document: documentOf(null, n) };
    for (;;) {
      switch (want) {
        case 'value':
        case 'firstValue':
        case 'nextValue':
          if (kind === T.closeBracket && (want === 'firstValue' || (want === 'nextValue' && opts.trailingCommas))) {
            close();
            want = 'after';
            break;
          }
          if (kind === T.openBrace || kind === T.openBracket) {
            const map = kind === T.openBrace;
            const node = map ? new YAMLMap() : new YAMLSeq();
            node.flow = true;
            place(node);
            stack.push({ node, start: at, map });
            want = map ? 'firstKey' : 'firstValue';
            break;
          }
          if (kind === T.string || kind === T.number || kind === T.true || kind === T.false || kind === T.null) {
            place(scalar());
            want = 'after';
            break;
          }
          return fail(E.valueExpected);
        case 'firstKey':
        case 'nextKey':
          if (kind === T.closeBrace && (want === 'firstKey' || opts.trailingCommas)) {
            close();
            want = 'after';
            break;
          }
          if (kind !== T.string) return fail(E.propertyNameExpected);
          (stack[stack.length - 1] as Open).key = scalar();
          want = 'colon';
          break;
        case 'colon':
          if (kind !== T.colon) return fail(E.colonExpected);
          want = 'value';
          break;
        case 'after': {
          const top = stack[stack.length - 1];
          if (!top) {
            if (kind !== T.eof) fail(E.endOfFileExpected);
            return { document: documentOf(root, n) };
          }
          if (kind === T.comma) want = top.map ? 'nextKey' : 'nextValue';
          else if (kind === (top.map ? T.closeBrace : T.closeBracket)) close();
          else if (kind === T.eof) fail(top.map ? E.closeBraceExpected : E.closeBracketExpected);
          else fail(E.commaExpected);
          break;
        }
      }
      next();
    }
  } catch (e) {
    if (!(e instanceof JsonError)) throw e;
    return { error: { message: `${MESSAGES[e.code] ?? 'syntax error'} (${e.message})`, offset: e.offset } };
  }
}

function documentOf(root: Scalar | YAMLMap | YAMLSeq | null, n: number): Document.Parsed {
  const doc = new Document() as Document.Parsed;
  doc.contents = root as Document.Parsed['contents'];
  (doc as { range: [number, number, number] }).range = [0, n, n];
  return doc;
}
