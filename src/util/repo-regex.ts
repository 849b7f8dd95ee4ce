import { RE2JS } from 're2js';

/**
 * A regular expression written in a scanned repository (an nginx `location ~`, an Envoy
 * `safe_regex`, a Traefik `PathRegexp`), compiled for RE2 semantics: matching takes time linear in
 * the input whatever the pattern, so a pattern such as `^/v1/(a+)+$` cannot stall a scan. RE2 has
 * no backreferences and no lookaround; a pattern that uses them (PCRE allows both) is not
 * compiled, and the caller gets the reason instead.
 */
export type RepoRegex = { ok: true; test: (input: string) => boolean } | { ok: false; reason: string };

export interface RepoRegexOptions {
  /** nginx `~*`, a Kubernetes ingress `use-regex` path, a host name pattern. */
  caseInsensitive?: boolean;
  /**
   * Evaluate lookaheads outside RE2 (Next.js matchers are JavaScript regular expressions, and
   * `/((?!_next/static|favicon.ico).*)` is their most common form): see `splitLookaheads`.
   */
  lookahead?: boolean;
}

const cache = new Map<string, RepoRegex>();

/** Compiles once per pattern and flags; later calls with the same pair get the same result. */
export function repoRegex(source: string, opts: RepoRegexOptions = {}): RepoRegex {
  const key = `${opts.caseInsensitive ? 'i' : '-'}${opts.lookahead ? 'l' : '-'}${source}`;
  let hit = cache.get(key);
  if (!hit) {
    hit = compile(source, opts);
    cache.set(key, hit);
  }
  return hit;
}

function compile(source: string, opts: RepoRegexOptions): RepoRegex {
  try {
    const re = RE2JS.compile(source, opts.caseInsensitive ? RE2JS.CASE_INSENSITIVE : 0);
    return { ok: true, test: (input) => re.test(input) };
  } catch (e) {
    const reason = unsupportedReason(e);
    if (opts.lookahead && reason.startsWith('lookaround')) return withLookaheads(source, opts) ?? { ok: false, reason };
    return { ok: false, reason };
  }
}

/** Inputs longer than this are taken not to match a pattern with lookaheads (the test is cubic in the length). */
export const LOOKAHEAD_INPUT_LIMIT = 256;

type Part = { kind: 'text'; text: string } | { kind: 'look'; negative: boolean; text: string };

/**
 * A whole-string pattern (`^...$`) whose lookaheads stand at its top level, or inside plain groups
 * that are neither repeated nor hold an alternative of their own, as a sequence: text, lookahead,
 * text, ... (the groups around a lookahead are dropped, which changes no verdict). Undefined for
 * any other shape: a lookbehind, a lookahead inside a repeated group or an alternative, a word
 * boundary or inner anchor that would read a piece of the input as the whole.
 */
