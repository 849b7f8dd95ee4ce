import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempRepo } from '../helpers/run.js';
import { githubProblems, reportSchemaErrors, sarifSchemaErrors } from '../helpers/sarif.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'modelguard.js');
const GENERATED = join(import.meta.dirname, '..', '..', 'fixtures', '_bounds', 'generated');

interface Finding {
  ruleId: string;
  messageId: string;
  path: string;
  line: number;
  message: string;
  fingerprint: string;
}
interface Notice {
  kind: string;
  path?: string;
  line?: number;
  message: string;
  paths?: string[];
}
interface Report {
  findings: Finding[];
  notifications: Notice[];
}

/** Runs the CLI in its own process, with a generous time bound so a hang fails the test, not the suite. */
function cli(root: string, args: string[] = [], timeoutMs = 120_000): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, root, '--fail-on', 'never', ...args], { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function report(root: string, timeoutMs?: number): Report {
  const r = cli(root, ['--format', 'json'], timeoutMs);
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Report;
}

const skippedWith = (r: Report, word: string): Notice | undefined => r.notifications.find((n) => n.kind === 'skipped-files' && n.message.includes(word));
const rulesAt = (r: Report, path: string): string[] => [...new Set(r.findings.filter((f) => f.path === path).map((f) => f.ruleId))].sort();

const PY_CALL = 'from openai import OpenAI\nclient = OpenAI()\nclient.chat.completions.create(model="gpt-4o", messages=[])\n';

/** A long, ordinary Python module: many small functions, the model call near its end. */
function longPythonModule(lines: number): { text: string; callLine: number } {
  const out = ['from openai import OpenAI', '', 'client = OpenAI()', ''];
  let i = 0;
  while (out.length < lines - 4) {
    out.push(
      `def handler_${i}(request, retries=3, timeout_seconds=30):`,
      `    """Handles case ${i} of the request router and returns the field it names."""`,
      `    value = request.get("field_${i}", None) or request.get("fallback_field_${i}", None)`,
      `    return value if value is not None else retries * timeout_seconds * ${i}`,
      '',
    );
    i++;
  }
  out.push('def ask(question):', '    return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": question}])', '');
  return { text: out.join('\n'), callLine: out.length - 1 };
}

describe('size limits by kind', () => {
  it('a 21,000-line Python module over 1 MiB is read and its finding reported', () => {
    const { text, callLine } = longPythonModule(21_000);
    expect(text.length).toBeGreaterThan(1024 * 1024);
    const r = report(tempRepo({ 'service/router.py': text }));
    const f = r.findings.find((x) => x.path === 'service/router.py' && x.ruleId === 'model-pinning/api-model-alias');
    expect(f?.line).toBe(callLine);
    expect(r.notifications.filter((n) => n.kind === 'skipped-files')).toEqual([]);
  });

  it('a data file over the data limit is skipped with a notification naming the key to raise, a source file of the same size is not', () => {
    const pad = (n: number, line: (i: number) => string): string => Array.from({ length: n }, (_, i) => line(i)).join('\n');
    const yaml = `model: gpt-4o\nroutes:\n${pad(16_000, (i) => `  - path: /v1/route-${i}\n    upstream: http://backend-${i}.internal:8080/v1`)}\n`;
    const py = `${PY_CALL}${pad(15_000, (i) => `ROUTE_${i} = {"path": "/v1/route-${i}", "upstream": "http://backend-${i}.internal:8080"}`)}\n`;
    expect(Math.min(yaml.length, py.length)).toBeGreaterThan(1024 * 1024);
    const r = report(tempRepo({ 'config/settings.yaml': yaml, 'app/big.py': py }));
    const n = skippedWith(r, 'data and config files');
    expect(n?.paths).toEqual(['config/settings.yaml']);
    expect(n?.message).toContain('limits.dataFileSize');
    expect(rulesAt(r, 'app/big.py')).toContain('model-pinning/api-model-alias');
  });

  it('limits.sourceFileSize lowers the source limit; bad values stop the run with exit 2 and say where', () => {
    const root = tempRepo({ 'app/a.py': `${PY_CALL}${'# pad\n'.repeat(100)}`, '.modelguard.yml': 'limits:\n  sourceFileSize: 200\n' });
    const r = report(root);
    expect(skippedWith(r, 'source files')?.paths).toEqual(['app/a.py']);
    expect(skippedWith(r, 'source files')?.message).toContain('limits.sourceFileSize');
    writeFileSync(join(root, '.modelguard.yml'), 'limits:\n  sourceFileSize: lots\n  findingsPerFile: -2\n');
    const bad = cli(root);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/\.modelguard\.yml:2:3: limits\.sourceFileSize:/);
    expect(bad.stderr).toMatch(/\.modelguard\.yml:3:3: limits\.findingsPerFile: must be >= 0/);
  });
});

