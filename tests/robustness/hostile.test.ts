import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempRepo } from '../helpers/run.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'modelguard.js');

interface Run {
  status: number | null;
  timedOut: boolean;
  ms: number;
  report: { findings: Array<{ ruleId: string; path: string; line: number }>; notifications: Array<{ kind: string; path?: string; message: string }> };
}

/** Runs the CLI in its own process with a time bound, so a hang fails the test instead of the suite. */
function run(root: string, timeoutMs = 20_000): Run {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [BIN, root, '--format', 'json', '--fail-on', 'never'], { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  const timedOut = r.error !== undefined && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT';
  return { status: r.status, timedOut, ms: Date.now() - t0, report: timedOut ? { findings: [], notifications: [] } : JSON.parse(r.stdout) };
}

const CALL = 'from openai import OpenAI\nclient = OpenAI()\nr = client.chat.completions.create(model="gpt-4o", messages=[])\n';

describe('garbage that makes the parser recover', () => {
  it('a valid module followed by a garbage line finishes, with its findings and a notice', () => {
    const r = run(tempRepo({ 'app/a.py': `${CALL}@7[B:x>8>f[x-n(x@\n`, 'app/b.py': CALL }));
    expect(r.timedOut).toBe(false);
    expect(r.status).toBe(0);
    const rules = (p: string) => r.report.findings.filter((f) => f.path === p).map((f) => f.ruleId);
    expect(rules('app/b.py')).toContain('inference-logging/unlogged-inference');
    expect(rules('app/a.py')).toContain('model-pinning/api-model-alias');
    expect(r.report.notifications.some((n) => n.kind === 'parse-error' && n.path === 'app/a.py')).toBe(true);
  });
});

describe('long runs that make a backtracking pattern explode', () => {
  it('an import keyword followed by a long run of spaces finishes, and the repository imports are still read', () => {
    const llm = "import OpenAI from 'openai';\nexport const client = new OpenAI();\n";
    const use = "import { client } from './llm';\nexport async function ask(q: string) {\n  return client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: q }] });\n}\n";
    const r = run(
      tempRepo({
        'src/llm.ts': llm,
        'src/ask.ts': use,
        'src/route.ts': "import { ask } from './ask';\nexport async function handle(q: string) {\n  return ask(q);\n}\n",
        'src/spaces.ts': `import${' '.repeat(30_000)}\nconst${' '.repeat(30_000)}\n`,
        'package.json': '{"dependencies":{"openai":"^4.77.0"}}',
      }),
    );
    expect(r.timedOut).toBe(false);
    expect(r.report.findings.filter((f) => f.path === 'src/ask.ts').map((f) => f.ruleId)).toContain('inference-logging/unlogged-inference');
  });
});
