import type { FileModel } from '../model/file-model.js';
import type { ProjectModel } from '../model/project.js';
import type { ShellScript, ShellWord } from '../parse/shell.js';
import { isMap, isScalar, isSeq, type Scalar, type YamlFile, type YNode } from '../parse/yaml.js';
import type { Settings } from '../config/types.js';
import type { Span } from '../types.js';
import { commands, makefileModel, type LocatedCommand } from './commands.js';
import { envEntries, type EnvEntry } from './env.js';
import { invocation } from './pipeline/invocation.js';
import { imageRefs, parseImage, substitute, switchedOff } from './images.js';
import { servingImage } from './serving-images.js';
import type { Workload } from './workloads.js';

/**
 * Model launches and model fetches written as commands, in every command surface
 * (`commands(file)`): `vllm serve`, the vLLM OpenAI server module, TGI's launcher and
 * `download-weights`, TEI, SGLang, LMDeploy, the same servers started from their container
 * images with only arguments (compose `command:`, Kubernetes `args:`, Dockerfile `CMD`,
 * `docker run IMAGE ...`), TGI's `MODEL_ID`/`REVISION` environment, `huggingface-cli download`,
 * `lm_eval --model_args`, and `ollama pull/run`. Variables are resolved where their value is
 * in the repository (script variables, workflow `env:`, container `env:`, compose `.env`,
 * Dockerfile `ENV`/`ARG`).
 */

/** A word of a command with its value after variables were substituted. */
export interface ResolvedWord {
  word: ShellWord;
  /** The value after substitution; for `--flag=value`, the value part. */
  value: string;
  /** False when part of the value is still unknown (a variable with no value in the repository). */
  exact: boolean;
  /** Where the value is written: the word, or the part after `=`. */
  span: Span;
  /** True when the value came from a variable (so the text at `span` is not the value). */
  substituted: boolean;
  /** The first variable or expression the value came through (`$MODEL`, `matrix.model`). */
  via?: string;
  /** Several possible values, each fully known (a matrix axis); see `eachValue`. */
  alternatives?: string[];
  /** Workflow inputs with no default the value depends on: chosen by whoever starts the run. */
  runtimeInputs?: string[];
}

export type ServerKind = 'vllm' | 'tgi' | 'tgi-download' | 'tei' | 'sglang' | 'lmdeploy' | 'fastchat';

export const SERVER_NAMES: Record<ServerKind, string> = {
  vllm: 'vLLM',
  tgi: 'Text Generation Inference',
  'tgi-download': 'Text Generation Inference (download-weights)',
  tei: 'Text Embeddings Inference',
  sglang: 'SGLang',
  lmdeploy: 'LMDeploy',
  fastchat: 'FastChat',
};

export interface ServerLaunch {
  server: ServerKind;
  /** The command; undefined for a TGI/TEI container configured by environment only. */
  command?: LocatedCommand;
  /** `cli` (the server's own command), `image-args` (arguments to the image's entrypoint), `env` (TGI `MODEL_ID`). */
  how: 'cli' | 'image-args' | 'env';
  /** For messages: `service "vllm"`, `job "eval" step 2`, `CMD`, `docker run`. */
  where: string;
  model?: ResolvedWord;
  /** How the model was given: `--model`, `--model-id`, `--model-path`, `positional`, `MODEL_ID`. */
  modelFlag?: string;
  revision?: ResolvedWord;
  /** Flags given (`--trust-remote-code`, `--api-key`, ...) with their value when they take one. */
  flags: Map<string, ResolvedWord | true>;
  /** Environment of the same container (`MODEL_ID`, `REVISION`, `TRUST_REMOTE_CODE`, ...). */
  env: Map<string, { value?: string; span: Span; entry?: EnvEntry }>;
  workload?: Workload;
}

// ---------------------------------------------------------------- variables

/** What a workflow expression (`inputs.model`, `matrix.model`) stands for, when the workflow says. */
export interface ExpressionValue {
  /** Its possible values: one (an input's default), or several (a matrix axis, a choice input's options). */
  values: string[];
  /** For messages: `the default of input "model"`, `matrix.model`. */
  note: string;
  /** Set when the value is a workflow input with no default: whoever starts the run chooses it. */
  runtimeInput?: string;
}

/** The value of a variable a command can see, and of `${{ ... }}` expressions in workflows. */
export interface Lookup {
  (name: string): string | undefined;
  expression?: (expr: string) => ExpressionValue | undefined;
}

function lookupOf(fn: (name: string) => string | undefined, expression?: (expr: string) => ExpressionValue | undefined): Lookup {
  return Object.assign((n: string) => fn(n), expression ? { expression } : {});
}

function ghaEnv(file: FileModel, cmd: LocatedCommand): (n: string) => string | undefined {
  const all = envEntries(file);
  const scopes = ['workflow', `job "${cmd.job}"`, `job "${cmd.job}" step ${(cmd.step ?? -1) + 1}`];
  const map = new Map<string, string>();
  for (const scope of scopes) for (const e of all) if (e.where === scope && e.value !== undefined) map.set(e.name, e.value);
  return (n) => map.get(n);
}

/**
 * Inputs of a workflow (`on.workflow_dispatch.inputs`, `on.workflow_call.inputs`) or composite
 * action (`inputs:`): their default, and for `type: choice` their options.
 */
function workflowInputs(file: FileModel): Map<string, { default?: string; options: string[] }> {
  return file.memo('facts:workflow-inputs', () => {
    const out = new Map<string, { default?: string; options: string[] }>();
    const y = file.yaml();
    if (!y) return out;
    for (const doc of y.documents) {
      const root = y.root(doc);
      const sections = file.kind === 'gha-action' ? [y.get(root, 'inputs')] : [y.getIn(root, ['on', 'workflow_dispatch', 'inputs']), y.getIn(root, ['on', 'workflow_call', 'inputs'])];
      for (const section of sections) {
        for (const e of y.entries(section)) {
          const def = y.str(y.get(e.value, 'default'));
          const options = y
            .items(y.get(e.value, 'options'))
            .map((o) => y.str(o))
            .filter((o): o is string => o !== undefined);
          out.set(e.key, { default: def !== undefined && def.trim() !== '' ? def : undefined, options });
        }
      }
    }
    return out;
  });
}

/** Values of a job's matrix axis: the listed values and those `include:` adds. */
function matrixValues(file: FileModel, job: string | undefined, axis: string): string[] | undefined {
  const y = file.yaml();
  if (!y || job === undefined) return undefined;
  for (const doc of y.documents) {
    const matrix = y.getIn(y.root(doc), ['jobs', job, 'strategy', 'matrix']);
    if (!matrix) continue;
    const values: string[] = [];
    const listed = y.get(matrix, axis);
    if (listed && !isSeq(listed)) return undefined; // `${{ fromJSON(...) }}`: not in the file
    for (const v of y.items(listed)) {
      const s = y.str(v);
      if (s !== undefined) values.push(s);
    }
    for (const inc of y.items(y.get(matrix, 'include'))) {
      const s = y.str(y.get(inc, axis));
      if (s !== undefined && !values.includes(s)) values.push(s);
    }
    return values.length > 0 ? values : undefined;
  }
  return undefined;
}

/** What `inputs.X`, `github.event.inputs.X` and `matrix.X` stand for in a workflow command. */
function ghaExpressions(file: FileModel, cmd: LocatedCommand): (expr: string) => ExpressionValue | undefined {
  return (expr) => {
    const input = /^(?:github\.event\.)?inputs\.([A-Za-z_][\w-]*)$/.exec(expr);
    if (input) {
      const name = input[1] as string;
      const spec = workflowInputs(file).get(name);
      if (!spec) return undefined;
      if (spec.options.length > 0) return { values: spec.options, note: `an option of input "${name}"` };
      if (spec.default !== undefined) return { values: [spec.default], note: `the default of input "${name}"` };
      return { values: [], note: `input "${name}"`, runtimeInput: name };
    }
    const axis = /^matrix\.([A-Za-z_][\w-]*)$/.exec(expr);
    if (axis) {
      const values = matrixValues(file, cmd.job, axis[1] as string);
      return values ? { values, note: `matrix.${axis[1]}` } : undefined;
    }
    return undefined;
  };
}

