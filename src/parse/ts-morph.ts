import { createRequire } from 'node:module';
import type * as TsMorph from 'ts-morph';

/**
 * ts-morph, and the TypeScript compiler inside it, loaded on first use. Loading it costs most
 * of a cold start; a scan (or a pre-commit run) without TS/JS files never pays for it.
 * Modules import `Node`, `SyntaxKind` and `tsc` (the compiler API) from here, types from
 * 'ts-morph' with `import type`; tests/meta.test.ts keeps it that way.
 */
const require = createRequire(import.meta.url);
let lib: typeof TsMorph | undefined;

export function tsMorph(): typeof TsMorph {
  if (!lib) {
    lib = require('ts-morph') as typeof TsMorph;
    // From here on the exported names are the real objects (ES module bindings are live), so a
    // call such as `Node.isIdentifier(n)`, made millions of times, no longer goes through a Proxy.
    Node = lib.Node;
    SyntaxKind = lib.SyntaxKind;
    ScriptKind = lib.ScriptKind;
    tsc = lib.ts;
  }
  return lib;
}

/** A stand-in that loads the real object on first property access. */
function lazy<T extends object>(get: () => T): T {
  return new Proxy(Object.create(null) as T, {
    get: (_t, prop) => Reflect.get(get(), prop),
    has: (_t, prop) => Reflect.has(get(), prop),
    getPrototypeOf: () => Reflect.getPrototypeOf(get()),
  });
}

export let Node = lazy(() => tsMorph().Node) as typeof TsMorph.Node;
export type Node = TsMorph.Node;
export let SyntaxKind = lazy(() => tsMorph().SyntaxKind) as typeof TsMorph.SyntaxKind;
export type SyntaxKind = TsMorph.SyntaxKind;
export let ScriptKind = lazy(() => tsMorph().ScriptKind) as typeof TsMorph.ScriptKind;
export type ScriptKind = TsMorph.ScriptKind;
/** The TypeScript compiler API (`ts` in ts-morph), for values: `tsc.isIdentifier(n)`. Types: `import type { ts } from 'ts-morph'`. */
export let tsc = lazy(() => tsMorph().ts) as typeof TsMorph.ts;
