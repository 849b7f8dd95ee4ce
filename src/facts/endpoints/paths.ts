import type { PathSegment } from './types.js';
import { repoRegex, repoRegexMatches } from '../../util/repo-regex.js';
import { escapeRegExp, replaceEnclosed, replaceNamedGroups } from '../../util/text.js';

/**
 * Joins route path parts the way routers do (`/api` + `/chat` → `/api/chat`, `/` + `/` → `/`).
 * A trailing slash of the last part is kept (Flask and Django tell `/x` from `/x/`).
 */
export function joinPaths(...parts: Array<string | undefined>): string {
  const present = parts.filter((p): p is string => p !== undefined && p !== '');
  if (present.length === 0) return '/';
  let out = '';
  for (const p of present) {
    const piece = p.startsWith('/') ? p : `/${p}`;
    out = out.endsWith('/') ? out + piece.slice(1) : out + piece;
  }
  return out.replace(/\/{2,}/g, '/') || '/';
}

/** Splits a route path in any of the supported syntaxes into segments. */
export function pathSegments(path: string): PathSegment[] {
  const out: PathSegment[] = [];
  for (const raw of path.split('/')) {
    if (raw === '') continue;
    let m: RegExpExecArray | null;
    if ((m = /^\[\[\.\.\.([^\]]+)\]\]$/.exec(raw))) out.push({ kind: 'rest', name: m[1] as string, optional: true });
    else if ((m = /^\[\.\.\.([^\]]+)\]$/.exec(raw))) out.push({ kind: 'rest', name: m[1] as string, optional: false });
    else if ((m = /^\[([^\]]+)\]$/.exec(raw))) out.push({ kind: 'param', name: m[1] as string });
    else if ((m = /^\{([^}:]+):path\}$/.exec(raw))) out.push({ kind: 'rest', name: m[1] as string, optional: false });
    else if ((m = /^<path:([^>]+)>$/.exec(raw))) out.push({ kind: 'rest', name: m[1] as string, optional: false });
    else if ((m = /^\{([^}:]+)(?::[^}]*)?\}$/.exec(raw))) out.push({ kind: 'param', name: m[1] as string });
    else if ((m = /^<(?:[^:>]+:)?([^>]+)>$/.exec(raw))) out.push({ kind: 'param', name: m[1] as string });
    else if ((m = /^:([A-Za-z_$][\w$]*)([*+?])?(?:\(.*\))?$/.exec(raw))) {
      if (m[2] === '*' || m[2] === '+') out.push({ kind: 'rest', name: m[1] as string, optional: m[2] === '*' });
      else out.push({ kind: 'param', name: m[1] as string });
    } else if (raw === '*' || raw === '**' || /^\*[A-Za-z_]\w*$/.test(raw) || /^\{\*[^}]*\}$/.test(raw)) out.push({ kind: 'rest', name: raw.replace(/[{}*]/g, '') || '*', optional: true });
    else out.push({ kind: 'static', value: raw });
  }
  return out;
}

/** A concrete request path for a route (`/api/chat/:id` → `/api/chat/x`), for matchers and gateway routes. */
export function samplePath(path: string): string {
  const segs = pathSegments(path).map((s) => (s.kind === 'static' ? s.value : 'x'));
  const p = `/${segs.join('/')}`;
  return path.endsWith('/') && p !== '/' ? `${p}/` : p;
}

function segText(s: PathSegment): string {
  return s.kind === 'static' ? s.value : s.kind === 'param' ? `:${s.name}` : `:${s.name}*`;
}

/**
 * Whether a mount or middleware path filter (`app.use('/api', mw)`, Hono `app.use('/api/*', mw)`,
 * Koa `router.use('/admin', mw)`) applies to every request of a route. A filter matching only some
 * requests of the route (`/api/admin` for `/api/:section`) does not cover it.
 */
export function filterCovers(filter: string | undefined, routePath: string): boolean {
  if (filter === undefined || filter === '' || filter === '/' || filter === '*' || filter === '/*') return true;
  const route = pathSegments(routePath);
  if (filter.includes('*') && !/^\/?[^*]*\/\*$/.test(filter)) {
    // A glob: Hono `/api/*/chat`, `*` inside a segment.
    // The filter is the repository's text: RE2 keeps many stars (`.*` runs) linear.
    return repoRegexMatches(`^${filter.split('*').map(escapeRegExp).join('.*')}$`, samplePath(routePath));
  }
  const f = pathSegments(filter.replace(/\/\*$/, ''));
  if (f.length > route.length) {
    const last = f[f.length - 1];
    return f.length === route.length + 1 && last?.kind === 'rest' && last.optional && filterCovers(`/${f.slice(0, -1).map(segText).join('/')}`, routePath);
  }
  for (let i = 0; i < f.length; i++) {
    const a = f[i] as PathSegment;
    const b = route[i] as PathSegment;
    if (a.kind === 'rest') return true;
    if (a.kind === 'param') continue;
    if (b.kind !== 'static' || b.value !== a.value) return false;
  }
  return true;
}