function gitlabEnv(file: FileModel, cmd: LocatedCommand): (n: string) => string | undefined {
  const map = new Map<string, string>();
  for (const e of envEntries(file)) if ((e.where === 'global variables' || e.where === `job "${cmd.job}"`) && e.value !== undefined) map.set(e.name, e.value);
  return (n) => map.get(n);
}

/** `.env` next to a compose file: compose reads it for `${VAR}` interpolation. */
export function composeDotenv(file: FileModel, project: ProjectModel | undefined): (n: string) => string | undefined {
  if (!project) return () => undefined;
  const dir = file.path.includes('/') ? file.path.slice(0, file.path.lastIndexOf('/') + 1) : '';
  const env = project.file(`${dir}.env`);
  const entries = env?.dotenv() ?? [];
  return (n) => entries.filter((e) => e.key === n).pop()?.value;
}

function workloadEnv(file: FileModel, w: Workload | undefined): (n: string) => string | undefined {
  if (!w) return () => undefined;
  const entries = envEntries(file).filter((e) => e.workload === w);
  return (n) => entries.filter((e) => e.name === n).pop()?.value;
}

/**
 * A script's own assignments: the last top-level `NAME=...` before the command (or the only
 * one, for a command in a function defined above it). The value is returned as written
 * (`${MODEL:-org/name}`, `"$ORG/$NAME"`) and resolved by `substituteAll`.
 */
function scriptVariables(script: ShellScript, at: number): (n: string) => string | undefined {
  return (n) => {
    const hits = script.variables.filter((v) => v.name === n);
    const before = hits.filter((v) => v.span.start < at);
    const hit = before.length > 0 ? before[before.length - 1] : hits.length === 1 ? hits[0] : undefined;
    return hit?.value?.value ?? (hit ? '' : undefined);
  };
}

/** What a command's `$VAR` can resolve to, from the file (and `.env` for compose). */
export function variables(file: FileModel, cmd: LocatedCommand, project?: ProjectModel): Lookup {
  const sources: Array<(n: string) => string | undefined> = [];
  let expression: ((expr: string) => ExpressionValue | undefined) | undefined;
  if (cmd.script) sources.push(scriptVariables(cmd.script, cmd.span.start));
  switch (cmd.origin) {
    case 'gha-run':
      sources.push(ghaEnv(file, cmd));
      expression = ghaExpressions(file, cmd);
      break;
    case 'gitlab-script':
      sources.push(gitlabEnv(file, cmd));
      break;
    case 'compose-command':
    case 'compose-entrypoint':
      sources.push(composeDotenv(file, project), workloadEnv(file, cmd.workload));
      break;
    case 'k8s-command':
      sources.push(workloadEnv(file, cmd.workload));
      break;
    case 'makefile-recipe': {
      const vars = makefileModel(file).variables;
      sources.push((n) => vars.get(n));
      break;
    }
    case 'dockerfile-run':
    case 'dockerfile-cmd':
    case 'dockerfile-entrypoint': {
      const before = envEntries(file).filter((e) => (e.origin === 'dockerfile-env' || e.origin === 'dockerfile-arg') && e.nameSpan.start < cmd.span.start);
      sources.push((n) => before.filter((e) => e.name === n).pop()?.value);
      break;
    }
    default:
      break;
  }
  return lookupOf((n) => {
    for (const s of sources) {
      const v = s(n);
      if (v !== undefined) return v;
    }
    return undefined;
  }, expression);
}

/** The result of substituting what is known into a value. */
interface Substituted {
  value: string;
  exact: boolean;
  /** Several possible values (a matrix axis, a choice input), each fully known. */
  alternatives?: string[];
  /** Workflow inputs with no default the value depends on. */
  runtimeInputs?: string[];
  /** Where the value came from, for messages: `$MODEL`, `matrix.model`, `the default of input "model"`. */
  via?: string;
}

const MAX_ALTERNATIVES = 32;

/**
 * Substitutes variables and workflow expressions, following values that name other variables
 * (`MODEL=${BASE_MODEL:-org/name}`, `env: { M: ${{ inputs.model }} }`) a few levels deep. A
 * variable is not its own value: `MODEL=${MODEL:-org/name}` is `org/name` unless the caller sets it.
 */
