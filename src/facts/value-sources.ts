import type { FileModel } from '../model/file-model.js';
import type { ProjectModel } from '../model/project.js';
import { span as pySpan } from '../parse/python.js';
import { Node as TsNode, SyntaxKind, tsSpan } from '../parse/typescript.js';
import type { Confidence, Span } from '../types.js';
import { callersOf, functionAt, type CallEdge } from './inference/index.js';
import { pyLookup, pyModuleBindings, tsProperty, type PyBinding, type PyNode } from './values.js';
import { deeper, descendantsOfKind } from '../parse/walk.js';

/**
 * Where a string passed somewhere can come from: every literal that may reach an expression,
 * followed through the shapes real code uses to name a model once and pass it on. Defaults
 * (`os.getenv("M", "x")`, `process.env.M ?? "x"`, `x or "y"`, ternaries), module constants (also
 * imported), parameter defaults and the arguments callers of the repository pass, argparse /
 * click / typer option defaults, class attributes and constructor defaults (`self.model`,
 * `this.model`), dataclass / pydantic / attrs / zod field defaults, settings objects
 * (`settings.llm_model`, `CONFIG.model`), dict and list entries (`MODELS["fast"]`,
 * `for m in MODELS`) and functions returning a constant. Nothing is evaluated; the result is
 * the set of candidate literals, each with where it is written and how it got here.
 */
export type SourceVia = 'literal' | 'template' | 'constant' | 'argument' | 'parameter-default' | 'attribute' | 'catalogue' | 'fallback' | 'field-default' | 'option-default' | 'env-default';

export interface ValueSource {
  value: string;
  /** False when part of the value is unknown (a template with a runtime part). */
  exact: boolean;
  /** Root-relative path of the file that holds the literal. */
  path: string;
  /** The literal. */
  span: Span;
  /** The most telling step of the way from the literal to the expression asked about. */
  via: SourceVia;
  envName?: string;
  /** What holds the value at that step, for messages: `MODEL`, `--model`, `Settings.llm_model`, `ask(model)`, `MODELS`. */
  holder?: string;
  /** `high` when every step is certain; lower when a step was guessed (an argparse namespace passed as a parameter, an entry picked at run time). */
  confidence: Confidence;
}

/** How telling each step is for a message: the most telling one along the way is kept. */
const VIA_RANK: Record<SourceVia, number> = {
  literal: 0,
  template: 1,
  constant: 2,
  attribute: 3,
  argument: 4,
  'parameter-default': 5,
  fallback: 6,
  catalogue: 7,
  'field-default': 8,
  'option-default': 9,
  'env-default': 10,
};

const CONF_RANK: Record<Confidence, number> = { low: 0, medium: 1, high: 2 };
const minConf = (a: Confidence, b: Confidence): Confidence => (CONF_RANK[a] <= CONF_RANK[b] ? a : b);

function step(s: ValueSource, via: SourceVia, holder: string | undefined, conf: Confidence, envName?: string): ValueSource {
  const keep = VIA_RANK[s.via] >= VIA_RANK[via];
  return {
    ...s,
    via: keep ? s.via : via,
    holder: keep ? s.holder : holder?.replace(/\s+/g, ' '),
    envName: keep ? s.envName : (envName ?? s.envName),
    confidence: minConf(s.confidence, conf),
  };
}

/** Bounds on the walk: steps per expression and values per answer. */
const MAX_DEPTH = 16;
const MAX_VALUES = 200;

// ---------------------------------------------------------------- Python

type PyVal =
  | { t: 'str'; s: ValueSource }
  | { t: 'dict'; file: FileModel; node: PyNode; conf: Confidence; holder?: string }
  | { t: 'seq'; file: FileModel; items: PyNode[]; conf: Confidence; holder?: string }
  | { t: 'instance' | 'class'; file: FileModel; cls: PyNode; conf: Confidence }
  | { t: 'module'; file: FileModel }
  | { t: 'namespace'; file: FileModel; conf: Confidence };

function kids(n: PyNode): PyNode[] {
  return n.namedChildren.filter((c): c is PyNode => c !== null && c.type !== 'comment');
}

/** Callee names whose first argument or `default=` is a field's or an option's default. */
const PY_DEFAULT_CALLS = /(^|\.)(Field|field|Option|Argument|Query|Body|Form|Header|Path|Param|ib|attrib|PrivateAttr)$/;
const PY_SEQ_TYPES = new Set(['list', 'tuple', 'set']);

class PyFlow {
  private readonly active = new Set<string>();
  private budget = 4000;

  constructor(private readonly project: ProjectModel | undefined) {}

