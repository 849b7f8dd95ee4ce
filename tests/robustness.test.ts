import { cpSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emptyConfig } from '../src/config/types.js';
import { discover } from '../src/discovery/discover.js';
import { commands } from '../src/facts/commands.js';
import { envEntries } from '../src/facts/env.js';
import { imageRefs } from '../src/facts/images.js';
import { workloads } from '../src/facts/workloads.js';
import { ParserHost, type FileModel } from '../src/model/file-model.js';
import { ProjectModel } from '../src/model/project.js';
import { Grammars } from '../src/parse/tree-sitter.js';
import type { Notification } from '../src/types.js';
import { findingLines, scanDir } from './helpers/run.js';

const INPUTS = join(import.meta.dirname, '..', 'fixtures', '_inputs');

/** A copy of `fixtures/_inputs` (or one of its directories) in a fresh temporary directory. */
function copy(sub = ''): string {
  const dir = mkdtempSync(join(tmpdir(), 'modelguard-robust-'));
  cpSync(join(INPUTS, sub), dir, { recursive: true });
  return dir;
}

const where = (n: Notification): string => `${n.path ?? ''}:${n.range?.start.line ?? 0}:${n.range?.start.column ?? 0} ${n.kind}`;

/** Every parser and every fact extractor on one file: what a rule could ask for. */
function exercise(f: FileModel): void {
  f.yaml();
  f.ts()?.imports();
  const py = f.python();
  py?.imports();
  py?.calls();
  py?.constants();
  f.dockerfile();
  f.dotenv();
  f.shellScript();
  commands(f);
  envEntries(f);
  imageRefs(f);
  workloads(f);
  f.checkAliasLimit();
}

describe('robustness inputs, one at a time', () => {
  const cases: Array<{ dir: string; findings: string[]; notifications: string[] }> = [
    {
      dir: 'invalid-yaml',
      findings: [],
      notifications: ['docker-compose.yml:5:5 parse-error'],
    },
    { dir: 'empty', findings: [], notifications: [] },
    { dir: 'comment-only', findings: [], notifications: [] },
    {
      // the image before the bomb is still checked
      dir: 'alias-bomb',
      findings: ['values.yaml:4:8 model-pinning/serving-image latestTag'],
      notifications: ['values.yaml:1:1 parse-error'],
    },
    // nothing is left to scan: the binary file is skipped and the run says it found no files
    { dir: 'binary', findings: [], notifications: [':0:0 no-files', ':0:0 skipped-files'] },
    {
      // error recovery still sees the LLM(...) load and the inference call after the broken function
      dir: 'python-syntax',
      findings: ['app/serve.py:3:9 model-pinning/hf-revision missingRevision', 'app/serve.py:11:12 inference-logging/unlogged-inference unlogged'],
      notifications: ['app/serve.py:6:10 parse-error'],
    },
    {
      dir: 'ts-syntax',
      findings: ['src/client.ts:8:10 inference-logging/unlogged-inference unlogged'],
      notifications: ['src/client.ts:5:1 parse-error'],
    },
    {
      // the docker run line before the unterminated quote is still checked
      dir: 'shell-syntax',
      findings: ['scripts/serve.sh:3:36 access-control/open-inference-server openServer', 'scripts/serve.sh:3:53 model-pinning/serving-image latestTag'],
      notifications: ['scripts/serve.sh:4:15 parse-error'],
    },
    {
      // "équipe 🙂" before the image: the emoji is two UTF-16 code units
      dir: 'non-ascii',
      findings: ['docker-compose.yml:5:65 model-pinning/serving-image latestTag'],
      notifications: [],
    },
    {
      // the byte order mark is not a column; CRLF does not shift anything
      dir: 'bom-crlf',
      findings: ['docker-compose.yml:3:12 model-pinning/serving-image untagged'],
      notifications: [],
    },
  ];

  it('covers every input directory', () => {
    const dirs = readdirSync(INPUTS).filter((d) => statSync(join(INPUTS, d)).isDirectory());
    expect(dirs.sort()).toEqual(cases.map((c) => c.dir).sort());
  });

  for (const c of cases) {
    it(`${c.dir}: a notification or nothing, never a crash`, async () => {
      const result = await scanDir(copy(c.dir), { config: emptyConfig() });
      expect(result.incomplete).toBe(false);
      expect(result.notifications.filter((n) => n.kind === 'rule-error')).toEqual([]);
      expect(result.findings.map((f) => `${f.path}:${f.range.start.line}:${f.range.start.column} ${f.ruleId} ${f.messageId}`)).toEqual(c.findings);
      expect(result.notifications.map(where).sort()).toEqual(c.notifications);
    });
  }
});

