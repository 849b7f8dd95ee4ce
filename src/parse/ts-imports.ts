import type { ts } from 'ts-morph';
import { tsc } from './ts-morph.js';
import { packageSpecifier } from './typescript.js';

/** How many tokens one import clause may take before the scan gives up (and the file is parsed). */
const MAX_CLAUSE_TOKENS = 4_000;

/**
 * The modules a TS/JS file imports, read with the compiler's scanner instead of its parser: the
 * same set as `TsModule.imports()` gives (import declarations that bind a name, with Deno-style
 * specifiers read as package names), at a fraction of a parse. The repository index asks every
 * file which modules it imports, and most files are never parsed otherwise.
 *
 * Only the prologue is scanned token by token: directives, import declarations and re-exports
 * at the top of the file. Undefined (parse the file instead) when the answer could differ from
 * the parser's: `require` or `import x = require()` anywhere, ambient modules or namespaces
 * (whose bodies may hold imports), an `import` that looks like a declaration after the prologue
 * (even in a string or JSX text: parsing settles it), or a clause the scan cannot follow.
 */
export function scanImportModules(text: string, jsx: boolean): Set<string> | undefined {
  if (/\brequire\s*\(/.test(text) || /\bimport\s+[\w$]+\s*=/.test(text) || /\bdeclare\s+(module|global)\b|\b(namespace|module)\s+[\w$.]+\s*\{/.test(text)) return undefined;
  const scanner = tsc.createScanner(tsc.ScriptTarget.Latest, true, jsx ? tsc.LanguageVariant.JSX : tsc.LanguageVariant.Standard, text);
  const K = tsc.SyntaxKind;
  const out = new Set<string>();
  let tok: ts.SyntaxKind = scanner.scan();
  const next = (): ts.SyntaxKind => (tok = scanner.scan());
  const kind = (): ts.SyntaxKind => tok;
  // Skips to the `from "module"` that ends a clause; the module, or undefined when the clause ends otherwise.
  const fromModule = (): { module: string; binds: boolean } | undefined => {
    let binds = false;
    let tokens = 0;
    let leadingType = false;
    for (; tokens < MAX_CLAUSE_TOKENS; tokens++) {
      if (kind() === K.EndOfFileToken || kind() === K.SemicolonToken) return undefined;
      if (kind() === K.FromKeyword) {
        if (next() === K.StringLiteral) {
          // `import type from "x"` imports a default named `type`.
          return { module: scanner.getTokenValue(), binds: binds || (leadingType && tokens === 1) };
        }
        // `import { from } from "x"`: that `from` was a name; the token after it is read next.
        binds = true;
        continue;
      }
      // Any name in the clause binds something, except a leading `type` that modifies it
      // (`import type { A } from`) and the `as` of a rename.
      if (kind() === K.TypeKeyword && tokens === 0) leadingType = true;
      else if (kind() === K.Identifier || kind() === K.AsteriskToken || (kind() >= K.FirstKeyword && kind() <= K.LastKeyword && kind() !== K.AsKeyword)) binds = true;
      next();
    }
    return undefined;
  };
  for (;;) {
    if (kind() === K.EndOfFileToken) return out;
    if (kind() === K.StringLiteral) {
      // A directive ("use client").
      if (next() === K.SemicolonToken) next();
      continue;
    }
    if (kind() === K.ImportKeyword) {
      const after = next();
      if (after === K.OpenParenToken || after === K.DotToken) break;
      if (after === K.StringLiteral) {
        // `import "./styles.css"` binds nothing.
        if (next() === K.SemicolonToken) next();
        continue;
      }
      const clause = fromModule();
      if (!clause) return undefined;
      if (clause.binds) out.add(packageSpecifier(clause.module));
      // Import attributes (`with { type: "json" }`) are not followed: parse instead.
      if (next() === K.WithKeyword || kind() === K.AssertKeyword) return undefined;
      if (kind() === K.SemicolonToken) next();
      continue;
    }
    if (kind() === K.ExportKeyword) {
      const start = scanner.getTokenStart();
      next();
      if (kind() === K.TypeKeyword) {
        next();
        if (kind() !== K.OpenBraceToken) return lateImports(text, start) ? undefined : out;
      }
      if (kind() === K.AsteriskToken) {
        // `export * from "x"`, `export * as ns from "x"`
        next();
        if (kind() === K.AsKeyword) next(), next();
      } else if (kind() === K.OpenBraceToken) {
        // `export { a, b as c }` with or without `from "x"`
        let tokens = 0;
        while ((next() as ts.SyntaxKind) !== K.CloseBraceToken) if (kind() === K.EndOfFileToken || ++tokens > MAX_CLAUSE_TOKENS) return undefined;
        next();
      } else {
        // `export const …`, `export default …`: the prologue ends here.
        return lateImports(text, start) ? undefined : out;
      }
      // A re-export is no import edge.
      if (kind() === K.FromKeyword) {
        if ((next() as ts.SyntaxKind) !== K.StringLiteral) return undefined;
        if (next() === K.WithKeyword || kind() === K.AssertKeyword) return undefined;
      }
      if (kind() === K.SemicolonToken) next();
      continue;
    }
    break;
  }
  return lateImports(text, scanner.getTokenStart()) ? undefined : out;
}

/** Whether the text from `start` on has anything that may be an import declaration. */
function lateImports(text: string, start: number): boolean {
  const re = /\bimport\b\s*[\w${*]/g;
  re.lastIndex = start;
  return re.test(text);
}