export function splitLookaheads(source: string): Part[] | undefined {
  if (!source.startsWith('^') || !source.endsWith('$')) return undefined;
  // An odd run of backslashes before the last `$` escapes it: the pattern is not anchored there.
  let slashes = 0;
  for (let j = source.length - 2; j >= 0 && source[j] === '\\'; j--) slashes++;
  if (slashes % 2 === 1) return undefined;
  const body = source.slice(1, -1);
  interface Group {
    start: number;
    open: number;
    look?: boolean;
    negative?: boolean;
    alt: boolean;
    end?: number;
    parent?: Group;
    kids: Group[];
  }
  const top: Group = { start: -1, open: 0, alt: false, kids: [] };
  let cur = top;
  let inClass = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '\\') {
      if (!inClass && /[bBAzZ]/.test(body[i + 1] ?? '')) return undefined;
      i++;
    } else if (inClass) {
      if (c === ']') inClass = false;
    } else if (c === '[') {
      inClass = true;
      if (body[i + 1] === '^') i++;
      if (body[i + 1] === ']') i++;
    } else if (c === '^' || c === '$') {
      return undefined;
    } else if (c === '(') {
      const rest = body.slice(i, i + 4);
      if (rest.startsWith('(?<=') || rest.startsWith('(?<!')) return undefined;
      const named = /^\(\?P?<[A-Za-z_]\w*>/.exec(body.slice(i, i + 256));
      const open = rest.startsWith('(?!') || rest.startsWith('(?=') || rest.startsWith('(?:') ? 3 : named ? named[0].length : body[i + 1] === '?' ? -1 : 1;
      if (open < 0) return undefined;
      const g: Group = { start: i, open, alt: false, kids: [], parent: cur };
      if (rest.startsWith('(?!') || rest.startsWith('(?=')) {
        g.look = true;
        g.negative = rest.startsWith('(?!');
      }
      cur.kids.push(g);
      cur = g;
      i += open - 1;
    } else if (c === ')') {
      if (!cur.parent) return undefined;
      cur.end = i;
      cur = cur.parent;
    } else if (c === '|') {
      cur.alt = true;
    }
  }
  if (cur !== top || inClass) return undefined;
  const quantified = (g: Group): boolean => '*+?{'.includes(body[(g.end as number) + 1] ?? '-');
  // Which groups to drop: every plain group with a lookahead somewhere inside it.
  const dropped = new Set<Group>();
  const looks: Group[] = [];
  const visit = (g: Group, around: Group[]): boolean => {
    for (const k of g.kids) {
      if (k.look) {
        for (const a of [g, ...around]) if (a !== top && (a.look || a.alt || quantified(a))) return false;
        if (top.alt || g.look) return false;
        if (k.kids.some((x) => x.look)) return false;
        looks.push(k);
        for (const a of [g, ...around]) if (a !== top) dropped.add(a);
      } else if (!visit(k, [g, ...around])) return false;
    }
    return true;
  };
  if (!visit(top, [])) return undefined;
  const parts: Part[] = [];
  let text = '';
  let i = 0;
  const opens = new Map<number, Group>();
  for (const g of [...dropped, ...looks]) opens.set(g.start, g);
  const closes = new Set([...dropped].map((g) => g.end as number));
  while (i < body.length) {
    const g = opens.get(i);
    if (g?.look) {
      parts.push({ kind: 'text', text });
      text = '';
      parts.push({ kind: 'look', negative: !!g.negative, text: body.slice(i + 3, g.end) });
      i = (g.end as number) + 1;
    } else if (g) {
      i += g.open;
    } else if (closes.has(i)) {
      i++;
    } else {
      text += body[i];
      i++;
    }
  }
  parts.push({ kind: 'text', text });
  return parts;
}

/**
 * A pattern with lookaheads (see `splitLookaheads`), each piece compiled with RE2 and the whole
 * tested by position: the first text piece must match a prefix of the input, each lookahead must
 * (or must not) match at the position reached, and the last text piece must end the input.
 */
function withLookaheads(source: string, opts: RepoRegexOptions): RepoRegex | undefined {
  const parts = splitLookaheads(source);
  if (!parts) return undefined;
  const flags = opts.caseInsensitive ? RE2JS.CASE_INSENSITIVE : 0;
  const pieces: Array<{ look: boolean; negative: boolean; re: ReturnType<typeof RE2JS.compile> }> = [];
  try {
    for (const p of parts) {
      const re = RE2JS.compile(p.kind === 'look' ? `^(?:${p.text})` : `^(?:${p.text})$`, flags);
      pieces.push({ look: p.kind === 'look', negative: p.kind === 'look' && p.negative, re });
    }
  } catch {
    return undefined;
  }
  const test = (input: string): boolean => {
    if (input.length > LOOKAHEAD_INPUT_LIMIT) return false;
    let reach = new Set([0]);
    for (const p of pieces) {
      const next = new Set<number>();
      for (const at of reach) {
        if (p.look) {
          if (p.re.test(input.slice(at)) !== p.negative) next.add(at);
        } else {
          for (let end = at; end <= input.length; end++) if (p.re.test(input.slice(at, end))) next.add(end);
        }
      }
      reach = next;
      if (reach.size === 0) return false;
    }
    return reach.has(input.length);
  };
  return { ok: true, test };
}

/** RE2's parse error in words: `lookaround ((?=, (?!, (?<=, (?<!) is not supported`. */
function unsupportedReason(e: unknown): string {
  const text = e instanceof Error ? e.message.replace(/^error parsing regexp: /, '') : String(e);
  if (text.includes('(?=') || text.includes('(?!') || text.includes('(?<')) return `lookaround is not supported (${text})`;
  if (text.includes('invalid escape sequence: `\\') && /`\\\d/.test(text)) return `backreferences are not supported (${text})`;
  return text;
}

/** True when the pattern compiles and matches somewhere in the input; a pattern RE2 rejects matches nothing. */
export function repoRegexMatches(source: string, input: string, opts: RepoRegexOptions = {}): boolean {
  const re = repoRegex(source, opts);
  return re.ok && re.test(input);
}
