import type { ShellWord } from '../../parse/shell.js';
import { cutAtAny, trimTrailing } from '../../util/text.js';

/**
 * A command with its launchers opened up: `npx promptfoo@0.103 redteam run` is `promptfoo`,
 * `accelerate launch --num_processes 8 -m axolotl.cli.train cfg.yml` is `axolotl.cli.train`,
 * `python llama.cpp/convert_hf_to_gguf.py` is `convert_hf_to_gguf.py`.
 */
export interface Invocation {
  /** The program's name: a basename, a Python module, or a script's file name. */
  program: string;
  /** The program as a path, when it is a file (`./scripts/release.sh`, `llama.cpp/convert_hf_to_gguf.py`). */
  path?: string;
  /** How a script program runs. `exec`: a path run directly (its shebang decides). */
  runner?: 'python' | 'shell' | 'make' | 'exec';
  /** The program word. */
  word: ShellWord;
  /** The words after the program. */
  args: ShellWord[];
  /** Flags given to the shell that runs a script (`bash -e x.sh`). */
  shellFlags?: string;
  /** `python -m module`. */
  module?: string;
}

const PASSTHROUGH = new Set([
  'env',
  'sudo',
  'nohup',
  'time',
  'exec',
  'command',
  'builtin',
  'nice',
  'stdbuf',
  'xvfb-run',
  'unbuffer',
  'ionice',
  'doas',
  'caffeinate',
  'srun',
  'mpirun',
  'mpiexec',
  'dotenv',
  'with-contenv',
]);
/** Flags of pass-through wrappers that take a value. */
const WRAPPER_ARG_FLAGS = new Set([
  '-u',
  '-g',
  '-n',
  '-s',
  '-k',
  '-C',
  '-c',
  '-p',
  '--package',
  '--from',
  '--with',
  '--python',
  '--name',
  '--prefix',
  '-N',
  '--nodes',
  '--ntasks',
  '-np',
  '--gpus',
  '--env-file',
  '-e',
]);
const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ash', 'ksh']);
const PY = /^(python[0-9.]*|py|pypy[0-9.]*)$/;
/** Flags of launchers (accelerate, torchrun, deepspeed) that take no value. */
const LAUNCHER_BOOL = new Set([
  '--multi_gpu',
  '--use_deepspeed',
  '--use_fsdp',
  '--use_megatron_lm',
  '--standalone',
  '--cpu',
  '--debug',
  '-q',
  '--quiet',
  '--no_python',
  '--module',
  '-m',
  '--tpu',
  '--use_xpu',
  '--no-python',
  '--autotune',
  '--enable_each_rank_log',
  '--bind_cores_to_rank',
  '--force_multi',
  '--no_local_rank',
  '--monitor_interval',
  '--dynamo_use_fullgraph',
  '--downcast_bf16',
]);

