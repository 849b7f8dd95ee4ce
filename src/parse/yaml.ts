import { type Alias, type Document, isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, type Scalar, type Node as YNode, type YAMLMap, type YAMLSeq } from 'yaml';
import type { Span } from '../types.js';
import { parseJson, type JsonOptions } from './json.js';
import { mapByLines, shiftedMap, type OffsetMap } from '../util/text-map.js';

export type { YNode, YAMLMap, YAMLSeq, Scalar };
export { isMap, isSeq, isScalar };

/** Go/Helm or Jinja template actions (`{{ .Values.x }}`, `{%- if x %}`), not GitHub's `${{ }}` expressions. */
const TEMPLATE_ACTION = /(^|[^$])\{\{[^\n{}]{0,300}\}\}|\{%[-\s][^\n%]{0,300}%\}/m;

/** True when the text is a template that renders to YAML (Helm, Jinja, cookiecutter), not YAML itself. */
export function looksLikeTemplate(text: string): boolean {
  return TEMPLATE_ACTION.test(text);
}

export interface YamlProblem {
  message: string;
  offset: number;
}

/** Aliases resolved per document before we stop following them (YAML bombs). */
export const ALIAS_LIMIT = 10_000;

export interface YamlEntry {
  key: string;
  keyNode: YNode;
  value: YNode | null;
}

/**
 * A parsed YAML (or JSON) file: every document, with source offsets kept, and a view that resolves
 * aliases and merge keys (`<<: *defaults`) under a limit. Documents with syntax errors are left
 * out (and reported as errors); the others are still checked.
 */
export class YamlFile {
  readonly documents: Document.Parsed[] = [];
  readonly errors: YamlProblem[] = [];
  private aliasBudget = new Map<Document.Parsed, number>();
  private aliasLimitHit = false;
  private readonly targets = new Map<Document.Parsed, Map<Alias, unknown>>();

  /** `json`: the file is JSON (with the comments and trailing commas its kind allows), read by the JSON parser. */
  constructor(
    readonly text: string,
    opts: { json?: JsonOptions } = {},
  ) {
    if (opts.json) {
      const r = parseJson(text, opts.json);
      if (r.document) this.documents.push(r.document);
      else this.errors.push(r.error);
      return;
    }
    const lineCounter = new LineCounter();
    let docs: Document.Parsed[];
    try {
      docs = parseAllDocuments(text, {
        lineCounter,
        prettyErrors: false,
        uniqueKeys: false,
        strict: false,
        keepSourceTokens: false,
      }) as Document.Parsed[];
    } catch (e) {
      this.errors.push({ message: e instanceof Error ? e.message : String(e), offset: 0 });
      return;
    }
    if (!Array.isArray(docs)) docs = [docs as unknown as Document.Parsed];
    for (const doc of docs) {
      if (doc.errors.length > 0) {
        for (const err of doc.errors) this.errors.push({ message: err.message.split('\n')[0] as string, offset: err.pos[0] });
        continue;
      }
      this.documents.push(doc);
    }
  }

  get aliasLimitExceeded(): boolean {
    return this.aliasLimitHit;
  }

  /** Follows an alias to its anchored node, counting against the per-document limit. */
  resolve(node: unknown, doc?: Document.Parsed): YNode | null {
    if (node === null || node === undefined) return null;
    if (isAlias(node)) {
      const d = doc ?? this.docOf(node as Alias);
      if (!d) return null;
      const used = (this.aliasBudget.get(d) ?? 0) + 1;
      this.aliasBudget.set(d, used);
      if (used > ALIAS_LIMIT) {
        this.aliasLimitHit = true;
        return null;
      }
      const target = this.aliasTargets(d).get(node as Alias);
      return target && !isAlias(target) ? (target as YNode) : null;
    }
    if (isScalar(node) || isMap(node) || isSeq(node)) return node as YNode;
    return null;
  }

  /**
   * Each alias of a document → the node it names: the last node with that anchor before it in
   * document order, as `Alias.resolve` finds it. One walk with a stack per document, where
   * `Alias.resolve` walks the document (recursively) for each alias.
   */
  private aliasTargets(doc: Document.Parsed): Map<Alias, unknown> {
    let out = this.targets.get(doc);
    if (out) return out;
    out = new Map();
    this.targets.set(doc, out);
    const anchors = new Map<string, unknown>();
    const stack: unknown[] = [doc.contents];
    while (stack.length > 0) {
      const n = stack.pop();
      if (isAlias(n)) {
        out.set(n, anchors.get(n.source));
      } else if (isPair(n)) {
        stack.push(n.value, n.key);
      } else if (isScalar(n) || isMap(n) || isSeq(n)) {
        if (n.anchor) anchors.set(n.anchor, n);
        if (!isScalar(n)) for (let i = n.items.length - 1; i >= 0; i--) stack.push(n.items[i]);
      }
    }
    return out;
  }

  private docOf(node: Alias): Document.Parsed | undefined {
    if (this.documents.length === 1) return this.documents[0];
    const at = node.range?.[0] ?? 0;
    return this.documents.find((d) => d.range[0] <= at && at <= d.range[2]);
  }

