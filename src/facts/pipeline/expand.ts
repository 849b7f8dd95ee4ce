import { posix } from 'node:path';
import type { Settings } from '../../config/types.js';
import type { FileModel } from '../../model/file-model.js';
import type { ProjectModel } from '../../model/project.js';
import { expandMakeVariables, type Makefile } from '../../parse/makefile.js';
import type { ShellCommand, ShellWord } from '../../parse/shell.js';
import type { Confidence, Span } from '../../types.js';
import { shiftedMap } from '../../util/text-map.js';
import { commands, makefileModel } from '../commands.js';
import { imageRefs, parseImage } from '../images.js';
import { servingImage } from '../serving-images.js';
import { flagValue, invocation, positionals, type Invocation } from './invocation.js';
import type { Job, NonGating, Op, RunsAnyway, Site } from './model.js';
import { METADATA_PATH, pythonOps } from './python-ops.js';
import { applySet, shellNonGating, stateFromFlags, stateFromShebang, type ShellState } from './shell-status.js';
import type { StepKind, StepRule, StepVocabulary } from './steps.js';
import { cutAt, cutAtAny, trimTrailing } from '../../util/text.js';

/** How deep scripts, Makefile targets, composite actions and called workflows are followed. */
export const MAX_DEPTH = 5;

/** Where commands run: the job and step, and what the caller passes down. */
export interface Frame {
  job: Job;
  step: number;
  /** `job "train" step "Upload"`. */
  where: string;
  stepNG?: NonGating;
  stepRunsAnyway?: RunsAnyway;
  /** The step's `if:`, when it may skip the step. */
  stepIf?: { text: string; at: Site };
  /** The calling command cannot fail the pipeline (`./eval.sh || true`): neither can what it runs. */
  inheritedNG?: NonGating;
  /** Directory relative paths are resolved from ('' = the root). */
  cwd: string;
  depth: number;
  /** Files (and Makefile targets) being expanded, against cycles. */
  stack: string[];
  /** In a deploy job or script (a model server started there is a deployment). */
  deployContext: boolean;
  /** Matrix values by key (GitHub Actions). */
  matrix?: Map<string, string[]>;
  /** Literal values of variables (script assignments, `env:`), for naming what is published. */
  vars?: Map<string, string>;
  /** Directory of the script being run, tried after `cwd` for relative paths. */
  dir?: string;
}

