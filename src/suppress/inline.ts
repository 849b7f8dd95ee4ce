import type { FileModel } from '../model/file-model.js';
import type { FileKind, Span } from '../types.js';

export interface Directive {
  /** 1-based line of the comment. */
  line: number;
  /** Rule ids or `category/*` patterns named in the brackets. */
  ids: string[];
  reason: string;
  wholeFile: boolean;
  /** The comment is alone on its line (then it also covers the next line). */
  ownLine: boolean;
  span: Span;
  used: Set<string>;
}

const HASH_COMMENTS: ReadonlySet<FileKind> = new Set([
  'gha-workflow',
  'gha-action',
  'gitlab-ci',
  'compose',
  'k8s',
  'helm-values',
  'helm-chart',
  'helm-template',
  'yaml-config',
  'dockerfile',
  'dotenv',
  'python',
  'shell',
  'makefile',
  'modelfile',
  'requirements',
  'pyproject',
  'nginx',
]);

const DIRECTIVE = /modelguard-ignore(-file)?\[([^\]]*)\](?:[ \t]*:[ \t]*(.*))?/;

/** Lines from the top of a file within which `modelguard-ignore-file` is honoured. */
export const FILE_DIRECTIVE_LINES = 20;

/**
 * Reads `modelguard-ignore[rule-id]: reason` and `modelguard-ignore-file[rule-id]: reason`
 * from the file's comments: `#` comments in Python, YAML, shell, Dockerfiles and .env files;
 * `//` and `/* *\/` comments in TS/JS. JSON has no comments and no directives.
 */
export function parseDirectives(file: FileModel): Directive[] {
  const leaders = file.kind === 'typescript' ? ['//', '/*'] : HASH_COMMENTS.has(file.kind) ? ['#'] : [];
  if (leaders.length === 0 || !file.text.includes('modelguard-ignore')) return [];
  const out: Directive[] = [];
  const lines = file.lines;
  for (let line = 1; line <= lines.lineCount; line++) {
    const text = lines.lineText(line);
    const at = text.indexOf('modelguard-ignore');
    if (at === -1) continue;
    // The directive must open a comment: only the comment leader and blanks before it.
    let leaderAt = -1;
    for (const l of leaders) {
      const i = text.lastIndexOf(l, at);
      if (i !== -1 && /^[\s*]*$/.test(text.slice(i + l.length, at)) && i > leaderAt) leaderAt = i;
    }
    // A continuation line of a /* ... */ block: ` * modelguard-ignore[...]`.
    if (leaderAt === -1 && file.kind === 'typescript' && /^\s*\*\s*$/.test(text.slice(0, at))) leaderAt = text.indexOf('*');
    if (leaderAt === -1) continue;
    const m = DIRECTIVE.exec(text.slice(at));
    if (!m) continue;
    const wholeFile = !!m[1];
    if (wholeFile && line > FILE_DIRECTIVE_LINES) continue;
    const ids = (m[2] as string)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const rest = (m[3] ?? '').trimEnd();
    // `reason */` of a block comment; `trimEnd` first, so no run of spaces is scanned twice.
    const reason = (rest.endsWith('*/') ? rest.slice(0, -2) : rest).trim();
    const start = lines.lineStart(line) + leaderAt;
    out.push({
      line,
      ids,
      reason,
      wholeFile,
      ownLine: text.slice(0, leaderAt).trim() === '',
      span: { start, end: lines.lineStart(line) + at + m[0].length },
      used: new Set(),
    });
  }
  return out;
}

export function directiveMatches(d: Directive, ruleId: string): string | undefined {
  for (const id of d.ids) {
    if (id === ruleId) return id;
    if (id.endsWith('/*') && ruleId.startsWith(id.slice(0, -1))) return id;
  }
  return undefined;
}

/** The directive that suppresses a finding of `ruleId` starting on `line`, if any. */
export function findDirective(directives: Directive[], ruleId: string, line: number): { directive: Directive; id: string } | undefined {
  for (const d of directives) {
    const applies = d.wholeFile || d.line === line || (d.ownLine && d.line === line - 1);
    if (!applies) continue;
    const id = directiveMatches(d, ruleId);
    if (id) return { directive: d, id };
  }
  return undefined;
}
