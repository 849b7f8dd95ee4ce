import type { FileModel } from '../../model/file-model.js';
import type { ShellCommand } from '../../parse/shell.js';
import type { NonGating } from './model.js';

/** Shell options in force where a command runs. */
export interface ShellState {
  errexit: boolean;
  pipefail: boolean;
  /** Where errexit was turned off (`set +e`), if it was. */
  errexitOffAt?: ShellCommand;
}

/** Applies a `set` command to the state; returns true when it was one. */
export function applySet(cmd: ShellCommand, state: ShellState): boolean {
  if (cmd.words[0]?.value !== 'set') return false;
  const ws = cmd.words.slice(1).map((w) => w.value);
  for (let i = 0; i < ws.length; i++) {
    const w = ws[i] as string;
    const on = w.startsWith('-');
    if (!/^[-+][A-Za-z]+$/.test(w)) continue;
    if (w.slice(1).includes('e')) {
      state.errexit = on;
      if (on) delete state.errexitOffAt;
      else state.errexitOffAt = cmd;
    }
    if (w.slice(1).includes('o')) {
      const opt = ws[i + 1];
      if (opt === 'pipefail') state.pipefail = on;
      if (opt === 'errexit') {
        state.errexit = on;
        if (on) delete state.errexitOffAt;
        else state.errexitOffAt = cmd;
      }
    }
  }
  return true;
}

/** Initial options from a shell's flags (`bash -eo pipefail`, `sh -e {0}`). */
export function stateFromFlags(flags: string): ShellState {
  const f = ` ${flags} `;
  return {
    errexit: /\s-[a-zA-Z]*e[a-zA-Z]*\s/.test(f) || /-o\s+errexit/.test(f),
    pipefail: /-o\s+pipefail/.test(f) || /-[a-zA-Z]*o[a-zA-Z]*\s+pipefail/.test(f),
  };
}

/** Initial options of a script file, from its shebang (`#!/bin/bash -e`). */
export function stateFromShebang(text: string): ShellState {
  const m = /^#!\s*\S+(?:\s+\S*sh)?((?:\s+[-+][A-Za-z]+(?:\s+\w+)?)*)/.exec(text);
  return stateFromFlags(m?.[1] ?? '');
}

function cmdText(file: FileModel, c: ShellCommand): string {
  return file.text.slice(c.span.start, c.span.end).replace(/\s+/g, ' ').trim();
}

function exitsNonZero(c: ShellCommand): boolean {
  const name = c.words[0]?.value;
  const arg = c.words[1]?.value;
  if (name === 'false') return true;
  if (name === 'exit' || name === 'return') return arg === undefined ? false : arg !== '0';
  return false;
}

function usesStatus(c: ShellCommand | undefined): boolean {
  if (!c) return false;
  return c.words.some((w) => /\$\?|\$\{\?\}|PIPESTATUS/.test(w.value)) || c.assignments.some((a) => /\$\?|PIPESTATUS/.test(a.value?.value ?? ''));
}

