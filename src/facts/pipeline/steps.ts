import picomatch from 'picomatch';
import type { Settings } from '../../config/types.js';
import { readPackageJson } from '../../util/pkg.js';
import { cutAtAny } from '../../util/text.js';

/** What a step does to a model. */
export type StepKind = 'publish' | 'deploy' | 'finetune' | 'quantize' | 'evaluate';

export type StepCondition = 'serving-image' | 'inference-workload' | 'model-server-code' | 'deploy-context' | 'hf-remote';

/** One entry of src/data/pipeline-steps.json (or settings.pipeline.steps). */
export interface StepRule {
  id: string;
  kind: StepKind;
  tool: string;
  command?: string[];
  flags?: string[];
  uses?: string[];
  with?: Record<string, string>;
  python?: {
    calls?: string[];
    exclude?: string[];
    imports?: string[];
    kwargs?: string[];
    trainers?: string[];
    strings?: string[];
    noTrainer?: boolean;
  };
  target?: { positional?: number; flag?: string[]; input?: string };
  tasks?: { flags: string[] };
  when?: StepCondition[];
}

interface StepsData {
  steps: StepRule[];
  lmEval: { safetyTasks: string[]; capabilityTasks: string[] };
  datasetModules: string[];
}

export interface CommandPattern {
  rule: StepRule;
  /** Matches the program name (or, for a pattern with a `/`, the end of the script path). */
  program: (name: string, path?: string) => boolean;
  /** Leading subcommand words. */
  sub: Array<(word: string) => boolean>;
  text: string;
}

export interface UsesPattern {
  rule: StepRule;
  test: (ref: string) => boolean;
}

export interface PythonPattern {
  rule: StepRule;
  /** The last name every callee pattern ends with, when they all end with a literal one (a quick check). */
  lastNames?: Set<string>;
  calls?: (name: string) => boolean;
  exclude?: (name: string) => boolean;
  trainers?: (name: string) => boolean;
  strings?: (value: string) => boolean;
}

/** The compiled step vocabulary: built-in data plus the project's settings. */
export interface StepVocabulary {
  commands: CommandPattern[];
  uses: UsesPattern[];
  python: PythonPattern[];
  safetyTask: (task: string) => boolean;
  capabilityTask: (task: string) => boolean;
  /** Python modules whose objects are datasets: pushing one publishes data, not a model. */
  datasetModules: string[];
}

const glob = (patterns: string[], nocase = false): ((s: string) => boolean) => picomatch(patterns, { dot: true, nocase, bash: true });

function compileCommand(rule: StepRule, text: string): CommandPattern {
  const [first = '', ...rest] = text.trim().split(/\s+/);
  let program: CommandPattern['program'];
  if (first.includes('/')) {
    const tail = first.replace(/^\.\//, '');
    const pathTest = glob([`**/${tail}`, tail]);
    program = (_name, path) => (path ? pathTest(path.replace(/^\.\//, '')) : false);
  } else {
    const t = glob([first]);
    program = (name) => t(name);
  }
  return { rule, program, sub: rest.map((w) => glob([w])), text };
}

const cache = new WeakMap<object, StepVocabulary>();
const NO_SETTINGS = {};

/** The step vocabulary for a run, compiled once per settings object. */
export function stepVocabulary(settings: Settings): StepVocabulary {
  const key = settings.pipeline ?? NO_SETTINGS;
  const hit = cache.get(key);
  if (hit) return hit;
  const data = readPackageJson<StepsData>('src', 'data', 'pipeline-steps.json');
  const rules: StepRule[] = [...data.steps, ...((settings.pipeline?.steps ?? []) as StepRule[])];
  for (const cmd of settings.pipeline?.evalCommands ?? []) {
    rules.push({ id: `settings-eval-command`, kind: 'evaluate', tool: cmd, command: [cmd] });
  }
  const vocab: StepVocabulary = {
    commands: [],
    uses: [],
    python: [],
    safetyTask: glob(data.lmEval.safetyTasks, true),
    capabilityTask: glob(data.lmEval.capabilityTasks, true),
    datasetModules: data.datasetModules,
  };
  for (const rule of rules) {
    for (const c of rule.command ?? []) vocab.commands.push(compileCommand(rule, c));
    if (rule.uses && rule.uses.length > 0) vocab.uses.push({ rule, test: glob(rule.uses, true) });
    const py = rule.python;
    if (py) {
      const lasts = (py.calls ?? []).map((c) => c.split('.').pop() ?? c);
      vocab.python.push({
        rule,
        ...(lasts.length > 0 && lasts.every((l) => !/[*?[{]/.test(l)) ? { lastNames: new Set(lasts) } : {}),
        calls: py.calls && py.calls.length > 0 ? glob(py.calls) : undefined,
        exclude: py.exclude && py.exclude.length > 0 ? glob(py.exclude, true) : undefined,
        trainers: py.trainers && py.trainers.length > 0 ? glob(py.trainers) : undefined,
        strings: py.strings && py.strings.length > 0 ? glob(py.strings) : undefined,
      });
    }
  }
  cache.set(key, vocab);
  return vocab;
}

/** Words that appear in any file that does one of the things the vocabulary knows (a cheap prefilter). */
export function stepKeywords(settings: Settings): string[] {
  const vocab = stepVocabulary(settings);
  const words = new Set<string>();
  const literal = (s: string): string => (s.split(/[*?[{]/)[0] as string).replace(/^.*\//, '');
  for (const c of vocab.commands) {
    const w = literal(c.text.split(/\s+/)[0] as string);
    if (w.length >= 3) words.add(w);
  }
  for (const u of vocab.uses) for (const r of u.rule.uses ?? []) words.add(cutAtAny(r.split('/').pop() as string, '*?'));
  for (const p of vocab.python) {
    for (const c of [...(p.rule.python?.calls ?? []), ...(p.rule.python?.trainers ?? [])]) {
      const last = c.split('.').pop() ?? c;
      const w = cutAtAny(last, '*?');
      if (w.length >= 4) words.add(w);
    }
    for (const i of p.rule.python?.imports ?? []) words.add(i.split('.')[0] as string);
  }
  words.delete('');
  return [...words];
}
