import { execFileSync } from 'node:child_process';
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, findConfig, loadConfig, parseSize } from '../src/config/load.js';
import { emptyConfig, resolveLimits } from '../src/config/types.js';
import { findingLines, ruleInfo, scanDir, tempRepo } from './helpers/run.js';

const RULE = 'model-pinning/serving-image';
const COMPOSE = 'services:\n  chat:\n    image: vllm/vllm-openai:latest\n';

function load(yaml: string): ReturnType<typeof loadConfig> {
  const dir = tempRepo({ '.modelguard.yml': yaml });
  return loadConfig(findConfig(dir), ruleInfo, dir);
}

function errorOf(yaml: string): string {
  try {
    load(yaml);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('config loading and validation', () => {
  it('accepts a full, valid config', () => {
    const c = load(`
rules:
  ${RULE}: warning
  safety-eval/*: off
ignore: ["vendor-models/**"]
maxFileSize: 2MiB
failOn: warning
overrides:
  - files: ["examples/**"]
    rules:
      ${RULE}: off
settings:
  inference:
    functions: ["lib/llm.ts#complete", "app.llm.ask"]
  rateLimit:
    handledUpstream: true
  servingImages: ["registry.internal/llm/*"]
`);
    expect(c.rules[RULE]?.severity).toBe('warning');
    expect(c.rules['safety-eval/*']?.severity).toBe('off');
    expect(c.maxFileSize).toBe(2 * 1024 * 1024);
    expect(c.failOn).toBe('warning');
    expect(c.overrides[0]?.files).toEqual(['examples/**']);
    expect(c.settings.servingImages).toEqual(['registry.internal/llm/*']);
  });

  it('reports file:line:col, the key and what was expected for a bad severity', () => {
    const msg = errorOf(`rules:\n  ${RULE}: critical\n`);
    expect(msg).toMatch(/\.modelguard\.yml:2:3: rules\.model-pinning\/serving-image: must be one of "off", "note", "warning", "error"/);
  });

  it('accepts roles and overrides by role, and says what is wrong with them', () => {
    const c = load('roles:\n  test: ["qa/**"]\noverrides:\n  - roles: [example]\n    rules:\n      model-pinning/*: warning\n');
    expect(c.roles.test).toEqual(['qa/**']);
    expect(c.overrides[0]).toMatchObject({ files: [], roles: ['example'] });
    expect(errorOf('roles:\n  tests: ["qa/**"]\n')).toMatch(/2:3: roles\.tests: is not a known key/);
    expect(errorOf('overrides:\n  - roles: [sample]\n    rules:\n      model-pinning/*: off\n')).toMatch(/overrides\[0\]\.roles\[0\]: must be one of "source", "config", "test"/);
    expect(errorOf('overrides:\n  - rules:\n      model-pinning/*: off\n')).toMatch(/overrides\[0\]: needs `files`, `roles` or both/);
  });

  it('suggests the rule id for an unknown or misspelt one', () => {
    expect(errorOf('rules:\n  model-pinning/serving-imge: error\n')).toMatch(/2:3: rules\.model-pinning\/serving-imge: unknown rule id \(did you mean "model-pinning\/serving-image"\?\)/);
    expect(errorOf('rules:\n  serving-image: off\n')).toMatch(/did you mean "model-pinning\/serving-image"/);
  });

  it('rejects unknown top-level and settings keys with a suggestion', () => {
    expect(errorOf('ignores: ["x"]\n')).toMatch(/1:1: ignores: is not a known key \(did you mean "ignore"\?\)/);
    expect(errorOf('settings:\n  rateLimits:\n    handledUpstream: true\n')).toMatch(/2:3: settings\.rateLimits: is not a known key/);
  });

  it('reports wrong types and all problems at once', () => {
    const msg = errorOf('ignore: "dist/**"\nmaxFileSize: huge\noverrides:\n  - files: []\n    rules: {}\n');
    expect(msg).toMatch(/1:1: ignore: must be array/);
    expect(msg).toMatch(/2:1: maxFileSize:/);
    expect(msg).toMatch(/4:\d+: overrides\[0\]\.files: must NOT have fewer than 1 items/);
  });

  it('rejects invalid YAML and non-mapping documents', () => {
    expect(errorOf('rules:\n  a: [\n')).toMatch(/\.modelguard\.yml:\d+:\d+: invalid YAML/);
    expect(errorOf('- just\n- a list\n')).toMatch(/must be a mapping|must be object/);
  });

  it('rejects options for rules that take none', () => {
    expect(errorOf(`rules:\n  ${RULE}:\n    options:\n      allow: []\n`)).toMatch(/3:5: rules\.model-pinning\/serving-image\.options: this rule has no options/);
  });

  it('parses sizes', () => {
    expect(parseSize('512KiB')).toBe(512 * 1024);
    expect(parseSize('1.5MB')).toBe(1_500_000);
    expect(parseSize(100)).toBe(100);
    expect(() => parseSize('lots')).toThrow(ConfigError);
  });

  it('a missing --config file is an error', () => {
    expect(() => findConfig('/tmp', '/nonexistent/.modelguard.yml')).toThrow(/config file not found/);
  });
});

describe('config effects on a scan', () => {
  it('remaps severity, turns rules off per path, and ignores files', async () => {
    const dir = tempRepo({
      'docker-compose.yml': COMPOSE,
      'examples/docker-compose.yml': COMPOSE,
      'scratch/docker-compose.yml': COMPOSE,
      '.modelguard.yml': `rules:\n  ${RULE}: warning\nignore: ["scratch/"]\noverrides:\n  - files: ["examples/**"]\n    rules:\n      ${RULE}: off\n`,
    });
    const r = await scanDir(dir);
    expect(r.findings.map((f) => [f.path, f.severity])).toEqual([['docker-compose.yml', 'warning']]);
  });

  it('suppresses findings named in rules.<id>.ignore by glob, line and column', async () => {
    const dir = tempRepo({
      'a/docker-compose.yml': COMPOSE,
      'b/docker-compose.yml': COMPOSE,
      'c/docker-compose.yml': COMPOSE,
      '.modelguard.yml': `rules:\n  ${RULE}:\n    ignore: ["a/**", "b/docker-compose.yml:3:29", "c/docker-compose.yml:99"]\n`,
    });
    const r = await scanDir(dir);
    expect(findingLines(r)).toEqual(['c/docker-compose.yml:3:29 latestTag']);
    expect(r.findings.filter((f) => f.suppressed).map((f) => (f.suppressed ? f.suppressed.kind : undefined))).toEqual(['config', 'config']);
  });

  it('a category key turns a whole family off', async () => {
    const dir = tempRepo({ 'docker-compose.yml': COMPOSE, '.modelguard.yml': 'rules:\n  model-pinning/*: off\n' });
    const r = await scanDir(dir);
    expect(r.findings).toEqual([]);
    expect(r.rules.map((x) => x.meta.id)).not.toContain(RULE);
  });

  it('honours maxFileSize', async () => {
    const dir = tempRepo({ 'docker-compose.yml': `${COMPOSE + '#'.repeat(200)}\n`, '.modelguard.yml': 'maxFileSize: 100\n' });
    const r = await scanDir(dir);
    expect(r.findings).toEqual([]);
    expect(r.notifications.find((n) => n.kind === 'skipped-files')?.paths).toEqual(['docker-compose.yml']);
  });

  it('reads limits: sizes per kind of file and the findings cap', () => {
    const c = load('limits:\n  sourceFileSize: 32MiB\n  dataFileSize: 512KiB\n  findingsPerFile: 0\n');
    expect(c.limits).toEqual({ sourceFileSize: 32 * 1024 * 1024, dataFileSize: 512 * 1024, findingsPerFile: 0 });
    expect(resolveLimits(c)).toEqual({ sourceFileSize: 32 * 1024 * 1024, dataFileSize: 512 * 1024, findingsPerFile: Infinity });
  });

  it('resolves limits: defaults by kind, maxFileSize as the default of both, limits.* winning over it', () => {
    expect(resolveLimits(emptyConfig())).toEqual({ sourceFileSize: 16 * 1024 * 1024, dataFileSize: 1024 * 1024, findingsPerFile: 50 });
    expect(resolveLimits(load('maxFileSize: 2MiB\n'))).toMatchObject({ sourceFileSize: 2 * 1024 * 1024, dataFileSize: 2 * 1024 * 1024 });
    expect(resolveLimits(load('maxFileSize: 2MiB\nlimits:\n  sourceFileSize: 40MB\n'))).toMatchObject({ sourceFileSize: 40_000_000, dataFileSize: 2 * 1024 * 1024 });
  });

  it('rejects bad limits with exit-2 messages that name the key', () => {
    expect(errorOf('limits:\n  sourceFileSize: big\n')).toMatch(/2:3: limits\.sourceFileSize:/);
    expect(errorOf('limits:\n  dataFileSize: 0\n')).toMatch(/2:3: limits\.dataFileSize: must be >= 1/);
    expect(errorOf('limits:\n  dataFileSize: 0MiB\n')).toMatch(/2:3: limits\.dataFileSize: must be at least 1 byte/);
    expect(errorOf('limits:\n  findingsPerFile: -1\n')).toMatch(/2:3: limits\.findingsPerFile: must be >= 0/);
    expect(errorOf('limits:\n  findingsPerFile: many\n')).toMatch(/2:3: limits\.findingsPerFile: must be integer/);
    expect(errorOf('limits:\n  sourceSize: 1MiB\n')).toMatch(/2:3: limits\.sourceSize: is not a known key/);
    expect(errorOf('limits: 5\n')).toMatch(/1:1: limits: must be object/);
    expect(errorOf('limit:\n  dataFileSize: 1\n')).toMatch(/did you mean "limits"/);
  });

  it('is found at the root as .modelguard.yaml too', () => {
    const dir = tempRepo({ '.modelguard.yaml': 'ignore: []\n' });
    expect(findConfig(dir)).toBe(join(dir, '.modelguard.yaml'));
    writeFileSync(join(dir, '.modelguard.yml'), 'ignore: []\n');
    expect(findConfig(dir)).toBe(join(dir, '.modelguard.yml'));
  });
});

describe('the README configuration example', () => {
  it('is a valid config whose roles and overrides take effect', async () => {
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Configuration'));
    const yaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
    expect(yaml).toContain('roles:');
    const config = load(yaml);
    expect(config.overrides.map((o) => o.roles)).toEqual([[], ['test']]);
    const load3 = 'from transformers import AutoModel\nm = AutoModel.from_pretrained("org/model")\n';
    const r = await scanDir(tempRepo({ '.modelguard.yml': yaml, 'qa/check.py': load3, 'playground/try.py': load3, 'app/model.py': load3 }), { only: ['model-pinning/hf-revision'] });
    expect(r.findings.map((f) => `${f.path} ${f.severity} ${f.role}`)).toEqual(['app/model.py error source', 'playground/try.py note example']);
  });
});

describe('the config file itself, in a hostile repository', () => {
  it('a named pipe in its place is refused at once instead of blocking the read', () => {
    const root = tempRepo({});
    execFileSync('mkfifo', [join(root, '.modelguard.yml')]);
    expect(() => loadConfig(findConfig(root), ruleInfo, root)).toThrow(/\.modelguard\.yml: cannot read config: not a regular file/);
  });

  it('a link to outside the root is not followed; a link inside it is', () => {
    const outside = tempRepo({ 'shared.yml': 'failOn: note\n' });
    const root = tempRepo({ 'conf/mg.yml': 'failOn: warning\n' });
    symlinkSync(join(outside, 'shared.yml'), join(root, '.modelguard.yml'));
    expect(() => findConfig(root)).toThrow(/^\.modelguard\.yml: a symbolic link to outside the scanned root; pass the file with --config/);
    expect(loadConfig(findConfig(root, join(outside, 'shared.yml')), ruleInfo, root).failOn).toBe('note');
    const inside = tempRepo({ 'conf/mg.yml': 'failOn: warning\n' });
    symlinkSync('conf/mg.yml', join(inside, '.modelguard.yaml'));
    expect(loadConfig(findConfig(inside), ruleInfo, inside).failOn).toBe('warning');
  });
});
