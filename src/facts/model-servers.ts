import type { Settings } from '../config/types.js';
import type { FileModel } from '../model/file-model.js';
import type { ProjectModel } from '../model/project.js';
import { isMap, isScalar, isSeq, type YNode } from '../parse/yaml.js';
import type { ShellWord } from '../parse/shell.js';
import type { Span } from '../types.js';
import { readPackageJson } from '../util/pkg.js';
import { commands, type LocatedCommand } from './commands.js';
import { envEntries } from './env.js';
import { imageRefs, parseImage, substitute, type ImageRef } from './images.js';
import { allK8sObjects } from './k8s-objects.js';
import { servingImage } from './serving-images.js';
import { workloads, type Workload } from './workloads.js';
import { trimTrailing } from '../util/text.js';

/** What modelguard knows about one model server (src/data/model-servers.json). */
export interface ServerSpec {
  id: string;
  name: string;
  launchers: string[][];
  image?: { server: string; tags?: string; args?: string; defaultHost?: string; defaultPort?: number };
  hostFlags: string[];
  hostEnv?: string[];
  defaultHost: string;
  portFlags: string[];
  portEnv?: string[];
  defaultPort: number;
  apiKeyFlags: string[];
  apiKeyEnv: string[];
  /** Boolean flags / true-valued variables that turn on the server's own authentication. */
  authFlags?: string[];
  authEnv?: string[];
  configFlags?: string[];
  configEnv?: string[];
  socketFlags?: string[];
  /** How to give it a key, for messages; absent when the server has no authentication. */
  keyFix?: string;
}

let specs: ServerSpec[] | undefined;

export function serverSpecs(): ServerSpec[] {
  specs ??= readPackageJson<{ servers: ServerSpec[] }>('src', 'data', 'model-servers.json').servers;
  return specs;
}

/** Words that appear in any file that starts a known model server (a cheap prefilter). */
export function serverKeywords(): string[] {
  const words = new Set<string>();
  for (const s of serverSpecs()) for (const l of s.launchers) words.add(l[0] === '-m' ? ((l[1] as string).split('.')[0] as string) : (l[0] as string));
  return [...words];
}

/** An environment variable visible to a server process, from wherever it was set. */
export interface EnvValue {
  /** Undefined when the value is not written (a secret reference, a pass-through). */
  value?: string;
  span?: Span;
  /** For messages: `environment VLLM_API_KEY`, `ENV`, `env: secretKeyRef`. */
  source: string;
}

export type Binding = 'loopback' | 'all' | 'interface' | 'unknown' | 'socket';

/** A model server started by a file: a command, an image entrypoint, or `docker run`. */
export interface ServerLaunch {
  spec: ServerSpec;
  file: FileModel;
  /** The token findings point at: the launching words, or the image. */
  span: Span;
  origin: 'command' | 'image' | 'docker-run';
  /** For messages: `service "vllm"`, `script`, `CMD`, `job "eval" step 2`. */
  where: string;
  command?: LocatedCommand;
  workload?: Workload;
  /** The image the server runs in, when known (its ENV may set the listen address). */
  image?: ImageRef;
  /** Arguments after the launching words. */
  args: ShellWord[];
  env: Map<string, EnvValue>;
  /** Some of the environment comes from a file or object modelguard cannot read (`env_file`, `envFrom`). */
  envUnknown?: string;
  /** `docker run` options. */
  docker?: DockerRun;
  /** Helm values: the map that holds the image (`ollama:` / the root) and the document root. */
  helm?: { component: YNode | null; root: YNode | null; path: string };
  /** The listen address and port the server will use. */
  listen: Listen;
  apiKey: ApiKeyState;
}

export interface Listen {
  binding: Binding;
  /** The address as configured (`0.0.0.0`, `127.0.0.1`, `::`), or undefined when unknown. */
  host?: string;
  port?: number;
  /** How it was set: `--host 0.0.0.0`, `OLLAMA_HOST=0.0.0.0`, `default`, `image default`. */
  how: string;
  /** Where it was set, when written. */
  span?: Span;
  explicit: boolean;
}

export interface ApiKeyState {
  state: 'present' | 'absent' | 'unknown';
  /** What sets it or why it cannot be told: `--api-key`, `VLLM_API_KEY`, `env_file .env`. */
  via?: string;
}

export interface DockerRun {
  publish: Array<{ raw: string; span: Span }>;
  publishAll: boolean;
  hostNetwork: boolean;
}

