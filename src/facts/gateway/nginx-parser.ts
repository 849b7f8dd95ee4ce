import type { Span } from '../../types.js';
import { shiftedMap, type OffsetMap } from '../../util/text-map.js';

/** One argument of an nginx directive: its value (quotes and escapes removed) and where it is. */
export interface NginxArg {
  value: string;
  span: Span;
  quoted: boolean;
}

/** A directive (`limit_req zone=api burst=5;`) or a block (`location /v1/ { ... }`). */
export interface NginxDirective {
  name: string;
  nameSpan: Span;
  args: NginxArg[];
  /** From the name to the `;` or the closing `}`. */
  span: Span;
  /** The children of a block directive; undefined for simple directives. */
  block?: NginxDirective[];
  /** Raw text of a `*_by_lua_block { ... }` body (Lua, not nginx syntax). */
  lua?: string;
  /** The file the directive is written in (after `include` resolution it may differ from the includer). */
  file: string;
}

export interface NginxParseResult {
  directives: NginxDirective[];
  /** First syntax problem, if any; the directives before it (and after, where recoverable) are kept. */
  error?: { message: string; span: Span };
}

interface Token {
  value: string;
  start: number;
  end: number;
  quoted: boolean;
  /** `;`, `{` or `}` outside quotes. */
  punct: boolean;
}

/**
 * Splits nginx configuration text into tokens, the way nginx's own lexer does
 * (ngx_conf_read_token): words, single- and double-quoted strings with backslash escapes,
 * `${var}` inside words, `#` comments, and `;` `{` `}`.
 */
class Lexer {
  pos = 0;

  constructor(private readonly text: string) {}

  next(): Token | undefined {
    const t = this.text;
    for (;;) {
      while (this.pos < t.length && /\s/.test(t[this.pos] as string)) this.pos++;
      if (this.pos >= t.length) return undefined;
      if (t[this.pos] === '#') {
        while (this.pos < t.length && t[this.pos] !== '\n') this.pos++;
        continue;
      }
      break;
    }
    const start = this.pos;
    const c = t[start] as string;
    if (c === ';' || c === '{' || c === '}') {
      this.pos++;
      return { value: c, start, end: this.pos, quoted: false, punct: true };
    }
    if (c === '"' || c === "'") {
      let value = '';
      let i = start + 1;
      while (i < t.length && t[i] !== c) {
        if (t[i] === '\\' && i + 1 < t.length) {
          const n = t[i + 1] as string;
          // nginx keeps the backslash except before the quote, `\\`, and t/r/n escapes.
          value += n === c || n === '\\' ? n : n === 'n' ? '\n' : n === 't' ? '\t' : n === 'r' ? '\r' : `\\${n}`;
          i += 2;
          continue;
        }
        value += t[i];
        i++;
      }
      this.pos = Math.min(i + 1, t.length);
      return { value, start, end: this.pos, quoted: true, punct: false };
    }
    let value = '';
    let i = start;
    while (i < t.length) {
      const ch = t[i] as string;
      if (/\s/.test(ch) || ch === ';' || ch === '{' || ch === '}') {
        // `${name}` is a variable, not a block.
        if (ch === '{' && t[i - 1] === '$') {
          const close = t.indexOf('}', i);
          if (close !== -1) {
            value += t.slice(i, close + 1);
            i = close + 1;
            continue;
          }
        }
        break;
      }
      if (ch === '\\' && i + 1 < t.length) {
        value += t[i + 1];
        i += 2;
        continue;
      }
      value += ch;
      i++;
    }
    this.pos = i;
    return { value, start, end: i, quoted: false, punct: false };
  }

