import { beforeAll, describe, expect, it } from 'vitest';
import { FileModel, ParserHost } from '../../src/model/file-model.js';
import { Grammars } from '../../src/parse/tree-sitter.js';
import { ALIAS_LIMIT, isMap, isScalar, isSeq, YamlFile, type Scalar, type YNode } from '../../src/parse/yaml.js';
import type { FileKind } from '../../src/types.js';

let host: ParserHost;
beforeAll(async () => {
  host = new ParserHost(await Grammars.load());
});

function model(path: string, role: FileKind, text: string): FileModel {
  return new FileModel(path, `/repo/${path}`, role, text, host);
}

function only(y: YamlFile): YNode | null {
  expect(y.documents).toHaveLength(1);
  return y.root(y.documents[0] as (typeof y.documents)[number]);
}

describe('YamlFile: documents and errors', () => {
  it('parses every document of a multi-document manifest', () => {
    const y = new YamlFile('apiVersion: v1\nkind: Service\nmetadata:\n  name: vllm\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: vllm\n');
    expect(y.errors).toEqual([]);
    expect(y.documents.map((d) => y.str(y.get(y.root(d), 'kind')))).toEqual(['Service', 'Deployment']);
  });

  it('leaves out a document with a syntax error and keeps the others', () => {
    const text = 'a: 1\nb: [1, 2\nc: 3\n---\nok: true\n---\nk: {x\n';
    const y = new YamlFile(text);
    expect(y.documents).toHaveLength(1);
    expect(y.isTrue(y.get(y.root(y.documents[0] as never), 'ok'))).toBe(true);
    expect(y.errors).toHaveLength(2);
    expect(y.errors[0]?.message).toMatch(/^Flow sequence in block collection/);
    // the unclosed "[" is noticed where the next line starts
    expect(y.errors[0]?.offset).toBe(text.indexOf('c: 3'));
    expect(y.errors[1]?.message).toMatch(/^Flow map/);
    // messages are one line
    for (const e of y.errors) expect(e.message).not.toContain('\n');
  });

  it('gives no document and no error for empty and comment-only files', () => {
    for (const text of ['', '\n\n', '# values for the inference chart\n# (none yet)\n']) {
      const y = new YamlFile(text);
      expect(y.documents).toEqual([]);
      expect(y.errors).toEqual([]);
    }
  });

  it('reports an unterminated quoted scalar', () => {
    const y = new YamlFile('image: "vllm/vllm-openai:latest\n');
    expect(y.documents).toEqual([]);
    expect(y.errors[0]?.message).toBe('Missing closing "quote');
  });

  it('accepts duplicate keys (compose files have them) and keeps the first for get()', () => {
    const y = new YamlFile('image: a:1\nimage: b:2\n');
    expect(y.errors).toEqual([]);
    const root = only(y);
    expect(y.entries(root).map((e) => e.key)).toEqual(['image', 'image']);
    expect(y.str(y.get(root, 'image'))).toBe('a:1');
  });

  it('parses JSON (package.json, JSON configs)', () => {
    const y = new YamlFile('{\n  "name": "app",\n  "dependencies": { "openai": "^4.56.0" }\n}\n');
    expect(y.str(y.getIn(only(y), ['dependencies', 'openai']))).toBe('^4.56.0');
  });
});

