/**
 * Where an application's HTTP server is started and which address it listens on: the calls in
 * the code that serve an app (`uvicorn.run(app, host=args.host)`, Flask `app.run(...)`,
 * `app.listen(port, host)`), how their host is given (a literal, a command-line option with its
 * default, an environment variable, the server's own default), and the command lines in
 * deployment files and scripts that start a Python application (`python -m pkg.worker --host
 * 0.0.0.0`, `uvicorn pkg.main:app`, `gunicorn -b 0.0.0.0:8000 app:app`, `fastapi run`).
 */
import type { Node } from 'web-tree-sitter';
import type { Node as TsNode } from '../../parse/ts-morph.js';
import { tsSpan } from '../../parse/typescript.js';
import type { TsInference } from '../inference/ts.js';
import type { FileModel } from '../../model/file-model.js';
import type { ProjectModel } from '../../model/project.js';
import { span } from '../../parse/python.js';
import type { ShellWord } from '../../parse/shell.js';
import type { Span } from '../../types.js';
import { commands, type LocatedCommand } from '../commands.js';
import { isTestFile } from '../inference/common.js';
import { InferenceContext } from '../inference/context.js';
import type { PyInference } from '../inference/python.js';
import { innerStart } from '../model-launches.js';
import { callArgs, field, kids, pyDecls, unwrapPy } from './py-resolve.js';

/** How the address a server listens on is given. */
export type HostSource =
  | { kind: 'literal'; value: string; span: Span }
  /** A command-line option (argparse, click, typer): the launch's arguments can set it. */
  | { kind: 'flag'; flags: string[]; default?: string; span: Span }
  | { kind: 'env'; name: string; default?: string; span: Span }
  /** Not given: the server's own default. */
  | { kind: 'default'; value: string }
  | { kind: 'unknown'; text: string; span: Span };

/** A call in the code that starts serving an application. */
export interface ServeCall {
  file: string;
  span: Span;
  /** For messages: `uvicorn.run`, `app.run`, `app.listen`. */
  how: string;
  host: HostSource;
  /** The port, when written or defaulted in the code. */
  port?: number;
}

/** A command line that starts a Python application. */
export interface AppCommand {
  file: FileModel;
  command: LocatedCommand;
  /** The launching words, for positions. */
  span: Span;
  /** `python`, `uvicorn`, `gunicorn`, `hypercorn`, `fastapi`, `flask`. */
  runner: string;
  /** The module (`pkg.worker`) or script path (`app/main.py`) it runs. */
  module?: string;
  script?: string;
  /** The attribute holding the app (`pkg.main:app` → `app`), for ASGI/WSGI servers. */
  attr?: string;
  /** The words after the target: its options. */
  args: ShellWord[];
  /** For servers that take the address themselves (uvicorn, gunicorn ...): where they listen. */
  host?: { value?: string; literal: boolean; span?: Span; default: string };
  port?: number;
}

// ------------------------------------------------------------------------------ host sources

function stringOf(a: PyInference, n: Node | undefined): string | undefined {
  const v = n ? a.mod.stringValue(n) : undefined;
  return v?.exact ? v.value : undefined;
}

/** The destination of an argparse option: `dest=`, else the first long option (`--api-host` → `api_host`). */
function argparseDest(a: PyInference, c: { args: Node[]; kwargs: Map<string, Node> }): { dest?: string; flags: string[] } {
  const flags = c.args.map((n) => stringOf(a, n)).filter((s): s is string => s !== undefined);
  const explicit = stringOf(a, c.kwargs.get('dest'));
  if (explicit) return { dest: explicit, flags };
  const long = flags.find((f) => f.startsWith('--')) ?? flags.find((f) => f.startsWith('-')) ?? flags[0];
  return { dest: long?.replace(/^-+/, '').replace(/-/g, '_'), flags };
}

