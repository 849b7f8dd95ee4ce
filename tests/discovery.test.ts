import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emptyConfig, type Config } from '../src/config/types.js';
import { classifyPath, refineRole, type Candidate } from '../src/discovery/classify.js';
import { discover, type Discovery } from '../src/discovery/discover.js';
import { scan, UsageError } from '../src/engine/run.js';
import { ParserHost } from '../src/model/file-model.js';
import { ProjectModel } from '../src/model/project.js';
import { Grammars } from '../src/parse/tree-sitter.js';
import type { FileKind } from '../src/types.js';
import { rules } from '../rules/index.js';
import { scanDir, tempRepo } from './helpers/run.js';

const host = new ParserHost(await Grammars.load());

const COMPOSE_LATEST = 'services:\n  vllm:\n    image: vllm/vllm-openai:latest\n';

function run(root: string, paths: string[] = [], ignore: string[] = [], maxFileSize = 1024 * 1024): Promise<Discovery> {
  return discover({ root, paths, ignore, maxFileSize });
}

const files = (d: Discovery): string[] => d.files.map((f) => f.path);

/** Roles of every discovered file, after the look at its content. */
async function roles(tree: Record<string, string | Buffer>): Promise<Record<string, FileKind | null>> {
  const d = await run(tempRepo(tree));
  const project = new ProjectModel(d, host, {});
  return Object.fromEntries(d.files.map((f) => [f.path, project.file(f.path)?.kind ?? null]));
}

function config(patch: Partial<Config> = {}): Config {
  return { ...emptyConfig(), ...patch };
}

describe('classifyPath', () => {
  it.each<[string, Candidate | undefined]>([
    ['.github/workflows/ci.yml', 'gha-workflow'],
    ['.github/workflows/eval.yaml', 'gha-workflow'],
    ['.github/workflows/nested/x.yml', 'yaml?'],
    ['.github/dependabot.yml', 'yaml?'],
    ['action.yml', 'gha-action'],
    ['.github/actions/smoke/action.yaml', 'gha-action'],
    ['.gitlab-ci.yml', 'gitlab-ci'],
    ['.gitlab/ci/eval.yml', 'gitlab-ci'],
    ['docker-compose.yml', 'compose'],
    ['docker-compose.prod.yaml', 'compose'],
    ['docker-compose-gpu.yml', 'compose'],
    ['compose.yaml', 'compose'],
    ['deploy/compose.override.yml', 'compose'],
    ['charts/inference/Chart.yaml', 'helm-chart'],
    ['charts/inference/values.yaml', 'helm-values'],
    ['charts/inference/values-prod.yaml', 'helm-values'],
    ['env/prod.values.yml', 'helm-values'],
    ['k8s/deployment.yaml', 'yaml?'],
    ['myvalues.yaml', 'yaml?'],
    ['package.json', 'package-json'],
    ['config/models.json', 'json-config'],
    ['package-lock.json', undefined],
    ['tsconfig.build.json', undefined],
    ['Dockerfile', 'dockerfile'],
    ['docker/Dockerfile.vllm', 'dockerfile'],
    ['Dockerfile-gpu', 'dockerfile'],
    ['dockerfile', 'dockerfile'],
    ['Containerfile', 'dockerfile'],
    ['images/serve.Dockerfile', 'dockerfile'],
    // BuildKit's per-Dockerfile ignore files are not Dockerfiles
    ['Dockerfile.dockerignore', undefined],
    ['images/serve.Dockerfile.dockerignore', undefined],
    ['.env', 'dotenv'],
    ['.env.local', 'dotenv'],
    ['.env.production', 'dotenv'],
    ['config/prod.env', 'dotenv'],
    ['.envrc', undefined],
    ['app/serve.py', 'python'],
    ['src/llm.ts', 'typescript'],
    ['web/page.tsx', 'typescript'],
    ['bin/cli.mjs', 'typescript'],
    ['src/types.d.ts', undefined],
    // minified files are found, then skipped by name with a notification (src/discovery/generated.ts)
    ['dist/app.min.js', 'typescript'],
    ['scripts/serve.sh', 'shell'],
    ['jobs/train.slurm', 'shell'],
    ['jobs/serve.sbatch', 'shell'],
    ['Makefile', 'makefile'],
    ['Modelfile', 'modelfile'],
    ['requirements.txt', 'requirements'],
    ['requirements/dev.txt', 'requirements'],
    ['requirements-gpu.in', 'requirements'],
    ['pyproject.toml', 'pyproject'],
    ['nginx.conf', 'nginx'],
    ['deploy/nginx/api.conf', 'nginx'],
    ['nginx/templates/default.conf.template', 'nginx'],
    ['default.conf.template', 'nginx'],
    ['config/app.conf.template', undefined],
    ['scripts/serve', 'script?'],
    ['bin/entrypoint', 'script?'],
    ['tools/sub/serve', undefined],
    ['README', undefined],
    ['docs/guide.md', undefined],
  ])('%s → %s', (path, expected) => {
    expect(classifyPath(path)).toBe(expected);
  });
});

