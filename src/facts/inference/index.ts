/**
 * Inference call sites: where a repository runs model inference, in TypeScript/JavaScript and
 * Python, which SDK and client each call uses, and which functions reach them.
 *
 * Rules ask per file (`inferenceSites`) and per function (`reachableSites`, `callersOf`);
 * everything is computed lazily and cached per file, and other files are opened only when an
 * import, a client or a call leads there.
 */
import type { FileModel } from '../../model/file-model.js';
import type { ProjectModel } from '../../model/project.js';
import { InferenceContext } from './context.js';
import type { CallEdge, FunctionInfo, InferenceSite } from './types.js';

export type { ArgExpr, ArgMap, CallEdge, ClientOrigin, FunctionInfo, InferenceKind, InferenceSite, PySite, TsSite } from './types.js';
export { InferenceContext, parseFunctionRefs, type FunctionRef } from './context.js';
export { SdkKnowledge } from './sdks.js';
export { isTestFile, pipelineKind } from './common.js';

/** The inference calls in a TS/JS or Python file (empty for other files). */
export function inferenceSites(file: FileModel, project: ProjectModel): InferenceSite[] {
  return InferenceContext.of(project).analyzer(file)?.sites() ?? [];
}

/** Every function of a TS/JS or Python file, plus `<module>` for its top-level code. */
export function functionsOf(file: FileModel, project: ProjectModel): FunctionInfo[] {
  return InferenceContext.of(project).analyzer(file)?.functions() ?? [];
}

/** The innermost function of a file containing an offset (`<module>` outside any function). */
export function functionAt(file: FileModel, project: ProjectModel, offset: number): FunctionInfo | undefined {
  return InferenceContext.of(project).analyzer(file)?.functionAt(offset);
}

/** Calls to `fn` from its own file and the files that import it. */
export function callersOf(project: ProjectModel, fn: FunctionInfo, importerDepth = 2): CallEdge[] {
  return InferenceContext.of(project).callersOf(fn, importerDepth);
}

const fnKey = (fn: FunctionInfo): string => `${fn.id}@${fn.span.start}`;
const byFunction = new WeakMap<readonly object[], { size: number; groups: Map<string, unknown[]> }>();

/**
 * `items` grouped by the function each belongs to, built once per list (lists are cached by
 * their analyzer). A list still being filled (re-entrant analysis) is regrouped when it grows.
 */
function groupedBy<T extends object>(items: readonly T[], fnOf: (x: T) => FunctionInfo): Map<string, T[]> {
  const hit = byFunction.get(items);
  if (hit && hit.size === items.length) return hit.groups as Map<string, T[]>;
  const groups = new Map<string, T[]>();
  for (const x of items) {
    const k = fnKey(fnOf(x));
    const list = groups.get(k);
    if (list) list.push(x);
    else groups.set(k, [x]);
  }
  byFunction.set(items, { size: items.length, groups: groups as Map<string, unknown[]> });
  return groups;
}

/** Calls from `fn` to functions of the repository. */
export function callsFrom(project: ProjectModel, fn: FunctionInfo): CallEdge[] {
  const a = InferenceContext.of(project).analyzerAt(fn.path);
  if (!a) return [];
  return groupedBy(a.edges(), (e) => e.from).get(fnKey(fn)) ?? [];
}

/** The sites directly inside `fn` (not in functions nested in it). */
export function sitesIn(project: ProjectModel, fn: FunctionInfo): InferenceSite[] {
  const a = InferenceContext.of(project).analyzerAt(fn.path);
  if (!a) return [];
  return groupedBy(a.sites(), (s) => s.fn).get(fnKey(fn)) ?? [];
}

export interface ReachedSite {
  site: InferenceSite;
  /** The calls from `fn` down to the function that contains the site (empty when `fn` does). */
  via: CallEdge[];
}

/**
 * Inference sites `fn` runs: its own, and those of the repository functions it calls, up to
 * `maxDepth` calls deep. This is how an HTTP handler is found to "reach inference".
 */
export function reachableSites(project: ProjectModel, fn: FunctionInfo, maxDepth = 4): ReachedSite[] {
  const out: ReachedSite[] = [];
  const seen = new Set<string>();
  const walk = (f: FunctionInfo, via: CallEdge[]): void => {
    const key = `${f.id}@${f.span.start}`;
    if (seen.has(key)) return;
    seen.add(key);
    for (const site of sitesIn(project, f)) out.push({ site, via });
    if (via.length >= maxDepth) return;
    for (const e of callsFrom(project, f)) walk(e.to, [...via, e]);
  };
  walk(fn, []);
  return out;
}

/** Functions of a file that contain or call (within `maxDepth`) an inference site, with what they reach. */
export function functionsReachingInference(file: FileModel, project: ProjectModel, maxDepth = 4): Array<{ fn: FunctionInfo; sites: ReachedSite[] }> {
  const out: Array<{ fn: FunctionInfo; sites: ReachedSite[] }> = [];
  for (const fn of functionsOf(file, project)) {
    const sites = reachableSites(project, fn, maxDepth);
    if (sites.length > 0) out.push({ fn, sites });
  }
  return out;
}