/**
 * A Next.js `config.matcher` entry (path-to-regexp syntax: `/api/:path*`, `/dashboard/:id`,
 * `/((?!_next/static|favicon.ico).*)`) as a test of request paths. The pattern is the
 * repository's text, so it is evaluated with RE2 semantics (linear in the path whatever the
 * pattern, `/v1/(a+)+$` included), with the lookaheads of the common exclusion form evaluated
 * around RE2; undefined when it cannot be evaluated (see `nextMatcherProblem`).
 */
export function nextMatcherRegExp(pattern: string): { test(path: string): boolean } | undefined {
  const source = nextMatcherSource(pattern);
  const re = source === undefined ? undefined : repoRegex(source, { lookahead: true });
  return re?.ok ? re : undefined;
}

/** Why a Next.js matcher entry cannot be evaluated with RE2 semantics (a lookbehind, a backreference), if it cannot. */
export function nextMatcherProblem(pattern: string): string | undefined {
  const source = nextMatcherSource(pattern);
  if (source === undefined) return undefined;
  const re = repoRegex(source, { lookahead: true });
  return re.ok ? undefined : re.reason;
}

/** The regular expression source of a Next.js matcher entry; undefined when its path syntax is broken. */
function nextMatcherSource(pattern: string): string | undefined {
  let re = '';
  let i = 0;
  const p = pattern;
  while (i < p.length) {
    const c = p[i] as string;
    if (c === ':') {
      const m = /^:([A-Za-z_]\w*)(\([^)]*\))?([*+?])?/.exec(p.slice(i));
      if (!m) return undefined;
      const body = m[2] ? m[2].slice(1, -1) : '[^/]+';
      // A parameter right after a slash owns that slash (`/:path*` also matches nothing).
      const slash = re.endsWith('/');
      if (slash) re = re.slice(0, -1);
      const lead = slash ? '/' : '';
      if (m[3] === '*') re += `(?:${lead}(?:${body})(?:/(?:${body}))*)?`;
      else if (m[3] === '+') re += `${lead}(?:${body})(?:/(?:${body}))*`;
      else if (m[3] === '?') re += `(?:${lead}(?:${body}))?`;
      else re += `${lead}(?:${body})`;
      i += m[0].length;
    } else if (c === '(') {
      // A regex group: copy it through to its closing parenthesis.
      let depth = 0;
      let j = i;
      for (; j < p.length; j++) {
        if (p[j] === '\\') {
          j++;
          continue;
        }
        if (p[j] === '(') depth++;
        else if (p[j] === ')' && --depth === 0) break;
      }
      re += p.slice(i, j + 1);
      i = j + 1;
      if (p[i] === '*' || p[i] === '+' || p[i] === '?') re += p[i++];
    } else if (c === '*') {
      re += '.*';
      i++;
    } else if (c === '\\') {
      re += p.slice(i, i + 2);
      i += 2;
    } else {
      re += escapeRegExp(c);
      i++;
    }
  }
  return `^${re}/?$`;
}

/** Whether a Next.js matcher entry matches every request of a route (tested on a sample path). */
export function nextMatcherCovers(pattern: string, routePath: string): boolean {
  const re = nextMatcherRegExp(pattern);
  return !!re && re.test(samplePath(routePath));
}

/** Converts a Django `re_path` regex (`^api/chat/(?P<id>\d+)/$`) to a display path (`/api/chat/<id>/`). */
export function djangoRegexPath(re: string): string {
  let s = re.replace(/^\^/, '').replace(/\$$/, '');
  s = replaceEnclosed(replaceNamedGroups(s), '(', ')', '<param>');
  s = s.replace(/\\(.)/g, '$1').replace(/[?]/g, '');
  return s;
}

/**
 * Every chain of mounts from a root router down to `obj` (a router included in another, that
 * one in an app ...): at most 8 chains, 6 levels, and no cycle.
 */
export function mountChains<R, M extends { parent: R }>(obj: R, mountsOf: (child: R) => readonly M[], seen = new Set<R>()): M[][] {
  const ms = mountsOf(obj).filter((m) => !seen.has(m.parent));
  if (ms.length === 0 || seen.size > 6) return [[]];
  const out: M[][] = [];
  for (const m of ms) {
    for (const up of mountChains(m.parent, mountsOf, new Set([...seen, obj]))) {
      out.push([...up, m]);
      if (out.length >= 8) return out;
    }
  }
  return out;
}