describe('refineRole', () => {
  const charts = new Set(['charts/inference', '']);

  it('tells Kubernetes manifests, compose files and plain YAML apart by content', () => {
    expect(refineRole('yaml?', 'k8s/deploy.yaml', 'apiVersion: apps/v1\nkind: Deployment\n', charts)).toBe('k8s');
    // both keys are needed, at the start of a line
    expect(refineRole('yaml?', 'k8s/partial.yaml', 'apiVersion: apps/v1\nspec: {}\n', charts)).toBe('yaml-config');
    expect(refineRole('yaml?', 'x.yaml', 'metadata:\n  apiVersion: v1\n  kind: X\n', charts)).toBe('yaml-config');
    expect(refineRole('yaml?', 'stack.yml', 'services: # the stack\n  api:\n    image: x\n', charts)).toBe('compose');
    // a workflow-like file with services: is not compose
    expect(refineRole('yaml?', 'ci/pipeline.yml', 'stages: [test]\nservices:\n  - redis\n', charts)).toBe('yaml-config');
    expect(refineRole('yaml?', 'config.yml', 'model: llama3\n', charts)).toBe('yaml-config');
  });

  it('keeps Go templates under a chart as text (helm-template)', () => {
    expect(refineRole('yaml?', 'charts/inference/templates/deployment.yaml', 'apiVersion: apps/v1\nkind: Deployment\n', charts)).toBe('helm-template');
    expect(refineRole('yaml?', 'charts/inference/templates/sub/svc.yaml', 'kind: Service\n', charts)).toBe('helm-template');
    expect(refineRole('helm-values', 'charts/inference/templates/values.yaml', '', charts)).toBe('helm-template');
    // a chart at the root
    expect(refineRole('yaml?', 'templates/cm.yaml', '', charts)).toBe('helm-template');
    // templates/ that is not under a chart
    expect(refineRole('yaml?', 'other/templates/deployment.yaml', 'apiVersion: v1\nkind: Pod\n', new Set(['charts/inference']))).toBe('k8s');
    expect(refineRole('helm-values', 'charts/inference/values.yaml', 'image: {}\n', charts)).toBe('helm-values');
  });

  it('takes extension-less files under scripts/ or bin/ as shell only with a shell shebang', () => {
    expect(refineRole('script?', 'scripts/serve', '#!/bin/bash\nvllm serve x\n', charts)).toBe('shell');
    expect(refineRole('script?', 'bin/run', '#!/usr/bin/env bash\n', charts)).toBe('shell');
    expect(refineRole('script?', 'bin/run', '#! /bin/sh -e\n', charts)).toBe('shell');
    expect(refineRole('script?', 'bin/run', '#!/usr/bin/env zsh\n', charts)).toBe('shell');
    expect(refineRole('script?', 'bin/tool', '#!/usr/bin/env python3\nprint(1)\n', charts)).toBeUndefined();
    expect(refineRole('script?', 'bin/notes', 'vllm serve x\n', charts)).toBeUndefined();
    expect(refineRole('dockerfile', 'Dockerfile', 'FROM x\n', charts)).toBe('dockerfile');
  });
});

