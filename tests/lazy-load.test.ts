import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempRepo } from './helpers/run.js';

const DIST = join(import.meta.dirname, '..', 'dist');

/** Runs a full scan of `root` in a fresh process and says whether ts-morph was loaded. */
function loadsTsMorph(root: string): boolean {
  const script = `
    import { createRequire } from 'node:module';
    const { scan } = await import(${JSON.stringify(join(DIST, 'src', 'engine', 'run.js'))});
    const { emptyConfig } = await import(${JSON.stringify(join(DIST, 'src', 'config', 'types.js'))});
    const { rules } = await import(${JSON.stringify(join(DIST, 'rules', 'index.js'))});
    const require = createRequire(import.meta.url);
    const before = Object.keys(require.cache).some((k) => k.includes('/ts-morph/'));
    await scan({ root: ${JSON.stringify(root)}, paths: [], config: emptyConfig(), rules });
    const after = Object.keys(require.cache).some((k) => k.includes('/ts-morph/'));
    console.log(JSON.stringify({ before, after }));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  const out = JSON.parse(r.stdout.trim().split('\n').pop() as string) as { before: boolean; after: boolean };
  expect(out.before).toBe(false);
  return out.after;
}

describe('the TypeScript compiler is loaded only when a TS/JS file is parsed', () => {
  it('a repository without TS/JS files never loads it', () => {
    expect(loadsTsMorph(tempRepo({ 'docker-compose.yml': 'services:\n  llm:\n    image: vllm/vllm-openai:latest\n', 'app.py': 'import openai\n' }))).toBe(false);
  });

  it('a repository with a TS file does', () => {
    expect(loadsTsMorph(tempRepo({ 'web/route.ts': 'import OpenAI from "openai";\nconst c = new OpenAI();\nexport async function POST() { return c.chat.completions.create({ model: "gpt-4o", messages: [] }); }\n' }))).toBe(true);
  });
});
