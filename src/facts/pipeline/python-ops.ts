import type { Node } from 'web-tree-sitter';
import type { FileModel } from '../../model/file-model.js';
import type { ProjectModel } from '../../model/project.js';
import type { PyCall, PythonModule } from '../../parse/python.js';
import type { Span } from '../../types.js';
import { pyBool, pyBoundValues, pyDictKeys, pyString } from '../values.js';
import type { StepKind, StepRule, StepVocabulary } from './steps.js';

/** Something a Python script does to a model, in the order the script does it. */
export interface PyOp {
  kind: StepKind;
  rule: StepRule;
  file: FileModel;
  span: Span;
  text: string;
  target?: string;
  tasks?: string[];
}

const MAX_DEPTH = 4;

const WEIGHTS = /\.(safetensors|gguf|bin|pt|pth|ckpt|onnx|h5|keras|tflite|mlmodel|engine|plan|nemo|ggml)$/i;

/** Paths of uploads that carry metadata, not weights. */
export const METADATA_PATH = /(^|\/)(ya?ml|docs?|cards?|readme|metadata|results?|logs?|metrics)(\/|$)|\.(md|ya?ml|json|jsonl|csv|txt|jinja|png|jpe?g|svg|log)$/i;

function kids(node: Node): Node[] {
  return node.namedChildren.filter((c): c is Node => c !== null);
}

function plainName(chain: string): string {
  return chain.replace(/\(\)/g, '').replace(/\[\]/g, '');
}

function short(text: string, max = 70): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

