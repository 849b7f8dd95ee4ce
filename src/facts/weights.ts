import type { Node as PyNode } from 'web-tree-sitter';
import type { FileModel } from '../model/file-model.js';
import type { ProjectModel } from '../model/project.js';
import { span as pySpan, type PyCall, type PythonModule } from '../parse/python.js';
import type { ShellWord } from '../parse/shell.js';
import { isMap, isScalar, isSeq, type YNode } from '../parse/yaml.js';
import type { Span } from '../types.js';
import { commands, type LocatedCommand } from './commands.js';
import { hfLoads, type HfLoad } from './hf-loads.js';
import { innerStart, lmEvalRuns, resolveWord, serverLaunches, SERVER_NAMES, variables } from './model-launches.js';
import { pyBool, pyString, type StaticString } from './values.js';
import { REVISION_KEYS } from './pinning.js';
import { cutAtAny, trimTrailing } from '../util/text.js';

/**
 * Facts for the weights-integrity rules: where remote model code is allowed to run
 * (`trust_remote_code`), where model files are deserialized with pickle, and where weight
 * files are downloaded and whether a checksum check follows. Computed once per file.
 */

// ---------------------------------------------------------------- remote code

export interface RemoteCodeSite {
  /** The `True` / flag / YAML value that enables it. */
  span: Span;
  /** For messages, code in backticks: `` `AutoModel.from_pretrained` ``, `` `vllm serve` ``, `vLLM image`, `This configuration`. */
  api: string;
  /** The model (or dataset) id, when known. */
  model?: string;
  /** The revision that pins the repository (and so its code), when one is given. */
  revision?: { value?: string; exact: boolean };
  /** Where it was found. */
  kind: 'python' | 'command' | 'env' | 'config';
  /** The value is not a literal `True` but something that may be true (low confidence). */
  uncertain?: boolean;
}

