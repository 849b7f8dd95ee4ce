import type { Span } from '../types.js';
import { cutAtAny, cutAtSpacedMarker } from '../util/text.js';

/** One recipe line of a Makefile rule (make runs each in its own shell, unless `.ONESHELL`). */
export interface MakeRecipeLine {
  /** The shell text, `@`/`-`/`+` prefixes removed, backslash-newlines kept. */
  text: string;
  /** File offset of `text`. */
  start: number;
  /** `-` prefix: make ignores the line's failure. */
  ignoreErrors: boolean;
  /** Span of the `-` prefix, when present. */
  ignoreSpan?: Span;
}

export interface MakeTarget {
  name: string;
  /** Span of the target name in its rule line. */
  span: Span;
  prerequisites: string[];
  recipe: MakeRecipeLine[];
}

export interface Makefile {
  /** Targets in the order they are defined (the first is the default goal). */
  targets: Map<string, MakeTarget>;
  /** Simple variables (`NAME = value`, `:=`, `?=`), last assignment wins. */
  variables: Map<string, string>;
  /** `.ONESHELL:` is set. */
  oneShell: boolean;
  /** `.SHELLFLAGS` (default `-c`). */
  shellFlags: string;
}

interface LogicalLine {
  text: string;
  start: number;
  /** Starts with a tab (a recipe line). */
  recipe: boolean;
}

function logicalLines(text: string): LogicalLine[] {
  const out: LogicalLine[] = [];
  let i = 0;
  while (i < text.length) {
    const start = i;
    let end = i;
    // Join backslash-newline continuations.
    for (;;) {
      const nl = text.indexOf('\n', end);
      const lineEnd = nl === -1 ? text.length : nl;
      const line = text.slice(end, lineEnd).replace(/\r$/, '');
      if (line.endsWith('\\') && nl !== -1) {
        end = nl + 1;
        continue;
      }
      end = lineEnd;
      break;
    }
    out.push({ text: text.slice(start, end).replace(/\r$/, ''), start, recipe: text[start] === '\t' });
    i = end + 1;
  }
  return out;
}

const ASSIGN = /^\s*(?:export\s+|override\s+)*([A-Za-z_.][A-Za-z0-9_.-]*)\s*(:{1,3}=|\?=|\+=|!=|=)\s*(.*)$/s;
export const RULE = /^([^\t#=:](?:[^#=]*?[^#=\s])??)\s*(::?)(?!=)\s*(.*)$/s;

/** Parses the parts of a Makefile that say what runs: rules, prerequisites, recipes, simple variables. */
export function parseMakefile(text: string): Makefile {
  const mk: Makefile = { targets: new Map(), variables: new Map(), oneShell: false, shellFlags: '-c' };
  let current: MakeTarget[] = [];
  for (const line of logicalLines(text)) {
    if (line.recipe) {
      if (current.length === 0) continue;
      let j = 1;
      let ignoreSpan: Span | undefined;
      while (j < line.text.length && /[@+\- \t]/.test(line.text[j] as string)) {
        if (line.text[j] === '-' && !ignoreSpan) ignoreSpan = { start: line.start + j, end: line.start + j + 1 };
        j++;
      }
      const body = line.text.slice(j);
      if (!body.trim() || body.trimStart().startsWith('#')) continue;
      const recipe: MakeRecipeLine = { text: body, start: line.start + j, ignoreErrors: !!ignoreSpan, ...(ignoreSpan ? { ignoreSpan } : {}) };
      for (const t of current) t.recipe.push(recipe);
      continue;
    }
    const trimmed = line.text.trim();
    if (!trimmed || trimmed.startsWith('#')) continue;
    if (/^(ifeq|ifneq|ifdef|ifndef|else|endif|include|-include|sinclude|define|endef|vpath|unexport)\b/.test(trimmed)) continue;
    const assign = ASSIGN.exec(line.text);
    if (assign) {
      const name = assign[1] as string;
      const value = cutAtSpacedMarker((assign[3] as string).replace(/\\\n\s*/g, ' '), '#').trim();
      if (name === '.SHELLFLAGS') mk.shellFlags = value;
      else if (assign[2] === '+=') mk.variables.set(name, `${mk.variables.get(name) ?? ''} ${value}`.trim());
      else if (assign[2] !== '?=' || !mk.variables.has(name)) mk.variables.set(name, value);
      current = [];
      continue;
    }
    const rule = RULE.exec(line.text);
    if (!rule) {
      current = [];
      continue;
    }
    const names = (rule[1] as string).trim().split(/\s+/);
    let rest = (rule[3] as string).replace(/\\\n\s*/g, ' ');
    let inline: string | undefined;
    const semi = rest.indexOf(';');
    if (semi !== -1) {
      inline = rest.slice(semi + 1);
      rest = rest.slice(0, semi);
    }
    // Target-specific variables (`target: VAR = value`) are not rules.
    if (/^[A-Za-z_][A-Za-z0-9_]*\s*(:?=|\?=|\+=)/.test(rest.trim())) {
      current = [];
      continue;
    }
    const prerequisites = cutAtAny(rest, '#')
      .split(/\s+/)
      .filter((p) => p && p !== '|');
    if (names.includes('.ONESHELL')) mk.oneShell = true;
    current = [];
    let at = 0;
    for (const name of names) {
      const off = line.text.indexOf(name, at);
      at = off + name.length;
      if (name.startsWith('.') && /^\.[A-Z_]+$/.test(name)) continue;
      const existing = mk.targets.get(name);
      const target: MakeTarget = existing ?? { name, span: { start: line.start + off, end: line.start + off + name.length }, prerequisites: [], recipe: [] };
      target.prerequisites.push(...prerequisites);
      if (!existing) mk.targets.set(name, target);
      current.push(target);
    }
    if (inline?.trim()) {
      const start = line.start + line.text.indexOf(inline, (rule[1] as string).length);
      for (const t of current) t.recipe.push({ text: inline, start, ignoreErrors: false });
    }
  }
  return mk;
}

/** `$(NAME)`/`${NAME}` in a word, replaced by the Makefile's simple variables (one level). */
export function expandMakeVariables(value: string, vars: ReadonlyMap<string, string>): string {
  return value.replace(/\$[({]([A-Za-z_][A-Za-z0-9_]*)[)}]/g, (m, name: string) => vars.get(name) ?? m);
}
