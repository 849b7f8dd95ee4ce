import type { FileKind } from '../types.js';
import { hasGeneratorHeader } from './roles.js';

/**
 * Minified, bundled and generated code: files a tool wrote, which nobody reviews and whose fix
 * belongs in their source. They are skipped, not scanned, because they are large and say nothing
 * about how the repository deploys models (a bundle repeats its dependencies' code). The signals
 * are the ones GitHub's linguist (`lib/linguist/generated.rb`) and linters' ignore lists use: the
 * file name, a generator's header, a source-map comment at the end, a bundler's runtime, and
 * lines of packed code. Every check reads a bounded sample of the text, never parses it.
 */
export type GeneratedKind = 'minified' | 'generated';

/** `app.min.js`, `vendor.bundle.js`, `index.min.mjs`. */
const MINIFIED_NAME = /\.(min|bundle)\.[cm]?jsx?$/i;

/** The first bytes looked at for packed lines and bundler markers. */
const HEAD_SAMPLE = 64 * 1024;
/** The last bytes looked at for a source-map comment. */
const TAIL_SAMPLE = 2 * 1024;
/** A line at least this long may be packed code (linguist calls a JS file minified past an average of 110). */
const LONG_LINE = 500;

/** `//# sourceMappingURL=...` or `/*# sourceMappingURL=... *\/` on one of the last lines. */
const SOURCE_MAP_COMMENT = /^\/[*/][#@] source(Mapping)?URL=/;
/** Bundler runtimes: webpack's bootstrap banner and chunk loader, Parcel, Browserify, esbuild's helpers. */
const BUNDLER_MARKERS: readonly RegExp[] = [
  /^\/\*{6}\/ /m, // webpack: `/******/ (() => { // webpackBootstrap`
  /\(\s*(self|this|window|globalThis)\s*(\.|\[\s*["'])webpackChunk[\w$]*["']?\s*\]?\s*=/, // webpack chunk: `(self.webpackChunkapp = self.webpackChunkapp || []).push(`
  /\bwebpackJsonp[\w$]*\s*=\s*\w+\.webpackJsonp/,
  /\bparcelRequire\s*=\s*\(function/,
  /^\(function\(\)\{function [a-z]\(e,n,t\)\{function o\(i,f\)/m, // Browserify prelude
];
/** esbuild writes `// node_modules/pkg/file.js` before each module it inlines, after its helpers. */
const ESBUILD_HELPERS = /^var __(defProp|create|commonJS|toESM) = /m;
const ESBUILD_MODULE_COMMENT = /^\/\/ (node_modules|src|lib)\/\S+\.[cm]?[jt]sx?$/gm;

export interface GeneratedVerdict {
  kind: GeneratedKind;
  /** Which signal decided, in a few words ("a .min.js name", "a generator's header"). */
  signal: string;
}

/** String literals (single-line), so a long string constant does not count as packed code. */
const STRING_LITERAL = /"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`/g;

/**
 * True when a long line is packed code: what is left once string literals are taken out is still
 * long and dense with statement separators and braces. A long string constant, a data array of
 * numbers or an object literal of data is none of these.
 */
function isPackedLine(line: string): boolean {
  if (line.length < LONG_LINE) return false;
  const code = line.replace(STRING_LITERAL, '""');
  if (code.length < LONG_LINE) return false;
  let semis = 0;
  let braces = 0;
  for (let i = 0; i < code.length; i++) {
    const c = code.charCodeAt(i);
    if (c === 59)
      semis++; // ;
    else if (c === 123 || c === 125 || c === 40 || c === 41) braces++; // { } ( )
  }
  return semis * 150 >= code.length && braces * 40 >= code.length;
}

/** Characters of the sample that are in packed lines, of all its characters. */
function packedShare(sample: string): { packed: number; total: number } {
  let packed = 0;
  let start = 0;
  while (start < sample.length) {
    const nl = sample.indexOf('\n', start);
    const end = nl < 0 ? sample.length : nl;
    if (end - start >= LONG_LINE && isPackedLine(sample.slice(start, end))) packed += end - start;
    start = end + 1;
  }
  return { packed, total: sample.length };
}

function tailHasSourceMap(text: string): boolean {
  const tail = text.slice(Math.max(0, text.length - TAIL_SAMPLE)).trimEnd();
  const lines = tail.split('\n').slice(-2);
  return lines.some((l) => SOURCE_MAP_COMMENT.test(l.trim()));
}

/** A minified name alone, decided before the file is read. */
export function minifiedByName(path: string): boolean {
  return MINIFIED_NAME.test(path);
}

/**
 * Why a source file is minified, bundled or generated, or undefined when it is ordinary source.
 * Data and config files are never judged here: they have their own size cap.
 */
export function generatedVerdict(path: string, kind: FileKind, text: string): GeneratedVerdict | undefined {
  if (kind === 'typescript') {
    if (minifiedByName(path)) return { kind: 'minified', signal: 'a minified or bundle file name' };
    const head = text.length > HEAD_SAMPLE ? text.slice(0, HEAD_SAMPLE) : text;
    if (BUNDLER_MARKERS.some((m) => m.test(head))) return { kind: 'minified', signal: "a bundler's runtime" };
    if (ESBUILD_HELPERS.test(head) && (head.match(ESBUILD_MODULE_COMMENT)?.length ?? 0) >= 3) return { kind: 'minified', signal: "a bundler's runtime" };
    const { packed, total } = packedShare(head);
    if (packed > 0 && tailHasSourceMap(text)) return { kind: 'minified', signal: 'packed lines and a source map comment' };
    if (packed > 0 && packed * 2 >= total) return { kind: 'minified', signal: 'lines of packed code' };
  }
  if (hasGeneratorHeader(text)) return { kind: 'generated', signal: "a generator's header" };
  return undefined;
}
