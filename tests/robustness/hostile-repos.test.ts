import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT_ERROR } from '../../src/cli.js';
import { ConfigError } from '../../src/config/load.js';
import type { RunResult } from '../../src/engine/run.js';
import { formatGithub } from '../../src/format/github.js';
import { formatJson } from '../../src/format/json.js';
import { formatSarif } from '../../src/format/sarif.js';
import { formatText } from '../../src/format/text.js';
import { scanDir, tempRepo } from '../helpers/run.js';
import { CALL, cli, expectSound, expectValidSarif, NEIGHBOUR, rulesIn, skipped } from './hostile-kit.js';

/**
 * Hostile repositories: links out of the root and round in circles, names that look like
 * options, files that would do something if run, configs that try to run code or reach
 * Object.prototype. Each repository also holds one normal file whose findings must survive.
 */

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** Code outside the scanned root with a finding of its own: it must never be read, reported or named. */
const SECRET = 'LEAKED_OUTSIDE_THE_ROOT';
const LEAK = `# ${SECRET}\n${CALL}`;

interface Ctx {
  root: string;
  /** A directory next to the root, never to be read or named. */
  outside: string;
  /** Where a file that ran would leave its mark. */
  markers: string;
}

interface Case {
  name: string;
  files?: Record<string, string | Buffer>;
  setup?: (c: Ctx) => void;
  skip?: boolean;
  /** More checks on the in-process result. */
  check?: (r: RunResult, c: Ctx) => void;
}

function makeCtx(files: Record<string, string | Buffer>): Ctx {
  const outside = mkdtempSync(join(tmpdir(), 'modelguard-outside-'));
  mkdirSync(join(outside, 'secret'));
  writeFileSync(join(outside, 'secret', 'leak.py'), LEAK);
  writeFileSync(join(outside, 'secret', 'Dockerfile'), `# ${SECRET}\nFROM vllm/vllm-openai:latest\n`);
  const markers = join(outside, 'markers');
  mkdirSync(markers);
  // The markers directory is named in files that would run: substitute it.
  const filled = Object.fromEntries(Object.entries(files).map(([p, c]) => [p, typeof c === 'string' ? c.replaceAll('@MARKERS@', markers) : c]));
  return { root: tempRepo({ [NEIGHBOUR]: CALL, ...filled }), outside, markers };
}

