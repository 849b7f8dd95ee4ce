import picomatch from 'picomatch';
import type { FileKind, SeverityOrOff } from '../types.js';

/**
 * What a file is for, which decides whether a finding in it concerns a deployment:
 * - `source`: code of the application or its scripts;
 * - `config`: deployment and tool configuration (CI, compose, Kubernetes, Dockerfiles, .env, YAML/JSON settings);
 * - `test`: test code and the configs that only tests use;
 * - `example`: examples, tutorials, notebooks and demos that users read and copy;
 * - `docs`: documentation sources;
 * - `data`: fixtures, snapshots, recorded traces, seed data, datasets, price and token tables;
 * - `generated`: files a tool wrote (a "DO NOT EDIT" / `@generated` header); the fix belongs in their source.
 */
export const FILE_ROLES = ['source', 'config', 'test', 'example', 'docs', 'data', 'generated'] as const;
export type FileRole = (typeof FILE_ROLES)[number];

/** Directory names whose whole subtree is test code. */
const TEST_DIRS = new Set([
  'test',
  'tests',
  '__tests__',
  'spec',
  'specs',
  'testing',
  'e2e',
  'cypress',
  'playwright',
  'unit_tests',
  'unit-tests',
  'integration_tests',
  'integration-tests',
  'functional_tests',
  'test_utils',
  'testutils',
]);
/** Directory names whose subtree is recorded or bundled data (whatever the file kind). */
const DATA_DIRS = new Set([
  'fixtures',
  '__fixtures__',
  'testdata',
  'test-data',
  'test_data',
  '__snapshots__',
  'snapshots',
  'cassettes',
  'recordings',
  '__mocks__',
  'mocks',
  'golden',
  'goldens',
  'seed',
  'seeds',
  'seeder',
  'seed-data',
  'seed_data',
  'traces',
]);
/** Directory names that hold data when the file itself is data-like (JSON, YAML), not code. */
const DATA_FILE_DIRS = new Set(['data', 'datasets', 'dataset', 'samples', 'sample-data', 'sample_data', 'assets', 'static', 'public']);
const EXAMPLE_DIRS = new Set([
  'examples',
  'example',
  'samples',
  'sample',
  'demo',
  'demos',
  'tutorials',
  'tutorial',
  'cookbook',
  'cookbooks',
  'notebooks',
  'notebook',
  'quickstart',
  'quickstarts',
  'showcase',
]);
const DOCS_DIRS = new Set(['docs', 'doc', 'documentation', 'website', 'docs_src', 'docs-src', 'mkdocs', 'docusaurus']);

