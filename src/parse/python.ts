import type { Node, Tree } from 'web-tree-sitter';
import type { Span } from '../types.js';
import { firstSyntaxError } from './syntax-error.js';
import type { Grammars } from './tree-sitter.js';
import { deeper } from './walk.js';

export interface PyImport {
  /** Name bound in this module (`M` in `from transformers import AutoModel as M`). */
  local: string;
  /** Fully qualified name it stands for (`transformers.AutoModel`); relative imports keep their dots. */
  qualified: string;
  /** The module named by the statement (`transformers`, `.llm`, `app.clients`). */
  module: string;
  span: Span;
  /** True for `from x import *`. */
  star?: boolean;
}

export interface PyCall {
  node: Node;
  /** Callee as written, calls shown as `()`: `tf.AutoModel.from_pretrained`, `HfApi().snapshot_download`. */
  callee: string;
  /** Callee with its first name replaced through the import table. */
  qualified: string;
  args: Node[];
  kwargs: Map<string, Node>;
  span: Span;
  /** Span of the callee expression (where a finding about "this call" points). */
  calleeSpan: Span;
}

export interface PyString {
  value: string;
  /** How the value was found. */
  kind: 'literal' | 'constant' | 'env-default' | 'template';
  /** The node that holds the text (the literal, even when reached through a constant). */
  node: Node;
  /** False when parts of the value are unknown (an f-string with a non-constant part). */
  exact: boolean;
  /** For `os.environ.get("MODEL", "x")`: `MODEL`. */
  envName?: string;
}

export function span(node: Node): Span {
  return { start: node.startIndex, end: node.endIndex };
}

function kids(node: Node): Node[] {
  return node.namedChildren.filter((c): c is Node => c !== null);
}

const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0' };

/** One parsed Python module with the lookups every Python rule needs, each computed once. */
export class PythonModule {
  private _imports?: PyImport[];
  private _importMap?: Map<string, string>;
  private _calls?: PyCall[];
  private _constants?: Map<string, Node>;

  constructor(
    readonly tree: Tree,
    readonly text: string,
  ) {}

  get root(): Node {
    return this.tree.rootNode;
  }

  text_(node: Node): string {
    return this.text.slice(node.startIndex, node.endIndex);
  }

  /** All import statements, wherever they are (module level, functions, try/except). */
  imports(): PyImport[] {
    if (this._imports) return this._imports;
    const out: PyImport[] = [];
    for (const stmt of this.root.descendantsOfType(['import_statement', 'import_from_statement'])) {
      if (!stmt) continue;
      if (stmt.type === 'import_statement') {
        for (const c of kids(stmt)) {
          if (c.type === 'dotted_name') {
            const name = this.text_(c);
            out.push({ local: name.split('.')[0] as string, qualified: name.split('.')[0] as string, module: name, span: span(c) });
          } else if (c.type === 'aliased_import') {
            const name = c.childForFieldName('name');
            const alias = c.childForFieldName('alias');
            if (name && alias) out.push({ local: this.text_(alias), qualified: this.text_(name), module: this.text_(name), span: span(c) });
          }
        }
      } else {
        const modNode = stmt.childForFieldName('module_name');
        if (!modNode) continue;
        const module = this.text_(modNode).replace(/\s+/g, '');
        const prefix = module.endsWith('.') ? module : `${module}.`;
        if (kids(stmt).some((c) => c.type === 'wildcard_import')) {
          out.push({ local: '*', qualified: `${prefix}*`, module, span: span(stmt), star: true });
        }
        for (const c of stmt.childrenForFieldName('name')) {
          if (!c) continue;
          if (c.type === 'dotted_name') {
            const name = this.text_(c);
            out.push({ local: name, qualified: prefix + name, module, span: span(c) });
          } else if (c.type === 'aliased_import') {
            const name = c.childForFieldName('name');
            const alias = c.childForFieldName('alias');
            if (name && alias) out.push({ local: this.text_(alias), qualified: prefix + this.text_(name), module, span: span(c) });
          }
        }
      }
    }
    this._imports = out;
    return out;
  }

  /** Local name → qualified name, for every name bound by an import. */
  importMap(): Map<string, string> {
    if (!this._importMap) {
      this._importMap = new Map();
      for (const imp of this.imports()) if (!imp.star) this._importMap.set(imp.local, imp.qualified);
    }
    return this._importMap;
  }