function isMainGuard(node: Node, py: PythonModule): boolean {
  if (node.type !== 'if_statement') return false;
  const cond = node.childForFieldName('condition');
  return !!cond && /__name__\s*==\s*['"]__main__['"]|['"]__main__['"]\s*==\s*__name__/.test(py.text_(cond));
}

const defsCache = new WeakMap<PythonModule, Map<string, Node>>();

/** Module-level `def name(...)` bodies. */
function functionDefs(py: PythonModule): Map<string, Node> {
  const hit = defsCache.get(py);
  if (hit) return hit;
  const out = new Map<string, Node>();
  defsCache.set(py, out);
  for (const stmt of kids(py.root)) {
    const def = stmt.type === 'decorated_definition' ? stmt.childForFieldName('definition') : stmt;
    if (def?.type !== 'function_definition') continue;
    const name = def.childForFieldName('name');
    const body = def.childForFieldName('body');
    if (name && body) out.set(py.text_(name), body);
  }
  return out;
}

const classCache = new WeakMap<PythonModule, Map<string, Map<string, Node>>>();

/** Module-level classes and their methods' bodies. */
function classDefs(py: PythonModule): Map<string, Map<string, Node>> {
  const hit = classCache.get(py);
  if (hit) return hit;
  const out = new Map<string, Map<string, Node>>();
  classCache.set(py, out);
  for (const stmt of kids(py.root)) {
    const cls = stmt.type === 'decorated_definition' ? stmt.childForFieldName('definition') : stmt;
    if (cls?.type !== 'class_definition') continue;
    const name = cls.childForFieldName('name');
    const body = cls.childForFieldName('body');
    if (!name || !body) continue;
    const methods = new Map<string, Node>();
    for (const m of kids(body)) {
      const def = m.type === 'decorated_definition' ? m.childForFieldName('definition') : m;
      if (def?.type !== 'function_definition') continue;
      const mn = def.childForFieldName('name');
      const mb = def.childForFieldName('body');
      if (mn && mb) methods.set(py.text_(mn), mb);
    }
    out.set(py.text_(name), methods);
  }
  return out;
}

interface CallbackClass {
  file: FileModel;
  py: PythonModule;
  name: string;
  methods: Map<string, Node>;
}

/** Classes with `on_*` event methods (trainer callbacks) defined in a module. */
function callbackClassesOf(file: FileModel, py: PythonModule): CallbackClass[] {
  return [...classDefs(py)].filter(([, methods]) => [...methods.keys()].some((m) => m.startsWith('on_'))).map(([name, methods]) => ({ file, py, name, methods }));
}

/**
 * The trainer callbacks an expression passes (`[PushCallback(cfg)]`, `PushCallback`,
 * `get_callbacks(cfg)`): classes it names, of this module or imported from the repository, and
 * for a function it calls, the callback classes of that function's module (where registries of
 * callbacks by name live).
 */
function callbackClasses(file: FileModel, py: PythonModule, expr: Node, project: ProjectModel | undefined): CallbackClass[] {
  const out = new Map<string, CallbackClass>();
  const addAll = (list: CallbackClass[]): void => {
    for (const c of list) out.set(`${c.file.path}#${c.name}`, c);
  };
  const names = new Set<string>();
  if (expr.type === 'identifier') names.add(py.text_(expr));
  for (const id of expr.descendantsOfType('identifier')) if (id && id.parent?.type !== 'keyword_argument' && id.parent?.type !== 'attribute') names.add(py.text_(id));
  for (const name of names) {
    const local = callbackClassesOf(file, py).find((c) => c.name === name);
    if (local) addAll([local]);
    else if (functionDefs(py).has(name)) addAll(callbackClassesOf(file, py));
    const imported = py.importMap().get(name);
    if (!imported || !project) continue;
    const dot = imported.lastIndexOf('.');
    const target = project.index.resolvePy(file.path, imported.slice(0, dot));
    const tf = target ? project.file(target) : undefined;
    const tpy = tf?.python();
    if (!tf || !tpy) continue;
    const sym = imported.slice(dot + 1);
    const cls = callbackClassesOf(tf, tpy).find((c) => c.name === sym);
    if (cls) addAll([cls]);
    else if (functionDefs(tpy).has(sym)) addAll(callbackClassesOf(tf, tpy));
  }
  return [...out.values()];
}

interface Reached {
  file: FileModel;
  py: PythonModule;
  call: PyCall;
  /** Reached inside a trainer callback (`PushCallback.on_save`) that runs while the trainer trains. */
  via?: string;
  /** Reached inside a function given a model built from a config (random weights, never trained). */
  untrained?: boolean;
}

/** Model classes whose constructor builds a randomly initialised model from a config: `LlamaForCausalLM(config)`. */
export const MODEL_CLASS = /^[A-Z]\w*$(?<=\w(?:For[A-Z]\w*|Model|LMHeadModel))/;
/** Methods that return the same model (moved, cast or switched to eval mode). */
const SAME_MODEL = new Set(['to', 'cuda', 'cpu', 'half', 'float', 'bfloat16', 'eval', 'requires_grad_']);

/**
 * True when `node` is a model built from a config, whose weights are random: `X.from_config(cfg)`,
 * `LlamaForCausalLM(config)`, a fresh adapter from `get_peft_model(...)`, through assignments and `.to(...)`. Publishing one (tiny test
 * models for CI) publishes nothing a safety evaluation could judge.
 */
function untrainedModel(file: FileModel, py: PythonModule, node: Node | null | undefined, depth = 6): boolean {
  if (!node || depth <= 0) return false;
  const next = (n: Node | null | undefined): boolean => untrainedModel(file, py, n, depth - 1);
  switch (node.type) {
    case 'parenthesized_expression':
      return next(kids(node)[0]);
    case 'identifier':
      return pyBoundValues(file, node).some((v) => next(v));
    case 'call': {
      const fn = node.childForFieldName('function');
      if (fn?.type === 'attribute') {
        const attr = py.text_(fn.childForFieldName('attribute') ?? fn);
        if (attr === 'from_config') return true;
        return SAME_MODEL.has(attr) && next(fn.childForFieldName('object'));
      }
      // A new adapter on a model (`get_peft_model(model, lora_config)`) starts from its initialisation.
      if (fn?.type === 'identifier' && py.text_(fn) === 'get_peft_model') return true;
      if (fn?.type !== 'identifier' || !MODEL_CLASS.test(py.text_(fn))) return false;
      const args = node.childForFieldName('arguments');
      const first = args ? kids(args).find((a) => a.type !== 'comment') : undefined;
      const config = first?.type === 'keyword_argument' ? (py.text_(first.childForFieldName('name') ?? first) === 'config' ? first.childForFieldName('value') : null) : first;
      return !!config && /config/i.test(py.text_(config));
    }
    default:
      return false;
  }
}

/**
 * The calls a script makes when run, in order: module-level code and the `__main__` block,
 * entering the module's own functions (and functions imported from the repository) where they
 * are called. Function bodies nobody calls are not run.
 */
function executedCalls(file: FileModel, project: ProjectModel | undefined): { calls: Reached[]; hasMain: boolean } {
  // Walked once per file: the ops and the untrained-model check both read it.
  return file.memo('facts:pipeline:executed-calls', () => walkExecuted(file, project));
}

function walkExecuted(file: FileModel, project: ProjectModel | undefined): { calls: Reached[]; hasMain: boolean } {
  const out: Reached[] = [];
  let hasMain = false;
  const visiting = new Set<string>();
  const instances = new Map<string, string>();
  const currentClass = (f: FileModel, py: PythonModule, node: Node): string | undefined => {
    for (let n: Node | null = node.parent; n; n = n.parent) {
      if (n.type === 'class_definition') {
        const name = n.childForFieldName('name');
        return name ? py.text_(name) : undefined;
      }
    }
    void f;
    return undefined;
  };
  const byNode = new Map<FileModel, Map<number, PyCall>>();
  const callsOf = (f: FileModel, py: PythonModule): Map<number, PyCall> => {
    let m = byNode.get(f);
    if (!m) {
      m = new Map(py.calls().map((c) => [c.node.startIndex * 1_000_000 + c.node.endIndex, c]));
      byNode.set(f, m);
    }
    return m;
  };
  // Trainer callbacks by the trainer they were given to (`trainer = X(..., callbacks=[...])`,
  // `trainer.add_callback(...)`): their `on_*` methods run while `trainer.train()` runs.
  const callbacks = new Map<string, CallbackClass[]>();
  let via: string | undefined;
  let untrained = false;
  const walkNode = (f: FileModel, py: PythonModule, node: Node, depth: number): void => {
    if (node.type === 'function_definition' || node.type === 'class_definition' || node.type === 'decorated_definition' || node.type === 'lambda') return;
    for (const k of kids(node)) walkNode(f, py, k, depth);
    if (node.type !== 'call') return;
    const call = callsOf(f, py).get(node.startIndex * 1_000_000 + node.endIndex);
    if (!call) return;
    out.push({ file: f, py, call, ...(via ? { via } : {}), ...(untrained ? { untrained } : {}) });
    if (depth >= MAX_DEPTH) return;
    const given = call.kwargs.get('callbacks');
    if (given) {
      const parent = node.parent;
      const left = parent?.type === 'assignment' ? parent.childForFieldName('left') : null;
      if (left) callbacks.set(`${f.path}#${py.text_(left)}`, callbackClasses(f, py, given, project));
    }
    const added = /^([A-Za-z_][A-Za-z0-9_]*)\.add_callback$/.exec(call.callee);
    if (added && call.args[0]) {
      const key = `${f.path}#${added[1] as string}`;
      callbacks.set(key, [...(callbacks.get(key) ?? []), ...callbackClasses(f, py, call.args[0], project)]);
    }
    // `trainer.train()`, or `X(..., callbacks=[...]).train()`: the callbacks run now.
    const trains = /^(?:([A-Za-z_][A-Za-z0-9_]*)|[A-Za-z_][\w.]*\(\))\.train$/.exec(call.callee);
    if (trains) {
      const fnNode = node.childForFieldName('function');
      const recv = fnNode?.childForFieldName('object');
      const direct =
        recv?.type === 'call'
          ? callsOf(f, py)
              .get(recv.startIndex * 1_000_000 + recv.endIndex)
              ?.kwargs.get('callbacks')
          : undefined;
      const classes = trains[1] ? (callbacks.get(`${f.path}#${trains[1]}`) ?? []) : direct ? callbackClasses(f, py, direct, project) : [];
      for (const cb of classes) {
        for (const [name, body] of cb.methods) {
          if (!name.startsWith('on_')) continue;
          const outer = via;
          via = `${cb.name}.${name}`;
          enter(cb.file, cb.py, `${cb.name}.${name}`, body, depth + 1);
          via = outer;
        }
      }
    }
    // `x = Helper(...)` of a class of the script: remember it, and run `__init__`.
    const classes = classDefs(py);
    if (classes.has(call.callee)) {
      const parent = node.parent;
      const left = parent?.type === 'assignment' ? parent.childForFieldName('left') : null;
      if (left) instances.set(`${f.path}#${py.text_(left)}`, call.callee);
      const init = classes.get(call.callee)?.get('__init__');
      if (init) enter(f, py, `${call.callee}.__init__`, init, depth + 1);
      return;
    }
    // `x.method(...)` on such an instance, `Helper(...).method(...)`, or `self.method(...)` inside its class.
    const m = /^([A-Za-z_][A-Za-z0-9_]*)(\(\))?\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(call.callee);
    if (m) {
      const cls = m[2] ? (classes.has(m[1] as string) ? m[1] : undefined) : m[1] === 'self' ? currentClass(f, py, node) : instances.get(`${f.path}#${m[1] as string}`);
      const body = cls ? classes.get(cls)?.get(m[3] as string) : undefined;
      if (cls && body) enter(f, py, `${cls}.${m[3] as string}`, body, depth + 1);
      return;
    }
    // Enter the function it calls, when it is the script's own.
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(call.callee)) return;
    const local = functionDefs(py).get(call.callee);
    if (local) {
      enter(f, py, call.callee, local, depth + 1, call, f, py);
      return;
    }
    const imported = py.importMap().get(call.callee);
    if (!imported || !project) return;
    const dot = imported.lastIndexOf('.');
    const module = imported.slice(0, dot);
    const name = imported.slice(dot + 1);
    const target = project.index.resolvePy(f.path, module);
    const tf = target ? project.file(target) : undefined;
    const tpy = tf?.python();
    const body = tpy ? functionDefs(tpy).get(name) : undefined;
    if (tf && tpy && body) enter(tf, tpy, name, body, depth + 1, call, f, py);
  };
  const enter = (f: FileModel, py: PythonModule, name: string, body: Node, depth: number, call?: PyCall, from?: FileModel, fromPy?: PythonModule): void => {
    const key = `${f.path}#${name}`;
    if (visiting.has(key)) return;
    visiting.add(key);
    const outer = untrained;
    // `push_to_hub(model, ...)` of a model built from a config: what the helper publishes is untrained.
    if (call && from && fromPy && [...call.args, ...call.kwargs.values()].some((a) => untrainedModel(from, fromPy, a))) untrained = true;
    walkNode(f, py, body, depth);
    untrained = outer;
    visiting.delete(key);
  };
  const py = file.python();
  if (!py) return { calls: out, hasMain };
  for (const stmt of kids(py.root)) {
    if (isMainGuard(stmt, py)) {
      hasMain = true;
      const body = stmt.childForFieldName('consequence');
      if (body) walkNode(file, py, body, 0);
      continue;
    }
    walkNode(file, py, stmt, 0);
  }
  return { calls: out, hasMain };
}

