import type { FileModel } from '../model/file-model.js';
import type { ProjectModel } from '../model/project.js';
import { span as pySpan, type PyCall, type PythonModule } from '../parse/python.js';
import { Node as TsNode, SyntaxKind, tsSpan } from '../parse/typescript.js';
import type { Confidence, Span } from '../types.js';
import { hubIdKind, type HubIdKind } from './model-ids.js';
import { writtenIds, type WrittenId } from './pinning.js';
import { tsNodesOfKind } from './ts-nodes.js';
import { pySources, tsSources, type ValueSource } from './value-sources.js';
import { pyBool, pyDictKeys, pyString, tsBool, tsObjectLiteral, tsProperty, tsString, type PyNode, type StaticString } from './values.js';
import { deeper } from '../parse/walk.js';

/**
 * Loads of model weights, tokenizers, configs or adapters from the Hugging Face Hub in code:
 * transformers `*.from_pretrained` and `pipeline`, huggingface_hub downloads, sentence-transformers,
 * peft, diffusers, vLLM `LLM(...)`, other `from_pretrained` APIs, and transformers.js. Computed
 * once per file; shared by the model-pinning and weights-integrity rules.
 */
export interface HfArg {
  /** The argument's value expression. */
  span: Span;
  text: string;
  /** Its string value, when known statically. */
  str?: StaticString;
  /** Its boolean value, when it is a literal (or a name bound once to one). */
  bool?: boolean;
  /** For the model id: every literal that may reach it (defaults, constants, callers' arguments ...). */
  sources?: ValueSource[];
  /** The expression itself (a tree-sitter node in Python, a ts-morph node in TS/JS). */
  node?: PyNode | TsNode;
}

/** A literal that may reach a load's model argument, and what kind of id it is. */
export interface HfModelSource extends ValueSource {
  kind: HubIdKind;
}

export interface HfLoad {
  language: 'python' | 'typescript';
  /** The callee as written (`CausalLM.from_pretrained`, `pipeline`, `LLM`). */
  api: string;
  /** `transformers`, `huggingface_hub`, `sentence-transformers`, `peft`, `diffusers`, `vllm`, `transformers.js`, `llama-cpp-python`, ... or `from_pretrained` when the class is not known. */
  library: string;
  confidence: Confidence;
  span: Span;
  calleeSpan: Span;
  /** The model id argument, when there is one. */
  modelArg?: HfArg;
  /** Its kind, when its value is known. */
  modelKind?: HubIdKind;
  /** Every literal that may reach the model argument, with its kind. */
  modelSources: HfModelSource[];
  /** A revision argument (`revision=`, `{ revision }`), when given. */
  revision?: HfArg;
  /** `pipeline(task)` with no model: the library picks its default model for the task. */
  defaultModel?: { task?: string };
  /** Keyword arguments / option properties by name. */
  args: Map<string, HfArg>;
  /** Some arguments are passed through `**kwargs` (or a spread) whose keys are unknown. */
  opaqueArgs: boolean;
  /** The API has no revision parameter (llama-cpp-python `Llama.from_pretrained`). */
  noRevisionParam?: boolean;
  /**
   * Only a configuration is loaded (`AutoConfig`, `GenerationConfig`, `PeftConfig.from_pretrained`):
   * no weights, tokenizer or code (unless `trust_remote_code`). A model built from it is either
   * loaded with its own `from_pretrained` or randomly initialised.
   */
  configOnly?: boolean;
  /** The file-relative language for fixes: `revision="<sha>"` versus `{ revision: "<sha>" }`. */
  fixSyntax: 'python' | 'js';
}

interface PyApi {
  library: string;
  /** Position and keyword names of the model id argument. */
  index: number;
  kw: string[];
  confidence: Confidence;
  singleSegmentIsHub?: boolean;
  noRevisionParam?: boolean;
  /** pipeline: the task argument. */
  pipeline?: boolean;
  /** Downloads of a repo that may be a dataset or a Space (`repo_type=`). */
  repoType?: boolean;
  /** The API also takes `tokenizer=` with its own `tokenizer_revision=` (vLLM). */
  tokenizerArg?: boolean;
}