const CASES: Case[] = [
  {
    name: 'symbolic link loops',
    setup: ({ root }) => {
      symlinkSync('.', join(root, 'loop'));
      mkdirSync(join(root, 'a'));
      symlinkSync('../a', join(root, 'a', 'again'));
      symlinkSync('y.py', join(root, 'x.py'));
      symlinkSync('x.py', join(root, 'y.py'));
      symlinkSync('nowhere/at/all.py', join(root, 'dangling.py'));
    },
    check: (r) => expect(r.findings.every((f) => f.path === NEIGHBOUR)).toBe(true),
  },
  {
    name: 'symbolic links to files, directories and devices outside the root',
    setup: ({ root, outside }) => {
      symlinkSync(join(outside, 'secret', 'leak.py'), join(root, 'linked.py'));
      symlinkSync(join(outside, 'secret'), join(root, 'linked-dir'));
      symlinkSync(`../${outside.split('/').pop()}/secret/Dockerfile`, join(root, 'Dockerfile'));
      mkdirSync(join(root, 'dev'));
      symlinkSync('/dev/zero', join(root, 'dev', 'zero.py'));
      symlinkSync('/dev/urandom', join(root, 'dev', 'values.yaml'));
    },
    check: (r) => expect(skipped(r, 'symlink-outside-root')).toEqual(['Dockerfile', 'dev/values.yaml', 'dev/zero.py', 'linked-dir', 'linked.py']),
  },
  {
    name: 'a link inside the root is reported once, at its target',
    files: { 'svc/real.py': CALL },
    setup: ({ root }) => {
      symlinkSync('real.py', join(root, 'svc', 'alias.py'));
      symlinkSync('svc', join(root, 'svc-link'));
    },
    check: (r) => expect([...new Set(r.findings.map((f) => f.path))]).toEqual([NEIGHBOUR, 'svc/real.py']),
  },
  {
    name: 'named pipes where files are expected (source, Dockerfile, .gitignore, config) do not block',
    setup: ({ root }) => {
      mkdirSync(join(root, 'svc'));
      for (const p of ['svc/pipe.py', 'Dockerfile', '.gitignore', 'svc/.gitignore', 'svc/.modelguard.yml']) execFileSync('mkfifo', [join(root, p)]);
    },
  },
  {
    name: 'unreadable files and directories are named as skipped',
    skip: isRoot, // root reads anything
    files: { 'locked/inner.py': CALL, 'secret.py': CALL, Dockerfile: 'FROM vllm/vllm-openai:latest\n' },
    setup: ({ root }) => {
      chmodSync(join(root, 'secret.py'), 0o000);
      chmodSync(join(root, 'Dockerfile'), 0o000);
      chmodSync(join(root, 'locked'), 0o000);
    },
    check: (r) => expect(skipped(r, 'unreadable-file').sort()).toEqual(['Dockerfile', 'locked', 'secret.py']),
  },
  {
    name: 'file and directory names with spaces, newlines, unicode, URI and annotation syntax, leading dashes',
    files: Object.fromEntries(
      [
        '-rf.py',
        '--help.py',
        '-x/--version.py',
        'with space/a b.py',
        'new\nline.py',
        'tab\there.py',
        'ünïcödé/模型.py',
        'emoji 🙂.py',
        'pct%20#frag?q=1.py',
        'comma,colon:x.py',
        '\u202egnp.py',
        'quote\'"`$(x).py',
      ].map((p) => [`names/${p}`, CALL]),
    ),
    check: (r) => {
      const paths = [...new Set(r.findings.map((f) => f.path))].filter((p) => p.startsWith('names/'));
      expect(paths).toHaveLength(12);
      const opts = { color: false, quiet: true, displayPath: (p: string) => p };
      // one line per finding in text; GitHub annotations keep the name in one property
      const text = formatText(r, opts).trimEnd().split('\n');
      expect(text.filter((l) => l.startsWith('names/'))).toHaveLength(r.findings.filter((f) => f.path.startsWith('names/') && !f.suppressed).length);
      for (const line of formatGithub(r, opts).trimEnd().split('\n')) expect(line).toMatch(/^::(error|warning|notice) file=[^,:\n]*(,[a-zA-Z]+=[^,:\n]*)*::.*$/);
    },
  },
  {
    name: 'files that would do something if run or installed are only read',
    files: {
      'conftest.py': "import pathlib\npathlib.Path('@MARKERS@/conftest').write_text('ran')\n",
      'setup.py': "import os\nos.system('touch @MARKERS@/setup')\nfrom setuptools import setup\nsetup(name='x')\n",
      'sitecustomize.py': "open('@MARKERS@/sitecustomize', 'w').write('ran')\n",
      'app/evil.pth': "import os; os.system('touch @MARKERS@/pth')\n",
      'app/__init__.py': "__import__('os').system('touch @MARKERS@/init')\n",
      'package.json': JSON.stringify({
        name: 'x',
        scripts: { preinstall: 'touch @MARKERS@/preinstall', postinstall: 'touch @MARKERS@/postinstall', prepare: 'touch @MARKERS@/prepare', test: 'touch @MARKERS@/test' },
        dependencies: { openai: '^4.0.0' },
      }),
      'tsconfig.json': JSON.stringify({ compilerOptions: { plugins: [{ name: './plugin.cjs' }, { transform: './plugin.cjs' }] } }),
      'plugin.cjs': "require('fs').writeFileSync('@MARKERS@/ts-plugin', 'ran');\nmodule.exports = () => ({ create: (i) => i.languageService });\n",
      'web/side-effect.ts': "import { writeFileSync } from 'node:fs';\nwriteFileSync('@MARKERS@/ts-module', 'ran');\nexport {};\n",
      Makefile: 'all:\n\ttouch @MARKERS@/make\n',
      'scripts/setup.sh': '#!/bin/sh\ntouch @MARKERS@/shell\n',
      Dockerfile: 'FROM python:3.12\nRUN touch @MARKERS@/docker\n',
      '.envrc': 'touch @MARKERS@/direnv\n',
      '.github/workflows/ci.yml': 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: touch @MARKERS@/workflow\n',
    },
    check: (_r, { markers }) => expect(readdirSync(markers)).toEqual([]),
  },
  {
    name: 'names of Object.prototype members as keys and identifiers in scanned files',
    files: {
      'package.json': '{"name":"x","dependencies":{"__proto__":{"polluted":"yes"},"constructor":"1.0.0","toString":"2","hasOwnProperty":"3","openai":"^4"},"scripts":{"constructor":"node x"}}',
      'config/proto.json': '{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"valueOf":1,"toString":{"model":"gpt-4o"}}',
      'deploy/proto.yaml':
        'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels:\n    __proto__: x\n    constructor: y\n__proto__:\n  polluted: yes\nspec:\n  containers:\n    - name: constructor\n      image: vllm/vllm-openai:latest\n      env:\n        - name: __proto__\n          value: x\n        - name: toString\n          value: y\n',
      'docker-compose.yml': 'services:\n  __proto__:\n    image: ollama/ollama\n  constructor:\n    image: ollama/ollama:latest\n    environment:\n      hasOwnProperty: "1"\n',
      '.env': '__proto__=polluted\nconstructor=x\ntoString=y\nhasOwnProperty=z\nOPENAI_MODEL=gpt-4o\n',
      'svc/proto.py':
        'import constructor\nfrom __proto__ import toString\nhasOwnProperty = toString()\nvalueOf = constructor.prototype\n__proto__ = {"constructor": valueOf}\n\ndef toString(): return hasOwnProperty.__proto__.constructor\n',
      'web/proto.ts':
        "import * as constructor from 'constructor';\nconst __proto__ = { polluted: true };\nconst toString = constructor.prototype;\nexport function hasOwnProperty(valueOf: any) { return valueOf.__proto__.constructor(toString); }\n",
      Dockerfile: 'FROM python:3.12\nENV __proto__=x constructor=y toString=z\nARG hasOwnProperty\n',
      'pyproject.toml': '[project]\nname = "x"\ndependencies = ["constructor", "__proto__==1"]\n\n[tool.__proto__]\npolluted = "yes"\n\n[tool.constructor.prototype]\npolluted = "yes"\n',
      'requirements.txt': 'constructor==1.0\n__proto__\ntoString>=2\n',
      Makefile: 'constructor := x\n__proto__ = y\ntoString:\n\techo $(constructor)\n',
      'scripts/proto.sh': '#!/bin/sh\nconstructor=1\n__proto__=2\ntoString() { echo "$constructor"; }\n',
    },
    check: (r) => {
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.prototype).not.toHaveProperty('polluted');
      expect(JSON.parse(formatJson(r, { color: false, quiet: false, displayPath: (p) => p }))).toBeTypeOf('object');
    },
  },
  {
    name: 'YAML alias bombs and custom tags',
    files: {
      'deploy/bomb.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\ndata:\n  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n${['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i']
        .map(
          (k, i) =>
            `  ${k}: &${k} [${Array(9)
              .fill(`*${String.fromCharCode(97 + i)}`)
              .join(',')}]`,
        )
        .join('\n')}\n`,
      'docker-compose.yml': 'x: &x\n  image: ollama/ollama:latest\n  <<: *x\nservices:\n  a:\n    <<: *x\n',
      '.github/workflows/tags.yml':
        "on: !!js/function \"function () { require('fs').writeFileSync('@MARKERS@/yaml-tag', 'x') }\"\njobs:\n  a: !!python/object/apply:os.system [\"touch @MARKERS@/yaml-python\"]\n",
      'config/tags.yaml':
        'a: !Ref Bucket\nb: !Sub "${AWS::Region}"\nc: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  3132\nd: !!binary aGVsbG8=\ne: !!set { x, y }\nf: !!omap [ a: 1 ]\ng: !<tag:yaml.org,2002:js/regexp> /x/\nh: !!timestamp not-a-date\ni: !!int not-a-number\nj: !!float 1e99999\n',
      '.gitlab-ci.yml': 'job:\n  script:\n    - !reference [.setup, script]\n    - !reference [.nowhere]\n',
    },
    check: (_r, { markers }) => expect(readdirSync(markers)).toEqual([]),
  },
  {
    name: 'odd shapes where files are expected: directories named like files, bare extensions, deep paths',
    files: { 'Dockerfile/app.py': CALL, 'app.py/x.txt': 'x', '.py': CALL, '.env/x': 'y', [`${'deep/'.repeat(60)}x.py`]: CALL, 'package.json/x': '{}' },
    check: (r) => expect(rulesIn(r, `${'deep/'.repeat(60)}x.py`)).not.toEqual([]),
  },
  {
    name: 'a 5 MB one-line source file is read by default, a 5 MB data file is skipped as too large, and named',
    files: {
      'svc/bundle.py': `x = "${'a'.repeat(5_000_000)}"\n`,
      'web/bundle.js': `var a=${'[1,'.repeat(10)}${'0,'.repeat(2_500_000)}${']'.repeat(10)};\n`,
      'config/long.json': `[${'1,'.repeat(2_500_000)}1]\n`,
    },
    check: (r) => {
      expect(skipped(r, 'skipped-files').sort()).toEqual(['config/long.json']);
      expect(r.notifications.find((n) => n.kind === 'skipped-files')?.message).toMatch(/larger than the size limit/);
    },
  },
  {
    name: '5 MB one-line files of several kinds, read when the limit allows',
    files: {
      '.modelguard.yml': 'maxFileSize: 16MiB\n',
      'svc/long.py': `x = "${'a'.repeat(5_000_000)}"\n`,
      'web/long.ts': `export const a = "${'a'.repeat(5_000_000)}";\n`,
      'config/long.yaml': `k: [${'v,'.repeat(2_500_000)}v]\n`,
      'config/long.json': `[${'1,'.repeat(2_500_000)}1]\n`,
      '.env': `A=${'b'.repeat(5_000_000)}\n`,
    },
    check: (r) => expect(skipped(r, 'skipped-files')).toEqual([]),
  },
  {
    name: 'a .gitignore with malformed patterns',
    files: { '.gitignore': '[z-a]\n\\\n!\n**/**/**/***\n[[[\n\u0000\n*.py\n!app/\n!app/**\n', 'svc/x.py': CALL },
  },
];

describe.each(CASES.filter((c) => !c.skip))('$name', (c) => {
  it('finishes in bounded time through the CLI, exit 0 or 1, valid SARIF, nothing from outside', async () => {
    const ctx = makeCtx(c.files ?? {});
    c.setup?.(ctx);
    const run = await cli([ctx.root, '--format', 'sarif'], { cwd: ctx.root, timeoutMs: 60_000 });
    expect(run.timedOut).toBe(false);
    expect(run.stderr).toBe('');
    expect([0, 1]).toContain(run.status);
    const sarif = expectValidSarif(run.stdout);
    expect(sarif.results.some((r) => r.locations[0]?.physicalLocation.artifactLocation.uri === NEIGHBOUR)).toBe(true);
    expect(run.stdout).not.toContain(SECRET);
    expect(run.stdout).not.toContain(ctx.outside);
    expect(readdirSync(ctx.markers)).toEqual([]);

    const result = await scanDir(ctx.root);
    expectSound(result);
    const opts = { color: false, quiet: false, displayPath: (p: string) => p };
    expectValidSarif(formatSarif(result, opts));
    for (const out of [formatText(result, opts), formatJson(result, opts), formatGithub(result, opts)]) {
      expect(out).not.toContain(SECRET);
      expect(out).not.toContain(ctx.outside);
    }
    c.check?.(result, ctx);
  }, 90_000);
});

/** Configs that try to run code, reach Object.prototype or lead out of the root: refused (exit 2) or read as data. */
const CONFIGS: Array<{ name: string; config: string | ((c: Ctx) => void); refused?: RegExp }> = [
  { name: 'a !!js/function value', config: "failOn: !!js/function \"function () { require('fs').writeFileSync('@MARKERS@/config-js', 'x'); return 'note' }\"\n", refused: /failOn/ },
  { name: 'a !!python/object/apply value', config: 'ignore: !!python/object/apply:os.system ["touch @MARKERS@/config-python"]\n', refused: /ignore/ },
  {
    name: '__proto__, constructor and prototype keys',
    config: '__proto__:\n  polluted: top\nrules:\n  __proto__:\n    polluted: rules\n  constructor:\n    prototype:\n      polluted: rules\nsettings:\n  __proto__:\n    polluted: settings\n',
    refused: /__proto__|constructor|polluted/,
  },
  {
    name: "a __proto__ key inside a rule's options",
    config: 'rules:\n  inference-logging/unlogged-inference:\n    options:\n      __proto__:\n        polluted: options\n',
    refused: /__proto__|polluted/,
  },
  { name: 'a merge key that merges itself', config: 'x: &x\n  <<: *x\nrules:\n  <<: *x\n', refused: /./ },
  { name: 'a named pipe', config: ({ root }) => execFileSync('mkfifo', [join(root, '.modelguard.yml')]), refused: /not a regular file/ },
  { name: 'a link to a file outside the root', config: ({ root, outside }) => symlinkSync(join(outside, 'secret', 'leak.py'), join(root, '.modelguard.yml')), refused: /outside the scanned root/ },
];

describe.each(CONFIGS)('a .modelguard.yml with $name', ({ config, refused }) => {
  it('is refused with a clear message or read as data; nothing runs, nothing is polluted', async () => {
    const ctx = makeCtx(typeof config === 'string' ? { '.modelguard.yml': config } : {});
    if (typeof config === 'function') config(ctx);
    const run = await cli([ctx.root, '--format', 'sarif'], { cwd: ctx.root, timeoutMs: 60_000 });
    expect(run.timedOut).toBe(false);
    expect(readdirSync(ctx.markers)).toEqual([]);
    expect(run.stdout + run.stderr).not.toContain(SECRET);
    if (run.status === EXIT_ERROR) {
      expect(run.stderr).toMatch(/^modelguard: invalid config:\n/);
      if (refused) expect(run.stderr).toMatch(refused);
    } else {
      expect([0, 1]).toContain(run.status);
      expectValidSarif(run.stdout);
    }
    try {
      expectSound(await scanDir(ctx.root));
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
    }
    expect(readdirSync(ctx.markers)).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  }, 90_000);
});

describe('file names that look like options, on the command line', () => {
  it('after --, they are paths: scanned and reported, and nothing else is', async () => {
    const root = tempRepo({ '-rf.py': CALL, '--help.py': CALL, '--version': CALL, 'other.py': CALL });
    const run = await cli(['--format', 'json', '--fail-on', 'warning', '--', '-rf.py', '--help.py'], { cwd: root, timeoutMs: 60_000 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(1);
    const paths = (JSON.parse(run.stdout) as { findings: Array<{ path: string }> }).findings.map((f) => f.path);
    expect([...new Set(paths)].sort()).toEqual(['--help.py', '-rf.py']);
  }, 90_000);

  it('before --, an unknown one is a usage error that names it (exit 2), not a scan', async () => {
    const root = tempRepo({ '-rf.py': CALL });
    const run = await cli(['-rf.py'], { cwd: root, timeoutMs: 60_000 });
    expect(run.status).toBe(EXIT_ERROR);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^modelguard: unknown option -r/);
  }, 90_000);
});
