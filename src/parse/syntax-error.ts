import type { Node } from 'web-tree-sitter';

/** The first ERROR or MISSING node in document order, for a parse notice. */
export function firstSyntaxError(root: Node): Node | undefined {
  if (!root.hasError) return undefined;
  const stack: Node[] = [root];
  while (stack.length) {
    const n = stack.pop() as Node;
    if (n.isError || n.isMissing) return n;
    if (!n.hasError) continue;
    const kids = n.children.filter((c): c is Node => c !== null);
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i] as Node);
  }
  return undefined;
}
