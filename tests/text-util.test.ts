import { expect, it } from 'vitest';
import { replaceExpressions } from '../src/facts/model-launches.js';
import { cutAt, cutAtAny, trimTrailing } from '../src/util/text.js';
it('the linear helpers return what the end-anchored regular expressions they replace return', () => {
  const samples = ['', 'a', '/', 'a//', '//a//', 'x@y@z', 'a@b\nc@d', 'a@b\n', '@\n@', 'u?x#y', 'a\r\nb?c', 'a::b::c', 'x\u2028y::z', 'f().g()', ' \t\r', 'ab \t\r\n \t', '*?[{', 'ab\u2029c*d'];
  for (const s of samples) {
    expect(trimTrailing(s, '/')).toBe(s.replace(/\/+$/, ''));
    expect(trimTrailing(s, ' \t\r')).toBe(s.replace(/[ \t\r]+$/, ''));
    expect(cutAtAny(s, '@')).toBe(s.replace(/@.*$/, ''));
    expect(cutAtAny(s, '?#')).toBe(s.replace(/[?#].*$/, ''));
    expect(cutAtAny(s, '*?[{')).toBe(s.replace(/[*?[{].*$/, ''));
    expect(cutAt(s, '::')).toBe(s.replace(/::.*$/, ''));
    expect(cutAt(s, '()')).toBe(s.replace(/\(\).*$/, ''));
  }
});

it('GitHub expressions are replaced as the lazy regular expression did', () => {
  const samples = ['${{ env.A }}', 'x ${{env.B}} y ${{  c  }}', '${{ a } }} ${{ b }}', '${{ ${{ x }}', '${{ x }', '$${{ y }}}', '${{\n z \t}}', '${{}}', 'none'];
  const f = (m: string, e: string): string => `<${m.length}:${e}>`;
  for (const s of samples) expect(replaceExpressions(s, f)).toBe(s.replace(/\$\{\{\s*([^}]*?)\s*\}\}/g, (m, e: string) => f(m, e)));
});

it('the trailing identifier is the one the end-anchored regular expression found', async () => {
  const { trailingIdentifier } = await import('../src/util/text.js');
  for (const s of ['', 'a', '9', 'client.chat.create', 'x.9abc', 'x.99', 'self._log', 'f()', 'a b', '__x1', 'é_x']) {
    expect(trailingIdentifier(s)).toBe(/([A-Za-z_]\w*)$/.exec(s)?.[1]);
  }
});

it('an escaped name matches only itself', async () => {
  const { escapeRegExp } = await import('../src/util/text.js');
  for (const s of ['$action', 'a.b', 'x*(y)', '[z]|{1}', 'back\\slash', '^$']) expect(new RegExp(`^${escapeRegExp(s)}$`).test(s)).toBe(true);
  expect(new RegExp(escapeRegExp('a.b')).test('axb')).toBe(false);
});
