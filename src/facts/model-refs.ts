import type { FileModel } from '../model/file-model.js';
import type { ProjectModel } from '../model/project.js';
import { span as pySpan, type PyCall } from '../parse/python.js';
import { Node as TsNode, SyntaxKind, tsSpan } from '../parse/typescript.js';
import type { Span } from '../types.js';
import type { ts as TsApi } from 'ts-morph';
import { tsc } from '../parse/ts-morph.js';
import { calleeRoot, tsCompilerNodes, tsWrap } from './ts-nodes.js';
import type { Confidence } from '../types.js';
import { inferenceSites, type InferenceSite } from './inference/index.js';
import { writtenIds, type WrittenId } from './pinning.js';
import { pySources, tsSources, type SourceVia, type ValueSource } from './value-sources.js';
import { pyDictKeys, pyString, tsObjectLiteral, tsProperty, tsString, type PyNode } from './values.js';
import { cutAt } from '../util/text.js';

/**
 * Model ids named in calls to hosted-model SDKs: OpenAI, Anthropic, Mistral, Google GenAI,
 * Cohere, Groq, Together, Amazon Bedrock, Hugging Face Inference, Ollama, LiteLLM, the Vercel AI
 * SDK provider factories, LangChain and LlamaIndex chat classes, in Python and TS/JS.
 *
 * Clients are followed within a file and across one import from a module of the repository
 * (`export const client = new OpenAI()` in lib/llm.ts, used in app/route.ts). Deeper client
 * tracking (clients passed as arguments, returned from factories) is left to a call-site
 * capability: it can hand a call it recognised to `tsModelRefs` / `pyModelRefs`.
 */
export interface ModelRef {
  /** The model id, when its value is known statically. */
  value?: string;
  /** False when part of the value is unknown (a template with a runtime part). */
  exact: boolean;
  /** Where the id's text is (the literal, possibly in `definedIn`); the argument when unknown. */
  span: Span;
  /** The argument (or property value) in this file that passes the id. */
  argSpan: Span;
  /** Root-relative path of the module that holds the literal, when not this file. */
  definedIn?: string;
  /** How the literal reaches the call (see ValueSource). */
  via?: SourceVia;
  envName?: string;
  /** What holds the id on the way (`MODEL`, `--model`, `Settings.llm_model`), for messages. */
  holder?: string;
  /** `high` unless a step of the flow from the literal to the call was guessed. */
  confidence: Confidence;
  /** Provider the SDK talks to: `openai`, `anthropic`, `google`, `mistral`, `cohere`, `groq`, `together`, `bedrock`, `huggingface`, `ollama`, `azure`, `compatible` (a client pointed at another server), or undefined when the id itself says (LiteLLM, gateways). */
  provider?: string;
  /** Package or module of the SDK (`openai`, `@ai-sdk/anthropic`, `langchain_openai`). */
  sdk: string;
  /** The callee as written (`client.chat.completions.create`, `openai`, `new ChatOpenAI`). */
  api: string;
  /** How the id was found. */
  found: 'client-call' | 'constructor' | 'factory' | 'function';
  callSpan: Span;
}

// ---------------------------------------------------------------- shared helpers

/**
 * Provider of a client from its base URL: the SDK's own provider when none is set (or it is
 * only known at run time); a known
 * host; Ollama on its port; otherwise `compatible`: another server (vLLM, a proxy, a test
 * server) that gives model names its own meaning.
 */
function providerFromBaseUrl(url: string | undefined, fallback: string | undefined): string | undefined {
  // Unset, or set at run time (`process.env.OPENAI_BASE_URL`, usually unset): the SDK's provider.
  if (url === undefined || url === '<dynamic>') return fallback;
  if (/:11434\b|ollama/i.test(url)) return 'ollama';
  if (/api\.openai\.com/.test(url)) return 'openai';
  if (/api\.anthropic\.com/.test(url)) return 'anthropic';
  if (/api\.groq\.com/.test(url)) return 'groq';
  if (/api\.together\.(xyz|ai)/.test(url)) return 'together';
  if (/api\.mistral\.ai/.test(url)) return 'mistral';
  if (/generativelanguage\.googleapis\.com/.test(url)) return 'google';
  if (/openai\.azure\.com/.test(url)) return 'azure';
  return 'compatible';
}

// ---------------------------------------------------------------- TypeScript / JavaScript

type TsKind = 'client-class' | 'client' | 'factory' | 'creator' | 'model-class' | 'command-class' | 'function' | 'gateway-function' | 'positional-function';

interface TsBinding {
  kind: TsKind;
  provider?: string;
  sdk: string;
  /** Object keys that carry the model id. */
  keys?: string[];
}

interface TsModuleSpec {
  /** Named (or default) export → binding kind. `*` applies to every other named export. */
  exports: Record<string, Omit<TsBinding, 'sdk'>>;
}

const MODEL_KEYS = ['model'];
const LC_KEYS = ['model', 'modelName'];