/** True when the command is the condition of an `if`/`while`/`until` (its status is used). */
function isCondition(file: FileModel, c: ShellCommand): boolean {
  // Only the end of the line before the command matters: a line of thousands of `&&`-joined
  // commands is not re-read from its start for each of them.
  const lineStart = file.lines.lineStart(file.lines.position(c.span.start).line);
  const from = Math.max(lineStart, c.span.start - 1000);
  const before = (from > lineStart ? ' ' : '') + file.text.slice(from, c.span.start);
  return /(^|[;&|({]\s*|\s)(if|elif|while|until)\s+(!\s*)?$/.test(before);
}

/** What `shellNonGating` asks of every command of a script, computed once per script so that a line of 20,000 `&&` is not re-read for each of them. */
interface Runs {
  /** `andEnd[k]`: the last command of the `&&` list command k starts (k itself when it is not followed by `&&`). */
  andEnd: Int32Array;
  /** `onlyExitFrom[j]`: 1 when the commands from j on are all a bare `exit` (or there are none). */
  onlyExitFrom: Uint8Array;
  /** `failsBefore[j]`: how many of the commands before j always fail (`false`, `exit 1`). */
  failsBefore: Int32Array;
  /** `pipeEnd[j]`: the last command of the pipeline command j is part of, when j is piped into. */
  pipeEnd: Int32Array;
}

const RUNS = new WeakMap<readonly ShellCommand[], Runs>();

function runsOf(cs: readonly ShellCommand[]): Runs {
  const n = cs.length;
  const known = RUNS.get(cs);
  if (known && known.andEnd.length === n) return known;
  const andEnd = new Int32Array(n);
  const onlyExitFrom = new Uint8Array(n + 1);
  const failsBefore = new Int32Array(n + 1);
  const pipeEnd = new Int32Array(n + 1);
  pipeEnd[n] = n;
  onlyExitFrom[n] = 1;
  for (let i = n - 1; i >= 0; i--) {
    const x = cs[i] as ShellCommand;
    andEnd[i] = x.after === '&&' ? (i + 1 < n ? (andEnd[i + 1] as number) : n) : i;
    pipeEnd[i] = x.before === '|' && cs[i + 1]?.before === '|' ? (pipeEnd[i + 1] as number) : i;
    onlyExitFrom[i] = onlyExitFrom[i + 1] === 1 && x.words[0]?.value === 'exit' && x.words[1]?.value === undefined ? 1 : 0;
  }
  for (let i = 0; i < n; i++) failsBefore[i + 1] = (failsBefore[i] as number) + (exitsNonZero(cs[i] as ShellCommand) ? 1 : 0);
  const runs = { andEnd, onlyExitFrom, failsBefore, pipeEnd };
  RUNS.set(cs, runs);
  return runs;
}

/**
 * Why a command's failure cannot stop what runs after it in its script, or undefined when it
 * can. `cs` is the script's commands in order and `k` the command's index; `state` the
 * options in force at the command.
 */
export function shellNonGating(file: FileModel, cs: readonly ShellCommand[], k: number, state: ShellState, lastCounts = true): NonGating | undefined {
  const c = cs[k] as ShellCommand;
  const next = cs[k + 1];
  if (isCondition(file, c) || c.negated) return undefined;
  // `rc=$?` right after it (an assignment is no command of its own).
  const gap = file.text.slice(c.span.end, next ? next.span.start : Math.min(file.text.length, c.span.end + 200));
  if (/\$\?|\$\{\?\}|PIPESTATUS/.test(gap)) return undefined;
  // `cmd || true`, `cmd || echo failed`: the status is replaced.
  if (c.after === '||' && next) {
    const nl = file.text.indexOf('\n', next.span.start);
    const lineEnd = nl === -1 ? file.text.length : nl;
    const rhs: ShellCommand[] = [];
    for (let j = k + 1; j < cs.length && j <= k + 4; j++) {
      const x = cs[j] as ShellCommand;
      if (x.span.start > lineEnd && j > k + 1) break;
      rhs.push(x);
    }
    if (rhs.some(exitsNonZero)) return undefined;
    return { id: 'maskedStatus', at: { file, span: next.words[0]?.span ?? next.span }, construct: `|| ${cmdText(file, next)}` };
  }
  // `cmd; exit 0`
  if (next && next.words[0]?.value === 'exit' && next.words[1]?.value === '0' && c.after !== '&&' && c.after !== '|') {
    return { id: 'maskedStatus', at: { file, span: next.span }, construct: 'exit 0' };
  }
  // `cmd | tee log` without pipefail: the pipeline's status is the last command's.
  if (c.after === '|' && !state.pipefail && !cs.slice(k + 1, k + 4).some(usesStatus)) {
    const last = cs[runsOf(cs).pipeEnd[k + 1] as number] as ShellCommand;
    return {
      id: 'unsafePipe',
      at: { file, span: c.words[0]?.span ?? c.span },
      construct: `| ${cmdText(file, last).slice(0, 40)}`,
      reason: `it is piped into \`${last.words[0]?.value ?? '…'}\` without \`set -o pipefail\``,
    };
  }
  // Whether anything after it in the script runs regardless of its failure.
  const runs = runsOf(cs);
  const end = runs.andEnd[k] as number;
  const isLast = runs.onlyExitFrom[Math.min(end + 1, cs.length)] === 1;
  if (state.errexit) {
    // An `&&` list is exempt from errexit: `eval && echo ok` goes on when eval fails.
    if (c.after === '&&' && !isLast && !usesStatus(cs[end + 1]) && !(cs[end + 1]?.before === '||' && exitsNonZero(cs[end + 1] as ShellCommand))) {
      return {
        id: 'errexitOff',
        at: { file, span: c.words[0]?.span ?? c.span },
        construct: '&&',
        reason: 'it is the left side of an `&&` list, which `set -e` does not check, and the script goes on after the list',
      };
    }
    return undefined;
  }
  if (isLast && lastCounts) return undefined;
  if (usesStatus(next) || (c.after === '&&' && (runs.failsBefore[Math.min(end + 1, cs.length)] as number) > (runs.failsBefore[k + 1] as number))) return undefined;
  if (state.errexitOffAt) {
    const off = state.errexitOffAt;
    return { id: 'errexitOff', at: { file, span: off.span }, construct: cmdText(file, off), reason: `\`${cmdText(file, off)}\` turned off exit-on-error before it and nothing checks its exit status` };
  }
  return {
    id: 'errexitOff',
    at: { file, span: c.words[0]?.span ?? c.span },
    construct: 'no set -e',
    reason: 'the script does not stop on errors (no `set -e`) and goes on after it without checking its exit status',
  };
}
