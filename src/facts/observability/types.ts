import type { Span } from '../../types.js';

/** Why an inference call counts as recorded. */
export interface RecordingEvidence {
  kind: 'log' | 'trace-call' | 'decorator' | 'client-wrapper' | 'traced-client' | 'gateway' | 'telemetry' | 'callbacks' | 'instrumentation' | 'env';
  /** Langfuse, LangSmith, pino, logging, OpenLLMetry ... */
  tool: string;
  path: string;
  span: Span;
}

/** Names related to a call's input and output, within one function. */
export interface Relation {
  inputs: Set<string>;
  outputs: Set<string>;
}
