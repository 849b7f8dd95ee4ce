import type { Relation } from './types.js';

/** An assignment-like definition of a scope: `targets` take their value from `sources`. */
export interface NameDef {
  targets: string[];
  sources: string[];
}

/**
 * Closes a call's relation over a scope's definitions, whatever the language: the names its
 * input is built from, backwards a few steps (only local names, context objects excluded), and
 * the names its result flows into, forwards to a fixpoint. Both sets are grown in place.
 */
export function closeRelation(defs: readonly NameDef[], isLocal: (name: string) => boolean, contextNames: ReadonlySet<string>, inputs: Set<string>, outputs: Set<string>): Relation {
  let frontier = [...inputs];
  for (let step = 0; step < 3 && frontier.length > 0; step++) {
    const next: string[] = [];
    for (const d of defs) {
      if (!d.targets.some((t) => frontier.includes(t))) continue;
      for (const s of d.sources) {
        if (!isLocal(s) || inputs.has(s) || contextNames.has(s)) continue;
        inputs.add(s);
        next.push(s);
      }
    }
    frontier = next;
  }
  for (let changed = true, guard = 0; changed && guard < 12; guard++) {
    changed = false;
    for (const d of defs) {
      if (!d.sources.some((s) => outputs.has(s))) continue;
      for (const t of d.targets) {
        if (!outputs.has(t)) {
          outputs.add(t);
          changed = true;
        }
      }
    }
  }
  return { inputs, outputs };
}