describe('findings per file per rule', () => {
  const many = (n: number): string => `[\n${Array.from({ length: n }, (_, i) => `  {"id": ${i}, "model": "gpt-4o", "temperature": 0.${i % 10}, "max_tokens": 256, "tag": "t${i}"}`).join(',\n')}\n]\n`;

  it('a 20 MB JSON of 250,000 model entries, with the size limit raised, finishes with the capped findings and one summary', () => {
    const root = mkdtempSync(join(tmpdir(), 'modelguard-bounds-'));
    writeFileSync(join(root, 'models.json'), many(250_000));
    writeFileSync(join(root, '.modelguard.yml'), 'limits:\n  dataFileSize: 64MiB\n');
    writeFileSync(join(root, 'app.py'), PY_CALL);
    const r = report(root, 300_000);
    const inFile = r.findings.filter((f) => f.path === 'models.json' && f.ruleId === 'model-pinning/api-model-alias');
    const summary = inFile.filter((f) => f.messageId === 'findingsCapped');
    expect(inFile.length).toBe(51);
    expect(summary).toHaveLength(1);
    expect(summary[0]?.line).toBe(inFile.filter((f) => f.messageId !== 'findingsCapped').reduce((m, f) => Math.max(m, f.line), 0) + 1);
    expect(summary[0]?.message).toMatch(/^249950 more findings of model-pinning\/api-model-alias in this file were left out/);
    expect(summary[0]?.message).toContain('limits.findingsPerFile: 0');
    expect(rulesAt(r, 'app.py')).toContain('model-pinning/api-model-alias');
  }, 320_000);

  it('the summary keeps its fingerprint when more entries are added; findingsPerFile: 0 lifts the cap', () => {
    const root = tempRepo({ 'models.json': many(60) });
    const first = report(root).findings.find((f) => f.messageId === 'findingsCapped');
    expect(first?.message).toMatch(/^10 more findings/);
    writeFileSync(join(root, 'models.json'), many(80));
    const again = report(root).findings.find((f) => f.messageId === 'findingsCapped');
    expect(again?.message).toMatch(/^30 more findings/);
    expect(again?.fingerprint).toBe(first?.fingerprint);
    writeFileSync(join(root, '.modelguard.yml'), 'limits:\n  findingsPerFile: 0\n');
    const all = report(root).findings.filter((f) => f.path === 'models.json');
    expect(all).toHaveLength(80);
    expect(all.some((f) => f.messageId === 'findingsCapped')).toBe(false);
  });

  it('SARIF and JSON stay valid with a summary and skipped files', () => {
    const root = tempRepo({ 'models.json': many(70), 'web/vendor.min.js': "export const m = 'gpt-4o';\n", 'bad.json': '{"model": "gpt-4o",, }\n' });
    const sarif = JSON.parse(cli(root, ['--format', 'sarif']).stdout);
    expect(sarifSchemaErrors(sarif)).toEqual([]);
    expect(githubProblems(sarif)).toEqual([]);
    const results = sarif.runs[0].results as Array<{ message: { text: string } }>;
    expect(results.filter((x) => x.message.text.includes('left out'))).toHaveLength(1);
    const notes = sarif.runs[0].invocations[0].toolExecutionNotifications as Array<{ message: { text: string } }>;
    expect(notes.some((n) => n.message.text.includes('minified'))).toBe(true);
    expect(notes.some((n) => n.message.text.includes('could not parse JSON'))).toBe(true);
    expect(reportSchemaErrors(JSON.parse(cli(root, ['--format', 'json']).stdout))).toEqual([]);
  });
});