  /** `tf.AutoModel.from_pretrained` → `transformers.AutoModel.from_pretrained` when `import transformers as tf`. */
  qualify(dotted: string): string {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)(.*)$/s.exec(dotted);
    if (!m) return dotted;
    const q = this.importMap().get(m[1] as string);
    return q ? q + (m[2] as string) : dotted;
  }

  /** Callee chains computed so far, by node id: each link of a long builder chain is asked about. */
  private readonly chains = new Map<number, string>();

  /** Text of a callee chain: identifiers and attributes, calls as `()`, subscripts as `[]`; '' when complex. */
  chain(node: Node): string {
    // Down the chain to its root (or to a link already known), then the pieces back up, each
    // link remembered: a 3,000-link builder chain is one loop, not a recursion per link.
    const links: Array<[Node, string]> = [];
    let n: Node | null = node;
    let base: string | undefined;
    while (base === undefined) {
      if (!n) {
        base = '';
        break;
      }
      const known = this.chains.get(n.id);
      if (known !== undefined) base = known;
      else if (n.type === 'identifier') base = this.text_(n);
      else if (n.type === 'attribute') {
        const attr = n.childForFieldName('attribute');
        if (!attr) base = '';
        else {
          links.push([n, `.${this.text_(attr)}`]);
          n = n.childForFieldName('object');
        }
      } else if (n.type === 'call') {
        links.push([n, '()']);
        n = n.childForFieldName('function');
      } else if (n.type === 'subscript') {
        links.push([n, '[]']);
        n = n.childForFieldName('value');
      } else if (n.type === 'parenthesized_expression') {
        links.push([n, '']);
        n = kids(n)[0] ?? null;
      } else base = '';
    }
    let out = base;
    for (let i = links.length - 1; i >= 0; i--) {
      const [link, suffix] = links[i] as [Node, string];
      out = out ? out + suffix : '';
      this.chains.set(link.id, out);
    }
    return out;
  }

  calls(): PyCall[] {
    if (this._calls) return this._calls;
    const out: PyCall[] = [];
    for (const node of this.root.descendantsOfType('call')) {
      if (!node) continue;
      const fn = node.childForFieldName('function');
      const argList = node.childForFieldName('arguments');
      if (!fn) continue;
      const callee = this.chain(fn);
      const args: Node[] = [];
      const kwargs = new Map<string, Node>();
      if (argList && argList.type === 'argument_list') {
        for (const a of kids(argList)) {
          if (a.type === 'keyword_argument') {
            const name = a.childForFieldName('name');
            const value = a.childForFieldName('value');
            if (name && value) kwargs.set(this.text_(name), value);
          } else if (a.type !== 'comment' && a.type !== 'list_splat' && a.type !== 'dictionary_splat') {
            args.push(a);
          }
        }
      } else if (argList) {
        args.push(argList); // generator expression argument
      }
      out.push({ node, callee, qualified: callee ? this.qualify(callee) : '', args, kwargs, span: span(node), calleeSpan: span(fn) });
    }
    this._calls = out;
    return out;
  }

  /**
   * Module-level `NAME = <expr>` bindings; names assigned more than once at module level (including
   * `NAME += ...` and assignments inside module-level `if`/`try`/`for`/`with` blocks) are left out.
   */
  constants(): Map<string, Node> {
    if (this._constants) return this._constants;
    const seen = new Map<string, Node | null>();
    // Statements in document order with an explicit stack of open blocks: 3,000 nested `if`s at
    // module level are no deeper a call.
    const stack: Array<{ stmts: Node[]; i: number; top: boolean }> = [{ stmts: kids(this.root), i: 0, top: true }];
    while (stack.length > 0) {
      const frame = stack[stack.length - 1] as { stmts: Node[]; i: number; top: boolean };
      const stmt = frame.stmts[frame.i++];
      if (!stmt) {
        stack.pop();
        continue;
      }
      const top = frame.top;
      if (stmt.type === 'function_definition' || stmt.type === 'class_definition' || stmt.type === 'decorated_definition') continue;
      if (stmt.type !== 'expression_statement') {
        // A syntax error later in the file can leave the module's statements wrapped in one
        // ERROR node: they are still at module level.
        stack.push({ stmts: kids(stmt), i: 0, top: top && stmt.type === 'ERROR' });
        continue;
      }
      const a = kids(stmt)[0];
      if (!a || (a.type !== 'assignment' && a.type !== 'augmented_assignment')) continue;
      const left = a.childForFieldName('left');
      const right = a.childForFieldName('right');
      // `NAME: str` alone binds nothing.
      if (left?.type !== 'identifier' || !right) continue;
      const name = this.text_(left);
      const constant = top && a.type === 'assignment' ? right : null;
      seen.set(name, seen.has(name) ? null : constant);
    }
    this._constants = new Map([...seen].filter((e): e is [string, Node] => e[1] !== null));
    return this._constants;
  }

  /** The literal text of a string node (prefixes, quotes and simple escapes handled); undefined for f-strings with parts. */
  private literal(node: Node): { value: string; exact: boolean } | undefined {
    if (node.type === 'concatenated_string') {
      let value = '';
      let exact = true;
      for (const part of kids(node)) {
        const p = this.literal(part);
        if (!p) return undefined;
        value += p.value;
        exact &&= p.exact;
      }
      return { value, exact };
    }
    if (node.type !== 'string') return undefined;
    let value = '';
    let exact = true;
    const startTok = node.children.find((c) => c?.type === 'string_start');
    const raw = startTok ? /r/i.test(this.text_(startTok)) : false;
    for (const c of kids(node)) {
      if (c.type === 'string_content') {
        const t = this.text_(c);
        value += raw ? t : t.replace(/\\(.)/gs, (m, ch: string) => SIMPLE_ESCAPES[ch] ?? m);
      } else if (c.type === 'escape_sequence') {
        const t = this.text_(c);
        value += SIMPLE_ESCAPES[t.slice(1)] ?? t;
      } else if (c.type === 'interpolation') {
        const expr = kids(c)[0];
        // f-strings nest (`f"{f'{x}'}"`): nested past the shared resolution depth, the part is unknown.
        const inner = expr ? deeper(undefined, () => this.stringValue(expr, 3)) : undefined;
        if (inner?.exact) value += inner.value;
        else {
          value += `{${expr ? this.text_(expr) : ''}}`;
          exact = false;
        }
      }
    }
    return { value, exact };
  }

  /**
   * The string a node evaluates to, when that can be known without running anything:
   * literals, concatenations, f-strings with constant parts, module-level constants,
   * and the default of `os.environ.get("X", "default")` / `os.getenv("X", "default")`.
   */
  stringValue(node: Node, depth = 4): PyString | undefined {
    if (depth <= 0) return undefined;
    // `((("x")))`: parentheses cost no depth, so they are looked through in a loop.
    while (node.type === 'parenthesized_expression') {
      const inner = kids(node)[0];
      if (!inner) return undefined;
      node = inner;
    }
    switch (node.type) {
      case 'string':
      case 'concatenated_string': {
        const lit = this.literal(node);
        if (!lit) return undefined;
        const isF = /^[a-z]*f/i.test(this.text_(node));
        return { value: lit.value, kind: isF ? 'template' : 'literal', node, exact: lit.exact };
      }
      case 'identifier': {
        const bound = this.constants().get(this.text_(node));
        if (!bound) return undefined;
        const v = this.stringValue(bound, depth - 1);
        return v ? { ...v, kind: v.kind === 'literal' ? 'constant' : v.kind } : undefined;
      }
      case 'binary_operator': {
        const op = node.childForFieldName('operator');
        if (!op || this.text_(op) !== '+') return undefined;
        const l = node.childForFieldName('left');
        const r = node.childForFieldName('right');
        const lv = l ? this.stringValue(l, depth - 1) : undefined;
        const rv = r ? this.stringValue(r, depth - 1) : undefined;
        if (!lv || !rv) return undefined;
        return { value: lv.value + rv.value, kind: 'template', node, exact: lv.exact && rv.exact };
      }
      case 'boolean_operator': {
        // os.environ.get("MODEL") or "default"
        const r = node.childForFieldName('right');
        const op = node.childForFieldName('operator');
        if (!r || !op || this.text_(op) !== 'or') return undefined;
        const rv = this.stringValue(r, depth - 1);
        const l = node.childForFieldName('left');
        const env = l ? this.envLookup(l) : undefined;
        return rv ? { ...rv, kind: env ? 'env-default' : rv.kind, envName: env?.name } : undefined;
      }
      case 'call': {
        const env = this.envLookup(node);
        if (env?.fallback) {
          const v = this.stringValue(env.fallback, depth - 1);
          return v ? { ...v, kind: 'env-default', envName: env.name } : undefined;
        }
        return undefined;
      }
      default:
        return undefined;
    }
  }

  /** `os.environ.get("X", d)`, `os.getenv("X", d)`, `os.environ["X"]`: the variable and its fallback node. */
  envLookup(node: Node): { name: string; fallback?: Node } | undefined {
    if (node.type === 'subscript') {
      const value = node.childForFieldName('value');
      const sub = node.childForFieldName('subscript');
      if (value && sub && this.qualify(this.chain(value)) === 'os.environ') {
        const n = this.stringValue(sub, 1);
        return n ? { name: n.value } : undefined;
      }
      return undefined;
    }
    if (node.type !== 'call') return undefined;
    const fn = node.childForFieldName('function');
    const q = fn ? this.qualify(this.chain(fn)) : '';
    if (q !== 'os.environ.get' && q !== 'os.getenv' && q !== 'os.environ.setdefault') return undefined;
    const argList = node.childForFieldName('arguments');
    const args = argList ? kids(argList).filter((a) => a.type !== 'comment') : [];
    const first = args[0];
    const name = first ? this.stringValue(first, 1) : undefined;
    if (!name) return undefined;
    let fallback = args[1];
    if (fallback?.type === 'keyword_argument') fallback = fallback.childForFieldName('value') ?? undefined;
    return { name: name.value, fallback };
  }
}

