import { describe, expect, it } from 'vitest';
import { emptyConfig } from '../src/config/types.js';
import { scan } from '../src/engine/run.js';
import { defineRule, type Rule } from '../src/rule-api.js';
import { rules } from '../rules/index.js';
import { tempRepo } from './helpers/run.js';
import { join } from 'node:path';

/** A file rule that looks at another file of the project: it must see context files too. */
const seesContext = defineRule({
  meta: {
    id: 'model-pinning/sees-context',
    category: 'model-pinning',
    appliesTo: ['compose'],
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
    for (const f of ctx.project.withRole('compose')) yield ctx.reportIn(f, 'each', { start: 0, end: 1 });
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
