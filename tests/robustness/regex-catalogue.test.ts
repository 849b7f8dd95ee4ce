import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * Every built-in regular expression, pumped with long adversarial inputs: the literals in src/ and
 * rules/, and the patterns the code compiles at run time from the bundled data (src/data/*.json).
 * Inputs are runs of each character the pattern names (and of pairs of them), alone, after a
 * literal word of the pattern, or as a word repeated many times (so that every start position
 * scans to the end), ending in a character that makes the match fail. A pattern that backtracks
 * super-linearly (nested or adjacent quantifiers over the same characters, `\s+$` or `#.*$` on a
 * long line, a lazy run followed by a literal that never comes) blows the budget here instead of
 * on a stranger's repository.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const LENGTH = 30_000;
const BUDGET_MS = 100;
/**
 * Growing lengths, so an exponential pattern fails at twenty-odd characters and a cubic one at a
 * few hundred instead of running for hours at forty thousand: each step adds four characters
 * while an exponential would still be fast, then at most quadruples the length, so the first length
 * over budget costs a few times the budget, not hours.
 */
const LENGTHS = [8, 12, 16, 20, 24, 28, 32, 128, 512, 2048, 8192, LENGTH];
const TERMINATORS = ['\u0001', '\n\u0001'];

function* sources(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* sources(p);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) yield p;
  }
}

interface Pattern {
  file: string;
  where: string;
  re: RegExp;
}

const key = (p: Pattern): string => `${p.file} /${p.re.source}/`;

/**
 * Built-in patterns known to backtrack super-linearly on some long input, by file and source, not
 * yet rewritten. The list may only shrink: a new pattern that blows the budget fails the test, and
 * an entry that no longer names a pattern of the catalogue fails it too.
 */
const KNOWN_SLOW = new Set<string>([]);

function parsed(): ts.SourceFile[] {
  const out: ts.SourceFile[] = [];
  for (const dir of ['src', 'rules']) {
    for (const file of sources(join(ROOT, dir))) {
      out.push(ts.createSourceFile(relative(ROOT, file), readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true));
    }
  }
  return out;
}

function walk(sf: ts.SourceFile, visit: (n: ts.Node) => void): void {
  const stack: ts.Node[] = [sf];
  while (stack.length > 0) {
    const n = stack.pop() as ts.Node;
    visit(n);
    n.forEachChild((c) => {
      stack.push(c);
    });
  }
}

function literals(files: ts.SourceFile[]): Pattern[] {
  const out: Pattern[] = [];
  for (const sf of files) {
    walk(sf, (n) => {
      if (n.kind !== ts.SyntaxKind.RegularExpressionLiteral) return;
      const m = /^\/(.*)\/([a-z]*)$/s.exec(n.getText(sf)) as RegExpExecArray;
      const flags = (m[2] as string).replace(/[gy]/g, '');
      const line = sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
      out.push({ file: sf.fileName, where: `${sf.fileName}:${line}`, re: new RegExp(m[1] as string, flags) });
    });
  }
  return out;
}

const isNewRegExp = (n: ts.Node): n is ts.NewExpression => ts.isNewExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === 'RegExp';

/** The last property name of `d.gateways.hostPattern ?? '^$'`, `f.rejection`, `(e.pattern)`. */
function keyOf(e: ts.Expression | undefined): string | undefined {
  while (e) {
    if (ts.isParenthesizedExpression(e) || ts.isNonNullExpression(e) || ts.isAsExpression(e)) e = e.expression;
    else if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken) e = e.left;
    else if (ts.isPropertyAccessExpression(e)) return e.name.text;
    else return undefined;
  }
  return undefined;
}

function calleeName(n: ts.CallExpression): string | undefined {
  const c = n.expression;
  if (ts.isIdentifier(c)) return c.text;
  if (ts.isPropertyAccessExpression(c) && c.expression.kind === ts.SyntaxKind.ThisKeyword) return c.name.text;
  return undefined;
}

/**
 * The data keys whose values the code compiles: the property passed to `new RegExp(...)`, or to a
 * function that passes its own parameter (or the items of it) to `new RegExp`, such as
 * `const re = (list) => list.map((p) => new RegExp(p))` called as `re(f.python)`.
 */