describe('discover: roles in a repository', () => {
  it('classifies by path and content, helm templates under a Chart.yaml directory included', async () => {
    const r = await roles({
      '.github/workflows/ci.yml': 'on: push\njobs: {}\n',
      'action.yml': 'runs:\n  using: composite\n  steps: []\n',
      '.gitlab-ci.yml': 'eval:\n  script: [echo]\n',
      'docker-compose.gpu.yml': COMPOSE_LATEST,
      'compose.yaml': COMPOSE_LATEST,
      'deploy/vllm.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: vllm\n',
      'deploy/stack.yml': COMPOSE_LATEST,
      'deploy/settings.yml': 'model: llama3\n',
      'charts/inference/Chart.yaml': 'apiVersion: v2\nname: inference\nversion: 0.1.0\n',
      'charts/inference/values.yaml': 'image:\n  repository: vllm/vllm-openai\n',
      'charts/inference/templates/deployment.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n',
      'charts/inference/templates/_helpers.tpl': '{{- define "x" -}}{{- end -}}\n',
      'templates/email.yaml': 'apiVersion: v1\nkind: ConfigMap\n',
      Dockerfile: 'FROM vllm/vllm-openai:v0.6.3\n',
      'docker/Dockerfile.tgi': 'FROM ghcr.io/huggingface/text-generation-inference:2.4.0\n',
      '.env': 'A=1\n',
      '.env.production': 'A=2\n',
      'scripts/serve': '#!/usr/bin/env bash\nvllm serve "$MODEL"\n',
      'scripts/tool': '#!/usr/bin/env python3\nprint(1)\n',
      'bin/start': '#!/bin/sh\nexec ollama serve\n',
      'app/main.py': 'print(1)\n',
      'README.md': '# app\n',
    });
    expect(r).toEqual({
      '.env': 'dotenv',
      '.env.production': 'dotenv',
      '.github/workflows/ci.yml': 'gha-workflow',
      '.gitlab-ci.yml': 'gitlab-ci',
      Dockerfile: 'dockerfile',
      'action.yml': 'gha-action',
      'app/main.py': 'python',
      'bin/start': 'shell',
      'charts/inference/Chart.yaml': 'helm-chart',
      'charts/inference/templates/deployment.yaml': 'helm-template',
      'charts/inference/values.yaml': 'helm-values',
      'compose.yaml': 'compose',
      'deploy/settings.yml': 'yaml-config',
      'deploy/stack.yml': 'compose',
      'deploy/vllm.yaml': 'k8s',
      'docker-compose.gpu.yml': 'compose',
      'docker/Dockerfile.tgi': 'dockerfile',
      'scripts/serve': 'shell',
      // discovered (extension-less under scripts/), but not a shell script
      'scripts/tool': null,
      'templates/email.yaml': 'k8s',
    });
  });

  it('does not parse helm templates as YAML', async () => {
    const root = tempRepo({
      'chart/Chart.yaml': 'apiVersion: v2\nname: c\nversion: 0.1.0\n',
      'chart/templates/deployment.yaml': 'image: {{ .Values.image.repository }}:{{ .Values.image.tag | default "latest" }}\n{{- if .Values.x }}\n',
    });
    const d = await run(root);
    const project = new ProjectModel(d, host, {});
    const t = project.file('chart/templates/deployment.yaml');
    expect(t?.kind).toBe('helm-template');
    expect(t?.yaml()).toBeUndefined();
    expect(t?.notices).toEqual([]);
  });
});

