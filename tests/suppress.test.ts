import { describe, expect, it } from 'vitest';
import { discover } from '../src/discovery/discover.js';
import { ParserHost } from '../src/model/file-model.js';
import { ProjectModel } from '../src/model/project.js';
import { Grammars } from '../src/parse/tree-sitter.js';
import { parseDirectives } from '../src/suppress/inline.js';
import { findingLines, scanFiles, tempRepo } from './helpers/run.js';

const RULE = 'model-pinning/serving-image';

describe('inline suppressions', () => {
  it('work on the same line and on the line above, with reasons kept', async () => {
    const r = await scanFiles(
      {
        'docker-compose.yml': `services:
  a:
    image: vllm/vllm-openai:latest  # modelguard-ignore[${RULE}]: dev only
  b:
    # modelguard-ignore[${RULE}]: tag pinned by the release job
    image: ollama/ollama
  c:
    image: lmsysorg/sglang:latest
`,
      },
      RULE,
    );
    expect(findingLines(r)).toEqual(['docker-compose.yml:8:28 latestTag']);
    expect(r.findings.filter((f) => f.suppressed).map((f) => (f.suppressed ? f.suppressed.justification : undefined))).toEqual(['dev only', 'tag pinned by the release job']);
  });

  it('do not reach two lines down, nor past a code line', async () => {
    const r = await scanFiles(
      {
        'docker-compose.yml': `services:
  a:
    # modelguard-ignore[${RULE}]: too far away

    image: vllm/vllm-openai:latest
  b:
    restart: always # modelguard-ignore[${RULE}]: on the wrong line
    image: ollama/ollama
`,
      },
      RULE,
    );
    expect(findingLines(r)).toEqual(['docker-compose.yml:5:29 latestTag', 'docker-compose.yml:8:12 untagged']);
    expect(r.notifications.filter((n) => n.kind === 'unused-suppression')).toHaveLength(2);
  });

  it('accept several ids, a category, and the file-wide form near the top', async () => {
    const r = await scanFiles(
      {
        Dockerfile: `# syntax=docker/dockerfile:1
# modelguard-ignore-file[model-pinning/*]: benchmark image, rebuilt for each run
FROM vllm/vllm-openai
FROM ollama/ollama:latest AS other
`,
        'docker-compose.yml': `services:
  a:
    image: vllm/vllm-openai  # modelguard-ignore[weights-integrity/trust-remote-code, ${RULE}]: dev stack
`,
      },
      RULE,
    );
    expect(findingLines(r)).toEqual([]);
    expect(findingLines(r, 'suppressed')).toHaveLength(3);
  });

  it('ignore a file-wide directive that is not near the top', async () => {
    const filler = '# comment\n'.repeat(25);
    const r = await scanFiles({ Dockerfile: `${filler}# modelguard-ignore-file[${RULE}]: too late\nFROM vllm/vllm-openai\n` }, RULE);
    expect(findingLines(r)).toEqual(['Dockerfile:27:6 untagged']);
  });

  it('note a missing reason (still suppressing), unknown rule ids, and unused directives', async () => {
    const r = await scanFiles(
      {
        'docker-compose.yml': `services:
  a:
    image: vllm/vllm-openai:latest # modelguard-ignore[${RULE}]
  b:
    image: ollama/ollama:0.5.7 # modelguard-ignore[model-pinning/serving-imag]: typo
  c:
    image: lmsysorg/sglang:v0.4.0 # modelguard-ignore[${RULE}]: stale
`,
      },
      RULE,
    );
    expect(findingLines(r)).toEqual([]);
    expect(r.findings[0]?.suppressed).toEqual({ kind: 'inline', justification: '(no reason given)' });
    const kinds = r.notifications.map((n) => `${n.kind}@${n.range?.start.line}`);
    expect(kinds).toEqual(['suppression-without-reason@3', 'unknown-rule-in-suppression@5', 'unused-suppression@7']);
    expect(r.notifications.every((n) => n.level === 'note')).toBe(true);
  });

  it('are not read from strings or non-comment text', async () => {
    const r = await scanFiles(
      {
        'docker-compose.yml': `services:
  a:
    image: vllm/vllm-openai:latest
    labels:
      note: "modelguard-ignore[${RULE}]: not a comment"
`,
      },
      RULE,
    );
    expect(findingLines(r)).toEqual(['docker-compose.yml:3:29 latestTag']);
  });

  it('do not report a directive as unused when its rule did not run', async () => {
    const r = await scanFiles({ 'docker-compose.yml': `services:\n  a:\n    image: x:1 # modelguard-ignore[weights-integrity/trust-remote-code]: n/a\n` }, RULE);
    expect(r.notifications.filter((n) => n.kind === 'unused-suppression')).toEqual([]);
  });
});

describe('directive syntax in every file type', () => {
  const ID = 'model-pinning/serving-image';
  const cases: Array<[string, string, number]> = [
    ['app.py', `import os  # modelguard-ignore[${ID}]: python\n`, 1],
    ['run.sh', `#!/bin/sh\n# modelguard-ignore[${ID}]: shell\nvllm serve x\n`, 2],
    ['.env', `# modelguard-ignore[${ID}]: dotenv\nMODEL=x\n`, 1],
    ['Dockerfile', `FROM x # modelguard-ignore[${ID}]: docker\n`, 1],
    ['Modelfile', `# modelguard-ignore[${ID}]: modelfile\nFROM llama3\n`, 1],
    ['web/route.ts', `const m = "gpt-4o"; // modelguard-ignore[${ID}]: line comment\n`, 1],
    ['web/block.tsx', `/* modelguard-ignore[${ID}]: block comment */\nconst m = 1;\n`, 1],
    ['web/star.js', `/**\n * modelguard-ignore[${ID}]: inside a doc comment\n */\n`, 2],
    ['deploy/k8s.yaml', `apiVersion: v1\nkind: Pod # modelguard-ignore[${ID}]: yaml\n`, 2],
  ];
  for (const [path, text, line] of cases) {
    it(`reads ${path}`, async () => {
      const root = tempRepo({ [path]: text });
      const d = await discover({ root, paths: [], ignore: [], maxFileSize: 1 << 20 });
      const p = new ProjectModel(d, new ParserHost(await Grammars.load()), {});
      const f = p.file(path);
      expect(f).toBeDefined();
      const ds = parseDirectives(f as NonNullable<typeof f>);
      expect(ds.map((x) => [x.line, x.ids, x.reason.length > 0])).toEqual([[line, [ID], true]]);
    });
  }

  it('ignores the marker in JSON (no comments) and in TS strings', async () => {
    const r = await scanFiles({ 'config.json': `{"note": "# modelguard-ignore[${ID}]: no"}\n`, 'a.ts': `const s = "modelguard-ignore[${ID}]: no";\n` });
    expect(r.notifications.filter((n) => n.kind.includes('suppression'))).toEqual([]);
  });
});