/** `parser.add_argument("--host", default="localhost")` for the option whose destination is `dest`, in a module or those it imports from the repository. */
function argparseOption(project: ProjectModel, a: PyInference, dest: string, depth = 0): { flags: string[]; default?: string } | undefined {
  for (const c of a.mod.calls()) {
    if (!/\.add_argument$/.test(c.callee)) continue;
    const d = argparseDest(a, c);
    if (d.dest !== dest || !d.flags.some((f) => f.startsWith('-'))) continue;
    const def = c.kwargs.get('default');
    return { flags: d.flags.filter((f) => f.startsWith('-')), ...(def && stringOf(a, def) !== undefined ? { default: stringOf(a, def) } : {}) };
  }
  if (depth > 0) return undefined;
  const ctx = InferenceContext.of(project);
  for (const imp of a.mod.imports()) {
    const path = ctx.resolvePy(a.file.path, imp.module);
    const b = path && path !== a.file.path ? ctx.pyAt(path) : undefined;
    const found = b && /add_argument/.test(b.file.text) ? argparseOption(project, b, dest, depth + 1) : undefined;
    if (found) return found;
  }
  return undefined;
}

/** A parameter of a click/typer command: `@click.option("--host", default=...)`, `host: str = typer.Option("0.0.0.0")`. */
function cliParam(a: PyInference, fn: Node, name: string, param: Node): { flags: string[]; default?: string } | undefined {
  const p = fn.parent;
  const decos = p?.type === 'decorated_definition' ? kids(p).filter((c) => c.type === 'decorator') : [];
  for (const d of decos) {
    const e = kids(d)[0];
    if (e?.type !== 'call' || !/(^|\.)(option|argument)$/.test(a.mod.chain(field(e, 'function') as Node))) continue;
    const c = callArgs(e);
    const names = c.args.map((n) => stringOf(a, n)).filter((s): s is string => s !== undefined);
    const flags = names.filter((f) => f.startsWith('-'));
    const dest =
      names.find((f) => !f.startsWith('-')) ??
      flags
        .find((f) => f.startsWith('--'))
        ?.replace(/^--/, '')
        .replace(/-/g, '_');
    if (dest !== name) continue;
    return { flags, ...(stringOf(a, c.kwargs.get('default')) !== undefined ? { default: stringOf(a, c.kwargs.get('default')) } : {}) };
  }
  // typer: the default value of the parameter (`typer.Option("0.0.0.0", "--host")`, or a plain default).
  const def = field(param, 'value');
  if (!def || !decos.some((d) => /\.(command|callback)\b/.test(a.text(d)))) return undefined;
  const u = unwrapPy(def);
  if (u.type === 'call' && /(^|\.)Option$/.test(a.mod.chain(field(u, 'function') as Node))) {
    const c = callArgs(u);
    const flags = c.args
      .slice(1)
      .map((n) => stringOf(a, n))
      .filter((s): s is string => !!s && s.startsWith('-'));
    const v = stringOf(a, c.args[0] ?? c.kwargs.get('default'));
    return { flags: flags.length > 0 ? flags : [`--${name.replace(/_/g, '-')}`], ...(v !== undefined ? { default: v } : {}) };
  }
  const v = stringOf(a, u);
  return v !== undefined ? { flags: [`--${name.replace(/_/g, '-')}`], default: v } : undefined;
}

/** How a host expression of Python code is given. */
export function pyHostSource(project: ProjectModel, a: PyInference, n: Node, depth = 0): HostSource {
  const u = unwrapPy(n);
  const at = span(u);
  const unknown: HostSource = { kind: 'unknown', text: a.text(u).replace(/\s+/g, ' ').slice(0, 60), span: at };
  if (depth > 4) return unknown;
  const s = a.mod.stringValue(u);
  if (s?.kind === 'env-default' && s.envName) return { kind: 'env', name: s.envName, ...(s.exact ? { default: s.value } : {}), span: at };
  if (s?.exact) return { kind: 'literal', value: s.value, span: at };
  const env = a.mod.envLookup(u);
  if (env) {
    const d = env.fallback ? stringOf(a, env.fallback) : undefined;
    return { kind: 'env', name: env.name, ...(d !== undefined ? { default: d } : {}), span: at };
  }
  if (u.type === 'attribute') {
    const attr = a.text(field(u, 'attribute') as Node);
    const opt = argparseOption(project, a, attr);
    if (opt) return { kind: 'flag', flags: opt.flags, ...(opt.default !== undefined ? { default: opt.default } : {}), span: at };
    return unknown;
  }
  if (u.type === 'identifier') {
    const decls = pyDecls(project, a, a.text(u), u);
    const d = decls[0];
    if (decls.length === 1 && d?.k === 'param') {
      const cli = cliParam(a, d.fn, a.text(u), d.node);
      if (cli) return { kind: 'flag', flags: cli.flags, ...(cli.default !== undefined ? { default: cli.default } : {}), span: at };
    }
    if (decls.length === 1 && d?.k === 'value' && d.a === a) return pyHostSource(project, a, d.node, depth + 1);
  }
  return unknown;
}