function base(value: string): string {
  return trimTrailing(value, '/').replace(/^.*\//, '');
}

/** `promptfoo@0.103.5` → `promptfoo`; `@scope/pkg@1` → `pkg`. */
function npmName(value: string): string {
  const v = value.replace(/^@[^/]+\//, '');
  return cutAtAny(v, '@');
}

/** Skips launcher flags (`--num_processes 8`, `--nproc_per_node=8`) up to the script or `-m`. */
function skipLauncherFlags(words: ShellWord[], i: number): number {
  while (i < words.length) {
    const v = (words[i] as ShellWord).value;
    if (v === '-m' || v === '--module') return i;
    if (!v.startsWith('-')) return i;
    if (v.includes('=') || LAUNCHER_BOOL.has(v)) {
      i++;
      continue;
    }
    const next = words[i + 1]?.value;
    // A value follows unless the next word is another flag or the script itself.
    i += next !== undefined && !next.startsWith('-') && !/\.(py|sh)$/.test(next) ? 2 : 1;
  }
  return i;
}

function skipWrapperFlags(words: ShellWord[], i: number, argFlags = WRAPPER_ARG_FLAGS): number {
  while (i < words.length) {
    const v = (words[i] as ShellWord).value;
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(v)) {
      i++;
      continue;
    }
    if (!v.startsWith('-') || v === '-' || v === '--') return v === '--' ? i + 1 : i;
    i += argFlags.has(v) ? 2 : 1;
  }
  return i;
}

/**
 * Opens the launchers of a command. `resolve` gives the value of a word whose text is a
 * variable (Makefile `$(PYTHON)`), when known.
 */
export function invocation(words: readonly ShellWord[], resolve?: (w: ShellWord) => string | undefined): Invocation | undefined {
  const ws = [...words];
  const val = (i: number): string => {
    const w = ws[i];
    if (!w) return '';
    return resolve?.(w) ?? w.value;
  };
  let i = 0;
  let guard = 0;
  while (i < ws.length && guard++ < 12) {
    const v = val(i);
    const b = base(v.split(/\s+/)[0] ?? v);
    if (PASSTHROUGH.has(b)) {
      i = skipWrapperFlags(ws, i + 1);
      continue;
    }
    if (b === 'timeout') {
      i = skipWrapperFlags(ws, i + 1) + 1; // the duration
      continue;
    }
    if (b === 'npx' || b === 'bunx' || b === 'pnpx' || b === 'uvx' || (b === 'pipx' && val(i + 1) === 'run')) {
      i = skipWrapperFlags(ws, i + (b === 'pipx' ? 2 : 1));
      const w = ws[i];
      if (!w) return undefined;
      return { program: npmName(val(i)), word: w, args: ws.slice(i + 1) };
    }
    if ((b === 'pnpm' || b === 'yarn' || b === 'bun') && ['dlx', 'exec', 'x'].includes(val(i + 1))) {
      i = skipWrapperFlags(ws, i + 2);
      const w = ws[i];
      if (!w) return undefined;
      return { program: npmName(val(i)), word: w, args: ws.slice(i + 1) };
    }
    if (['uv', 'poetry', 'pdm', 'hatch', 'rye', 'pixi', 'conda', 'mamba', 'micromamba'].includes(b) && val(i + 1) === 'run') {
      i = skipWrapperFlags(ws, i + 2, new Set([...WRAPPER_ARG_FLAGS, '--env', '--group', '--extra', '--project', '--directory']));
      continue;
    }
    if (PY.test(b)) {
      let j = i + 1;
      while (j < ws.length) {
        const f = val(j);
        if (f === '-m') {
          const mod = val(j + 1);
          const w = ws[j + 1];
          if (!w) return undefined;
          if (mod === 'torch.distributed.run' || mod === 'torch.distributed.launch') {
            i = skipLauncherFlags(ws, j + 2);
            if (val(i) === '-m' || val(i) === '--module') return moduleInvocation(ws, i + 1, val);
            return scriptInvocation(ws, i, val, 'python');
          }
          if (mod === 'accelerate.commands.launch') {
            i = skipLauncherFlags(ws, j + 2);
            if (val(i) === '-m') return moduleInvocation(ws, i + 1, val);
            return scriptInvocation(ws, i, val, 'python');
          }
          return moduleInvocation(ws, j + 1, val);
        }
        if (f === '-c') return { program: `${b} -c`, word: ws[i] as ShellWord, args: ws.slice(j + 1) };
        if (f === '-X' || f === '-W') {
          j += 2;
          continue;
        }
        if (f.startsWith('-')) {
          j++;
          continue;
        }
        break;
      }
      if (j >= ws.length) return { program: b, word: ws[i] as ShellWord, args: [] };
      return scriptInvocation(ws, j, val, 'python');
    }
    if (b === 'accelerate' && val(i + 1) === 'launch') {
      const j = skipLauncherFlags(ws, i + 2);
      if (val(j) === '-m' || val(j) === '--module') return moduleInvocation(ws, j + 1, val);
      if (j >= ws.length) return { program: 'accelerate', word: ws[i] as ShellWord, args: ws.slice(i + 1) };
      return scriptInvocation(ws, j, val, 'python');
    }
    if (b === 'torchrun' || b === 'deepspeed') {
      const j = skipLauncherFlags(ws, i + 1);
      if (val(j) === '-m' || val(j) === '--module') return moduleInvocation(ws, j + 1, val);
      if (j >= ws.length) return { program: b, word: ws[i] as ShellWord, args: [] };
      return scriptInvocation(ws, j, val, 'python');
    }
    if (SHELLS.has(b) || b === 'source' || b === '.') {
      let j = i + 1;
      let flags = '';
      while (j < ws.length && /^[-+][a-zA-Z]+$/.test(val(j)) && !/c/.test(val(j))) {
        flags += val(j);
        if (val(j) === '-o' || val(j) === '+o') {
          flags += ` ${val(j + 1)} `;
          j++;
        }
        j++;
      }
      if (j >= ws.length || /^-[a-z]*c/.test(val(j))) return { program: b, word: ws[i] as ShellWord, args: ws.slice(i + 1) };
      const inv = scriptInvocation(ws, j, val, 'shell');
      return inv ? { ...inv, shellFlags: flags } : inv;
    }
    if (b === 'make' || b === 'gmake' || b === '$(MAKE)' || b === '${MAKE}' || v === '$(MAKE)' || v === '${MAKE}') {
      return { program: 'make', runner: 'make', word: ws[i] as ShellWord, args: ws.slice(i + 1) };
    }
    const w = ws[i] as ShellWord;
    const first = v.split(/\s+/)[0] ?? v;
    const out: Invocation = { program: b, word: w, args: ws.slice(i + 1) };
    if (first.includes('/')) {
      out.path = first;
      out.runner = /\.py$/.test(first) ? 'python' : /\.(sh|bash)$/.test(first) ? 'shell' : 'exec';
    } else if (/\.(sh|bash)$/.test(first)) {
      out.path = first;
      out.runner = 'shell';
    }
    return out;
  }
  return undefined;
}

function moduleInvocation(ws: ShellWord[], i: number, val: (i: number) => string): Invocation | undefined {
  const w = ws[i];
  if (!w) return undefined;
  const mod = val(i);
  return { program: mod, module: mod, runner: 'python', word: w, args: ws.slice(i + 1) };
}

function scriptInvocation(ws: ShellWord[], i: number, val: (i: number) => string, runner: 'python' | 'shell'): Invocation | undefined {
  const w = ws[i];
  if (!w) return undefined;
  const v = val(i);
  return { program: base(v), path: v, runner, word: w, args: ws.slice(i + 1) };
}

/**
 * Flags that take a value in the tools the step data names (kubectl, helm, docker, gcloud,
 * huggingface-cli, ollama, ...): the word after them is not a positional argument.
 */
const VALUE_FLAGS = new Set([
  '-n',
  '--namespace',
  '--context',
  '--kube-context',
  '--kubeconfig',
  '--cluster',
  '--user',
  '-f',
  '--filename',
  '-k',
  '--kustomize',
  '--values',
  '--set',
  '--set-string',
  '--set-file',
  '--set-json',
  '--version',
  '--timeout',
  '--repo',
  '--username',
  '--password',
  '--post-renderer',
  '-o',
  '--output',
  '-l',
  '--selector',
  '--field-manager',
  '--revision',
  '--repo-type',
  '--repo_type',
  '--commit-message',
  '--commit-description',
  '--token',
  '--include',
  '--exclude',
  '--delete',
  '--path-in-repo',
  '--project',
  '--region',
  '--zone',
  '--image',
  '--platform',
  '--source',
  '--port',
  '--memory',
  '--cpu',
  '--service-account',
  '--env-vars-file',
  '--set-env-vars',
  '--tag',
  '-t',
  '--build-arg',
  '--label',
  '--target',
  '--cache-from',
  '--cache-to',
  '--file',
  '--name',
  '--resource-group',
  '-g',
  '--env',
  '-e',
  '--profile',
  '--config',
  '-c',
  '--model',
  '--model_args',
  '--tasks',
  '--output_path',
  '--probes',
  '--model_type',
  '--model_name',
  '--quantize',
  '-q',
]);

/** Positional arguments (words not starting with `-`, nor the values of flags that take one), with their index in `args`. */
export function positionals(args: readonly ShellWord[]): Array<{ word: ShellWord; index: number }> {
  const out: Array<{ word: ShellWord; index: number }> = [];
  for (let index = 0; index < args.length; index++) {
    const w = args[index] as ShellWord;
    if (w.value.startsWith('-') && w.value !== '-') {
      if (!w.value.includes('=') && VALUE_FLAGS.has(w.value)) index++;
      continue;
    }
    out.push({ word: w, index });
  }
  return out;
}

/** The value of a flag: `--tasks x`, `--tasks=x`, `-t x`. */
export function flagValue(args: readonly ShellWord[], names: readonly string[]): { value: string; word: ShellWord; literal: boolean } | undefined {
  for (let i = 0; i < args.length; i++) {
    const w = args[i] as ShellWord;
    for (const n of names) {
      if (w.value === n && args[i + 1]) {
        const next = args[i + 1] as ShellWord;
        return { value: next.value, word: next, literal: next.literal };
      }
      if (w.value.startsWith(`${n}=`)) return { value: w.value.slice(n.length + 1), word: w, literal: w.literal };
    }
  }
  return undefined;
}
