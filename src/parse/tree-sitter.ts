import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import { Language, Parser, type Node, type Tree } from 'web-tree-sitter';
import { budgetTimeSpent, throwIfBudgetSpent } from './walk.js';

export type { Node as TsNode, Tree as TsTree } from 'web-tree-sitter';

export type GrammarName = 'python' | 'bash';

const WASM: Record<GrammarName, string> = {
  python: 'tree-sitter-python/tree-sitter-python.wasm',
  bash: 'tree-sitter-bash/tree-sitter-bash.wasm',
};

/**
 * The tree-sitter grammars, loaded once per process from the `.wasm` files that ship inside
 * the npm packages (no network, no native build). A grammar that fails to load is recorded,
 * and only the rules and files that need it are affected.
 */
export class Grammars {
  private parsers = new Map<GrammarName, Parser>();
  readonly failures = new Map<GrammarName, string>();

  private static shared: Promise<Grammars> | undefined;

  static load(): Promise<Grammars> {
    Grammars.shared ??= Grammars.create();
    return Grammars.shared;
  }

  private static async create(): Promise<Grammars> {
    const g = new Grammars();
    const require = createRequire(import.meta.url);
    try {
      await Parser.init();
    } catch (e) {
      for (const name of Object.keys(WASM) as GrammarName[]) g.failures.set(name, `tree-sitter runtime failed to start: ${String(e)}`);
      return g;
    }
    for (const name of Object.keys(WASM) as GrammarName[]) {
      try {
        const bytes = await readFile(require.resolve(WASM[name]));
        const lang = await Language.load(new Uint8Array(bytes));
        const parser = new Parser();
        parser.setLanguage(lang);
        g.parsers.set(name, parser);
      } catch (e) {
        g.failures.set(name, `cannot load the ${name} grammar (${WASM[name]}): ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    return g;
  }

  has(name: GrammarName): boolean {
    return this.parsers.has(name);
  }

  /**
   * Parses `text`; throws when the grammar is missing (callers check `has` first). The parse is
   * charged to the active analysis budget: once its time is used up the parser stops, and the
   * parse throws AnalysisBudgetError, which the engine turns into an `analysis-budget` notice.
   */
  parse(name: GrammarName, text: string): Tree {
    const parser = this.parsers.get(name);
    if (!parser) throw new Error(this.failures.get(name) ?? `grammar ${name} not loaded`);
    // The declared return type is void, but a callback returning true cancels the parse.
    const progressCallback = budgetTimeSpent as () => void;
    const tree = parser.parse(text, null, { progressCallback });
    if (!tree) {
      // A cancelled parse would otherwise resume on the next call, with another text.
      parser.reset();
      throwIfBudgetSpent();
      throw new Error(`tree-sitter returned no tree for ${name}`);
    }
    return tree;
  }
}

export { firstSyntaxError } from './syntax-error.js';