/** How a host expression of TS/JS code is given: a literal, `process.env.HOST ?? "0.0.0.0"`, `process.env.HOST`. */
export function tsHostSource(a: TsInference, n: TsNode): HostSource {
  const at = tsSpan(n);
  const s = a.mod.stringValue(n);
  if (s?.kind === 'env-default' && s.envName) return { kind: 'env', name: s.envName, ...(s.exact ? { default: s.value } : {}), span: at };
  if (s?.exact) return { kind: 'literal', value: s.value, span: at };
  const env = a.mod.envName(n);
  if (env) return { kind: 'env', name: env, span: at };
  return { kind: 'unknown', text: n.getText().replace(/\s+/g, ' ').slice(0, 60), span: at };
}

/** A port given as a literal or an option's default. */
export function pyPort(_project: ProjectModel, a: PyInference, n: Node | undefined): number | undefined {
  if (!n) return undefined;
  const u = unwrapPy(n);
  if (u.type === 'integer') return Number(a.text(u));
  if (u.type === 'attribute') {
    const attr = a.text(field(u, 'attribute') as Node);
    for (const c of a.mod.calls()) {
      if (!/\.add_argument$/.test(c.callee) || argparseDest(a, c).dest !== attr) continue;
      const def = c.kwargs.get('default');
      return def?.type === 'integer' ? Number(a.text(def)) : undefined;
    }
  }
  return undefined;
}

/** The keyword arguments of a serving call, through a `**kwargs` dict literal built in the same function. */
export function serveKwargs(project: ProjectModel, a: PyInference, call: Node): Map<string, Node> {
  const { kwargs } = callArgs(call);
  const out = new Map(kwargs);
  const list = field(call, 'arguments');
  for (const c of list ? kids(list) : []) {
    if (c.type !== 'dictionary_splat') continue;
    const inner = kids(c)[0];
    const decls = inner?.type === 'identifier' ? pyDecls(project, a, a.text(inner), inner) : [];
    const d = decls[0];
    const dict = d?.k === 'value' ? unwrapPy(d.node) : inner ? unwrapPy(inner) : undefined;
    if (dict?.type !== 'dictionary') continue;
    for (const pair of kids(dict)) {
      if (pair.type !== 'pair') continue;
      const k = stringOf(a, field(pair, 'key'));
      const v = field(pair, 'value');
      if (k && v && !out.has(k)) out.set(k, v);
    }
  }
  return out;
}

// ------------------------------------------------------------------------------ command lines

const PYTHON = /^python(\d(\.\d+)?)?$/;
/** Servers that take an app as `module:attr`, their listen option and default. */
const APP_SERVERS: Record<string, { hostFlags: string[]; bind?: boolean; defaultHost: string; defaultPort: number }> = {
  uvicorn: { hostFlags: ['--host'], defaultHost: '127.0.0.1', defaultPort: 8000 },
  gunicorn: { hostFlags: ['-b', '--bind'], bind: true, defaultHost: '127.0.0.1', defaultPort: 8000 },
  hypercorn: { hostFlags: ['-b', '--bind'], bind: true, defaultHost: '127.0.0.1', defaultPort: 8000 },
  granian: { hostFlags: ['--host'], defaultHost: '127.0.0.1', defaultPort: 8000 },
  daphne: { hostFlags: ['-b', '--bind'], defaultHost: '127.0.0.1', defaultPort: 8000 },
};
const VALUE_OPTIONS =
  /^(-[bkwcptme]|--(bind|workers|worker-class|config|port|timeout|host|log-level|log-config|app-dir|root-path|env-file|name|chdir|threads|access-logfile|error-logfile|interface|uds|fd|loop|http|ws|lifespan|proxy-headers|forwarded-allow-ips|h11-max-incomplete-event-size|limit-concurrency|backlog|timeout-keep-alive|ssl-keyfile|ssl-certfile))$/;

