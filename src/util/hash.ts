import { createHash } from 'node:crypto';

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

const BLOCK_SIZE = 100;
const MOD = 37;
const TWO32 = 2 ** 32;
/** 37^100 mod 2^64, as two 32-bit halves. */
const [FIRST_HI, FIRST_LO] = (() => {
  let m = 1n;
  for (let i = 0; i < BLOCK_SIZE; i++) m = (m * 37n) & ((1n << 64n) - 1n);
  return [Number(m >> 32n), Number(m & 0xffffffffn)];
})();

/**
 * GitHub code scanning's `primaryLocationLineHash` for every line of `text`, computed exactly
 * as github/codeql-action's upload-sarif does (a base-37 rolling hash, mod 2^64, over the next
 * 100 characters from the start of each line, skipping spaces and tabs, CR/CRLF read as LF;
 * `:n` counts earlier lines with the same hash). Returns the hash of each 1-based line.
 * The 64-bit arithmetic uses two 32-bit halves in doubles (every intermediate stays below 2^53).
 * With `wanted`, only those lines are kept, and the pass stops once they are all hashed (a line's
 * hash depends on the lines before it and the 100 characters after its start, not on the rest).
 */
export function lineHashes(text: string, wanted?: ReadonlySet<number>): Map<number, string> {
  const out = new Map<number, string>();
  let done = false;
  const window: number[] = new Array(BLOCK_SIZE).fill(0);
  const lineNumbers: number[] = new Array(BLOCK_SIZE).fill(-1);
  const counts = new Map<string, number>();
  let hi = 0;
  let lo = 0;
  let index = 0;
  let lineNumber = 0;
  let lineStart = true;
  let prevCR = false;

  const outputHash = (): void => {
    const value = hi === 0 ? lo.toString(16) : hi.toString(16) + lo.toString(16).padStart(8, '0');
    const n = (counts.get(value) ?? 0) + 1;
    counts.set(value, n);
    const line = lineNumbers[index] as number;
    if (!wanted || wanted.has(line)) {
      out.set(line, `${value}:${n}`);
      if (wanted && out.size === wanted.size) done = true;
    }
    lineNumbers[index] = -1;
  };
  const update = (current: number): void => {
    const begin = window[index] as number;
    window[index] = current;
    // hash = 37 * hash + current - FIRST * begin  (mod 2^64)
    let l = lo * MOD + current;
    let h = hi * MOD + Math.floor(l / TWO32);
    l %= TWO32;
    const subLo = FIRST_LO * begin;
    const subHi = FIRST_HI * begin + Math.floor(subLo / TWO32);
    l -= subLo % TWO32;
    if (l < 0) {
      l += TWO32;
      h -= 1;
    }
    h = (h - (subHi % TWO32)) % TWO32;
    if (h < 0) h += TWO32;
    lo = l;
    hi = h;
    index = (index + 1) % BLOCK_SIZE;
  };
  const processChar = (c: number): void => {
    let current = c;
    if (current === 32 || current === 9 || (prevCR && current === 10)) {
      prevCR = false;
      return;
    }
    if (current === 13) {
      current = 10;
      prevCR = true;
    } else {
      prevCR = false;
    }
    if (lineNumbers[index] !== -1) outputHash();
    if (lineStart) {
      lineStart = false;
      lineNumber++;
      lineNumbers[index] = lineNumber;
    }
    if (current === 10) lineStart = true;
    update(current);
  };

  if (wanted && wanted.size === 0) return out;
  for (let i = 0; i < text.length && !done; i++) processChar(text.charCodeAt(i));
  if (done) return out;
  processChar(65535);
  for (let i = 0; i < BLOCK_SIZE; i++) {
    if (lineNumbers[index] !== -1) outputHash();
    update(0);
  }
  return out;
}
