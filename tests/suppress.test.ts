import { describe, expect, it } from 'vitest';
import { findingLines, scanFiles } from './helpers/run.js';

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
    expect(r.findings.filter((f) => f.suppressed).map((f) => f.suppressed && f.suppressed.justification)).toEqual(['dev only', 'tag pinned by the release job']);
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
        'Dockerfile': `# syntax=docker/dockerfile:1
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
    const r = await scanFiles({ 'Dockerfile': `${filler}# modelguard-ignore-file[${RULE}]: too late\nFROM vllm/vllm-openai\n` }, RULE);
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