/** Test files by name: pytest's `test_*.py` / `*_test.py`, JS `*.test.*` / `*.spec.*`, `conftest.py`. */
const TEST_FILE = /^(test_[^/]*\.py|[^/]*_tests?\.py|conftest\.py|[^/]*\.(test|spec|e2e|cy)\.[cm]?[jt]sx?)$/;
/** Data files by name: snapshots, recorded traces, JSON lines, golden files. */
const DATA_FILE = /(\.snap|\.trace\.json|\.jsonl|\.ndjson|\.golden(\.[a-z]+)?|\.fixture\.(json|ya?ml)|\.har)$/i;
/** A header comment a code generator writes ("DO NOT EDIT", `@generated`, "This file was automatically generated"). */
const GENERATED =
  /^\s*(#|\/\/|\/\*|\*|<!--|;|--).{0,200}?(\bDO NOT EDIT\b|@generated\b|\b(was|is|has been) (automatically |auto-?)generated\b|\b(auto-?generated|automatically generated) (file|code)\b)/i;

const PY_TEST_FRAMEWORK = /^\s*(import\s+(pytest|unittest)\b|from\s+(pytest|unittest)(\.[\w.]+)?\s+import\b)/m;
const PY_TEST_DEF = /^\s*(async\s+)?def\s+test_\w*\s*\(|^class\s+Test\w*\s*[(:]/m;
const TS_TEST_FRAMEWORK = /\bfrom\s+['"](vitest|@jest\/globals|mocha|@playwright\/test|node:test|ava|uvu|chai|bun:test)['"]|\brequire\(\s*['"](mocha|chai|node:test|ava)['"]\s*\)/;
const TS_TEST_CALLS = /^\s*(describe|it|test)(\.\w+)?\s*\(\s*['"`]/m;
const TS_EXPECT = /\bexpect\s*\(/;

const SOURCE_KINDS: ReadonlySet<FileKind> = new Set(['python', 'typescript', 'shell', 'makefile']);
const DATA_LIKE_KINDS: ReadonlySet<FileKind> = new Set(['json-config', 'yaml-config']);

export interface RoleRule {
  role: FileRole;
  match: (path: string) => boolean;
}

/** The `roles:` section of the config, compiled: role → globs, tried in the order written. */
export function compileRoleRules(roles: Partial<Record<FileRole, string[]>> | undefined): RoleRule[] {
  return Object.entries(roles ?? {}).map(([role, globs]) => ({ role: role as FileRole, match: picomatch(globs ?? [], { dot: true }) }));
}

/** True when one of the first lines is a generator's header comment. */
export function hasGeneratorHeader(text: string): boolean {
  let start = 0;
  for (let n = 0; n < 10 && start < text.length; n++) {
    const nl = text.indexOf('\n', start);
    const end = nl < 0 ? text.length : nl;
    if (GENERATED.test(text.slice(start, Math.min(end, start + 400)))) return true;
    start = end + 1;
  }
  return false;
}

/**
 * A GitHub Actions workflow named for testing (`e2e-test.yml`, `tests.yml`, `integration.yml`)
 * and not for shipping (`test-and-release.yml`): the servers and models its jobs start are test
 * fixtures that live for one run.
 */
const TEST_WORDS = new Set(['test', 'tests', 'testing', 'e2e', 'integration', 'smoke', 'unittest', 'unittests', 'pytest']);
const SHIP_WORDS = new Set(['deploy', 'deployment', 'release', 'releases', 'publish', 'push', 'upload', 'cd', 'delivery', 'prod', 'production']);
function isTestWorkflow(kind: FileKind, base: string): boolean {
  if (kind !== 'gha-workflow') return false;
  const words = base
    .toLowerCase()
    .replace(/\.ya?ml$/, '')
    .split(/[-_.\s]+/);
  return words.some((w) => TEST_WORDS.has(w)) && !words.some((w) => SHIP_WORDS.has(w));
}

/** True when a test framework's shape shows in the text: `import pytest` + `def test_`, `describe(` + `expect(`. */
function looksLikeTest(kind: FileKind, text: string): boolean {
  if (kind === 'python') return PY_TEST_FRAMEWORK.test(text) && PY_TEST_DEF.test(text);
  if (kind === 'typescript') return TS_TEST_FRAMEWORK.test(text) || (TS_TEST_CALLS.test(text) && TS_EXPECT.test(text));
  return false;
}

/**
 * The role of one file, from the user's `roles:` globs first, then a generator header, then the
 * path (directory and file names), then the test framework the code uses, then its kind.
 */
export function fileRole(path: string, kind: FileKind, text: string, userRules: readonly RoleRule[] = []): FileRole {
  for (const r of userRules) if (r.match(path)) return r.role;
  if (hasGeneratorHeader(text)) return 'generated';
  const parts = path.split('/');
  const base = parts[parts.length - 1] as string;
  const dirs = parts.slice(0, -1).map((d) => d.toLowerCase());
  if (DATA_FILE.test(base) || dirs.some((d) => DATA_DIRS.has(d))) return 'data';
  if (DATA_LIKE_KINDS.has(kind) && dirs.some((d) => DATA_FILE_DIRS.has(d))) return 'data';
  if (TEST_FILE.test(base) || dirs.some((d) => TEST_DIRS.has(d)) || isTestWorkflow(kind, base)) return 'test';
  if (dirs.some((d) => DOCS_DIRS.has(d))) return 'docs';
  if (dirs.some((d) => EXAMPLE_DIRS.has(d))) return 'example';
  if (looksLikeTest(kind, text)) return 'test';
  return SOURCE_KINDS.has(kind) ? 'source' : 'config';
}

/**
 * Role defaults of rules about what gets deployed (models served or called, endpoints, pipelines):
 * tests, docs, data and generated files are not deployments; examples are recipes users copy, so
 * their findings stay visible as notes.
 */
export const DEPLOYMENT_ROLES: Readonly<Partial<Record<FileRole, SeverityOrOff>>> = {
  test: 'off',
  docs: 'off',
  data: 'off',
  generated: 'off',
  example: 'note',
};

/**
 * Role defaults of rules about code that harms the machine it runs on (remote code, unsafe
 * deserialisation): test code runs on developers' and CI machines too, so it stays visible as notes.
 */
export const RUNTIME_ROLES: Readonly<Partial<Record<FileRole, SeverityOrOff>>> = {
  test: 'note',
  docs: 'off',
  data: 'off',
  generated: 'off',
  example: 'note',
};
