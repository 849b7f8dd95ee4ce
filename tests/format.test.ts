import { describe, expect, it } from 'vitest';
import { formatGithub } from '../src/format/github.js';
import { formatJson } from '../src/format/json.js';
import { formatSarif } from '../src/format/sarif.js';
import { formatText } from '../src/format/text.js';
import type { FormatOptions } from '../src/format/types.js';
import { scanFiles } from './helpers/run.js';
import { githubProblems, reportSchemaErrors, sarifSchemaErrors } from './helpers/sarif.js';

const RULE = 'model-pinning/serving-image';
const opts: FormatOptions = { color: false, quiet: false, displayPath: (p) => p };

const files = {
  'deploy/docker-compose.yml': `services:
  chat:
    image: vllm/vllm-openai:latest
  tgi:
    image: ghcr.io/huggingface/text-generation-inference # modelguard-ignore[${RULE}]: pinned by digest at deploy time
`,
  'my models/Dockerfile': 'FROM ollama/ollama\n',
  // Parsed because it names a serving image (the prefilter matches), and broken.
  'k8s/broken.yaml': 'apiVersion: v1\nkind: Pod\nspec: [unclosed\n  containers: [{image: vllm/vllm-openai}]\n',
};

describe('SARIF', () => {
  it('validates against the official schema and meets GitHub code scanning requirements', async () => {
    const r = await scanFiles(files, RULE);
    const log = JSON.parse(formatSarif(r, { ...opts, sarifCategory: 'modelguard' }));
    expect(sarifSchemaErrors(log)).toEqual([]);
    expect(githubProblems(log)).toEqual([]);
    const run = log.runs[0];
    expect(run.automationDetails).toEqual({ id: 'modelguard/' });
    expect(run.columnKind).toBe('utf16CodeUnits');
    expect(run.tool.driver.rules.map((x: { id: string }) => x.id)).toEqual([RULE]);
    const rule = run.tool.driver.rules[0];
    expect(rule.properties).toMatchObject({ category: 'model-pinning', precision: 'high', 'security-severity': '6.5' });
    expect(rule.help.markdown).toMatch(/^# model-pinning\/serving-image/);
    expect(rule.helpUri).toMatch(/rules\/model-pinning\/serving-image\.md$/);
  });

  it('carries results with relative URIs, regions, fingerprints and suppressions', async () => {
    const r = await scanFiles(files, RULE);
    const run = JSON.parse(formatSarif(r, opts)).runs[0];
    expect(run.automationDetails).toBeUndefined();
    // biome-ignore lint/suspicious/noExplicitAny: SARIF is read as untyped JSON here
    const results = run.results as Array<Record<string, any>>;
    expect(results.map((x) => x.locations[0].physicalLocation.artifactLocation.uri)).toEqual(['deploy/docker-compose.yml', 'deploy/docker-compose.yml', 'my%20models/Dockerfile']);
    expect(results[0]?.locations[0].physicalLocation.artifactLocation.uriBaseId).toBe('%SRCROOT%');
    expect(results[0]?.locations[0].physicalLocation.region).toEqual({ startLine: 3, startColumn: 29, endLine: 3, endColumn: 35 });
    expect(results[0]?.partialFingerprints.primaryLocationLineHash).toMatch(/^[0-9a-f]+:1$/);
    expect(results[0]?.partialFingerprints['modelguardFingerprint/v1']).toBe(r.findings[0]?.fingerprint);
    expect(results[1]?.suppressions).toEqual([{ kind: 'inSource', justification: 'pinned by digest at deploy time' }]);
    expect(results[0]?.suppressions).toBeUndefined();
    expect(results.every((x) => x.ruleIndex === 0 && x.level === 'error')).toBe(true);
  });

  it('reports unparsable files as tool execution notifications', async () => {
    const r = await scanFiles(files, RULE);
    const inv = JSON.parse(formatSarif(r, opts)).runs[0].invocations[0];
    expect(inv.executionSuccessful).toBe(true);
    const parse = inv.toolExecutionNotifications.find((n: { descriptor: { id: string } }) => n.descriptor.id === 'modelguard/parse-error');
    expect(parse.level).toBe('warning');
    expect(parse.locations[0].physicalLocation.artifactLocation.uri).toBe('k8s/broken.yaml');
    expect(parse.message.text).toMatch(/could not parse YAML/);
  });

  it('is deterministic', async () => {
    const a = formatSarif(await scanFiles(files, RULE), opts);
    const b = formatSarif(await scanFiles(files, RULE), opts);
    expect(a).toBe(b);
  });
});

describe('JSON', () => {
  it('follows the contract and its schema', async () => {
    const r = await scanFiles(files, RULE);
    const report = JSON.parse(formatJson(r, opts));
    expect(reportSchemaErrors(report)).toEqual([]);
    expect(report.findings[0]).toMatchObject({
      ruleId: RULE,
      category: 'model-pinning',
      severity: 'error',
      path: 'deploy/docker-compose.yml',
      line: 3,
      column: 29,
      endLine: 3,
      endColumn: 35,
      suppressed: false,
    });
    expect(report.findings[1].suppressed).toBe('pinned by digest at deploy time');
    expect(report.findings[1].suppressionKind).toBe('inline');
    expect(report.summary).toMatchObject({ errors: 2, warnings: 0, notes: 0, suppressed: 1, complete: true });
    expect(report.notifications.map((n: { kind: string }) => n.kind)).toContain('parse-error');
  });
});

describe('text', () => {
  it('prints path:line:col severity rule-id message, grouped by file, and a summary', async () => {
    const out = formatText(await scanFiles(files, RULE), opts);
    const lines = out.split('\n');
    expect(lines[0]).toMatch(/^deploy\/docker-compose\.yml:3:29 error model-pinning\/serving-image Image "vllm\/vllm-openai:latest"/);
    expect(lines[1]).toBe('');
    expect(lines[2]).toMatch(/^my models\/Dockerfile:1:6 error model-pinning\/serving-image /);
    expect(out).toMatch(/2 findings: 2 errors, 0 warnings, 0 notes \(1 suppressed\)/);
    expect(out).toMatch(/by category: model-pinning 2/);
    expect(out).toMatch(/warning k8s\/broken\.yaml:\d+:\d+ could not parse YAML/);
    expect(out).not.toMatch(/\u001b\[/);
  });

  it('colours only when asked, and --quiet prints findings only', async () => {
    const r = await scanFiles(files, RULE);
    expect(formatText(r, { ...opts, color: true })).toMatch(/\u001b\[31merror/);
    const quiet = formatText(r, { ...opts, quiet: true });
    expect(quiet.trim().split('\n').filter(Boolean)).toHaveLength(2);
    expect(formatText(await scanFiles({ 'a.yml': 'x: 1\n' }, RULE), opts)).toMatch(/^No findings\./);
  });

  it('escapes control and bidi characters that come from the scanned repository', async () => {
    const r = await scanFiles({ 'deploy/\u202egnp.yml': 'services:\n  m:\n    image: vllm/vllm-openai:latest\n' }, RULE);
    const f = r.findings[0];
    expect(f).toBeDefined();
    // a quoted value carrying a terminal escape (set the window title, clear the screen) and an override
    if (f) f.message += ' \u001b]0;owned\u0007\u001b[2J \u202edevil\u2066';
    const out = formatText(r, opts);
    expect(out).not.toMatch(/[\u001b\u0007\u202e\u2066]/);
    expect(out).toContain('deploy/\\u202egnp.yml:3:');
    expect(out).toContain('\\x1b]0;owned\\x07\\x1b[2J \\u202edevil\\u2066');
    expect(formatGithub(r, opts)).not.toMatch(/[\u001b\u0007\u2066]/);
    // names in other scripts are kept as they are
    const plain = await scanFiles({ '模型/compose.yml': 'services:\n  m:\n    image: vllm/vllm-openai:latest\n' }, RULE);
    expect(formatText(plain, opts)).toContain('模型/compose.yml:3:');
  });
});

describe('github', () => {
  it('prints escaped workflow commands', async () => {
    const out = formatGithub(await scanFiles(files, RULE), opts);
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/^::error file=deploy\/docker-compose\.yml,line=3,col=29,endLine=3,endColumn=35,title=modelguard model-pinning\/serving-image::Image /);
    expect(lines.some((l) => /^::warning file=k8s\/broken\.yaml,line=\d+/.test(l))).toBe(true);
    expect(lines.filter((l) => l.startsWith('::error'))).toHaveLength(2);
  });
});