function word(words: readonly ShellWord[], i: number): string {
  return words[i]?.value ?? '';
}

function optionIn(args: readonly ShellWord[], flags: readonly string[]): { value: string; literal: boolean; span: Span } | undefined {
  let found: { value: string; literal: boolean; span: Span } | undefined;
  for (let i = 0; i < args.length; i++) {
    const w = args[i] as ShellWord;
    for (const f of flags) {
      if (w.value === f && args[i + 1])
        found = { value: (args[i + 1] as ShellWord).value, literal: (args[i + 1] as ShellWord).literal, span: { start: w.span.start, end: (args[i + 1] as ShellWord).span.end } };
      else if (f.startsWith('--') && w.value.startsWith(`${f}=`)) found = { value: w.value.slice(f.length + 1), literal: w.literal, span: w.span };
      else if (!f.startsWith('--') && w.value.startsWith(f) && w.value.length > f.length && /^-[a-z]$/.test(f)) found = { value: w.value.slice(f.length), literal: w.literal, span: w.span };
    }
  }
  return found;
}

/** An option's value on a command line: `--host 0.0.0.0`, `--host=0.0.0.0` (the last wins). */
export function commandOption(args: readonly ShellWord[], flags: readonly string[]): { value: string; literal: boolean; span: Span } | undefined {
  return optionIn(args, flags);
}

function splitBind(v: string): { host: string; port?: number } {
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(v);
  return { host: (m?.[1] ?? v).replace(/^\[|\]$/g, ''), ...(m?.[2] ? { port: Number(m[2]) } : {}) };
}

