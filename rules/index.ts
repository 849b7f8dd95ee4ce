import type { Rule } from '../src/rule-api.js';
import inferenceLoggingUnloggedInference from './inference-logging/unlogged-inference.js';
import modelPinningServingImage from './model-pinning/serving-image.js';

/** Every rule, sorted by id. A rule module not listed here does not run (tests/meta.test.ts checks both ways). */
export const rules: readonly Rule[] = [inferenceLoggingUnloggedInference, modelPinningServingImage];