function importsAny(py: PythonModule, modules: readonly string[]): boolean {
  return py.imports().some((i) => modules.some((m) => i.module === m || i.module.startsWith(`${m}.`) || i.qualified === m || i.qualified.startsWith(`${m}.`)));
}

function firstString(py: PythonModule, call: PyCall, kwNames: readonly string[]): string | undefined {
  for (const k of kwNames) {
    const n = call.kwargs.get(k);
    const v = n ? py.stringValue(n) : undefined;
    if (v) return v.value;
  }
  const a = call.args[0];
  const v = a ? py.stringValue(a) : undefined;
  return v?.value;
}

function stringList(py: PythonModule, node: Node | undefined): string[] | undefined {
  if (!node) return undefined;
  if (node.type === 'list' || node.type === 'tuple') {
    const out: string[] = [];
    for (const k of kids(node)) {
      const v = py.stringValue(k);
      if (!v?.exact) return undefined;
      out.push(v.value);
    }
    return out;
  }
  const v = py.stringValue(node);
  return v?.exact
    ? v.value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : undefined;
}

/** The `**options` splats of a call. */
function splats(call: PyCall): Node[] {
  const args = call.node.childForFieldName('arguments');
  return (args ? kids(args) : [])
    .filter((a) => a.type === 'dictionary_splat')
    .map((a) => kids(a)[0])
    .filter((a): a is Node => !!a);
}

