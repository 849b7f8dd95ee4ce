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
