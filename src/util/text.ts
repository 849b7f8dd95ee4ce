/**
 * Linear-time stand-ins for end-anchored regular expressions (`/\/+$/`, `/@.*$/`): V8 tries such
 * a pattern at every start position and scans to the end from each, which is quadratic on a long
 * run of the repeated character. Each helper returns exactly what the `replace` it names returns.
 */

const isLineTerminator = (c: number): boolean => c === 10 || c === 13 || c === 0x2028 || c === 0x2029;

/** `s.replace(/[chars]+$/, '')`: `s` without its trailing run of any of `chars`. */
export function trimTrailing(s: string, chars: string): string {
  let end = s.length;
  while (end > 0 && chars.includes(s[end - 1] as string)) end--;
  return end === s.length ? s : s.slice(0, end);
}

/** Where the last line of `s` starts (after its last line terminator): `.` in `/x.*$/` stops at one. */
function lastLineStart(s: string): number {
  let i = s.length;
  while (i > 0 && !isLineTerminator(s.charCodeAt(i - 1))) i--;
  return i;
}

/** `s.replace(/[chars].*$/, '')`: `s` cut at the first of `chars` on its last line. */
export function cutAtAny(s: string, chars: string): string {
  for (let i = lastLineStart(s); i < s.length; i++) if (chars.includes(s[i] as string)) return s.slice(0, i);
  return s;
}

/** `s.replace(/marker.*$/, '')` for a literal marker (`::`, `()`): `s` cut where the marker first starts on its last line. */
export function cutAt(s: string, marker: string): string {
  const i = s.indexOf(marker, lastLineStart(s));
  return i < 0 ? s : s.slice(0, i);
}

const isWordCode = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;

/** `/([A-Za-z_]\w*)$/.exec(s)?.[1]`: the identifier `s` ends with (`create` in `client.chat.create`). */
export function trailingIdentifier(s: string): string | undefined {
  let start = s.length;
  while (start > 0 && isWordCode(s.charCodeAt(start - 1))) start--;
  for (let i = start; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return s.slice(i);
  }
  return undefined;
}

/** `RegExp` source matching `s` literally. */
export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * `s.replace(/OPEN[^C]*C/g, by)` for a one-character close `C`, and `s.replace(/OPEN[\s\S]*?CLOSE/g, by)`
 * for a longer one: each `open` up to the first `close` after it. The regular expression scans from
 * every `open` to the end when no `close` follows (`{{{{…`); this stops at the first such `open`.
 */
export function replaceEnclosed(s: string, open: string, close: string, by: string | ((match: string) => string)): string {
  let out = '';
  let from = 0;
  for (let i = s.indexOf(open); i !== -1; i = s.indexOf(open, from)) {
    const j = s.indexOf(close, i + open.length);
    if (j === -1) break;
    const end = j + close.length;
    out += s.slice(from, i) + (typeof by === 'string' ? by : by(s.slice(i, end)));
    from = end;
  }
  return from === 0 ? s : out + s.slice(from);
}

/**
 * `s.replace(/\(\?P<([^>]+)>[^)]*\)/g, '<$1>')`: each Python named group `(?P<id>\d+)` replaced by
 * `<id>`. The name runs to the first `>` after `(?P<`, the group to the first `)` after that.
 */
export function replaceNamedGroups(s: string): string {
  let out = '';
  let from = 0;
  for (let i = s.indexOf('(?P<'); i !== -1; ) {
    const gt = s.indexOf('>', i + 4);
    if (gt === -1) break;
    if (gt === i + 4) {
      i = s.indexOf('(?P<', i + 1);
      continue;
    }
    const close = s.indexOf(')', gt + 1);
    // No `)` after this name: none after any later one either.
    if (close === -1) break;
    out += `${s.slice(from, i)}<${s.slice(i + 4, gt)}>`;
    from = close + 1;
    i = s.indexOf('(?P<', from);
  }
  return from === 0 ? s : out + s.slice(from);
}

/**
 * `s.replace(/\{[^}:]+:([^}]+)\}/g, '$1')`: each `{name:pattern}` placeholder (Traefik's
 * `HostRegexp`) replaced by its pattern; `{name}` alone and `{:x}`, `{x:}` stay as they are.
 */
export function unwrapPlaceholders(s: string): string {
  let out = '';
  let from = 0;
  for (let i = s.indexOf('{'); i !== -1; ) {
    let j = i + 1;
    while (j < s.length && s[j] !== '}' && s[j] !== ':') j++;
    if (j === s.length) break;
    if (s[j] === ':' && j > i + 1) {
      const k = s.indexOf('}', j + 1);
      if (k === -1) break;
      if (k > j + 1) {
        out += s.slice(from, i) + s.slice(j + 1, k);
        from = k + 1;
        i = s.indexOf('{', from);
        continue;
      }
    }
    // A `{` between here and `j` stops at the same `}` or `:` and fails the same way.
    i = s.indexOf('{', j + 1);
  }
  return from === 0 ? s : out + s.slice(from);
}

const isSpace = (c: string): boolean => /\s/.test(c);

/**
 * `s.replace(/\s+#.*$/, '')` for a one-character marker: `s` cut before the first marker on its
 * last line that follows whitespace, and before that whitespace (which may reach back over line ends).
 */
export function cutAtSpacedMarker(s: string, marker: string): string {
  for (let h = s.indexOf(marker, lastLineStart(s)); h !== -1; h = s.indexOf(marker, h + 1)) {
    if (h === 0 || !isSpace(s[h - 1] as string)) continue;
    let p = h - 1;
    while (p > 0 && isSpace(s[p - 1] as string)) p--;
    return s.slice(0, p);
  }
  return s;
}

/** `s.replace(/\s*SUFFIX$/, '')` for a literal suffix: `s` without a trailing `suffix` and the whitespace before it. */
export function trimSuffix(s: string, suffix: string): string {
  return s.endsWith(suffix) ? s.slice(0, s.length - suffix.length).trimEnd() : s;
}
