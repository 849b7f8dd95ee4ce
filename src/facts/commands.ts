import type { FileModel } from '../model/file-model.js';
import { parseMakefile, type Makefile } from '../parse/makefile.js';
import type { CommandOrigin, ShellCommand, ShellScript, ShellWord } from '../parse/shell.js';
import { isMap, isScalar, isSeq, type Scalar, type YamlFile, type YNode } from '../parse/yaml.js';
import { SegmentMap, shiftedMap, type OffsetMap, type Segment } from '../util/text-map.js';
import { workloads, type Workload } from './workloads.js';
import { cutAtAny } from '../util/text.js';

/** A command found in a file, with where it runs. */
export interface LocatedCommand extends ShellCommand {
  origin: CommandOrigin;
  /** For messages: `job "train" step 3`, `service "vllm"`, `RUN`. */
  where: string;
  /** The compose service or Kubernetes container that runs it. */
  workload?: Workload;
  /** The script it belongs to (for its variables); undefined for exec-form commands. */
  script?: ShellScript;
  /** GitHub Actions job id / GitLab job name, when it is in a CI job. */
  job?: string;
  /** Index of the step in the job (GitHub Actions). */
  step?: number;
  /** Makefile: the target whose recipe runs it. */
  target?: string;
}

/** A Makefile's rules, recipes and simple variables, parsed once per file. */
export function makefileModel(file: FileModel): Makefile {
  return file.memo('facts:makefile', () => parseMakefile(file.text));
}

/**
 * Actions whose input is a shell command they run (retry wrappers, remote shells): the input's
 * name. `uses: nick-fields/retry@v3` with `command: huggingface-cli download ...` runs that command.
 */
const COMMAND_ACTIONS: ReadonlyMap<string, string> = new Map([
  ['nick-fields/retry', 'command'],
  ['wandalen/wretry.action', 'command'],
  ['appleboy/ssh-action', 'script'],
]);

/** The input of a `uses:` step that holds a shell command, when the action is one that runs it. */
function actionCommandInput(uses: string | undefined): string | undefined {
  const name = uses === undefined ? undefined : cutAtAny(uses, '@').toLowerCase();
  return name ? COMMAND_ACTIONS.get(name) : undefined;
}

const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ash', 'ksh']);
const NON_POSIX_SHELLS = /^(python|pwsh|powershell|cmd)\b/;

