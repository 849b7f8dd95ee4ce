import type { FileModel } from '../model/file-model.js';
import type { ProjectModel } from '../model/project.js';
import type { Span } from '../types.js';
import { isCommitSha, isShortSha } from './model-ids.js';
import { InferenceContext } from './inference/context.js';
import type { SourceVia } from './value-sources.js';
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

/**
 * A short note on where a value came from, for messages: ` (the default used when MODEL is
 * unset)`, ` (the default of --model)`, ` (an entry of MODELS)`.
 */
export function originNote(s: { via?: SourceVia | StaticString['via']; envName?: string; holder?: string; definedIn?: string; exact?: boolean } | undefined): string {
  if (!s) return '';
  const h = s.holder ? `\`${s.holder}\`` : '';
  switch (s.via) {
    case 'env-default':
      return s.envName ? ` (the default used when ${s.envName} is unset)` : ' (an environment default)';
    case 'option-default':
      return h ? ` (the default of the ${h} option)` : ' (an option default)';
    case 'field-default':
      return h ? ` (the default of ${h})` : ' (a field default)';
    case 'catalogue':
      return h ? ` (an entry of ${h})` : ' (a catalogue entry)';
    case 'fallback':
      return h ? ` (the fallback of ${h})` : ' (a fallback)';
    case 'parameter-default':
      return h ? ` (the default of ${h})` : ' (a parameter default)';
    case 'argument':
      return h ? ` (given to ${h})` : '';
    default:
      break;
  }
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

/** Where a model id is written: the literal, in its file. */
export interface Literal {
  path: string;
  span: Span;
  value: string;
  exact: boolean;
}

/** A model id as written once, with every call of the repository it reaches (sorted by file and position). */
export interface WrittenId<U> extends Literal {
  uses: Array<U & { path: string; callSpan: Span }>;
}

type Collect<U> = (file: FileModel) => Array<{ use: U & { path: string; callSpan: Span }; literal: Literal }>;

const written = new WeakMap<ProjectModel, Map<string, { byPath: Map<string, Array<WrittenId<unknown>>> }>>();

/** Files a run reads uses from: all of them, or in a run on named files, those files and their import neighbourhood. */
function useFiles(project: ProjectModel, keep: (f: FileModel) => boolean): FileModel[] {
  const all = project.files().filter((f) => (f.kind === 'python' || f.kind === 'typescript') && keep(f));
  if (!project.targets) return all;
  const near = new Set<string>(project.targets);
  let frontier = [...project.targets];
  for (let d = 0; d < 2; d++) {
    const next: string[] = [];
    for (const p of frontier) {
      const f = project.file(p);
      const linked = [
        ...InferenceContext.of(project).importersOf(p),
        ...(f
          ? project.index
              .importsOf(f)
              .map((e) => e.resolved)
              .filter((r): r is string => !!r)
          : []),
      ];
      for (const l of linked) if (!near.has(l)) near.add(l), next.push(l);
    }
    frontier = next;
  }
  return all.filter((f) => near.has(f.path));
}

/**
 * The model ids written in `file` or reaching a call in it, each once, with every call of the
 * repository it reaches: a literal passed through a constant, a default or a wrapper to three
 * calls is one finding, at the literal, that names its calls. Computed once per project and
 * `key`, over the TS/JS and Python files that `keep` accepts (a cheap text test).
 */
export function writtenIds<U>(file: FileModel, project: ProjectModel, key: string, keep: (f: FileModel) => boolean, collect: Collect<U>): Array<WrittenId<U>> {
  let byKey = written.get(project);
  if (!byKey) {
    byKey = new Map();
    written.set(project, byKey);
  }
  let entry = byKey.get(key);
  if (!entry) {
    const groups = new Map<string, WrittenId<U>>();
    for (const f of useFiles(project, keep)) {
      for (const { use, literal } of collect(f)) {
        const k = `${literal.path}\u0000${literal.span.start}`;
        let g = groups.get(k);
        if (!g) {
          g = { ...literal, uses: [] };
          groups.set(k, g);
        }
        if (!g.uses.some((u) => u.path === use.path && u.callSpan.start === use.callSpan.start)) g.uses.push(use);
      }
    }
    const byPath = new Map<string, Array<WrittenId<unknown>>>();
    const add = (p: string, g: WrittenId<U>): void => {
      const list = byPath.get(p) ?? [];
      if (!list.includes(g as WrittenId<unknown>)) list.push(g as WrittenId<unknown>);
      byPath.set(p, list);
    };
    for (const g of groups.values()) {
      g.uses.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.callSpan.start - b.callSpan.start));
      add(g.path, g);
      for (const u of g.uses) add(u.path, g);
    }
    entry = { byPath };
    byKey.set(key, entry);
  }
  return (entry.byPath.get(file.path) ?? []) as Array<WrittenId<U>>;
}

/**
 * Where a written id goes, for messages: ` at line 42`, ` in app/llm.py:42`, and how many other
 * calls it reaches. Empty when the literal is written in the call or on its line.
 */
export function callNote(project: ProjectModel, literal: Literal, use: { path: string; callSpan: Span }, others: number, noun = 'call'): string {
  const f = project.file(use.path);
  const line = f ? f.range(use.callSpan).start.line : 0;
  const litFile = project.file(literal.path);
  const litLine = litFile ? litFile.range(literal.span).start.line : -1;
  const inCall = use.path === literal.path && literal.span.start >= use.callSpan.start && literal.span.end <= use.callSpan.end;
  const where = use.path !== literal.path ? ` in ${use.path}:${line}` : inCall || line === litLine ? '' : ` on line ${line}`;
  return `${where}${others > 0 ? ` (and ${others} other ${noun}${others > 1 ? 's' : ''})` : ''}`;
}