/** Node types of whole statements; anything else directly under a wrapping ERROR is debris. */
const STATEMENT = /(statement|_definition|^comment)$/;

/**
 * The statements an error left at the top of the tree: tree-sitter sometimes wraps a whole
 * module in one ERROR node (or makes the root itself an ERROR) because of a syntax error near
 * its end. Scopes then have no `module` to end at.
 */
function moduleWrapper(root: Node): Node | undefined {
  if (root.type === 'ERROR') return root;
  if (!root.hasError) return undefined;
  return kids(root).find((c) => c.type === 'ERROR' && kids(c).some((k) => STATEMENT.test(k.type)));
}

/** The first syntax error of a file, as offsets into its text. */
export interface PythonSyntaxError {
  /** `ERROR`, or the node type that is missing. */
  type: string;
  missing: boolean;
  start: number;
  end: number;
}

/**
 * Parses a Python file. When an error wraps the module, the damaged statements are blanked
 * (every character but line ends turned into a space, so positions stay the same) and the text
 * parsed again, a few times at most: the rest of the file then reads as a module again.
 */
export function parsePython(grammars: Grammars, text: string): { tree: Tree; error?: PythonSyntaxError } {
  // The grammar's scanner keeps its indentation stack in a fixed buffer: past a few hundred
  // levels a parse reads out of bounds and leaves the runtime broken for every later file. Such a
  // file would not parse anyway (it turns into one error node from about 600 levels), so it gets
  // the parse adapter's "nested too deeply" notice instead.
  if (indentLevels(text) > MAX_INDENT_LEVELS) throw new RangeError(`indentation nested more than ${MAX_INDENT_LEVELS} levels deep`);
  const { first, parsed } = parseBlanked(grammars, text);
  const at = firstSyntaxError(first.rootNode);
  const error = at ? { type: at.type, missing: at.isMissing, start: at.startIndex, end: at.endIndex } : undefined;
  let tree = first;
  let current = parsed;
  for (let pass = 0; pass < 3; pass++) {
    const wrap = moduleWrapper(tree.rootNode);
    if (!wrap) break;
    const damaged = wrap.children.filter((c): c is Node => c !== null && (c.hasError || c.isMissing || !STATEMENT.test(c.type)));
    if (damaged.length === 0) break;
    let next = current;
    for (const d of damaged) next = next.slice(0, d.startIndex) + next.slice(d.startIndex, d.endIndex).replace(/[^\r\n]/g, ' ') + next.slice(d.endIndex);
    if (next === current) break;
    current = next;
    // the tree replaced is freed now, not when the garbage collector gets to it: the runtime's
    // memory is bounded, and a freed tree's space is reused by the next parse
    const again = grammars.parse('python', current);
    grammars.free(tree);
    tree = again;
  }
  return { tree, error };
}