  strings(file: FileModel, node: PyNode): ValueSource[] {
    const out: ValueSource[] = [];
    const seen = new Set<string>();
    for (const v of this.vals(file, node, 'high', MAX_DEPTH)) {
      if (v.t !== 'str') continue;
      const key = `${v.s.path}:${v.s.span.start}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(v.s);
      if (out.length >= MAX_VALUES) break;
    }
    return out;
  }

  vals(file: FileModel, node: PyNode | null | undefined, conf: Confidence, depth: number): PyVal[] {
    const py = file.python();
    // Parentheses and `await` cost no step: looked through in a loop, however many there are.
    while (node && (node.type === 'parenthesized_expression' || node.type === 'await')) node = kids(node)[0];
    if (!py || !node || depth <= 0 || --this.budget < 0) return [];
    const key = `${file.path}:${node.startIndex}:${node.endIndex}:${node.type}`;
    if (this.active.has(key)) return [];
    this.active.add(key);
    try {
      return this.valsOf(file, node, conf, depth);
    } finally {
      this.active.delete(key);
    }
  }

  private str(file: FileModel, node: PyNode, conf: Confidence): PyVal[] {
    const py = file.python();
    const s = py?.stringValue(node);
    if (!s) return [];
    const via: SourceVia = s.kind === 'env-default' ? 'env-default' : s.kind === 'template' ? 'template' : s.kind === 'constant' ? 'constant' : 'literal';
    return [{ t: 'str', s: { value: s.value, exact: s.exact, path: file.path, span: pySpan(s.node), via, envName: s.envName, confidence: conf } }];
  }

  private valsOf(file: FileModel, node: PyNode, conf: Confidence, depth: number): PyVal[] {
    const py = file.python();
    if (!py) return [];
    switch (node.type) {
      case 'string':
      case 'concatenated_string':
        return this.str(file, node, conf);
      case 'binary_operator':
        return this.str(file, node, conf);
      case 'parenthesized_expression':
      case 'await':
        return this.vals(file, kids(node)[0], conf, depth);
      case 'conditional_expression': {
        const k = kids(node);
        return [...this.vals(file, k[0], conf, depth - 1), ...this.vals(file, k[2], conf, depth - 1)];
      }
      case 'boolean_operator': {
        const op = node.childForFieldName('operator');
        const left = node.childForFieldName('left');
        const right = node.childForFieldName('right');
        if (op && py.text_(op) === 'and') return this.vals(file, right, conf, depth - 1);
        const direct = left ? py.envLookup(left) : undefined;
        const env = direct ?? (left ? pyEnvIn(file, left) : undefined);
        const r = this.vals(file, right, conf, depth - 1);
        const l = direct ? this.vals(file, direct.fallback, conf, depth - 1) : this.vals(file, left, conf, depth - 1);
        if (env) return [...l, ...r].map((v) => (v.t === 'str' ? { ...v, s: step(v.s, 'env-default', undefined, conf, env.name) } : v));
        // `model or "gpt-4o"`: the literal is the fallback when the left side is empty.
        return [...l, ...r.map((v) => (v.t === 'str' ? { ...v, s: step(v.s, 'fallback', left ? py.text_(left) : undefined, conf) } : v))];
      }
      case 'dictionary':
        return [{ t: 'dict', file, node, conf }];
      case 'list':
      case 'tuple':
      case 'set':
        return [{ t: 'seq', file, items: kids(node).filter((k) => k.type !== 'list_splat'), conf }];
      case 'identifier':
        return this.name(file, node, conf, depth);
      case 'attribute':
        return this.attribute(file, node, conf, depth);
      case 'subscript':
        return this.subscript(file, node, conf, depth);
      case 'call':
        return this.call(file, node, conf, depth);
      default:
        return [];
    }
  }

  // ---- names

  private name(file: FileModel, ident: PyNode, conf: Confidence, depth: number): PyVal[] {
    const py = file.python();
    if (!py) return [];
    const name = py.text_(ident);
    if (name === 'None' || name === 'True' || name === 'False') return [];
    const found = pyLookup(file, ident);
    if (found) return this.bindings(file, name, found.scope, found.bindings, conf, depth);
    return this.moduleName(file, name, conf, depth, true);
  }

  private bindings(file: FileModel, name: string, scope: PyNode, bindings: PyBinding[], conf: Confidence, depth: number): PyVal[] {
    const out: PyVal[] = [];
    const atModule = !scope.parent || scope.type === 'module';
    for (const b of bindings) {
      if (b.kind === 'assign') {
        for (const v of this.vals(file, b.value, conf, depth - 1))
          out.push(v.t === 'str' ? { ...v, s: step(v.s, 'constant', name, conf) } : (v.t === 'dict' || v.t === 'seq') && !v.holder ? { ...v, holder: name } : v);
      } else if (b.kind === 'for') {
        for (const v of this.elements(this.vals(file, b.value, conf, depth - 1), depth - 1, 'iterate')) out.push(v);
      } else if (b.kind === 'param') {
        out.push(...this.param(file, name, scope, b.value, conf, depth));
      }
    }
    if (atModule && out.length === 0) {
      const def = this.definition(file, name);
      if (def?.type === 'class_definition') out.push({ t: 'class', file, cls: def, conf });
    }
    return out;
  }

  /** A name at the top level of a module: its bindings, a class, or an import (followed into the repository). */
  private moduleName(file: FileModel, name: string, conf: Confidence, depth: number, viaImport: boolean): PyVal[] {
    const py = file.python();
    if (!py) return [];
    const bindings = pyModuleBindings(file, name);
    const assigned = bindings.filter((b) => b.kind === 'assign' || b.kind === 'for');
    if (assigned.length > 0) return this.bindings(file, name, py.root, assigned, conf, depth);
    const def = this.definition(file, name);
    if (def?.type === 'class_definition') return [{ t: 'class', file, cls: def, conf }];
    if (def) return [];
    if (!viaImport || !this.project) return [];
    const imp = py.imports().find((i) => i.local === name && !i.star);
    if (!imp) return [];
    const resolve = (m: string): FileModel | undefined => {
      const p = this.project?.index.resolvePy(file.path, m);
      const f = p ? this.project?.file(p) : undefined;
      return f && f !== file ? f : undefined;
    };
    if (imp.qualified !== imp.module) {
      // `from app.config import MODEL`: the name in that module; `from app import config`: a submodule.
      const last = imp.qualified.slice(imp.qualified.lastIndexOf('.') + 1);
      const owner = resolve(imp.module);
      if (owner && this.definesName(owner, last)) return this.moduleName(owner, last, conf, depth - 1, true);
      const sub = resolve(imp.qualified);
      return sub ? [{ t: 'module', file: sub }] : [];
    }
    // `import config`, `import app.config as config`.
    const mod = resolve(imp.qualified);
    return mod ? [{ t: 'module', file: mod }] : [];
  }

  private definesName(file: FileModel, name: string): boolean {
    return (
      pyModuleBindings(file, name).length > 0 ||
      !!this.definition(file, name) ||
      !!file
        .python()
        ?.imports()
        .some((i) => i.local === name)
    );
  }

  /** A top-level `def name` / `class name` of a module (decorated ones too). */
  private definition(file: FileModel, name: string): PyNode | undefined {
    const py = file.python();
    if (!py) return undefined;
    return file.memo(`facts:value-sources:py-def:${name}`, () => {
      for (const stmt of kids(py.root)) {
        const d = stmt.type === 'decorated_definition' ? stmt.childForFieldName('definition') : stmt;
        if ((d?.type === 'function_definition' || d?.type === 'class_definition') && py.text_(d.childForFieldName('name') as PyNode) === name) return d;
      }
      return undefined;
    });
  }

  // ---- parameters and their callers

  private param(file: FileModel, name: string, fn: PyNode, dflt: PyNode | undefined, conf: Confidence, depth: number): PyVal[] {
    const py = file.python();
    if (!py || fn.type !== 'function_definition') return [];
    const defName = py.text_(fn.childForFieldName('name') as PyNode);
    const cls = defName === '__init__' ? enclosingClass(fn) : undefined;
    const fnName = cls ? py.text_(cls.childForFieldName('name') as PyNode) : defName;
    const holder = `${fnName}(${name})`;
    const out: PyVal[] = [];
    for (const v of this.defaultVals(file, dflt, conf, depth - 1)) out.push(v.t === 'str' ? { ...v, s: step(v.s, 'parameter-default', holder, conf) } : v);
    // click: @click.option("--model", default="gpt-4o") on the function.
    const deco = fn.parent?.type === 'decorated_definition' ? fn.parent : undefined;
    for (const d of deco ? kids(deco).filter((k) => k.type === 'decorator') : []) {
      const call = kids(d)[0];
      if (call?.type !== 'call') continue;
      const callee = py.qualify(py.chain(call.childForFieldName('function') as PyNode));
      if (!/(^|\.)(option|argument)$/.test(callee)) continue;
      const args = kids(call.childForFieldName('arguments') as PyNode);
      const opts = args.filter((a) => a.type === 'string').map((a) => py.stringValue(a)?.value ?? '');
      const named = opts.find((o) => !o.startsWith('-')) ?? opts.find((o) => o.startsWith('--'))?.replace(/^--/, '') ?? '';
      if (named.replace(/-/g, '_') !== name) continue;
      const kw = args.find((a) => a.type === 'keyword_argument' && py.text_(a.childForFieldName('name') as PyNode) === 'default');
      for (const v of this.vals(file, kw?.childForFieldName('value'), conf, depth - 1))
        out.push(v.t === 'str' ? { ...v, s: step(v.s, 'option-default', opts.find((o) => o.startsWith('--')) ?? name, conf) } : v);
    }
    if (!this.project) return out;
    const params = fn.childForFieldName('parameters');
    const names = params ? kids(params).map((p) => paramName(py.text_.bind(py), p)) : [];
    const isMethod = names[0] === 'self' || names[0] === 'cls';
    const index = names.filter((_n, i) => !(isMethod && i === 0)).indexOf(name);
    for (const e of this.callers(file, fn)) {
      const arg = e.args.get(name) ?? (index >= 0 ? e.args.get(`#${index}`) : undefined);
      const caller = this.project.file(e.from.path);
      if (!arg || !caller) continue;
      for (const v of this.vals(caller, arg.node as PyNode, conf, depth - 1)) out.push(v.t === 'str' ? { ...v, s: step(v.s, 'argument', holder, conf) } : v);
    }
    return out;
  }

  private callers(file: FileModel, fn: PyNode): CallEdge[] {
    if (!this.project) return [];
    const info = functionAt(file, this.project, (fn.childForFieldName('body') ?? fn).startIndex);
    if (!info || info.name === '<module>') return [];
    return callersOf(this.project, info);
  }

