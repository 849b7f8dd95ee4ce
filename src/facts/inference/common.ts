import type { Span } from '../../types.js';
import type { SdkKnowledge } from './sdks.js';
import type { ArgExpr, ArgMap, ClientOrigin, InferenceKind, SiteSpec } from './types.js';
import { cutAtAny } from '../../util/text.js';

/** A value known to hold an inference client (both languages' value types include this shape). */
export interface ClientValue {
  t: 'client';
  type: string;
  origin: ClientOrigin;
  path: string[];
  confidence: 'high' | 'medium';
  /**
   * Clients of other types the same expression may hold (`self.model` assigned a chat model in
   * one branch and an embedding model in another): a method the first one lacks is looked up on them.
   */
  others?: ClientValue[];
}

export function isClient<V extends { t: string }>(v: V | undefined): v is Extract<V, { t: 'client' }> {
  return v?.t === 'client';
}

/**
 * Prefers a client (or HTTP client) among candidate values, keeping clients of other types as
 * its `others`; else the first known value.
 */
export function bestValue<V extends { t: string }>(values: Iterable<V | undefined>): V | undefined {
  let first: V | undefined;
  let client: V | undefined;
  const others: ClientValue[] = [];
  for (const v of values) {
    if (!v) continue;
    if (v.t === 'client' || v.t === 'http') {
      if (!client) client = v;
      else if (client.t === 'client' && v.t === 'client') {
        for (const c of [v as unknown as ClientValue, ...((v as unknown as ClientValue).others ?? [])]) {
          if (c.type !== (client as unknown as ClientValue).type && !others.some((o) => o.type === c.type)) others.push({ ...c, others: undefined });
        }
      }
      continue;
    }
    first ??= v;
  }
  if (client && others.length > 0) {
    const c = client as unknown as ClientValue;
    const known = c.others ?? [];
    return { ...c, others: [...known, ...others.filter((o) => !known.some((k) => k.type === o.type))] } as unknown as V;
  }
  return client ?? first;
}

/** The client among `v` and its `others` whose type passes `has` (has the method called), the rest as its others. */
export function clientWith<C extends ClientValue>(v: C, has: (type: string) => boolean): C | undefined {
  if (has(v.type)) return v;
  const o = v.others?.find((x) => has(x.type));
  return o ? ({ ...o, others: [v, ...(v.others ?? []).filter((x) => x !== o)].map((x) => ({ ...x, others: undefined })) } as C) : undefined;
}

/**
 * A LangChain chain (`prompt | model`, `RunnableSequence.from([...])`, an agent built on a
 * model), when one of its parts is a LangChain model: a client whose origin lists them.
 */
export function langchainChain(parts: Array<{ t: string } | undefined>, sdkOf: (type: string) => string, path: string, at: Span): ClientValue | undefined {
  const models: ClientOrigin[] = [];
  let confidence: 'high' | 'medium' = 'high';
  for (const v of parts) {
    if (!isClient(v as ClientValue | undefined)) continue;
    const c = v as ClientValue;
    if (sdkOf(c.type) !== 'langchain' || c.path.length !== 0) continue;
    models.push(c.origin);
    if (c.confidence === 'medium') confidence = 'medium';
  }
  const first = models[0];
  if (!first) return undefined;
  return { t: 'client', type: 'langchain-chain', origin: { ...first, via: 'factory', path, span: at, parts: models, className: 'RunnableSequence' }, path: [], confidence };
}

const GENERATIVE_TASKS = new Set([
  'text-generation',
  'text2text-generation',
  'summarization',
  'translation',
  'conversational',
  'image-text-to-text',
  'image-to-text',
  'visual-question-answering',
  'document-question-answering',
  'table-question-answering',
  'question-answering',
]);
const EMBEDDING_TASKS = new Set(['feature-extraction', 'sentence-similarity', 'image-feature-extraction']);

/** What a `pipeline(task)` call produces: generated text, vectors, or labels. Unknown tasks count as text. */
export function pipelineKind(task: string | undefined): InferenceKind {
  if (task === undefined) return 'completion';
  if (GENERATIVE_TASKS.has(task) || task.startsWith('translation_')) return 'completion';
  if (EMBEDDING_TASKS.has(task)) return 'embedding';
  return 'classify';
}

const open = new WeakMap<ArgMap, ArgExpr[]>();

/** Records a spread (`...opts`, `**kwargs`) whose keys could not be resolved into `args`. */
export function markOpen(args: Map<string, ArgExpr>, spread: ArgExpr): void {
  const list = open.get(args);
  if (list) list.push(spread);
  else open.set(args, [spread]);
}

/**
 * The spreads of a flattened argument map whose keys are unknown: the call may get options
 * (telemetry, callbacks, headers) that the map does not show.
 */
export function openSpreads(args: ArgMap): readonly ArgExpr[] {
  return open.get(args) ?? [];
}

/** The first argument a selector list finds (`messages`, `#0`, ...). */
export function pick(args: ArgMap, selectors: readonly string[]): ArgExpr | undefined {
  for (const s of selectors) {
    const a = args.get(s);
    if (a) return a;
  }
  return undefined;
}

/** `<anonymous@12>`-style names for functions without one. */
export function anonymousName(line: number): string {
  return `<anonymous@${line}>`;
}

export const MODULE_FN = '<module>';

/**
 * Test code: `tests/`, `__tests__/`, `test_x.py`, `x_test.py`, `x.test.ts`, `x.spec.ts`,
 * `conftest.py`. It is not deployed, so it neither needs nor provides production logging.
 */
export function isTestFile(path: string): boolean {
  return /(^|\/)(tests?|__tests__|spec|e2e)\//.test(path) || /(^|\/)(test_[^/]*\.py|[^/]*_test\.py|conftest\.py|[^/]*\.(test|spec)\.[cm]?[jt]sx?)$/.test(path);
}

/**
 * What both languages know of an HTTP POST once its URL is worked out: the inference API its path
 * names, the prompt and the model (from the body, or from the URL for Gemini's
 * `models/{model}:generateContent`). Undefined when the path is not an inference path, or is a
 * path ordinary routes also use (`/api/chat`) and neither the host nor the body says model.
 * `truthy` is how the language writes `true` (a body's `stream`).
 */
export function httpSpec(k: SdkKnowledge, url: string, urlArg: ArgExpr, body: ArgMap, args: ArgMap, bodyArg: ArgExpr | undefined, truthy: string): SiteSpec | undefined {
  const p = k.httpPath(url);
  if (!p) return undefined;
  if (p.ambiguous) {
    const path = cutAtAny(url, '?#');
    const host = path.slice(0, path.length - p.matched.length);
    const bodySays = ['model', 'inputs'].some((key) => body.has(key));
    if (!bodySays && !k.hostHints.test(host)) return undefined;
  }
  const fromUrl: ArgExpr | undefined = p.model ? { text: urlArg.text, span: urlArg.span, node: urlArg.node, value: p.model, exact: !/[{}$]/.test(p.model), path: urlArg.path } : undefined;
  return {
    sdk: 'http',
    api: `POST ${p.path}`,
    kind: p.kind,
    stream: p.stream === true || body.get('stream')?.text === truthy || args.get('stream')?.text === truthy,
    args,
    prompt: pick(body, ['messages', 'prompt', 'inputs', 'input', 'contents']) ?? bodyArg,
    model: pick(body, ['model']) ?? fromUrl,
    confidence: p.ambiguous ? 'medium' : 'high',
    url,
    sdkName: `${p.api} over HTTP`,
  };
}