const FROM_PRETRAINED_LIBS: Record<string, string> = {
  transformers: 'transformers',
  diffusers: 'diffusers',
  optimum: 'optimum',
  trl: 'trl',
  unsloth: 'unsloth',
  setfit: 'setfit',
  auto_gptq: 'auto-gptq',
  awq: 'autoawq',
  gptqmodel: 'gptqmodel',
  span_marker: 'span-marker',
  gliner: 'gliner',
  sentence_transformers: 'sentence-transformers',
  peft: 'peft',
};

/** `AutoConfig.from_pretrained`, `GenerationConfig.from_pretrained`, `LlamaConfig.from_pretrained`, `PeftConfig.from_pretrained`. */
const CONFIG_CLASS = /(^|\.)[A-Z]\w*Config\.from_pretrained$/;

function pyApi(q: string, callee: string): PyApi | undefined {
  const root = q.split('.')[0] ?? '';
  if (q === 'transformers.pipeline' || /^transformers\.pipelines?\.pipeline$/.test(q)) {
    return { library: 'transformers', index: 1, kw: ['model'], confidence: 'high', pipeline: true };
  }
  if (/^peft\.(PeftModel|PeftModelFor\w+|PeftMixedModel)\.from_pretrained$/.test(q)) return { library: 'peft', index: 1, kw: ['model_id'], confidence: 'high' };
  if (/^llama_cpp\.Llama\.from_pretrained$/.test(q)) return { library: 'llama-cpp-python', index: 0, kw: ['repo_id'], confidence: 'high', noRevisionParam: true };
  if (/^unsloth\.\w+\.from_pretrained$/.test(q)) return { library: 'unsloth', index: 0, kw: ['model_name'], confidence: 'high' };
  if (/\.(from_pretrained|from_quantized)$/.test(q) && FROM_PRETRAINED_LIBS[root]) {
    return { library: FROM_PRETRAINED_LIBS[root] as string, index: 0, kw: ['pretrained_model_name_or_path', 'model_name_or_path', 'model_id', 'model_name'], confidence: 'high' };
  }
  if (/^huggingface_hub\.(hf_hub_download|snapshot_download)$/.test(q) || /^huggingface_hub\.(HfApi|HfFileSystem)\(\)\.(hf_hub_download|snapshot_download)$/.test(q)) {
    return { library: 'huggingface_hub', index: 0, kw: ['repo_id'], confidence: 'high', repoType: true };
  }
  if (/^sentence_transformers(\.\w+)*\.(SentenceTransformer|SparseEncoder)$/.test(q)) {
    return { library: 'sentence-transformers', index: 0, kw: ['model_name_or_path'], confidence: 'high', singleSegmentIsHub: true };
  }
  if (/^sentence_transformers(\.\w+)*\.CrossEncoder$/.test(q)) return { library: 'sentence-transformers', index: 0, kw: ['model_name_or_path', 'model_name'], confidence: 'high' };
  if (/^vllm(\.entrypoints\.llm)?\.LLM$/.test(q)) return { library: 'vllm', index: 0, kw: ['model'], confidence: 'high', tokenizerArg: true };
  if (/^vllm(\.engine\.arg_utils)?\.(AsyncEngineArgs|EngineArgs)$/.test(q)) return { library: 'vllm', index: -1, kw: ['model'], confidence: 'high', tokenizerArg: true };
  // Any other `X.from_pretrained("org/name")`: the Hugging Face convention, kept when the id is a Hub id.
  if (/\.(from_pretrained)$/.test(callee)) return { library: 'from_pretrained', index: 0, kw: ['pretrained_model_name_or_path', 'model_name_or_path'], confidence: 'medium' };
  if (/\.(load_adapter|load_lora_weights|load_textual_inversion|load_ip_adapter)$/.test(callee)) {
    return {
      library: root === 'peft' ? 'peft' : /lora|textual|ip_adapter/.test(callee) ? 'diffusers' : 'transformers',
      index: 0,
      kw: ['pretrained_model_name_or_path_or_dict', 'peft_model_id', 'pretrained_model_name_or_path'],
      confidence: 'medium',
    };
  }
  if (/\.(hf_hub_download|snapshot_download)$/.test(callee)) return { library: 'huggingface_hub', index: 0, kw: ['repo_id'], confidence: 'medium', repoType: true };
  return undefined;
}

function pyArg(file: FileModel, node: PyNode, project: ProjectModel | undefined): HfArg {
  const py = file.python();
  return { span: pySpan(node), text: py ? py.text_(node) : '', str: pyString(file, node, project), bool: pyBool(file, node), node };
}

