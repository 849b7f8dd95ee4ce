import type { Node as TsMorphNode, ts } from 'ts-morph';
import type { Node as TreeNode } from 'web-tree-sitter';
import { DEFAULT_LIMITS, type AnalysisLimits } from '../config/types.js';
import { tsc } from './ts-morph.js';

export { DEFAULT_LIMITS, type AnalysisLimits };

/**
 * The tree walks every analysis shares. None of them recurses: the depth of a scanned file's
 * tree (30,000 `+` terms, 10,000 nested arrays) never becomes the depth of our stack. Each walk
 * counts the nodes it visits against the analysis budget of the file being analysed, so one
 * pathological file stops early with a notice instead of holding up the run.
 */

// ---------------------------------------------------------------------------------------------
// Analysis budget

export type BudgetResource = 'time' | 'nodes';

/** What one file has spent on analysis so far. */
export class AnalysisBudget {
  nodes = 0;
  ms = 0;
  /** Set once the file ran out: what ran out. */
  spent?: BudgetResource;

  constructor(
    readonly path: string,
    readonly limits: AnalysisLimits = DEFAULT_LIMITS,
  ) {}
}

/** Thrown by a walk when the file it walks has used up its budget; the engine turns it into a notice. */
export class AnalysisBudgetError extends Error {
  constructor(readonly budget: AnalysisBudget) {
    const what = budget.spent === 'time' ? `${budget.limits.analysisTimeMs} ms` : `${budget.limits.analysisNodes} nodes`;
    super(`analysis budget of ${budget.path} used up (${what})`);
    this.name = 'AnalysisBudgetError';
  }
}

let active: AnalysisBudget | undefined;
let since = 0;
let sinceClock = 0;

const now = (): number => performance.now();

/** Runs `fn` with its work (time and nodes visited) charged to `budget`; nests, the outer budget paused meanwhile. */
export function chargedTo<T>(budget: AnalysisBudget | undefined, fn: () => T): T {
  if (budget === active) return fn();
  const outer = active;
  const t = now();
  if (outer) outer.ms += t - since;
  active = budget;
  since = t;
  sinceClock = 0;
  try {
    if (budget?.spent) throw new AnalysisBudgetError(budget);
    return fn();
  } finally {
    const t2 = now();
    if (budget) budget.ms += t2 - since;
    active = outer;
    since = t2;
    sinceClock = 0;
  }
}

/** Counts `n` visited nodes against the active budget; throws AnalysisBudgetError once it is used up. */
export function visitNodes(n = 1): void {
  const b = active;
  if (!b) return;
  b.nodes += n;
  if (b.spent) throw new AnalysisBudgetError(b);
  if (b.nodes > b.limits.analysisNodes) {
    b.spent = 'nodes';
    throw new AnalysisBudgetError(b);
  }
  sinceClock += n;
  if (sinceClock >= 1024) {
    sinceClock = 0;
    if (b.ms + (now() - since) > b.limits.analysisTimeMs) {
      b.spent = 'time';
      throw new AnalysisBudgetError(b);
    }
  }
}

/**
 * For work that cannot be interrupted by a throw (a parse inside WebAssembly, which asks a
 * callback whether to go on): true once the active budget's time is used up, which marks it spent.
 */
export function budgetTimeSpent(): boolean {
  const b = active;
  if (!b) return false;
  if (!b.spent && b.ms + (now() - since) > b.limits.analysisTimeMs) b.spent = 'time';
  return b.spent !== undefined;
}

/** Throws AnalysisBudgetError when the active budget is used up (after work stopped by `budgetTimeSpent`). */
export function throwIfBudgetSpent(): void {
  if (active?.spent) throw new AnalysisBudgetError(active);
}

// ---------------------------------------------------------------------------------------------
// TypeScript compiler trees

/** What a visitor returns: `false` skips the node's children, `'stop'` ends the walk. */
export type Visit = boolean | void | 'stop';

/** The direct children of a compiler node (`forEachChild` order: no tokens, no trivia). */
export function tsChildren(node: ts.Node): ts.Node[] {
  const out: ts.Node[] = [];
  tsc.forEachChild(node, (c) => {
    out.push(c);
  });
  return out;
}

/** Pre-order walk of a compiler node and its descendants, in source order. */
export function walkTs(root: ts.Node, visit: (n: ts.Node) => Visit): void {
  const stack: ts.Node[] = [root];
  while (stack.length > 0) {
    const n = stack.pop() as ts.Node;
    visitNodes();
    const r = visit(n);
    if (r === 'stop') return;
    if (r === false) continue;
    const kids = tsChildren(n);
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i] as ts.Node);
  }
}

/** The descendants of a ts-morph node (not itself) of one kind, in source order, like `getDescendantsOfKind`. */
export function descendantsOfKind<K extends ts.SyntaxKind>(node: TsMorphNode, kind: K): Array<import('ts-morph').KindToNodeMappings[K & keyof import('ts-morph').KindToNodeMappings]> {
  const root = node.compilerNode;
  const wrap = wrapper(node);
  const out: TsMorphNode[] = [];
  walkTs(root, (n) => {
    if (n !== root && n.kind === kind) out.push(wrap(n));
  });
  return out as never;
}

