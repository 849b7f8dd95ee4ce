import type { Node } from 'web-tree-sitter';
import type { Span } from '../types.js';
import { composeMaps, mapByLines, shiftedMap, type OffsetMap } from '../util/text-map.js';
import { replaceEnclosed } from '../util/text.js';
import { firstSyntaxError } from './syntax-error.js';
import type { Grammars } from './tree-sitter.js';
import { visitNodes } from './walk.js';

/** One shell word: its value with quotes removed (expansions kept as written), and where it is. */
export interface ShellWord {
  value: string;
  /** The word as written in the file. */
  raw: string;
  /** File offsets of the whole word, quotes included. */
  span: Span;
  /** False when the value depends on an expansion (`$MODEL`, `$(...)`, `${{ matrix.x }}`). */
  literal: boolean;
  /** Offsets in `value` → file offsets. */
  map: OffsetMap;
}

export interface ShellAssignment {
  name: string;
  value: ShellWord | undefined;
  span: Span;
}

/** Where a command was written. */
export type CommandOrigin =
  | 'script'
  | 'gha-run'
  | 'gitlab-script'
  | 'dockerfile-run'
  | 'dockerfile-cmd'
  | 'dockerfile-entrypoint'
  | 'compose-command'
  | 'compose-entrypoint'
  | 'k8s-command'
  | 'makefile-recipe';

export interface ShellCommand {
  /** `words[0]` is the command name. Prefix assignments are not words. */
  words: ShellWord[];
  assignments: ShellAssignment[];
  span: Span;
  /** Operator linking this command to the one before it (`&&`, `||`, `|`, `;`, `&`), if any. */
  before?: string;
  /** Operator linking it to the one after it, if any. */
  after?: string;
  negated: boolean;
  /** True when the words come from an exec-form list (Dockerfile JSON, YAML list), not a shell. */
  exec: boolean;
}

export interface ShellScript {
  commands: ShellCommand[];
  /** Top-level `NAME=value` and `export NAME=value`, in order. */
  variables: ShellAssignment[];
  /** First syntax error, if the script did not parse cleanly. */
  error?: Span;
}

function named(node: Node): Node[] {
  return node.namedChildren.filter((c): c is Node => c !== null);
}

