import type { Rule } from '../src/rule-api.js';
import modelPinningServingImage from './model-pinning/serving-image.js';
import safetyEvalDeployWithoutEval from './safety-eval/deploy-without-eval.js';
import safetyEvalFinetuneWithoutEval from './safety-eval/finetune-without-eval.js';
import safetyEvalNonGatingEval from './safety-eval/non-gating-eval.js';
import safetyEvalQuantizeWithoutEval from './safety-eval/quantize-without-eval.js';

/** Every rule, sorted by id. A rule module not listed here does not run (tests/meta.test.ts checks both ways). */
export const rules: readonly Rule[] = [
  modelPinningServingImage,
  safetyEvalDeployWithoutEval,
  safetyEvalFinetuneWithoutEval,
  safetyEvalNonGatingEval,
  safetyEvalQuantizeWithoutEval,
];