/**
 * The Python grammar takes time quadratic in the length of a run of indented comment lines
 * (2,000 lines inside a function take seconds, 20,000 minutes). Whole-line comments are
 * therefore blanked before the parse, every character but line ends turned into a space, so
 * offsets stay exact; the tree then holds no node for them, and everything that reads comments
 * (suppressions, headers) reads the file's text. A line that only looks like a comment because a
 * string was misread is caught after the parse: when a blanked line lies inside a string, the
 * original text is parsed instead, and so is a file whose blanked text does not parse cleanly (a
 * quote the scan missed, such as one nested in an f-string, may have gone with a blanked line):
 * there the budget bounds the parse.
 */
function parseBlanked(grammars: Grammars, text: string): { first: Tree; parsed: string } {
  const starts = commentLineStarts(text);
  if (starts.length === 0) return { first: grammars.parse('python', text), parsed: text };
  let blanked = '';
  let from = 0;
  for (const at of starts) {
    let end = at;
    while (end < text.length && text[end] !== '\n' && text[end] !== '\r') end++;
    blanked += text.slice(from, at) + ' '.repeat(end - at);
    from = end;
  }
  blanked += text.slice(from);
  const tree = grammars.parse('python', blanked);
  if (!tree.rootNode.hasError && starts.every((at) => !insideString(tree.rootNode.descendantForIndex(at)))) return { first: tree, parsed: blanked };
  grammars.free(tree);
  return { first: grammars.parse('python', text), parsed: text };
}