const DQ_ESCAPES = /\\([\\"$`\n])/g;

/** A word's value → file offsets, for words whose value is (almost) the raw text. */
export function wordMap(raw: string, value: string, start: number): OffsetMap {
  if (raw === value) return shiftedMap(start);
  const q = raw[0];
  if ((q === '"' || q === "'") && raw.slice(1, 1 + value.length) === value) return shiftedMap(start + 1);
  return composeMaps(shiftedMap(start), mapByLines(value, raw, 0, raw.length));
}

/** Parses shell text with tree-sitter-bash into commands and words with file positions. */
export class ShellParser {
  constructor(private readonly grammars: Grammars) {}

  get available(): boolean {
    return this.grammars.has('bash');
  }

  /**
   * @param script the shell text (for YAML, the scalar's value)
   * @param map offsets in `script` → file offsets
   * @param file the whole file text (for `raw`)
   * @param ghaExpressions mask `${{ ... }}` so the script parses; such words are not literal
   */
  parse(script: string, map: OffsetMap, file: string, ghaExpressions = false): ShellScript {
    const masked = ghaExpressions ? replaceEnclosed(script, '${{', '}}', (m) => `$${'_'.repeat(m.length - 1)}`) : script;
    const tree = this.grammars.parse('bash', masked);
    try {
      const ctx = new Walk(script, masked, map, file);
      const commands = ctx.flatten(tree.rootNode);
      for (let i = 0; i < commands.length; i++) {
        const c = commands[i] as { cmd: ShellCommand; op?: string };
        const next = commands[i + 1];
        if (next?.op) {
          c.cmd.after = next.op;
          next.cmd.before = next.op;
        }
      }
      const out: ShellScript = { commands: commands.map((c) => c.cmd), variables: ctx.topLevelVariables(tree.rootNode) };
      if (tree.rootNode.hasError) {
        const err = firstSyntaxError(tree.rootNode);
        if (err) out.error = { start: map.toSource(err.startIndex), end: map.toSource(err.endIndex) };
      }
      return out;
    } finally {
      this.grammars.free(tree);
    }
  }
}

class Walk {
  constructor(
    private readonly script: string,
    private readonly masked: string,
    private readonly map: OffsetMap,
    private readonly file: string,
  ) {}

  private fileSpan(node: Node): Span {
    return { start: this.map.toSource(node.startIndex), end: this.map.toSource(node.endIndex) };
  }

  private src(node: Node): string {
    return this.script.slice(node.startIndex, node.endIndex);
  }

  /**
   * Commands in execution order, each with the operator that joins it to the previous one.
   * An explicit stack of frames, one per open list, pipeline or block: a `RUN` of 30,000 `&&`
   * commands nests 30,000 lists deep.
   */
  flatten(root: Node, negated = false): Array<{ cmd: ShellCommand; op?: string }> {
    const out: Array<{ cmd: ShellCommand; op?: string }> = [];
    /**
     * `list` and `pipeline` join their parts with the operator between them; `seq` (program,
     * subshell, compound statements, if/while/for/case, function bodies) with `;` or `&`;
     * `concat` just concatenates (`!` negates its commands).
     */
    interface Frame {
      mode: 'list' | 'pipeline' | 'seq' | 'concat';
      kids: Node[];
      i: number;
      negated: boolean;
      /** Where this frame's commands start in `out`. */
      start: number;
      /** Where the part of the child being flattened starts; -1 when none is. */
      child: number;
      op?: string;
      whole?: boolean;
      first?: boolean;
    }
    const stack: Frame[] = [];
    const frame = (mode: Frame['mode'], kids: Node[], neg: boolean, extra: Partial<Frame> = {}): void => {
      stack.push({ mode, kids, i: 0, negated: neg, start: out.length, child: -1, ...extra });
    };
    const all = (n: Node): Node[] => n.children.filter((c): c is Node => c !== null);
    const enter = (node: Node, neg: boolean): void => {
      visitNodes();
      switch (node.type) {
        case 'command': {
          const cmd = this.command(node, neg);
          if (cmd) out.push({ cmd });
          return;
        }
        case 'list':
          frame('list', all(node), neg);
          return;
        case 'pipeline':
          // `! a | b` negates the whole pipeline, but tree-sitter puts the `!` on its first command.
          frame('pipeline', all(node), neg, { whole: named(node)[0]?.type === 'negated_command', first: true });
          return;
        case 'negated_command':
          frame('concat', named(node), !neg);
          return;
        case 'comment':
        case 'heredoc_body':
          return;
        default:
          frame('seq', all(node), neg);
          return;
      }
    };
    enter(root, negated);
    while (stack.length > 0) {
      const f = stack[stack.length - 1] as Frame;
      if (f.child >= 0) {
        // The child's part is out[f.child ..]: give its first command the joining operator.
        const head = out[f.child];
        if (f.mode === 'seq') {
          if (head && f.child > f.start) head.op = f.op ?? ';';
        } else if (head && f.op) head.op = f.op;
        f.op = undefined;
        f.child = -1;
      }
      const c = f.kids[f.i++];
      if (!c) {
        stack.pop();
        continue;
      }
      if (f.mode === 'concat') {
        enter(c, f.negated);
        continue;
      }
      if (!c.isNamed) {
        if (f.mode === 'list') f.op = c.type;
        else if (f.mode === 'pipeline') {
          if (c.type === '|' || c.type === '|&') f.op = '|';
        } else if (c.type === ';' || c.type === '&' || c.type === '\n') f.op = c.type === '&' ? '&' : ';';
        continue;
      }
      f.child = out.length;
      if (f.mode === 'pipeline') {
        const whole = f.whole === true;
        if (whole && f.first) frame('concat', named(c), !f.negated);
        else enter(c, whole ? !f.negated : f.negated);
        f.first = false;
      } else enter(c, f.negated);
    }
    return out;
  }

  private command(node: Node, negated: boolean): ShellCommand | undefined {
    const words: ShellWord[] = [];
    const assignments: ShellAssignment[] = [];
    for (const c of named(node)) {
      if (c.type === 'variable_assignment') {
        const a = this.assignment(c);
        if (a) assignments.push(a);
      } else if (c.type === 'command_name') {
        const w = named(c)[0] ?? c;
        words.push(this.word(w));
      } else if (/redirect$/.test(c.type) || c.type === 'comment') {
      } else {
        words.push(this.word(c));
      }
    }
    if (words.length === 0) return undefined;
    return { words, assignments, span: this.fileSpan(node), negated, exec: false };
  }

  private assignment(node: Node): ShellAssignment | undefined {
    const name = node.childForFieldName('name');
    const value = node.childForFieldName('value');
    if (!name) return undefined;
    return { name: this.src(name), value: value ? this.word(value) : undefined, span: this.fileSpan(node) };
  }

  topLevelVariables(root: Node): ShellAssignment[] {
    const out: ShellAssignment[] = [];
    for (const stmt of named(root)) {
      if (stmt.type === 'variable_assignment') {
        const a = this.assignment(stmt);
        if (a) out.push(a);
      } else if (stmt.type === 'declaration_command') {
        for (const c of named(stmt)) {
          if (c.type === 'variable_assignment') {
            const a = this.assignment(c);
            if (a) out.push(a);
          }
        }
      }
    }
    return out;
  }

  private wordValue(node: Node): { value: string; literal: boolean } {
    if (node.type === 'concatenation') return this.concatenationValue(node);
    return this.partValue(node);
  }

  /** The value of a word that is no concatenation. */
  private partValue(node: Node): { value: string; literal: boolean } {
    switch (node.type) {
      case 'word':
        return { value: this.src(node).replace(/\\(.)/gs, '$1'), literal: !/^\$_+$/.test(this.masked.slice(node.startIndex, node.endIndex)) };
      case 'number':
        return { value: this.src(node), literal: true };
      case 'raw_string':
        return { value: this.src(node).slice(1, -1), literal: true };
      case 'ansi_c_string':
        return { value: this.src(node).slice(2, -1), literal: true };
      case 'string':
      case 'translated_string': {
        let value = '';
        let literal = true;
        const inner = node.type === 'translated_string' ? (named(node)[0] ?? node) : node;
        for (const c of named(inner)) {
          if (c.type === 'string_content') value += this.src(c).replace(DQ_ESCAPES, '$1');
          else {
            value += this.src(c);
            literal = false;
          }
        }
        if (named(inner).length === 0) value = this.src(inner).slice(1, -1);
        return { value, literal };
      }
      default:
        return { value: this.src(node), literal: false };
    }
  }

  /** A concatenation's parts in order, nested concatenations opened with a stack rather than by recursion. */
  private concatenationValue(node: Node): { value: string; literal: boolean } {
    let value = '';
    let literal = true;
    const stack: Node[] = [node];
    while (stack.length > 0) {
      const n = stack.pop() as Node;
      if (n.type === 'concatenation') {
        const parts = named(n);
        for (let i = parts.length - 1; i >= 0; i--) stack.push(parts[i] as Node);
        continue;
      }
      const v = this.partValue(n);
      value += v.value;
      literal &&= v.literal;
    }
    return { value, literal };
  }

  private word(node: Node): ShellWord {
    const span = this.fileSpan(node);
    const { value, literal } = this.wordValue(node);
    const raw = this.script.slice(node.startIndex, node.endIndex);
    // A `${{ ... }}` expression is substituted before the shell runs, even inside single quotes.
    const expression = this.masked.slice(node.startIndex, node.endIndex) !== raw;
    const inScript = wordMap(raw, value, node.startIndex);
    return { value, raw: this.file.slice(span.start, span.end) || raw, span, literal: literal && !expression, map: composeMaps(this.map, inScript) };
  }
}