/** Every descendant of a ts-morph node (not itself), in source order, like `forEachDescendant` without tokens. */
export function descendants(node: TsMorphNode, visit?: (n: ts.Node) => Visit): TsMorphNode[] {
  const root = node.compilerNode;
  const wrap = wrapper(node);
  const out: TsMorphNode[] = [];
  walkTs(root, (n) => {
    if (n === root) return;
    const r = visit?.(n);
    if (r !== false && r !== 'stop') out.push(wrap(n));
    return r;
  });
  return out;
}

/** The ts-morph wrapper of a compiler node of the same file. */
export function wrapper(node: TsMorphNode): (n: ts.Node) => TsMorphNode {
  const f = (node as unknown as { _getNodeFromCompilerNode(n: ts.Node): TsMorphNode })._getNodeFromCompilerNode;
  return f.bind(node);
}

// ---------------------------------------------------------------------------------------------
// tree-sitter trees

/** The direct children of a tree-sitter node, named and anonymous, without the null holes. */
export function treeChildren(node: TreeNode): TreeNode[] {
  return node.children.filter((c): c is TreeNode => c !== null);
}

/** Pre-order walk of a tree-sitter node and its descendants (named and anonymous), with a cursor. */
export function walkTree(root: TreeNode, visit: (n: TreeNode) => Visit): void {
  const c = root.walk();
  try {
    let depth = 0;
    for (;;) {
      visitNodes();
      const r = visit(c.currentNode);
      if (r === 'stop') return;
      if (r !== false && c.gotoFirstChild()) {
        depth++;
        continue;
      }
      for (;;) {
        if (depth === 0) return;
        if (c.gotoNextSibling()) break;
        c.gotoParent();
        depth--;
      }
    }
  } finally {
    c.delete();
  }
}

/** The descendants of a tree-sitter node (itself included when it matches) that `match` accepts, in document order. */
export function treeFind(root: TreeNode, match: (n: TreeNode) => boolean): TreeNode[] {
  const out: TreeNode[] = [];
  walkTree(root, (n) => {
    if (match(n)) out.push(n);
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Plain values (parsed YAML and JSON)

/** Pre-order walk of a plain value: every array element and object property value, with the key path. */
export function walkValue(root: unknown, visit: (v: unknown, path: readonly (string | number)[]) => Visit): void {
  const stack: Array<[unknown, readonly (string | number)[]]> = [[root, []]];
  while (stack.length > 0) {
    const [v, path] = stack.pop() as [unknown, readonly (string | number)[]];
    visitNodes();
    const r = visit(v, path);
    if (r === 'stop') return;
    if (r === false || v === null || typeof v !== 'object') continue;
    const entries: Array<[string | number, unknown]> = Array.isArray(v) ? v.map((x, i) => [i, x]) : Object.entries(v);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [k, x] = entries[i] as [string | number, unknown];
      stack.push([x, [...path, k]]);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Semantic recursion

/**
 * How deep value resolution may nest (a name bound to a call whose argument is a name ...).
 * Real code resolves in a handful of steps; past this depth the value is unknown.
 */
export const MAX_RESOLVE_DEPTH = 200;

let resolveDepth = 0;

/**
 * Wraps a function that recurses (directly or through others wrapped the same way) along the
 * structure of the scanned code, so that nested deeper than MAX_RESOLVE_DEPTH it answers
 * `fallback` ("unknown") instead of recursing further. The depth is shared by every wrapped function.
 */
export function depthBounded<A extends unknown[], R>(fn: (...args: A) => R, fallback: (...args: A) => R): (...args: A) => R {
  return (...args: A): R => {
    if (resolveDepth >= MAX_RESOLVE_DEPTH) return fallback(...args);
    resolveDepth++;
    try {
      return fn(...args);
    } finally {
      resolveDepth--;
    }
  };
}

/** Runs `fn` one resolution level deeper, or returns `fallback` when already MAX_RESOLVE_DEPTH deep. */
export function deeper<R>(fallback: R, fn: () => R): R {
  if (resolveDepth >= MAX_RESOLVE_DEPTH) return fallback;
  resolveDepth++;
  try {
    return fn();
  } finally {
    resolveDepth--;
  }
}

/**
 * Pre-order walk of a compiler tree carrying a value down: `visit` gets a node and the value
 * its parent passed, and returns the value for the node's children, or `false` to skip them.
 */
export function walkTsWith<S>(root: ts.Node, init: S, visit: (n: ts.Node, s: S) => S | false): void {
  const stack: Array<[ts.Node, S]> = [[root, init]];
  while (stack.length > 0) {
    const [n, s] = stack.pop() as [ts.Node, S];
    visitNodes();
    const r = visit(n, s);
    if (r === false) continue;
    const kids = tsChildren(n);
    for (let i = kids.length - 1; i >= 0; i--) stack.push([kids[i] as ts.Node, r]);
  }
}

/** `walkTsWith` for tree-sitter trees (named and anonymous children). */
export function walkTreeWith<S>(root: TreeNode, init: S, visit: (n: TreeNode, s: S) => S | false): void {
  const stack: Array<[TreeNode, S]> = [[root, init]];
  while (stack.length > 0) {
    const [n, s] = stack.pop() as [TreeNode, S];
    visitNodes();
    const r = visit(n, s);
    if (r === false) continue;
    const kids = treeChildren(n);
    for (let i = kids.length - 1; i >= 0; i--) stack.push([kids[i] as TreeNode, r]);
  }
}