function compiledKeys(files: ts.SourceFile[]): Set<string> {
  const wrappers = new Set<string>();
  for (const sf of files) {
    walk(sf, (n) => {
      if (!isNewRegExp(n)) return;
      const arg = n.arguments?.[0];
      if (!arg || !ts.isIdentifier(arg)) return;
      for (let p: ts.Node | undefined = n.parent; p; p = p.parent) {
        if (!ts.isFunctionLike(p)) continue;
        if (!p.parameters.some((q) => ts.isIdentifier(q.name) && q.name.text === arg.text)) continue;
        // The parameter of an inner callback (`(p) => new RegExp(p)`): the wrapper is the function
        // around it; else the function itself.
        let f: ts.Node | undefined = p;
        if (ts.isArrowFunction(p) && ts.isCallExpression(p.parent)) {
          for (f = p.parent; f && !ts.isFunctionLike(f); f = f.parent);
        }
        if (!f) break;
        const name =
          (ts.isFunctionDeclaration(f) || ts.isMethodDeclaration(f)) && f.name && ts.isIdentifier(f.name)
            ? f.name.text
            : ts.isVariableDeclaration(f.parent) && ts.isIdentifier(f.parent.name)
              ? f.parent.name.text
              : undefined;
        if (name) wrappers.add(name);
        break;
      }
    });
  }
  const keys = new Set<string>();
  for (const sf of files) {
    walk(sf, (n) => {
      let arg: ts.Expression | undefined;
      if (isNewRegExp(n)) arg = n.arguments?.[0];
      else if (ts.isCallExpression(n) && wrappers.has(calleeName(n) ?? '')) arg = n.arguments[0];
      if (arg && ts.isConditionalExpression(arg)) arg = arg.whenTrue;
      const k = keyOf(arg);
      if (k) keys.add(k);
    });
  }
  return keys;
}

/** Every string (or string in an array) under a compiled key of each src/data/*.json file. */
function dataPatterns(keys: Set<string>): Pattern[] {
  const out: Pattern[] = [];
  const dir = join(ROOT, 'src', 'data');
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
    const visit = (v: unknown, path: string): void => {
      if (Array.isArray(v))
        v.forEach((x, i) => {
          visit(x, `${path}[${i}]`);
        });
      else if (v && typeof v === 'object') {
        for (const [k, x] of Object.entries(v)) {
          const at = `${path}.${k}`;
          const strings = typeof x === 'string' ? [x] : Array.isArray(x) && x.every((s) => typeof s === 'string') ? (x as string[]) : [];
          if (keys.has(k)) {
            for (const s of strings) {
              // Both cases: the code compiles some keys with `i`, and case folding widens classes.
              for (const flags of ['', 'i']) {
                try {
                  out.push({ file: `src/data/${name}`, where: `src/data/${name} ${at}`, re: new RegExp(s, flags) });
                } catch {
                  // Not a pattern: a key of the same name elsewhere that holds plain text.
                }
              }
            }
          }
          visit(x, at);
        }
      }
    };
    visit(JSON.parse(readFileSync(join(dir, name), 'utf8')), '$');
  }
  return out;
}

/**
 * Characters worth repeating for a pattern: whitespace, word characters and common punctuation,
 * every character of its classes (`[?#]`), and the punctuation it names outside them (letters
 * and digits outside classes are literal text, which the words below cover).
 */
function alphabet(re: RegExp): string[] {
  const chars = new Set([' ', '\t', 'a', 'A', '0', '/', '-', '.', '_', ':', '"', "'", '*', '(', '\\']);
  const src = re.source;
  for (const m of src.matchAll(/\[((?:\\.|[^\]\\])*)\]/g)) {
    for (const ch of (m[1] as string).replace(/\\[a-zA-Z]/g, '')) if (ch.charCodeAt(0) < 127 && ch !== '\n') chars.add(ch);
  }
  for (const ch of src.replace(/\[(?:\\.|[^\]\\])*\]|\\[a-zA-Z]/g, '')) {
    if (ch.charCodeAt(0) < 127 && !/[\w\n]/.test(ch)) chars.add(ch);
  }
  return [...chars];
}

/**
 * The literal words of a pattern: the text it starts with (`import` in `^import\s+`, `#` in `#.*$`)
 * and every run of two or more literal characters inside it (`from` in `(?:import|from)\s+`).
 */