describe('discover: .gitignore', () => {
  it('applies .gitignore files at every level, deepest match winning, negations re-including', async () => {
    const root = tempRepo({
      '.gitignore': '*.log\nsecrets/\n/local-only.yml\n*.generated.yaml\n',
      'app/.gitignore': '!important.log\nlocal.yml\n!keep.generated.yaml\n',
      'app/important.log': 'x',
      'app/debug.log': 'x',
      'app/local.yml': 'a: 1\n',
      'app/deploy.yml': 'a: 1\n',
      'app/keep.generated.yaml': 'a: 1\n',
      'app/drop.generated.yaml': 'a: 1\n',
      'app/sub/local-only.yml': 'a: 1\n',
      'local-only.yml': 'a: 1\n',
      'secrets/values.yaml': 'a: 1\n',
      'docker-compose.yml': COMPOSE_LATEST,
    });
    const d = await run(root);
    expect(files(d)).toEqual(['app/deploy.yml', 'app/keep.generated.yaml', 'app/sub/local-only.yml', 'docker-compose.yml']);
    // allPaths has every file that is not ignored, scannable or not
    expect(d.allPaths).toEqual(['.gitignore', 'app/.gitignore', 'app/deploy.yml', 'app/important.log', 'app/keep.generated.yaml', 'app/sub/local-only.yml', 'docker-compose.yml']);
  });

  it('cannot re-include a file below an excluded directory, as git', async () => {
    const root = tempRepo({
      '.gitignore': 'generated/\n',
      'generated/.gitignore': '!*.yml\n',
      'generated/out.yml': 'a: 1\n',
      'generated/deep/more.yml': 'a: 1\n',
      'kept.yml': 'a: 1\n',
    });
    expect(files(await run(root))).toEqual(['kept.yml']);
  });

  it('reads .gitignore files above the scanned root up to the repository top', async () => {
    const repo = tempRepo({
      '.gitignore': 'services/vllm/scratch.yml\n*.tmp.yml\n',
      'services/.gitignore': 'ignored-by-parent.yml\n',
      'services/vllm/docker-compose.yml': COMPOSE_LATEST,
      'services/vllm/scratch.yml': 'a: 1\n',
      'services/vllm/x.tmp.yml': 'a: 1\n',
      'services/vllm/ignored-by-parent.yml': 'a: 1\n',
    });
    mkdirSync(join(repo, '.git'));
    const d = await run(join(repo, 'services/vllm'));
    expect(files(d)).toEqual(['docker-compose.yml']);
  });

  it('ignores .gitignore files above the root when there is no repository', async () => {
    const outer = tempRepo({ '.gitignore': '*.yml\n', 'inner/docker-compose.yml': COMPOSE_LATEST });
    expect(files(await run(join(outer, 'inner')))).toEqual(['docker-compose.yml']);
  });

  it('applies .gitignore to files named on the command line', async () => {
    const root = tempRepo({ '.gitignore': 'scratch/\n', 'scratch/docker-compose.yml': COMPOSE_LATEST, 'docker-compose.yml': COMPOSE_LATEST });
    const d = await run(root, [join(root, 'scratch/docker-compose.yml'), join(root, 'docker-compose.yml')]);
    expect(files(d)).toEqual(['docker-compose.yml']);
    expect(d.files[0]?.explicit).toBe(true);
  });
});

