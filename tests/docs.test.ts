import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rules } from '../rules/index.js';

const ROOT = join(import.meta.dirname, '..');

describe('rule documentation', () => {
  for (const rule of rules) {
    it(`${rule.meta.id} has a docs page next to it, in the standard shape`, () => {
      const path = join(ROOT, 'rules', `${rule.meta.id}.md`);
      expect(existsSync(path)).toBe(true);
      const md = readFileSync(path, 'utf8');
      const lines = md.split('\n');
      expect(lines[0]).toBe(`# ${rule.meta.id}`);
      const firstParagraph = md.split(/\n\n+/)[1]?.replace(/\n/g, ' ').trim();
      expect(firstParagraph).toBe(rule.meta.description);
      const h2 = lines.filter((l) => l.startsWith('## ')).map((l) => l.slice(3));
      const expected = ['Why', 'Examples', 'Remediation', ...(rule.meta.options ? ['Options'] : []), 'References'];
      expect(h2).toEqual(expected);
      expect(md).toMatch(new RegExp(`Default severity \\| ${rule.meta.severity}`));
    });
  }

  it('the README rules table lists exactly the registered rules with their default severity', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const rows = [...readme.matchAll(/^\| \[`([a-z-]+\/[a-z0-9-]+)`\]\(rules\/[a-z-]+\/[a-z0-9-]+\.md\) \| (error|warning|note) \|/gm)].map((m) => [m[1], m[2]]);
    expect(rows).toEqual(rules.map((r) => [r.meta.id, r.meta.severity]));
  });

  it('docs/architecture.md lists, for each rule, exactly the facts modules it imports', () => {
    const md = readFileSync(join(ROOT, 'docs', 'architecture.md'), 'utf8');
    const table = new Map<string, string[]>();
    for (const m of md.matchAll(/^\| `([a-z-]+\/[a-z0-9-]+)` \| (.*) \|$/gm)) {
      table.set(
        m[1] as string,
        [...(m[2] as string).matchAll(/`([^`]+)`/g)].map((x) => x[1] as string),
      );
    }
    for (const rule of rules) {
      const source = readFileSync(join(ROOT, 'rules', `${rule.meta.id}.ts`), 'utf8');
      const facts = [...source.matchAll(/from '\.\.\/\.\.\/src\/facts\/([^']+)\.js'/g)].map((m) => (m[1] as string).replace(/\/index$/, ''));
      expect(table.get(rule.meta.id), rule.meta.id).toEqual([...new Set(facts)].sort());
    }
    expect([...table.keys()].sort()).toEqual(rules.map((r) => r.meta.id).sort());
  });
});