const TS_SDKS: Record<string, TsModuleSpec> = {
  openai: { exports: { default: { kind: 'client-class', provider: 'openai' }, OpenAI: { kind: 'client-class', provider: 'openai' }, AzureOpenAI: { kind: 'client-class', provider: 'azure' } } },
  '@anthropic-ai/sdk': { exports: { default: { kind: 'client-class', provider: 'anthropic' }, Anthropic: { kind: 'client-class', provider: 'anthropic' } } },
  '@anthropic-ai/bedrock-sdk': { exports: { default: { kind: 'client-class', provider: 'bedrock' }, AnthropicBedrock: { kind: 'client-class', provider: 'bedrock' } } },
  '@anthropic-ai/vertex-sdk': { exports: { default: { kind: 'client-class', provider: 'anthropic' }, AnthropicVertex: { kind: 'client-class', provider: 'anthropic' } } },
  '@mistralai/mistralai': { exports: { Mistral: { kind: 'client-class', provider: 'mistral' }, default: { kind: 'client-class', provider: 'mistral' } } },
  'groq-sdk': { exports: { default: { kind: 'client-class', provider: 'groq' }, Groq: { kind: 'client-class', provider: 'groq' } } },
  'together-ai': { exports: { default: { kind: 'client-class', provider: 'together' }, Together: { kind: 'client-class', provider: 'together' } } },
  '@google/generative-ai': { exports: { GoogleGenerativeAI: { kind: 'client-class', provider: 'google' } } },
  '@google/genai': { exports: { GoogleGenAI: { kind: 'client-class', provider: 'google' } } },
  'cohere-ai': { exports: { CohereClient: { kind: 'client-class', provider: 'cohere' }, CohereClientV2: { kind: 'client-class', provider: 'cohere' } } },
  '@aws-sdk/client-bedrock-runtime': {
    exports: {
      InvokeModelCommand: { kind: 'command-class', provider: 'bedrock', keys: ['modelId'] },
      InvokeModelWithResponseStreamCommand: { kind: 'command-class', provider: 'bedrock', keys: ['modelId'] },
      ConverseCommand: { kind: 'command-class', provider: 'bedrock', keys: ['modelId'] },
      ConverseStreamCommand: { kind: 'command-class', provider: 'bedrock', keys: ['modelId'] },
    },
  },
  '@huggingface/inference': {
    exports: { HfInference: { kind: 'client-class', provider: 'huggingface' }, InferenceClient: { kind: 'client-class', provider: 'huggingface' }, '*': { kind: 'function', provider: 'huggingface' } },
  },
  ollama: { exports: { default: { kind: 'client', provider: 'ollama' }, Ollama: { kind: 'client-class', provider: 'ollama' } } },
  'ollama/browser': { exports: { default: { kind: 'client', provider: 'ollama' }, Ollama: { kind: 'client-class', provider: 'ollama' } } },
  ai: {
    exports: Object.fromEntries(
      ['generateText', 'streamText', 'generateObject', 'streamObject', 'embed', 'embedMany', 'Experimental_Agent', 'Agent'].map((n) => [n, { kind: 'gateway-function' as const }]),
    ),
  },
  'langchain/chat_models/universal': { exports: { initChatModel: { kind: 'positional-function' } } },
};

/**
 * Vercel AI SDK provider packages: `openai(...)` factories and `createOpenAI(...)` creators.
 * The AI Gateway's ids name their provider (`anthropic/claude-...`): no provider of its own.
 */
const AI_SDK_PROVIDERS: Record<string, string | null> = {
  '@ai-sdk/gateway': null,
  '@ai-sdk/openai': 'openai',
  '@ai-sdk/anthropic': 'anthropic',
  '@ai-sdk/google': 'google',
  '@ai-sdk/google-vertex': 'google',
  '@ai-sdk/mistral': 'mistral',
  '@ai-sdk/groq': 'groq',
  '@ai-sdk/cohere': 'cohere',
  '@ai-sdk/amazon-bedrock': 'bedrock',
  '@ai-sdk/togetherai': 'together',
  '@ai-sdk/azure': 'azure',
  'ollama-ai-provider': 'ollama',
  'ollama-ai-provider-v2': 'ollama',
};

/** LangChain JS chat and embedding classes: `new ChatOpenAI({ model })`. */
const LANGCHAIN_JS: Record<string, string> = {
  '@langchain/openai': 'openai',
  '@langchain/anthropic': 'anthropic',
  '@langchain/google-genai': 'google',
  '@langchain/google-vertexai': 'google',
  '@langchain/mistralai': 'mistral',
  '@langchain/groq': 'groq',
  '@langchain/cohere': 'cohere',
  '@langchain/aws': 'bedrock',
  '@langchain/ollama': 'ollama',
  '@langchain/community/chat_models/ollama': 'ollama',
  '@langchain/community/llms/ollama': 'ollama',
};

function tsImportBinding(module: string, imported: string): TsBinding | undefined {
  const spec = TS_SDKS[module];
  if (spec) {
    const b = spec.exports[imported] ?? (imported !== 'default' && imported !== '*' ? spec.exports['*'] : undefined);
    return b ? { ...b, sdk: module } : undefined;
  }
  if (module in AI_SDK_PROVIDERS) {
    const aiProvider = AI_SDK_PROVIDERS[module] ?? undefined;
    if (/^create[A-Z]/.test(imported)) return { kind: 'creator', provider: aiProvider, sdk: module };
    if (imported !== '*' && imported !== 'default' && /^[a-z]/.test(imported)) return { kind: 'factory', provider: aiProvider, sdk: module };
    return undefined;
  }
  const lc = LANGCHAIN_JS[module];
  if (lc && /^(Chat|Azure)?[A-Z]\w*$/.test(imported) && imported !== 'default') {
    const provider = /^Azure/.test(imported) ? 'azure' : lc;
    return { kind: 'model-class', provider, sdk: module, keys: provider === 'bedrock' ? ['model', 'modelId'] : LC_KEYS };
  }
  return undefined;
}

function baseUrlOf(file: FileModel, args: TsNode[], project: ProjectModel | undefined): string | undefined {
  const obj = tsObjectLiteral(file, args[0], project);
  if (!obj) return undefined;
  for (const key of ['baseURL', 'baseUrl', 'host']) {
    const p = tsProperty(obj.file, obj.node, key, project);
    if (p) return tsString(p.file, p.node, project)?.value ?? '<dynamic>';
  }
  return undefined;
}

/** Names of a TS/JS file bound to SDK clients, classes and factories (imports, `new X()`, `createX()`), computed once. */
const isTsSdkModule = (module: string): boolean => module in TS_SDKS || module in AI_SDK_PROVIDERS || module in LANGCHAIN_JS;

/**
 * Whether a TS/JS file can bind an SDK name: it imports an SDK module, or a module of the
 * repository that does, at any remove. Read from the imports the repository index lists (the
 * compiler's scanner, no parse); false for a file no client, class or factory can reach, so
 * tsBindings need not parse it. The modules one walk visits without finding an SDK import all
 * answer false too (each reaches no more than the walk did).
 */