  /** A default: `Field("x")`, `Field(default="x")`, `typer.Option("x", ...)`, `attr.ib(default="x")`, or the value itself. */
  private defaultVals(file: FileModel, node: PyNode | null | undefined, conf: Confidence, depth: number): PyVal[] {
    const py = file.python();
    if (!py || !node) return [];
    if (node.type === 'call') {
      const callee = py.chain(node.childForFieldName('function') as PyNode);
      if (PY_DEFAULT_CALLS.test(callee)) {
        const args = kids(node.childForFieldName('arguments') as PyNode);
        const kw = args.find((a) => a.type === 'keyword_argument' && py.text_(a.childForFieldName('name') as PyNode) === 'default');
        const first = args.find((a) => a.type !== 'keyword_argument');
        const v = kw ? kw.childForFieldName('value') : first && first.type !== 'ellipsis' ? first : undefined;
        return this.vals(file, v, conf, depth);
      }
    }
    return this.vals(file, node, conf, depth);
  }

  // ---- attributes

  private attribute(file: FileModel, node: PyNode, conf: Confidence, depth: number): PyVal[] {
    const py = file.python();
    if (!py) return [];
    const obj = node.childForFieldName('object');
    const attrNode = node.childForFieldName('attribute');
    if (!obj || !attrNode) return [];
    const attr = py.text_(attrNode);
    // Enum members: `Model.GPT4O.value`.
    if (attr === 'value' && obj.type === 'attribute') return this.vals(file, obj, conf, depth - 1).filter((v) => v.t === 'str');
    if (obj.type === 'identifier' && (py.text_(obj) === 'self' || py.text_(obj) === 'cls')) {
      const cls = enclosingClass(obj);
      return cls ? this.classAttr(file, cls, attr, conf, depth - 1) : [];
    }
    const out: PyVal[] = [];
    let namespace = false;
    for (const v of this.vals(file, obj, conf, depth - 1)) {
      if (v.t === 'instance' || v.t === 'class') out.push(...this.classAttr(v.file, v.cls, attr, minConf(conf, v.conf), depth - 1));
      else if (v.t === 'module') out.push(...this.moduleName(v.file, attr, conf, depth - 1, true));
      else if (v.t === 'namespace') {
        namespace = true;
        out.push(...this.optionDefault(v.file, attr, minConf(conf, v.conf), depth - 1));
      }
    }
    // `args.model` where `args` came in as a parameter: the options this file's parser declares.
    if (!namespace && out.length === 0 && obj.type === 'identifier' && /^(args|opts|options|cli_args|cmd_args|parsed_args|flags|arguments|argv)$/.test(py.text_(obj))) {
      out.push(...this.optionDefault(file, attr, minConf(conf, 'medium'), depth - 1));
    }
    return out;
  }

  /** A class's attribute: its class-body default (`model: str = "x"`, `Field(...)`), `self.x = ...` in its methods, then its bases. */
  private classAttr(file: FileModel, cls: PyNode, attr: string, conf: Confidence, depth: number): PyVal[] {
    const py = file.python();
    if (!py || depth <= 0) return [];
    const clsName = py.text_(cls.childForFieldName('name') as PyNode);
    const holder = `${clsName}.${attr}`;
    const out: PyVal[] = [];
    const body = cls.childForFieldName('body');
    for (const stmt of body ? kids(body) : []) {
      if (stmt.type === 'expression_statement') {
        const a = kids(stmt)[0];
        if (a?.type === 'assignment' && a.childForFieldName('left')?.type === 'identifier' && py.text_(a.childForFieldName('left') as PyNode) === attr) {
          for (const v of this.defaultVals(file, a.childForFieldName('right'), conf, depth - 1)) out.push(v.t === 'str' ? { ...v, s: step(v.s, 'field-default', holder, conf) } : v);
        }
        continue;
      }
      const fn = stmt.type === 'decorated_definition' ? stmt.childForFieldName('definition') : stmt;
      if (fn?.type !== 'function_definition') continue;
      for (const a of fn.descendantsOfType('assignment')) {
        const left = a?.childForFieldName('left');
        if (!a || left?.type !== 'attribute') continue;
        const o = left.childForFieldName('object');
        if (o?.type !== 'identifier' || py.text_(o) !== 'self' || py.text_(left.childForFieldName('attribute') as PyNode) !== attr) continue;
        for (const v of this.vals(file, a.childForFieldName('right'), conf, depth - 1)) out.push(v.t === 'str' ? { ...v, s: step(v.s, 'attribute', `self.${attr}`, conf) } : v);
      }
    }
    if (out.length > 0) return out;
    const supers = cls.childForFieldName('superclasses');
    for (const b of supers ? kids(supers) : []) {
      if (b.type !== 'identifier' && b.type !== 'attribute') continue;
      for (const v of this.vals(file, b, conf, depth - 1)) if (v.t === 'class') out.push(...this.classAttr(v.file, v.cls, attr, conf, depth - 1));
    }
    return out;
  }

  /** argparse: the `default=` of the option whose destination is `dest` (`--model-name` → `model_name`), and `set_defaults(dest=...)`. */
  private optionDefault(file: FileModel, dest: string, conf: Confidence, depth: number): PyVal[] {
    const py = file.python();
    if (!py) return [];
    const out: PyVal[] = [];
    for (const c of py.calls()) {
      const last = c.callee.split('.').pop();
      if (last === 'set_defaults') {
        const v = c.kwargs.get(dest);
        for (const x of this.vals(file, v, conf, depth - 1)) out.push(x.t === 'str' ? { ...x, s: step(x.s, 'option-default', dest, conf) } : x);
        continue;
      }
      if (last !== 'add_argument') continue;
      const flags = c.args.map((a) => py.stringValue(a)?.value).filter((s): s is string => !!s);
      const explicit = c.kwargs.get('dest');
      const d = explicit ? py.stringValue(explicit)?.value : (flags.find((f) => f.startsWith('--')) ?? flags.find((f) => !f.startsWith('-')) ?? flags[0])?.replace(/^-+/, '').replace(/-/g, '_');
      if (d !== dest) continue;
      const flag = flags.find((f) => f.startsWith('--')) ?? flags[0] ?? dest;
      for (const x of this.vals(file, c.kwargs.get('default'), conf, depth - 1)) out.push(x.t === 'str' ? { ...x, s: step(x.s, 'option-default', flag, conf) } : x);
    }
    return out;
  }

  // ---- subscripts and collections

  private subscript(file: FileModel, node: PyNode, conf: Confidence, depth: number): PyVal[] {
    const py = file.python();
    if (!py) return [];
    const obj = node.childForFieldName('value');
    const sub = node.childForFieldName('subscript');
    if (!obj || !sub) return [];
    const key = py.stringValue(sub)?.value;
    const index = sub.type === 'integer' ? Number(py.text_(sub)) : sub.type === 'unary_operator' && /^-\d+$/.test(py.text_(sub)) ? Number(py.text_(sub)) : undefined;
    const out: PyVal[] = [];
    for (const v of this.vals(file, obj, conf, depth - 1)) {
      if (v.t === 'dict') {
        const pairs = dictPairs(v.file, v.node);
        if (key !== undefined) {
          const hit = pairs.find((p) => p.key === key);
          if (hit) out.push(...this.vals(v.file, hit.value, v.conf, depth - 1));
        } else if (index === undefined) {
          out.push(
            ...this.entries(
              v.file,
              pairs.map((p) => p.value),
              minConf(v.conf, 'medium'),
              v.holder ?? py.text_(obj),
              depth - 1,
            ),
          );
        }
      } else if (v.t === 'seq') {
        if (index !== undefined) {
          const item = v.items[index < 0 ? v.items.length + index : index];
          if (item) out.push(...this.vals(v.file, item, v.conf, depth - 1));
        } else if (key === undefined) {
          out.push(...this.entries(v.file, v.items, minConf(v.conf, 'medium'), v.holder ?? py.text_(obj), depth - 1));
        }
      }
    }
    return out;
  }

