import { isCommitSha, isShortSha } from './model-ids.js';
import type { StaticString } from './values.js';

/** How firmly a Hub revision argument pins: the shared verdict of the model-pinning rules. */
export type RevisionState = 'absent' | 'pinned' | 'branch' | 'abbreviated' | 'unknown';

export interface RevisionInput {
  /** The argument is written at all. */
  present: boolean;
  /** Its value, when known. */
  value?: string;
  exact?: boolean;
  /** `None` / `undefined` / `null`: the same as absent. */
  empty?: boolean;
}

export function revisionState(r: RevisionInput): RevisionState {
  if (!r.present || r.empty) return 'absent';
  if (r.value === undefined || r.exact === false) return 'unknown';
  if (r.value.trim() === '') return 'absent';
  if (isCommitSha(r.value)) return 'pinned';
  if (isShortSha(r.value)) return 'abbreviated';
  return 'branch';
}

/** A short note on where a value came from, for messages: ` (the default when MODEL is unset)`. */
export function originNote(s: { via?: StaticString['via']; envName?: string; definedIn?: string; exact?: boolean } | undefined): string {
  if (!s) return '';
  if (s.via === 'env-default') return s.envName ? ` (the default used when ${s.envName} is unset)` : ' (an environment default)';
  if (s.via === 'parameter-default') return ' (a parameter default)';
  if (s.definedIn) return ` (defined in ${s.definedIn})`;
  if (s.exact === false) return ' (a template whose runtime part is unknown)';
  return '';
}

/** Keys that pin a model's revision in configuration (TRL/alignment-handbook, LLaMA-Factory, axolotl). */
export const REVISION_KEYS: readonly string[] = ['revision', 'model_revision', 'revision_of_model', 'base_model_revision'];

/** A short note on the variable or expression a command's value came through: ` (through $MODEL)`. */
export function viaNote(via: string | undefined): string {
  return via ? ` (through ${via})` : '';
}

export const PY_REVISION_FIX = 'revision="<40-hex commit sha>"';
export const JS_REVISION_FIX = '{ revision: "<40-hex commit sha>" }';
export const CLI_REVISION_FIX = '--revision <40-hex commit sha>';