describe('YamlFile: navigation', () => {
  const text = `x-defaults: &defaults
  restart: always
  image: vllm/vllm-openai:v0.6.3
x-gpu: &gpu
  runtime: nvidia
  image: overridden/by:defaults
services:
  vllm:
    <<: [*defaults, *gpu]
    image: vllm/vllm-openai:v0.6.4
    ports:
      - "8000:8000"
      - 9000
    healthcheck:
      disable: true
  tgi:
    <<: *defaults
    "<<": not-a-merge
    read_only: "true"
    privileged: yes
    command: ~
`;
  const y = new YamlFile(text);
  const root = only(y);

  it('expands merge keys, explicit keys winning, earlier merge sources first', () => {
    const vllm = y.getIn(root, ['services', 'vllm']);
    expect(y.entries(vllm).map((e) => e.key)).toEqual(['image', 'ports', 'healthcheck', 'restart', 'runtime']);
    expect(y.str(y.get(vllm, 'image'))).toBe('vllm/vllm-openai:v0.6.4');
    expect(y.str(y.get(vllm, 'runtime'))).toBe('nvidia');
  });

  it('takes a merge from a single alias and treats a quoted "<<" as a plain key', () => {
    const tgi = y.getIn(root, ['services', 'tgi']);
    expect(y.str(y.get(tgi, 'image'))).toBe('vllm/vllm-openai:v0.6.3');
    expect(y.str(y.get(tgi, '<<'))).toBe('not-a-merge');
  });

  it('expands a mapping that merges itself, or a merge cycle, once', () => {
    const cyc = new YamlFile('a: &a\n  image: x:1\n  <<: *a\nb: &b\n  port: 1\n  <<: &c { host: h, <<: *b }\nd:\n  <<: [*a, *a]\n');
    const r = only(cyc);
    expect(cyc.entries(cyc.get(r, 'a')).map((e) => e.key)).toEqual(['image']);
    expect(cyc.entries(cyc.get(r, 'b')).map((e) => e.key)).toEqual(['port', 'host']);
    expect(cyc.entries(cyc.get(r, 'd')).map((e) => e.key)).toEqual(['image']);
  });

  it('follows paths of keys and indexes', () => {
    expect(y.str(y.getIn(root, ['services', 'vllm', 'ports', 0]))).toBe('8000:8000');
    expect(y.str(y.getIn(root, ['services', 'vllm', 'ports', 1]))).toBe('9000');
    expect(y.getIn(root, ['services', 'vllm', 'ports', 2])).toBeNull();
    expect(y.getIn(root, ['services', 'nope', 'image'])).toBeNull();
    expect(y.getIn(root, ['services', 'vllm', 'image', 'deeper'])).toBeNull();
  });

  it('returns items of sequences only, and entries of maps only', () => {
    const ports = y.getIn(root, ['services', 'vllm', 'ports']);
    expect(isSeq(ports)).toBe(true);
    expect(y.items(ports)).toHaveLength(2);
    expect(y.items(y.get(root, 'services'))).toEqual([]);
    expect(y.entries(ports)).toEqual([]);
    expect(y.entries(null)).toEqual([]);
  });

  it('reads scalars as strings and booleans strictly', () => {
    const vllm = y.getIn(root, ['services', 'vllm']);
    const tgi = y.getIn(root, ['services', 'tgi']);
    expect(y.isTrue(y.getIn(vllm, ['healthcheck', 'disable']))).toBe(true);
    expect(y.isTrue(y.get(tgi, 'read_only'))).toBe(true);
    // YAML 1.2: `yes` is a string, not a boolean
    expect(y.isTrue(y.get(tgi, 'privileged'))).toBe(false);
    expect(y.str(y.get(tgi, 'privileged'))).toBe('yes');
    // `~` is null
    expect(y.get(tgi, 'command')).not.toBeNull();
    expect(y.str(y.get(tgi, 'command'))).toBeUndefined();
    expect(y.str(y.get(root, 'services'))).toBeUndefined();
  });

  it('resolves an alias to its anchored node and an unknown alias to null', () => {
    const y2 = new YamlFile('base: &img vllm/vllm-openai:v0.6.3\nother: *img\nmissing: *nowhere\n');
    const r = only(y2);
    const other = y2.get(r, 'other');
    expect(y2.str(other)).toBe('vllm/vllm-openai:v0.6.3');
    // the resolved node is the anchored one: its span is on line 1
    expect(y2.span(other as YNode)).toEqual({ start: 11, end: 34 });
    expect(y2.get(r, 'missing')).toBeNull();
    expect(y2.aliasLimitExceeded).toBe(false);
  });
});

describe('YamlFile: alias bombs', () => {
  function bomb(levels: number, width: number): string {
    const lines = [`l0: &l0 [${Array(width).fill('"lol"').join(', ')}]`];
    for (let i = 1; i < levels; i++)
      lines.push(
        `l${i}: &l${i} [${Array(width)
          .fill(`*l${i - 1}`)
          .join(', ')}]`,
      );
    return `${lines.join('\n')}\n`;
  }

  /** Visits every node reachable through the YamlFile view; returns how many it saw. */
  function walk(y: YamlFile, node: YNode | null, budget = { n: 0 }): number {
    if (!node || budget.n > 10_000_000) return budget.n;
    budget.n++;
    if (isMap(node)) for (const e of y.entries(node)) walk(y, e.value, budget);
    else if (isSeq(node)) for (const i of y.items(node)) walk(y, i, budget);
    return budget.n;
  }

  it('stops following aliases past the limit instead of expanding a billion laughs', () => {
    const y = new YamlFile(bomb(9, 10));
    expect(y.errors).toEqual([]);
    const seen = walk(y, only(y));
    expect(y.aliasLimitExceeded).toBe(true);
    // each followed alias brings at most ten items: the walk stays near the limit
    expect(seen).toBeLessThan(ALIAS_LIMIT * 12);
  });

  it('does not flag a file that uses a few aliases', () => {
    const y = new YamlFile(bomb(3, 3));
    walk(y, only(y));
    expect(y.aliasLimitExceeded).toBe(false);
  });

  it('FileModel reports the cut-short bomb once, at the start of the file', () => {
    const f = model('values.yaml', 'helm-values', bomb(9, 10));
    const y = f.yaml() as YamlFile;
    walk(y, y.root(y.documents[0] as never));
    f.checkAliasLimit();
    f.checkAliasLimit();
    expect(f.notices).toHaveLength(1);
    expect(f.notices[0]).toMatchObject({
      kind: 'parse-error',
      level: 'warning',
      path: 'values.yaml',
      range: { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } },
    });
    expect(f.notices[0]?.message).toContain('alias bomb');
  });
});