function truthy(text: string): boolean | undefined {
  const t = text
    .trim()
    .replace(/^["']|["']$/g, '')
    .toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(t)) return true;
  if (['false', '0', 'no', 'off', ''].includes(t)) return false;
  return undefined;
}

function enclosingCall(node: PyNode): PyNode | undefined {
  for (let n = node.parent; n; n = n.parent) if (n.type === 'call') return n;
  return undefined;
}

function pythonRemoteCode(file: FileModel, project: ProjectModel | undefined): RemoteCodeSite[] {
  const py = file.python();
  if (!py || !file.text.includes('trust_remote_code')) return [];
  const out: RemoteCodeSite[] = [];
  const loads = new Map<number, HfLoad>(hfLoads(file, project).map((l) => [l.span.start, l]));
  const callsAt = new Map<number, PyCall>(py.calls().map((c) => [c.node.startIndex, c]));
  const siteFor = (valueNode: PyNode, call: PyCall | undefined, inOptions = false): RemoteCodeSite | undefined => {
    if (pyBool(file, valueNode) !== true) return undefined;
    const load = call ? loads.get(call.node.startIndex) : undefined;
    let model: string | undefined;
    let revision: RemoteCodeSite['revision'];
    if (load) {
      model = load.modelArg?.str?.value;
      if (load.revision) revision = { value: load.revision.str?.value, exact: load.revision.str?.exact ?? false };
      // `**kwargs` may carry the revision: unknown rather than absent.
      else if (load.opaqueArgs) revision = { exact: false };
    } else if (call) {
      const named = ['pretrained_model_name_or_path', 'model_name_or_path', 'model_name', 'model_id', 'repo_id', 'model', 'path'].map((k) => call.kwargs.get(k)).find(Boolean);
      const first = call.args[0] ?? named;
      model = first ? pyString(file, first, project)?.value : undefined;
      const rev = call.kwargs.get('revision');
      if (rev) {
        const s = pyString(file, rev, project);
        revision = { value: s?.value, exact: s?.exact ?? false };
      }
    }
    // Options handed to something that is not itself a load (a trainer config, a settings
    // object) enable remote code in the load that later receives them.
    const api = !call?.callee ? 'A dictionary of load options' : inOptions && !load ? `A dictionary of load options given to \`${call.callee}\`` : `\`${call.callee}\``;
    return { span: pySpan(valueNode), api, model, revision, kind: 'python' };
  };
  // trust_remote_code=True
  for (const call of py.calls()) {
    const v = call.kwargs.get('trust_remote_code');
    // dict(trust_remote_code=True) is options for the enclosing call.
    const owner = call.callee === 'dict' ? callsAt.get(enclosingCall(call.node)?.startIndex ?? -1) : call;
    const site = v ? siteFor(v, owner, owner !== call) : undefined;
    if (site) out.push(site);
  }
  // {"trust_remote_code": True}
  for (const pair of py.root.descendantsOfType('pair')) {
    if (!pair) continue;
    const k = pair.childForFieldName('key');
    const v = pair.childForFieldName('value');
    if (!k || !v || py.stringValue(k)?.value !== 'trust_remote_code') continue;
    const call = enclosingCall(pair);
    const site = siteFor(v, call ? callsAt.get(call.startIndex) : undefined, true);
    if (site) out.push(site);
  }
  return out;
}

function commandRemoteCode(file: FileModel, project: ProjectModel | undefined): RemoteCodeSite[] {
  if (!/trust.remote.code/i.test(file.text)) return [];
  const out: RemoteCodeSite[] = [];
  const seen = new Set<number>();
  // Known servers: their model and revision.
  for (const l of serverLaunches(file, project)) {
    const flag = l.flags.get('--trust-remote-code');
    if (flag && l.command) {
      const word = l.command.words.find((w) => /^--trust[-_]remote[-_]code(=|$)/.test(w.value));
      if (word && (flag === true || truthy(flag.value) !== false)) {
        seen.add(word.span.start);
        const api = l.how === 'cli' ? `\`${commandName(l.command.words, innerStart(l.command.words))}\`` : `The ${SERVER_NAMES[l.server]} image`;
        out.push({ span: word.span, api, model: l.model?.exact ? l.model.value : undefined, revision: l.revision ? { value: l.revision.value, exact: l.revision.exact } : undefined, kind: 'command' });
      }
    }
    // TGI reads TRUST_REMOTE_CODE from the environment.
    const env = l.env.get('TRUST_REMOTE_CODE');
    if (env?.value !== undefined && truthy(env.value) === true && !seen.has(env.span.start)) {
      seen.add(env.span.start);
      out.push({
        span: env.span,
        api: `${SERVER_NAMES[l.server]} (TRUST_REMOTE_CODE)`,
        model: l.model?.exact ? l.model.value : undefined,
        revision: l.revision ? { value: l.revision.value, exact: l.revision.exact } : undefined,
        kind: 'env',
      });
    }
  }
  // lm_eval --model_args ...,trust_remote_code=True
  for (const run of lmEvalRuns(file, project)) {
    const t = run.modelArgs.get('trust_remote_code');
    if (!t || truthy(t.value) !== true) continue;
    const rev = run.modelArgs.get('revision');
    seen.add(t.span.start);
    out.push({ span: t.span, api: '`lm_eval`', model: run.modelArgs.get('pretrained')?.value, revision: rev ? { value: rev.value, exact: rev.exact } : undefined, kind: 'command' });
  }
  // Any other command with the flag (llamafactory-cli, accelerate launch train.py, ...).
  for (const cmd of commands(file)) {
    const words = cmd.words;
    words.forEach((w, i) => {
      const m = /^(--trust[-_]remote[-_]code)(?:=(.*))?$/.exec(w.value);
      if (!m || seen.has(w.span.start)) return;
      const value = m[2] ?? (words[i + 1] && !words[i + 1]?.value.startsWith('-') ? words[i + 1]?.value : undefined);
      if (value !== undefined && truthy(value) === false) return;
      seen.add(w.span.start);
      const lookup = variables(file, cmd, project);
      const revAt = words.findIndex((x) => /^--revision(=|$)/.test(x.value));
      const revWord = revAt === -1 ? undefined : words[revAt]?.value.includes('=') ? words[revAt] : words[revAt + 1];
      const rev = revWord ? resolveWord(revWord, lookup, revWord.value.startsWith('--revision=') ? '--revision='.length : 0) : undefined;
      const start = innerStart(words);
      const modelAt = words.findIndex((x) => /^--(model[-_]name[-_]or[-_]path|model[-_]id|model[-_]path|model|pretrained)$/.test(x.value));
      const modelWord = modelAt === -1 ? undefined : words[modelAt + 1];
      const model = modelWord ? resolveWord(modelWord, lookup) : undefined;
      out.push({
        span: w.span,
        api: `\`${commandName(words, start)}\``,
        model: model?.exact ? model.value : undefined,
        revision: rev ? { value: rev.value, exact: rev.exact } : undefined,
        kind: 'command',
      });
    });
  }
  return out;
}

function commandName(words: readonly ShellWord[], start: number): string {
  const w0 = (words[start]?.value ?? '').replace(/^.*\//, '');
  const w1 = words[start + 1]?.value;
  if (/^python(\d(\.\d+)?)?$/.test(w0) && w1) return `${w0} ${w1 === '-m' ? `-m ${words[start + 2]?.value ?? ''}` : w1}`;
  return w1 && !w1.startsWith('-') && /^[a-z][\w-]*$/.test(w1) ? `${w0} ${w1}` : w0;
}

function yamlRemoteCode(file: FileModel): RemoteCodeSite[] {
  const y = file.yaml();
  if (!y || !file.text.includes('trust_remote_code')) return [];
  const out: RemoteCodeSite[] = [];
  const walk = (node: YNode | null, depth: number): void => {
    if (!node || depth > 40) return;
    if (isMap(node)) {
      const entries = y.entries(node);
      for (const e of entries) {
        if (e.key === 'trust_remote_code' && e.value && isScalar(e.value) && truthy(String(e.value.value)) === true) {
          const rev = entries.find((x) => REVISION_KEYS.includes(x.key));
          const model = y.str(y.get(node, 'base_model')) ?? y.str(y.get(node, 'model_name_or_path')) ?? y.str(y.get(node, 'model'));
          const rv = rev ? y.str(rev.value) : undefined;
          out.push({ span: y.span(e.value), api: 'This configuration', model, revision: rev ? { value: rv, exact: rv !== undefined && !/\$\{|\{\{/.test(rv) } : undefined, kind: 'config' });
        } else walk(e.value, depth + 1);
      }
    } else if (isSeq(node)) for (const i of y.items(node)) walk(i, depth + 1);
  };
  for (const doc of y.documents) walk(y.root(doc), 0);
  file.checkAliasLimit();
  return out;
}

/** Every place a file lets model repositories run their own code. */
export function remoteCodeSites(file: FileModel, project?: ProjectModel): RemoteCodeSite[] {
  return file.memo('facts:remote-code', () => {
    switch (file.kind) {
      case 'python':
        return pythonRemoteCode(file, project);
      case 'yaml-config':
      case 'json-config':
        return yamlRemoteCode(file);
      default:
        return commandRemoteCode(file, project);
    }
  });
}

// ---------------------------------------------------------------- deserialization

export interface DeserializationSite {
  kind: 'torch-load' | 'pickle' | 'numpy-pickle' | 'unsafe-option' | 'foreign-checkpoint';
  /** The callee as written. */
  api: string;
  /** Where to report: the call's callee, or the option's value. */
  span: Span;
  /** torch.load: `weights_only` as written (`True`, `False`, absent = undefined). */
  weightsOnly?: boolean | 'unknown';
  /** What is loaded, for messages: the file name or expression. */
  what: string;
  /** The option: `use_safetensors=False`, `safe_mode=False`, `from_tf=True`. */
  option?: string;
  /** For foreign checkpoints: the model id and whether it is a Hub id. */
  model?: string;
  hub?: boolean;
  /** How sure the site loads a model artifact. */
  confidence: 'high' | 'medium';
}

const MODEL_EXT = /\.(pt|pth|bin|ckpt|model|joblib|sav|pkl|pickle|dill|safetensors)$/i;
const STRONG_MODEL_EXT = /\.(pt|pth|bin|ckpt|model|joblib|sav)$/i;
const MODEL_WORDS =
  /(^|[^a-z])(models?|checkpoints?|ckpts?|weights?|adapters?|lora|classifiers?|vectori[sz]ers?|tokeni[sz]ers?|estimators?|regressors?|scalers?|encoders?|embeddings?|state_dict|clf|pipelines?)([^a-z]|$)/i;

const PICKLE_APIS = /^(pickle|cPickle|_pickle|dill|cloudpickle|joblib)\.(load|loads)$|^pandas\.read_pickle$|^sklearn\.externals\.joblib\.load$/;

/** The innermost function around a node, or the module. */
function pyScope(node: PyNode): PyNode {
  let n: PyNode | null = node.parent;
  while (n && n.type !== 'function_definition' && n.type !== 'module') n = n.parent;
  return n ?? node;
}

/**
 * The file an argument stands for: `open(X)` (inline, or bound by `with ... as f` / `f = open(X)`)
 * → X. A name takes the nearest binding before it in its function, else any in the file.
 */
function openedPath(file: FileModel, arg: PyNode): PyNode {
  const py = file.python();
  if (!py) return arg;
  const fromOpen = (call: PyNode | null | undefined): PyNode | undefined => {
    if (call?.type !== 'call') return undefined;
    const fn = call.childForFieldName('function');
    const name = fn ? py.qualify(py.chain(fn)) : '';
    if (!/^(open|io\.open|builtins\.open|gzip\.open|bz2\.open|lzma\.open|fsspec\.open|smart_open\.open)$/.test(name) && !/\.open$/.test(name)) return undefined;
    const args = call.childForFieldName('arguments');
    return args?.namedChildren.find((a) => a && a.type !== 'keyword_argument') ?? undefined;
  };
  const direct = fromOpen(arg);
  if (direct) return direct;
  if (arg.type !== 'identifier') return arg;
  const name = py.text_(arg);
  const candidates: Array<{ at: number; scope: PyNode; path: PyNode }> = [];
  for (const item of py.root.descendantsOfType('with_item')) {
    const v = item?.childForFieldName('value');
    if (!item || !v || v.type !== 'as_pattern') continue;
    const target = v.namedChildren[v.namedChildren.length - 1];
    const p = target && py.text_(target).trim() === name ? fromOpen(v.namedChildren[0]) : undefined;
    if (p) candidates.push({ at: item.startIndex, scope: pyScope(item), path: p });
  }
  for (const a of py.root.descendantsOfType('assignment')) {
    const left = a?.childForFieldName('left');
    const p = a && left && py.text_(left) === name ? fromOpen(a.childForFieldName('right')) : undefined;
    if (a && p) candidates.push({ at: a.startIndex, scope: pyScope(a), path: p });
  }
  const scope = pyScope(arg);
  const near = candidates.filter((c) => c.at < arg.startIndex && c.scope.startIndex === scope.startIndex).sort((x, y) => y.at - x.at)[0];
  return (near ?? candidates[0])?.path ?? arg;
}

/** Where a serializer writes: `torch.save(obj, P)`, `pickle.dump(obj, f)`, `joblib.dump(obj, P)`, `numpy.save(P, a)`, `df.to_pickle(P)`, `dcp_to_torch_save(dir, P)`. */
function savedTo(call: PyCall): PyNode | undefined {
  const q = call.qualified;
  if (q === 'torch.save') return call.args[1] ?? call.kwargs.get('f');
  if (/^(pickle|cPickle|_pickle|dill|cloudpickle)\.dump$/.test(q)) return call.args[1] ?? call.kwargs.get('file');
  if (/^(joblib|sklearn\.externals\.joblib)\.dump$/.test(q)) return call.args[1] ?? call.kwargs.get('filename');
  if (/^numpy\.(save|savez|savez_compressed)$/.test(q)) return call.args[0] ?? call.kwargs.get('file');
  if (/(^|\.)dcp_to_torch_save$/.test(q)) return call.args[1] ?? call.kwargs.get('torch_save_path');
  if (/\.to_pickle$/.test(call.callee)) return call.args[0] ?? call.kwargs.get('path');
  return undefined;
}

/** The variable an expression starts from: `ckpt_dir / "a.pt"` → `ckpt_dir`, `tmp.name` → `tmp`. */
function rootName(py: PythonModule, node: PyNode): string | undefined {
  let n: PyNode | null = node;
  while (n && n.type !== 'identifier') {
    if (n.type === 'attribute' || n.type === 'call' || n.type === 'subscript') n = n.childForFieldName(n.type === 'attribute' ? 'object' : n.type === 'call' ? 'function' : 'value');
    else if (n.type === 'binary_operator') n = n.childForFieldName('left');
    else if (n.type === 'parenthesized_expression') n = n.namedChildren[0] ?? null;
    else return undefined;
  }
  return n ? py.text_(n) : undefined;
}

/** A name bound (assigned, looped over, `with ... as`, `:=`) in `scope` between two offsets. */
function reboundBetween(py: PythonModule, scope: PyNode, name: string, from: number, to: number): boolean {
  for (const n of scope.descendantsOfType(['assignment', 'augmented_assignment', 'for_statement', 'as_pattern', 'named_expression'])) {
    if (!n || n.startIndex < from || n.startIndex > to || pyScope(n).startIndex !== scope.startIndex) continue;
    const target =
      n.type === 'for_statement'
        ? n.childForFieldName('left')
        : n.type === 'named_expression'
          ? n.childForFieldName('name')
          : n.type === 'as_pattern'
            ? n.namedChildren[n.namedChildren.length - 1]
            : n.childForFieldName('left');
    if (target && new RegExp(`(^|[^\\w.])${name}([^\\w]|$)`).test(py.text_(target))) return true;
  }
  return false;
}

/** `if os.path.exists(P):` / `if P.exists():` / `if os.path.isfile(P):` around a node. */
function guardedByExists(py: PythonModule, node: PyNode, path: string): boolean {
  for (let n: PyNode | null = node.parent; n && n.type !== 'function_definition' && n.type !== 'module'; n = n.parent) {
    if (n.type !== 'if_statement') continue;
    const cond = n.childForFieldName('condition');
    const body = n.childForFieldName('consequence');
    if (!cond || !body || node.startIndex < body.startIndex || node.endIndex > body.endIndex) continue;
    const t = py.text_(cond).replace(/\s+/g, '');
    if (t.includes(`exists(${path})`) || t.includes(`isfile(${path})`) || t.includes(`${path}.exists()`) || t.includes(`${path}.is_file()`)) return true;
  }
  return false;
}

/**
 * The load reads a file its own function wrote: the same path was saved to earlier in the
 * function (a test that saves and reloads, a converter that materialises a checkpoint and
 * reads it back), or is saved to later in a load-or-compute cache (`if exists(P): load(P)
 * else: ...; dump(x, P)`). What the code wrote itself is not an untrusted file.
 */
function readsOwnFile(file: FileModel, load: PyCall, pathArg: PyNode | undefined): boolean {
  const py = file.python();
  if (!py || !pathArg) return false;
  // `str(p)`, `os.fspath(p)` and `Path(p)` name the same file as `p`.
  const unwrap = (n: PyNode): PyNode => {
    // `str(Path(str(...)))` as deep as written, in a loop.
    for (;;) {
      if (n.type !== 'call') return n;
      const fn = n.childForFieldName('function');
      const args = n.childForFieldName('arguments')?.namedChildren.filter((a): a is PyNode => !!a) ?? [];
      if (!(fn && args.length === 1 && args[0]?.type !== 'keyword_argument' && /^(str|os\.fspath|pathlib\.Path|Path)$/.test(py.qualify(py.chain(fn))))) return n;
      n = args[0] as PyNode;
    }
  };
  const norm = (n: PyNode): string => py.text_(unwrap(openedPath(file, unwrap(n)))).replace(/\s+/g, '');
  const path = norm(pathArg);
  if (!path) return false;
  const scope = pyScope(load.node);
  const root = rootName(py, unwrap(openedPath(file, unwrap(pathArg))));
  for (const c of py.calls()) {
    const to = savedTo(c);
    if (!to || pyScope(c.node).startIndex !== scope.startIndex || norm(to) !== path) continue;
    const [a, b] = c.node.endIndex <= load.node.startIndex ? [c.node.endIndex, load.node.startIndex] : [load.node.endIndex, c.node.startIndex];
    if (root && reboundBetween(py, scope, root, a, b)) continue;
    if (c.node.endIndex <= load.node.startIndex) return true;
    if (guardedByExists(py, load.node, path)) return true;
  }
  return false;
}

/** Whether what a pickle-style loader reads is a model artifact, and how it reads in a message. */
function modelLike(file: FileModel, arg: PyNode | undefined, project: ProjectModel | undefined, numpy = false): { what: string; confidence: 'high' | 'medium' } | undefined {
  const py = file.python();
  if (!py || !arg) return undefined;
  const target = openedPath(file, arg);
  const text = py.text_(target);
  if (target.type === 'call') {
    const fn = target.childForFieldName('function');
    const q = fn ? py.qualify(py.chain(fn)) : '';
    if (/(hf_hub_download|cached_download|snapshot_download|urlretrieve|download_url_to_file)$/.test(q)) return { what: `a file downloaded by \`${py.chain(fn as PyNode)}\``, confidence: 'high' };
  }
  const s: StaticString | undefined = pyString(file, target, project);
  if (s) {
    const v = s.value;
    // numpy files are all `.npy`: only their name says whether they hold a model artifact.
    if (numpy ? MODEL_WORDS.test(v) : STRONG_MODEL_EXT.test(v) || (MODEL_EXT.test(v) && MODEL_WORDS.test(v))) return { what: `"${v}"`, confidence: 'high' };
    return undefined;
  }
  if (MODEL_WORDS.test(text.replace(/\.(read|content|body)\b.*$/, ''))) return { what: `\`${text.length > 60 ? `${text.slice(0, 57)}...` : text}\``, confidence: 'medium' };
  return undefined;
}

function pythonDeserialization(file: FileModel, project: ProjectModel | undefined): DeserializationSite[] {
  const py = file.python();
  if (!py) return [];
  const out: DeserializationSite[] = [];
  for (const call of py.calls()) {
    const q = call.qualified;
    if (q === 'torch.load') {
      const wo = call.kwargs.get('weights_only');
      const b = wo ? pyBool(file, wo) : undefined;
      if (b === true) continue;
      const target = call.args[0] ?? call.kwargs.get('f');
      if (readsOwnFile(file, call, target)) continue;
      out.push({
        kind: 'torch-load',
        api: call.callee,
        span: wo && b === false ? pySpan(wo) : call.calleeSpan,
        weightsOnly: wo ? (b ?? 'unknown') : undefined,
        what: target ? describe(file, target, project) : 'a file',
        confidence: 'high',
      });
      continue;
    }
    if (PICKLE_APIS.test(q)) {
      if (readsOwnFile(file, call, call.args[0] ?? call.kwargs.get('filename') ?? call.kwargs.get('file'))) continue;
      // joblib is how scikit-learn models are saved: a joblib file of unknown name may be one,
      // but a file whose name is known and says otherwise (a cache, results) is not.
      const known = call.args[0] ? pyString(file, openedPath(file, call.args[0]), project) : undefined;
      const like =
        modelLike(file, call.args[0], project) ??
        (/^joblib\.|\.joblib\./.test(q) && !known ? { what: call.args[0] ? describe(file, call.args[0], project) : 'a file', confidence: 'medium' as const } : undefined);
      if (like) out.push({ kind: 'pickle', api: call.callee, span: call.calleeSpan, what: like.what, confidence: like.confidence });
      continue;
    }
    if (q === 'numpy.load') {
      const ap = call.kwargs.get('allow_pickle');
      if (!ap || pyBool(file, ap) !== true || readsOwnFile(file, call, call.args[0] ?? call.kwargs.get('file'))) continue;
      const like = modelLike(file, call.args[0], project, true);
      if (like) out.push({ kind: 'numpy-pickle', api: call.callee, span: pySpan(ap), what: like.what, confidence: like.confidence });
      continue;
    }
    // Keras: safe_mode=False lets Lambda layers deserialize arbitrary code.
    if (/(^|\.)(keras\.models|keras\.saving|keras)\.load_model$/.test(q) || /^tensorflow\.keras\.(models\.)?load_model$/.test(q)) {
      const sm = call.kwargs.get('safe_mode');
      if (sm && pyBool(file, sm) === false)
        out.push({ kind: 'unsafe-option', api: call.callee, span: pySpan(sm), what: call.args[0] ? describe(file, call.args[0], project) : 'a model', option: 'safe_mode=False', confidence: 'high' });
    }
  }
  for (const load of hfLoads(file, project)) {
    const st = load.args.get('use_safetensors');
    if (st && st.bool === false)
      out.push({ kind: 'unsafe-option', api: load.api, span: st.span, what: load.modelArg?.str ? `"${load.modelArg.str.value}"` : 'the model', option: 'use_safetensors=False', confidence: 'high' });
    for (const opt of ['from_tf', 'from_flax']) {
      const a = load.args.get(opt);
      if (a?.bool !== true) continue;
      out.push({
        kind: 'foreign-checkpoint',
        api: load.api,
        span: a.span,
        what: load.modelArg?.str ? `"${load.modelArg.str.value}"` : 'the model',
        option: `${opt}=True`,
        model: load.modelArg?.str?.value,
        hub: load.modelKind === 'hub',
        confidence: 'high',
      });
    }
  }
  return out;
}

function describe(file: FileModel, node: PyNode, project: ProjectModel | undefined): string {
  const py = file.python();
  const s = pyString(file, node, project);
  if (s?.exact) return `"${s.value}"`;
  const t = py ? py.text_(node) : '';
  return `\`${t.length > 60 ? `${t.slice(0, 57)}...` : t}\``;
}

/** Pickle-based loads of model artifacts and options that force them, in a Python file. */
export function deserializationSites(file: FileModel, project?: ProjectModel): DeserializationSite[] {
  return file.memo('facts:deserialization', () => (file.kind === 'python' ? pythonDeserialization(file, project) : []));
}

// ---------------------------------------------------------------- downloads

export const WEIGHT_EXT = /\.(gguf|safetensors|bin|pt|pth|ckpt|onnx)$/i;

export interface WeightDownload {
  /** `curl`, `wget`, `ADD`, `urllib.request.urlretrieve`, `requests.get`, ... */
  tool: string;
  url: string;
  /** The URL (or its word) in the file. */
  span: Span;
  /** Where the file is written, when known. */
  output?: string;
  /** A checksum or signature check follows (or the tool checks one itself). */
  verified: boolean;
  /** A Hugging Face URL at a commit: the content is fixed by the commit. */
  commitPinned: boolean;
  where: string;
  /** Only the variable's name says it is a weight file (`$MODEL_DOWNLOAD_URL`). */
  byName?: boolean;
}

/** `$MODEL_DOWNLOAD_URL`, `${GGUF_URL}`: a variable whose name says it holds the URL of weights. */
const WEIGHT_URL_VAR = /^"?\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?"?$/;
function weightUrlVariable(raw: string): string | undefined {
  const m = WEIGHT_URL_VAR.exec(raw);
  const name = m?.[1];
  return name && /url/i.test(name) && /(model|weight|gguf|ggml|ckpt|checkpoint|safetensors|onnx)/i.test(name) ? name : undefined;
}

function urlPath(url: string): string {
  return cutAtAny(url, '?#');
}

function basename(p: string): string {
  return trimTrailing(p, '/').replace(/^.*\//, '');
}

export function hfCommitUrl(url: string): boolean {
  return /huggingface\.co\/(?:datasets\/|spaces\/)?[^/]+\/[^/]+\/resolve\/[0-9a-f]{40}\//.test(url);
}

/**
 * Whether `cmds[i]` checks `file`: `sha256sum -c SUMS` (a list file), `echo "<sha>  file" | sha256sum -c -`
 * (the piped text names the file), `sha256sum file` (compared), `shasum -a 256 -c`, `gpg --verify`,
 * `cosign verify-blob`, `openssl dgst ... file`.
 */
function checksFile(text: string, cmds: readonly LocatedCommand[], i: number, file: string | undefined): boolean {
  const cmd = cmds[i] as LocatedCommand;
  const words = cmd.words.map((w) => w.value);
  const start = innerStart(cmd.words);
  const tool = (words[start] ?? '').replace(/^.*\//, '');
  const names = file ? [file, basename(file)].filter(Boolean) : [];
  const mentions = (ws: readonly string[]): boolean => names.length > 0 && ws.some((w) => names.some((n) => w === n || w.endsWith(`/${n}`) || w.includes(` ${n}`) || w.includes(`*${n}`)));
  if (/^(sha(1|224|256|384|512)sum|b2sum|shasum|sha256|xxhsum)$/.test(tool)) {
    const c = words.findIndex((w, n) => n > start && /^(-[a-z]*c[a-z]*|--check)$/.test(w));
    if (c === -1) return mentions(words.slice(start + 1));
    const list = words.slice(c + 1).find((w) => !w.startsWith('-') || w === '-');
    if (list !== undefined && list !== '-') return true;
    // Reads the sums from stdin: the command piped into it, or a here-string, must name the file.
    const prev = cmds[i - 1];
    if (cmd.before === '|' && prev && mentions(prev.words.map((w) => w.value))) return true;
    const raw = text.slice(cmd.span.start, cmd.span.end);
    return /<<</.test(raw) && mentions([raw]);
  }
  if (tool === 'gpg' || tool === 'gpgv') return (words.includes('--verify') || tool === 'gpgv') && mentions(words);
  if (tool === 'cosign') return words.some((w) => w.startsWith('verify')) && mentions(words);
  if (tool === 'openssl') return words[start + 1] === 'dgst' && mentions(words);
  if (tool === 'minisign' || tool === 'signify') return words.some((w) => w === '-V' || w === '-C');
  return false;
}

function sameScope(a: LocatedCommand, b: LocatedCommand): boolean {
  if (a.origin === 'gha-run' || a.origin === 'gitlab-script') return a.job === b.job;
  if (a.workload || b.workload) return a.workload === b.workload;
  return true;
}

function commandDownloads(file: FileModel, project: ProjectModel | undefined): WeightDownload[] {
  const out: WeightDownload[] = [];
  const cmds = commands(file);
  cmds.forEach((cmd, index) => {
    const words = cmd.words;
    const start = innerStart(words);
    const tool = (words[start]?.value ?? '').replace(/^.*\//, '');
    if (tool !== 'curl' && tool !== 'wget' && tool !== 'aria2c') return;
    const lookup = variables(file, cmd, project);
    let output: string | undefined;
    let outDir: string | undefined;
    let remoteName = tool === 'wget' || tool === 'aria2c';
    let inlineChecksum = false;
    const urls: Array<{ word: ShellWord; url: string; byName?: boolean }> = [];
    for (let i = start + 1; i < words.length; i++) {
      const w = words[i] as ShellWord;
      const v = w.value;
      const next = words[i + 1];
      const wordValue = (x: ShellWord | undefined): string | undefined => (x ? resolveWord(x, lookup).value : undefined);
      if (/^https?:\/\//.test(v) || (!w.literal && /^\$|^"?\$/.test(w.raw) && /^https?:\/\//.test(wordValue(w) ?? ''))) {
        urls.push({ word: w, url: wordValue(w) ?? v });
        continue;
      }
      if (!w.literal && weightUrlVariable(w.raw)) {
        urls.push({ word: w, url: w.raw.replace(/^"|"$/g, ''), byName: true });
        continue;
      }
      if (tool === 'curl') {
        if (v === '-o' || v === '--output') (output = wordValue(next)), i++;
        else if (v.startsWith('--output=')) output = v.slice(9);
        else if (v === '-O' || v === '--remote-name' || v === '--remote-name-all') remoteName = true;
        else if (v === '--output-dir') (outDir = wordValue(next)), i++;
        else if (/^-[a-zA-Z]+$/.test(v) && !v.startsWith('--')) {
          if (v.endsWith('o')) (output = wordValue(next)), i++;
          else if (v.includes('O')) remoteName = true;
          else if (/[HdXuAeTrwxbcFKmCEy]$/.test(v)) i++; // short options that take a value
        } else if (
          /^--(header|data|data-raw|data-binary|request|user|user-agent|referer|retry|max-time|connect-timeout|proxy|cacert|cert|key|config|form|write-out|retry-delay|limit-rate|resolve)$/.test(v)
        )
          i++;
      } else if (tool === 'wget') {
        if (v === '-O' || v === '--output-document') (output = wordValue(next)), i++;
        else if (v.startsWith('--output-document=')) output = v.slice(18);
        else if (v === '-P' || v === '--directory-prefix') (outDir = wordValue(next)), i++;
        else if (v.startsWith('--directory-prefix=')) outDir = v.slice(19);
        else if (/^-[a-zA-Z]*O$/.test(v)) (output = wordValue(next)), i++;
      } else if (tool === 'aria2c') {
        if (v.startsWith('--checksum=')) inlineChecksum = true;
        else if (v === '-o' || v === '--out') (output = wordValue(next)), i++;
        else if (v === '-d' || v === '--dir') (outDir = wordValue(next)), i++;
      }
    }
    for (const { word, url, byName } of urls) {
      const out0 = output === '-' ? undefined : (output ?? (remoteName && !byName ? basename(urlPath(url)) : undefined));
      const target = out0 && outDir && !out0.includes('/') ? `${outDir}/${out0}` : out0;
      if (!byName && !WEIGHT_EXT.test(urlPath(url)) && !(target && WEIGHT_EXT.test(target))) continue;
      // Piped into a checker (`curl ... | sha256sum -c`) or checked by a later command of the same script, job or container.
      const verified = inlineChecksum || cmds.some((c, j) => j > index && sameScope(cmd, c) && checksFile(file.text, cmds, j, target ?? basename(urlPath(url))));
      const urlStart = Math.max(0, word.value.indexOf(url));
      const span = word.literal ? { start: word.map.toSource(urlStart), end: word.map.toSource(urlStart + url.length) } : word.span;
      out.push({ tool, url, span, output: target, verified, commitPinned: hfCommitUrl(url), where: cmd.where, byName });
    }
  });
  // Dockerfile ADD <url> <dest>, verified with --checksum=sha256:...
  const df = file.dockerfile();
  for (const ins of df?.instructions ?? []) {
    if (ins.keyword !== 'ADD') continue;
    const args = ins.args;
    // dockerfile-ast keeps `--checksum=...` out of the arguments; the instruction text has it.
    const checksum = /(^|\s)--checksum=\S+/.test(file.text.slice(ins.span.start, ins.span.end)) || args.some((a) => a.value.startsWith('--checksum='));
    const plain = args.filter((a) => !a.value.startsWith('--'));
    const dest = plain[plain.length - 1]?.value;
    for (const a of plain.slice(0, -1)) {
      if (!/^https?:\/\//.test(a.value)) continue;
      const target = dest && !dest.endsWith('/') ? dest : `${dest ?? ''}${basename(urlPath(a.value))}`;
      if (!WEIGHT_EXT.test(urlPath(a.value)) && !WEIGHT_EXT.test(target)) continue;
      out.push({ tool: 'ADD', url: a.value, span: a.span, output: target, verified: checksum, commitPinned: hfCommitUrl(a.value), where: 'ADD' });
    }
  }
  return out;
}

const PY_DOWNLOADERS =
  /^(urllib\.request\.urlretrieve|urllib\.urlretrieve|urllib\.request\.urlopen|requests\.get|requests\.request|httpx\.get|httpx\.stream|wget\.download|gdown\.download|torch\.hub\.download_url_to_file|torch\.hub\.load_state_dict_from_url|aiohttp\.ClientSession\(\)\.get)$/;

function pythonDownloads(file: FileModel, project: ProjectModel | undefined): WeightDownload[] {
  const py = file.python();
  if (!py || !/https?:|url/i.test(file.text)) return [];
  const out: WeightDownload[] = [];
  const calls = py.calls();
  for (const call of calls) {
    if (!PY_DOWNLOADERS.test(call.qualified)) continue;
    const urlNode = call.args[0] ?? call.kwargs.get('url');
    const url = urlNode ? pyString(file, urlNode, project) : undefined;
    const outNode = call.args[1] ?? call.kwargs.get('filename') ?? call.kwargs.get('dst') ?? call.kwargs.get('out') ?? call.kwargs.get('output');
    const output = outNode ? pyString(file, outNode, project)?.value : undefined;
    const urlText = url?.value ?? '';
    if (!urlNode || (!WEIGHT_EXT.test(urlPath(urlText)) && !(output && WEIGHT_EXT.test(output)))) continue;
    // The tool checks a hash itself.
    let verified = false;
    if (call.qualified === 'torch.hub.download_url_to_file') verified = !!call.kwargs.get('hash_prefix') || (call.args[2] !== undefined && py.text_(call.args[2]) !== 'None');
    if (call.qualified === 'torch.hub.load_state_dict_from_url') verified = pyBool(file, call.kwargs.get('check_hash')) === true;
    if (call.qualified === 'gdown.download') verified = !!call.kwargs.get('hash');
    // A hashlib digest (or a project helper that verifies) later in the same function.
    const scope = pyScope(call.node);
    verified ||= calls.some(
      (c) =>
        c.node.startIndex > call.node.endIndex &&
        c.node.endIndex <= scope.endIndex &&
        pyScope(c.node).startIndex === scope.startIndex &&
        (/^hashlib\.(sha(224|256|384|512)|sha3_\w+|blake2[bs]|new|file_digest)$/.test(c.qualified) || /(verify|checksum|sha256|digest)/i.test(c.callee.split('.').pop() ?? '')),
    );
    const span = url && !url.definedIn ? url.span : pySpan(urlNode);
    out.push({ tool: call.callee, url: urlText || py.text_(urlNode), span, output, verified, commitPinned: hfCommitUrl(urlText), where: 'Python' });
  }
  return out;
}

/** Weight files a file downloads over HTTP, and whether each is verified. */
export function weightDownloads(file: FileModel, project?: ProjectModel): WeightDownload[] {
  return file.memo('facts:weight-downloads', () => (file.kind === 'python' ? pythonDownloads(file, project) : commandDownloads(file, project)));
}