describe('discover: ignore patterns and default skips', () => {
  it('applies config and --ignore patterns relative to the root', async () => {
    const root = tempRepo({
      'docker-compose.yml': COMPOSE_LATEST,
      'examples/docker-compose.yml': COMPOSE_LATEST,
      'deploy/dev/compose.yaml': COMPOSE_LATEST,
      'deploy/prod/compose.yaml': COMPOSE_LATEST,
    });
    expect(files(await run(root, [], ['examples/', 'deploy/dev/**']))).toEqual(['deploy/prod/compose.yaml', 'docker-compose.yml']);
    // through a scan: config `ignore:` alone, then with the command line's --ignore added
    const withConfig = await scanDir(root, { config: config({ ignore: ['examples/'] }) });
    expect(withConfig.findings.map((f) => f.path)).toEqual(['deploy/dev/compose.yaml', 'deploy/prod/compose.yaml', 'docker-compose.yml']);
    const both = await scan({ root, paths: [], config: config({ ignore: ['examples/'] }), rules, ignore: ['deploy/dev/**'] });
    expect(both.findings.map((f) => f.path)).toEqual(['deploy/prod/compose.yaml', 'docker-compose.yml']);
    expect(both.stats.filesDiscovered).toBe(2);
  });

  it('skips dependency, virtualenv and build directories at any depth', async () => {
    const root = tempRepo({
      'docker-compose.yml': COMPOSE_LATEST,
      'node_modules/pkg/docker-compose.yml': COMPOSE_LATEST,
      'web/node_modules/pkg/Dockerfile': 'FROM x\n',
      '.venv/lib/app.py': 'x = 1\n',
      'venv/bin/activate': '#!/bin/sh\n',
      'dist/server.js': 'x\n',
      'build/Dockerfile': 'FROM x\n',
      'pkg.egg-info/PKG-INFO.py': 'x\n',
      'svc/__pycache__/m.py': 'x\n',
      '.git/hooks/pre-commit.sh': 'x\n',
      'distribution/compose.yaml': COMPOSE_LATEST,
    });
    expect(files(await run(root))).toEqual(['distribution/compose.yaml', 'docker-compose.yml']);
  });

  it('scans a skipped directory or file named on the command line', async () => {
    const root = tempRepo({
      'node_modules/pkg/docker-compose.yml': COMPOSE_LATEST,
      'dist/app.js': 'x\n',
      'dist/nested/node_modules/x/Dockerfile': 'FROM x\n',
    });
    const d = await run(root, [join(root, 'node_modules/pkg/docker-compose.yml'), join(root, 'dist')]);
    // inside an explicit directory, the default skips apply again below it
    expect(d.files.map((f) => [f.path, f.explicit])).toEqual([
      ['dist/app.js', false],
      ['node_modules/pkg/docker-compose.yml', true],
    ]);
  });

  it('refuses paths that do not exist or are outside the root', async () => {
    const root = tempRepo({ 'docker-compose.yml': COMPOSE_LATEST });
    const other = tempRepo({ 'docker-compose.yml': COMPOSE_LATEST });
    const d = await run(root, [join(root, 'nope.yml'), join(other, 'docker-compose.yml')]);
    expect(d.missing).toEqual([join(root, 'nope.yml')]);
    expect(d.outside).toEqual([join(other, 'docker-compose.yml')]);
    await expect(scanDir(root, { config: config(), paths: [join(root, 'nope.yml')] })).rejects.toThrow(UsageError);
  });
});

describe('discover: binary and large files', () => {
  it('skips files over the size cap and binary files, and says so in notifications', async () => {
    const root = tempRepo({
      'docker-compose.yml': COMPOSE_LATEST,
      'big/docker-compose.yml': `${COMPOSE_LATEST}#${'x'.repeat(300)}\n`,
      'weights.yml': Buffer.concat([Buffer.from('vllm/vllm-openai:latest\n'), Buffer.from([0, 1, 2, 3])]),
      'blob.bin': Buffer.alloc(5000),
    });
    const d = await run(root, [], [], 200);
    expect(d.tooLarge).toEqual(['big/docker-compose.yml']);
    // a binary file is found by discovery and dropped when read
    expect(files(d)).toEqual(['docker-compose.yml', 'weights.yml']);

    const result = await scanDir(root, { config: config({ maxFileSize: 200 }) });
    expect(result.findings.map((f) => f.path)).toEqual(['docker-compose.yml']);
    const skipped = result.notifications.filter((n) => n.kind === 'skipped-files');
    expect(skipped.map((n) => [n.message, n.paths])).toEqual([
      ['skipped 1 file: binary', ['weights.yml']],
      ['skipped 1 file: larger than the size limit of data and config files (200 bytes; raise maxFileSize in the config to scan them)', ['big/docker-compose.yml']],
    ]);
    expect(result.stats.filesScanned).toBe(1);
  });
});

