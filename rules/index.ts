import type { Rule } from '../src/rule-api.js';
import accessControlOpenInferenceServer from './access-control/open-inference-server.js';
import accessControlUnauthenticatedInferenceEndpoint from './access-control/unauthenticated-inference-endpoint.js';
import guardrailsMissingIoFilter from './guardrails/missing-io-filter.js';
import inferenceLoggingUnloggedInference from './inference-logging/unlogged-inference.js';
import modelPinningApiModelAlias from './model-pinning/api-model-alias.js';
import modelPinningHfRevision from './model-pinning/hf-revision.js';
import modelPinningOllamaTag from './model-pinning/ollama-tag.js';
import modelPinningServeRevision from './model-pinning/serve-revision.js';
import modelPinningServingImage from './model-pinning/serving-image.js';
import rateLimitInferenceEndpoint from './rate-limit/inference-endpoint.js';
import safetyEvalDeployWithoutEval from './safety-eval/deploy-without-eval.js';
import safetyEvalFinetuneWithoutEval from './safety-eval/finetune-without-eval.js';
import safetyEvalNonGatingEval from './safety-eval/non-gating-eval.js';
import safetyEvalQuantizeWithoutEval from './safety-eval/quantize-without-eval.js';
import weightsIntegrityTrustRemoteCode from './weights-integrity/trust-remote-code.js';
import weightsIntegrityUnsafeDeserialization from './weights-integrity/unsafe-deserialization.js';
import weightsIntegrityUnverifiedDownload from './weights-integrity/unverified-download.js';

/** Every rule, sorted by id. A rule module not listed here does not run (tests/meta.test.ts checks both ways). */
export const rules: readonly Rule[] = [
  accessControlOpenInferenceServer,
  accessControlUnauthenticatedInferenceEndpoint,
  guardrailsMissingIoFilter,
  inferenceLoggingUnloggedInference,
  modelPinningApiModelAlias,
  modelPinningHfRevision,
  modelPinningOllamaTag,
  modelPinningServeRevision,
  modelPinningServingImage,
  rateLimitInferenceEndpoint,
  safetyEvalDeployWithoutEval,
  safetyEvalFinetuneWithoutEval,
  safetyEvalNonGatingEval,
  safetyEvalQuantizeWithoutEval,
  weightsIntegrityTrustRemoteCode,
  weightsIntegrityUnsafeDeserialization,
  weightsIntegrityUnverifiedDownload,
];
