import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const json = (...p: string[]): Record<string, unknown> => JSON.parse(readFileSync(join(ROOT, ...p), 'utf8')) as Record<string, unknown>;

function validate(data: string, schema: string): unknown[] {
  const ajv = new Ajv({ allErrors: true, strict: false });
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  const v = ajv.compile(json('schemas', schema));
  return v(json('src', 'data', data)) ? [] : (v.errors ?? []);
}

interface Entry {
  type?: string;
  sdk?: string;
  pattern?: string;
}

describe('src/data/inference-sdks.json', () => {
  const data = json('src', 'data', 'inference-sdks.json') as {
    sdks: Record<string, string>;
    types: Record<string, { sdk: string; like?: string; methods?: Record<string, { returns?: string }> }>;
    ts: Record<string, Entry[]>;
    python: Record<string, Entry[]>;
  };

  it('validates against its schema', () => {
    expect(validate('inference-sdks.json', 'inference-sdks.schema.json')).toEqual([]);
  });

  it('refers only to known SDKs and types, and its patterns compile', () => {
    const problems: string[] = [];
    for (const [name, t] of Object.entries(data.types)) {
      if (!(t.sdk in data.sdks)) problems.push(`type ${name}: sdk ${t.sdk}`);
      if (t.like && !(t.like in data.types)) problems.push(`type ${name}: like ${t.like}`);
      for (const [m, spec] of Object.entries(t.methods ?? {})) if (spec.returns && !(spec.returns in data.types)) problems.push(`${name}.${m}: returns ${spec.returns}`);
    }
    for (const lang of ['ts', 'python'] as const) {
      for (const [kind, list] of Object.entries(data[lang])) {
        for (const e of list) {
          if (e.type && !(e.type in data.types)) problems.push(`${lang}.${kind}: type ${e.type}`);
          if (e.sdk && !(e.sdk in data.sdks)) problems.push(`${lang}.${kind}: sdk ${e.sdk}`);
          if (e.pattern) new RegExp(e.pattern);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});

describe('src/data/llm-observability.json', () => {
  const sdks = Object.keys((json('src', 'data', 'inference-sdks.json') as { sdks: Record<string, string> }).sdks);
  const data = json('src', 'data', 'llm-observability.json') as {
    instrumentation: Record<string, unknown>;
    advice: Record<string, unknown>;
  };

  it('validates against its schema', () => {
    expect(validate('llm-observability.json', 'llm-observability.schema.json')).toEqual([]);
  });

  it('covers only known SDKs, and gives advice keyed by known SDKs', () => {
    const covers: string[] = [];
    const collect = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(collect);
      else if (v && typeof v === 'object') {
        for (const [k, x] of Object.entries(v)) {
          if (k === 'covers' && Array.isArray(x)) covers.push(...(x as string[]));
          else collect(x);
        }
      }
    };
    collect(data.instrumentation);
    for (const list of Object.values(data.instrumentation.instrumentors as Record<string, string[]>)) covers.push(...list);
    expect(covers.filter((c) => c !== '*' && c !== '$instrumentor' && !sdks.includes(c))).toEqual([]);
    expect(Object.keys(data.advice).filter((k) => !sdks.includes(k) && k !== 'default' && k !== 'self-hosted')).toEqual([]);
  });
});