  /**
   * Entries of a mapping, keys as strings, merge keys expanded (explicit keys win, then the
   * merged mappings in order, each with its own merges). The merges are followed with a stack;
   * a mapping that merges itself (`x: &x {<<: *x}`) is expanded once, not until the stack ends.
   */
  entries(node: YNode | null | undefined): YamlEntry[] {
    const out: YamlEntry[] = [];
    const seen = new Set<string>();
    const merged: YamlEntry[] = [];
    /** The mappings being expanded, each with the merge sources still to follow. */
    const path = new Set<YNode>();
    const stack: Array<{ map: YNode; sources: Array<YNode | null>; i: number }> = [];
    const enter = (n: YNode | null | undefined, top: boolean): void => {
      const map = this.resolve(n);
      if (!map || !isMap(map) || path.has(map)) return;
      path.add(map);
      const sources: Array<YNode | null> = [];
      for (const item of (map as YAMLMap<unknown, unknown>).items) {
        if (!isPair(item)) continue;
        const keyNode = item.key as YNode;
        const key = isScalar(keyNode) ? String(keyNode.value) : '';
        if (key === '<<' && !(isScalar(item.key) && (item.key as Scalar).type !== 'PLAIN')) {
          const v = this.resolve(item.value);
          if (v && isSeq(v)) for (const i of v.items) sources.push(this.resolve(i));
          else sources.push(v);
          continue;
        }
        const e = { key, keyNode, value: this.resolve(item.value) };
        if (top) {
          seen.add(key);
          out.push(e);
        } else merged.push(e);
      }
      stack.push({ map, sources, i: 0 });
    };
    enter(node, true);
    while (stack.length > 0) {
      const f = stack[stack.length - 1] as { map: YNode; sources: Array<YNode | null>; i: number };
      if (f.i < f.sources.length) enter(f.sources[f.i++], false);
      else {
        stack.pop();
        path.delete(f.map);
      }
    }
    for (const e of merged) {
      if (!seen.has(e.key)) {
        seen.add(e.key);
        out.push(e);
      }
    }
    return out;
  }

  get(node: YNode | null | undefined, key: string): YNode | null {
    return this.entries(node).find((e) => e.key === key)?.value ?? null;
  }

  /** Follows a path of keys (strings) and sequence indexes (numbers). */
  getIn(node: YNode | null | undefined, path: Array<string | number>): YNode | null {
    let cur: YNode | null = this.resolve(node);
    for (const p of path) {
      if (!cur) return null;
      if (typeof p === 'number') cur = this.items(cur)[p] ?? null;
      else cur = this.get(cur, p);
    }
    return cur;
  }

  items(node: YNode | null | undefined): YNode[] {
    const seq = this.resolve(node);
    if (!seq || !isSeq(seq)) return [];
    const out: YNode[] = [];
    for (const i of (seq as YAMLSeq<unknown>).items) {
      const r = this.resolve(i);
      if (r) out.push(r);
    }
    return out;
  }

  /** A scalar's value as a string (numbers and booleans too); undefined for maps, sequences and null. */
  str(node: YNode | null | undefined): string | undefined {
    const n = this.resolve(node);
    if (!n || !isScalar(n) || n.value === null || n.value === undefined) return undefined;
    return typeof n.value === 'string' ? n.value : String(n.value);
  }

  isTrue(node: YNode | null | undefined): boolean {
    const n = this.resolve(node);
    return !!n && isScalar(n) && (n.value === true || n.value === 'true');
  }

  /** The document's root node. */
  root(doc: Document.Parsed): YNode | null {
    return this.resolve(doc.contents, doc);
  }

  /** The source span of a node (quotes included for quoted scalars). */
  span(node: YNode): Span {
    const r = node.range;
    if (!r) return { start: 0, end: 0 };
    return { start: r[0], end: r[1] };
  }

  /**
   * A map from offsets in a scalar's string value to offsets in the file: exact for plain and
   * block scalars and for quoted scalars without escapes; otherwise close to the line.
   */
  valueMap(node: Scalar): OffsetMap {
    const [start, end] = node.range ?? [0, 0];
    const value = typeof node.value === 'string' ? node.value : String(node.value);
    switch (node.type) {
      case 'PLAIN':
        if (!value.includes('\n') && this.text.slice(start, start + value.length) === value) return shiftedMap(start);
        return mapByLines(value, this.text, start, end);
      case 'QUOTE_SINGLE':
      case 'QUOTE_DOUBLE':
        if (this.text.slice(start + 1, start + 1 + value.length) === value) return shiftedMap(start + 1);
        return mapByLines(value, this.text, start + 1, end);
      case 'BLOCK_LITERAL':
      case 'BLOCK_FOLDED': {
        const headerEnd = this.text.indexOf('\n', start);
        return mapByLines(value, this.text, headerEnd === -1 ? end : headerEnd + 1, end);
      }
      default:
        return shiftedMap(start);
    }
  }
}