  /** The items of collections, each marked as an entry of its catalogue. */
  private entries(file: FileModel, items: PyNode[], conf: Confidence, holder: string, depth: number): PyVal[] {
    const out: PyVal[] = [];
    for (const it of items) for (const v of this.vals(file, it, conf, depth)) out.push(v.t === 'str' ? { ...v, s: step(v.s, 'catalogue', holder, conf) } : v);
    return out;
  }

  /** What iterating (or picking from) these values yields: list items, dict keys. */
  private elements(vals: PyVal[], depth: number, how: 'iterate' | 'pick'): PyVal[] {
    const out: PyVal[] = [];
    for (const v of vals) {
      if (v.t === 'seq') out.push(...this.entries(v.file, v.items, how === 'pick' ? minConf(v.conf, 'medium') : v.conf, v.holder ?? 'a list', depth));
      else if (v.t === 'dict')
        out.push(
          ...this.entries(
            v.file,
            dictPairs(v.file, v.node).map((p) => p.keyNode),
            v.conf,
            v.holder ?? 'a dict',
            depth,
          ),
        );
    }
    return out;
  }

  // ---- calls

  private call(file: FileModel, node: PyNode, conf: Confidence, depth: number): PyVal[] {
    const py = file.python();
    if (!py) return [];
    const env = py.envLookup(node);
    if (env) return this.vals(file, env.fallback, conf, depth - 1).map((v) => (v.t === 'str' ? { ...v, s: step(v.s, 'env-default', undefined, conf, env.name) } : v));
    const fn = node.childForFieldName('function');
    const argList = node.childForFieldName('arguments');
    if (!fn) return [];
    const args = argList ? kids(argList) : [];
    const positional = args.filter((a) => a.type !== 'keyword_argument' && a.type !== 'list_splat' && a.type !== 'dictionary_splat');
    const callee = py.chain(fn);
    const q = callee ? py.qualify(callee) : '';
    if (q === 'str' || q === 'typing.cast' || q === 'cast') return this.vals(file, positional[positional.length - 1], conf, depth - 1);
    if (/^(random\.choice|secrets\.choice|choice)$/.test(q)) return this.elements(this.vals(file, positional[0], conf, depth - 1), depth - 1, 'pick');
    if (/^(argparse\.)?ArgumentParser\(\)\.parse_(known_)?args$/.test(q) || /\.parse_(known_)?args$/.test(callee)) return [{ t: 'namespace', file, conf }];
    if (fn.type === 'attribute') {
      const obj = fn.childForFieldName('object') as PyNode;
      const method = py.text_(fn.childForFieldName('attribute') as PyNode);
      if (method === 'get' || method === 'pop' || method === 'setdefault') {
        // settings.get("model", "gpt-4o"): the entry when the dict is known, and the fallback.
        const key = positional[0] ? py.stringValue(positional[0])?.value : undefined;
        const out: PyVal[] = [];
        for (const v of this.vals(file, obj, conf, depth - 1)) {
          const hit = v.t === 'dict' && key !== undefined ? dictPairs(v.file, v.node).find((p) => p.key === key) : undefined;
          if (hit && v.t === 'dict') out.push(...this.vals(v.file, hit.value, v.conf, depth - 1));
        }
        for (const v of this.vals(file, positional[1], conf, depth - 1)) out.push(v.t === 'str' ? { ...v, s: step(v.s, 'fallback', `${py.text_(obj)}.${method}`, conf) } : v);
        return out;
      }
      if (method === 'values' || method === 'keys') {
        const out: PyVal[] = [];
        for (const v of this.vals(file, obj, conf, depth - 1)) {
          if (v.t === 'dict') out.push({ t: 'seq', file: v.file, items: dictPairs(v.file, v.node).map((p) => (method === 'values' ? p.value : p.keyNode)), conf: v.conf, holder: py.text_(obj) });
        }
        return out;
      }
      if (/^(strip|rstrip|lstrip)$/.test(method)) return this.vals(file, obj, conf, depth - 1);
      // self.pick_model(): a method of this class returning a constant.
      if (obj.type === 'identifier' && py.text_(obj) === 'self') {
        const cls = enclosingClass(node);
        const m = cls ? classMethod(file, cls, method) : undefined;
        return m ? this.returns(file, m, conf, depth - 1) : [];
      }
    }
    if (q === 'getattr' && positional.length >= 3) {
      const out: PyVal[] = [];
      const attr = py.stringValue(positional[1] as PyNode)?.value;
      if (attr) for (const v of this.vals(file, positional[0], conf, depth - 1)) if (v.t === 'instance' || v.t === 'class') out.push(...this.classAttr(v.file, v.cls, attr, v.conf, depth - 1));
      for (const v of this.vals(file, positional[2], conf, depth - 1)) out.push(v.t === 'str' ? { ...v, s: step(v.s, 'fallback', 'getattr', conf) } : v);
      return out;
    }
    if (fn.type !== 'identifier' && fn.type !== 'attribute') return [];
    // A class of the repository (an instance), or a function of it returning a value.
    const out: PyVal[] = [];
    for (const v of this.vals(file, fn, conf, depth - 1)) if (v.t === 'class') out.push({ t: 'instance', file: v.file, cls: v.cls, conf: v.conf });
    if (out.length > 0) return out;
    const def = this.functionDef(file, fn);
    return def ? this.returns(def.file, def.node, conf, depth - 1) : [];
  }

  /** The function a callee names: a top-level `def` of this file or of a repository module it imports. */
  private functionDef(file: FileModel, fn: PyNode): { file: FileModel; node: PyNode } | undefined {
    const py = file.python();
    if (!py) return undefined;
    if (fn.type === 'identifier') {
      const name = py.text_(fn);
      if (pyLookup(file, fn)?.scope.type === 'function_definition') return undefined;
      const def = this.definition(file, name);
      if (def?.type === 'function_definition') return { file, node: def };
      const imp = this.project ? py.imports().find((i) => i.local === name && !i.star && i.qualified !== i.module) : undefined;
      const target = imp && this.project ? this.project.index.resolvePy(file.path, imp.module) : undefined;
      const other = target ? this.project?.file(target) : undefined;
      const d = other ? this.definition(other, (imp as { qualified: string }).qualified.split('.').pop() as string) : undefined;
      return other && d?.type === 'function_definition' ? { file: other, node: d } : undefined;
    }
    return undefined;
  }

  private returns(file: FileModel, fn: PyNode, conf: Confidence, depth: number): PyVal[] {
    const out: PyVal[] = [];
    const body = fn.childForFieldName('body');
    for (const r of body ? body.descendantsOfType('return_statement') : []) {
      if (!r || enclosingFunction(r) !== fn.id) continue;
      out.push(...this.vals(file, kids(r)[0], conf, depth));
    }
    return out;
  }
}

/** The variable of an environment lookup anywhere in an `a or os.getenv("X") or ...` chain. */
function pyEnvIn(file: FileModel, node: PyNode): { name: string } | undefined {
  const py = file.python();
  if (!py) return undefined;
  // Right side first, then the left, with an explicit stack: a 5,000-term `or` chain is a loop.
  const stack: PyNode[] = [node];
  while (stack.length > 0) {
    const n = stack.pop() as PyNode;
    const direct = py.envLookup(n);
    if (direct) return direct;
    if (n.type === 'parenthesized_expression') {
      const inner = kids(n)[0];
      if (inner) stack.push(inner);
      continue;
    }
    if (n.type !== 'boolean_operator') continue;
    const r = n.childForFieldName('right');
    const l = n.childForFieldName('left');
    if (l) stack.push(l);
    if (r) stack.push(r);
  }
  return undefined;
}