  /** Skips a Lua block body after its `{`, honouring Lua strings, comments and nested braces. */
  luaBody(): { text: string; start: number; end: number } | undefined {
    const t = this.text;
    const start = this.pos;
    let depth = 1;
    let i = start;
    while (i < t.length) {
      const ch = t[i] as string;
      if (ch === '-' && t[i + 1] === '-') {
        const long = /^--\[(=*)\[/.exec(t.slice(i, i + 20));
        if (long) {
          const close = t.indexOf(`]${long[1]}]`, i);
          i = close === -1 ? t.length : close + (long[1] as string).length + 2;
        } else {
          while (i < t.length && t[i] !== '\n') i++;
        }
        continue;
      }
      if (ch === '"' || ch === "'") {
        i++;
        while (i < t.length && t[i] !== ch) i += t[i] === '\\' ? 2 : 1;
        i++;
        continue;
      }
      if (ch === '[') {
        const long = /^\[(=*)\[/.exec(t.slice(i, i + 20));
        if (long) {
          const close = t.indexOf(`]${long[1]}]`, i);
          i = close === -1 ? t.length : close + (long[1] as string).length + 2;
          continue;
        }
      }
      if (ch === '{') depth++;
      else if (ch === '}') {
        depth--;
        if (depth === 0) {
          this.pos = i + 1;
          return { text: t.slice(start, i), start, end: i + 1 };
        }
      }
      i++;
    }
    return undefined;
  }
}

/**
 * Parses nginx (and OpenResty) configuration into a tree of directives with positions.
 * `map` takes offsets in `text` to offsets in `file` (for configuration embedded in another
 * file, such as a Kubernetes ConfigMap); by default they are the same.
 */
export function parseNginx(text: string, file: string, map: OffsetMap = shiftedMap(0)): NginxParseResult {
  const lexer = new Lexer(text);
  const span = (start: number, end: number): Span => ({ start: map.toSource(start), end: map.toSource(end) });
  let error: NginxParseResult['error'];
  const fail = (message: string, start: number, end: number): void => {
    error ??= { message, span: span(start, end) };
  };

  /** Past MAX_BLOCK_DEPTH a block's contents are skipped to its closing brace, with a loop. */
  const skipBlock = (): { list: NginxDirective[]; closed: boolean; end: number } => {
    let open = 1;
    for (let tok = lexer.next(); tok; tok = lexer.next()) {
      if (!tok.punct) continue;
      if (tok.value === '{') open++;
      else if (tok.value === '}' && --open === 0) return { list: [], closed: true, end: tok.end };
    }
    return { list: [], closed: false, end: text.length };
  };

  const parseBlock = (depth: number): { list: NginxDirective[]; closed: boolean; end: number } => {
    if (depth > MAX_BLOCK_DEPTH) {
      const at = lexer.pos;
      fail(`blocks nested more than ${MAX_BLOCK_DEPTH} deep; the innermost were not read`, at, at);
      return skipBlock();
    }
    const list: NginxDirective[] = [];
    let args: Token[] = [];
    for (;;) {
      const tok = lexer.next();
      if (!tok) {
        if (args.length > 0) {
          const first = args[0] as Token;
          fail(`directive "${first.value}" is not terminated by ";"`, first.start, (args[args.length - 1] as Token).end);
        }
        return { list, closed: false, end: text.length };
      }
      if (tok.punct && tok.value === '}') {
        if (args.length > 0) {
          const first = args[0] as Token;
          fail(`directive "${first.value}" is not terminated by ";"`, first.start, tok.end);
        }
        if (depth === 0) {
          fail('unexpected "}"', tok.start, tok.end);
          continue;
        }
        return { list, closed: true, end: tok.end };
      }
      if (tok.punct && (tok.value === ';' || tok.value === '{')) {
        if (args.length === 0) {
          if (tok.value === '{') {
            // An anonymous block: parse and drop it to stay in step.
            fail('block without a directive name', tok.start, tok.end);
            parseBlock(depth + 1);
          }
          continue;
        }
        const [name, ...rest] = args as [Token, ...Token[]];
        const d: NginxDirective = {
          name: name.value,
          nameSpan: span(name.start, name.end),
          args: rest.map((a) => ({ value: a.value, span: span(a.start, a.end), quoted: a.quoted })),
          span: span(name.start, tok.end),
          file,
        };
        if (tok.value === '{') {
          if (name.value.endsWith('_by_lua_block')) {
            const body = lexer.luaBody();
            if (!body) {
              fail(`unterminated "${name.value}"`, name.start, text.length);
              d.span = span(name.start, text.length);
              d.lua = text.slice(tok.end);
              d.block = [];
              list.push(d);
              return { list, closed: false, end: text.length };
            }
            d.lua = body.text;
            d.block = [];
            d.span = span(name.start, body.end);
          } else {
            const inner = parseBlock(depth + 1);
            d.block = inner.list;
            d.span = span(name.start, inner.end);
            if (!inner.closed) {
              fail(`block "${name.value}" is not closed by "}"`, name.start, name.end);
              list.push(d);
              return { list, closed: false, end: text.length };
            }
          }
        }
        list.push(d);
        args = [];
        continue;
      }
      args.push(tok);
    }
  };

  const { list } = parseBlock(0);
  return error ? { directives: list, error } : { directives: list };
}

/** Blocks nested deeper than this are not read (real configurations nest five or six deep). */
export const MAX_BLOCK_DEPTH = 100;

/** Every directive of a tree, depth first, with its chain of enclosing blocks. */
export function* walkNginx(list: NginxDirective[], parents: NginxDirective[] = []): Generator<{ d: NginxDirective; parents: NginxDirective[] }> {
  const stack: Array<{ d: NginxDirective; parents: NginxDirective[] }> = [];
  for (let i = list.length - 1; i >= 0; i--) stack.push({ d: list[i] as NginxDirective, parents });
  while (stack.length > 0) {
    const top = stack.pop() as { d: NginxDirective; parents: NginxDirective[] };
    yield top;
    const block = top.d.block;
    if (!block) continue;
    const inner = [...top.parents, top.d];
    for (let i = block.length - 1; i >= 0; i--) stack.push({ d: block[i] as NginxDirective, parents: inner });
  }
}