const basename = (w: string): string => w.replace(/^.*\//, '').replace(/\.exe$/i, '');
const PYTHON = /^python(\d(\.\d+)?)?$/;
const WRAPPERS = new Set(['exec', 'nohup', 'time', 'nice', 'setsid', 'stdbuf', 'dumb-init', 'tini', 'catchsegv', 'command', 'sudo', 'ionice', 'chrt', 'caffeinate']);
const RUNNERS = new Set(['uv', 'poetry', 'pipenv', 'pdm', 'hatch', 'rye', 'conda', 'mamba', 'micromamba', 'pixi']);
const VALUE_OPTS = new Set(['-n', '--name', '-p', '--prefix', '--with', '--python', '--project', '--env-file', '-e', '--environment', '--directory', '-u', '--user', '-c', '--class', '--group', '-g']);

/** Skips process wrappers (`exec`, `nohup`, `env A=b`, `uv run`, `conda run -n x`) and returns where the real command starts. */
function skipWrappers(words: ShellWord[], env: Map<string, EnvValue>): number {
  let i = 0;
  while (i < words.length) {
    const w = basename(words[i]?.value ?? '');
    if (WRAPPERS.has(w)) {
      i++;
      while (i < words.length && (words[i]?.value ?? '').startsWith('-')) i += VALUE_OPTS.has(words[i]?.value ?? '') ? 2 : 1;
      continue;
    }
    if (w === 'env') {
      i++;
      while (i < words.length) {
        const v = words[i]?.value ?? '';
        const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(v);
        if (m) {
          env.set(m[1] as string, { value: m[2], span: words[i]?.span, source: `env ${m[1]}=` });
          i++;
        } else if (v.startsWith('-')) i += v === '-u' || v === '--unset' ? 2 : 1;
        else break;
      }
      continue;
    }
    if (RUNNERS.has(w) && words[i + 1]?.value === 'run') {
      i += 2;
      while (i < words.length && (words[i]?.value ?? '').startsWith('-')) {
        const v = words[i]?.value ?? '';
        i += VALUE_OPTS.has(v) ? 2 : 1;
      }
      continue;
    }
    break;
  }
  return i;
}

/** The server a command starts, and where its arguments begin. */
export function matchLauncher(words: ShellWord[], env = new Map<string, EnvValue>()): { spec: ServerSpec; start: number; end: number } | undefined {
  const i = skipWrappers(words, env);
  const first = words[i];
  if (!first) return undefined;
  const name = basename(first.value);
  if (PYTHON.test(name)) {
    let j = i + 1;
    while (j < words.length && words[j]?.value !== '-m' && (words[j]?.value ?? '').startsWith('-')) j += ['-X', '-W'].includes(words[j]?.value ?? '') ? 2 : 1;
    if (words[j]?.value !== '-m') return undefined;
    const mod = words[j + 1]?.value;
    for (const spec of serverSpecs()) for (const l of spec.launchers) if (l[0] === '-m' && l[1] === mod) return { spec, start: i, end: j + 2 };
    return undefined;
  }
  let best: { spec: ServerSpec; start: number; end: number } | undefined;
  for (const spec of serverSpecs()) {
    for (const l of spec.launchers) {
      if (l[0] === '-m' || l[0] !== name) continue;
      if (l.slice(1).every((sub, k) => words[i + 1 + k]?.value === sub) && (!best || best.end - best.start < l.length)) best = { spec, start: i, end: i + l.length };
    }
  }
  return best;
}

/** The value of an option (`--host 0.0.0.0`, `--host=0.0.0.0`, `-H 0.0.0.0`); the last one wins. */
export function optionValue(args: ShellWord[], flags: readonly string[]): { value: string; word: ShellWord; flag: string; literal: boolean; span: Span } | undefined {
  let found: ReturnType<typeof optionValue>;
  for (let i = 0; i < args.length; i++) {
    const w = args[i] as ShellWord;
    for (const f of flags) {
      if (w.value === f && args[i + 1]) {
        const v = args[i + 1] as ShellWord;
        found = { value: v.value, word: v, flag: f, literal: v.literal, span: { start: w.span.start, end: v.span.end } };
      } else if (f.startsWith('--') && w.value.startsWith(`${f}=`)) {
        found = { value: w.value.slice(f.length + 1), word: w, flag: f, literal: w.literal, span: w.span };
      }
    }
  }
  return found;
}

export function hasFlag(args: ShellWord[], flags: readonly string[]): boolean {
  return args.some((w) => flags.some((f) => w.value === f || (f.startsWith('--') && w.value.startsWith(`${f}=`))));
}

/** Classifies a listen address: `0.0.0.0`, `::`, `*`, empty → all; `127.x`, `localhost`, `::1` → loopback. */
export function classifyHost(host: string): Binding {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  if (h === '' || h === '0.0.0.0' || h === '::' || h === '*' || h === '0' || h === '::0') return 'all';
  if (h === 'localhost' || h === '::1' || /^127\./.test(h) || h === 'ip6-localhost') return 'loopback';
  if (h.includes('$')) return 'unknown';
  return 'interface';
}

/** `0.0.0.0:11434`, `:8080`, `http://[::]:11434`, `::` → host and port. */
export function parseListen(raw: string): { host: string; port?: number } {
  let s = trimTrailing(raw.trim().replace(/^[a-z]+:\/\//i, ''), '/');
  const br = /^\[([^\]]*)\](?::(\d+))?$/.exec(s);
  if (br) return { host: br[1] as string, ...(br[2] ? { port: Number(br[2]) } : {}) };
  if ((s.match(/:/g) ?? []).length === 1) {
    const [h, p] = s.split(':') as [string, string];
    s = h;
    return { host: s, ...(/^\d+$/.test(p) ? { port: Number(p) } : {}) };
  }
  return { host: s };
}

/** A value with `$VAR`/`${VAR:-default}` resolved from the environment, when it can be. */
function resolved(value: string, literal: boolean, env: Map<string, EnvValue>): string | undefined {
  if (literal && !value.includes('$')) return value;
  const r = substitute(value, (n) => env.get(n)?.value);
  return r.dynamic ? undefined : r.value;
}

function listenOf(spec: ServerSpec, args: ShellWord[], env: Map<string, EnvValue>, inImage: boolean): Listen {
  if (spec.socketFlags && hasFlag(args, spec.socketFlags)) return { binding: 'socket', how: optionValue(args, spec.socketFlags)?.flag ?? 'unix socket', explicit: true };
  let host: string | undefined;
  let port: number | undefined;
  let how = '';
  let span: Span | undefined;
  let explicit = false;
  let unknown = false;
  const flag = optionValue(args, spec.hostFlags);
  if (flag) {
    const v = resolved(flag.value, flag.literal, env);
    if (v === undefined) unknown = true;
    else {
      const l = parseListen(v);
      host = l.host;
      port = l.port;
    }
    how = `${flag.flag} ${flag.value}`;
    span = flag.span;
    explicit = true;
  } else {
    for (const name of spec.hostEnv ?? []) {
      const e = env.get(name);
      if (!e) continue;
      const v = e.value === undefined ? undefined : resolved(e.value, !e.value.includes('$'), env);
      if (v === undefined) unknown = true;
      else {
        const l = parseListen(v);
        host = l.host;
        port = l.port;
      }
      how = `${name}=${e.value ?? '(from elsewhere)'}`;
      span = e.span;
      explicit = true;
      break;
    }
  }
  if (!explicit) {
    host = inImage && spec.image?.defaultHost !== undefined ? spec.image.defaultHost : spec.defaultHost;
    how = inImage && spec.image?.defaultHost !== undefined ? `the image sets ${host}` : `default ${host}`;
  }
  const pflag = optionValue(args, spec.portFlags);
  if (pflag) {
    const v = resolved(pflag.value, pflag.literal, env);
    if (v && /^\d+$/.test(v)) port = Number(v);
    else if (!v) port = undefined;
  } else if (port === undefined) {
    const pe = (spec.portEnv ?? []).map((n) => env.get(n)?.value).find((v) => v !== undefined);
    const v = pe !== undefined ? resolved(pe, !pe.includes('$'), env) : undefined;
    port = v && /^\d+$/.test(v) ? Number(v) : inImage && spec.image?.defaultPort ? spec.image.defaultPort : spec.defaultPort;
  }
  return { binding: unknown ? 'unknown' : classifyHost(host ?? ''), ...(host !== undefined ? { host } : {}), ...(port !== undefined ? { port } : {}), how, ...(span ? { span } : {}), explicit };
}

function apiKeyOf(spec: ServerSpec, args: ShellWord[], env: Map<string, EnvValue>, envUnknown: string | undefined, project: ProjectModel | undefined, file: FileModel): ApiKeyState {
  if (!spec.keyFix) return { state: 'absent' };
  const flag = optionValue(args, spec.apiKeyFlags);
  if (flag) {
    // `--api-key ""` sets no key; a variable may hold one.
    if (flag.literal && flag.value.trim() === '') return { state: 'absent' };
    return { state: 'present', via: flag.flag };
  }
  if (spec.authFlags && hasFlag(args, spec.authFlags)) return { state: 'present', via: spec.authFlags[0] };
  for (const name of spec.authEnv ?? []) {
    const v = env.get(name);
    if (v && (v.value === undefined || /^(1|true|yes|on)$/i.test(v.value.trim()) || v.value.includes('$'))) return { state: 'present', via: name };
  }
  for (const name of spec.apiKeyEnv) {
    const e = env.get(name);
    if (!e) continue;
    if (e.value !== undefined && e.value.trim() === '') continue;
    return { state: 'present', via: name };
  }
  const cfg = spec.configFlags ? optionValue(args, spec.configFlags) : undefined;
  const cfgEnv = (spec.configEnv ?? []).find((n) => env.has(n));
  if (cfg || cfgEnv) {
    const path = cfg?.value ?? env.get(cfgEnv as string)?.value ?? '';
    const target = project ? findRepoFile(project, file, path) : undefined;
    if (target) {
      const y = target.yaml();
      const keys = y ? y.documents.flatMap((d) => y.entries(y.root(d)).map((e) => e.key.replace(/_/g, '-'))) : [];
      if (keys.some((k) => spec.apiKeyFlags.includes(`--${k}`))) return { state: 'present', via: `${cfg?.flag ?? cfgEnv} ${target.path}` };
      if (y) return { state: 'absent' };
    }
    return { state: 'unknown', via: `${cfg?.flag ?? cfgEnv} ${path}` };
  }
  if (envUnknown && spec.apiKeyEnv.length > 0) return { state: 'unknown', via: envUnknown };
  return { state: 'absent' };
}

/** A repository file named by a path in a config (absolute container paths match by their tail). */
export function findRepoFile(project: ProjectModel, from: FileModel, path: string): FileModel | undefined {
  if (!path || path.includes('$')) return undefined;
  const dir = from.path.split('/').slice(0, -1).join('/');
  const norm = (p: string): string => {
    const out: string[] = [];
    for (const part of p.split('/')) {
      if (part === '' || part === '.') continue;
      if (part === '..') out.pop();
      else out.push(part);
    }
    return out.join('/');
  };
  if (!path.startsWith('/')) {
    const rel = project.file(norm(dir ? `${dir}/${path}` : path)) ?? project.file(norm(path));
    if (rel) return rel;
  }
  const base = path.split('/').filter(Boolean).slice(-2).join('/');
  if (!base) return undefined;
  return project.files().find((f) => f.path === base || f.path.endsWith(`/${base}`));
}

function addEntries(env: Map<string, EnvValue>, entries: ReturnType<typeof envEntries>, source: (n: string) => string): void {
  for (const e of entries) env.set(e.name, { ...(e.value !== undefined ? { value: e.value } : {}), span: e.nameSpan, source: source(e.name) });
}

/** The environment of a compose service or Kubernetes container, and what could not be read. */
function workloadEnv(file: FileModel, w: Workload, project: ProjectModel | undefined): { env: Map<string, EnvValue>; unknown?: string } {
  const env = new Map<string, EnvValue>();
  const y = file.yaml();
  let unknown: string | undefined;
  if (w.kind === 'compose-service') {
    // env_file first: `environment:` wins over it.
    const envFile = y?.get(w.node, 'env_file');
    const files = isSeq(envFile) ? y?.items(envFile).map((i) => y.str(isMap(i) ? y.get(i, 'path') : i)) : [y?.str(envFile)];
    for (const p of files ?? []) {
      if (!p) continue;
      const target = project ? findRepoFile(project, file, p) : undefined;
      const example =
        !target && project
          ? (['.example', '.sample', '.template', '.dist'].map((s) => findRepoFile(project, file, `${p}${s}`)).find(Boolean) ?? findRepoFile(project, file, p.replace(/\.env$/, '.env.example')))
          : undefined;
      const src = target ?? example;
      // A template (.env.example) names the variables the real file sets; its values are placeholders.
      if (src && src.kind === 'dotenv')
        addEntries(
          env,
          envEntries(src).map((e) => (src === example ? { ...e, value: undefined } : e)),
          () => `env_file ${src.path}`,
        );
      else unknown ??= `env_file ${p}`;
    }
    // The same service in an override file next to this one (docker-compose.override.yml).
    if (project) {
      const dir = file.path.split('/').slice(0, -1).join('/');
      for (const other of project.withKind('compose')) {
        if (other === file || other.path.split('/').slice(0, -1).join('/') !== dir) continue;
        const same = workloads(other).find((o) => o.name === w.name);
        if (same)
          addEntries(
            env,
            envEntries(other).filter((e) => e.workload === same),
            (n) => `${other.path} environment ${n}`,
          );
      }
    }
  } else if (y) {
    for (const from of y.items(y.get(w.node, 'envFrom'))) {
      const ref = y.get(from, 'secretRef') ?? y.get(from, 'configMapRef');
      const name = y.str(y.get(ref, 'name'));
      const prefix = y.str(y.get(from, 'prefix')) ?? '';
      const kind = y.get(from, 'secretRef') ? 'Secret' : 'ConfigMap';
      const obj = name && project ? allK8sObjects(project).find((o) => o.kind === kind && o.name === name) : undefined;
      if (!obj) {
        unknown ??= `envFrom ${kind} ${name ?? '?'}`;
        continue;
      }
      for (const key of ['data', 'stringData']) {
        for (const e of obj.y.entries(obj.y.get(obj.node, key))) env.set(prefix + e.key, { span: obj.y.span(e.keyNode), source: `envFrom ${kind} ${name}` });
      }
    }
  }
  addEntries(
    env,
    envEntries(file).filter((e) => e.workload === w),
    (n) => `environment ${n}`,
  );
  return unknown ? { env, unknown } : { env };
}

/** Environment of a command outside workloads: script variables, CI env, Dockerfile ENV, assignments. */
function commandEnv(file: FileModel, c: LocatedCommand, project: ProjectModel | undefined): { env: Map<string, EnvValue>; unknown?: string } {
  const env = new Map<string, EnvValue>();
  let unknown: string | undefined;
  const entries = envEntries(file);
  switch (c.origin) {
    case 'script': {
      addEntries(
        env,
        entries.filter((e) => e.nameSpan.start < c.span.start),
        (n) => `${n}=`,
      );
      // `source .env` / `. ./config.env` before the command.
      for (const other of commands(file)) {
        if (other.span.start >= c.span.start || !['source', '.'].includes(other.words[0]?.value ?? '') || !other.words[1]) continue;
        const p = other.words[1].value;
        const target = project && other.words[1].literal ? findRepoFile(project, file, p) : undefined;
        if (target?.kind === 'dotenv') addEntries(env, envEntries(target), () => `source ${target.path}`);
        else if (target?.kind === 'shell') addEntries(env, envEntries(target), () => `source ${target.path}`);
        else unknown ??= `source ${p}`;
      }
      break;
    }
    case 'gha-run': {
      const job = c.job;
      const step = c.step !== undefined ? c.step + 1 : -1;
      addEntries(
        env,
        entries.filter((e) => e.where === 'workflow' || e.where === `job "${job}"` || e.where === `job "${job}" step ${step}`),
        (n) => `env ${n}`,
      );
      break;
    }
    case 'gitlab-script':
      addEntries(
        env,
        entries.filter((e) => e.where === 'global variables' || e.where === `job "${c.job}"`),
        (n) => `variables ${n}`,
      );
      break;
    case 'dockerfile-cmd':
    case 'dockerfile-entrypoint':
    case 'dockerfile-run': {
      // ENV of the stage that runs the command.
      const df = file.dockerfile();
      const stageStart = Math.max(0, ...(df?.froms ?? []).map((f) => f.instruction.span.start).filter((s) => s < c.span.start));
      addEntries(
        env,
        entries.filter((e) => e.origin === 'dockerfile-env' && e.nameSpan.start > stageStart && e.nameSpan.start < c.span.start),
        (n) => `ENV ${n}`,
      );
      break;
    }
    default:
      break;
  }
  // Variables set earlier in the same embedded script (`export VLLM_API_KEY=...; vllm serve`).
  if (c.script && c.origin !== 'script')
    for (const v of c.script.variables) if (v.span.start < c.span.start) env.set(v.name, { ...(v.value ? { value: v.value.value } : {}), span: v.span, source: `${v.name}=` });
  for (const a of c.assignments) env.set(a.name, { ...(a.value ? { value: a.value.value } : {}), span: a.span, source: `${a.name}=` });
  return unknown ? { env, unknown } : { env };
}

const DOCKER_VALUE_OPTS = new Set([
  '-p',
  '--publish',
  '-e',
  '--env',
  '--env-file',
  '--network',
  '--net',
  '-v',
  '--volume',
  '--name',
  '--gpus',
  '--ipc',
  '--shm-size',
  '-w',
  '--workdir',
  '--entrypoint',
  '-u',
  '--user',
  '--mount',
  '--runtime',
  '--restart',
  '-l',
  '--label',
  '--cpus',
  '-m',
  '--memory',
  '--device',
  '--ulimit',
  '--cap-add',
  '--cap-drop',
  '--platform',
  '--pull',
  '--add-host',
  '-h',
  '--hostname',
  '--log-driver',
  '--log-opt',
  '--pid',
  '--security-opt',
  '--tmpfs',
  '--expose',
  '--link',
  '--dns',
  '--cidfile',
  '--stop-signal',
  '--health-cmd',
  '--health-interval',
  '--memory-swap',
  '--cpuset-cpus',
  '--group-add',
  '--userns',
]);

/** `docker run [options] image [args]` (also podman, nerdctl): options, image and arguments. */
export function parseDockerRun(words: ShellWord[]): { image: ShellWord; args: ShellWord[]; run: DockerRun; env: Map<string, EnvValue>; envFiles: string[]; entrypoint?: ShellWord } | undefined {
  const tool = basename(words[0]?.value ?? '');
  if (!['docker', 'podman', 'nerdctl'].includes(tool)) return undefined;
  let i = 1;
  if (words[i]?.value === 'container') i++;
  if (words[i]?.value !== 'run') return undefined;
  i++;
  const run: DockerRun = { publish: [], publishAll: false, hostNetwork: false };
  const env = new Map<string, EnvValue>();
  const envFiles: string[] = [];
  let entrypoint: ShellWord | undefined;
  while (i < words.length) {
    const w = words[i] as ShellWord;
    const v = w.value;
    if (!v.startsWith('-') || v === '-') break;
    if (v === '--') {
      i++;
      break;
    }
    const eq = v.indexOf('=');
    const name = v.startsWith('--') && eq !== -1 ? v.slice(0, eq) : v;
    let value: ShellWord | undefined;
    if (v.startsWith('--') && eq !== -1) value = { ...w, value: v.slice(eq + 1) };
    else if (DOCKER_VALUE_OPTS.has(name)) {
      value = words[i + 1];
      i++;
    } else if (/^-[a-zA-Z]{2,}$/.test(v) && DOCKER_VALUE_OPTS.has(`-${v[v.length - 1]}`)) {
      // `-dp 8000:8000`: combined short flags, the last one takes the value.
      value = words[i + 1];
      i++;
      const last = `-${v[v.length - 1]}`;
      if (last === '-p') run.publish.push({ raw: value?.value ?? '', span: value?.span ?? w.span });
      if (v.slice(1, -1).includes('P')) run.publishAll = true;
      i++;
      continue;
    } else if (/^-[a-zA-Z]+$/.test(v) && v.includes('P')) run.publishAll = true;
    if (name === '--publish-all') run.publishAll = true;
    if ((name === '-p' || name === '--publish') && value) run.publish.push({ raw: value.value, span: value.span });
    if ((name === '--network' || name === '--net') && value?.value === 'host') run.hostNetwork = true;
    if ((name === '-e' || name === '--env') && value) {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:=(.*))?$/s.exec(value.value);
      if (m) env.set(m[1] as string, { ...(m[2] !== undefined ? { value: m[2] } : {}), span: value.span, source: `-e ${m[1]}` });
    }
    if (name === '--env-file' && value) envFiles.push(value.value);
    if (name === '--entrypoint' && value) entrypoint = value;
    i++;
  }
  const image = words[i];
  if (!image) return undefined;
  return { image, args: words.slice(i + 1), run, env, envFiles, ...(entrypoint ? { entrypoint } : {}) };
}

function whereOf(w: Workload): string {
  return w.kind === 'compose-service' ? `service "${w.name}"` : `${w.owner} container "${w.name}"`;
}

/** The spec of the server an image runs by default, if it is one (and the tag runs the server). */
export function imageServer(ref: ImageRef | undefined, settings: Settings): ServerSpec | undefined {
  if (!ref) return undefined;
  const server = servingImage(ref, settings);
  if (!server) return undefined;
  const spec = serverSpecs().find((s) => s.image?.server === server);
  if (!spec?.image) return undefined;
  if (spec.image.tags && !new RegExp(spec.image.tags).test(ref.tag ?? '')) return undefined;
  return spec;
}

function imageOfWorkload(file: FileModel, w: Workload): ImageRef | undefined {
  return imageRefs(file).find((r) => w.image && r.span.start === file.yaml()?.span(w.image).start);
}

/**
 * Every model server a file starts: commands (`vllm serve`, `python -m
 * vllm.entrypoints.openai.api_server`, `text-generation-launcher`, `llama-server`, `python -m
 * sglang.launch_server`, `ollama serve`, ...) in scripts, CI steps, Dockerfiles, compose and
 * Kubernetes; serving images whose entrypoint is the server (compose services and Kubernetes
 * containers that give only arguments); and `docker run` of such images. Each with its
 * arguments, the environment it sees, where it listens and whether it has an API key.
 */
export function serverLaunches(file: FileModel, project: ProjectModel | undefined, settings: Settings): ServerLaunch[] {
  return file.memo('facts:model-server-launches', () => {
    const out: ServerLaunch[] = [];
    const cmds = commands(file);
    const launchedIn = new Set<Workload>();
    const make = (l: Omit<ServerLaunch, 'listen' | 'apiKey'>, inImage: boolean): ServerLaunch => ({
      ...l,
      listen: listenOf(l.spec, l.args, l.env, inImage),
      apiKey: apiKeyOf(l.spec, l.args, l.env, l.envUnknown, project, file),
    });
    for (const c of cmds) {
      // Dockerfile CMD/ENTRYPOINT are combined below; RUN happens at build time.
      if (file.kind === 'dockerfile') continue;
      const prefixEnv = new Map<string, EnvValue>();
      const m = matchLauncher(c.words, prefixEnv);
      if (m) {
        const base = c.workload ? workloadEnv(file, c.workload, project) : commandEnv(file, c, project);
        const env = new Map([...base.env, ...(c.workload ? commandEnv(file, c, project).env : []), ...prefixEnv]);
        const image = c.workload ? imageOfWorkload(file, c.workload) : undefined;
        const inImage = !!image && imageServer(image, settings)?.id === m.spec.id;
        if (c.workload) launchedIn.add(c.workload);
        out.push(
          make(
            {
              spec: m.spec,
              file,
              span: { start: (c.words[m.start] as ShellWord).span.start, end: (c.words[m.end - 1] as ShellWord).span.end },
              origin: 'command',
              where: c.workload ? whereOf(c.workload) : c.where,
              command: c,
              ...(c.workload ? { workload: c.workload } : {}),
              ...(image ? { image } : {}),
              args: c.words.slice(m.end),
              env,
              ...(base.unknown ? { envUnknown: base.unknown } : {}),
            },
            inImage,
          ),
        );
        continue;
      }
      const d = parseDockerRun(c.words.slice(skipWrappers(c.words, new Map())));
      if (!d) continue;
      const ref = parseImage(d.image.value);
      const imageRef: ImageRef = { raw: d.image.value, resolved: d.image.value, ...ref, span: d.image.span, dynamic: !d.image.literal, where: c.where };
      const envBase = commandEnv(file, c, project);
      let unknown = envBase.unknown;
      for (const p of d.envFiles) {
        const target = project ? findRepoFile(project, file, p) : undefined;
        if (target?.kind === 'dotenv') addEntries(d.env, envEntries(target), () => `--env-file ${target.path}`);
        else unknown ??= `--env-file ${p}`;
      }
      // Values of `-e NAME` without `=` come from the calling shell.
      for (const [k, v] of d.env) if (v.value === undefined && envBase.env.has(k)) d.env.set(k, { ...v, ...(envBase.env.get(k)?.value !== undefined ? { value: envBase.env.get(k)?.value } : {}) });
      const inner = d.entrypoint ? matchLauncher([d.entrypoint, ...d.args]) : undefined;
      const spec = inner?.spec ?? (d.entrypoint ? undefined : imageServer(imageRef, settings));
      if (!spec) continue;
      if (!inner && spec.image?.args && !new RegExp(spec.image.args).test(d.args[0]?.value ?? '')) continue;
      out.push(
        make(
          {
            spec,
            file,
            span: d.image.span,
            origin: 'docker-run',
            where: c.where,
            command: c,
            image: imageRef,
            args: inner ? [d.entrypoint as ShellWord, ...d.args].slice(inner.end) : d.args,
            env: d.env,
            ...(unknown ? { envUnknown: unknown } : {}),
            docker: d.run,
          },
          imageServer(imageRef, settings)?.id === spec.id,
        ),
      );
    }
    // Workloads whose image entrypoint is the server: compose `command:` / Kubernetes `args:` are its arguments.
    if (file.kind === 'compose' || file.kind === 'k8s' || file.kind === 'helm-values') {
      const y = file.yaml();
      for (const w of workloads(file)) {
        if (launchedIn.has(w) || w.entrypoint || !w.image || !y) continue;
        const image = imageOfWorkload(file, w);
        const spec = imageServer(image, settings);
        if (!spec || !image) continue;
        const own = cmds.filter((c) => c.workload === w);
        const args = own[0]?.words ?? [];
        if (spec.image?.args && !new RegExp(spec.image.args).test(args[0]?.value ?? '')) continue;
        const { env, unknown } = workloadEnv(file, w, project);
        out.push(make({ spec, file, span: y.span(w.image as YNode), origin: 'image', where: whereOf(w), workload: w, image, args, env, ...(unknown ? { envUnknown: unknown } : {}) }, true));
      }
    }
    if (file.kind === 'helm-values') out.push(...helmLaunches(file, settings, out));
    if (file.kind === 'dockerfile') {
      const rt = dockerRuntime(file);
      const first = rt?.entrypoint?.[0] ?? rt?.cmd?.[0];
      if (rt) {
        const env = first ? commandEnv(file, first, project).env : new Map<string, EnvValue>();
        if (!first)
          addEntries(
            env,
            envEntries(file).filter((e) => e.origin === 'dockerfile-env' && e.nameSpan.start > rt.stageStart),
            (n) => `ENV ${n}`,
          );
        const inImage = (spec: ServerSpec): boolean => imageServer(rt.base, settings)?.id === spec.id;
        const exec = rt.entrypoint?.[0]?.exec ? rt.entrypoint[0] : undefined;
        const launchAt = (c: LocatedCommand, words: ShellWord[], where: string): boolean => {
          const m = matchLauncher(words, new Map(env));
          if (!m) return false;
          const cenv = new Map([...env, ...c.assignments.map((a) => [a.name, { ...(a.value ? { value: a.value.value } : {}), span: a.span, source: `${a.name}=` }] as const)]);
          out.push(
            make(
              {
                spec: m.spec,
                file,
                span: { start: (words[m.start] as ShellWord).span.start, end: (words[m.end - 1] as ShellWord).span.end },
                origin: 'command',
                where,
                command: c,
                ...(rt.base ? { image: rt.base } : {}),
                args: words.slice(m.end),
                env: cenv,
              },
              inImage(m.spec),
            ),
          );
          return true;
        };
        if (exec) {
          // Exec-form ENTRYPOINT: an exec-form CMD supplies its arguments.
          launchAt(exec, [...exec.words, ...(rt.cmd?.[0]?.exec ? rt.cmd[0].words : [])], 'ENTRYPOINT');
        } else if (rt.entrypoint) {
          for (const c of rt.entrypoint) launchAt(c, c.words, 'ENTRYPOINT');
        } else {
          let launched = false;
          for (const c of rt.cmd ?? []) launched = launchAt(c, c.words, 'CMD') || launched;
          // No ENTRYPOINT: a serving base image's own entrypoint takes CMD as its arguments.
          const spec = imageServer(rt.base, settings);
          if (!launched && !rt.cleared && spec && rt.base) {
            const args = rt.cmd?.[0]?.exec ? rt.cmd[0].words : [];
            if (!spec.image?.args || new RegExp(spec.image.args).test(args[0]?.value ?? '')) {
              out.push(make({ spec, file, span: rt.base.span, origin: 'image', where: `FROM ${rt.base.raw}`, image: rt.base, args, env }, true));
            }
          }
        }
      }
    }
    return out;
  });
}

/**
 * What the image of a Dockerfile's final stage runs: its base image (through `FROM stage`
 * chains) and the commands of the last ENTRYPOINT and CMD of those stages. An ENTRYPOINT
 * resets a CMD inherited from an earlier stage; `ENTRYPOINT []` clears the entrypoint.
 */
function dockerRuntime(file: FileModel): { base?: ImageRef; entrypoint?: LocatedCommand[]; cmd?: LocatedCommand[]; stageStart: number; cleared: boolean } | undefined {
  const df = file.dockerfile();
  if (!df || df.froms.length === 0) return undefined;
  const starts = df.froms.map((f) => f.instruction.span.start);
  const chain: number[] = [];
  let i = df.froms.length - 1;
  for (let guard = 0; i >= 0 && guard < 50; guard++) {
    chain.unshift(i);
    const img = (df.froms[i] as (typeof df.froms)[number]).image.toLowerCase();
    const parent = df.froms.findIndex((f, k) => k < i && f.stage?.toLowerCase() === img);
    if (parent === -1) break;
    i = parent;
  }
  const stageOf = (pos: number): number => starts.filter((st) => st <= pos).length - 1;
  const inChain = (pos: number): boolean => chain.includes(stageOf(pos));
  const root = df.froms[chain[0] as number];
  const base = imageRefs(file).find((r) => root && r.span.start === root.imageSpan.start);
  const last = (kw: string) => df.instructions.filter((ins) => ins.keyword === kw && inChain(ins.span.start)).pop();
  const ep = last('ENTRYPOINT');
  let cmd = last('CMD');
  if (ep && cmd && stageOf(cmd.span.start) < stageOf(ep.span.start)) cmd = undefined;
  const own = (ins: NonNullable<typeof ep>): LocatedCommand[] =>
    commands(file).filter((c) => c.span.start >= ins.span.start && c.span.end <= ins.span.end && (c.origin === 'dockerfile-cmd' || c.origin === 'dockerfile-entrypoint'));
  const cleared = !!ep && !ep.exec && /^\s*\[\s*\]\s*$/.test(ep.argsText);
  return {
    ...(base ? { base } : {}),
    ...(ep && !cleared ? { entrypoint: own(ep) } : {}),
    ...(cmd ? { cmd: own(cmd) } : {}),
    stageStart: starts[chain[chain.length - 1] as number] as number,
    cleared,
  };
}

/** `values a.b[0].image` → the path of the map that holds the image: ['a', 'b', 0]. */
function componentPath(where: string): Array<string | number> {
  const parts = where
    .replace(/^values ?/, '')
    .split('.')
    .filter(Boolean);
  parts.pop();
  return parts.flatMap((p) => {
    const m = /^(.*)\[(\d+)\]$/.exec(p);
    return m ? [...(m[1] ? [m[1]] : []), Number(m[2])] : [p];
  });
}

function valueWord(y: NonNullable<ReturnType<FileModel['yaml']>>, n: YNode): ShellWord {
  const v = y.str(n) ?? '';
  return { value: v, raw: v, span: y.span(n), literal: !v.includes('$') && !v.includes('{{'), map: y.valueMap(n as never) };
}

/**
 * Helm values that deploy a serving image (`image: {repository: ollama/ollama}`): the chart
 * decides the rest, so modelguard reads the conventional keys next to the image: `args`,
 * `extraArgs`, `env`/`extraEnv`, API-key settings, and (in exposure) `service.type`,
 * `ingress.enabled`, `hostNetwork`.
 */
function helmLaunches(file: FileModel, settings: Settings, already: ServerLaunch[]): ServerLaunch[] {
  const y = file.yaml();
  const out: ServerLaunch[] = [];
  if (!y) return out;
  for (const ref of imageRefs(file)) {
    if (already.some((l) => l.image && l.image.span.start === ref.span.start)) continue;
    const spec = imageServer(ref, settings);
    if (!spec) continue;
    for (const doc of y.documents) {
      const root = y.root(doc);
      const path = componentPath(ref.where);
      const component = path.length > 0 ? y.getIn(root, path) : root;
      if (!component || !isMap(component)) continue;
      const args: ShellWord[] = [];
      const env = new Map<string, EnvValue>();
      let keyed: string | undefined;
      for (const e of y.entries(component)) {
        if (/^(extra)?args$/i.test(e.key) || e.key === 'command') for (const i of y.items(e.value)) if (isScalar(i)) args.push(valueWord(y, i));
        if (/^(extra)?env(vars)?$/i.test(e.key)) {
          for (const i of y.items(e.value)) {
            const name = y.str(y.get(i, 'name'));
            if (name) env.set(name, { ...(y.str(y.get(i, 'value')) !== undefined ? { value: y.str(y.get(i, 'value')) } : {}), span: y.span(i), source: `values ${e.key}` });
          }
          for (const m of y.entries(isMap(e.value) ? e.value : null))
            env.set(m.key, { ...(y.str(m.value) !== undefined ? { value: y.str(m.value) } : {}), span: y.span(m.keyNode), source: `values ${e.key}` });
        }
        if (/api[-_]?keys?$/i.test(e.key) && ((y.str(e.value) ?? '').trim() !== '' || isMap(e.value))) keyed ??= e.key;
      }
      const launch: ServerLaunch = {
        spec,
        file,
        span: ref.span,
        origin: 'image',
        where: ref.where,
        image: ref,
        args,
        env,
        helm: { component, root, path: path.join('.') },
        listen: listenOf(spec, args, env, true),
        apiKey: keyed ? { state: 'present', via: keyed } : apiKeyOf(spec, args, env, undefined, undefined, file),
      };
      out.push(launch);
      break;
    }
  }
  return out;
}