function insideString(n: Node | null): boolean {
  for (let p = n; p; p = p.parent) if (p.type === 'string' || p.type === 'concatenated_string') return true;
  return false;
}

/**
 * Where each comment that is alone on its line starts (its `#`), found with a scan that knows
 * Python's strings: quotes, triple quotes, backslash escapes and backslash-continued lines.
 */
export function commentLineStarts(text: string): number[] {
  const out: number[] = [];
  let lineStart = true;
  for (let i = 0; i < text.length; ) {
    const c = text[i] as string;
    if (c === '\n' || c === '\r') {
      lineStart = true;
      i++;
    } else if (c === ' ' || c === '\t' || c === '\f') {
      i++;
    } else if (c === '#') {
      if (lineStart) out.push(i);
      while (i < text.length && text[i] !== '\n' && text[i] !== '\r') i++;
    } else if (c === '"' || c === "'") {
      lineStart = false;
      const triple = text.startsWith(c.repeat(3), i);
      const close = triple ? c.repeat(3) : c;
      i += close.length;
      while (i < text.length) {
        const d = text[i] as string;
        if (d === '\\') i += 2;
        else if (text.startsWith(close, i)) {
          i += close.length;
          break;
        } else if (!triple && (d === '\n' || d === '\r')) break;
        else i++;
      }
    } else if (c === '\\') {
      // A line continued with a backslash: its next line is not a fresh line.
      lineStart = false;
      i += text[i + 1] === '\r' && text[i + 2] === '\n' ? 3 : 2;
    } else {
      lineStart = false;
      i++;
    }
  }
  return out;
}

/** Indentation levels a Python parse can hold; real code stays below 50. */
export const MAX_INDENT_LEVELS = 400;

/**
 * The deepest indentation stack of a Python text, counted over its lines as the tokenizer does
 * (blank and comment-only lines skipped, a tab as eight columns). Lines inside strings and
 * brackets are counted too, so this can only overstate the depth.
 */
export function indentLevels(text: string): number {
  const stack: number[] = [0];
  let deepest = 0;
  let i = 0;
  while (i < text.length) {
    let width = 0;
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\f')) {
      width = text[i] === '\t' ? (Math.floor(width / 8) + 1) * 8 : width + 1;
      i++;
    }
    const c = text[i];
    if (c !== undefined && c !== '\n' && c !== '\r' && c !== '#') {
      while (width < (stack[stack.length - 1] as number)) stack.pop();
      if (width > (stack[stack.length - 1] as number)) stack.push(width);
      if (stack.length - 1 > deepest) deepest = stack.length - 1;
    }
    const nl = text.indexOf('\n', i);
    i = nl < 0 ? text.length : nl + 1;
  }
  return deepest;
}