function words(re: RegExp): string[] {
  const out = new Set<string>();
  const lead = /^(?:\^|\\b|\(\?:)*((?:[A-Za-z0-9_@:=<>#!%&,;~`'" -]|\\[./()[\]{}*+?$^|\\-])*)/.exec(re.source);
  const first = (lead?.[1] ?? '').replace(/\\(.)/g, '$1');
  if (first) out.add(first);
  const src = re.source.replace(/\[(?:\\.|[^\]\\])*\]|\\[a-zA-Z]|\{\d*,?\d*\}/g, '\u0000');
  for (const m of src.matchAll(/(?:[A-Za-z0-9_@:=<>#!%&,;~`'" -]|\\[./()[\]{}*+?$^|\\-]){2,}/g)) {
    // A quantifier after the run applies to its last character only.
    const w = m[0].replace(/\\(.)/g, '$1');
    out.add(/[*+?{]/.test(src[m.index + m[0].length] ?? '') ? w.slice(0, -1) : w);
  }
  return [...out].filter((w) => w.length > 0).slice(0, 4);
}

function inputs(re: RegExp, n: number): string[] {
  const out: string[] = [];
  const ws = words(re);
  const chars = alphabet(re);
  // Pairs with a word character: `a.a.a.` for `(\w+\.)+`, `a a a` for `(\w+\s?)+`.
  const pairs = chars.filter((c) => !/[\w"'(*\\]/.test(c)).map((c) => `a${c}`.repeat(n / 2));
  const runs = [...chars.map((c) => c.repeat(n)), ...pairs];
  for (const term of TERMINATORS) {
    for (const run of runs) {
      out.push(run + term);
      for (const w of ws) out.push(w + run + term);
    }
    // A word over and over: each start position scans on to the end (`<!--[\s\S]*?-->`).
    for (const w of ws) {
      // Longer at the last length: a lazy run that scans to the end from every start is cheap per
      // character and only blows the budget past ten thousand.
      const k = Math.max(1, Math.floor((n === LENGTH ? Math.max(n, 40_000) : n) / w.length));
      out.push(w.repeat(k) + term, `${w} `.repeat(k) + term);
    }
  }
  return out;
}

function time(re: RegExp, input: string): number {
  const t0 = performance.now();
  re.test(input);
  return performance.now() - t0;
}

function worst(re: RegExp, retries: number): { ms: number; input: string } {
  let slowest = { ms: 0, input: '' };
  for (const n of LENGTHS) {
    for (const input of inputs(re, n)) {
      let ms = time(re, input);
      // A pause of the machine (another process, a collection) is not the pattern's doing.
      for (let retry = 0; ms > BUDGET_MS && retry < retries; retry++) ms = Math.min(ms, time(re, input));
      if (ms > slowest.ms) slowest = { ms, input: `${JSON.stringify(input.slice(0, 16))}… (${input.length} chars)` };
      if (ms > BUDGET_MS) return slowest;
    }
  }
  return slowest;
}

function slowOnes(patterns: Pattern[], retries = 2): string[] {
  return patterns
    .map((l) => ({ ...l, ...worst(l.re, retries) }))
    .filter((l) => l.ms > BUDGET_MS)
    .map((l) => `${l.where} /${l.re.source}/${l.re.flags} ${Math.round(l.ms)} ms on ${l.input}`);
}

describe('built-in regular expressions run in linear time on long input', () => {
  const files = parsed();
  const all = literals(files);
  const keys = compiledKeys(files);
  const data = dataPatterns(keys);

  it('finds the catalogue', () => {
    expect(all.length).toBeGreaterThan(300);
    // Keys the code is known to compile from the data; the walk must at least see these.
    for (const k of ['pattern', 'namePattern', 'hostHints', 'rejection', 'disabledWhen', 'patterns', 'python', 'ts']) {
      expect(keys).toContain(k);
    }
    expect(data.length).toBeGreaterThan(100);
    const present = new Set([...all, ...data].map(key));
    expect([...KNOWN_SLOW].filter((k) => !present.has(k))).toEqual([]);
  });

  it('generates the known bad shapes', () => {
    // The generator itself: each of these backtracks super-linearly and must be caught.
    const bad = [/[ \t\r]+$/, /\/+$/, /\s*\*\/\s*$/, /#.*$/, /@.*$/, /[?#].*$/, /import\s+\w*\s+from/, /^(a+)+$/, /<!--[\s\S]*?-->/, /(\w+\.)+x/];
    const caught = slowOnes(
      bad.map((re) => ({ file: 'known', where: 'known', re })),
      0,
    );
    expect(caught.length).toBe(bad.length);
  }, 120_000);

  it(`every literal in src/ and rules/ matches ${LENGTH}-character adversarial inputs within ${BUDGET_MS} ms`, () => {
    expect(slowOnes(all.filter((p) => !KNOWN_SLOW.has(key(p))))).toEqual([]);
  }, 600_000);

  it(`every pattern compiled from src/data/*.json matches ${LENGTH}-character adversarial inputs within ${BUDGET_MS} ms`, () => {
    expect(slowOnes(data.filter((p) => !KNOWN_SLOW.has(key(p))))).toEqual([]);
  }, 600_000);
});
