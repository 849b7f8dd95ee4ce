import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { rules } from '../rules/index.js';

const ROOT = join(import.meta.dirname, '..');
const RULES_DIR = join(ROOT, 'rules');

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

const ruleModules = walk(RULES_DIR)
  .filter((p) => p.endsWith('.ts') && !p.endsWith('index.ts'))
  .map((p) => relative(RULES_DIR, p).replace(/\.ts$/, ''))
  .sort();

describe('rule registry and metadata', () => {
  it('registers every rule module, and only those, sorted by id', () => {
    const ids = rules.map((r) => r.meta.id);
    expect(ids).toEqual(ruleModules);
    expect([...ids].sort()).toEqual(ids);
  });

  const validate = new Ajv({ allErrors: true, strict: false }).compile(JSON.parse(readFileSync(join(ROOT, 'schemas', 'rule-meta.schema.json'), 'utf8')));

  for (const rule of rules) {
    describe(rule.meta.id, () => {
      it('has metadata that validates and matches its path', () => {
        const { keywords, ...meta } = rule.meta;
        const plain = { ...meta, ...(Array.isArray(keywords) ? { keywords } : {}) };
        expect(validate(plain) ? [] : validate.errors).toEqual([]);
        expect(rule.meta.category).toBe(rule.meta.id.split('/')[0]);
        if (rule.meta.options) {
          const opts = new Ajv({ strict: true }).compile(rule.meta.options.schema);
          expect(opts(rule.meta.options.defaults)).toBe(true);
        }
      });

      it('uses every message id in some fixture, and fixtures only use its message ids', () => {
        const dir = join(ROOT, 'fixtures', rule.meta.id);
        const used = new Set<string>();
        if (existsSync(dir)) {
          for (const f of walk(dir).filter((p) => p.endsWith('expected.txt'))) {
            for (const line of readFileSync(f, 'utf8').split('\n')) {
              const id = line.trim().split(/\s+/)[1];
              if (id && !line.startsWith('#')) used.add(id);
            }
          }
        }
        expect([...used].filter((id) => !(id in rule.meta.messages))).toEqual([]);
        expect(Object.keys(rule.meta.messages).filter((id) => !used.has(id))).toEqual([]);
      });

      it('has messages that name a fix', () => {
        for (const [id, text] of Object.entries(rule.meta.messages)) {
          expect(text, id).toMatch(/\b(pin|add|use|set|run|remove|replace|move|put|call|wrap|log|pass|make|check|verify|load|enable|gate|require|configure|evaluate|filter)\b/i);
        }
      });
    });
  }
});

describe('per-file fact caches', () => {
  it('use a distinct memo key in every module (a shared key would hand one fact to the other)', () => {
    const src = walk(join(ROOT, 'src'))
      .concat(walk(RULES_DIR))
      .filter((p) => p.endsWith('.ts'));
    const keys = new Map<string, string[]>();
    for (const p of src) {
      for (const m of readFileSync(p, 'utf8').matchAll(/\.memo(?:<[^>]*>)?\(\s*(['`])([^'`]*)\1/g)) {
        const key = m[2] as string;
        keys.set(key, [...new Set([...(keys.get(key) ?? []), relative(ROOT, p)])]);
      }
    }
    expect(keys.size).toBeGreaterThan(10);
    expect([...keys].filter(([, where]) => where.length > 1)).toEqual([]);
  });
});

describe('lazy loading of the TypeScript compiler', () => {
  it('only src/parse/ts-morph.ts loads ts-morph at run time; other modules import its types only', () => {
    const offenders = walk(join(ROOT, 'src'))
      .concat(walk(RULES_DIR))
      .filter((p) => p.endsWith('.ts') && !p.endsWith(join('src', 'parse', 'ts-morph.ts')))
      .filter((p) => /^import\s+(?!type\b)[^;]*from\s+'ts-morph'/m.test(readFileSync(p, 'utf8')))
      .map((p) => relative(ROOT, p));
    expect(offenders).toEqual([]);
  });
});
