import type { Node, ts } from 'ts-morph';
import { tsc } from '../parse/ts-morph.js';
import type { FileModel } from '../model/file-model.js';
import { SyntaxKind } from '../parse/typescript.js';
import { walkTs } from '../parse/walk.js';

/** Node kinds the model facts look for; gathered in one pass over the compiler tree. */
let kinds: Set<SyntaxKind> | undefined;
const KINDS = (): Set<SyntaxKind> =>
  (kinds ??= new Set<SyntaxKind>([SyntaxKind.CallExpression, SyntaxKind.NewExpression, SyntaxKind.VariableDeclaration, SyntaxKind.PropertyDeclaration, SyntaxKind.BinaryExpression]));

type Wrap = (n: ts.Node) => Node;

interface Collected {
  map: Map<SyntaxKind, ts.Node[]>;
  wrap?: Wrap;
}

function collect(file: FileModel): Collected {
  return file.memo('facts:ts-nodes', () => {
    const source = file.ts()?.source;
    const map = new Map<SyntaxKind, ts.Node[]>();
    if (!source) return { map };
    walkTs(source.compilerNode, (n) => {
      if (KINDS().has(n.kind)) {
        const list = map.get(n.kind) ?? [];
        list.push(n);
        map.set(n.kind, list);
      }
    });
    const wrap = (source as unknown as { _getNodeFromCompilerNode: Wrap })._getNodeFromCompilerNode.bind(source);
    return { map, wrap };
  });
}

/**
 * The compiler nodes of a TS/JS file of some kinds, in source order, from one walk of the
 * compiler tree per file (ts-morph's `getDescendants*` walk the tree once per call). Filter
 * them on the raw nodes, then wrap the few that matter with `tsWrap`.
 */
export function tsCompilerNodes(file: FileModel, kind: SyntaxKind): readonly ts.Node[] {
  if (!KINDS().has(kind)) throw new Error(`tsCompilerNodes: kind ${SyntaxKind[kind]} is not collected`);
  return collect(file).map.get(kind) ?? [];
}

/** The ts-morph node of a compiler node of this file. */
export function tsWrap(file: FileModel, node: ts.Node): Node {
  const wrap = collect(file).wrap;
  if (!wrap) throw new Error('tsWrap: not a TS/JS file');
  return wrap(node);
}

/** Every node of a kind, wrapped (memoised per kind). */
export function tsNodesOfKind(file: FileModel, kind: SyntaxKind): Node[] {
  const nodes = tsCompilerNodes(file, kind);
  return file.memo(`facts:ts-nodes:${kind}`, () => nodes.map((n) => tsWrap(file, n)));
}

/** The leftmost identifier of a callee (`client` in `client.chat.completions.create`), `this`, or undefined. */
export function calleeRoot(expr: ts.Expression): string | undefined {
  // Remembered for every node on the way down: each call of a long `.then().then()` chain asks
  // for the same root, which would otherwise be a walk down the whole chain per call.
  const path: ts.Node[] = [];
  let e: ts.Node = expr;
  let root: string | undefined;
  for (;;) {
    const known = rootCache.get(e);
    if (known !== undefined) {
      root = known ?? undefined;
      break;
    }
    path.push(e);
    if (tsc.isIdentifier(e)) {
      root = e.text;
      break;
    }
    if (e.kind === tsc.SyntaxKind.ThisKeyword) {
      root = 'this';
      break;
    }
    if (
      tsc.isPropertyAccessExpression(e) ||
      tsc.isElementAccessExpression(e) ||
      tsc.isCallExpression(e) ||
      tsc.isNonNullExpression(e) ||
      tsc.isParenthesizedExpression(e) ||
      tsc.isAsExpression(e) ||
      tsc.isAwaitExpression(e) ||
      tsc.isNewExpression(e)
    ) {
      e = e.expression;
      continue;
    }
    break;
  }
  for (const n of path) rootCache.set(n, root ?? null);
  return root;
}

const rootCache = new WeakMap<ts.Node, string | null>();