function paramName(text: (n: PyNode) => string, p: PyNode): string {
  if (p.type === 'identifier') return text(p);
  if (p.type === 'default_parameter' || p.type === 'typed_default_parameter') return text(p.childForFieldName('name') as PyNode);
  if (p.type === 'typed_parameter') {
    const n = kids(p)[0];
    return n?.type === 'identifier' ? text(n) : '';
  }
  return '';
}

function enclosingClass(node: PyNode): PyNode | undefined {
  for (let n: PyNode | null = node.parent; n; n = n.parent) if (n.type === 'class_definition') return n;
  return undefined;
}

function enclosingFunction(node: PyNode): number | undefined {
  for (let n: PyNode | null = node.parent; n; n = n.parent) if (n.type === 'function_definition' || n.type === 'lambda') return n.id;
  return undefined;
}

function classMethod(file: FileModel, cls: PyNode, name: string): PyNode | undefined {
  const py = file.python();
  const body = cls.childForFieldName('body');
  for (const stmt of body && py ? kids(body) : []) {
    const fn = stmt.type === 'decorated_definition' ? stmt.childForFieldName('definition') : stmt;
    if (fn?.type === 'function_definition' && py?.text_(fn.childForFieldName('name') as PyNode) === name) return fn;
  }
  return undefined;
}

function dictPairs(file: FileModel, node: PyNode): Array<{ key?: string; keyNode: PyNode; value: PyNode }> {
  const py = file.python();
  if (!py) return [];
  const out: Array<{ key?: string; keyNode: PyNode; value: PyNode }> = [];
  if (node.type === 'dictionary') {
    for (const pair of kids(node)) {
      if (pair.type !== 'pair') continue;
      const k = pair.childForFieldName('key');
      const v = pair.childForFieldName('value');
      if (k && v) out.push({ key: py.stringValue(k)?.value, keyNode: k, value: v });
    }
  }
  return out;
}

/** Is this node a Python collection literal (for catalogue readers)? */
export function isPySequence(node: PyNode): boolean {
  return PY_SEQ_TYPES.has(node.type);
}

// ---------------------------------------------------------------- TypeScript / JavaScript

type TsVal =
  | { t: 'str'; s: ValueSource }
  | { t: 'obj'; file: FileModel; node: TsNode; conf: Confidence; holder?: string }
  | { t: 'seq'; file: FileModel; items: TsNode[]; conf: Confidence; holder?: string }
  | { t: 'instance' | 'class'; file: FileModel; cls: TsNode; conf: Confidence }
  | { t: 'enum'; file: FileModel; decl: TsNode; conf: Confidence }
  | { t: 'zod'; file: FileModel; shape: TsNode; conf: Confidence }
  | { t: 'module'; file: FileModel };

function unwrap(node: TsNode): TsNode {
  let n = node;
  while (
    TsNode.isParenthesizedExpression(n) ||
    TsNode.isAsExpression(n) ||
    TsNode.isSatisfiesExpression(n) ||
    TsNode.isNonNullExpression(n) ||
    TsNode.isTypeAssertion(n) ||
    TsNode.isAwaitExpression(n)
  )
    n = n.getExpression();
  return n;
}

type TsDecl =
  | { k: 'var'; node: TsNode /* VariableDeclaration */ }
  | { k: 'binding'; node: TsNode /* BindingElement */ }
  | { k: 'param'; node: TsNode /* ParameterDeclaration */ }
  | { k: 'for-of'; node: TsNode /* VariableDeclaration in a for-of */ }
  | { k: 'class' | 'enum' | 'function'; node: TsNode };

/** The declaration an identifier refers to: the nearest enclosing scope that declares the name. */
function tsDeclOf(ident: TsNode): TsDecl | undefined {
  const name = ident.getText();
  // Nested destructuring patterns, depth first in source order, with an explicit stack.
  const inBinding = (pattern: TsNode): TsNode | undefined => {
    const stack: TsNode[] = [];
    const open = (p: TsNode): void => {
      if (!TsNode.isObjectBindingPattern(p) && !TsNode.isArrayBindingPattern(p)) return;
      const els = p.getElements() as TsNode[];
      for (let i = els.length - 1; i >= 0; i--) if (TsNode.isBindingElement(els[i] as TsNode)) stack.push(els[i] as TsNode);
    };
    open(pattern);
    while (stack.length > 0) {
      const el = stack.pop() as TsNode;
      const n = (el as import('ts-morph').BindingElement).getNameNode();
      if (TsNode.isIdentifier(n) && n.getText() === name) return el;
      open(n);
    }
    return undefined;
  };
  const fromVar = (d: TsNode): TsDecl | undefined => {
    if (!TsNode.isVariableDeclaration(d)) return undefined;
    const n = d.getNameNode();
    if (TsNode.isIdentifier(n)) return n.getText() === name ? { k: 'var', node: d } : undefined;
    const el = inBinding(n);
    return el ? { k: 'binding', node: el } : undefined;
  };
  const inStatements = (stmts: TsNode[]): TsDecl | undefined => {
    for (const s of stmts) {
      if (TsNode.isVariableStatement(s)) {
        for (const d of s.getDeclarations()) {
          const hit = fromVar(d);
          if (hit) return hit;
        }
      } else if ((TsNode.isClassDeclaration(s) || TsNode.isFunctionDeclaration(s) || TsNode.isEnumDeclaration(s)) && s.getName() === name) {
        return { k: TsNode.isClassDeclaration(s) ? 'class' : TsNode.isEnumDeclaration(s) ? 'enum' : 'function', node: s };
      } else if (TsNode.isExportAssignment(s)) continue;
    }
    return undefined;
  };
  for (let n: TsNode | undefined = ident.getParent(); n; n = n.getParent()) {
    if (TsNode.isForOfStatement(n) || TsNode.isForInStatement(n)) {
      const init = n.getInitializer();
      if (TsNode.isVariableDeclarationList(init)) {
        for (const d of init.getDeclarations()) {
          const dn = d.getNameNode();
          if (TsNode.isIdentifier(dn) && dn.getText() === name) return { k: 'for-of', node: d };
        }
      }
    }
    if (TsNode.isFunctionLikeDeclaration(n) || TsNode.isArrowFunction(n) || TsNode.isFunctionExpression(n)) {
      for (const p of n.getParameters()) {
        const pn = p.getNameNode();
        if (TsNode.isIdentifier(pn) && pn.getText() === name) return { k: 'param', node: p };
        const el = inBinding(pn);
        if (el) return { k: 'binding', node: el };
      }
    }
    if (TsNode.isBlock(n) || TsNode.isSourceFile(n) || TsNode.isModuleBlock(n) || TsNode.isCaseClause(n) || TsNode.isDefaultClause(n)) {
      const hit = inStatements(n.getStatements() as TsNode[]);
      if (hit) return hit;
    }
  }
  return undefined;
}

/** The class around a node. */
function tsEnclosingClass(node: TsNode): TsNode | undefined {
  for (let n = node.getParent(); n; n = n.getParent()) if (TsNode.isClassDeclaration(n) || TsNode.isClassExpression(n)) return n;
  return undefined;
}

function propKey(name: TsNode): string | undefined {
  if (TsNode.isIdentifier(name) || TsNode.isPrivateIdentifier(name)) return name.getText();
  if (TsNode.isStringLiteral(name) || TsNode.isNoSubstitutionTemplateLiteral(name) || TsNode.isNumericLiteral(name)) return name.getLiteralText();
  return undefined;
}

class TsFlow {
  private readonly active = new Set<string>();
  private budget = 4000;

  constructor(private readonly project: ProjectModel | undefined) {}