function mayBindSdk(file: FileModel, project: ProjectModel | undefined): boolean {
  const known = (f: FileModel): boolean | undefined => f.memo<{ v?: boolean }>('facts:model-refs:may-bind-sdk', () => ({})).v;
  const set = (f: FileModel, v: boolean): void => {
    f.memo<{ v?: boolean }>('facts:model-refs:may-bind-sdk', () => ({})).v = v;
  };
  const cached = known(file);
  if (cached !== undefined) return cached;
  if (!project) {
    const v = (file.tsImportModules() ?? []).some(isTsSdkModule);
    set(file, v);
    return v;
  }
  const seen = new Set<FileModel>([file]);
  const stack = [file];
  while (stack.length > 0) {
    const f = stack.pop() as FileModel;
    if (known(f) === true) {
      set(file, true);
      return true;
    }
    for (const e of project.index.importsOf(f)) {
      if (isTsSdkModule(e.module)) {
        set(file, true);
        return true;
      }
      const other = e.resolved && (e.module.startsWith('.') || /^[@~]\//.test(e.module)) ? project.file(e.resolved) : undefined;
      if (other && other.kind === 'typescript' && !seen.has(other) && known(other) !== false) {
        seen.add(other);
        stack.push(other);
      }
    }
  }
  for (const f of seen) set(f, false);
  return false;
}

function tsBindings(file: FileModel, project: ProjectModel | undefined, depth = 0): Map<string, TsBinding> {
  return file.memo('facts:model-refs:ts-bindings', () => {
    if (!mayBindSdk(file, project)) return new Map<string, TsBinding>();
    const ts = file.ts();
    const out = new Map<string, TsBinding>();
    if (!ts) return out;
    for (const imp of ts.imports()) {
      if (imp.typeOnly) continue;
      const b = tsImportBinding(imp.module, imp.imported);
      if (b) {
        out.set(imp.local, b);
        continue;
      }
      // A client created in another module of the repository.
      if (project && depth < 3 && (imp.module.startsWith('.') || /^[@~]\//.test(imp.module))) {
        const target = project.index.resolveTs(file.path, imp.module);
        const other = target ? project.file(target) : undefined;
        if (other && other !== file) {
          const theirs = tsBindings(other, project, depth + 1).get(imp.imported === 'default' ? '<default>' : imp.imported);
          if (theirs && (theirs.kind === 'client' || theirs.kind === 'factory')) out.set(imp.local, theirs);
        }
      }
    }
    // Without an SDK import (or a client imported from the repository) nothing below can match.
    if (out.size === 0) return out;
    const fromInit = (init: TsNode | undefined): TsBinding | undefined => {
      if (!init) return undefined;
      let n = init;
      while (TsNode.isAwaitExpression(n) || TsNode.isParenthesizedExpression(n) || TsNode.isAsExpression(n)) n = n.getExpression();
      if (TsNode.isNewExpression(n)) {
        const callee = ts.chain(n.getExpression());
        const b = out.get(callee) ?? out.get(callee.split('.').pop() ?? '');
        if (b?.kind === 'client-class') {
          const provider = b.provider === 'ollama' || b.provider === 'huggingface' ? b.provider : providerFromBaseUrl(baseUrlOf(file, n.getArguments() as TsNode[], project), b.provider);
          return { kind: 'client', provider, sdk: b.sdk };
        }
      }
      if (TsNode.isCallExpression(n)) {
        const callee = ts.chain(n.getExpression());
        const b = out.get(callee);
        if (b?.kind === 'creator') return { kind: 'factory', provider: providerFromBaseUrl(baseUrlOf(file, n.getArguments() as TsNode[], project), b.provider), sdk: b.sdk };
      }
      return undefined;
    };
    // Only initializers that construct or call a bound name can create a client: filter on
    // the raw compiler nodes before wrapping any.
    const names = new Set(out.keys());
    const constructs = (init: TsApi.Expression | undefined): boolean => {
      let n: TsApi.Node | undefined = init;
      while (n && (tsc.isAwaitExpression(n) || tsc.isParenthesizedExpression(n) || tsc.isAsExpression(n))) n = n.expression;
      if (!n || !(tsc.isNewExpression(n) || tsc.isCallExpression(n))) return false;
      const root = calleeRoot(n.expression);
      return root !== undefined && names.has(root);
    };
    for (const raw of tsCompilerNodes(file, SyntaxKind.VariableDeclaration) as TsApi.VariableDeclaration[]) {
      if (!tsc.isIdentifier(raw.name) || !constructs(raw.initializer)) continue;
      const d = tsWrap(file, raw);
      if (!TsNode.isVariableDeclaration(d)) continue;
      const b = fromInit(d.getInitializer());
      if (b) out.set(raw.name.text, b);
    }
    for (const raw of tsCompilerNodes(file, SyntaxKind.PropertyDeclaration) as TsApi.PropertyDeclaration[]) {
      if (!constructs(raw.initializer)) continue;
      const p = tsWrap(file, raw);
      if (!TsNode.isPropertyDeclaration(p)) continue;
      const b = fromInit(p.getInitializer());
      if (b) out.set(`this.${p.getName()}`, b);
    }
    for (const raw of tsCompilerNodes(file, SyntaxKind.BinaryExpression) as TsApi.BinaryExpression[]) {
      if (raw.operatorToken.kind !== tsc.SyntaxKind.EqualsToken || !constructs(raw.right)) continue;
      if (!tsc.isPropertyAccessExpression(raw.left) || raw.left.expression.kind !== tsc.SyntaxKind.ThisKeyword) continue;
      const bin = tsWrap(file, raw);
      if (!TsNode.isBinaryExpression(bin)) continue;
      const left = ts.chain(bin.getLeft());
      const b = fromInit(bin.getRight());
      if (b) out.set(left, b);
    }
    for (const ex of ts.source.getExportAssignments()) {
      const b = fromInit(ex.getExpression());
      if (b) out.set('<default>', b);
    }
    return out;
  });
}

type RefBase = Omit<ModelRef, 'value' | 'exact' | 'span' | 'argSpan' | 'confidence'>;

/** One ref per literal that may reach the argument; one without a value when none is known. */
function refsOf(sources: ValueSource[], filePath: string, argSpan: Span, base: RefBase): ModelRef[] {
  if (sources.length === 0) return [{ ...base, exact: false, span: argSpan, argSpan, confidence: 'high' }];
  return sources.map((s) => ({
    ...base,
    value: s.value,
    exact: s.exact,
    span: s.span,
    argSpan,
    definedIn: s.path === filePath ? undefined : s.path,
    via: s.via,
    envName: s.envName,
    holder: s.holder,
    confidence: s.confidence,
  }));
}

function tsRefs(file: FileModel, project: ProjectModel | undefined, valueNode: TsNode, base: RefBase, argSpan = tsSpan(valueNode)): ModelRef[] {
  return refsOf(tsSources(file, valueNode, project), file.path, argSpan, base);
}

/** The model id in a call's (or `new`'s) options object: `{ model }`, through consts and spreads. */
function tsObjectModel(file: FileModel, project: ProjectModel | undefined, arg: TsNode | undefined, keys: readonly string[], base: RefBase): ModelRef[] {
  const obj = tsObjectLiteral(file, arg, project);
  if (!obj) return [];
  if (tsProperty(obj.file, obj.node, 'endpointUrl', project)) return [];
  for (const key of keys) {
    const p = tsProperty(obj.file, obj.node, key, project);
    if (!p) continue;
    // The options object may live in another module: the argument here passes it.
    return tsRefs(p.file, project, p.node, base, p.file === file ? tsSpan(p.node) : arg ? tsSpan(arg) : tsSpan(p.node)).map((r) => ({
      ...r,
      definedIn: r.definedIn === file.path ? undefined : (r.definedIn ?? (p.file === file ? undefined : p.file.path)),
    }));
  }
  return [];
}

/**
 * The model ids of one TS/JS call made with a known SDK binding (for a call-site capability
 * that recognised the client itself): `client.x.y({ model })`, `factory("id")`, `new Class({ model })`.
 * One ref per literal that may reach the argument.
 */
export function tsModelRefs(file: FileModel, call: TsNode, binding: { kind: TsKind; provider?: string; sdk: string; keys?: string[] }, project?: ProjectModel): ModelRef[] {
  const ts = file.ts();
  if (!ts || !(TsNode.isCallExpression(call) || TsNode.isNewExpression(call))) return [];
  const callee = call.getExpression();
  const args = (call.getArguments() as TsNode[]) ?? [];
  const api = (TsNode.isNewExpression(call) ? 'new ' : '') + ts.chain(callee);
  const base = { provider: binding.provider, sdk: binding.sdk, api, callSpan: tsSpan(call) };
  switch (binding.kind) {
    case 'client':
      if (/\bendpoint\(\)/.test(api)) return [];
      return tsObjectModel(file, project, args[0], binding.provider === 'bedrock' ? ['modelId', 'model'] : MODEL_KEYS, { ...base, found: 'client-call' });
    case 'function':
      return tsObjectModel(file, project, args[0], MODEL_KEYS, { ...base, found: 'function' });
    case 'gateway-function': {
      const obj = tsObjectLiteral(file, args[0], project);
      const p = obj ? tsProperty(obj.file, obj.node, 'model', project) : undefined;
      // Only a string `model:` goes through the AI Gateway; `model: openai("...")` is a factory call, found on its own.
      if (!p || p.file !== file) return [];
      const sources = tsSources(file, p.node, project);
      return sources.length > 0 ? refsOf(sources, file.path, tsSpan(p.node), { ...base, provider: undefined, found: 'function' }) : [];
    }
    case 'factory':
    case 'positional-function': {
      const first = args[0];
      if (!first || TsNode.isObjectLiteralExpression(first)) return [];
      return tsRefs(file, project, first, { ...base, found: binding.kind === 'factory' ? 'factory' : 'function' });
    }
    case 'model-class':
    case 'command-class':
      return tsObjectModel(file, project, args[0], binding.keys ?? MODEL_KEYS, { ...base, found: 'constructor' });
    default:
      return [];
  }
}

const FACTORY_METHODS = new Set([
  'chat',
  'languageModel',
  'responses',
  'completion',
  'embedding',
  'textEmbedding',
  'textEmbeddingModel',
  'image',
  'imageModel',
  'transcription',
  'speech',
  'messages',
  'generativeAI',
]);

function typescriptRefs(file: FileModel, project: ProjectModel | undefined): ModelRef[] {
  if (!mayBindSdk(file, project)) return [];
  const ts = file.ts();
  if (!ts) return [];
  const bindings = tsBindings(file, project);
  if (bindings.size === 0) return [];
  const out: ModelRef[] = [];
  // Calls and `new`s whose callee starts with a bound name (or `this`): filtered raw, then wrapped.
  const roots = new Set([...bindings.keys()].map((k) => k.split('.')[0] as string));
  const raw = [...tsCompilerNodes(file, SyntaxKind.CallExpression), ...tsCompilerNodes(file, SyntaxKind.NewExpression)]
    .filter((n) => {
      const root = calleeRoot((n as TsApi.CallExpression | TsApi.NewExpression).expression);
      return root !== undefined && roots.has(root);
    })
    .sort((a, b) => a.pos - b.pos);
  for (const node of raw.map((n) => tsWrap(file, n))) {
    if (!TsNode.isCallExpression(node) && !TsNode.isNewExpression(node)) continue;
    const chain = ts.chain(node.getExpression());
    if (!chain) continue;
    let binding: TsBinding | undefined;
    if (TsNode.isNewExpression(node)) {
      const b = bindings.get(chain) ?? bindings.get(chain.split('.').pop() ?? '');
      if (b && (b.kind === 'model-class' || b.kind === 'command-class')) binding = b;
    } else {
      const parts = chain.split('.');
      const root = parts[0] === 'this' ? `this.${parts[1] ?? ''}` : (parts[0] as string);
      const rest = parts.slice(parts[0] === 'this' ? 2 : 1);
      const direct = bindings.get(chain);
      const b = bindings.get(root);
      if (direct && (direct.kind === 'factory' || direct.kind === 'function' || direct.kind === 'gateway-function' || direct.kind === 'positional-function')) binding = direct;
      else if (b?.kind === 'client' && rest.length > 0) binding = b;
      else if (b?.kind === 'factory' && rest.length === 1 && FACTORY_METHODS.has(rest[0] as string)) binding = b;
      else if (/^(\w+)\(\)(\.\w+)?$/.test(chain)) {
        // createOpenAI({...})("gpt-4o") / createOpenAI({...}).chat("gpt-4o")
        const creator = bindings.get(cutAt(chain, '()'));
        const method = /\(\)\.(\w+)$/.exec(chain)?.[1];
        if (creator?.kind === 'creator' && (!method || FACTORY_METHODS.has(method))) binding = { kind: 'factory', provider: creator.provider, sdk: creator.sdk };
      }
    }
    if (!binding) continue;
    out.push(...tsModelRefs(file, node, binding, project));
  }
  return out;
}

// ---------------------------------------------------------------- Python

type PyKind = 'client' | 'model-class' | 'function';

interface PySpec {
  kind: PyKind | 'client-class';
  provider?: string;
  /** Keyword names of the model id. */
  kw: string[];
  /** Positional index of the model id, when it may be positional. */
  pos?: number;
}

/** Qualified names (after import aliases) of SDK classes and functions. */
const PY_SDKS: Array<[RegExp, PySpec]> = [
  [/^openai\.(Async)?OpenAI$/, { kind: 'client-class', provider: 'openai', kw: ['model'] }],
  [/^openai\.(Async)?AzureOpenAI$/, { kind: 'client-class', provider: 'azure', kw: ['model'] }],
  [/^anthropic\.(Async)?Anthropic$/, { kind: 'client-class', provider: 'anthropic', kw: ['model'] }],
  [/^anthropic\.(Async)?AnthropicBedrock$/, { kind: 'client-class', provider: 'bedrock', kw: ['model'] }],
  [/^anthropic\.(Async)?AnthropicVertex$/, { kind: 'client-class', provider: 'anthropic', kw: ['model'] }],
  [/^mistralai(\.client|\.async_client)?\.(Mistral|MistralClient|MistralAsyncClient)$/, { kind: 'client-class', provider: 'mistral', kw: ['model'] }],
  [/^groq\.(Async)?Groq$/, { kind: 'client-class', provider: 'groq', kw: ['model'] }],
  [/^together\.(Async)?Together$/, { kind: 'client-class', provider: 'together', kw: ['model'] }],
  [/^cohere\.(Async)?Client(V2)?$/, { kind: 'client-class', provider: 'cohere', kw: ['model'] }],
  [/^google\.genai\.Client$/, { kind: 'client-class', provider: 'google', kw: ['model'] }],
  [/^huggingface_hub\.(Async)?InferenceClient$/, { kind: 'client-class', provider: 'huggingface', kw: ['model'], pos: 0 }],
  [/^ollama\.(Async)?Client$/, { kind: 'client-class', provider: 'ollama', kw: ['model'], pos: 0 }],
  [/^google\.generativeai\.GenerativeModel$/, { kind: 'model-class', provider: 'google', kw: ['model_name'], pos: 0 }],
  [/^vertexai(\.preview)?\.generative_models\.GenerativeModel$/, { kind: 'model-class', provider: 'google', kw: ['model_name'], pos: 0 }],
  [
    /^(langchain_openai|langchain_community\.chat_models|langchain\.chat_models|langchain_community\.llms|langchain_community\.embeddings)\.(ChatOpenAI|OpenAI|OpenAIEmbeddings)$/,
    { kind: 'model-class', provider: 'openai', kw: ['model', 'model_name'] },
  ],
  [/^langchain_openai\.Azure\w+$/, { kind: 'model-class', provider: 'azure', kw: ['model', 'model_name'] }],
  [/^langchain_anthropic\.(ChatAnthropic|AnthropicLLM)$/, { kind: 'model-class', provider: 'anthropic', kw: ['model', 'model_name'] }],
  [/^langchain_google_genai\.(ChatGoogleGenerativeAI|GoogleGenerativeAI|GoogleGenerativeAIEmbeddings)$/, { kind: 'model-class', provider: 'google', kw: ['model'] }],
  [/^langchain_google_vertexai\.(ChatVertexAI|VertexAI)$/, { kind: 'model-class', provider: 'google', kw: ['model_name', 'model'] }],
  [/^langchain_mistralai\.(ChatMistralAI|MistralAIEmbeddings)$/, { kind: 'model-class', provider: 'mistral', kw: ['model', 'model_name'] }],
  [/^langchain_groq\.ChatGroq$/, { kind: 'model-class', provider: 'groq', kw: ['model', 'model_name'] }],
  [/^langchain_cohere\.(ChatCohere|CohereEmbeddings)$/, { kind: 'model-class', provider: 'cohere', kw: ['model'] }],
  [/^langchain_aws\.(ChatBedrock|ChatBedrockConverse|BedrockLLM)$/, { kind: 'model-class', provider: 'bedrock', kw: ['model_id', 'model'] }],
  [
    /^(langchain_ollama|langchain_community\.chat_models|langchain_community\.llms|langchain_community\.embeddings)\.(ChatOllama|OllamaLLM|Ollama|OllamaEmbeddings)$/,
    { kind: 'model-class', provider: 'ollama', kw: ['model'] },
  ],
  [/^llama_index\.llms\.openai\.OpenAI$/, { kind: 'model-class', provider: 'openai', kw: ['model'] }],
  [/^llama_index\.llms\.anthropic\.Anthropic$/, { kind: 'model-class', provider: 'anthropic', kw: ['model'] }],
  [/^llama_index\.llms\.ollama\.Ollama$/, { kind: 'model-class', provider: 'ollama', kw: ['model'] }],
  [/^llama_index\.llms\.(gemini\.Gemini|google_genai\.GoogleGenAI)$/, { kind: 'model-class', provider: 'google', kw: ['model'] }],
  [/^llama_index\.llms\.mistralai\.MistralAI$/, { kind: 'model-class', provider: 'mistral', kw: ['model'] }],
  [/^llama_index\.llms\.groq\.Groq$/, { kind: 'model-class', provider: 'groq', kw: ['model'] }],
  [/^litellm\.(completion|acompletion|embedding|aembedding|text_completion|responses|aresponses)$/, { kind: 'function', kw: ['model'], pos: 0 }],
  [/^langchain\.chat_models\.(base\.)?init_chat_model$/, { kind: 'function', kw: ['model'], pos: 0 }],
  [/^pydantic_ai\.Agent$/, { kind: 'function', kw: ['model'], pos: 0 }],
  [/^dspy\.LM$/, { kind: 'function', kw: ['model'], pos: 0 }],
  [/^ollama\.(chat|generate|pull|embed|embeddings|show|push)$/, { kind: 'function', provider: 'ollama', kw: ['model'], pos: 0 }],
  [/^openai\.(ChatCompletion|Completion|Embedding)\.a?create$/, { kind: 'function', provider: 'openai', kw: ['model', 'engine'] }],
];

function pySpec(q: string): PySpec | undefined {
  for (const [re, spec] of PY_SDKS) if (re.test(q)) return spec;
  return undefined;
}

interface PyBinding {
  provider?: string;
  sdk: string;
  kw: string[];
  pos?: number;
}

/** Module clients: `openai.chat.completions.create(...)` uses the module-level default client. */
const PY_MODULE_CLIENTS: Record<string, PyBinding> = {
  openai: { provider: 'openai', sdk: 'openai', kw: ['model'] },
};

function pyKwString(file: FileModel, call: PyCall, name: string, project: ProjectModel | undefined): string | undefined {
  const n = call.kwargs.get(name);
  return n ? (pyString(file, n, project)?.value ?? '<dynamic>') : undefined;
}

/** `base_url=` of a client constructor, also through `**kwargs` of a dict literal; `<dynamic>` when it cannot be known. */
function pyBaseUrl(file: FileModel, call: PyCall, project: ProjectModel | undefined): string | undefined {
  const direct = pyKwString(file, call, 'base_url', project);
  if (direct !== undefined) return direct;
  const args = call.node.childForFieldName('arguments');
  for (const a of args ? args.namedChildren : []) {
    if (a?.type !== 'dictionary_splat') continue;
    const inner = a.namedChildren[0];
    const keys = inner ? pyDictKeys(file, inner) : undefined;
    if (!keys) return '<dynamic>';
    const v = keys.get('base_url');
    if (v) return pyString(file, v, project)?.value ?? '<dynamic>';
  }
  return undefined;
}

/** Names of a Python file bound to SDK clients (`client = OpenAI()`, `self.client = ...`, imported from a repository module), computed once. */
/** Clients created in this file: `client = OpenAI()`, `self.client = ...`, `with OpenAI() as c:`. */
function pyLocalClients(file: FileModel, project: ProjectModel | undefined, out: Map<string, PyBinding>): void {
  const py = file.python();
  if (!py) return;
  const callsAt = new Map(py.calls().map((c) => [`${c.node.startIndex}:${c.node.endIndex}`, c]));
  const clientOf = (value: PyNode | null): PyBinding | undefined => {
    if (value?.type !== 'call') return undefined;
    const call = callsAt.get(`${value.startIndex}:${value.endIndex}`);
    if (!call) return undefined;
    const q = call.qualified;
    const spec = pySpec(q);
    if (spec?.kind === 'client-class') {
      const provider = spec.provider === 'ollama' || spec.provider === 'huggingface' ? spec.provider : providerFromBaseUrl(pyBaseUrl(file, call, project), spec.provider);
      return { provider, sdk: q.split('.')[0] as string, kw: spec.kw, pos: spec.pos };
    }
    // boto3.client("bedrock-runtime")
    if (/(^boto3(\.session\.Session\(\))?|\.)client$/.test(q) && (q.startsWith('boto3') || py.imports().some((i) => i.module === 'boto3'))) {
      const svc = call.args[0] ? pyString(file, call.args[0], project)?.value : pyKwString(file, call, 'service_name', project);
      if (svc === 'bedrock-runtime') return { provider: 'bedrock', sdk: 'boto3', kw: ['modelId'] };
    }
    return undefined;
  };
  for (const a of py.root.descendantsOfType('assignment')) {
    if (!a) continue;
    const left = a.childForFieldName('left');
    const b = clientOf(a.childForFieldName('right'));
    if (left && b) out.set(py.text_(left).replace(/\s+/g, ''), b);
  }
  for (const item of py.root.descendantsOfType('with_item')) {
    const v = item?.childForFieldName('value');
    if (v?.type !== 'as_pattern') continue;
    const b = clientOf(v.namedChildren[0] ?? null);
    const target = v.namedChildren[v.namedChildren.length - 1];
    if (b && target) out.set(py.text_(target).replace(/\s+/g, ''), b);
  }
}

/** Names of a Python file bound to SDK clients, local or imported from a repository module, computed once. */
function pyBindings(file: FileModel, project: ProjectModel | undefined, depth = 0): Map<string, PyBinding> {
  return file.memo('facts:model-refs:py-bindings', () => {
    const py = file.python();
    const out = new Map<string, PyBinding>();
    if (!py) return out;
    if (importsPySdk(file)) pyLocalClients(file, project, out);
    if (project && depth < 3) {
      for (const imp of py.imports()) {
        if (imp.star || out.has(imp.local) || imp.qualified === imp.module || imp.module.startsWith('__')) continue;
        const target = project.index.resolvePy(file.path, imp.module);
        const other = target ? project.file(target) : undefined;
        if (!other || other === file) continue;
        const theirs = pyBindings(other, project, depth + 1).get(imp.qualified.slice(imp.qualified.lastIndexOf('.') + 1));
        if (theirs) out.set(imp.local, theirs);
      }
    }
    return out;
  });
}

/**
 * The model ids of one Python call made with a known SDK (for a call-site capability that
 * recognised the client itself): the keyword (`model=`, `modelId=`) or positional argument,
 * one ref per literal that may reach it.
 */
export function pyModelRefs(file: FileModel, call: PyCall, binding: { provider?: string; sdk: string; kw: string[]; pos?: number }, found: ModelRef['found'], project?: ProjectModel): ModelRef[] {
  let node: PyNode | undefined;
  for (const k of binding.kw) {
    node = call.kwargs.get(k);
    if (node) break;
  }
  if (!node && binding.pos !== undefined) node = call.args[binding.pos];
  if (!node) return [];
  return refsOf(pySources(file, node, project), file.path, pySpan(node), { provider: binding.provider, sdk: binding.sdk, api: call.callee, found, callSpan: call.span });
}

const PY_SDK_ROOTS = /^(openai|anthropic|mistralai|groq|together|cohere|google|vertexai|huggingface_hub|ollama|boto3|langchain\w*|llama_index|litellm|pydantic_ai|dspy)(\.|$)/;

/** The file imports a hosted-model SDK (every SDK name is reached through an import). */
function importsPySdk(file: FileModel): boolean {
  return file.memo('facts:model-refs:py-sdk', () => (file.python()?.imports() ?? []).some((i) => PY_SDK_ROOTS.test(i.module) || PY_SDK_ROOTS.test(i.qualified)));
}

function pythonRefs(file: FileModel, project: ProjectModel | undefined): ModelRef[] {
  const py = file.python();
  if (!py) return [];
  const bindings = pyBindings(file, project);
  if (bindings.size === 0 && !importsPySdk(file)) return [];
  const out: ModelRef[] = [];
  let longestBinding = 0;
  for (const k of bindings.keys()) longestBinding = Math.max(longestBinding, k.length);
  for (const call of py.calls()) {
    if (!call.callee) continue;
    const spec = pySpec(call.qualified);
    if (spec && spec.kind !== 'client-class') {
      // InferenceClient("org/x") also names its model in the constructor.
      out.push(
        ...pyModelRefs(
          file,
          call,
          { provider: spec.provider, sdk: call.qualified.split('.')[0] as string, kw: spec.kw, pos: spec.pos },
          spec.kind === 'function' ? 'function' : 'constructor',
          project,
        ),
      );
      continue;
    }
    if (spec?.kind === 'client-class' && (spec.provider === 'huggingface' || spec.provider === 'ollama')) {
      if (spec.provider === 'huggingface')
        out.push(...pyModelRefs(file, call, { provider: spec.provider, sdk: call.qualified.split('.')[0] as string, kw: spec.kw, pos: spec.pos }, 'constructor', project));
      continue;
    }
    // client.chat.completions.create(model=...), self.client.messages.create(model=...)
    const parts = call.callee.split('.');
    if (parts.length < 2) continue;
    let b: PyBinding | undefined;
    // The longest bound prefix (`self.client` of `self.client.messages.create`); only prefixes
    // as short as a bound name are tried, so a 3,000-link builder chain is not cut 3,000 ways.
    for (let end = call.callee.lastIndexOf('.'); end >= 0 && !b; end = end === 0 ? -1 : call.callee.lastIndexOf('.', end - 1)) {
      if (end <= longestBinding) b = bindings.get(call.callee.slice(0, end));
    }
    if (!b) {
      // OpenAI().chat.completions.create(...): a client built inline.
      const inline = /^(.*?)\(\)\./.exec(call.qualified);
      const spec = inline ? pySpec(inline[1] as string) : undefined;
      if (spec?.kind === 'client-class') b = { provider: spec.provider, sdk: (inline?.[1] ?? '').split('.')[0] as string, kw: spec.kw, pos: spec.pos };
    }
    if (!b) {
      const mod = PY_MODULE_CLIENTS[call.qualified.split('.')[0] as string];
      if (mod && call.qualified.split('.').length >= 3 && py.importMap().get(parts[0] as string) === call.qualified.split('.')[0]) b = mod;
    }
    if (!b) continue;
    // Ollama clients take the model first: client.chat("llama3", ...).
    out.push(
      ...pyModelRefs(
        file,
        call,
        { ...b, pos: b.provider === 'ollama' ? 0 : b.pos !== undefined && /\b(chat|generate|pull|embed|embeddings|show)$/.test(call.callee) ? b.pos : undefined },
        'client-call',
        project,
      ),
    );
  }
  return out;
}

/** Hosted providers of the inference SDK ids (src/data/inference-sdks.json). */
const SITE_PROVIDERS: Record<string, string> = {
  openai: 'openai',
  anthropic: 'anthropic',
  google: 'google',
  mistral: 'mistral',
  groq: 'groq',
  together: 'together',
  bedrock: 'bedrock',
  cohere: 'cohere',
  ollama: 'ollama',
  huggingface: 'huggingface',
};

const BASE_URL_ARGS = ['base_url', 'baseURL', 'baseUrl', 'api_base', 'host', 'endpoint'];

/**
 * A client factory that builds Azure OpenAI for Azure endpoints and the plain OpenAI client
 * otherwise: the analysis follows one branch, but the default one talks to OpenAI.
 */
function alsoPlainOpenAI(project: ProjectModel, origin: NonNullable<InferenceSite['client']>): boolean {
  const f = project.file(origin.path);
  let text = '';
  const py = f?.python();
  if (py) {
    let n: PyNode | null = py.root.descendantForIndex(origin.span.start, origin.span.end);
    while (n && n.type !== 'function_definition') n = n.parent;
    text = n ? py.text_(n) : '';
  } else if (f?.ts()) {
    let n: TsNode | undefined = f.ts()?.source.getDescendantAtPos(origin.span.start);
    while (n && !(TsNode.isFunctionLikeDeclaration(n) || TsNode.isArrowFunction(n) || TsNode.isFunctionExpression(n))) n = n.getParent();
    text = n ? n.getText() : '';
  }
  return /(?<!Azure)\b(Async)?OpenAI\s*\(/.test(text);
}

/** The provider an inference call talks to, from its SDK, its client's class and base URL, or its URL. */
function siteProvider(site: InferenceSite, project: ProjectModel): { provider?: string } | undefined {
  if (site.sdk === 'litellm') return {};
  if (site.sdk === 'http') {
    const p = site.url ? providerFromBaseUrl(site.url, undefined) : undefined;
    return p && SITE_PROVIDERS[p] === p && p !== 'ollama' ? { provider: p } : undefined;
  }
  const own = SITE_PROVIDERS[site.sdk];
  if (!own) return undefined;
  if (own === 'ollama' || own === 'huggingface') return { provider: own };
  if (site.client && /Azure/.test(site.client.className)) return { provider: alsoPlainOpenAI(project, site.client) ? own : 'azure' };
  const base = BASE_URL_ARGS.map((k) => site.client?.args.get(k)).find((a) => a !== undefined);
  return { provider: providerFromBaseUrl(base ? (base.value ?? '<dynamic>') : undefined, own) };
}

/**
 * Model ids of inference calls the inference analysis recognised and the SDK tables above did
 * not: clients returned by a factory of the repository, passed in as parameters, kept in a
 * cache, or HTTP requests to a provider's API. Only the call's own `model` argument.
 */
function siteRefs(file: FileModel, project: ProjectModel, known: ModelRef[]): ModelRef[] {
  const seen = new Set(known.map((r) => r.callSpan.start));
  const out: ModelRef[] = [];
  for (const site of inferenceSites(file, project)) {
    const m = site.model;
    if (!m || seen.has(site.span.start) || m.span.start < site.span.start || m.span.end > site.span.end) continue;
    const p = siteProvider(site, project);
    if (!p) continue;
    const api = site.sdk === 'http' ? site.api : site.receiver ? `${site.receiver}.${site.api}` : site.api;
    const sources = site.lang === 'python' ? pySources(file, m.node as PyNode, project) : tsSources(file, m.node as TsNode, project);
    out.push(...refsOf(sources, file.path, m.span, { provider: p.provider, sdk: site.sdk, api, found: 'client-call', callSpan: site.span }));
  }
  return out;
}

const MODEL_PARAM = /^(model|model_name|model_id|llm_model|chat_model|llm|engine|deployment_name)$/;

function pyKids(n: PyNode): PyNode[] {
  return n.namedChildren.filter((c): c is PyNode => c !== null);
}

/**
 * Constructor defaults of wrapper classes: `class LLM: def __init__(self, model="gpt-4o")`
 * whose model goes on to a call as its `model=` (through `self.model` in the class or a class
 * it extends, or `super().__init__(model=model)`), where the call itself is not one the SDK
 * tables know (a request built by hand, a base class of a library). Guessed: medium confidence.
 */
function wrapperDefaultRefs(file: FileModel, project: ProjectModel | undefined): ModelRef[] {
  const py = file.python();
  if (!py || !importsPySdk(file)) return [];
  const out: ModelRef[] = [];
  const usesAsModel = (cls: PyNode, attr: string | undefined, param: string, depth: number): boolean => {
    const body = cls.childForFieldName('body');
    if (!body) return false;
    for (const kw of body.descendantsOfType('keyword_argument')) {
      const name = kw?.childForFieldName('name');
      const value = kw?.childForFieldName('value');
      if (!kw || !name || !value || !/^model(_name|_id)?$/.test(py.text_(name))) continue;
      const v = py.text_(value);
      if ((attr && v === `self.${attr}`) || v === param) return true;
    }
    if (depth <= 0 || !attr) return false;
    // A base class of this module that keeps it under the same name and passes it on.
    const supers = cls.childForFieldName('superclasses');
    for (const b of supers ? pyKids(supers) : []) {
      if (b.type !== 'identifier') continue;
      const base = pyKids(py.root)
        .map((st) => (st.type === 'decorated_definition' ? st.childForFieldName('definition') : st))
        .find((d) => d?.type === 'class_definition' && py.text_(d.childForFieldName('name') as PyNode) === py.text_(b));
      if (base && usesAsModel(base, attr, attr, depth - 1)) return true;
    }
    return false;
  };
  for (const cls of py.root.descendantsOfType('class_definition')) {
    const body = cls?.childForFieldName('body');
    if (!cls || !body) continue;
    const init = pyKids(body)
      .map((st) => (st.type === 'decorated_definition' ? st.childForFieldName('definition') : st))
      .find((d) => d?.type === 'function_definition' && py.text_(d.childForFieldName('name') as PyNode) === '__init__');
    const params = init?.childForFieldName('parameters');
    if (!init || !params) continue;
    const clsName = py.text_(cls.childForFieldName('name') as PyNode);
    for (const p of pyKids(params)) {
      if (p.type !== 'default_parameter' && p.type !== 'typed_default_parameter') continue;
      const name = py.text_(p.childForFieldName('name') as PyNode);
      const dflt = p.childForFieldName('value');
      if (!MODEL_PARAM.test(name) || !dflt || (dflt.type !== 'string' && dflt.type !== 'identifier')) continue;
      // Where the parameter goes: `self.x = name`, or `super().__init__(model=name)`.
      let attr: string | undefined;
      for (const a of init.descendantsOfType('assignment')) {
        const left = a?.childForFieldName('left');
        const right = a?.childForFieldName('right');
        if (left?.type === 'attribute' && right?.type === 'identifier' && py.text_(right) === name && py.text_(left.childForFieldName('object') as PyNode) === 'self')
          attr = py.text_(left.childForFieldName('attribute') as PyNode);
      }
      const superPasses = init
        .descendantsOfType('call')
        .some(
          (c) =>
            c &&
            /^super\(\)\.__init__$/.test(py.chain(c.childForFieldName('function') as PyNode)) &&
            py.text_(c.childForFieldName('arguments') as PyNode).match(new RegExp(`\\bmodel(_name)?\\s*=\\s*${name}\\b`)),
        );
      if (!superPasses && !usesAsModel(cls, attr, name, 2)) continue;
      const holder = `${clsName}(${name})`;
      out.push(
        ...refsOf(pySources(file, dflt, project), file.path, pySpan(dflt), { sdk: 'wrapper', api: clsName, found: 'constructor', callSpan: pySpan(init) })
          .filter((r) => r.value !== undefined)
          .map((r) => ({
            ...r,
            via: r.via === 'literal' || r.via === 'constant' ? ('parameter-default' as const) : r.via,
            holder: r.via === 'literal' || r.via === 'constant' ? holder : r.holder,
            confidence: 'medium' as const,
          })),
      );
    }
  }
  return out;
}

/** Wrapper defaults whose literal no SDK call of the file already reaches (through `self.model`, say). */
function withWrapperDefaults(sdk: ModelRef[], wrapper: ModelRef[]): ModelRef[] {
  const reached = new Set(sdk.map((r) => `${r.definedIn ?? ''}\u0000${r.span.start}`));
  return [...sdk, ...wrapper.filter((r) => !reached.has(`${r.definedIn ?? ''}\u0000${r.span.start}`))];
}

/** Every SDK model reference in a Python or TS/JS file, computed once. */
export function modelRefs(file: FileModel, project?: ProjectModel): ModelRef[] {
  return file.memo('facts:model-refs', () => {
    const own = file.kind === 'python' ? withWrapperDefaults(pythonRefs(file, project), wrapperDefaultRefs(file, project)) : file.kind === 'typescript' ? typescriptRefs(file, project) : [];
    return project && (file.kind === 'python' || file.kind === 'typescript') ? [...own, ...siteRefs(file, project, own)] : own;
  });
}

/** Files that can call a model SDK with a model id at all (a cheap text test before parsing). */
const MAY_NAME_MODELS = /model|Model|MODEL|provider|[Oo]llama|OLLAMA|InferenceClient|HfInference/;

export interface ModelIdUse {
  /** The call's file. */
  path: string;
  callSpan: Span;
  ref: ModelRef;
}

/**
 * The model ids written in `file` or passed to an SDK call in it, each once, with every SDK
 * call of the repository it reaches (see `writtenIds`).
 */
export function writtenModelIds(file: FileModel, project: ProjectModel): Array<WrittenId<ModelIdUse>> {
  return writtenIds<ModelIdUse>(
    file,
    project,
    'model-refs',
    (f) => MAY_NAME_MODELS.test(f.text),
    (f) =>
      modelRefs(f, project).flatMap((ref) =>
        ref.value === undefined ? [] : [{ use: { path: f.path, callSpan: ref.callSpan, ref }, literal: { path: ref.definedIn ?? f.path, span: ref.span, value: ref.value, exact: ref.exact } }],
      ),
  );
}