describe('discover: symbolic links', () => {
  it('skips and reports a link to a file outside the root', async () => {
    const outside = tempRepo({ 'docker-compose.yml': COMPOSE_LATEST });
    const root = tempRepo({ 'docker-compose.yml': 'services:\n  app:\n    image: python:3.12\n' });
    mkdirSync(join(root, 'deploy'));
    symlinkSync(join(outside, 'docker-compose.yml'), join(root, 'deploy/compose.yaml'));
    symlinkSync(outside, join(root, 'vendored'));
    const d = await run(root);
    expect(files(d)).toEqual(['docker-compose.yml']);
    expect(d.symlinksOutside).toEqual(['deploy/compose.yaml', 'vendored']);

    const result = await scanDir(root, { config: config() });
    expect(result.findings).toEqual([]);
    const n = result.notifications.find((x) => x.kind === 'symlink-outside-root');
    expect(n?.paths).toEqual(['deploy/compose.yaml', 'vendored']);
    expect(n?.message).toBe('skipped 2 files: symbolic links to outside the scanned root');
  });

  it('reports a link named on the command line by its path in the root', async () => {
    const outside = tempRepo({ 'docker-compose.yml': COMPOSE_LATEST });
    const root = tempRepo({ 'README.md': '' });
    symlinkSync(join(outside, 'docker-compose.yml'), join(root, 'compose.yaml'));
    const d = await run(root, [join(root, 'compose.yaml')]);
    expect(d.files).toEqual([]);
    expect(d.symlinksOutside).toEqual(['compose.yaml']);
  });

  it('does not hang on symlink cycles', async () => {
    const root = tempRepo({ 'app/docker-compose.yml': COMPOSE_LATEST });
    symlinkSync(root, join(root, 'app/loop'));
    symlinkSync(join(root, 'b'), join(root, 'a'));
    symlinkSync(join(root, 'a'), join(root, 'b'));
    symlinkSync('.', join(root, 'app/self'));
    const d = await run(root);
    expect(files(d)).toEqual(['app/docker-compose.yml']);
    expect(d.symlinksOutside).toEqual([]);
    const result = await scanDir(root, { config: config() });
    expect(result.findings.map((f) => `${f.path}:${f.range.start.line}:${f.range.start.column}`)).toEqual(['app/docker-compose.yml:3:29']);
  });

  it('scans a file once when links inside the root point to it', async () => {
    const root = tempRepo({ 'deploy/docker-compose.yml': COMPOSE_LATEST });
    symlinkSync(join(root, 'deploy/docker-compose.yml'), join(root, 'docker-compose.yml'));
    symlinkSync(join(root, 'deploy'), join(root, 'deploy-current'));
    const d = await run(root);
    expect(files(d)).toEqual(['deploy/docker-compose.yml']);
    // named on the command line, the link stands for its target
    const viaLink = await run(root, [join(root, 'docker-compose.yml')]);
    expect(viaLink.files.map((f) => [f.path, f.explicit])).toEqual([['deploy/docker-compose.yml', true]]);
    const result = await scanDir(root, { config: config() });
    expect(result.findings.map((f) => f.path)).toEqual(['deploy/docker-compose.yml']);
  });

  it('skips a dangling link silently', async () => {
    const root = tempRepo({ 'docker-compose.yml': COMPOSE_LATEST });
    symlinkSync(join(root, 'gone.yml'), join(root, 'dangling.yml'));
    writeFileSync(join(root, 'other.yml'), 'a: 1\n');
    const d = await run(root);
    expect(files(d)).toEqual(['docker-compose.yml', 'other.yml']);
    expect(d.symlinksOutside).toEqual([]);
  });
});

describe('special files where files are expected', () => {
  it('named pipes, including a .gitignore, are passed over without blocking', async () => {
    const root = tempRepo({ 'svc/a.py': 'x = 1\n' });
    for (const p of ['.gitignore', 'svc/.gitignore', 'svc/pipe.py']) execFileSync('mkfifo', [join(root, p)]);
    const d = await discover({ root, paths: [], ignore: [], maxFileSize: 1 << 20 });
    expect(d.files.map((f) => f.path)).toEqual(['svc/a.py']);
  });
});