/** A Python application started by a command: `python -m mod ...`, `python x.py ...`, `uvicorn mod:app ...`. */
function appCommandOf(file: FileModel, c: LocatedCommand): AppCommand | undefined {
  const words = c.words;
  let i = innerStart(words);
  const first = (word(words, i).split('/').pop() ?? '').replace(/\.exe$/i, '');
  let runner = first;
  if (PYTHON.test(first)) {
    let j = i + 1;
    while (j < words.length && word(words, j).startsWith('-') && word(words, j) !== '-m' && word(words, j) !== '-c') j += ['-X', '-W'].includes(word(words, j)) ? 2 : 1;
    if (word(words, j) === '-m') {
      const mod = word(words, j + 1);
      if (!mod) return undefined;
      if (APP_SERVERS[mod] || mod === 'flask' || mod === 'fastapi') {
        runner = mod;
        i = j + 1;
      } else {
        return { file, command: c, span: spanOf(words, i, j + 2), runner: 'python', module: mod, args: words.slice(j + 2) };
      }
    } else {
      const script = word(words, j);
      if (!/\.py$/.test(script)) return undefined;
      return { file, command: c, span: spanOf(words, i, j + 1), runner: 'python', script: script.replace(/^\.\//, ''), args: words.slice(j + 1) };
    }
  }
  const server = APP_SERVERS[runner];
  if (server) {
    const rest = words.slice(i + 1);
    let target: ShellWord | undefined;
    for (let k = 0; k < rest.length; k++) {
      const v = (rest[k] as ShellWord).value;
      if (v.startsWith('-')) {
        if (VALUE_OPTIONS.test(v)) k++;
        continue;
      }
      target = rest[k];
      break;
    }
    if (!target || !/^[\w.]+:[\w.()]+$/.test(target.value)) return undefined;
    const [module, attr] = target.value.split(':') as [string, string];
    const opt = optionIn(rest, server.hostFlags);
    const bound = opt && server.bind ? splitBind(opt.value) : undefined;
    const portOpt = optionIn(rest, ['--port', '-p']);
    const port = bound?.port ?? (portOpt && /^\d+$/.test(portOpt.value) ? Number(portOpt.value) : server.defaultPort);
    return {
      file,
      command: c,
      span: spanOf(words, i, i + 1),
      runner,
      module,
      attr: attr.replace(/\(\)$/, ''),
      args: rest,
      host: { ...(opt ? { value: bound ? bound.host : opt.value, literal: opt.literal, span: opt.span } : { literal: true }), default: server.defaultHost },
      port,
    };
  }
  if (runner === 'fastapi' && (word(words, i + 1) === 'run' || word(words, i + 1) === 'dev')) {
    const rest = words.slice(i + 2);
    const path = rest.find((w) => !w.value.startsWith('-') && /\.py$/.test(w.value))?.value ?? 'main.py';
    const opt = optionIn(rest, ['--host']);
    const portOpt = optionIn(rest, ['--port']);
    return {
      file,
      command: c,
      span: spanOf(words, i, i + 2),
      runner: 'fastapi',
      script: path.replace(/^\.\//, ''),
      args: rest,
      host: { ...(opt ? { value: opt.value, literal: opt.literal, span: opt.span } : { literal: true }), default: word(words, i + 1) === 'run' ? '0.0.0.0' : '127.0.0.1' },
      port: portOpt && /^\d+$/.test(portOpt.value) ? Number(portOpt.value) : 8000,
    };
  }
  if (runner === 'flask') {
    const run = words.findIndex((w, k) => k > i && w.value === 'run');
    if (run < 0) return undefined;
    const appOpt = optionIn(words.slice(i + 1, run), ['--app', '-A']);
    const rest = words.slice(run + 1);
    const opt = optionIn(rest, ['--host', '-h']);
    const portOpt = optionIn(rest, ['--port', '-p']);
    const target = appOpt?.value ?? 'app';
    const [module, attr] = target.split(':') as [string, string | undefined];
    return {
      file,
      command: c,
      span: spanOf(words, i, run + 1),
      runner: 'flask',
      ...(/\.py$/.test(module) ? { script: module } : { module }),
      ...(attr ? { attr } : {}),
      args: rest,
      host: { ...(opt ? { value: opt.value, literal: opt.literal, span: opt.span } : { literal: true }), default: '127.0.0.1' },
      port: portOpt && /^\d+$/.test(portOpt.value) ? Number(portOpt.value) : 5000,
    };
  }
  return undefined;
}

function spanOf(words: readonly ShellWord[], from: number, to: number): Span {
  const a = words[from];
  const b = words[Math.max(from, to - 1)];
  return { start: a?.span.start ?? 0, end: b?.span.end ?? a?.span.end ?? 0 };
}

const launchCache = new WeakMap<ProjectModel, AppCommand[]>();

/** Every command of the repository that starts a Python application (deployment files, images, scripts, CI). */
export function appCommands(project: ProjectModel): AppCommand[] {
  let hit = launchCache.get(project);
  if (hit) return hit;
  hit = [];
  for (const f of project.withKind('compose', 'k8s', 'dockerfile', 'shell', 'gha-workflow', 'gitlab-ci', 'makefile')) {
    if (isTestFile(f.path) || !/python|uvicorn|gunicorn|hypercorn|granian|daphne|fastapi|flask/.test(f.text)) continue;
    for (const c of commands(f)) {
      const l = appCommandOf(f, c);
      if (l) hit.push(l);
    }
  }
  launchCache.set(project, hit);
  return hit;
}

/** The repository file a command's module or script names (`pkg.worker` → `pkg/worker.py`, `app/main.py` by its path's end). */
export function commandFile(project: ProjectModel, l: AppCommand): string | undefined {
  if (l.module) return InferenceContext.of(project).resolvePy('', l.module) ?? suffixFile(project, `${l.module.replace(/\./g, '/')}.py`);
  if (l.script) return suffixFile(project, l.script);
  return undefined;
}

function suffixFile(project: ProjectModel, p: string): string | undefined {
  if (project.exists(p)) return p;
  const hits = project.withKind('python').filter((f) => f.path.endsWith(`/${p}`));
  return hits.length === 1 ? hits[0]?.path : undefined;
}
