import type { ArgExpr, ArgMap, InferenceKind } from './types.js';

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