describe('robustness inputs, all together', () => {
  it('reports each problem and goes on scanning the other files', async () => {
    const root = copy();
    const started = Date.now();
    const result = await scanDir(root, { config: emptyConfig() });
    // the alias bomb is cut short: nowhere near a billion expansions
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(result.incomplete).toBe(false);
    expect(findingLines(result)).toEqual([
      'alias-bomb/values.yaml:4:8 latestTag',
      'bom-crlf/docker-compose.yml:3:12 untagged',
      'non-ascii/docker-compose.yml:5:65 latestTag',
      'python-syntax/app/serve.py:3:9 missingRevision',
      'python-syntax/app/serve.py:11:12 unlogged',
      'shell-syntax/scripts/serve.sh:3:36 openServer',
      'shell-syntax/scripts/serve.sh:3:53 latestTag',
      'ts-syntax/src/client.ts:8:10 unlogged',
    ]);
    expect(result.notifications.map(where)).toEqual([
      ':0:0 skipped-files',
      'alias-bomb/values.yaml:1:1 parse-error',
      'invalid-yaml/docker-compose.yml:5:5 parse-error',
      'python-syntax/app/serve.py:6:10 parse-error',
      'shell-syntax/scripts/serve.sh:4:15 parse-error',
      'ts-syntax/src/client.ts:5:1 parse-error',
    ]);
    expect(result.notifications[0]?.paths).toEqual(['binary/docker-compose.yml']);
    expect(result.notifications[2]?.message).toMatch(/^could not parse YAML: Flow sequence .*; the file was not checked$/);
    expect(result.stats.filesScanned).toBe(9);
  });

  it('survives every parser and fact extractor on every file, with a notice for each broken one', async () => {
    const root = copy();
    const d = await discover({ root, paths: [], ignore: [], maxFileSize: 1024 * 1024 });
    const project = new ProjectModel(d, new ParserHost(await Grammars.load()), {});
    const files = project.files();
    expect(files.map((f) => [f.path, f.kind])).toEqual([
      ['alias-bomb/values.yaml', 'helm-values'],
      ['bom-crlf/docker-compose.yml', 'compose'],
      ['comment-only/values.yaml', 'helm-values'],
      ['empty/docker-compose.yml', 'compose'],
      ['invalid-yaml/docker-compose.yml', 'compose'],
      ['non-ascii/docker-compose.yml', 'compose'],
      ['python-syntax/app/serve.py', 'python'],
      ['shell-syntax/scripts/serve.sh', 'shell'],
      ['ts-syntax/src/client.ts', 'typescript'],
    ]);
    expect(project.binary).toEqual(['binary/docker-compose.yml']);
    for (const f of files) exercise(f);
    const notices = files.flatMap((f) => f.notices);
    expect(notices.map((n) => `${where(n)} ${n.level}`)).toEqual([
      'alias-bomb/values.yaml:1:1 parse-error warning',
      'invalid-yaml/docker-compose.yml:5:5 parse-error warning',
      'python-syntax/app/serve.py:6:10 parse-error warning',
      // the quote opened on line 3 closes on line 4, whose own quote is then never closed
      'shell-syntax/scripts/serve.sh:4:15 parse-error warning',
      'ts-syntax/src/client.ts:5:1 parse-error warning',
    ]);

    // what could be read before or around each error is still there
    const byPath = (p: string) => files.find((f) => f.path === p) as FileModel;
    expect(
      byPath('python-syntax/app/serve.py')
        .python()
        ?.imports()
        .map((i) => i.qualified),
    ).toEqual(['vllm.LLM', 'vllm.SamplingParams']);
    expect(
      byPath('ts-syntax/src/client.ts')
        .ts()
        ?.imports()
        .map((i) => i.module),
    ).toEqual(['openai']);
    expect(
      byPath('shell-syntax/scripts/serve.sh')
        .shellScript()
        ?.commands.map((c) => c.words[0]?.value),
    ).toContain('set');
    expect(imageRefs(byPath('non-ascii/docker-compose.yml')).map((r) => r.resolved)).toEqual(['vllm/vllm-openai:latest']);
    expect(imageRefs(byPath('bom-crlf/docker-compose.yml'))[0]?.repository).toBe('ollama/ollama');
    expect(byPath('bom-crlf/docker-compose.yml').bom).toBe(true);
    expect(imageRefs(byPath('invalid-yaml/docker-compose.yml'))).toEqual([]);
    expect(imageRefs(byPath('empty/docker-compose.yml'))).toEqual([]);
    expect(imageRefs(byPath('comment-only/values.yaml'))).toEqual([]);
  });
});