  strings(file: FileModel, node: TsNode): ValueSource[] {
    const out: ValueSource[] = [];
    const seen = new Set<string>();
    for (const v of this.vals(file, node, 'high', MAX_DEPTH)) {
      if (v.t !== 'str') continue;
      const key = `${v.s.path}:${v.s.span.start}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(v.s);
      if (out.length >= MAX_VALUES) break;
    }
    return out;
  }

  vals(file: FileModel, node: TsNode | undefined, conf: Confidence, depth: number): TsVal[] {
    if (!node || depth <= 0 || --this.budget < 0) return [];
    const key = `${file.path}:${node.getPos()}:${node.getEnd()}:${node.getKind()}`;
    if (this.active.has(key)) return [];
    this.active.add(key);
    try {
      return this.valsOf(file, node, conf, depth);
    } finally {
      this.active.delete(key);
    }
  }

  private str(file: FileModel, node: TsNode, conf: Confidence): TsVal[] {
    const s = file.ts()?.stringValue(node);
    if (!s) return [];
    const via: SourceVia = s.kind === 'env-default' ? 'env-default' : s.kind === 'template' ? 'template' : s.kind === 'constant' ? 'constant' : 'literal';
    return [{ t: 'str', s: { value: s.value, exact: s.exact, path: file.path, span: tsSpan(s.node), via, envName: s.envName, confidence: conf } }];
  }

  private valsOf(file: FileModel, raw: TsNode, conf: Confidence, depth: number): TsVal[] {
    const ts = file.ts();
    if (!ts) return [];
    const node = unwrap(raw);
    if (TsNode.isStringLiteral(node) || TsNode.isNoSubstitutionTemplateLiteral(node) || TsNode.isTemplateExpression(node)) return this.str(file, node, conf);
    if (TsNode.isConditionalExpression(node)) return [...this.vals(file, node.getWhenTrue(), conf, depth - 1), ...this.vals(file, node.getWhenFalse(), conf, depth - 1)];
    if (TsNode.isBinaryExpression(node)) {
      const op = node.getOperatorToken().getKind();
      if (op === SyntaxKind.QuestionQuestionToken || op === SyntaxKind.BarBarToken) {
        const env = tsEnvIn(file, node.getLeft());
        const l = this.vals(file, node.getLeft(), conf, depth - 1);
        const r = this.vals(file, node.getRight(), conf, depth - 1);
        if (env) return [...l, ...r.map((v) => (v.t === 'str' ? { ...v, s: step(v.s, 'env-default', undefined, conf, env) } : v))];
        return [...l, ...r.map((v) => (v.t === 'str' ? { ...v, s: step(v.s, 'fallback', node.getLeft().getText(), conf) } : v))];
      }
      if (op === SyntaxKind.PlusToken) return this.str(file, node, conf);
      return [];
    }
    if (TsNode.isObjectLiteralExpression(node)) return [{ t: 'obj', file, node, conf }];
    if (TsNode.isArrayLiteralExpression(node)) return [{ t: 'seq', file, items: node.getElements().filter((e) => !TsNode.isSpreadElement(e)), conf }];
    if (TsNode.isIdentifier(node)) return this.identifier(file, node, conf, depth);
    if (TsNode.isPropertyAccessExpression(node)) return this.member(file, node.getExpression(), node.getName(), undefined, conf, depth, node);
    if (TsNode.isElementAccessExpression(node)) {
      const arg = node.getArgumentExpression();
      const key = arg ? ts.stringValue(arg)?.value : undefined;
      const index = arg && TsNode.isNumericLiteral(arg) ? Number(arg.getLiteralValue()) : undefined;
      if (ts.envName(node)) return [];
      return this.member(file, node.getExpression(), key, index, conf, depth, node);
    }
    if (TsNode.isNewExpression(node)) {
      const out: TsVal[] = [];
      for (const v of this.vals(file, node.getExpression(), conf, depth - 1)) if (v.t === 'class') out.push({ t: 'instance', file: v.file, cls: v.cls, conf: v.conf });
      return out;
    }
    if (TsNode.isCallExpression(node)) return this.call(file, node, conf, depth);
    return [];
  }

  private identifier(file: FileModel, node: TsNode, conf: Confidence, depth: number): TsVal[] {
    const name = node.getText();
    if (name === 'undefined') return [];
    const decl = tsDeclOf(node);
    if (!decl) return this.imported(file, name, conf, depth);
    const n = decl.node;
    switch (decl.k) {
      case 'var': {
        if (!TsNode.isVariableDeclaration(n)) return [];
        const out = this.vals(file, n.getInitializer(), conf, depth - 1).map((v) =>
          v.t === 'str' ? { ...v, s: step(v.s, 'constant', name, conf) } : (v.t === 'obj' || v.t === 'seq') && !v.holder ? { ...v, holder: name } : v,
        );
        // `let model = "a"; if (x) model = "b";`: every assignment in the file.
        const list = n.getParent();
        const isConst = TsNode.isVariableDeclarationList(list) && list.getDeclarationKindKeywords().some((k) => k.getText() === 'const');
        if (!isConst) {
          for (const bin of (() => {
            const sf = file.ts()?.source;
            return sf ? descendantsOfKind(sf, SyntaxKind.BinaryExpression) : [];
          })()) {
            if (bin.getOperatorToken().getKind() !== SyntaxKind.EqualsToken || !TsNode.isIdentifier(bin.getLeft()) || bin.getLeft().getText() !== name) continue;
            if (tsDeclOf(bin.getLeft())?.node !== n) continue;
            for (const v of this.vals(file, bin.getRight(), conf, depth - 1)) out.push(v.t === 'str' ? { ...v, s: step(v.s, 'constant', name, conf) } : v);
          }
        }
        return out;
      }
      case 'for-of': {
        const stmt = n.getParent()?.getParent();
        if (!stmt || !TsNode.isForOfStatement(stmt)) return [];
        return this.elements(this.vals(file, stmt.getExpression(), conf, depth - 1), depth - 1, 'iterate');
      }
      case 'binding':
        return this.binding(file, n, conf, depth);
      case 'param':
        return this.param(file, n, conf, depth);
      case 'class':
        return [{ t: 'class', file, cls: n, conf }];
      case 'enum':
        return [{ t: 'enum', file, decl: n, conf }];
      default:
        return [];
    }
  }

  /** `const { model = "x" } = opts`: the default, and the property of what is destructured. */
  private binding(file: FileModel, el: TsNode, conf: Confidence, depth: number): TsVal[] {
    if (!TsNode.isBindingElement(el)) return [];
    const name = el.getName();
    const key = el.getPropertyNameNode() ? propKey(el.getPropertyNameNode() as TsNode) : name;
    const out: TsVal[] = [];
    for (const v of this.vals(file, el.getInitializer(), conf, depth - 1)) out.push(v.t === 'str' ? { ...v, s: step(v.s, 'parameter-default', name, conf) } : v);
    const pattern = el.getParent();
    const holder = pattern?.getParent();
    if (!key || !pattern || !TsNode.isObjectBindingPattern(pattern) || !holder) return out;
    let from: TsVal[] = [];
    if (TsNode.isVariableDeclaration(holder)) from = this.vals(file, holder.getInitializer(), conf, depth - 1);
    else if (TsNode.isParameterDeclaration(holder)) from = this.param(file, holder, conf, depth);
    else if (TsNode.isBindingElement(holder)) from = deeper([], () => this.binding(file, holder, conf, depth));
    for (const v of from) out.push(...this.prop(v, key, undefined, conf, depth - 1, key));
    return out;
  }

  private param(file: FileModel, p: TsNode, conf: Confidence, depth: number): TsVal[] {
    if (!TsNode.isParameterDeclaration(p)) return [];
    const fn = p.getParent();
    const name = TsNode.isIdentifier(p.getNameNode()) ? p.getName() : '';
    const fnName =
      fn && (TsNode.isFunctionDeclaration(fn) || TsNode.isMethodDeclaration(fn))
        ? (fn.getName() ?? '')
        : fn && TsNode.isConstructorDeclaration(fn)
          ? ((tsEnclosingClass(fn) as { getName?: () => string | undefined } | undefined)?.getName?.() ?? 'constructor')
          : varNameOf(fn);
    const holder = `${fnName}(${name || '...'})`;
    const out: TsVal[] = [];
    for (const v of this.vals(file, p.getInitializer(), conf, depth - 1)) out.push(v.t === 'str' ? { ...v, s: step(v.s, 'parameter-default', holder, conf) } : v);
    if (!this.project || !fn) return out;
    const params = (fn as unknown as { getParameters(): TsNode[] }).getParameters?.() ?? [];
    const index = params.indexOf(p);
    const info = functionAt(file, this.project, (fn as TsNode).getStart() + 1);
    if (!info || info.name === '<module>') return out;
    for (const e of callersOf(this.project, info)) {
      const arg = e.args.get(`#${index}`);
      const caller = this.project.file(e.from.path);
      if (!arg || !caller) continue;
      for (const v of this.vals(caller, arg.node as TsNode, conf, depth - 1)) out.push(v.t === 'str' ? { ...v, s: step(v.s, 'argument', holder, conf) } : v);
    }
    return out;
  }