function substituteAll(value: string, lookup: Lookup): Substituted {
  let exact = true;
  const runtime: string[] = [];
  const axes: string[][] = [];
  let via: string | undefined;
  const note = (n: string): void => {
    via ??= n;
  };
  const visiting = new Set<string>();
  const resolve = (raw: string, depth: number): string => {
    // GitHub expressions: `${{ env.X }}`, inputs and matrix values; anything else is unknown.
    let v = replaceExpressions(raw, (m, expr) => {
      const env = /^env\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(expr);
      if (env) {
        const k = named(env[1] as string, depth);
        if (k === undefined) exact = false;
        return k ?? m;
      }
      const e = lookup.expression?.(expr);
      if (!e) {
        exact = false;
        return m;
      }
      note(e.note);
      if (e.runtimeInput !== undefined) {
        runtime.push(e.runtimeInput);
        exact = false;
        return m;
      }
      if (e.values.length === 1) return e.values[0] as string;
      axes.push(e.values);
      return `\u0000${axes.length - 1}\u0000`;
    });
    // Kubernetes and Makefile `$(VAR)`.
    v = v.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, n: string) => {
      const k = named(n, depth);
      if (k === undefined) exact = false;
      return k ?? m;
    });
    const s = substitute(v, (n) => named(n, depth));
    if (s.dynamic) exact = false;
    return s.value;
  };
  const named = (n: string, depth: number): string | undefined => {
    if (visiting.has(n) || depth > 4) return undefined;
    const raw = lookup(n);
    if (raw === undefined) return undefined;
    note(`$${n}`);
    if (!/[$`]/.test(raw)) return raw;
    visiting.add(n);
    try {
      return resolve(raw, depth + 1);
    } finally {
      visiting.delete(n);
    }
  };
  const out = resolve(value, 0);
  exact &&= !/\$\{\{|\$\(|`/.test(out);
  const result: Substituted = { value: out, exact, ...(via ? { via } : {}), ...(runtime.length > 0 ? { runtimeInputs: runtime } : {}) };
  if (axes.length > 0) {
    let alts = [out];
    axes.forEach((values, i) => {
      alts = alts.flatMap((a) => (a.includes(`\u0000${i}\u0000`) ? values.map((x) => a.replace(`\u0000${i}\u0000`, x)) : [a])).slice(0, MAX_ALTERNATIVES);
    });
    result.value = alts[0] ?? out;
    if (exact) result.alternatives = alts;
    result.exact = false;
  }
  return result;
}

export function resolveWord(word: ShellWord, lookup: Lookup, offset = 0): ResolvedWord {
  const raw = word.value.slice(offset);
  const span = { start: word.map.toSource(offset), end: word.map.toSource(word.value.length) };
  if (word.literal) return { word, value: raw, exact: true, span, substituted: false };
  const r = substituteAll(raw, lookup);
  const out: ResolvedWord = { word, value: r.value, exact: r.exact, span, substituted: r.value !== raw };
  if (r.via) out.via = r.via;
  if (r.alternatives) out.alternatives = r.alternatives;
  if (r.runtimeInputs) out.runtimeInputs = r.runtimeInputs;
  return out;
}

/** The values a word can take: one, or one for each value of the matrix axis or choice input it names. */
export function eachValue(w: ResolvedWord): ResolvedWord[] {
  if (!w.alternatives) return [w];
  return w.alternatives.map((value) => ({ word: w.word, value, exact: true, span: w.span, substituted: true, ...(w.via ? { via: w.via } : {}) }));
}

// ---------------------------------------------------------------- command shapes

function base(word: string | undefined): string {
  return (word ?? '').replace(/^.*\//, '');
}

/**
 * Strips wrappers that run another command: `exec`, `nohup`, `env A=b`, `time`, `sudo`,
 * job launchers (`srun`, `mpirun`, with their options),
 * `uv run`, `poetry run`, `pipenv run`, `conda run -n x`, `docker exec C`, `docker compose exec S`,
 * `kubectl exec ... --`. Returns the index of the real command word.
 */
export function innerStart(words: readonly ShellWord[]): number {
  let i = 0;
  for (let guard = 0; guard < 8 && i < words.length; guard++) {
    const w = base(words[i]?.value);
    const next = words[i + 1]?.value;
    if (w === 'exec' || w === 'nohup' || w === 'time' || w === 'sudo' || w === 'stdbuf' || w === 'nice') {
      i++;
      while (i < words.length && (words[i]?.value ?? '').startsWith('-')) i++;
    } else if (w === 'srun' || w === 'mpirun' || w === 'mpiexec' || w === 'salloc') {
      i = skipLauncherOpts(words, i + 1);
    } else if (w === 'env') {
      i++;
      while (i < words.length && /^(-|[A-Za-z_][A-Za-z0-9_]*=)/.test(words[i]?.value ?? '')) i++;
    } else if ((w === 'uv' || w === 'poetry' || w === 'pipenv' || w === 'pdm' || w === 'hatch') && next === 'run') {
      i += 2;
      while (i < words.length && (words[i]?.value ?? '').startsWith('-')) i += /^--(with|python|extra|group|env-file|directory|project|from)$/.test(words[i]?.value ?? '') ? 2 : 1;
    } else if ((w === 'conda' || w === 'mamba' || w === 'micromamba') && next === 'run') {
      i += 2;
      while (i < words.length && (words[i]?.value ?? '').startsWith('-')) i += /^(-n|--name|-p|--prefix)$/.test(words[i]?.value ?? '') ? 2 : 1;
    } else if ((w === 'docker' || w === 'podman') && next === 'exec') {
      i = skipDockerOpts(words, i + 2) + 1;
    } else if ((w === 'docker' && next === 'compose' && (words[i + 2]?.value === 'exec' || words[i + 2]?.value === 'run')) || (w === 'docker-compose' && (next === 'exec' || next === 'run'))) {
      i = skipDockerOpts(words, i + (w === 'docker' ? 3 : 2)) + 1;
    } else if (w === 'kubectl' && next === 'exec') {
      const dd = words.findIndex((x, n) => n > i && x.value === '--');
      if (dd === -1) return words.length;
      i = dd + 1;
    } else break;
  }
  return i;
}

/** Options of job launchers (Slurm `srun`, MPI `mpirun`) that take a separate value. */
const LAUNCHER_VALUE_OPTS = new Set([
  '-N',
  '-n',
  '-c',
  '-p',
  '-t',
  '-J',
  '-o',
  '-e',
  '-A',
  '-G',
  '-w',
  '-C',
  '-D',
  '-q',
  '-x',
  '-H',
  '-np',
  '-hostfile',
  '-host',
  '--nodes',
  '--ntasks',
  '--ntasks-per-node',
  '--cpus-per-task',
  '--gpus',
  '--gpus-per-node',
  '--gpus-per-task',
  '--gres',
  '--partition',
  '--time',
  '--job-name',
  '--output',
  '--error',
  '--account',
  '--qos',
  '--constraint',
  '--chdir',
  '--nodelist',
  '--exclude',
  '--mem',
  '--mem-per-cpu',
  '--export',
  '--mpi',
  '--distribution',
  '--container-image',
  '--container-mounts',
  '--container-workdir',
  '--container-name',
  '--container-env',
  '--host',
  '--hostfile',
  '--map-by',
  '--bind-to',
  '--mca',
  '-mca',
]);

/** Index of the first word after a launcher's options (`srun -N 2 --gpus 8 python ...`). */
function skipLauncherOpts(words: readonly ShellWord[], from: number): number {
  let i = from;
  while (i < words.length) {
    const v = words[i]?.value ?? '';
    if (v === '--') return i + 1;
    if (!v.startsWith('-') || v === '-') return i;
    i += !v.includes('=') && LAUNCHER_VALUE_OPTS.has(v) ? (v === '--mca' || v === '-mca' ? 3 : 2) : 1;
  }
  return i;
}

const DOCKER_BOOL = new Set([
  '--rm',
  '--detach',
  '--interactive',
  '--tty',
  '--privileged',
  '--init',
  '--read-only',
  '--publish-all',
  '--no-healthcheck',
  '--oom-kill-disable',
  '--quiet',
  '--no-deps',
  '--service-ports',
  '--use-aliases',
  '--no-TTY',
  '--all-tags',
  '--disable-content-trust',
  '--pull-always',
]);

/** Index of the first word after `docker run`-style options (the image or container). */
function skipDockerOpts(words: readonly ShellWord[], from: number): number {
  let i = from;
  while (i < words.length) {
    const v = words[i]?.value ?? '';
    if (v === '--') return i + 1;
    if (!v.startsWith('-') || v === '-') return i;
    if (v.startsWith('--')) i += v.includes('=') || DOCKER_BOOL.has(v) ? 1 : 2;
    else if (/^-[dithPTq]+$/.test(v)) i += 1;
    else i += v.length > 2 ? 1 : 2; // -p 8000:8000, -e X=y; -p8000 has its value attached
  }
  return i;
}

export interface DockerRun {
  command: LocatedCommand;
  /** `run`, `create` or `pull`. */
  verb: 'run' | 'create' | 'pull';
  image: ResolvedWord;
  /** Words after the image (arguments to its entrypoint). */
  args: ShellWord[];
  /** `--entrypoint X`, when given. */
  entrypoint?: string;
  /** `-e NAME=value` / `--env NAME=value`. */
  env: Map<string, { value?: string; span: Span }>;
}

/** `docker run|create|pull IMAGE ...` (also podman and nerdctl), in every command surface of a file. */
export function dockerRuns(file: FileModel, project?: ProjectModel): DockerRun[] {
  return file.memo('facts:docker-runs', () => {
    const out: DockerRun[] = [];
    for (const cmd of commands(file)) {
      const words = cmd.words;
      const start = innerStart(words);
      const tool = base(words[start]?.value);
      if (tool !== 'docker' && tool !== 'podman' && tool !== 'nerdctl') continue;
      let verbAt = start + 1;
      if (words[verbAt]?.value === 'container' || words[verbAt]?.value === 'image') verbAt++;
      const verb = words[verbAt]?.value;
      if (verb !== 'run' && verb !== 'create' && verb !== 'pull') continue;
      const env = new Map<string, { value?: string; span: Span }>();
      let entrypoint: string | undefined;
      let i = verbAt + 1;
      while (i < words.length) {
        const w = words[i] as ShellWord;
        const v = w.value;
        if (v === '--') {
          i++;
          break;
        }
        if (!v.startsWith('-') || v === '-') break;
        const eqForm = /^(--env|--entrypoint)=(.*)$/s.exec(v);
        const flag = eqForm ? (eqForm[1] as string) : v;
        if (flag === '-e' || flag === '--env' || flag === '--entrypoint') {
          const valueWord = eqForm ? w : words[i + 1];
          const offset = eqForm ? flag.length + 1 : 0;
          i += eqForm ? 1 : 2;
          if (!valueWord) break;
          const text = valueWord.value.slice(offset);
          if (flag === '--entrypoint') {
            entrypoint = text;
            continue;
          }
          const eq = text.indexOf('=');
          const name = eq === -1 ? text : text.slice(0, eq);
          const s = valueWord.map.toSource(offset + (eq === -1 ? 0 : eq + 1));
          env.set(name, { value: eq === -1 ? undefined : text.slice(eq + 1), span: { start: s, end: valueWord.map.toSource(valueWord.value.length) } });
          continue;
        }
        if (v.startsWith('--')) i += v.includes('=') || DOCKER_BOOL.has(v) ? 1 : 2;
        else if (/^-[dithPTq]+$/.test(v)) i += 1;
        else i += v.length > 2 ? 1 : 2;
      }
      const imageWord = words[i];
      if (!imageWord) continue;
      const image = resolveWord(imageWord, variables(file, cmd, project));
      out.push({ command: cmd, verb, image, args: words.slice(i + 1), entrypoint, env });
    }
    return out;
  });
}

// ---------------------------------------------------------------- options

/** Long options and their values: `--x v`, `--x=v`; flags in `booleans` take no value. */
function parseOptions(words: readonly ShellWord[], from: number, lookup: Lookup, booleans: ReadonlySet<string>): { flags: Map<string, ResolvedWord | true>; positionals: ResolvedWord[] } {
  const flags = new Map<string, ResolvedWord | true>();
  const positionals: ResolvedWord[] = [];
  for (let i = from; i < words.length; i++) {
    const w = words[i] as ShellWord;
    const v = w.value;
    if (/^--?[A-Za-z]/.test(v)) {
      const eq = v.indexOf('=');
      const name = (eq === -1 ? v : v.slice(0, eq)).replace(/_/g, '-');
      if (eq !== -1) {
        flags.set(name, resolveWord(w, lookup, eq + 1));
        continue;
      }
      const next = words[i + 1];
      if (booleans.has(name) || !next || /^--?[A-Za-z]/.test(next.value)) {
        flags.set(name, true);
        continue;
      }
      flags.set(name, resolveWord(next, lookup));
      i++;
    } else {
      positionals.push(resolveWord(w, lookup));
    }
  }
  return { flags, positionals };
}

const VLLM_BOOLEANS = new Set([
  '--trust-remote-code',
  '--enforce-eager',
  '--enable-prefix-caching',
  '--no-enable-prefix-caching',
  '--disable-log-requests',
  '--disable-log-stats',
  '--enable-chunked-prefill',
  '--enable-auto-tool-choice',
  '--enable-lora',
  '--disable-custom-all-reduce',
  '--enable-reasoning',
  '--disable-frontend-multiprocessing',
  '--skip-tokenizer-init',
  '--enable-log-requests',
  '--disable-fastapi-docs',
  '--enable-sleep-mode',
  '--headless',
]);
const TGI_BOOLEANS = new Set([
  '--trust-remote-code',
  '--disable-custom-kernels',
  '--json-output',
  '--disable-grammar-support',
  '--disable-usage-stats',
  '--cuda-graphs-disable',
  '--enable-prefill-logprobs',
]);

/** Which server a command starts, and where its arguments begin. */
function recognise(words: readonly ShellWord[], start: number): { server: ServerKind; args: number } | undefined {
  const w0 = base(words[start]?.value);
  const w1 = words[start + 1]?.value;
  if (w0 === 'vllm' && w1 === 'serve') return { server: 'vllm', args: start + 2 };
  if (w0 === 'text-generation-launcher') return { server: 'tgi', args: start + 1 };
  if (w0 === 'text-generation-server' && w1 === 'download-weights') return { server: 'tgi-download', args: start + 2 };
  if (w0 === 'text-embeddings-router') return { server: 'tei', args: start + 1 };
  if (w0 === 'lmdeploy' && w1 === 'serve' && words[start + 2]?.value === 'api_server') return { server: 'lmdeploy', args: start + 3 };
  if (/^python(\d(\.\d+)?)?$/.test(w0)) {
    const m = words.findIndex((x, n) => n > start && x.value === '-m');
    const mod = m !== -1 ? words[m + 1]?.value : undefined;
    if (mod && /^vllm\.entrypoints\.(openai\.)?api_server$/.test(mod)) return { server: 'vllm', args: m + 2 };
    if (mod === 'sglang.launch_server') return { server: 'sglang', args: m + 2 };
    if (mod && /^fastchat\.serve\.(model_worker|multi_model_worker|vllm_worker|sglang_worker|lightllm_worker|cli|huggingface_api)$/.test(mod)) return { server: 'fastchat', args: m + 2 };
  }
  return undefined;
}

/** The server an image runs when given only arguments. */
function imageServer(server: string | undefined): ServerKind | undefined {
  switch (server) {
    case 'vLLM':
      return 'vllm';
    case 'Text Generation Inference':
      return 'tgi';
    case 'Text Embeddings Inference':
      return 'tei';
    default:
      return undefined;
  }
}

function launchFrom(server: ServerKind, words: readonly ShellWord[], from: number, lookup: Lookup, how: ServerLaunch['how'], where: string): ServerLaunch {
  const booleans = server === 'tgi' || server === 'tgi-download' || server === 'tei' ? TGI_BOOLEANS : VLLM_BOOLEANS;
  const { flags, positionals } = parseOptions(words, from, lookup, booleans);
  const launch: ServerLaunch = { server, how, where, flags, env: new Map() };
  const flagNames = server === 'vllm' ? ['--model'] : server === 'sglang' || server === 'fastchat' ? ['--model-path', '--model'] : server === 'lmdeploy' ? [] : ['--model-id'];
  for (const f of flagNames) {
    const v = flags.get(f);
    if (v && v !== true) {
      launch.model = v;
      launch.modelFlag = f;
      break;
    }
  }
  // `vllm serve M`, `text-generation-server download-weights M`, `lmdeploy serve api_server M`,
  // and the vLLM image whose entrypoint is `vllm serve`.
  const first = positionals[0];
  const firstIsLeading = first && words.indexOf(first.word) === from;
  if (!launch.model && first && (server === 'tgi-download' || server === 'lmdeploy' || (server === 'vllm' && firstIsLeading))) {
    launch.model = first;
    launch.modelFlag = 'positional';
  }
  const rev = flags.get('--revision');
  if (rev && rev !== true) launch.revision = rev;
  return launch;
}

function envOf(file: FileModel, w: Workload | undefined): ServerLaunch['env'] {
  const env: ServerLaunch['env'] = new Map();
  if (!w) return env;
  for (const e of envEntries(file)) if (e.workload === w) env.set(e.name, { value: e.value, span: e.valueSpan ?? e.nameSpan, entry: e });
  return env;
}

/** Dockerfile: the serving image each instruction's stage is built on, and whether the stage has its own ENTRYPOINT. */
function dockerStages(file: FileModel, settings: Settings): Array<{ start: number; server?: string; entrypoint: boolean }> {
  const df = file.dockerfile();
  if (!df) return [];
  const refs = imageRefs(file);
  const stages: Array<{ start: number; name?: string; server?: string; entrypoint: boolean }> = [];
  for (const from of df.froms) {
    const name = from.image.toLowerCase();
    const parent = stages.find((s) => s.name === name);
    const ref = refs.find((r) => r.span.start === from.imageSpan.start);
    const own = ref ? servingImage(ref, settings) : undefined;
    stages.push({ start: from.instruction.span.start, name: from.stage?.toLowerCase(), server: own ?? parent?.server, entrypoint: parent?.entrypoint ?? false });
  }
  for (const ins of df.instructions) {
    if (ins.keyword !== 'ENTRYPOINT') continue;
    const stage = [...stages].reverse().find((s) => s.start <= ins.span.start);
    if (stage) stage.entrypoint = true;
  }
  return stages;
}

/** Every model-server launch in a file, computed once per file. */
export function serverLaunches(file: FileModel, project?: ProjectModel, settings: Settings = {}): ServerLaunch[] {
  return file.memo('facts:server-launches', () => {
    const out: ServerLaunch[] = [];
    const stages = file.kind === 'dockerfile' ? dockerStages(file, settings) : [];
    const seenWorkloads = new Set<Workload>();
    for (const cmd of commands(file)) {
      const lookup = variables(file, cmd, project);
      const start = innerStart(cmd.words);
      const known = recognise(cmd.words, start);
      if (known) {
        const l = launchFrom(known.server, cmd.words, known.args, lookup, 'cli', cmd.where);
        l.command = cmd;
        l.workload = cmd.workload;
        l.env = envOf(file, cmd.workload);
        out.push(l);
        if (cmd.workload) seenWorkloads.add(cmd.workload);
        continue;
      }
      // Arguments to an image's own entrypoint: compose `command:`, Kubernetes `args:`, Dockerfile CMD.
      let server: ServerKind | undefined;
      if (cmd.workload && (cmd.origin === 'compose-command' || cmd.origin === 'k8s-command') && !cmd.workload.entrypoint) {
        const ref = imageRefs(file).find((r) => cmd.workload && r.span.start === (cmd.workload.image?.range?.[0] ?? -1));
        server = imageServer(ref ? servingImage(ref, settings) : undefined);
      } else if (cmd.origin === 'dockerfile-cmd') {
        const stage = [...stages].reverse().find((s) => s.start <= cmd.span.start);
        if (stage && !stage.entrypoint) server = imageServer(stage.server);
      }
      if (server && start === 0 && isFirstCommand(cmd)) {
        const l = launchFrom(server, cmd.words, 0, lookup, 'image-args', cmd.where);
        l.command = cmd;
        l.workload = cmd.workload;
        l.env = envOf(file, cmd.workload);
        out.push(l);
        if (cmd.workload) seenWorkloads.add(cmd.workload);
      }
    }
    // docker run IMAGE args
    for (const run of dockerRuns(file, project)) {
      if (run.verb === 'pull') continue;
      const p = parseImage(run.image.value);
      const server = imageServer(servingImage(p, settings));
      const lookup = variables(file, run.command, project);
      let l: ServerLaunch | undefined;
      if (run.entrypoint !== undefined) {
        const known = recognise([{ ...run.image.word, value: run.entrypoint }, ...run.args], 0);
        if (known) l = launchFrom(known.server, [{ ...run.image.word, value: run.entrypoint }, ...run.args], known.args, lookup, 'cli', `docker run, ${run.command.where}`);
      } else if (server) {
        const known = recognise(run.args, 0);
        l = known
          ? launchFrom(known.server, run.args, known.args, lookup, 'cli', `docker run, ${run.command.where}`)
          : launchFrom(server, run.args, 0, lookup, 'image-args', `docker run, ${run.command.where}`);
      }
      if (!l) continue;
      l.command = run.command;
      for (const [k, v] of run.env) {
        const value = v.value !== undefined ? substituteAll(v.value, lookup) : undefined;
        l.env.set(k, { value: value?.exact ? value.value : v.value === undefined ? lookup(k) : undefined, span: v.span });
      }
      out.push(l);
    }
    // TGI / TEI containers configured by environment only.
    if (file.kind === 'compose' || file.kind === 'k8s' || file.kind === 'helm-values') {
      const refs = imageRefs(file);
      const byWorkload = new Map<Workload, EnvEntry[]>();
      for (const e of envEntries(file)) if (e.workload) byWorkload.set(e.workload, [...(byWorkload.get(e.workload) ?? []), e]);
      for (const [w, entries] of byWorkload) {
        if (seenWorkloads.has(w)) continue;
        const ref = refs.find((r) => r.span.start === (w.image?.range?.[0] ?? -1));
        const server = imageServer(ref ? servingImage(ref, settings) : undefined);
        if (server !== 'tgi' && server !== 'tei') continue;
        const l: ServerLaunch = { server, how: 'env', where: entries[0]?.where ?? w.name, flags: new Map(), env: envOf(file, w), workload: w };
        out.push(l);
      }
    }
    if (file.kind === 'dockerfile') {
      // FROM <tgi image> + ENV MODEL_ID=... with no CMD of its own.
      for (const stage of stages) {
        const server = imageServer(stage.server);
        if (server !== 'tgi' && server !== 'tei') continue;
        const next = stages.find((s) => s.start > stage.start)?.start ?? Infinity;
        const entries = envEntries(file).filter((e) => e.origin === 'dockerfile-env' && e.nameSpan.start > stage.start && e.nameSpan.start < next);
        if (!entries.some((e) => e.name === 'MODEL_ID')) continue;
        if (out.some((l) => l.command && l.command.span.start > stage.start && l.command.span.start < next)) continue;
        const env: ServerLaunch['env'] = new Map();
        for (const e of entries) env.set(e.name, { value: e.value, span: e.valueSpan ?? e.nameSpan, entry: e });
        out.push({ server, how: 'env', where: 'ENV', flags: new Map(), env });
      }
    }
    // TGI reads MODEL_ID / REVISION from the environment when no flag is given.
    for (const l of out) {
      if (l.server !== 'tgi' && l.server !== 'tei') continue;
      if (!l.model) {
        const m = l.env.get('MODEL_ID');
        if (m?.value !== undefined) {
          const lookup: Lookup = (n) => (file.kind === 'compose' ? composeDotenv(file, project)(n) : undefined);
          const r = substituteAll(m.value, lookup);
          l.model = {
            word: { value: m.value, raw: m.value, span: m.span, literal: true, map: { toSource: (o) => m.span.start + o } },
            value: r.value,
            exact: r.exact,
            span: m.span,
            substituted: r.value !== m.value,
          };
          l.modelFlag = 'MODEL_ID';
        }
      }
      if (!l.revision) {
        const r = l.env.get('REVISION');
        if (r?.value !== undefined) {
          const sub = substituteAll(r.value, (n) => (file.kind === 'compose' ? composeDotenv(file, project)(n) : undefined));
          l.revision = {
            word: { value: r.value, raw: r.value, span: r.span, literal: true, map: { toSource: (o) => r.span.start + o } },
            value: sub.value,
            exact: sub.exact,
            span: r.span,
            substituted: sub.value !== r.value,
          };
        } else if (r) {
          // `REVISION` set from a secret or a field reference: set deliberately, value unknown.
          l.revision = { word: { value: '', raw: '', span: r.span, literal: false, map: { toSource: (o) => r.span.start + o } }, value: '', exact: false, span: r.span, substituted: true };
        }
      }
    }
    return out;
  });
}

/** The first command of its script (arguments to an image entrypoint are always the whole command). */
function isFirstCommand(cmd: LocatedCommand): boolean {
  return cmd.exec || !cmd.before;
}

// ---------------------------------------------------------------- models served from configuration

/**
 * A Hub model a serving configuration names as data rather than as a command: a chart's model
 * spec next to its vLLM image (`modelURL:` in the vLLM production stack), a custom resource
 * (`url: hf://org/name` with `engine: VLLM` in KubeAI, KServe `storageUri: hf://org/name`,
 * `args: [--model_id=org/name]` under a KServe `modelFormat`), or values with `engine:`.
 */
export interface ConfigServe {
  /** The server, for messages: `vLLM`, `KServe`, `the model server`. */
  server: string;
  /** The key holding the model: `modelURL`, `url`, `storageUri`, `args`. */
  key: string;
  /** The Hub id (without `hf://` and a revision suffix). */
  model: string;
  /** Where the id is written. */
  span: Span;
  /** For messages: `values servingEngineSpec.modelSpec[0]`, `spec`. */
  where: string;
  revision?: { value: string; span: Span; exact: boolean };
  /** How to pin it here, for messages. */
  fix: string;
  /** Inside a component the Helm values (or a config of their shape) switch off (`enabled: false`). */
  disabled?: boolean;
}

/** Keys that name the model a serving spec loads (`modelURL`, `model`, `model_id`, `modelSource`). */
const SERVE_MODEL_KEY = /^(model|model[_-]?(name|id|url|uri|path|source|repo|repository)|hf[_-]?model|hugging[_-]?face[_-]?model)$/i;
/** Keys whose value is a storage URI (`hf://...` counts, other schemes are not the Hub). */
const SERVE_URI_KEY = /^(url|uri|storage[_-]?uri|model[_-]?uri|source)$/i;
/** `engine:` / `runtime:` values naming a server that loads Hub models. */
const ENGINES: ReadonlyMap<string, string> = new Map([
  ['vllm', 'vLLM'],
  ['sglang', 'SGLang'],
  ['tgi', 'Text Generation Inference'],
  ['text-generation-inference', 'Text Generation Inference'],
  ['tei', 'Text Embeddings Inference'],
  ['lmdeploy', 'LMDeploy'],
  ['huggingface', 'the Hugging Face runtime'],
  ['infinity', 'Infinity'],
]);
const REVISION_KEY = /^(model[_-]?)?revision$/i;
const REVISION_ARG = /^--(model[_-])?revision(=|$)/;
const MODEL_ARG = /^--(model|model[_-]id|model[_-]name[_-]or[_-]path)(=|$)/;

interface MapFrame {
  node: YNode;
  path: string[];
}

/** The server a map's settings name: `engine: VLLM`, KServe `modelFormat`, or a serving image in it. */
function serverOfMap(y: YamlFile, node: YNode, images: ReadonlyArray<{ span: Span; server: string }>): string | undefined {
  for (const key of ['engine', 'runtime', 'backend', 'inferenceEngine']) {
    const v = y.str(y.get(node, key))?.toLowerCase();
    const known = v !== undefined ? ENGINES.get(v) : undefined;
    if (known) return known;
  }
  const format = y.get(node, 'modelFormat');
  if (format) return `KServe (${y.str(y.get(format, 'name')) ?? y.str(format) ?? 'model format'})`;
  const at = y.span(node);
  return images.find((i) => i.span.start >= at.start && i.span.end <= at.end)?.server;
}

/** A revision given in a map or the argument lists under it: `modelRevision:`, `args: [--revision, X]`. */
function revisionIn(y: YamlFile, node: YNode, depth = 0): ConfigServe['revision'] {
  if (depth > 4) return undefined;
  for (const e of y.entries(node)) {
    const v = e.value;
    if (REVISION_KEY.test(e.key) && v && isScalar(v) && v.value !== null) {
      const value = String(v.value);
      return { value, span: y.span(v), exact: !/\$\{|\{\{/.test(value) };
    }
    if (isSeq(v)) {
      const items = y.items(v);
      for (let i = 0; i < items.length; i++) {
        const item = items[i] as YNode;
        const t = y.str(item);
        if (t === undefined || !REVISION_ARG.test(t)) continue;
        const eq = t.indexOf('=');
        if (eq !== -1) {
          const map = y.valueMap(item as Scalar);
          const value = t.slice(eq + 1);
          return { value, span: { start: map.toSource(eq + 1), end: map.toSource(t.length) }, exact: !/\$\{|\{\{|\$\(/.test(value) };
        }
        const next = items[i + 1];
        const value = y.str(next);
        if (next && value !== undefined) return { value, span: y.span(next), exact: !/\$\{|\{\{|\$\(/.test(value) };
      }
    } else if (isMap(v)) {
      const r = revisionIn(y, v, depth + 1);
      if (r) return r;
    }
  }
  return undefined;
}

/** `hf://org/name` and KServe's `hf://org/name:<revision>`. */
function parseHfUri(value: string): { model: string; offset: number; revision?: { value: string; offset: number } } | undefined {
  const m = /^hf:\/\/([A-Za-z0-9][\w.-]*\/[A-Za-z0-9][\w.-]*)(?::([\w.-]+))?\/?$/.exec(value.trim());
  if (!m) return undefined;
  const offset = value.indexOf('hf://') + 5;
  const model = m[1] as string;
  return { model, offset, ...(m[2] ? { revision: { value: m[2], offset: offset + model.length + 1 } } : {}) };
}

function revisionKeyLike(key: string): string {
  if (/^model[A-Z]/.test(key)) return 'modelRevision';
  if (/^model[_-]/.test(key)) return `model${key[5]}revision`;
  return 'revision';
}

/** Hub models named as data by serving configurations (Helm values, custom resources, YAML configs). */
export function configServes(file: FileModel, settings: Settings = {}): ConfigServe[] {
  return file.memo('facts:config-serves', () => {
    const out: ConfigServe[] = [];
    const y = file.yaml();
    if (!y || (file.kind !== 'helm-values' && file.kind !== 'k8s' && file.kind !== 'yaml-config')) return out;
    const images = imageRefs(file).flatMap((r) => {
      const server = servingImage(r, settings);
      return server ? [{ span: r.span, server }] : [];
    });
    const context = (stack: MapFrame[]): { frame: MapFrame; server: string } | undefined => {
      // The model's own map, or one of the two around it (`spec.model.modelURL` next to
      // `spec.image`), but not the whole document around another part of it.
      for (let i = stack.length - 1; i >= Math.max(0, stack.length - 3) && (i > 0 || stack.length === 1); i--) {
        const frame = stack[i] as MapFrame;
        const server = serverOfMap(y, frame.node, images);
        if (server) return { frame, server };
      }
      return undefined;
    };
    const add = (stack: MapFrame[], key: string, item: Scalar, hfUri: boolean, argOffset = 0): void => {
      const text = String(item.value);
      const own = stack[stack.length - 1] as MapFrame;
      const ctx = context(stack);
      const map = y.valueMap(item);
      let model = text.slice(argOffset);
      let offset = argOffset;
      let revision: ConfigServe['revision'];
      if (hfUri) {
        const u = parseHfUri(model);
        if (!u) return;
        model = u.model;
        offset = argOffset + u.offset;
        if (u.revision)
          revision = { value: u.revision.value, span: { start: map.toSource(argOffset + u.revision.offset), end: map.toSource(argOffset + u.revision.offset + u.revision.value.length) }, exact: true };
      } else if (!ctx) return;
      if (/\$\{|\{\{|\$\(/.test(model)) return;
      revision ??= revisionIn(y, own.node) ?? (ctx ? revisionIn(y, ctx.frame.node) : undefined);
      const storage = /^(storage[_-]?uri|uri)$/i.test(key);
      // Servers that take `--revision`: through the spec's argument list, when the key is a URI or it has one.
      const takesArgs = !!ctx && /^(vLLM|SGLang|Text Generation Inference)$/.test(ctx.server);
      const argsStyle = key === 'args' || (ctx && !!y.get(ctx.frame.node, 'args')) || (hfUri && takesArgs);
      const fix = storage
        ? `\`hf://${model}:<40-hex commit sha>\``
        : argsStyle
          ? `\`${ctx?.server.startsWith('KServe') ? '--model_revision' : '--revision'}=<40-hex commit sha>\` in its \`args\``
          : `\`${revisionKeyLike(key)}: <40-hex commit sha>\` next to it (if the chart or operator has no such field, serve a local copy downloaded at a pinned commit)`;
      out.push({
        server: ctx?.server ?? (storage ? 'KServe' : 'the model server'),
        key,
        model,
        span: { start: map.toSource(offset), end: map.toSource(offset + model.length) },
        where: `${file.kind === 'helm-values' ? 'values ' : ''}${own.path.join('.') || '(top level)'}`,
        ...(revision ? { revision } : {}),
        fix,
        ...(file.kind !== 'k8s' && stack.some((f) => switchedOff(y, f.node)) ? { disabled: true } : {}),
      });
    };
    const walk = (node: YNode | null, path: string[], stack: MapFrame[], depth: number): void => {
      if (!node || depth > 40) return;
      if (isMap(node)) {
        const frames = [...stack, { node, path }];
        for (const e of y.entries(node)) {
          const v = e.value;
          if (v && isScalar(v) && typeof v.value === 'string') {
            if (v.value.trim().startsWith('hf://') && (SERVE_URI_KEY.test(e.key) || SERVE_MODEL_KEY.test(e.key))) add(frames, e.key, v as Scalar, true);
            else if (SERVE_MODEL_KEY.test(e.key) && /^[A-Za-z0-9][\w.-]*\/[A-Za-z0-9][\w.-]*$/.test(v.value.trim())) add(frames, e.key, v as Scalar, false);
          } else if (e.key === 'args' && isSeq(v) && serverOfMap(y, node, images)?.startsWith('KServe')) {
            // KServe runtimes take the model as an argument: `--model_id=org/name`.
            const items = y.items(v);
            items.forEach((item, i) => {
              const t = y.str(item);
              if (t === undefined || !MODEL_ARG.test(t)) return;
              const eq = t.indexOf('=');
              if (eq !== -1) add(frames, 'args', item as Scalar, false, eq + 1);
              else if (items[i + 1] && isScalar(items[i + 1])) add(frames, 'args', items[i + 1] as Scalar, false);
            });
          } else if (!['example', 'examples'].includes(e.key.toLowerCase())) walk(v, [...path, e.key], frames, depth + 1);
        }
      } else if (isSeq(node)) {
        y.items(node).forEach((item, i) => {
          walk(item, [...path.slice(0, -1), `${path[path.length - 1] ?? ''}[${i}]`], stack, depth + 1);
        });
      }
    };
    for (const doc of y.documents) walk(y.root(doc), [], [], 0);
    file.checkAliasLimit();
    return out;
  });
}

// ---------------------------------------------------------------- hub downloads

export interface HubDownload {
  command: LocatedCommand;
  /** `huggingface-cli download`, `hf download`. */
  tool: string;
  repo: ResolvedWord;
  revision?: ResolvedWord;
  repoType?: string;
}

/** `huggingface-cli download REPO` / `hf download REPO` (model repositories only). */
export function hubDownloads(file: FileModel, project?: ProjectModel): HubDownload[] {
  return file.memo('facts:hub-downloads', () => {
    const out: HubDownload[] = [];
    for (const cmd of commands(file)) {
      const start = innerStart(cmd.words);
      const tool = base(cmd.words[start]?.value);
      if ((tool !== 'huggingface-cli' && tool !== 'hf') || cmd.words[start + 1]?.value !== 'download') continue;
      const lookup = variables(file, cmd, project);
      const { flags, positionals } = parseOptions(cmd.words, start + 2, lookup, new Set(['--quiet', '--force-download', '--resume-download', '--local-dir-use-symlinks']));
      const repo = positionals[0];
      if (!repo) continue;
      const rt = flags.get('--repo-type');
      const repoType = rt && rt !== true ? rt.value : undefined;
      if (repoType && repoType !== 'model') continue;
      const rev = flags.get('--revision');
      out.push({ command: cmd, tool: `${tool} download`, repo, revision: rev && rev !== true ? rev : undefined, repoType });
    }
    return out;
  });
}

// ---------------------------------------------------------------- model arguments of programs

/**
 * Arguments through which Hugging Face training and conversion programs take a Hub model
 * (transformers and TRL `ModelArguments`, FastChat, LLaMA-Factory, alpaca-lora, diffusers
 * training scripts), written with `-` for `_`, and the argument that pins each one's revision.
 */
const MODEL_ARGS: ReadonlyMap<string, { role: 'model' | 'tokenizer'; revision: string }> = new Map([
  ['--model-name-or-path', { role: 'model', revision: '--model_revision' }],
  ['--pretrained-model-name-or-path', { role: 'model', revision: '--revision' }],
  ['--base-model', { role: 'model', revision: '--base_model_revision' }],
  ['--base-model-name-or-path', { role: 'model', revision: '--base_model_revision' }],
  ['--model-id', { role: 'model', revision: '--revision' }],
  ['--model-path', { role: 'model', revision: '--revision' }],
  ['--pretrained-model-path', { role: 'model', revision: '--revision' }],
  ['--tokenizer-name', { role: 'tokenizer', revision: '--tokenizer_revision' }],
  ['--tokenizer-name-or-path', { role: 'tokenizer', revision: '--tokenizer_revision' }],
  ['--tokenizer-model', { role: 'tokenizer', revision: '--tokenizer_revision' }], // Megatron-LM with `--tokenizer-type HuggingFaceTokenizer`
]);
const MODEL_REVISION_ARGS = new Set(['--model-revision', '--revision', '--base-model-revision', '--revision-of-model']);
/** Commands that print or pass text on rather than run a program. */
const NOT_PROGRAMS = new Set(['echo', 'printf', 'cat', 'tee', 'grep', 'sed', 'awk', 'test', '[', 'export', 'local', 'declare', 'readonly', 'set']);

export interface ModelArg {
  command: LocatedCommand;
  /** The program that receives it, for messages: `train_mem.py`, `trl`, `finetune.py`. */
  program: string;
  /** The argument as written: `--model_name_or_path`. */
  flag: string;
  role: 'model' | 'tokenizer';
  model: ResolvedWord;
  revision?: ResolvedWord;
  /** The argument to suggest for the revision, spelled like `flag`. */
  revisionFlag: string;
}

/**
 * A command's words with argument lists held in script variables opened up: `torchrun
 * train.py $OPTIONS` where `OPTIONS="--tokenizer-model org/name ..."`, or `"${ARGS[@]}"` where
 * `ARGS=(--model_name_or_path org/name)`. The shell splits such an unquoted expansion into words.
 */
function expandArgVariables(cmd: LocatedCommand): ShellWord[] {
  const script = cmd.script;
  if (!script || script.variables.length === 0) return cmd.words;
  const out: ShellWord[] = [];
  for (const w of cmd.words) {
    const m = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/.exec(w.raw) ?? /^"?\$\{([A-Za-z_][A-Za-z0-9_]*)\[[@*]\]\}"?$/.exec(w.raw);
    const hits = m ? script.variables.filter((v) => v.name === m[1] && v.span.start < cmd.span.start) : [];
    const value = hits[hits.length - 1]?.value;
    if (!value || !/(^|\s|\()--?[A-Za-z]/.test(value.value)) {
      out.push(w);
      continue;
    }
    const text = value.value;
    const re = /[^\s()\\]+/g;
    for (let part = re.exec(text); part; part = re.exec(text)) {
      const at = part.index;
      const v = part[0].replace(/^(["'])(.*)\1$/, '$2');
      const shift = part[0] === v ? 0 : 1;
      out.push({
        value: v,
        raw: part[0],
        span: { start: value.map.toSource(at), end: value.map.toSource(at + part[0].length) },
        literal: !/[$`]/.test(v),
        map: { toSource: (o) => value.map.toSource(at + shift + o) },
      });
    }
  }
  return out;
}

/**
 * Hub models passed to programs that are not model servers: fine-tuning launches
 * (`torchrun train.py --model_name_or_path M`, `deepspeed`, `accelerate launch`, `trl sft`,
 * `llamafactory-cli train`, `python -m module`, through `srun`), conversion and evaluation
 * scripts, with the revision argument given next to them.
 */
export function modelArgs(file: FileModel, project?: ProjectModel): ModelArg[] {
  return file.memo('facts:model-args', () => {
    const out: ModelArg[] = [];
    for (const cmd of commands(file)) {
      const words = expandArgVariables(cmd);
      const start = innerStart(words);
      const w0 = base(words[start]?.value);
      if (NOT_PROGRAMS.has(w0) || recognise(words, start)) continue;
      if (!words.some((w) => /^--[a-z_-]+/i.test(w.value) && MODEL_ARGS.has(w.value.replace(/=.*$/s, '').replace(/_/g, '-')))) continue;
      if (lmEvalRuns(file, project).some((r) => r.command === cmd)) continue;
      const lookup = variables(file, cmd, project);
      const { flags } = parseOptions(words, start + 1, lookup, new Set());
      const inv = invocation(words.slice(start));
      const program = inv?.program ?? w0;
      const revision = [...MODEL_REVISION_ARGS].map((f) => flags.get(f)).find((v): v is ResolvedWord => !!v && v !== true);
      const tokenizerRevision = flags.get('--tokenizer-revision');
      for (const [name, spec] of MODEL_ARGS) {
        const model = flags.get(name);
        if (!model || model === true) continue;
        const written = words.find((w) => w.value.replace(/=.*$/s, '').replace(/_/g, '-') === name)?.value.replace(/=.*$/s, '') ?? name;
        const snake = written.includes('_');
        const rev = spec.role === 'tokenizer' ? (tokenizerRevision && tokenizerRevision !== true ? tokenizerRevision : undefined) : revision;
        out.push({ command: cmd, program, flag: written, role: spec.role, model, revision: rev, revisionFlag: snake ? spec.revision : spec.revision.replace(/_/g, '-') });
      }
    }
    return out;
  });
}

// ---------------------------------------------------------------- lm-evaluation-harness

export interface LmEvalRun {
  command: LocatedCommand;
  /** `--model hf|vllm|...`. */
  backend?: string;
  /** The `--model_args` word, and its `key=value` pairs with the spans of the values. */
  argsWord?: ShellWord;
  modelArgs: Map<string, { value: string; span: Span; exact: boolean }>;
}

/** `lm_eval` / `lm-eval` / `python -m lm_eval` / `accelerate launch -m lm_eval`. */
export function lmEvalRuns(file: FileModel, project?: ProjectModel): LmEvalRun[] {
  return file.memo('facts:lm-eval', () => {
    const out: LmEvalRun[] = [];
    for (const cmd of commands(file)) {
      const words = cmd.words;
      const start = innerStart(words);
      const w0 = base(words[start]?.value);
      let from = -1;
      if (w0 === 'lm_eval' || w0 === 'lm-eval') from = start + 1;
      else if (/^python(\d(\.\d+)?)?$/.test(w0) || (w0 === 'accelerate' && words[start + 1]?.value === 'launch')) {
        const m = words.findIndex((x, n) => n > start && x.value === '-m');
        if (m !== -1 && (words[m + 1]?.value === 'lm_eval' || words[m + 1]?.value === 'lm_eval.__main__')) from = m + 2;
      }
      if (from === -1) continue;
      const lookup = variables(file, cmd, project);
      const run: LmEvalRun = { command: cmd, modelArgs: new Map() };
      for (let i = from; i < words.length; i++) {
        const v = words[i]?.value ?? '';
        const eq = v.indexOf('=');
        const name = eq === -1 ? v : v.slice(0, eq);
        if (name !== '--model' && name !== '--model_args' && name !== '--model-args') continue;
        const word = eq === -1 ? words[i + 1] : words[i];
        if (!word) continue;
        const offset = eq === -1 ? 0 : eq + 1;
        if (name === '--model') run.backend = resolveWord(word, lookup, offset).value;
        else {
          run.argsWord = word;
          let pos = offset;
          for (const part of word.value.slice(offset).split(',')) {
            const k = part.indexOf('=');
            if (k !== -1) {
              const key = part.slice(0, k).trim();
              const valueStart = pos + k + 1;
              const raw = part.slice(k + 1);
              const r = substituteAll(raw, lookup);
              run.modelArgs.set(key, { value: r.value, exact: r.exact, span: { start: word.map.toSource(valueStart), end: word.map.toSource(valueStart + raw.length) } });
            }
            pos += part.length + 1;
          }
        }
        if (eq === -1) i++;
      }
      out.push(run);
    }
    return out;
  });
}

// ---------------------------------------------------------------- Ollama

export interface OllamaCommand {
  command: LocatedCommand;
  /** `pull`, `run`. */
  verb: string;
  model: ResolvedWord;
}

/** `ollama pull M` / `ollama run M`, also through `docker exec C ollama ...` and the like. */
export function ollamaCommands(file: FileModel, project?: ProjectModel): OllamaCommand[] {
  return file.memo('facts:ollama-commands', () => {
    const out: OllamaCommand[] = [];
    for (const cmd of commands(file)) {
      const start = innerStart(cmd.words);
      if (base(cmd.words[start]?.value) === 'curl') {
        const api = ollamaApiCall(cmd, start);
        if (api) out.push(api);
        continue;
      }
      if (base(cmd.words[start]?.value) !== 'ollama') continue;
      const verb = cmd.words[start + 1]?.value;
      if (verb !== 'pull' && verb !== 'run') continue;
      let i = start + 2;
      while (i < cmd.words.length && (cmd.words[i]?.value ?? '').startsWith('-')) i += /^--(format|keepalive)$/.test(cmd.words[i]?.value ?? '') ? 2 : 1;
      const w = cmd.words[i];
      if (!w) continue;
      out.push({ command: cmd, verb, model: resolveWord(w, variables(file, cmd, project)) });
    }
    return out;
  });
}

/** `curl http://host:11434/api/pull -d '{"model": "llama3"}'`: the model in the JSON body of an Ollama API call. */
function ollamaApiCall(cmd: LocatedCommand, start: number): OllamaCommand | undefined {
  const words = cmd.words;
  const url = words.find((w, i) => i > start && /\/api\/(pull|generate|chat|embed|embeddings|create|show|push)\b/.test(w.value) && /^(https?:\/\/)?[\w.-]+(:\d+)?\//.test(w.value));
  if (!url) return undefined;
  if (!/:11434\b|ollama/i.test(url.value)) return undefined;
  const verb = /\/api\/(\w+)/.exec(url.value)?.[1] ?? 'api';
  for (let i = start + 1; i < words.length; i++) {
    const flag = words[i]?.value ?? '';
    const inline = /^(--data(-raw|-binary)?|--json|-d)(=)?(.*)$/s.exec(flag);
    if (!inline) continue;
    const body = inline[3] || (inline[1] === '-d' && inline[4]) ? words[i] : words[i + 1];
    if (!body?.literal) continue;
    const offset = body === words[i] ? flag.length - (inline[4] ?? '').length : 0;
    const text = body.value.slice(offset);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      continue;
    }
    const key = json && typeof json === 'object' ? (['model', 'name'] as const).find((k) => typeof (json as Record<string, unknown>)[k] === 'string') : undefined;
    if (!key) continue;
    const value = (json as Record<string, string>)[key] as string;
    const m = new RegExp(`"${key}"\\s*:\\s*"`).exec(text);
    if (!m) continue;
    const at = offset + m.index + m[0].length;
    const span = { start: body.map.toSource(at), end: body.map.toSource(at + value.length) };
    return { command: cmd, verb, model: { word: body, value, exact: true, span, substituted: false } };
  }
  return undefined;
}

/**
 * `s.replace(/\$\{\{\s*([^}]*?)\s*\}\}/g, f)` in linear time: each GitHub expression `${{ ... }}`
 * (no `}` inside) is replaced by `f(match, trimmed expression)`. The regular expression tried
 * every split of a run of spaces among its three runs, and every start, when no `}}` followed.
 */
export function replaceExpressions(s: string, f: (m: string, expr: string) => string): string {
  let out = '';
  let from = 0;
  let at = 0;
  for (;;) {
    const i = s.indexOf('${{', at);
    if (i < 0) break;
    const close = s.indexOf('}', i + 3);
    // No `}` after this start: none after any later start either.
    if (close < 0) break;
    if (s[close + 1] !== '}') {
      // Every start before this `}` ends at it and fails.
      at = close + 1;
      continue;
    }
    out += s.slice(from, i) + f(s.slice(i, close + 2), s.slice(i + 3, close).trim());
    from = at = close + 2;
  }
  return from === 0 ? s : out + s.slice(from);
}
