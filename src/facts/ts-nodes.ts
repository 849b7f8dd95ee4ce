import { ts, type Node } from 'ts-morph';
import type { FileModel } from '../model/file-model.js';
import { SyntaxKind } from '../parse/typescript.js';

/** Node kinds the model facts look for; gathered in one pass over the compiler tree. */
const KINDS = new Set<SyntaxKind>([
  SyntaxKind.CallExpression,
  SyntaxKind.NewExpression,
  SyntaxKind.VariableDeclaration,
  SyntaxKind.PropertyDeclaration,
  SyntaxKind.BinaryExpression,
]);

type Wrap = (n: ts.Node) => Node;

/**
 * The nodes of a TS/JS file of some kinds, in source order, from one walk of the compiler
 * tree per file (ts-morph's `getDescendants*` walk the tree once per call and wrap every node).
 */
export function tsNodesOfKind(file: FileModel, kind: SyntaxKind): Node[] {
  const byKind = file.memo('facts:ts-nodes', () => {
    const source = file.ts()?.source;
    const map = new Map<SyntaxKind, ts.Node[]>();
    if (!source) return { map, wrap: undefined as Wrap | undefined };
    const visit = (n: ts.Node): void => {
      if (KINDS.has(n.kind)) {
        const list = map.get(n.kind) ?? [];
        list.push(n);
        map.set(n.kind, list);
      }
      ts.forEachChild(n, visit);
    };
    visit(source.compilerNode);
    const wrap = (source as unknown as { _getNodeFromCompilerNode: Wrap })._getNodeFromCompilerNode.bind(source);
    return { map, wrap };
  });
  if (!KINDS.has(kind)) throw new Error(`tsNodesOfKind: kind ${SyntaxKind[kind]} is not collected`);
  const wrap = byKind.wrap;
  if (!wrap) return [];
  const cacheKey = `facts:ts-nodes:${kind}`;
  return file.memo(cacheKey, () => (byKind.map.get(kind) ?? []).map((n) => wrap(n)));
}