  /** A name imported from a module of the repository: what it exports under that name. */
  private imported(file: FileModel, name: string, conf: Confidence, depth: number): TsVal[] {
    const ts = file.ts();
    if (!ts || !this.project) return [];
    const imp = ts.importMap().get(name);
    if (!imp) return [];
    const target = this.project.index.resolveTs(file.path, imp.module);
    const other = target ? this.project.file(target) : undefined;
    if (!other || other === file) return [];
    if (imp.imported === '*') return [{ t: 'module', file: other }];
    return this.exported(other, imp.imported, conf, depth - 1);
  }

  /** An export of a module: a declaration, `export { x } from`, `export default`. */
  private exported(file: FileModel, name: string, conf: Confidence, depth: number): TsVal[] {
    const ts = file.ts();
    if (!ts || depth <= 0 || !this.project) return [];
    const sf = ts.source;
    if (name === 'default') {
      const ex = sf.getExportAssignments()[0];
      return ex ? this.vals(file, ex.getExpression(), conf, depth - 1) : [];
    }
    for (const s of sf.getStatements()) {
      if (TsNode.isVariableStatement(s)) {
        for (const d of s.getDeclarations()) {
          if (d.getName() === name) return this.vals(file, d.getNameNode(), conf, depth);
        }
      } else if ((TsNode.isClassDeclaration(s) || TsNode.isEnumDeclaration(s)) && s.getName() === name) {
        return TsNode.isClassDeclaration(s) ? [{ t: 'class', file, cls: s, conf }] : [{ t: 'enum', file, decl: s, conf }];
      }
    }
    for (const ex of sf.getExportDeclarations()) {
      const spec = ex.getModuleSpecifierValue();
      const named = ex.getNamedExports();
      const hit = named.find((n) => (n.getAliasNode()?.getText() ?? n.getName()) === name);
      if (!spec) {
        if (hit) return this.vals(file, hit.getNameNode(), conf, depth - 1);
        continue;
      }
      if (!hit && named.length > 0) continue;
      const target = this.project.index.resolveTs(file.path, spec);
      const other = target ? this.project.file(target) : undefined;
      if (other && other !== file) {
        const r = this.exported(other, hit ? hit.getName() : name, conf, depth - 1);
        if (r.length > 0) return r;
      }
    }
    return [];
  }

  /** `obj.key` / `obj[key]` / `obj[i]`: through objects, arrays, classes, enums, zod schemas and modules. */
  private member(file: FileModel, objNode: TsNode, key: string | undefined, index: number | undefined, conf: Confidence, depth: number, whole: TsNode): TsVal[] {
    const ts = file.ts();
    if (!ts) return [];
    const obj = unwrap(objNode);
    if (ts.envName(whole)) return [];
    if (TsNode.isThisExpression(obj)) {
      const cls = tsEnclosingClass(obj);
      return cls && key ? this.classMember(file, cls, key, conf, depth - 1) : [];
    }
    const out: TsVal[] = [];
    for (const v of this.vals(file, obj, conf, depth - 1)) out.push(...this.prop(v, key, index, conf, depth - 1, obj.getText()));
    return out;
  }

  private prop(v: TsVal, key: string | undefined, index: number | undefined, conf: Confidence, depth: number, holder: string): TsVal[] {
    if (v.t === 'obj') {
      if (key !== undefined) {
        const p = tsProperty(v.file, v.node, key, this.project);
        return p ? this.vals(p.file, p.node, minConf(conf, v.conf), depth) : [];
      }
      if (index !== undefined) return [];
      return this.entries(v.file, objectValues(v.node), minConf(v.conf, 'medium'), v.holder ?? holder, depth);
    }
    if (v.t === 'seq') {
      if (index !== undefined) {
        const item = v.items[index];
        return item ? this.vals(v.file, item, v.conf, depth) : [];
      }
      if (key !== undefined) return [];
      return this.entries(v.file, v.items, minConf(v.conf, 'medium'), v.holder ?? holder, depth);
    }
    if ((v.t === 'instance' || v.t === 'class') && key) return this.classMember(v.file, v.cls, key, minConf(conf, v.conf), depth);
    if (v.t === 'enum' && key && TsNode.isEnumDeclaration(v.decl)) {
      const m = v.decl.getMember(key);
      const init = m?.getInitializer();
      return init
        ? this.vals(v.file, init, v.conf, depth).map((x) => (x.t === 'str' ? { ...x, s: step(x.s, 'constant', `${TsNode.isEnumDeclaration(v.decl) ? v.decl.getName() : ''}.${key}`, conf) } : x))
        : [];
    }
    if (v.t === 'zod' && key) {
      const p = tsProperty(v.file, v.shape, key, this.project);
      return p ? this.zodDefault(p.file, p.node, key, minConf(conf, v.conf), depth) : [];
    }
    if (v.t === 'module' && key) return this.exported(v.file, key, conf, depth);
    return [];
  }

  /** `z.string().default("x")`, `z.enum([...]).default("x")`: the default. */
  private zodDefault(file: FileModel, node: TsNode, key: string, conf: Confidence, depth: number): TsVal[] {
    for (let n: TsNode | undefined = unwrap(node); n && TsNode.isCallExpression(n); ) {
      const callee = n.getExpression();
      if (!TsNode.isPropertyAccessExpression(callee)) break;
      if (callee.getName() === 'default' || callee.getName() === 'catch') {
        return this.vals(file, n.getArguments()[0] as TsNode | undefined, conf, depth - 1).map((v) => (v.t === 'str' ? { ...v, s: step(v.s, 'field-default', key, conf) } : v));
      }
      n = callee.getExpression();
    }
    return [];
  }

