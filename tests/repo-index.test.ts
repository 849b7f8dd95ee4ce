import { describe, expect, it } from 'vitest';
import { emptyConfig } from '../src/config/types.js';
import { discover } from '../src/discovery/discover.js';
import { ParserHost } from '../src/model/file-model.js';
import { ProjectModel } from '../src/model/project.js';
import { Grammars } from '../src/parse/tree-sitter.js';
import { tempRepo } from './helpers/run.js';

async function project(files: Record<string, string>): Promise<ProjectModel> {
  const root = tempRepo(files);
  const d = await discover({ root, paths: [], ignore: [], maxFileSize: 1 << 20 });
  return new ProjectModel(d, new ParserHost(await Grammars.load()), emptyConfig().settings);
}

describe('repository index', () => {
  it('resolves TS/JS imports: relative, index files, .js specifiers for .ts files, @/ aliases, require', async () => {
    const p = await project({
      'web/lib/llm.ts': 'import OpenAI from "openai";\nexport const client = new OpenAI();\n',
      'web/lib/log/index.ts': 'export const log = console;\n',
      'web/app/api/chat/route.ts': 'import { client } from "../../../lib/llm";\nimport { log } from "@/lib/log";\nexport async function POST() {}\n',
      'web/src/lib/util.ts': 'export const x = 1;\n',
      'web/worker.mjs': 'import { client } from "./lib/llm.js";\nconst fs = require("node:fs");\n',
      'web/package.json': '{"name": "web"}',
    });
    const idx = p.index;
    const route = p.file('web/app/api/chat/route.ts');
    expect(route && idx.importsOf(route)).toEqual([
      { module: '../../../lib/llm', resolved: 'web/lib/llm.ts' },
      { module: '@/lib/log', resolved: 'web/lib/log/index.ts' },
    ]);
    const worker = p.file('web/worker.mjs');
    expect(worker && idx.importsOf(worker)).toEqual([
      { module: './lib/llm.js', resolved: 'web/lib/llm.ts' },
      { module: 'node:fs', resolved: undefined },
    ]);
    expect(idx.importers('web/lib/llm.ts').sort()).toEqual(['web/app/api/chat/route.ts', 'web/worker.mjs']);
  });

  it('resolves Python imports: absolute under a source root, relative with dots, submodules named in from-imports', async () => {
    const p = await project({
      'src/app/__init__.py': '',
      'src/app/clients.py': 'from openai import OpenAI\nclient = OpenAI()\n',
      'src/app/api/__init__.py': '',
      'src/app/api/routes.py': 'from ..clients import client\nfrom app import clients\nimport app.clients as c\nimport requests\n',
      'src/main.py': 'import app.api.routes\n',
    });
    const routes = p.file('src/app/api/routes.py');
    const edges = routes ? p.index.importsOf(routes) : [];
    expect(edges).toEqual([
      { module: '..clients', resolved: 'src/app/clients.py' },
      { module: 'app', resolved: 'src/app/clients.py' },
      { module: 'app.clients', resolved: 'src/app/clients.py' },
      { module: 'requests', resolved: undefined },
    ]);
    expect(p.index.importers('src/app/clients.py')).toEqual(['src/app/api/routes.py']);
    // `import pkg.mod` binds `pkg` but imports the submodule
    const main = p.file('src/main.py');
    expect(main && p.index.importsOf(main)).toEqual([{ module: 'app.api.routes', resolved: 'src/app/api/routes.py' }]);
  });

  it('lists packages declared in package.json, requirements files and pyproject.toml', async () => {
    const p = await project({
      'package.json': JSON.stringify({ dependencies: { openai: '^4.67.0' }, devDependencies: { vitest: '^4.1.0' } }),
      'requirements.txt': '# serving\ntorch==2.5.1 ; platform_system == "Linux"\nTransformers[torch]>=4.46\n-r extra.txt\n',
      'pyproject.toml':
        '[project]\nname = "svc"\ndependencies = ["vllm>=0.6.3", "huggingface_hub"]\n[project.optional-dependencies]\ndev = ["pytest"]\n[tool.poetry.dependencies]\npython = "^3.11"\nsafetensors = { version = "^0.4" }\n',
    });
    const names = p.index.packages().map((x) => `${x.ecosystem}:${x.name}@${x.spec}`);
    expect(names.sort()).toEqual(
      ['npm:openai@^4.67.0', 'npm:vitest@^4.1.0', 'pypi:torch@==2.5.1', 'pypi:transformers@>=4.46', 'pypi:vllm@>=0.6.3', 'pypi:huggingface-hub@', 'pypi:pytest@', 'pypi:safetensors@^0.4'].sort(),
    );
    expect(p.index.package('HuggingFace_Hub', 'pypi')).toHaveLength(1);
    expect(p.exists('src')).toBe(false);
    expect(p.exists('requirements.txt')).toBe(true);
  });

  it('says what each declaration is for, and which directories are packages', async () => {
    const p = await project({
      'pyproject.toml': [
        '[build-system]',
        'requires = ["setuptools>=80", "torch"]',
        '[project]',
        'name = "trainer"',
        'dependencies = ["torch>=2.6"]',
        '[project.optional-dependencies]',
        'serve = ["vllm==0.6.3"]',
        'test = ["pytest"]',
        '[dependency-groups]',
        'lint = ["ruff"]',
        'build = ["cython"]',
        '[tool.uv]',
        'override-dependencies = ["triton; sys_platform == \'never\'"]',
        'constraint-dependencies = ["urllib3>=2.6"]',
        '[[tool.uv.dependency-metadata]]',
        'name = "kernels"',
        'requires-dist = ["torch>=2.1"]',
      ].join('\n'),
      'requirements-dev.txt': 'black==24.10.0\n',
      'requirements/test.txt': 'pytest\n',
      'tools/requirements.txt': 'numpy\n',
      'plugins/x/setup.py': 'from setuptools import setup\nsetup(name="x")\n',
      'web/package.json': JSON.stringify({ dependencies: { ai: '^4.0.0' }, devDependencies: { vitest: '^4.1.0' }, peerDependencies: { react: '^19' } }),
    });
    const scopes = p.index.packages().map((x) => `${x.path}:${x.name}:${x.scope}`);
    expect(scopes.sort()).toEqual(
      [
        'pyproject.toml:setuptools:build',
        'pyproject.toml:torch:build',
        'pyproject.toml:torch:runtime',
        'pyproject.toml:vllm:optional',
        'pyproject.toml:pytest:dev',
        'pyproject.toml:ruff:dev',
        'pyproject.toml:cython:build',
        'pyproject.toml:triton:override',
        'pyproject.toml:urllib3:constraint',
        'requirements-dev.txt:black:dev',
        'requirements/test.txt:pytest:dev',
        'tools/requirements.txt:numpy:runtime',
        'web/package.json:ai:runtime',
        'web/package.json:vitest:dev',
        'web/package.json:react:optional',
      ].sort(),
    );
    expect(p.index.isPackageRoot('', 'pypi')).toBe(true);
    expect(p.index.isPackageRoot('plugins/x', 'pypi')).toBe(true);
    expect(p.index.isPackageRoot('tools', 'pypi')).toBe(false);
    expect(p.index.isPackageRoot('web', 'npm')).toBe(true);
  });
});
