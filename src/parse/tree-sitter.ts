import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import { Language, Parser, type Tree } from 'web-tree-sitter';
import { budgetTimeSpent, throwIfBudgetSpent } from './walk.js';

export type { Node as TsNode, Tree as TsTree } from 'web-tree-sitter';

export type GrammarName = 'python' | 'bash';

const WASM: Record<GrammarName, string> = {
  python: 'tree-sitter-python/tree-sitter-python.wasm',
  bash: 'tree-sitter-bash/tree-sitter-bash.wasm',
};

/** The tree-sitter runtime's memory: WebAssembly pages of 64 KiB, at most 2 GiB (its build's maximum). */
const PAGE = 65_536;
const MAX_PAGES = 32_768;
const INITIAL_PAGES = 512;
/** What a tree costs per character of source, at most (dense Python: about 70 bytes). */
const TREE_BYTES_PER_CHAR = 96;
/** Left free for the parser's own work. */
const RESERVE = 128 * 1024 * 1024;

/** The part of WebAssembly's JS API used here (the compiler's ES lib does not declare it). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
const { WebAssembly: Wasm } = globalThis as unknown as { WebAssembly: { Memory: new (d: { initial: number; maximum: number }) => WasmMemory } };

/**
 * A parse refused because the tree would not fit in what is left of the runtime's memory. Without
 * the check the runtime aborts, and every later parse of the run fails with it.
 */
export class ParserMemoryError extends Error {
  constructor(readonly name_: GrammarName) {
    super(`the tree-sitter runtime's memory (${(MAX_PAGES * PAGE) / 2 ** 30} GiB) is nearly full`);
    this.name = 'ParserMemoryError';
  }
}

/**
 * The tree-sitter grammars, loaded once per process from the `.wasm` files that ship inside
 * the npm packages (no network, no native build). A grammar that fails to load is recorded,
 * and only the rules and files that need it are affected.
 */
export class Grammars {
  private parsers = new Map<GrammarName, Parser>();
  readonly failures = new Map<GrammarName, string>();

  private static shared: Promise<Grammars> | undefined;
  /** The runtime's linear memory, ours so that its size can be read before each parse. */
  private static memory: WasmMemory | undefined;

  static load(): Promise<Grammars> {
    Grammars.shared ??= Grammars.create();
    return Grammars.shared;
  }

  private static async create(): Promise<Grammars> {
    const g = new Grammars();
    const require = createRequire(import.meta.url);
    try {
      Grammars.memory ??= new Wasm.Memory({ initial: INITIAL_PAGES, maximum: MAX_PAGES });
      await Parser.init({ wasmMemory: Grammars.memory });
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

  /** Bytes the runtime's memory has grown to: the trees alive, and space freed by deleted ones. */
  static get heapBytes(): number {
    return Grammars.memory?.buffer.byteLength ?? 0;
  }

  /** Bytes of the runtime's memory parses may use; lowered only by tests, which cannot fill 2 GiB quickly. */
  static memoryLimit = MAX_PAGES * PAGE - RESERVE;

  /** Characters of source whose trees are alive (parsed and not yet `free`d). */
  private liveChars = 0;
  private readonly sizes = new WeakMap<Tree, number>();

  /**
   * Parses `text`; throws when the grammar is missing (callers check `has` first), and
   * ParserMemoryError when the tree might not fit in the runtime's memory: either the memory can
   * still grow by the tree's size, or the trees alive leave that much of it free. A caller done
   * with a tree gives it to `free`, so its space is reused by the next parse. The parse is
   * charged to the active analysis budget: once its time is used up the parser stops, and the
   * parse throws AnalysisBudgetError, which the engine turns into an `analysis-budget` notice.
   */
  parse(name: GrammarName, text: string): Tree {
    const parser = this.parsers.get(name);
    if (!parser) throw new Error(this.failures.get(name) ?? `grammar ${name} not loaded`);
    const need = text.length * TREE_BYTES_PER_CHAR;
    const limit = Grammars.memoryLimit;
    if (Grammars.heapBytes + need > limit && this.liveChars * TREE_BYTES_PER_CHAR + need > limit) throw new ParserMemoryError(name);
    // The declared return type is void, but a callback returning true cancels the parse.
    const progressCallback = budgetTimeSpent as () => void;
    const tree = parser.parse(text, null, { progressCallback });
    if (!tree) {
      // A cancelled parse would otherwise resume on the next call, with another text.
      parser.reset();
      throwIfBudgetSpent();
      throw new Error(`tree-sitter returned no tree for ${name}`);
    }
    this.liveChars += text.length;
    this.sizes.set(tree, text.length);
    return tree;
  }

  /** Deletes a tree returned by `parse`; its nodes must not be used afterwards. */
  free(tree: Tree): void {
    const n = this.sizes.get(tree);
    if (n === undefined) return;
    this.sizes.delete(tree);
    this.liveChars -= n;
    tree.delete();
  }
}

export { firstSyntaxError } from './syntax-error.js';