/**
 * The value a call passes for a keyword argument: directly, or through a `**options` splat of
 * a dictionary the function builds (`kwargs = {"push_to_hub": True, ...}`, in any branch).
 */
function keywordArg(file: FileModel, call: PyCall, name: string): Node | undefined {
  const direct = call.kwargs.get(name);
  if (direct) return direct;
  for (const sp of splats(call)) {
    for (const value of sp.type === 'identifier' ? pyBoundValues(file, sp) : [sp]) {
      const hit = pyDictKeys(file, value)?.get(name);
      if (hit) return hit;
    }
  }
  return undefined;
}

/** A keyword argument that is passed and not switched off (`False`, `None`). */
function passed(file: FileModel, py: PythonModule, node: Node | undefined): boolean {
  return !!node && node.type !== 'none' && pyBool(file, node) !== false && py.text_(node) !== 'None';
}

/**
 * The library that built a value, when it is one of `modules`: `datasets.load_dataset(...)`,
 * `Dataset.from_list(...)`, a method of such a value (`ds.map(...)`, `pipeline.run(...)`), an
 * item of one (`splits["train"]`), a name bound to one (also `with X as name`), or what a
 * function of the script returns.
 */
function builtBy(file: FileModel, py: PythonModule, node: Node, modules: readonly string[], depth = 6): string | undefined {
  if (depth <= 0) return undefined;
  const of = (n: Node | null | undefined): string | undefined => (n ? builtBy(file, py, n, modules, depth - 1) : undefined);
  switch (node.type) {
    case 'parenthesized_expression':
      return of(kids(node)[0]);
    case 'subscript':
      return of(node.childForFieldName('value'));
    case 'identifier': {
      for (const v of pyBoundValues(file, node)) {
        const lib = of(v);
        if (lib) return lib;
      }
      return undefined;
    }
    case 'call': {
      const fn = node.childForFieldName('function');
      if (!fn) return undefined;
      const q = py.qualify(py.chain(fn));
      const lib = modules.find((m) => q === m || q.startsWith(`${m}.`));
      if (lib) return lib;
      if (fn.type === 'attribute') return of(fn.childForFieldName('object'));
      if (fn.type === 'identifier') {
        const body = functionDefs(py).get(py.text_(fn));
        for (const ret of body ? body.descendantsOfType('return_statement') : []) {
          const value = ret ? kids(ret)[0] : undefined;
          const r = of(value);
          if (r) return r;
        }
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

const TRAINING_ARGS = /(^|\.)(TrainingArguments|Seq2SeqTrainingArguments|[A-Za-z]*Config)$/;

/** What a Python script does to a model when it runs, in order. */
export function pythonOps(file: FileModel, vocab: StepVocabulary, project?: ProjectModel): PyOp[] {
  return file.memo('facts:pipeline:python-ops', () => computeOps(file, vocab, project));
}

/**
 * True when the script, as it runs, makes randomly initialised models (built from a config, see
 * `untrainedModel`) and saves or publishes them, and trains nothing: a generator of tiny test
 * models, whose tokenizers and processors only shape a test fixture.
 */
export function makesUntrainedModels(file: FileModel, project?: ProjectModel): boolean {
  return file.memo('facts:pipeline:untrained-models', () => {
    const py = file.python();
    if (!py) return false;
    const { calls } = executedCalls(file, project);
    let makes = false;
    for (const { file: f, py: p, call, untrained } of calls) {
      if (/(^|\.)train$/.test(call.callee) && call.args.length === 0) return false;
      if (!/(^|\.)(push_to_hub|save_pretrained|upload_folder|create_commit)$/.test(call.callee)) continue;
      const fn = call.node.childForFieldName('function');
      const recv = fn?.type === 'attribute' ? fn.childForFieldName('object') : null;
      if (untrained || untrainedModel(f, p, recv) || untrainedModel(f, p, call.args[0])) makes = true;
    }
    return makes;
  });
}

function computeOps(file: FileModel, vocab: StepVocabulary, project: ProjectModel | undefined): PyOp[] {
  const py = file.python();
  if (!py) return [];
  const { calls: executed, hasMain } = executedCalls(file, project);
  let reached = executed;
  const opsFor = (list: Reached[]): PyOp[] => classify(list, vocab);
  let ops = opsFor(reached);
  if (ops.length === 0 && hasMain) {
    // A CLI (fire, typer, click) calls its commands indirectly: take every call, in source order.
    reached = py.calls().map((call) => ({ file, py, call }));
    ops = opsFor(reached);
  }
  return ops;
}

function classify(reached: Reached[], vocab: StepVocabulary): PyOp[] {
  const out: PyOp[] = [];
  const files = new Set(reached.map((r) => r.py));
  // Trainer instances: names bound to a trainer constructor, anywhere in the scripts.
  const trainerNames = new Set<string>();
  let constructsTrainer = false;
  const trainerRules = vocab.python.filter((p) => p.trainers);
  const isTrainerClass = (q: string): StepRule | undefined => trainerRules.find((p) => p.trainers?.(q))?.rule;
  for (const py of files) {
    for (const c of py.calls()) {
      if (!isTrainerClass(plainName(c.qualified))) continue;
      constructsTrainer = true;
      const parent = c.node.parent;
      if (parent?.type === 'assignment') {
        const left = parent.childForFieldName('left');
        if (left) trainerNames.add(py.text_(left));
      }
    }
  }
  const hubIds = new Map<PythonModule, string>();
  for (const py of files) {
    for (const c of py.calls()) {
      const id = c.kwargs.get('hub_model_id');
      const v = id ? py.stringValue(id) : undefined;
      if (v) hubIds.set(py, v.value);
    }
  }
  const seen = new Set<string>();
  const push = (op: PyOp): void => {
    const key = `${op.file.path}:${op.span.start}:${op.kind}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push(op);
  };
  const untrainedPublishes = new Set<PyOp>();
  for (const { file, py, call, via, untrained } of reached) {
    const callee = plainName(call.callee);
    const qualified = plainName(call.qualified);
    const argText = call.node.childForFieldName('arguments');
    const text = short(
      `${call.callee || py.text_(call.node)}(${
        argText &&
        py
          .text_(argText)
          .replace(/^\(|\)$/g, '')
          .trim()
          ? '…'
          : ''
      })`,
    );
    // Fine-tune: `.train()` on a trainer.
    if (/\.train$/.test(callee) && call.args.length === 0) {
      const recv = callee.slice(0, -'.train'.length);
      const rule = isTrainerClass(plainName(py.qualify(recv))) ?? (trainerNames.has(recv) || (constructsTrainer && /trainer/i.test(recv)) ? trainerRules[0]?.rule : undefined);
      if (rule) {
        push({ kind: 'finetune', rule, file, span: call.calleeSpan, text });
        // push_to_hub=True in the training arguments publishes from inside train().
        for (const c of py.calls()) {
          if (!TRAINING_ARGS.test(plainName(c.qualified))) continue;
          const flag = keywordArg(file, c, 'push_to_hub');
          if (!flag || pyBool(file, flag) !== true) continue;
          const kw = flag.parent ?? flag;
          const pubRule = vocab.python.find((p) => p.rule.kind === 'publish' && p.rule.id === 'hf-push-to-hub')?.rule ?? rule;
          push({ kind: 'publish', rule: pubRule, file, span: { start: kw.startIndex, end: kw.endIndex }, text: `${py.text_(kw)} (the Trainer pushes while it trains)`, target: hubIds.get(py) });
        }
        continue;
      }
    }
    for (const p of vocab.python) {
      const rule = p.rule;
      const spec = rule.python ?? {};
      if (p.trainers) continue;
      if (spec.noTrainer && constructsTrainer) continue;
      let hit = false;
      if (p.calls && (!p.lastNames || p.lastNames.has(callee.slice(callee.lastIndexOf('.') + 1)))) hit = p.calls(qualified) || p.calls(callee);
      if (hit && p.exclude?.(callee.toLowerCase())) hit = false;
      if (hit && spec.imports && spec.imports.length > 0 && !importsAny(py, spec.imports)) hit = false;
      if (hit && spec.kwargs && !spec.kwargs.some((k) => passed(file, py, keywordArg(file, call, k)))) hit = false;
      if (!p.calls && !p.strings && spec.imports && spec.imports.length > 0) {
        hit = spec.imports.some((m) => qualified === m || qualified.startsWith(`${m}.`));
      }
      if (!hit && p.strings) {
        const values = [...call.args, ...call.kwargs.values()].map((n) => py.stringValue(n)?.value).filter((v): v is string => !!v);
        hit = values.some((v) => p.strings?.(v));
      }
      if (!hit) continue;
      const repoType = keywordArg(file, call, 'repo_type');
      if (repoType && /^(dataset|space)$/.test(pyString(file, repoType)?.value ?? '')) continue;
      // `dataset.push_to_hub(...)` of a value a dataset library built publishes data, not a model.
      if (rule.kind === 'publish') {
        const fnNode = call.node.childForFieldName('function');
        const recv = fnNode?.type === 'attribute' ? fnNode.childForFieldName('object') : null;
        if (recv && builtBy(file, py, recv, vocab.datasetModules)) continue;
      }
      if (rule.kind === 'publish' && /upload|commit/.test(callee)) {
        // A model card, config or results file is no model.
        const pathNode = call.kwargs.get('path_or_fileobj') ?? call.kwargs.get('folder_path') ?? call.args[0];
        const path = pathNode ? py.stringValue(pathNode)?.value : undefined;
        if (path && METADATA_PATH.test(path)) continue;
        // One file is a model only when it is a weights file.
        if (/upload_file$/.test(callee)) {
          const inRepo = call.kwargs.get('path_in_repo');
          const names = [path, inRepo ? py.stringValue(inRepo)?.value : undefined].filter((x): x is string => !!x);
          if (!names.some((n) => WEIGHTS.test(n))) continue;
        }
      }
      const op: PyOp = { kind: rule.kind, rule, file, span: call.calleeSpan, text: via ? `${text} in trainer callback ${via}` : text };
      if (rule.kind === 'publish') {
        const fnNode = call.node.childForFieldName('function');
        const recv = fnNode?.type === 'attribute' ? fnNode.childForFieldName('object') : null;
        // `model.push_to_hub(...)`, or a helper given the model: `push_to_hub(model, tokenizer)`.
        if (untrained || untrainedModel(file, py, recv) || untrainedModel(file, py, call.args[0])) untrainedPublishes.add(op);
      }
      if (rule.kind === 'publish' || rule.kind === 'deploy') {
        // A call that publishes because of a keyword (`save_pretrained(dir, push_to_hub=True)`)
        // names the repository by keyword; its first argument is a local directory.
        const repo = keywordArg(file, call, 'repo_id');
        op.target =
          (repo ? pyString(file, repo)?.value : undefined) ??
          (spec.kwargs ? undefined : firstString(py, call, ['repo_id', 'repo_name', 'hub_model_id', 'name', 'model_name', 'endpoint_name'])) ??
          (/trainer/i.test(callee) ? hubIds.get(py) : undefined);
        if (op.target !== undefined && /^(True|False|None)$/.test(op.target)) delete op.target;
        if (op.target === undefined) delete op.target;
      }
      if (rule.kind === 'evaluate' && rule.tasks) {
        const tasks = stringList(py, call.kwargs.get('tasks'));
        if (tasks) op.tasks = tasks;
      }
      // GGUF exports from unsloth quantize and (push_to_hub_gguf) publish in one call.
      if (rule.kind === 'quantize' && /push_to_hub_gguf$/.test(callee)) {
        push(op);
        const pubRule = vocab.python.find((x) => x.rule.id === 'hf-push-to-hub')?.rule ?? rule;
        push({ ...op, kind: 'publish', rule: pubRule, target: firstString(py, call, ['repo_id']) });
        continue;
      }
      push(op);
    }
  }
  // A model built from a config and never trained has random weights: publishing it (tiny models
  // for tests) publishes nothing to evaluate. Once the script trains, the publish counts again.
  if (untrainedPublishes.size > 0 && !out.some((o) => o.kind === 'finetune')) return out.filter((o) => !untrainedPublishes.has(o));
  return out;
}
