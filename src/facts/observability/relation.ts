import type { Relation } from './types.js';

/** An assignment-like definition of a scope: `targets` take their value from `sources`. */
export interface NameDef {
  targets: string[];
  sources: string[];
}

/** Grows `names` in place with every target whose value is built from one of them, to a fixpoint. */
function forwards(defs: readonly NameDef[], names: Set<string>): void {
  for (let changed = true, guard = 0; changed && guard < 12; guard++) {
    changed = false;
    for (const d of defs) {
      if (!d.sources.some((s) => names.has(s))) continue;
      for (const t of d.targets) {
        if (!names.has(t)) {
          names.add(t);
          changed = true;
        }
      }
    }
  }
}

/**
 * Closes a call's relation over a scope's definitions, whatever the language: the names its
 * input is built from, backwards a few steps (only local names, context objects excluded), the
 * names built from the input itself (a request dict logged before the call, a filtered copy of
 * the messages), and the names its result flows into, forwards to a fixpoint. Both sets are
 * grown in place. `steps` bounds the backward walk: a log of something the prompt was built from
 * long before is not a log of the prompt, but which parameters feed it is asked to the end.
 */
export function closeRelation(defs: readonly NameDef[], isLocal: (name: string) => boolean, contextNames: ReadonlySet<string>, inputs: Set<string>, outputs: Set<string>, steps = 3): Relation {
  // Only what is built from the input as given: what it was built from may feed other things.
  const derived = new Set(inputs);
  forwards(defs, derived);
  let frontier = [...inputs];
  for (let step = 0; step < steps && frontier.length > 0; step++) {
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
  for (const d of derived) inputs.add(d);
  forwards(defs, outputs);
  return { inputs, outputs };
}
