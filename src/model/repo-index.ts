import { posix } from 'node:path';
import type { FileModel } from './file-model.js';
import type { ProjectModel } from './project.js';
import { cutAtAny } from '../util/text.js';

export interface ImportEdge {
  /** The module as written. */
  module: string;
  /** Root-relative path of the file it names, when that file is in the repository. */
  resolved?: string;
}

/**
 * What a declaration is for: `runtime` is installed with the package or application
 * (`[project].dependencies`, the main requirements file, package.json `dependencies`);
 * `optional` with an extra (`[project.optional-dependencies]`, peer and optional npm
 * dependencies); `dev` only in development, test, docs or lint environments (dependency
 * groups, `requirements-dev.txt`, `devDependencies`); `build` only to build it
 * (`[build-system].requires`); `override` and `constraint` replace or narrow what a resolver
 * picks (uv `override-dependencies`, `constraint-dependencies`, constraints files) without
 * adding the package.
 */
export type DeclarationScope = 'runtime' | 'optional' | 'dev' | 'build' | 'override' | 'constraint';

export interface DeclaredPackage {
  name: string;
  /** Version constraint as written (`>=2.6`, `^4.0.0`); '' when none. */
  spec: string;
  ecosystem: 'npm' | 'pypi';
  /** The manifest that declares it. */
  path: string;
  scope: DeclarationScope;
}

/** `requirements-dev.txt`, `requirements/test.txt`, `constraints.txt`: what a requirements file is for, by its name. */
export function requirementsScope(path: string): DeclarationScope {
  const name = posix.basename(path).replace(/\.(txt|in)$/i, '');
  const dir = posix.basename(posix.dirname(path));
  const words = (dir === 'requirements' ? name : name.replace(/^requirements/i, '')).toLowerCase();
  if (/(^|[-_.])constraints?([-_.]|$)/.test(words)) return 'constraint';
  if (/(^|[-_.])(build|setup)([-_.]|$)/.test(words)) return 'build';
  if (/(^|[-_.])(dev|develop|devel|test|tests|testing|ci|lint|linting|docs?|typing|types|format|style|bench|benchmarks?|notebooks?)([-_.]|$)/.test(words)) return 'dev';
  return 'runtime';
}

/** A dependency group (PEP 735, poetry) or an extra named for development work. */
function groupScope(name: string, otherwise: DeclarationScope): DeclarationScope {
  const n = name.toLowerCase();
  if (/^(build|setup)([-_]|$)/.test(n)) return 'build';
  if (/^(dev|develop|devel|test|tests|testing|ci|lint|linting|docs?|typing|types|format|style|bench|benchmarks?|notebooks?)([-_]|$)/.test(n)) return 'dev';
  return otherwise;
}

const TS_EXTS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'];