describe('YamlFile: spans and value maps', () => {
  const text = [
    'plain: vllm/vllm-openai:latest # pinned later',
    'double: "ghcr.io/huggingface/text-generation-inference:2.4.0"',
    "single: 'ollama/ollama:0.3.12'",
    'escaped: "a\\tb"',
    'literal: |',
    '  pip install vllm',
    '    --upgrade',
    '  vllm serve model',
    'folded: >-',
    '  lm_eval --model hf',
    '  --tasks mmlu',
    'multiline plain: first',
    '  second',
    '',
  ].join('\n');
  const y = new YamlFile(text);
  const root = only(y);
  const scalar = (key: string): Scalar => {
    const n = y.get(root, key);
    expect(isScalar(n)).toBe(true);
    return n as Scalar;
  };
  const at = (needle: string): number => {
    const i = text.indexOf(needle);
    expect(i).toBeGreaterThanOrEqual(0);
    return i;
  };

  it('spans plain scalars without the comment and quoted scalars with their quotes', () => {
    expect(y.span(scalar('plain'))).toEqual({ start: 7, end: 30 });
    const d = scalar('double');
    expect(text.slice(y.span(d).start, y.span(d).end)).toBe('"ghcr.io/huggingface/text-generation-inference:2.4.0"');
  });

  it('maps a plain scalar one to one', () => {
    const m = y.valueMap(scalar('plain'));
    expect(m.toSource(0)).toBe(7);
    expect(m.toSource('vllm/vllm-openai:'.length)).toBe(at('latest'));
  });

  it('maps quoted scalars past the opening quote', () => {
    const m = y.valueMap(scalar('double'));
    expect(m.toSource(0)).toBe(at('ghcr.io'));
    expect(m.toSource('ghcr.io/huggingface/text-generation-inference:'.length)).toBe(at('2.4.0'));
    expect(y.valueMap(scalar('single')).toSource(0)).toBe(at('ollama/'));
  });

  it('maps a quoted scalar with escapes to the start of its value, at least', () => {
    const s = scalar('escaped');
    expect(s.value).toBe('a\tb');
    expect(y.valueMap(s).toSource(0)).toBe(at('a\\tb'));
  });

  it('maps each line of a literal block scalar', () => {
    const s = scalar('literal');
    expect(s.value).toBe('pip install vllm\n  --upgrade\nvllm serve model\n');
    const m = y.valueMap(s);
    expect(m.toSource(0)).toBe(at('pip'));
    expect(m.toSource((s.value as string).indexOf('--upgrade'))).toBe(at('--upgrade'));
    expect(m.toSource((s.value as string).indexOf('serve'))).toBe(at('serve'));
  });

  it('maps folded block and multi-line plain scalars line by line', () => {
    const f = scalar('folded');
    expect(f.value).toBe('lm_eval --model hf --tasks mmlu');
    expect(y.valueMap(f).toSource((f.value as string).indexOf('--tasks'))).toBe(at('--tasks'));
    const p = scalar('multiline plain');
    expect(p.value).toBe('first second');
    expect(y.valueMap(p).toSource(6)).toBe(at('second'));
  });

  it('maps block scalars in CRLF files', () => {
    const crlf = 'run: |\r\n  echo one\r\n  echo two\r\n';
    const yc = new YamlFile(crlf);
    const s = yc.get(yc.root(yc.documents[0] as never), 'run') as Scalar;
    expect(s.value).toBe('echo one\necho two\n');
    expect(yc.valueMap(s).toSource(9)).toBe(crlf.indexOf('echo two'));
  });
});

describe('FileModel.yaml()', () => {
  it('parses once and reports the first error with its position and a count of the others', () => {
    const text = 'services:\n  vllm:\n    image: [vllm/vllm-openai\n---\nservices: {}\n---\nx: {y\n';
    const f = model('docker-compose.yml', 'compose', text);
    const y = f.yaml();
    expect(f.yaml()).toBe(y);
    expect(y?.documents).toHaveLength(1);
    expect(f.notices).toHaveLength(1);
    const n = f.notices[0];
    expect(n?.kind).toBe('parse-error');
    expect(n?.path).toBe('docker-compose.yml');
    expect(n?.message).toMatch(/^could not parse YAML: .+ \(and 1 more\); the documents that parsed were still checked$/);
    // the unclosed "[" is reported where the "---" line starts
    expect(n?.range).toEqual({ start: { line: 4, column: 1 }, end: { line: 4, column: 1 } });
    expect(f.parsed).toBe(true);
  });

  it('says JSON for JSON roles and that nothing was checked when no document parsed', () => {
    const f = model('package.json', 'package-json', '{ "name": "app", \n');
    f.yaml();
    expect(f.notices[0]?.message).toMatch(/^could not parse JSON: .*; the file was not checked$/);
  });

  it('is undefined for roles that are not YAML', () => {
    const f = model('Dockerfile', 'dockerfile', 'FROM x\n');
    expect(f.yaml()).toBeUndefined();
    expect(f.parsed).toBe(false);
  });
});
