import { describe, expect, it } from 'vitest';
import { emptyConfig } from '../src/config/types.js';
import { scan } from '../src/engine/run.js';
import { defineRule, type Rule } from '../src/rule-api.js';
import { rules } from '../rules/index.js';
import { findingLines, scanDir, tempRepo } from './helpers/run.js';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import fg from 'fast-glob';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

/** A file rule that looks at another file of the project: it must see context files too. */
const seesContext = defineRule({
  meta: {
    id: 'model-pinning/sees-context',
    category: 'model-pinning',
    appliesTo: ['compose'],
    roles: {},
    scope: 'file',
    severity: 'note',
    confidence: 'high',
    description: 'Test rule: reports when the Dockerfile next to a compose file is visible.',
    fullDescription: 'Test rule.',
    securitySeverity: 1,
    tags: [],
    messages: { sawIt: 'saw the Dockerfile, add nothing' },
  },
  *check(ctx) {
    const dir = ctx.file.path.split('/').slice(0, -1).join('/');
    if (ctx.project.file(`${dir ? `${dir}/` : ''}Dockerfile`)) yield ctx.report('sawIt', { start: 0, end: 1 });
  },
});

/** A project rule that reports on every compose file: only targets may come out. */
const everyCompose = defineRule({
  meta: { ...seesContext.meta, id: 'model-pinning/every-compose', scope: 'project', messages: { each: 'one per compose file, add nothing' } },
  *check(ctx) {
    for (const f of ctx.project.withKind('compose')) yield ctx.reportIn(f, 'each', { start: 0, end: 1 });
  },
});

const testRules = [...rules, seesContext, everyCompose] as Rule[];
const compose = 'services:\n  llm:\n    image: ollama/ollama\n';

describe('files named on the command line (pre-commit)', () => {
  const repo = () => tempRepo({ 'a/docker-compose.yml': compose, 'a/Dockerfile': 'FROM python:3.12\n', 'b/docker-compose.yml': compose, 'b/big.yml': `${'#'.repeat(64)}\n` });

  it('are the only files reported on, while the rest of the root is context', async () => {
    const root = repo();
    const r = await scan({ root, paths: [join(root, 'a/docker-compose.yml')], config: emptyConfig(), rules: testRules });
    expect(r.findings.map((f) => `${f.path} ${f.ruleId}`)).toEqual([
      'a/docker-compose.yml model-pinning/every-compose',
      'a/docker-compose.yml model-pinning/sees-context',
      'a/docker-compose.yml model-pinning/serving-image',
    ]);
    expect(r.stats.filesScanned).toBe(1);
  });

  it('a whole-root scan reports everywhere, and skip notices only name targets', async () => {
    const root = repo();
    const all = await scan({ root, paths: [], config: { ...emptyConfig(), maxFileSize: 60 }, rules: testRules });
    expect(new Set(all.findings.map((f) => f.path))).toEqual(new Set(['a/docker-compose.yml', 'b/docker-compose.yml']));
    expect(all.notifications.find((n) => n.kind === 'skipped-files')?.paths).toEqual(['b/big.yml']);
    const one = await scan({ root, paths: [join(root, 'a/docker-compose.yml')], config: { ...emptyConfig(), maxFileSize: 60 }, rules: testRules });
    expect(one.notifications.filter((n) => n.kind === 'skipped-files')).toEqual([]);
  });
});

describe('endpoint rules on files named on the command line', () => {
  // A pre-commit run reads only the neighbourhood of the named files to build the route graph:
  // it must report on a route file exactly what a whole-root scan reports on it, for every
  // fixture of the endpoint rules (prefixes, middleware and gateways in other files included).
  const ENDPOINT_RULES = ['rate-limit/inference-endpoint', 'access-control/unauthenticated-inference-endpoint', 'guardrails/missing-io-filter'];
  const ROUTE_TEXT =
    /@(app|router|api|bp|blueprint|\w+_router)\.|\.(get|post|put|route|all|register|use)\s*\(|export\s+(async\s+)?function\s+(GET|POST|PUT|PATCH|DELETE)\b|export\s+const\s+(GET|POST)\b|@(Post|Get|Controller)\(|urlpatterns|\b(Route|Mount|WebSocketRoute)\(|['"]use server['"]|Deno\.serve|export\s+default\s*\{|export\s+default\s+async|exports\.handler|@bentoml\.|@serve\.deployment|@modal\.|functions_framework|AWS::Serverless::Function|^functions:/m;
  const cases = ENDPOINT_RULES.flatMap((id) => {
    const dir = join(FIXTURES, id);
    return ['invalid', 'valid'].flatMap((kind) => (existsSync(join(dir, kind)) ? readdirSync(join(dir, kind)).map((c) => join(dir, kind, c)) : []));
  });

  it('finds the fixtures', () => {
    expect(cases.length).toBeGreaterThan(90);
  });

  it.each(cases.map((c) => [relative(FIXTURES, c), c]))('%s: each file alone gets the whole-root findings', async (_name, root) => {
    const full = await scanDir(root, { only: ENDPOINT_RULES });
    // Every file, not only those that look like route files: a file that declares no route is
    // read without its importers, and must still get what the whole-root scan gives it.
    const files = fg.sync(['**/*.{py,ts,tsx,js,mjs,yml,yaml}'], { cwd: root, ignore: ['**/node_modules/**'] });
    expect(files.some((p) => ROUTE_TEXT.test(readFileSync(join(root, p), 'utf8')))).toBe(true);
    for (const p of files) {
      const one = await scanDir(root, { only: ENDPOINT_RULES, paths: [join(root, p)] });
      const want = findingLines(full, 'all').filter((l) => l.startsWith(`${p}:`));
      expect(findingLines(one, 'all'), p).toEqual(want);
    }
  });
});
