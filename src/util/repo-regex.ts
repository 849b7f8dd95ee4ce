import { RE2JS } from 're2js';

/**
 * A regular expression written in a scanned repository (an nginx `location ~`, an Envoy
 * `safe_regex`, a Traefik `PathRegexp`), compiled for RE2 semantics: matching takes time linear in
 * the input whatever the pattern, so a pattern such as `^/v1/(a+)+$` cannot stall a scan. RE2 has
 * no backreferences and no lookaround; a pattern that uses them (PCRE allows both) is not
 * compiled, and the caller gets the reason instead.
 */
export type RepoRegex = { ok: true; test: (input: string) => boolean } | { ok: false; reason: string };

export interface RepoRegexOptions {
  /** nginx `~*`, a Kubernetes ingress `use-regex` path, a host name pattern. */
  caseInsensitive?: boolean;
}

const cache = new Map<string, RepoRegex>();

/** Compiles once per pattern and flags; later calls with the same pair get the same result. */
export function repoRegex(source: string, opts: RepoRegexOptions = {}): RepoRegex {
  const key = `${opts.caseInsensitive ? 'i' : '-'}${source}`;
  let hit = cache.get(key);
  if (!hit) {
    hit = compile(source, opts);
    cache.set(key, hit);
  }
  return hit;
}

function compile(source: string, opts: RepoRegexOptions): RepoRegex {
  try {
    const re = RE2JS.compile(source, opts.caseInsensitive ? RE2JS.CASE_INSENSITIVE : 0);
    return { ok: true, test: (input) => re.test(input) };
  } catch (e) {
    return { ok: false, reason: unsupportedReason(e) };
  }
}

/** RE2's parse error in words: `lookaround ((?=, (?!, (?<=, (?<!) is not supported`. */
function unsupportedReason(e: unknown): string {
  const text = e instanceof Error ? e.message.replace(/^error parsing regexp: /, '') : String(e);
  if (text.includes('(?=') || text.includes('(?!') || text.includes('(?<')) return `lookaround is not supported (${text})`;
  if (text.includes('invalid escape sequence: `\\') && /`\\\d/.test(text)) return `backreferences are not supported (${text})`;
  return text;
}

/** True when the pattern compiles and matches somewhere in the input; a pattern RE2 rejects matches nothing. */
export function repoRegexMatches(source: string, input: string, opts: RepoRegexOptions = {}): boolean {
  const re = repoRegex(source, opts);
  return re.ok && re.test(input);
}