  /** A class member: property initializer, parameter property, `this.x = ...` in its methods, a getter's return. */
  private classMember(file: FileModel, cls: TsNode, key: string, conf: Confidence, depth: number): TsVal[] {
    if (!(TsNode.isClassDeclaration(cls) || TsNode.isClassExpression(cls)) || depth <= 0) return [];
    const out: TsVal[] = [];
    const holder = `${cls.getName() ?? 'this'}.${key}`;
    const prop = cls.getProperty(key);
    if (prop && TsNode.isPropertyDeclaration(prop))
      for (const v of this.vals(file, prop.getInitializer(), conf, depth - 1)) out.push(v.t === 'str' ? { ...v, s: step(v.s, 'field-default', holder, conf) } : v);
    for (const ctor of cls.getConstructors()) {
      for (const p of ctor.getParameters()) if (p.isParameterProperty() && p.getName() === key) out.push(...this.param(file, p, conf, depth));
    }
    for (const bin of descendantsOfKind(cls, SyntaxKind.BinaryExpression)) {
      if (bin.getOperatorToken().getKind() !== SyntaxKind.EqualsToken) continue;
      const left = bin.getLeft();
      if (!TsNode.isPropertyAccessExpression(left) || !TsNode.isThisExpression(left.getExpression()) || left.getName() !== key) continue;
      if (tsEnclosingClass(bin) !== cls) continue;
      for (const v of this.vals(file, bin.getRight(), conf, depth - 1)) out.push(v.t === 'str' ? { ...v, s: step(v.s, 'attribute', `this.${key}`, conf) } : v);
    }
    const getter = cls.getGetAccessor(key);
    if (getter) out.push(...this.returns(file, getter, conf, depth - 1));
    if (out.length === 0) {
      const base = cls.getExtends()?.getExpression();
      if (base) for (const v of this.vals(file, base, conf, depth - 1)) if (v.t === 'class') out.push(...this.classMember(v.file, v.cls, key, conf, depth - 1));
    }
    return out;
  }

  private call(file: FileModel, node: TsNode, conf: Confidence, depth: number): TsVal[] {
    if (!TsNode.isCallExpression(node)) return [];
    const ts = file.ts();
    if (!ts) return [];
    const callee = unwrap(node.getExpression());
    const args = node.getArguments() as TsNode[];
    const chain = ts.chain(callee);
    if (chain === 'String') return this.vals(file, args[0], conf, depth - 1);
    if (TsNode.isPropertyAccessExpression(callee)) {
      const method = callee.getName();
      const obj = callee.getExpression();
      // z.object({...}): a schema; .parse()/.safeParse().data/.default() keep it.
      if (method === 'object' && TsNode.isIdentifier(obj) && /^(z|zod)$/.test(obj.getText())) {
        const shape = args[0] ? unwrap(args[0]) : undefined;
        return shape && TsNode.isObjectLiteralExpression(shape) ? [{ t: 'zod', file, shape, conf }] : [];
      }
      if (/^(parse|parseAsync|passthrough|strict|strip|partial|required)$/.test(method)) {
        const inner = this.vals(file, obj, conf, depth - 1).filter((v) => v.t === 'zod');
        if (inner.length > 0) return inner;
      }
      if (/^(trim|toString|valueOf)$/.test(method)) return this.vals(file, obj, conf, depth - 1);
      if (/^(find|at|findLast)$/.test(method)) return this.elements(this.vals(file, obj, conf, depth - 1), depth - 1, 'pick');
      if (TsNode.isThisExpression(unwrap(obj))) {
        const cls = tsEnclosingClass(obj);
        const m = cls && (TsNode.isClassDeclaration(cls) || TsNode.isClassExpression(cls)) ? cls.getMethod(method) : undefined;
        return m ? this.returns(file, m, conf, depth - 1) : [];
      }
    }
    if (TsNode.isIdentifier(callee)) {
      const decl = tsDeclOf(callee);
      let fn: TsNode | undefined;
      let fnFile = file;
      if (decl?.k === 'function') fn = decl.node;
      else if (decl?.k === 'var' && TsNode.isVariableDeclaration(decl.node)) {
        const init = decl.node.getInitializer();
        if (init && (TsNode.isArrowFunction(init) || TsNode.isFunctionExpression(init))) fn = init;
      } else if (!decl && this.project) {
        const imp = ts.importMap().get(callee.getText());
        const target = imp ? this.project.index.resolveTs(file.path, imp.module) : undefined;
        const other = target ? this.project.file(target) : undefined;
        const os = other?.ts()?.source;
        if (other && os && imp) {
          const f = os.getFunction(imp.imported);
          const v = os.getVariableDeclaration(imp.imported)?.getInitializer();
          fn = f ?? (v && (TsNode.isArrowFunction(v) || TsNode.isFunctionExpression(v)) ? v : undefined);
          fnFile = other;
        }
      }
      if (fn) return this.returns(fnFile, fn, conf, depth - 1);
    }
    return [];
  }

  private returns(file: FileModel, fn: TsNode, conf: Confidence, depth: number): TsVal[] {
    const out: TsVal[] = [];
    if (TsNode.isArrowFunction(fn)) {
      const body = fn.getBody();
      if (!TsNode.isBlock(body)) return this.vals(file, body, conf, depth);
    }
    for (const r of descendantsOfKind(fn, SyntaxKind.ReturnStatement)) {
      let owner: TsNode | undefined = r.getParent();
      while (owner && !(TsNode.isFunctionLikeDeclaration(owner) || TsNode.isArrowFunction(owner) || TsNode.isFunctionExpression(owner))) owner = owner.getParent();
      if (owner !== fn) continue;
      out.push(...this.vals(file, r.getExpression(), conf, depth));
    }
    return out;
  }

  private entries(file: FileModel, items: TsNode[], conf: Confidence, holder: string, depth: number): TsVal[] {
    const out: TsVal[] = [];
    for (const it of items) for (const v of this.vals(file, it, conf, depth)) out.push(v.t === 'str' ? { ...v, s: step(v.s, 'catalogue', holder, conf) } : v);
    return out;
  }

  private elements(vals: TsVal[], depth: number, how: 'iterate' | 'pick'): TsVal[] {
    const out: TsVal[] = [];
    for (const v of vals) if (v.t === 'seq') out.push(...this.entries(v.file, v.items, how === 'pick' ? minConf(v.conf, 'medium') : v.conf, v.holder ?? 'a list', depth));
    return out;
  }
}

/** The variable of an environment lookup anywhere in an `a || process.env.X || ...` chain. */
function tsEnvIn(file: FileModel, node: TsNode): string | undefined {
  // Right side first, then the left, with an explicit stack: a 5,000-term `||` chain is a loop.
  const stack: TsNode[] = [node];
  while (stack.length > 0) {
    const n = unwrap(stack.pop() as TsNode);
    const direct = file.ts()?.envName(n);
    if (direct) return direct;
    if (!TsNode.isBinaryExpression(n)) continue;
    const op = n.getOperatorToken().getKind();
    if (op !== SyntaxKind.QuestionQuestionToken && op !== SyntaxKind.BarBarToken) continue;
    stack.push(n.getLeft(), n.getRight());
  }
  return undefined;
}

function objectValues(obj: TsNode): TsNode[] {
  if (!TsNode.isObjectLiteralExpression(obj)) return [];
  const out: TsNode[] = [];
  for (const p of obj.getProperties()) {
    if (TsNode.isPropertyAssignment(p)) {
      const init = p.getInitializer();
      if (init) out.push(init);
    } else if (TsNode.isShorthandPropertyAssignment(p)) out.push(p.getNameNode());
  }
  return out;
}

function varNameOf(fn: TsNode | undefined): string {
  const parent = fn?.getParent();
  if (parent && TsNode.isVariableDeclaration(parent)) return parent.getName();
  if (parent && TsNode.isPropertyAssignment(parent)) return parent.getName();
  return '<function>';
}

// ---------------------------------------------------------------- entry points

/** Every literal that may reach a Python expression (see the module comment). */
export function pySources(file: FileModel, node: PyNode | null | undefined, project?: ProjectModel): ValueSource[] {
  if (!node) return [];
  return file.memo(`facts:value-sources:py:${node.startIndex}:${node.endIndex}`, () => new PyFlow(project).strings(file, node));
}

/** Every literal that may reach a TS/JS expression (see the module comment). */
export function tsSources(file: FileModel, node: TsNode | undefined, project?: ProjectModel): ValueSource[] {
  if (!node) return [];
  return file.memo(`facts:value-sources:ts:${node.getPos()}:${node.getEnd()}`, () => new TsFlow(project).strings(file, node));
}
