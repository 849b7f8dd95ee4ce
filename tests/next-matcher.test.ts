import { describe, expect, it } from 'vitest';
import { nextMatcherCovers, nextMatcherRegExp } from '../src/facts/endpoints/index.js';
import { nextMatcherProblem } from '../src/facts/endpoints/paths.js';
import { repoRegex, splitLookaheads } from '../src/util/repo-regex.js';
import { findingLines, scanDir, tempRepo } from './helpers/run.js';

/** Next.js `config.matcher` entries are the repository's regular expressions: RE2 evaluates them. */
describe('Next.js matchers with RE2 semantics', () => {
  it('a catastrophic matcher finishes and still matches', () => {
    // A `$` in a matcher is a literal character, as in path-to-regexp: the group is the regex.
    const m = nextMatcherRegExp('/v1/(a+)+');
    expect(m).toBeDefined();
    // With backtracking, 40 `a`s and a miss take 2^40 steps.
    expect(m?.test(`/v1/${'a'.repeat(40)}!`)).toBe(false);
    expect(m?.test(`/v1/${'a'.repeat(50_000)}b`)).toBe(false);
    expect(m?.test('/v1/aaaa')).toBe(true);
    expect(m?.test('/v1/aaaa/')).toBe(true);
    expect(nextMatcherCovers('/v1/(a+)+', '/v1/b')).toBe(false);
  });

  it('evaluates the exclusion lookaheads Next.js documents', () => {
    const docs = '/((?!_next/static|_next/image|favicon.ico|sitemap.xml|robots.txt).*)';
    expect(nextMatcherCovers(docs, '/api/chat')).toBe(true);
    expect(nextMatcherCovers(docs, '/')).toBe(true);
    expect(nextMatcherCovers(docs, '/_next/static/chunks/main.js')).toBe(false);
    expect(nextMatcherCovers(docs, '/favicon.ico')).toBe(false);
    const noApi = '/((?!api|static|.*\\..*|_next|auth).*)';
    expect(nextMatcherCovers(noApi, '/api/chat')).toBe(false);
    expect(nextMatcherCovers(noApi, '/chat')).toBe(true);
    expect(nextMatcherCovers(noApi, '/logo.png')).toBe(false);
    expect(nextMatcherCovers('/api/((?!health).*)', '/api/chat')).toBe(true);
    expect(nextMatcherCovers('/api/((?!health).*)', '/api/health')).toBe(false);
    expect(nextMatcherCovers('/((?=api).*)', '/api/chat')).toBe(true);
    expect(nextMatcherCovers('/((?=api).*)', '/chat')).toBe(false);
  });

  it('splits only lookaheads whose groups it may drop', () => {
    expect(splitLookaheads('^/((?!a|b).*)/?$')).toEqual([
      { kind: 'text', text: '/' },
      { kind: 'look', negative: true, text: 'a|b' },
      { kind: 'text', text: '.*/?' },
    ]);
    expect(splitLookaheads('^/((?!a).)*$')).toBeUndefined();
    expect(splitLookaheads('^/(x|(?!a).*)$')).toBeUndefined();
    expect(splitLookaheads('^/(?<!a)b$')).toBeUndefined();
    expect(splitLookaheads('^\\b(?!a)b$')).toBeUndefined();
    expect(splitLookaheads('/(?!a)b')).toBeUndefined();
    // Character classes and escapes are read as such: `[(]` opens no group, `\(` neither.
    expect(splitLookaheads('^[(^]\\((?!a)[^)]*$')).toEqual([
      { kind: 'text', text: '[(^]\\(' },
      { kind: 'look', negative: true, text: 'a' },
      { kind: 'text', text: '[^)]*' },
    ]);
    // Only asked for: gateway patterns keep reporting lookaheads.
    expect(repoRegex('^/(?!a).*$').ok).toBe(false);
  });

  it('a matcher RE2 cannot evaluate gives a reason and covers nothing', () => {
    expect(nextMatcherProblem('/((?<!_next).*)')).toMatch(/lookaround/);
    expect(nextMatcherCovers('/((?<!_next).*)', '/api/chat')).toBe(false);
    expect(nextMatcherProblem('/(api)/\\1')).toMatch(/backreference/);
    expect(nextMatcherProblem('/((?!_next/static).*)')).toBeUndefined();
    expect(nextMatcherProblem('/api/:path*')).toBeUndefined();
  });

  it('reports an unsupported matcher on the middleware file', async () => {
    const root = tempRepo({
      'package.json': '{"dependencies":{"next":"15","next-auth":"5.0.0-beta.25","openai":"^4"}}',
      'auth.ts': 'import NextAuth from "next-auth";\nexport const { handlers, auth } = NextAuth({ providers: [] });\n',
      'middleware.ts': `export { auth as middleware } from "@/auth";
export const config = { matcher: ["/((?<!_next/static).*)"] };
`,
      'app/api/chat/route.ts': `import OpenAI from "openai";
const client = new OpenAI();
export async function POST(req: Request) {
  const { prompt } = await req.json();
  const r = await client.chat.completions.create({ model: "gpt-4o-2024-08-06", messages: [{ role: "user", content: prompt }] });
  return Response.json(r);
}
`,
    });
    const result = await scanDir(root, { only: ['access-control/unauthenticated-inference-endpoint'] });
    const notes = result.notifications.filter((n) => n.kind === 'unsupported-regex');
    expect(notes.map((n) => `${n.path}:${n.range?.start.line}`)).toEqual(['middleware.ts:2']);
    expect(notes[0]?.message).toMatch(/lookaround/);
    // The middleware is taken to run for no request: the route counts as unauthenticated.
    expect(findingLines(result)).toHaveLength(1);
  });
});