/** PEP 503 normalised name. */
export function normalizePyName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** `torch[cuda]>=2.6 ; python_version>"3.8"` → name and spec. */
function parsePep508(line: string): { name: string; spec: string } | undefined {
  const m = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*([^;#@]*)/.exec(line);
  if (!m) return undefined;
  return { name: normalizePyName(m[1] as string), spec: (m[3] as string).trim().replace(/^\((.*)\)$/, '$1') };
}

/**
 * Repository-level facts: which file imports which module (resolved to repository files
 * where possible), and which packages the manifests declare. Built once, on first use.
 */
export class RepoIndex {
  private readonly importsByFile = new Map<string, ImportEdge[]>();
  private importersOf?: Map<string, string[]>;
  private _packages?: DeclaredPackage[];
  private _packageRoots?: Set<string>;
  private readonly pyFiles: Set<string>;
  private pyBySuffix?: Map<string, string[]>;
  private readonly absolutePy = new Map<string, string | undefined>();
  private readonly tsFiles: Set<string>;

  constructor(private readonly project: ProjectModel) {
    const files = project.files();
    this.pyFiles = new Set(files.filter((f) => f.kind === 'python').map((f) => f.path));
    this.tsFiles = new Set(files.filter((f) => f.kind === 'typescript').map((f) => f.path));
  }

  /** Resolves a TS/JS module specifier from `from` to a repository file. */
  resolveTs(from: string, spec: string): string | undefined {
    if (!spec.startsWith('.') && !spec.startsWith('/')) {
      // Common path aliases: `@/lib/x` and `~/lib/x` → lib/x or src/lib/x under the package
      // (the nearest directory with a package.json) or the root; SvelteKit's `$lib/x` → src/lib/x.
      const alias = /^[@~]\/(.*)$/.exec(spec) ?? /^\$(lib(?:\/.*)?)$/.exec(spec);
      if (!alias) return undefined;
      const pkgDirs: string[] = [];
      for (let d = posix.dirname(from); ; d = posix.dirname(d)) {
        const dir = d === '.' ? '' : d;
        if (this.project.exists(dir ? `${dir}/package.json` : 'package.json')) pkgDirs.push(dir);
        if (d === '.' || d === '/' || d === '') break;
      }
      if (!pkgDirs.includes('')) pkgDirs.push('');
      for (const pkg of pkgDirs) {
        for (const base of ['', 'src/', 'app/']) {
          const hit = this.tryTs(posix.normalize(`${pkg ? `${pkg}/` : ''}${base}${alias[1] as string}`));
          if (hit) return hit;
        }
      }
      return undefined;
    }
    const base = spec.startsWith('/') ? spec.slice(1) : posix.join(posix.dirname(from), spec);
    return this.tryTs(posix.normalize(base));
  }

  private tryTs(base: string): string | undefined {
    const noJs = base.replace(/\.(m|c)?js$/, '');
    const candidates = [base, ...TS_EXTS.map((e) => noJs + e), ...TS_EXTS.map((e) => `${base}/index${e}`)];
    return candidates.find((c) => this.tsFiles.has(c));
  }

  /** Resolves a Python module (`app.llm`, `.llm`, `..core.client`) imported by `from`. */
  resolvePy(from: string, module: string): string | undefined {
    const dots = /^\.*/.exec(module)?.[0].length ?? 0;
    const rest = module.slice(dots).split('.').filter(Boolean).join('/');
    if (dots > 0) {
      let dir = posix.dirname(from);
      for (let i = 1; i < dots; i++) dir = posix.dirname(dir);
      const base = dir === '.' ? rest : rest ? `${dir}/${rest}` : dir;
      return [`${base}.py`, `${base}/__init__.py`].find((c) => this.pyFiles.has(c));
    }
    if (!rest) return undefined;
    // Absolute import: the package may live at the root, under src/, or any other source root.
    if (this.absolutePy.has(rest)) return this.absolutePy.get(rest);
    if (!this.pyBySuffix) {
      // Every trailing run of path segments of every module: `src/app/llm.py` answers
      // `app/llm` and `llm` too.
      this.pyBySuffix = new Map();
      for (const p of this.pyFiles) {
        const segs = p
          .replace(/\.py$/, '')
          .replace(/\/__init__$/, '')
          .split('/');
        for (let i = 0; i < segs.length; i++) {
          const key = segs.slice(i).join('/');
          const list = this.pyBySuffix.get(key) ?? [];
          list.push(p);
          this.pyBySuffix.set(key, list);
        }
      }
    }
    const hits = [...(this.pyBySuffix.get(rest) ?? [])].sort((a, b) => a.length - b.length || (a < b ? -1 : 1));
    this.absolutePy.set(rest, hits[0]);
    return hits[0];
  }

  /** The imports of one TS/JS or Python file. */
  importsOf(file: FileModel): ImportEdge[] {
    const known = this.importsByFile.get(file.path);
    if (known) return known;
    return this.project.timing.measure('repository index', () => this.readImports(file));
  }

  private readImports(file: FileModel): ImportEdge[] {
    const edges: ImportEdge[] = [];
    for (const m of file.tsImportModules() ?? []) edges.push({ module: m, resolved: this.resolveTs(file.path, m) });
    const py = file.python();
    if (py) {
      const seen = new Set<string>();
      for (const imp of py.imports()) {
        // `from pkg import mod` may name a submodule: try `pkg.mod` before `pkg`. `import pkg.mod`
        // (qualified is just `pkg`) names the submodule itself.
        const fromImport = imp.qualified.startsWith(imp.module.endsWith('.') ? imp.module : `${imp.module}.`);
        const sub = imp.star || !fromImport ? undefined : imp.qualified;
        const resolved = (sub ? this.resolvePy(file.path, sub) : undefined) ?? this.resolvePy(file.path, imp.module) ?? (fromImport ? undefined : this.resolvePy(file.path, imp.qualified));
        const key = `${imp.module}|${resolved ?? ''}`;
        if (seen.has(key)) continue;
        seen.add(key);
        edges.push({ module: imp.module, resolved });
      }
    }
    this.importsByFile.set(file.path, edges);
    return edges;
  }

  /** Files of the repository that import `path`. */
  importers(path: string): string[] {
    if (!this.importersOf) this.project.timing.measure('repository index', () => this.buildImporters());
    return this.importersOf?.get(path) ?? [];
  }

  private buildImporters(): void {
    const importersOf = new Map<string, string[]>();
    for (const f of this.project.files()) {
      if (f.kind !== 'typescript' && f.kind !== 'python') continue;
      for (const e of this.importsOf(f)) {
        if (!e.resolved) continue;
        const list = importersOf.get(e.resolved) ?? [];
        if (!list.includes(f.path)) list.push(f.path);
        importersOf.set(e.resolved, list);
      }
    }
    this.importersOf = importersOf;
  }

  /** Packages declared in package.json, requirements files and pyproject.toml, with what each declaration is for. */
  packages(): DeclaredPackage[] {
    this._packages ??= this.project.timing.measure('repository index', () => this.readPackages());
    return this._packages;
  }

  private readPackages(): DeclaredPackage[] {
    const out: DeclaredPackage[] = [];
    const roots = new Set<string>();
    for (const f of this.project.files()) {
      const dir = posix.dirname(f.path) === '.' ? '' : posix.dirname(f.path);
      if (f.kind === 'package-json') {
        roots.add(`npm:${dir}`);
        try {
          const pj = JSON.parse(f.text) as Record<string, Record<string, string> | undefined>;
          const scopes: Record<string, DeclarationScope> = { dependencies: 'runtime', devDependencies: 'dev', peerDependencies: 'optional', optionalDependencies: 'optional' };
          for (const [key, scope] of Object.entries(scopes)) {
            for (const [name, spec] of Object.entries(pj[key] ?? {})) out.push({ name, spec: String(spec), ecosystem: 'npm', path: f.path, scope });
          }
        } catch {
          /* reported by the JSON parse of rules that read it */
        }
      } else if (f.kind === 'requirements') {
        const scope = requirementsScope(f.path);
        for (const raw of f.text.split('\n')) {
          const line = cutAtAny(raw, '#').trim();
          if (!line || line.startsWith('-')) continue;
          const p = parsePep508(line);
          if (p) out.push({ ...p, ecosystem: 'pypi', path: f.path, scope });
        }
      } else if (f.kind === 'python' && /(^|\/)setup\.py$/.test(f.path)) {
        roots.add(`pypi:${dir}`);
      } else if (f.kind === 'pyproject') {
        const doc = f.toml();
        if (!doc) continue;
        const add = (line: unknown, scope: DeclarationScope): void => {
          if (typeof line !== 'string') return;
          const p = parsePep508(line);
          if (p) out.push({ ...p, ecosystem: 'pypi', path: f.path, scope });
        };
        const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
        const project = (doc.project ?? {}) as Record<string, unknown>;
        const tool = (doc.tool ?? {}) as Record<string, unknown>;
        const poetry = (tool.poetry ?? {}) as Record<string, unknown>;
        if (doc.project || tool.poetry || tool.setuptools) roots.add(`pypi:${dir}`);
        for (const d of list(project.dependencies)) add(d, 'runtime');
        for (const [group, deps] of Object.entries((project['optional-dependencies'] ?? {}) as Record<string, unknown>)) for (const d of list(deps)) add(d, groupScope(group, 'optional'));
        for (const [group, deps] of Object.entries((doc['dependency-groups'] ?? {}) as Record<string, unknown>)) for (const d of list(deps)) add(d, groupScope(group, 'dev'));
        for (const d of list(((doc['build-system'] ?? {}) as Record<string, unknown>).requires)) add(d, 'build');
        const uv = (tool.uv ?? {}) as Record<string, unknown>;
        for (const d of list(uv['dev-dependencies'])) add(d, 'dev');
        for (const d of list(uv['override-dependencies'])) add(d, 'override');
        for (const d of list(uv['constraint-dependencies'])) add(d, 'constraint');
        for (const d of list(uv['build-constraint-dependencies'])) add(d, 'build');
        const poetryDeps: Array<[unknown, DeclarationScope]> = [
          [poetry.dependencies, 'runtime'],
          [poetry['dev-dependencies'], 'dev'],
          ...Object.entries((poetry.group ?? {}) as Record<string, { dependencies?: unknown }>).map(([g, v]): [unknown, DeclarationScope] => [v?.dependencies, groupScope(g, 'dev')]),
        ];
        for (const [deps, scope] of poetryDeps) {
          for (const [name, spec] of Object.entries((deps ?? {}) as Record<string, unknown>)) {
            if (name === 'python') continue;
            const version = typeof spec === 'string' ? spec : typeof (spec as { version?: unknown })?.version === 'string' ? (spec as { version: string }).version : '';
            out.push({ name: normalizePyName(name), spec: version, ecosystem: 'pypi', path: f.path, scope: (spec as { optional?: unknown })?.optional === true ? 'optional' : scope });
          }
        }
      }
    }
    this._packages = out;
    this._packageRoots = roots;
    return out;
  }

  /**
   * Whether `dir` holds the manifest of an installable package (a pyproject.toml with
   * `[project]`, poetry or setuptools settings, a setup.py, a package.json): the files below it
   * are installed with the dependencies it declares.
   */
  isPackageRoot(dir: string, ecosystem: 'npm' | 'pypi'): boolean {
    this.packages();
    return this._packageRoots?.has(`${ecosystem}:${dir}`) ?? false;
  }

  /** Declarations of one package (npm names as written, PyPI names normalised). */
  package(name: string, ecosystem: 'npm' | 'pypi'): DeclaredPackage[] {
    const n = ecosystem === 'pypi' ? normalizePyName(name) : name;
    return this.packages().filter((p) => p.ecosystem === ecosystem && p.name === n);
  }
}
