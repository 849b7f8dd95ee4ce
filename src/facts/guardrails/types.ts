import type { Span } from '../../types.js';
import type { CallEdge, InferenceSite } from '../inference/types.js';

/**
 * What a filter call hands back and what its caller has to do with it (see
 * schemas/guardrails.schema.json `verdict`).
 */
export type Verdict = 'check' | 'sanitizes' | 'raises' | 'enforced';

/** Which side of an inference call a filter screens. */
export type Side = 'input' | 'output';

/** A filter applied on the way from the request to the model, or from the model to the response. */
export interface FilterEvidence {
  /** `OpenAI moderation`, `Llama Guard`, `guard.check_input` (a project function), `NeMo Guardrails`. */
  tool: string;
  /** How it was recognised. */
  kind: 'api' | 'guard-model' | 'function' | 'setting' | 'on-call' | 'rails' | 'layer';
  path: string;
  span: Span;
  /** False when its verdict is never acted on (no branch that refuses, raises or replaces the text). */
  acted: boolean;
  /** A guardrail configured on the call but switched off (Gemini `BLOCK_NONE` thresholds). */
  off?: boolean;
}

/** Why user input counts as reaching the model: a request value in the prompt. */
export interface FlowStep {
  path: string;
  span: Span;
}

/** The guardrail picture of one inference call reached from one endpoint. */
export interface GuardedSite {
  site: InferenceSite;
  via: CallEdge[];
  /** Where the request's data enters the prompt (the prompt argument); undefined when it does not. */
  userInput?: FlowStep;
  /** Where the model's output is returned, streamed or sent; undefined when it is not. */
  response?: FlowStep;
  input?: FilterEvidence;
  output?: FilterEvidence;
  /** Filters on the way whose verdict is never acted on. */
  ignored: Array<FilterEvidence & { side: Side }>;
  /** Lower when the flow went through arguments modelguard could not map to parameters. */
  confidence: 'high' | 'medium' | 'low';
}

/** Per-function data-flow facts, the same shape for TS/JS and Python. */
export interface Effect {
  raises: boolean;
  returns: boolean;
  breaks: boolean;
  assigns: boolean;
}

export interface FlowCond {
  start: number;
  end: number;
  tokens: Set<string>;
  effect: Effect;
  /** A conditional expression: its value is one branch or the other. */
  value: boolean;
}

export interface FlowDef {
  targets: string[];
  sources: Set<string>;
  /** The source expression. */
  start: number;
  end: number;
  /** When the source expression is one call (`x = await save(a, b)`): its span. */
  call?: { start: number; end: number };
}

export interface FlowReturn {
  start: number;
  end: number;
  tokens: Set<string>;
  kind: 'return' | 'yield';
  /** In a function nested in this one (a callback, a generator handed to a streaming response). */
  nested: boolean;
}

export interface FlowArg {
  /** `#0`, `#1` ... for positional arguments, the name for keyword arguments. */
  key: string;
  start: number;
  end: number;
  tokens: Set<string>;
}

export interface FlowCall {
  start: number;
  end: number;
  calleeStart: number;
  calleeEnd: number;
  /** The callee as written, whitespace removed. */
  callee: string;
  /** Its last name (`create` for `client.moderations.create`). */
  last: string;
  args: FlowArg[];
  /** The call: a TypeScript compiler node (not a ts-morph wrapper) or a tree-sitter node. */
  node: unknown;
  /** A send/write/json/enqueue call: it sends its arguments to the client when its receiver is a response. */
  sink: boolean;
  nested: boolean;
}

export interface FlowFacts {
  /** Parameter names per position (a destructured TS parameter has several). */
  params: string[][];
  /** Names of keyword-only / named parameters → position, for keyword arguments. */
  defs: FlowDef[];
  conds: FlowCond[];
  returns: FlowReturn[];
  calls: FlowCall[];
  /** Response-body assignments (`ctx.body = x`). */
  bodySinks: Array<{ start: number; end: number; tokens: Set<string> }>;
  /** Every name the function binds (parameters included). */
  locals: Set<string>;
}