/** `$NAME`, `${NAME}` and `${{ env.NAME }}` replaced where the value is known. */
export function substituteVars(value: string, vars: ReadonlyMap<string, string> | undefined): string {
  if (!vars || vars.size === 0) return value;
  return value
    .replace(/\$\{\{\s*env\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (m, n: string) => vars.get(n) ?? m)
    .replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (m, a: string | undefined, b: string | undefined) => vars.get((a ?? b) as string) ?? m);
}

const SERVER_PROGRAMS =
  /^(vllm|text-generation-launcher|text-generation-server|ollama|llama-server|llama\.cpp|sglang\.launch_server|vllm\.entrypoints\.openai\.api_server|tritonserver|trtllm-serve|lmdeploy|tgi-server|xinference|localai|openllm|lorax-launcher|infinity_emb|mlc_llm|tabbyAPI|aphrodite)$/;
const SERVER_TEXT =
  /\b(vllm|text-generation-inference|text-generation-launcher|ollama|llama-server|llama\.cpp|sglang|tritonserver|tensorrt[_-]llm|trtllm|lmdeploy|huggingface\/tgi|kserve|localai|xinference|lorax|nvcr\.io\/nim|aphrodite)\b/i;
const MODEL_WORDS = /(vllm|\btgi\b|text-generation|ollama|llama|\bllms?\b|-llm\b|\bllm-|sglang|triton|kserve|lmdeploy|mistral|qwen|gemma|deepseek)/i;
const MODEL_IN_IMAGE =
  /--model(-id|-path|_id|_path)?[\s=]|\s-m\s+\S+\.gguf|\b(MODEL_ID|MODEL_NAME|HF_MODEL_ID|MODEL_PATH)\b|\.(gguf|safetensors)\b|huggingface-cli download|hf download|ollama pull|snapshot_download/;
/** Commands and actions that start a throwaway local cluster: deploys after them are tests. */
const LOCAL_CLUSTER = /^(minikube|kind|k3d|microk8s|k3s|ctlptl)$/;
const LOCAL_CONTEXT = /^(minikube|kind-.*|k3d-.*|docker-desktop|rancher-desktop|microk8s|colima)$/;
export const TEST_PATH = /(^|\/)(tests?|e2e|testing|__tests__|ci-tests?)\/|(^|\/)(test|e2e)[-_.][^/]*$|[-_]test\.(sh|py|ya?ml)$|(^|\/)test\.(sh|py)$/;
const MODEL_CODE_IMPORTS =
  /^(vllm|transformers|torch|llama_cpp|sglang|tensorrt_llm|text_generation|ollama|mlc_llm|exllamav2|ctransformers|lmdeploy|optimum|diffusers|sentence_transformers|peft|accelerate)(\.|$)/;

function short(text: string, max = 80): string {
  const one = text.replace(/\\\n/g, ' ').replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

function span(words: readonly ShellWord[]): Span {
  return { start: (words[0] as ShellWord).span.start, end: (words[words.length - 1] as ShellWord).span.end };
}

/** Joins a root-relative directory and a path written in a command. */
export function joinPath(cwd: string, p: string): string {
  const clean = p.replace(/^\$\{?(GITHUB_WORKSPACE|CI_PROJECT_DIR|PWD)\}?\/?/, '').replace(/^\.\//, '');
  if (clean.startsWith('/')) return posix.normalize(clean.slice(1));
  const joined = posix.normalize(cwd ? `${cwd}/${clean}` : clean);
  return joined === '.' ? '' : joined.replace(/^\.\//, '');
}

/** `cd dir` / `pushd dir` with a literal directory: the frame with that working directory. */
export function changeDir(c: ShellCommand, frame: Frame): Frame | undefined {
  const name = c.words[0]?.value;
  if (name !== 'cd' && name !== 'pushd') return undefined;
  const arg = c.words.slice(1).find((w) => !w.value.startsWith('-'));
  if (!arg) return { ...frame, cwd: '' };
  const v = arg.value.replace(/^\$\{\{\s*github\.workspace\s*\}\}/, '');
  if (!arg.literal && v === arg.value && !/^\$\{?(GITHUB_WORKSPACE|CI_PROJECT_DIR)\}?/.test(v)) return undefined;
  return { ...frame, cwd: joinPath(frame.cwd, v || '.') };
}

interface Match {
  rule: StepRule;
  words: ShellWord[];
  target?: string;
  localPath?: string;
  tasks?: { list: string[]; capabilityOnly: boolean };
  confidence?: Confidence;
}

/** Turns commands, actions and scripts into ops on jobs, following what they call. */
export class Expander {
  /** Files (and `Makefile#target`s) some pipeline ran. */
  readonly reached = new Set<string>();
  /** What the pipeline being built reached (see `trace`). */
  private tracing?: Set<string>;
  private readonly builtImages = new WeakMap<Job, Map<string, string>>();
  private readonly serveCache = new Map<string, boolean>();

  constructor(
    readonly project: ProjectModel,
    readonly vocab: StepVocabulary,
    readonly settings: Settings,
  ) {}

  mark(path: string): void {
    this.reached.add(path);
    this.tracing?.add(path);
  }

  /** Runs `build` and returns the files it reached. */
  trace(build: () => void): Set<string> {
    const outer = this.tracing;
    const mine = new Set<string>();
    this.tracing = mine;
    try {
      build();
    } finally {
      this.tracing = outer;
      if (outer) for (const p of mine) outer.add(p);
    }
    return mine;
  }

  addOp(frame: Frame, op: Omit<Op, 'job' | 'seq' | 'step' | 'where'>): void {
    const full: Op = { ...op, job: frame.job, seq: frame.job.ops.length, step: frame.step, where: frame.where };
    if (frame.stepNG) full.stepNG = frame.stepNG;
    if (frame.stepRunsAnyway) full.stepRunsAnyway = frame.stepRunsAnyway;
    if (frame.stepIf) full.stepIf = frame.stepIf;
    if (!full.shellNG && frame.inheritedNG) full.shellNG = frame.inheritedNG;
    frame.job.ops.push(full);
  }

  /** Runs a script's commands in order; `state` is updated by `set` commands, the directory by `cd`. */
  script(file: FileModel, cs: readonly ShellCommand[], state: ShellState, frame: Frame, resolve?: (w: ShellWord) => string | undefined): void {
    let f = frame;
    for (let k = 0; k < cs.length; k++) {
      const c = cs[k] as ShellCommand;
      if (applySet(c, state)) continue;
      const moved = changeDir(c, f);
      if (moved) {
        f = moved;
        continue;
      }
      this.command(file, cs, k, state, f, resolve);
    }
  }

  command(file: FileModel, cs: readonly ShellCommand[], k: number, state: ShellState, frame: Frame, resolve?: (w: ShellWord) => string | undefined): void {
    const c = cs[k] as ShellCommand;
    const inv = invocation(c.words, resolve);
    if (!inv) return;
    const ng = shellNonGating(file, cs, k, state) ?? frame.inheritedNG;
    this.noteDockerBuild(inv, frame);
    this.noteLocalCluster(inv, frame);
    for (const m of this.classifyCommand(inv, frame, resolve)) {
      this.addOp(frame, {
        kind: m.rule.kind,
        rule: m.rule,
        at: { file, span: span(m.words) },
        text: short(file.text.slice(c.span.start, c.span.end)),
        ...(m.target !== undefined ? { target: m.target } : {}),
        ...(m.localPath !== undefined ? { localPath: m.localPath } : {}),
        ...(m.tasks ? { tasks: m.tasks } : {}),
        ...(ng ? { shellNG: ng } : {}),
        ...(m.confidence ? { confidence: m.confidence } : {}),
      });
      if (m.rule.kind === 'finetune') this.pushWhileTraining(inv, file, frame);
    }
    if (frame.depth >= MAX_DEPTH) return;
    const sub: Frame = { ...frame, depth: frame.depth + 1, ...(ng ? { inheritedNG: ng } : {}) };
    switch (inv.runner) {
      case 'python':
        this.pythonInvocation(inv, sub);
        break;
      case 'shell':
      case 'exec':
        this.scriptInvocation(inv, sub);
        break;
      case 'make':
        this.makeInvocation(inv, sub);
        break;
      default:
        break;
    }
  }

  private findFile(frame: Frame, p: string): FileModel | undefined {
    if (!p || /[$`*]/.test(p.replace(/^\$\{?(GITHUB_WORKSPACE|CI_PROJECT_DIR|PWD)\}?/, ''))) return undefined;
    for (const cand of [joinPath(frame.cwd, p), ...(frame.dir !== undefined ? [joinPath(frame.dir, p)] : []), joinPath('', p)]) {
      const f = this.project.file(cand);
      if (f) return f;
    }
    return undefined;
  }

  private pythonInvocation(inv: Invocation, frame: Frame): void {
    let file: FileModel | undefined;
    if (inv.module) {
      const path = this.project.index.resolvePy('', inv.module) ?? this.project.index.resolvePy('', `${inv.module}.__main__`);
      file = path ? this.project.file(path) : undefined;
      if (file?.path.endsWith('__init__.py')) {
        const main = this.project.file(file.path.replace(/__init__\.py$/, '__main__.py'));
        if (main) file = main;
      }
    } else if (inv.path) {
      file = this.findFile(frame, inv.path);
    }
    if (file?.kind !== 'python') return;
    this.pythonFile(file, frame);
  }

  pythonFile(file: FileModel, frame: Frame): void {
    if (frame.stack.includes(file.path)) return;
    this.mark(file.path);
    if (!this.mayMatter(file)) return;
    for (const op of pythonOps(file, this.vocab, this.project)) {
      if (op.file !== file) this.mark(op.file.path);
      this.addOp(frame, {
        kind: op.kind,
        rule: op.rule,
        at: { file: op.file, span: op.span },
        text: op.text,
        ...(op.target !== undefined ? { target: op.target } : {}),
        ...(op.tasks ? { tasks: this.taskVerdict(op.tasks) } : {}),
      });
    }
  }

  private scriptInvocation(inv: Invocation, frame: Frame): void {
    if (!inv.path) return;
    const file = this.findFile(frame, inv.path);
    if (!file) return;
    if (file.kind === 'python') this.pythonFile(file, frame);
    else if (file.kind === 'shell') this.shellFile(file, { ...frame, cwd: frame.cwd }, inv.shellFlags);
  }

  shellFile(file: FileModel, frame: Frame, flags?: string): void {
    if (frame.stack.includes(file.path)) return;
    this.mark(file.path);
    if (!this.mayMatter(file)) return;
    const script = file.shellScript();
    if (!script) return;
    const state = flags ? stateFromFlags(flags) : stateFromShebang(file.text);
    const deploy = frame.deployContext || /deploy|rollout|production/i.test(file.path.split('/').pop() ?? '');
    const vars = new Map(frame.vars ?? []);
    for (const v of script.variables) if (v.value?.literal) vars.set(v.name, substituteVars(v.value.value, vars));
    this.script(file, script.commands, state, { ...frame, stack: [...frame.stack, file.path], deployContext: deploy, vars, dir: posix.dirname(file.path) === '.' ? '' : posix.dirname(file.path) });
  }

  makefile(file: FileModel): Makefile {
    return makefileModel(file);
  }

  private makeInvocation(inv: Invocation, frame: Frame): void {
    let dir = frame.cwd;
    let mkPath: string | undefined;
    const targets: string[] = [];
    const args = inv.args;
    for (let i = 0; i < args.length; i++) {
      const v = (args[i] as ShellWord).value;
      if (v === '-C' || v === '--directory') dir = joinPath(dir, args[++i]?.value ?? '');
      else if (v.startsWith('--directory=')) dir = joinPath(dir, v.slice(12));
      else if (v === '-f' || v === '--file' || v === '--makefile') mkPath = args[++i]?.value;
      else if (v.startsWith('-')) continue;
      else if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(v)) continue;
      else targets.push(v);
    }
    const file = mkPath ? this.findFile({ ...frame, cwd: dir }, mkPath) : ['GNUmakefile', 'makefile', 'Makefile'].map((n) => this.project.file(joinPath(dir, n))).find((f) => f);
    if (file?.kind !== 'makefile') return;
    this.makeTargets(file, targets, { ...frame, cwd: dir });
  }

  /** Runs Makefile targets: prerequisites first, then the recipe, each line in its own shell. */
  makeTargets(file: FileModel, targets: string[], frame: Frame): void {
    const mk = this.makefile(file);
    const goals = targets.length > 0 ? targets : [...mk.targets.keys()].slice(0, 1);
    const done = new Set<string>();
    const vars = mk.variables;
    const resolve = (w: ShellWord): string | undefined => (/\$[({]/.test(w.value) ? expandMakeVariables(w.value, vars) : undefined);
    const mkVars = new Map(frame.vars ?? []);
    for (const [k, v] of vars) if (!/\$/.test(v)) mkVars.set(k, v);
    const visit = (name: string, depth: number): void => {
      const t = mk.targets.get(name);
      const key = `${file.path}#${name}`;
      if (!t || done.has(name) || depth > 20 || frame.stack.includes(key)) return;
      done.add(name);
      this.mark(key);
      for (const p of t.prerequisites) visit(p, depth + 1);
      const tFrame: Frame = { ...frame, stack: [...frame.stack, key], deployContext: frame.deployContext || /deploy|rollout|production/i.test(name), vars: mkVars };
      for (const line of t.recipe) {
        const script = file.parseShell(line.text, shiftedMap(line.start));
        if (!script) continue;
        const lineNG: NonGating | undefined = line.ignoreSpan
          ? { id: 'errexitOff', at: { file, span: line.ignoreSpan }, construct: '-', reason: 'its recipe line starts with `-`, so make ignores its failure' }
          : undefined;
        const lf: Frame = lineNG && !tFrame.inheritedNG ? { ...tFrame, inheritedNG: lineNG } : tFrame;
        this.script(file, script.commands, stateFromFlags(mk.shellFlags), lf, resolve);
      }
    };
    for (const g of goals) visit(g, 0);
  }

  /** Jobs that started (or switched to) a throwaway local cluster: minikube, kind, k3d. */
  readonly localClusters = new WeakSet<Job>();

  private noteLocalCluster(inv: Invocation, frame: Frame): void {
    const pos = positionals(inv.args).map((p) => p.word.value);
    if (LOCAL_CLUSTER.test(inv.program)) this.localClusters.add(frame.job);
    else if (inv.program === 'kubectl' && pos[0] === 'config' && pos[1] === 'use-context' && LOCAL_CONTEXT.test(pos[2] ?? '')) this.localClusters.add(frame.job);
    else if ((inv.program === 'kubectl' || inv.program === 'helm') && inv.args.some((w, i) => /^--(kube-)?context$/.test(w.value) && LOCAL_CONTEXT.test(inv.args[i + 1]?.value ?? '')))
      this.localClusters.add(frame.job);
  }

  /**
   * A fine-tuning CLI that pushes the model itself when training ends: `--push_to_hub`, or a
   * config file (axolotl, LLaMA-Factory, TRL) with `hub_model_id:` or `push_to_hub: true`.
   * The publish is reported where it is asked for.
   */
  private pushWhileTraining(inv: Invocation, file: FileModel, frame: Frame): void {
    const rule = this.vocab.python.find((p) => p.rule.id === 'hf-push-to-hub')?.rule;
    if (!rule) return;
    const flag = inv.args.find((w) => /^--push[_-]to[_-]hub(=(true|True|1))?$/.test(w.value));
    if (flag) {
      const hub = flagValue(inv.args, ['--hub_model_id', '--hub-model-id']);
      this.addOp(frame, { kind: 'publish', rule, at: { file, span: flag.span }, text: `${flag.value} (the trainer pushes when training ends)`, ...(hub ? { target: hub.value } : {}) });
      return;
    }
    const configs = [...positionals(inv.args).map((p) => p.word.value), flagValue(inv.args, ['--config', '-c'])?.value].filter((v): v is string => !!v && /\.ya?ml$/.test(v));
    for (const c of configs) {
      const cfg = this.findFile(frame, c);
      if (!cfg) continue;
      const m = /^(hub_model_id|push_to_hub)[ \t]*:[ \t]*(["']?)([^\s"'#]+)\2/m.exec(cfg.text);
      if (!m || (m[1] === 'push_to_hub' && !/^(true|True|yes)$/.test(m[3] as string)) || /^(null|~|false)$/.test(m[3] as string)) continue;
      const hubId = /^hub_model_id[ \t]*:[ \t]*(["']?)([^\s"'#]+)\1/m.exec(cfg.text)?.[2];
      this.addOp(frame, {
        kind: 'publish',
        rule,
        at: { file: cfg, span: { start: m.index, end: m.index + m[0].length } },
        text: `${m[0]} in ${cfg.path} (pushed when training ends)`,
        ...(hubId ? { target: hubId } : {}),
      });
      return;
    }
  }

  private words?: { shell: RegExp; python: RegExp };

  /**
   * A cheap look at a script's text before it is parsed: it can do something to a model only
   * if it names a command or call of the step vocabulary, or runs another script of the
   * repository that may (by file name; one level deep is enough for a prefilter).
   */
  mayMatter(file: FileModel): boolean {
    return file.memo('facts:pipeline:may-matter', () => {
      const w = this.vocabWords();
      if (file.kind === 'python') return w.python.test(file.text) || this.runsRepoScript(file.text, 'python');
      return w.shell.test(file.text) || this.runsRepoScript(file.text, 'shell');
    });
  }

  private repoScripts?: { shell: Set<string>; python: Set<string> };

  private runsRepoScript(text: string, role: 'shell' | 'python'): boolean {
    if (!this.repoScripts) {
      const w = this.vocabWords();
      const shell = new Set<string>();
      const python = new Set<string>();
      for (const f of this.project.files()) {
        if (f.kind === 'shell' && w.shell.test(f.text)) shell.add(f.path.split('/').pop() as string);
        if (f.kind === 'python' && w.python.test(f.text)) python.add((f.path.split('/').pop() as string).replace(/\.py$/, ''));
        if (f.kind === 'makefile') shell.add('make');
      }
      this.repoScripts = { shell, python };
    }
    const names = role === 'python' ? this.repoScripts.python : new Set([...this.repoScripts.shell, ...this.repoScripts.python]);
    for (const n of names) if (n.length >= 3 && text.includes(n)) return true;
    return false;
  }

  private vocabWords(): { shell: RegExp; python: RegExp } {
    if (this.words) return this.words;
    const esc = (x: string): string => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const shell = new Set<string>(['push_to_hub', 'set +e']);
    for (const c of this.vocab.commands) {
      for (const tok of c.text.split(/\s+/).slice(0, 1)) {
        const lit =
          tok
            .replace(/^.*\//, '')
            .split(/[*?[{]/)
            .find((x) => x.length >= 2) ?? '';
        if (lit) shell.add(lit);
      }
    }
    const python = new Set<string>();
    for (const p of this.vocab.python) {
      const spec = p.rule.python ?? {};
      for (const c of [...(spec.calls ?? []), ...(spec.trainers ?? [])]) {
        const lit = (c.split('.').pop() ?? c).split(/[*?[{]/).find((x) => x.length >= 4);
        if (lit) python.add(lit);
      }
      for (const i of spec.imports ?? []) python.add(i.split('.')[0] as string);
      for (const st of spec.strings ?? []) {
        const lit = st.split(/[*?[{]/).find((x) => x.length >= 4);
        if (lit) python.add(lit);
      }
    }
    python.add('Trainer');
    this.words = {
      shell: new RegExp([...shell].map((x) => (x.length < 4 ? `\\b${esc(x)}\\b` : esc(x))).join('|')),
      python: new RegExp([...python].map(esc).join('|')),
    };
    return this.words;
  }

  /** Remembers `docker build -t IMAGE -f FILE CONTEXT`, so a later `docker push IMAGE` knows what it pushes. */
  private noteDockerBuild(inv: Invocation, frame: Frame): void {
    if (inv.program !== 'docker' && inv.program !== 'podman' && inv.program !== 'buildah') return;
    const pos = positionals(inv.args).map((p) => p.word.value);
    const buildAt = pos[0] === 'build' ? 0 : pos[0] === 'buildx' && pos[1] === 'build' ? 1 : pos[0] === 'image' && pos[1] === 'build' ? 1 : -1;
    if (buildAt < 0) return;
    const tags: string[] = [];
    for (let i = 0; i < inv.args.length; i++) {
      const v = (inv.args[i] as ShellWord).value;
      if (v === '-t' || v === '--tag') tags.push(inv.args[i + 1]?.value ?? '');
      else if (v.startsWith('--tag=')) tags.push(v.slice(6));
    }
    const dockerfile = this.dockerfileOf(inv.args, frame.cwd);
    let map = this.builtImages.get(frame.job);
    if (!map) {
      map = new Map();
      this.builtImages.set(frame.job, map);
    }
    for (const t of tags) if (t && dockerfile) map.set(parseImage(substituteVars(stripQuotes(t), frame.vars)).repository, dockerfile);
  }

  private dockerfileOf(args: readonly ShellWord[], cwd: string): string | undefined {
    const f = flagValue(args, ['-f', '--file']);
    const pos = positionals(args)
      .map((p) => p.word.value)
      .filter((v) => !['build', 'buildx', 'image'].includes(v));
    const context = pos[pos.length - 1] ?? '.';
    if (f) return joinPath(cwd, f.value);
    return joinPath(joinPath(cwd, context), 'Dockerfile');
  }

  /** True when the files at a path (a file or a directory) run a model server. */
  servesModel(path: string): boolean {
    const key = path;
    const hit = this.serveCache.get(key);
    if (hit !== undefined) return hit;
    const p = trimTrailing(path, '/');
    const files = this.project.files().filter((f) => f.path === p || (p === '' ? true : f.path.startsWith(`${p}/`)));
    let serves = false;
    for (const f of files) {
      if (['k8s', 'helm-values', 'compose', 'dockerfile', 'yaml-config'].includes(f.kind)) {
        if (imageRefs(f).some((r) => servingImage(r, this.settings))) serves = true;
        else if (commands(f).some((c) => SERVER_PROGRAMS.test((invocation(c.words)?.program ?? '').replace(/^.*\//, '')))) {
          // An image that builds a model server from source publishes the server, not a model:
          // it counts when it names or bakes in a model.
          serves = f.kind !== 'dockerfile' || MODEL_IN_IMAGE.test(f.text);
        }
      } else if (f.kind === 'helm-template' || f.kind === 'helm-chart') {
        if (SERVER_TEXT.test(f.text)) serves = true;
      }
      if (serves) break;
    }
    this.serveCache.set(key, serves);
    return serves;
  }

  private pythonServesModel(path: string, frame: Frame): boolean | undefined {
    const f = this.findFile(frame, cutAt(path, '::'));
    if (!f) return undefined;
    const py = f.python();
    if (!py) return undefined;
    return py.imports().some((i) => MODEL_CODE_IMPORTS.test(i.module)) || SERVER_TEXT.test(f.text);
  }

  /** The checks behind `when:` in the step data; undefined when they fail, else a confidence. */
  private conditionsHold(rule: StepRule, inv: Invocation, target: string | undefined, frame: Frame): Confidence | undefined | false {
    let confidence: Confidence | undefined;
    const words = inv.args.map((w) => w.value).join(' ');
    for (const cond of rule.when ?? []) {
      switch (cond) {
        case 'deploy-context':
          if (!frame.deployContext) return false;
          break;
        case 'hf-remote':
          if (!/(^|[/@.])(huggingface\.co|hf\.co)(\/|$|:)/.test(words)) return false;
          break;
        case 'serving-image': {
          const images = [target, ...this.tagsOf(inv)].filter((t): t is string => !!t);
          const built = this.builtImages.get(frame.job);
          const ok = images.some((img) => {
            const ref = parseImage(img);
            if (servingImage(ref, this.settings)) return true;
            const df = built?.get(ref.repository) ?? (inv.program === 'docker' ? this.dockerfileOf(inv.args, frame.cwd) : undefined);
            return !!df && this.servesModel(df);
          });
          if (!ok) return false;
          break;
        }
        case 'inference-workload': {
          // A deploy to a throwaway cluster, or from a test script, tests the stack: it deploys nothing.
          if (this.localClusters.has(frame.job) || TEST_PATH.test(frame.stack[frame.stack.length - 1] ?? '')) return false;
          const paths = this.manifestPaths(inv, frame);
          if (paths.some((p) => TEST_PATH.test(p))) return false;
          if (paths.length > 0) {
            if (!paths.some((p) => this.servesModel(p))) {
              if (paths.every((p) => this.project.exists(p))) return false;
              if (!MODEL_WORDS.test(words)) return false;
              confidence = 'medium';
            }
          } else {
            if (!MODEL_WORDS.test(words)) return false;
            confidence = 'medium';
          }
          break;
        }
        case 'model-server-code': {
          const pyTarget = positionals(inv.args)
            .map((p) => p.word.value)
            .find((v) => /\.py(::|$)/.test(v));
          const known = pyTarget ? this.pythonServesModel(pyTarget, frame) : undefined;
          if (known === false) return false;
          if (known === undefined) {
            const image = flagValue(inv.args, ['--image'])?.value;
            if (image && servingImage(parseImage(image), this.settings)) break;
            if (!MODEL_WORDS.test(words)) return false;
            confidence = 'medium';
          }
          break;
        }
        default:
          break;
      }
    }
    return confidence;
  }

  private tagsOf(inv: Invocation): string[] {
    const out: string[] = [];
    for (let i = 0; i < inv.args.length; i++) {
      const v = (inv.args[i] as ShellWord).value;
      if (v === '-t' || v === '--tag') out.push(inv.args[i + 1]?.value ?? '');
      else if (v.startsWith('--tag=')) out.push(v.slice(6));
    }
    return out;
  }

  /** Literal manifest or chart paths a kubectl/helm command deploys. */
  private manifestPaths(inv: Invocation, frame: Frame): string[] {
    const out: string[] = [];
    const args = inv.args;
    for (let i = 0; i < args.length; i++) {
      const w = args[i] as ShellWord;
      let value: ShellWord | undefined;
      if (['-f', '--filename', '-k', '--kustomize', '--values'].includes(w.value)) value = args[i + 1];
      else if (/^(-f|--filename|-k|--kustomize|--values)=/.test(w.value)) value = { ...w, value: w.value.replace(/^[^=]*=/, '') };
      if (value?.literal && !/^https?:/.test(value.value) && value.value !== '-') out.push(this.existing(frame, value.value));
    }
    if (inv.program === 'helm') {
      const pos = positionals(args).map((p) => p.word);
      const chart = pos[2];
      if (chart?.literal && this.project.exists(this.existing(frame, chart.value))) out.push(this.existing(frame, chart.value));
    }
    return out;
  }

  /** A path written in a command, resolved from the working directory, the script's directory or the root: the first that exists. */
  private existing(frame: Frame, p: string): string {
    const cands = [joinPath(frame.cwd, p), ...(frame.dir !== undefined ? [joinPath(frame.dir, p)] : []), joinPath('', p)];
    return cands.find((c) => this.project.exists(c)) ?? (cands[0] as string);
  }

  /** lm-evaluation-harness tasks: which of them measure safety. */
  taskVerdict(list: string[]): { list: string[]; capabilityOnly: boolean } {
    const literal = list.every((t) => !/[$`{]/.test(t));
    const capabilityOnly = literal && list.length > 0 && list.every((t) => this.vocab.capabilityTask(t) && !this.vocab.safetyTask(t));
    return { list, capabilityOnly };
  }

  private tasksOf(rule: StepRule, inv: Invocation, frame: Frame, resolve?: (w: ShellWord) => string | undefined): Match['tasks'] {
    if (!rule.tasks) return undefined;
    const flags = rule.tasks.flags.filter((f) => f.startsWith('-'));
    const fv = flagValue(inv.args, flags);
    let raw: string | undefined = fv ? (resolve?.(fv.word) ?? fv.value) : undefined;
    // `tune run eleuther_eval ... tasks=[...]`
    if (!raw) {
      const kv = inv.args.find((w) => /^tasks=/.test(w.value));
      if (kv) raw = kv.value.slice(6).replace(/^\[|\]$/g, '');
    }
    if (!raw) return undefined;
    // `${{ matrix.task }}`: the matrix values, when listed.
    const m = /^\$\{\{\s*matrix\.([A-Za-z0-9_-]+)\s*\}\}$/.exec(raw.trim());
    if (m && frame.matrix?.has(m[1] as string)) raw = (frame.matrix.get(m[1] as string) as string[]).join(',');
    const list = raw
      .split(/[,\s]+/)
      .map((t) => t.replace(/^['"]|['"]$/g, ''))
      .filter(Boolean);
    return this.taskVerdict(list);
  }

  private classifyCommand(inv: Invocation, frame: Frame, resolve?: (w: ShellWord) => string | undefined): Match[] {
    const out: Match[] = [];
    const seenKinds = new Set<StepKind>();
    const pos = positionals(inv.args);
    for (const pat of this.vocab.commands) {
      if (seenKinds.has(pat.rule.kind)) continue;
      if (!pat.program(inv.program, inv.path ?? (inv.word.value.includes('/') ? inv.word.value : undefined))) continue;
      let matched: ShellWord[] = [inv.word];
      let after = 0;
      if (pat.sub.length > 0) {
        let ok = false;
        for (let s = 0; s < Math.min(3, pos.length) && !ok; s++) {
          if (!pat.sub.every((test, i) => pos[s + i] && test((pos[s + i] as { word: ShellWord }).word.value))) continue;
          // Subcommands follow one another (only flags may sit between them and the program).
          const idx = pat.sub.map((_, i) => (pos[s + i] as { index: number }).index);
          if (idx.some((v, i) => i > 0 && v !== (idx[i - 1] as number) + 1)) continue;
          ok = true;
          matched = [inv.word, ...idx.map((i) => inv.args[i] as ShellWord)];
          after = s + pat.sub.length;
        }
        if (!ok) continue;
      }
      if (pat.rule.flags && !inv.args.some((w) => pat.rule.flags?.some((f) => w.value === f || w.value.startsWith(`${f}=`)))) continue;
      const rest = pos.slice(after);
      let target: string | undefined;
      const t = pat.rule.target;
      if (t?.flag) target = flagValue(inv.args, t.flag)?.word.raw;
      if (target === undefined && t?.positional !== undefined) target = rest[t.positional]?.word.raw;
      if (target !== undefined) target = substituteVars(stripQuotes(resolve?.(flagOrPos(inv, target)) ?? target), frame.vars);
      const cond = this.conditionsHold(pat.rule, inv, target, frame);
      if (cond === false) continue;
      const m: Match = { rule: pat.rule, words: matched };
      if (target !== undefined) m.target = target;
      if (pat.rule.id === 'huggingface-cli-upload') {
        const local = rest[1]?.word;
        // Uploading a model card or config files (README.md, model.yml) publishes no weights,
        // and neither does a dataset or a Space.
        if (local && METADATA_PATH.test(local.value)) continue;
        const repoType = flagValue(inv.args, ['--repo-type', '--repo_type'])?.value;
        if (repoType === 'dataset' || repoType === 'space') continue;
        if (local?.literal) m.localPath = local.value;
      }
      const tasks = this.tasksOf(pat.rule, inv, frame, resolve);
      if (tasks) m.tasks = tasks;
      if (cond) m.confidence = cond;
      seenKinds.add(pat.rule.kind);
      out.push(m);
    }
    return out;
  }

  /** Classifies a remote action (`uses: owner/repo@ref`) from the vocabulary. */
  classifyAction(ref: string, inputs: ReadonlyMap<string, string>, frame: Frame): { rule: StepRule; target?: string; confidence?: Confidence } | undefined {
    const name = cutAtAny(ref, '@');
    for (const u of this.vocab.uses) {
      if (!u.test(name)) continue;
      const rule = u.rule;
      const w = rule.with ?? {};
      if (
        !Object.entries(w).every(([k, v]) => {
          const given = inputs.get(k);
          // An expression (`push: ${{ github.event_name != 'pull_request' }}`) may well be true.
          if (given !== undefined && /^\s*\$\{\{[\s\S]*\}\}\s*$/.test(given)) return true;
          return given !== undefined && (given === v || new RegExp(`^${v.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(given));
        })
      )
        continue;
      let confidence: Confidence | undefined;
      let ok = true;
      for (const cond of rule.when ?? []) {
        if (cond === 'serving-image') {
          const tags = (inputs.get('tags') ?? '').split(/[\s,]+/).filter(Boolean);
          const df = inputs.get('file') ? joinPath(frame.cwd, inputs.get('file') as string) : joinPath(joinPath(frame.cwd, inputs.get('context') ?? '.'), 'Dockerfile');
          ok = tags.some((t) => !!servingImage(parseImage(t), this.settings)) || this.servesModel(df);
        } else if (cond === 'inference-workload') {
          const manifests = (inputs.get('manifests') ?? '')
            .split(/\s+/)
            .filter(Boolean)
            .map((p) => joinPath(frame.cwd, p));
          if (manifests.length > 0 && manifests.every((p) => this.project.exists(p))) ok = manifests.some((p) => this.servesModel(p));
          else {
            ok = MODEL_WORDS.test([...inputs.values()].join(' '));
            confidence = 'medium';
          }
        } else if (cond === 'model-server-code') {
          const image = inputs.get('image') ?? '';
          ok = !!servingImage(parseImage(image || 'x'), this.settings) || MODEL_WORDS.test([...inputs.values()].join(' '));
          if (!servingImage(parseImage(image || 'x'), this.settings)) confidence = 'medium';
        } else if (cond === 'deploy-context') ok = frame.deployContext;
        if (!ok) break;
      }
      if (!ok) continue;
      const target = rule.target?.input ? inputs.get(rule.target.input) : undefined;
      return { rule, ...(target ? { target } : {}), ...(confidence ? { confidence } : {}) };
    }
    return undefined;
  }
}

/** The word whose raw text is `raw`, as a word for `resolve`. */
function flagOrPos(inv: Invocation, raw: string): ShellWord {
  return inv.args.find((w) => w.raw === raw) ?? { ...inv.word, value: raw, raw };
}

function stripQuotes(s: string): string {
  return s.replace(/^(['"])(.*)\1$/s, '$2');
}