function basename(word: string): string {
  return word.replace(/^.*\//, '');
}

/**
 * Exec-form words from YAML list items (`["vllm", "serve", ...]`). Kubernetes expands `$(VAR)`
 * in them; compose (`interpolated`) expands `$VAR` and `${VAR}` (`$$` is a literal `$`).
 */
function yamlWords(y: YamlFile, seq: YNode | null, interpolated = false): ShellWord[] {
  const words: ShellWord[] = [];
  for (const item of y.items(seq)) {
    if (!isScalar(item) || item.value === null) continue;
    const value = String(item.value);
    const span = y.span(item);
    const expanded = value.includes('$(') || (interpolated && /\$(\{|[A-Za-z_])/.test(value.replace(/\$\$/g, '')));
    words.push({ value, raw: String(item.source ?? value), span, literal: !expanded, map: y.valueMap(item as Scalar) });
  }
  return words;
}

/** Offsets in the value of a JSON string literal written at `start` → file offsets, escapes included. */
function jsonStringMap(raw: string, start: number): OffsetMap {
  const segments: Segment[] = [];
  let v = 0;
  let i = 1;
  while (i < raw.length - 1) {
    if (raw[i] === '\\') {
      // One escape (`\"`, `\n`, `\u00e9`) is one UTF-16 unit of the value: its start maps to the
      // backslash, its end to just after the escape.
      const len = raw[i + 1] === 'u' ? 6 : 2;
      segments.push({ from: v, to: start + i, length: 0 }, { from: v + 1, to: start + i + len, length: 0 });
      v += 1;
      i += len;
      continue;
    }
    let j = i;
    while (j < raw.length - 1 && raw[j] !== '\\') j++;
    segments.push({ from: v, to: start + i, length: j - i });
    v += j - i;
    i = j;
  }
  return segments.length > 0 ? new SegmentMap(segments, start + 1) : shiftedMap(start + 1);
}

function execCommand(words: ShellWord[]): ShellCommand | undefined {
  if (words.length === 0) return undefined;
  // The words may come from two keys (`entrypoint:` after `command:`): span them all.
  const start = Math.min(...words.map((w) => w.span.start));
  const end = Math.max(...words.map((w) => w.span.end));
  return { words, assignments: [], span: { start, end }, negated: false, exec: true };
}

class Collector {
  readonly out: LocatedCommand[] = [];

  constructor(private readonly file: FileModel) {}

  add(cmd: ShellCommand, origin: CommandOrigin, where: string, extra: Partial<LocatedCommand> = {}, depth = 0): void {
    const located: LocatedCommand = { ...cmd, origin, where, ...extra };
    this.out.push(located);
    // sh -c 'script': the script's commands run too.
    if (depth < 3 && cmd.words.length >= 3 && SHELLS.has(basename(cmd.words[0]?.value ?? ''))) {
      const i = cmd.words.findIndex((w, n) => n > 0 && /^-[a-z]*c[a-z]*$/.test(w.value));
      const scriptWord = i > 0 ? cmd.words[i + 1] : undefined;
      if (scriptWord) {
        const inner = this.file.parseShell(scriptWord.value, scriptWord.map);
        if (inner) for (const c of inner.commands) this.add(c, origin, where, { ...extra, script: inner }, depth + 1);
      }
    }
  }

  addScript(script: ShellScript | undefined, origin: CommandOrigin, where: string, extra: Partial<LocatedCommand> = {}): void {
    if (!script) return;
    for (const c of script.commands) this.add(c, origin, where, { ...extra, script });
  }

  /** A YAML scalar holding a script (`run: |`), parsed with positions mapped into the file. */
  yamlScript(y: YamlFile, node: YNode | null, origin: CommandOrigin, where: string, extra: Partial<LocatedCommand> = {}, gha = false): void {
    if (!node || !isScalar(node) || typeof node.value !== 'string') return;
    this.addScript(this.file.parseShell(node.value, y.valueMap(node as Scalar), gha), origin, where, extra);
  }
}

function ghaShell(y: YamlFile, ...nodes: Array<YNode | null>): string | undefined {
  for (const n of nodes) {
    const s = y.str(y.getIn(n, ['defaults', 'run', 'shell']));
    if (s) return s;
  }
  return undefined;
}

/** GitLab flattens nested script lists up to 10 levels (`!reference` results); deeper lists are not scripts. */
const GITLAB_SCRIPT_NESTING = 10;

function gitlabScripts(c: Collector, y: YamlFile, node: YNode | null, where: string, job: string): void {
  const stack: { node: YNode | null; depth: number }[] = [{ node, depth: 0 }];
  while (stack.length > 0) {
    const { node: n, depth } = stack.pop()!;
    if (!n) continue;
    if (isScalar(n)) c.yamlScript(y, n, 'gitlab-script', where, { job });
    else if (isSeq(n) && depth <= GITLAB_SCRIPT_NESTING) {
      const items = [...y.items(n)];
      for (let i = items.length - 1; i >= 0; i--) stack.push({ node: items[i] ?? null, depth: depth + 1 });
    }
  }
}

const GITLAB_RESERVED = new Set(['stages', 'variables', 'include', 'default', 'workflow', 'image', 'services', 'cache', 'before_script', 'after_script', 'pages']);

function workloadCommands(c: Collector, file: FileModel, y: YamlFile): void {
  for (const w of workloads(file)) {
    const compose = w.kind === 'compose-service';
    const where = compose ? `service "${w.name}"` : `${w.owner} container "${w.name}"`;
    const origin: CommandOrigin = compose ? 'compose-command' : 'k8s-command';
    // A string entrypoint (`entrypoint: /bin/sh -c`) is parsed as a script of its own.
    const entryScript = w.entrypoint && isScalar(w.entrypoint) && typeof w.entrypoint.value === 'string' ? file.parseShell(w.entrypoint.value, y.valueMap(w.entrypoint as Scalar)) : undefined;
    const commandText = w.command && isScalar(w.command) && typeof w.command.value === 'string' && w.command.value.trim() ? (w.command as Scalar) : undefined;
    const hasCommand = isSeq(w.command) || !!commandText;
    // With a command, the entrypoint's words come first and the command's are its arguments.
    const entryWords = entryScript && hasCommand && entryScript.commands.length === 1 ? (entryScript.commands[0] as ShellCommand).words : undefined;
    const entry = isSeq(w.entrypoint) ? yamlWords(y, w.entrypoint, compose) : (entryWords ?? []);
    if (isSeq(w.command) || (isSeq(w.entrypoint) && !hasCommand)) {
      const cmd = execCommand([...entry, ...yamlWords(y, w.command, compose)]);
      if (cmd) c.add(cmd, origin, where, { workload: w });
    } else if (commandText) {
      const script = file.parseShell(commandText.value as string, y.valueMap(commandText));
      if (script && entry.length > 0 && script.commands[0]) {
        const first = script.commands[0];
        script.commands[0] = { ...first, words: [...entry, ...first.words], exec: true };
      }
      c.addScript(script, origin, where, { workload: w });
    }
    if (entryScript && !entryWords) c.addScript(entryScript, compose ? 'compose-entrypoint' : 'k8s-command', where, { workload: w });
  }
}

/**
 * Every command a file runs, with positions: shell scripts, GitHub Actions `run:` steps (in a
 * POSIX shell) and the command inputs of actions that run one (`nick-fields/retry`), Makefile
 * recipe lines, GitLab `script:`/`before_script:`/`after_script:`, Dockerfile RUN/CMD/ENTRYPOINT
 * (shell and exec form), compose `command:`/`entrypoint:` (string and list), Kubernetes and
 * Helm-values container `command:`/`args:`. `sh -c '...'` scripts are opened up.
 */
export function commands(file: FileModel): LocatedCommand[] {
  return file.memo('facts:commands', () => {
    const c = new Collector(file);
    const y = file.yaml();
    switch (file.kind) {
      case 'shell':
        c.addScript(file.shellScript(), 'script', 'script');
        break;
      case 'gha-workflow':
      case 'gha-action': {
        if (!y) break;
        for (const doc of y.documents) {
          const root = y.root(doc);
          const jobs = file.kind === 'gha-workflow' ? y.entries(y.get(root, 'jobs')) : [{ key: '(composite)', value: y.get(root, 'runs') }];
          for (const job of jobs) {
            y.items(y.get(job.value, 'steps')).forEach((step, i) => {
              // `run:`, or the command input of an action that runs one (`with: { command: ... }`).
              const input = actionCommandInput(y.str(y.get(step, 'uses')));
              const run = y.get(step, 'run') ?? (input ? y.getIn(step, ['with', input]) : null);
              if (!run) return;
              const shell = y.str(y.get(step, 'shell')) ?? (input ? y.str(y.getIn(step, ['with', 'shell'])) : undefined) ?? ghaShell(y, job.value, root);
              if (shell && NON_POSIX_SHELLS.test(shell)) return;
              const name = y.str(y.get(step, 'name')) ?? y.str(y.get(step, 'id'));
              const where = file.kind === 'gha-action' ? `step ${name ? `"${name}"` : i + 1}` : `job "${job.key}" step ${name ? `"${name}"` : i + 1}`;
              c.yamlScript(y, run, 'gha-run', where, { job: job.key, step: i }, true);
            });
          }
        }
        break;
      }
      case 'gitlab-ci': {
        if (!y) break;
        for (const doc of y.documents) {
          const root = y.root(doc);
          for (const key of ['before_script', 'after_script']) gitlabScripts(c, y, y.get(root, key), `global ${key}`, '(default)');
          for (const key of ['before_script', 'after_script']) gitlabScripts(c, y, y.getIn(root, ['default', key]), `default ${key}`, '(default)');
          for (const job of y.entries(root)) {
            if (GITLAB_RESERVED.has(job.key) || !isMap(job.value)) continue;
            for (const key of ['before_script', 'script', 'after_script']) gitlabScripts(c, y, y.get(job.value, key), `job "${job.key}" ${key}`, job.key);
          }
        }
        break;
      }
      case 'dockerfile': {
        const df = file.dockerfile();
        if (!df) break;
        for (const ins of df.instructions) {
          const origin: CommandOrigin | undefined =
            ins.keyword === 'RUN' ? 'dockerfile-run' : ins.keyword === 'CMD' ? 'dockerfile-cmd' : ins.keyword === 'ENTRYPOINT' ? 'dockerfile-entrypoint' : undefined;
          if (!origin) continue;
          if (ins.exec) {
            const words = ins.exec.map((a) => {
              const raw = file.text.slice(a.span.start, a.span.end);
              return { value: a.value, raw, span: a.span, literal: true, map: jsonStringMap(raw, a.span.start) };
            });
            const cmd = execCommand(words);
            if (cmd) c.add(cmd, origin, ins.keyword);
            continue;
          }
          // RUN --mount=... --network=... flags come before the command.
          const flags = /^(?:--[a-z-]+(?:=\S*)?\s+)*/.exec(ins.argsText)?.[0].length ?? 0;
          const start = ins.argsStart + flags;
          c.addScript(file.parseShell(file.text.slice(start, ins.span.end), shiftedMap(start)), origin, ins.keyword);
        }
        break;
      }
      case 'compose':
      case 'k8s':
      case 'helm-values':
        if (y) workloadCommands(c, file, y);
        break;
      case 'makefile': {
        // Each recipe line runs in its own shell; a line shared by several targets is read once.
        const seen = new Set<number>();
        for (const t of makefileModel(file).targets.values()) {
          for (const line of t.recipe) {
            if (seen.has(line.start)) continue;
            seen.add(line.start);
            c.addScript(file.parseShell(line.text, shiftedMap(line.start)), 'makefile-recipe', `target "${t.name}"`, { target: t.name });
          }
        }
        break;
      }
      default:
        break;
    }
    return c.out;
  });
}
