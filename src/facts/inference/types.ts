import type { Node as TsNode } from 'ts-morph';
import type { Node as PyNode } from 'web-tree-sitter';
import type { Span } from '../../types.js';
import { openSpreads } from './common.js';

/**
 * What an inference call does. `embedding` and `classify` produce vectors or labels, not text
 * a user reads; rules about prompts and responses usually treat them as lower risk.
 */
export type InferenceKind = 'chat' | 'completion' | 'responses' | 'embedding' | 'chain' | 'classify';

export type Lang = 'ts' | 'python';

/** An argument of a call or of a client's creation. */
export interface ArgExpr {
  /** Source text of the expression. */
  text: string;
  span: Span;
  /** The string it evaluates to, when that is known statically (a literal, a constant). */
  value?: string;
  /** False when `value` has unknown parts (a template with variables). */
  exact?: boolean;
  /** The syntax node: a ts-morph Node (`lang: 'ts'`) or a tree-sitter Node (`lang: 'python'`). */
  node: TsNode | PyNode;
  /**
   * The file the expression is in, when it is not the file of the call it is an argument of
   * (options spread in from a caller or from another module).
   */
  path?: string;
}

/**
 * Named arguments, flattened: TS object-literal properties and Python keyword arguments, with
 * nested object/dict literals as `outer.inner` (`defaultHeaders.Helicone-Auth`,
 * `config.callbacks`). Positional arguments are `#0`, `#1`, ...
 */
export type ArgMap = ReadonlyMap<string, ArgExpr>;

/** Where the client used by a call was made, and what it went through on the way. */
export interface ClientOrigin {
  /** How the client reached the call. */
  via: 'constructor' | 'factory' | 'parameter' | 'module-instance';
  /** File where it was created, or where the annotated parameter is declared. */
  path: string;
  /** The creation expression (`new OpenAI({...})`, `ChatOpenAI(model=...)`) or the annotation. */
  span: Span;
  /** Class or factory as written and resolved: `OpenAI`, `langchain_openai.ChatOpenAI`, `boto3.client`. */
  className: string;
  /** The module it was imported from: `openai`, `langfuse.openai`, `@ai-sdk/openai`. */
  module: string;
  /** Calls it passed through, innermost first: `observeOpenAI`, `wrap_openai`, `instructor.from_openai`. */
  wrappers: string[];
  /** Arguments of the creation call (base URL, headers, callbacks, model ...). */
  args: ArgMap;
  /** The model the client was created for (`ChatOpenAI(model=...)`, `LLM(model=...)`, `from_pretrained(id)`). */
  model?: ArgExpr;
  /** For `pipeline(task, ...)`: the task, when known. */
  task?: string;
  /** For chains built from models (`prompt | llm`, `.pipe()`, `LLMChain(llm=...)`): the models' origins. */
  parts?: ClientOrigin[];
}

export interface FunctionInfo {
  lang: Lang;
  path: string;
  /** `POST`, `ChatService.reply`, `<module>` for top-level code, `<anonymous@12>` for callbacks. */
  name: string;
  /** `path#name`. */
  id: string;
  /** Where to point at the function (its name, or its first line). */
  span: Span;
  /** The function node (or the module root for `<module>`). */
  node: TsNode | PyNode;
  className?: string;
  /** Exported from its module (TS `export`, Python: module-level and not `_private`). */
  exported: boolean;
  /** Parameter names, `self`/`cls` excluded. */
  params: string[];
  /** Decorators (Python, qualified) or wrapping calls (TS: `traceable(async () => ...)`), as resolved names. */
  decorators: string[];
}

interface SiteBase {
  path: string;
  /** SDK id (`openai`, `langchain`, `http`, `custom` ...); see src/data/inference-sdks.json. */
  sdk: string;
  /** For messages: `OpenAI SDK`, `LangChain`, `HTTP inference API`. */
  sdkName: string;
  /** What was called: `chat.completions.create`, `generateText`, `invoke`, `POST /v1/chat/completions`. */
  api: string;
  kind: InferenceKind;
  stream: boolean;
  /** The callee expression: where findings about this call point. */
  calleeSpan: Span;
  /** The whole call. */
  span: Span;
  /** The expression holding the client (`client`, `self.llm`, `this.openai`); undefined for module functions. */
  receiver?: string;
  client?: ClientOrigin;
  /** The prompt or messages argument. */
  prompt?: ArgExpr;
  /** The `model` argument of the call, or else of the client's creation. */
  model?: ArgExpr;
  /** All arguments of the call, flattened (see ArgMap). */
  args: ArgMap;
  /** Variables that receive the result (`completion`, `{ text }` → `text`, `async for chunk in` → `chunk`). */
  resultNames: string[];
  /** The function the call is in. */
  fn: FunctionInfo;
  /** `medium` when the client was inferred from a caller or a URL/body heuristic. */
  confidence: 'high' | 'medium' | 'low';
  /** For `sdk: 'custom'`: the `settings.inference.functions` entry that matched. */
  custom?: string;
  /** For `sdk: 'http'`: the request URL as far as it is known. */
  url?: string;
  /**
   * Spreads into the call's arguments whose keys could not be resolved (`{ ...opts }` from a
   * caller that is not found, `**kwargs`): options such as telemetry or callbacks may hide there.
   */
  openArgs: readonly ArgExpr[];
}

/** What an analyzer knows of a call when it recognises it as inference; positions and flow come from the call. */
export type SiteSpec = Pick<SiteBase, 'sdk' | 'api' | 'kind' | 'stream' | 'args' | 'prompt' | 'model' | 'receiver' | 'client' | 'custom' | 'url'> & {
  confidence?: SiteBase['confidence'];
  sdkName?: string;
};

/** The fields of a site that do not depend on the language: a spec, its SDK's name and defaults. */
export function siteFields(s: SiteSpec, sdkName: (sdk: string) => string): Omit<SiteBase, 'path' | 'calleeSpan' | 'span' | 'resultNames' | 'fn'> {
  return {
    sdk: s.sdk,
    sdkName: s.sdkName ?? sdkName(s.sdk),
    api: s.api,
    kind: s.kind,
    stream: s.stream,
    receiver: s.receiver,
    client: s.client,
    prompt: s.prompt,
    model: s.model,
    args: s.args,
    confidence: s.confidence ?? 'high',
    custom: s.custom,
    url: s.url,
    openArgs: openSpreads(s.args),
  };
}

export interface TsSite extends SiteBase {
  lang: 'ts';
  /** The CallExpression (or NewExpression for Bedrock commands: still the `send(...)` call). */
  node: TsNode;
}

export interface PySite extends SiteBase {
  lang: 'python';
  node: PyNode;
}

export type InferenceSite = TsSite | PySite;

/** A call from one repository function to another. */
export interface CallEdge {
  from: FunctionInfo;
  to: FunctionInfo;
  /** The call expression. */
  node: TsNode | PyNode;
  span: Span;
  calleeSpan: Span;
  /** Argument expressions in order, keyword arguments as `name=`. */
  args: ArgMap;
  resultNames: string[];
}