function pythonLoads(file: FileModel, project: ProjectModel | undefined): HfLoad[] {
  const py = file.python();
  if (!py) return [];
  const out: HfLoad[] = [];
  const importsHub = py.imports().some((i) => i.module.startsWith('huggingface_hub'));
  for (const call of py.calls()) {
    if (!call.callee) continue;
    const api = pyApi(scopedQualified(py, call), call.callee);
    if (!api) continue;
    if (api.confidence === 'medium' && api.library === 'huggingface_hub' && !importsHub) continue;
    // `X.from_pretrained` of an unknown library: X must come from an installed package, not be a class of the repository.
    if (api.library === 'from_pretrained' && !fromPackage(file, project, call.callee)) continue;
    const load = pyLoad(file, project, call, api);
    if (load && CONFIG_CLASS.test(call.callee)) load.configOnly = true;
    if (load) out.push(load);
  }
  return out;
}

/**
 * The callee qualified through the import that binds its first name where the call is: an
 * import inside the calling function (`from modelscope import snapshot_download` in one branch)
 * wins over the module's.
 */
function scopedQualified(py: PythonModule, call: PyCall): string {
  const root = call.callee.split(/[.(]/)[0] ?? '';
  const imps = py.imports().filter((i) => i.local === root && !i.star);
  if (imps.length < 2) return call.qualified;
  let fn: PyNode | null = call.node.parent;
  while (fn && fn.type !== 'function_definition') fn = fn.parent;
  const inFn = imps.filter((i) => (fn ? i.span.start >= fn.startIndex && i.span.end <= fn.endIndex : true) && i.span.start < call.node.startIndex);
  const nearest = inFn.sort((a, b) => b.span.start - a.span.start)[0];
  return nearest ? nearest.qualified + call.callee.slice(root.length) : call.qualified;
}

function fromPackage(file: FileModel, project: ProjectModel | undefined, callee: string): boolean {
  const py = file.python();
  const root = callee.split('.')[0] ?? '';
  const imp = py?.imports().find((i) => i.local === root && !i.star);
  if (!imp) return false;
  if (imp.module.startsWith('.')) return false;
  return !project?.index.resolvePy(file.path, imp.module);
}

function pyLoad(file: FileModel, project: ProjectModel | undefined, call: PyCall, api: PyApi): HfLoad | undefined {
  const args = new Map<string, HfArg>();
  for (const [k, v] of call.kwargs) args.set(k, pyArg(file, v, project));
  let opaqueArgs = false;
  const argList = call.node.childForFieldName('arguments');
  for (const a of argList ? argList.namedChildren : []) {
    if (a?.type !== 'dictionary_splat') continue;
    const inner = a.namedChildren[0];
    const keys = inner ? pyDictKeys(file, inner) : undefined;
    if (!keys) {
      opaqueArgs = true;
      continue;
    }
    for (const [k, v] of keys) if (!args.has(k)) args.set(k, pyArg(file, v, project));
  }
  if (api.repoType) {
    const rt = args.get('repo_type')?.str?.value;
    if (rt && rt !== 'model') return undefined;
  }
  if (args.get('local_files_only')?.bool === true) return undefined;
  const modelNode: PyNode | undefined = api.index >= 0 ? call.args[api.index] : undefined;
  let modelArg = modelNode ? pyArg(file, modelNode, project) : undefined;
  for (const k of api.kw) {
    if (modelArg) break;
    const a = args.get(k);
    if (a) modelArg = a;
  }
  const load: HfLoad = {
    language: 'python',
    api: call.callee,
    library: api.library,
    confidence: api.confidence,
    span: call.span,
    calleeSpan: call.calleeSpan,
    modelArg,
    revision: args.get('revision'),
    args,
    opaqueArgs,
    noRevisionParam: api.noRevisionParam,
    fixSyntax: 'python',
    modelSources: [],
  };
  if (api.pipeline && !modelArg) {
    const task = call.args[0] ? pyString(file, call.args[0], project) : args.get('task')?.str;
    load.defaultModel = { task: task?.value };
  }
  if (modelArg?.str) load.modelKind = idKind(modelArg.str, project, file.path, api.singleSegmentIsHub);
  if (modelArg?.node) {
    modelArg.sources = pySources(file, modelArg.node as PyNode, project);
    load.modelSources = modelArg.sources.map((s) => ({ ...s, kind: idKind(s, project, s.path, api.singleSegmentIsHub) }));
  }
  // Generic `X.from_pretrained(...)` counts only when the id is certainly a Hub id.
  if (api.confidence === 'medium' && load.modelKind !== 'hub' && !load.modelSources.some((s) => s.kind === 'hub')) return undefined;
  return load;
}

/** Hub id, local path or unknown, for a value known statically (exactly or as a template); a repository path is local. */
function idKind(v: { value: string; exact: boolean }, project: ProjectModel | undefined, from: string, singleSegmentIsHub?: boolean): HubIdKind {
  const kind = v.exact ? hubIdKind(v.value, singleSegmentIsHub) : templateKind(v.value);
  return kind === 'hub' && project && inRepo(project, from, v.value) ? 'local' : kind;
}

/**
 * An f-string / template with runtime parts: a Hub id when its literal organisation and one
 * slash are written (`f"meta-llama/Llama-3.1-{size}B"`), unknown otherwise.
 */
function templateKind(value: string): HubIdKind {
  const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)\/([^/]*)$/.exec(value);
  if (!m) return 'unknown';
  return /[{$]/.test(m[1] as string) ? 'unknown' : 'hub';
}

/** The id names a directory or file of the repository (relative to the root or to the file). */
export function inRepo(project: ProjectModel, from: string, value: string): boolean {
  const v = value.replace(/^\.\//, '');
  if (project.exists(v)) return true;
  const dir = from.includes('/') ? from.slice(0, from.lastIndexOf('/')) : '';
  return dir !== '' && project.exists(`${dir}/${v}`);
}

// ---------------------------------------------------------------- transformers.js

const TRANSFORMERS_JS = new Set(['@huggingface/transformers', '@xenova/transformers']);

interface TjsNames {
  pipeline: Set<string>;
  classes: Set<string>;
  namespaces: Set<string>;
  env: Set<string>;
}

function tjsNames(file: FileModel): TjsNames | undefined {
  if (!file.text.includes('/transformers')) return undefined;
  const ts = file.ts();
  if (!ts) return undefined;
  const names: TjsNames = { pipeline: new Set(), classes: new Set(), namespaces: new Set(), env: new Set() };
  const add = (local: string, imported: string): void => {
    if (imported === '*' || imported === 'default') names.namespaces.add(local);
    else if (imported === 'pipeline') names.pipeline.add(local);
    else if (imported === 'env') names.env.add(local);
    else names.classes.add(local);
  };
  for (const i of ts.imports()) if (TRANSFORMERS_JS.has(i.module) && !i.typeOnly) add(i.local, i.imported);
  // const { pipeline } = await import('@xenova/transformers')
  for (const call of tsNodesOfKind(file, SyntaxKind.CallExpression).filter(TsNode.isCallExpression)) {
    if (call.getExpression().getKind() !== SyntaxKind.ImportKeyword) continue;
    const arg = call.getArguments()[0];
    if (!arg || !TsNode.isStringLiteral(arg) || !TRANSFORMERS_JS.has(arg.getLiteralValue())) continue;
    let holder: TsNode = call;
    while (holder.getParent() && (TsNode.isAwaitExpression(holder.getParent() as TsNode) || TsNode.isParenthesizedExpression(holder.getParent() as TsNode))) holder = holder.getParent() as TsNode;
    const decl = holder.getParent();
    if (!decl || !TsNode.isVariableDeclaration(decl)) {
      // const pipeline = (...args) => import("@xenova/transformers").then(({ pipeline }) => pipeline(...args)):
      // a lazy wrapper named after what it forwards to.
      for (let n: TsNode | undefined = call.getParent(); n; n = n.getParent()) {
        if (!TsNode.isArrowFunction(n) && !TsNode.isFunctionExpression(n)) continue;
        const v = n.getParent();
        if (v && TsNode.isVariableDeclaration(v) && TsNode.isIdentifier(v.getNameNode())) add(v.getName(), v.getName() === 'pipeline' ? 'pipeline' : /^[A-Z]/.test(v.getName()) ? v.getName() : '*');
        break;
      }
      continue;
    }
    const nameNode = decl.getNameNode();
    if (TsNode.isIdentifier(nameNode)) add(nameNode.getText(), '*');
    else if (TsNode.isObjectBindingPattern(nameNode)) {
      for (const el of nameNode.getElements()) add(el.getName(), el.getPropertyNameNode()?.getText() ?? el.getName());
    }
  }
  const any = names.pipeline.size + names.classes.size + names.namespaces.size;
  return any > 0 ? names : undefined;
}

/** `env.allowRemoteModels = false` in the file: models come from local files only. */
function remoteDisabled(file: FileModel, names: TjsNames): boolean {
  const ts = file.ts();
  if (!ts) return false;
  for (const bin of tsNodesOfKind(file, SyntaxKind.BinaryExpression).filter(TsNode.isBinaryExpression)) {
    if (bin.getOperatorToken().getKind() !== SyntaxKind.EqualsToken) continue;
    const left = ts.chain(bin.getLeft());
    const [root, ...rest] = left.split('.');
    const path = rest.join('.');
    const isEnv = (root && names.env.has(root) && path === 'allowRemoteModels') || (root && names.namespaces.has(root) && path === 'env.allowRemoteModels');
    if (isEnv && tsBool(file, bin.getRight()) === false) return true;
  }
  return false;
}

function tsArg(file: FileModel, node: TsNode, project: ProjectModel | undefined): HfArg {
  return { span: tsSpan(node), text: node.getText(), str: tsString(file, node, project), bool: tsBool(file, node), node };
}

function typescriptLoads(file: FileModel, project: ProjectModel | undefined): HfLoad[] {
  const ts = file.ts();
  const names = ts ? tjsNames(file) : undefined;
  if (!ts || !names || remoteDisabled(file, names)) return [];
  const out: HfLoad[] = [];
  for (const call of tsNodesOfKind(file, SyntaxKind.CallExpression).filter(TsNode.isCallExpression)) {
    const calleeNode = call.getExpression();
    const callee = ts.chain(calleeNode);
    if (!callee) continue;
    const parts = callee.split('.');
    const root = parts[0] as string;
    let isPipeline = false;
    let isFrom = false;
    if (parts.length === 1 && names.pipeline.has(root)) isPipeline = true;
    else if (parts.length === 2 && names.namespaces.has(root) && parts[1] === 'pipeline') isPipeline = true;
    else if (parts[parts.length - 1] === 'from_pretrained' && (names.classes.has(root) || names.namespaces.has(root)) && parts.length <= 3) isFrom = true;
    if (!isPipeline && !isFrom) continue;
    const callArgs = call.getArguments();
    // `pipeline(...args)`: a wrapper forwarding its arguments, not a load of its own.
    if (callArgs.some((a) => TsNode.isSpreadElement(a))) continue;
    const modelNode = isPipeline ? callArgs[1] : callArgs[0];
    const optionsNode = isPipeline ? callArgs[2] : callArgs[1];
    const args = new Map<string, HfArg>();
    let opaqueArgs = false;
    if (optionsNode) {
      const obj = tsObjectLiteral(file, optionsNode, project);
      if (!obj) opaqueArgs = true;
      else {
        for (const p of (obj.node as TsNode).getChildrenOfKind(SyntaxKind.PropertyAssignment)) {
          const key = p.getName();
          const prop = tsProperty(obj.file, obj.node, key, project);
          if (prop && prop.file === file) args.set(key, tsArg(file, prop.node, project));
        }
        const spreads = (obj.node as TsNode).getChildrenOfKind(SyntaxKind.SpreadAssignment);
        if (spreads.length > 0) {
          const rev = tsProperty(obj.file, obj.node, 'revision', project);
          if (rev && rev.file === file) args.set('revision', tsArg(file, rev.node, project));
          else if (!rev && !spreads.every((sp) => literalSpread(sp.getExpression(), project, obj.file))) opaqueArgs = true;
        }
        if (obj.file !== file) {
          const rev = tsProperty(obj.file, obj.node, 'revision', project);
          if (rev) args.set('revision', { span: tsSpan(optionsNode), text: optionsNode.getText(), str: tsString(rev.file, rev.node, project) });
        }
      }
    }
    if (args.get('local_files_only')?.bool === true) continue;
    const isUndefined = (n: TsNode | undefined): boolean =>
      !n || n.getKind() === SyntaxKind.UndefinedKeyword || (TsNode.isIdentifier(n) && n.getText() === 'undefined') || n.getKind() === SyntaxKind.NullKeyword;
    const load: HfLoad = {
      language: 'typescript',
      api: callee,
      library: 'transformers.js',
      confidence: 'high',
      span: tsSpan(call),
      calleeSpan: tsSpan(calleeNode),
      modelArg: modelNode && !isUndefined(modelNode) ? tsArg(file, modelNode, project) : undefined,
      revision: args.get('revision'),
      args,
      opaqueArgs,
      fixSyntax: 'js',
      modelSources: [],
    };
    if (isPipeline && !load.modelArg) load.defaultModel = { task: callArgs[0] ? tsString(file, callArgs[0], project)?.value : undefined };
    if (load.modelArg?.str) load.modelKind = idKind(load.modelArg.str, project, file.path);
    if (load.modelArg && modelNode) {
      load.modelArg.sources = tsSources(file, modelNode as TsNode, project);
      load.modelSources = load.modelArg.sources.map((s) => ({ ...s, kind: idKind(s, project, s.path) }));
    }
    out.push(load);
  }
  return out;
}

/**
 * A spread whose keys are all written here and name no revision: `...(cond ? { progress_callback } : {})`,
 * `...base` of an object literal (tsProperty already looked through those).
 */
function literalSpread(expr: TsNode, project: ProjectModel | undefined, file: FileModel): boolean {
  // Ternaries of spreads of spreads nest as deep as written: past the shared depth, not known to be literal.
  return deeper(false, () => literalSpreadOf(expr, project, file));
}

function literalSpreadOf(expr: TsNode, project: ProjectModel | undefined, file: FileModel): boolean {
  let e = expr;
  while (TsNode.isParenthesizedExpression(e)) e = e.getExpression();
  if (TsNode.isConditionalExpression(e)) return literalSpread(e.getWhenTrue(), project, file) && literalSpread(e.getWhenFalse(), project, file);
  if (TsNode.isBinaryExpression(e) && (e.getOperatorToken().getKind() === SyntaxKind.AmpersandAmpersandToken || e.getOperatorToken().getKind() === SyntaxKind.BarBarToken))
    return literalSpread(e.getRight(), project, file);
  const obj = tsObjectLiteral(file, e, project);
  return !!obj && !tsProperty(obj.file, obj.node, 'revision', project) && obj.node.getChildrenOfKind(SyntaxKind.SpreadAssignment).every((sp) => literalSpread(sp.getExpression(), project, obj.file));
}

/** Hub loads in a Python or TS/JS file, computed once per file. */
export function hfLoads(file: FileModel, project?: ProjectModel): HfLoad[] {
  return file.memo('facts:hf-loads', () => (file.kind === 'python' ? pythonLoads(file, project) : file.kind === 'typescript' ? typescriptLoads(file, project) : []));
}

/** vLLM `LLM(tokenizer="org/tok")` without `tokenizer_revision`: the tokenizer is a second Hub load. */
export function tokenizerArg(load: HfLoad): { arg: HfArg; revision?: HfArg } | undefined {
  if (load.library !== 'vllm') return undefined;
  const arg = load.args.get('tokenizer');
  if (!arg?.str) return undefined;
  return { arg, revision: load.args.get('tokenizer_revision') };
}

export interface HubIdUse {
  path: string;
  callSpan: Span;
  load: HfLoad;
  source: HfModelSource;
}

/** Files that can load from the Hub in code (a cheap text test before parsing). */
const MAY_LOAD =
  /from_pretrained|from_quantized|pipeline|hf_hub_download|snapshot_download|SentenceTransformer|CrossEncoder|SparseEncoder|LLM|EngineArgs|load_adapter|load_lora_weights|load_textual_inversion|load_ip_adapter/;

/**
 * The Hub ids written in `file` or loaded by a call in it, each once, with every load of the
 * repository it reaches (see `writtenIds`): one id in a variable loaded as processor, model and
 * tokenizer is one written id with three loads.
 */
export function writtenHubIds(file: FileModel, project: ProjectModel): Array<WrittenId<HubIdUse>> {
  return writtenIds<HubIdUse>(
    file,
    project,
    'hf-loads',
    (f) => MAY_LOAD.test(f.text),
    (f) =>
      hfLoads(f, project).flatMap((load) =>
        load.modelSources
          .filter((s) => s.kind === 'hub')
          .map((source) => ({ use: { path: f.path, callSpan: load.span, load, source }, literal: { path: source.path, span: source.span, value: source.value, exact: source.exact } })),
      ),
  );
}