describe('minified and generated code', () => {
  it('bundles, minified files and generated modules are skipped with a notification; look-alikes with one long line are scanned', () => {
    const r = report(GENERATED);
    expect(skippedWith(r, 'minified or bundled')?.paths).toEqual(['web/app.js', 'web/lib.js', 'web/main.js', 'web/vendor.min.js']);
    expect(skippedWith(r, 'minified or bundled')?.message).toContain('roles:');
    expect(skippedWith(r, 'generated code')?.paths).toEqual(['py/chat_pb2.py']);
    expect(r.findings.filter((f) => f.path.startsWith('web/') || f.path.startsWith('py/'))).toEqual([]);
    for (const p of ['src/bundle-tools.js', 'src/centroid.py', 'src/compiled.js', 'src/labels.js', 'src/prompts.ts']) {
      expect(rulesAt(r, p), p).toContain('model-pinning/api-model-alias');
    }
  });

  it('a role given in the config scans them anyway', () => {
    const root = mkdtempSync(join(tmpdir(), 'modelguard-bounds-'));
    cpSync(GENERATED, root, { recursive: true });
    writeFileSync(join(root, '.modelguard.yml'), 'roles:\n  source: ["web/**", "py/**"]\n');
    const r = report(root);
    expect(r.notifications.filter((n) => n.kind === 'skipped-files')).toEqual([]);
    for (const p of ['py/chat_pb2.py', 'web/app.js', 'web/lib.js', 'web/vendor.min.js']) expect(rulesAt(r, p), p).toContain('model-pinning/api-model-alias');
  });
});

describe('parse notices for data files', () => {
  it('garbage JSON, YAML and TOML give one parse-error each, with a position, and the neighbouring finding is still reported', () => {
    const r = report(
      tempRepo({
        'config/bad.json': '{"model": "gpt-4o", "messages": [1, 2\n  "x": }\n',
        'config/bad.yaml': 'model: gpt-4o\nroute:\n  - path: /v1\n   method: [get\n',
        'pyproject.toml': '[project]\nname = "svc"\ndependencies = ["openai" "torch"]\n',
        'app/main.py': PY_CALL,
      }),
    );
    const parse = r.notifications.filter((n) => n.kind === 'parse-error');
    expect(parse.map((n) => n.path).sort()).toEqual(['config/bad.json', 'config/bad.yaml', 'pyproject.toml']);
    expect(parse.find((n) => n.path === 'pyproject.toml')).toMatchObject({ line: 3 });
    expect(parse.find((n) => n.path === 'pyproject.toml')?.message).toMatch(/^could not parse TOML: /);
    for (const n of parse) expect(n.line).toBeGreaterThan(0);
    expect(rulesAt(r, 'app/main.py')).toContain('model-pinning/api-model-alias');
  });

  it('JSON with comments, multi-document YAML and Helm templates outside a chart are read quietly', () => {
    const r = report(
      tempRepo({
        '.devcontainer/devcontainer.json': '{\n  // the dev container\n  "name": "svc",\n  "containerEnv": { "CHAT_MODEL": "gpt-4o" }, /* trailing */\n}\n',
        'settings.json': '{\n  // default model of the assistant\n  "model": "gpt-4o",\n}\n',
        'k8s/models.yaml': 'apiVersion: v1\nkind: ConfigMap\ndata:\n  MODEL: gpt-4o\n---\napiVersion: v1\nkind: ConfigMap\ndata:\n  MODEL: gpt-4o-mini\n',
        'deploy/templates/server.yaml':
          'apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - image: vllm/vllm-openai:{{ .Values.tag }}\n          {{- if .Values.args }}\n          args: {{ toYaml .Values.args | nindent 12 }}\n          {{- end }}\n',
        'templates/config.yaml': '{% for m in models %}\n- model: {{ m.name }}\n  {% if m.key %}key: {{ m.key }}{% endif %}\n{% endfor %}\n',
      }),
    );
    expect(r.notifications.filter((n) => n.kind === 'parse-error')).toEqual([]);
    // the comment no longer swallows the key after it
    expect(r.findings.some((f) => f.path === 'settings.json' && f.line === 3)).toBe(true);
    expect(r.findings.filter((f) => f.path === 'k8s/models.yaml').map((f) => f.line)).toContain(4);
  });
});
