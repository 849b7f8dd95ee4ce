import { posix } from 'node:path';
import picomatch from 'picomatch';
import { Node, SyntaxKind } from '../../parse/ts-morph.js';
import type { Node as PyNode } from 'web-tree-sitter';
import type { FileModel } from '../../model/file-model.js';
import type { ProjectModel } from '../../model/project.js';
import { span as pySpan } from '../../parse/python.js';
import { tsSpan } from '../../parse/typescript.js';
import type { Span } from '../../types.js';
import { envEntries } from '../env.js';
import { InferenceContext } from '../inference/context.js';
import { ObservabilityKnowledge } from './data.js';
import { descendantsOfKind } from '../../parse/walk.js';

/** Tracing set up for a whole process: which SDKs it records, and where it is started. */
export interface Instrumentation {
  tool: string;
  /** SDK ids it records; `*` for all. */
  covers: string[];
  path: string;
  span: Span;
}

const TRUE = /^(true|1|yes|on)$/i;

function coversSdk(i: Instrumentation, sdk: string): boolean {
  return i.covers.includes('*') || i.covers.includes(sdk);
}

/** Instrumentation started by a Python module: `Traceloop.init()`, `OpenAIInstrumentor().instrument()`, `litellm.success_callback = [...]`, ... */
function pythonInstrumentation(file: FileModel): Instrumentation[] {
  const mod = file.python();
  if (!mod) return [];
  const k = ObservabilityKnowledge.get();
  const d = k.data.instrumentation;
  const out: Instrumentation[] = [];
  for (const c of mod.calls()) {
    const q = c.qualified;
    if (!q) continue;
    for (const rule of k.pyInstrumentation) {
      const m = rule.re.exec(q);
      if (!m) continue;
      if (rule.requiresKwarg && c.kwargs.get(rule.requiresKwarg)?.type !== 'true') continue;
      const covers = rule.covers.flatMap((x) => (x === '$instrumentor' ? (k.instrumentors.get((m[2] ?? '').toLowerCase()) ?? []) : [x]));
      if (covers.length > 0) out.push({ tool: rule.tool, covers, path: file.path, span: c.calleeSpan });
      break;
    }
    // os.environ.setdefault("LANGCHAIN_TRACING_V2", "true")
    if (q === 'os.environ.setdefault' || q === 'os.putenv') {
      const [name, value] = c.args;
      if (name && value) envFlag(mod.stringValue(name)?.value, mod.stringValue(value)?.value, file.path, c.calleeSpan, out);
    }
  }
  for (const imp of mod.imports()) {
    for (const x of d.pythonImports ?? []) {
      if (imp.module === x.module || imp.qualified === x.module || imp.module.startsWith(`${x.module}.`)) out.push({ tool: x.tool, covers: x.covers, path: file.path, span: imp.span });
    }
  }
  for (const a of mod.root.descendantsOfType('assignment')) {
    if (!a) continue;
    const left = a.childForFieldName('left');
    const right = a.childForFieldName('right');
    if (!left || !right) continue;
    if (left.type === 'attribute') {
      const q = mod.qualify(mod.chain(left));
      for (const x of d.pythonAssignments ?? []) if (q === x.target && mod.text_(right) !== '[]') out.push({ tool: x.tool, covers: x.covers, path: file.path, span: pySpan(left) });
    } else if (left.type === 'subscript') {
      // os.environ["LANGCHAIN_TRACING_V2"] = "true"
      const env = mod.envLookup(left);
      if (env) envFlag(env.name, mod.stringValue(right as PyNode)?.value, file.path, pySpan(left), out);
    }
  }
  return out;
}

function envFlag(name: string | undefined, value: string | undefined, path: string, span: Span, out: Instrumentation[]): void {
  if (!name || value === undefined || !TRUE.test(value)) return;
  for (const f of ObservabilityKnowledge.get().data.instrumentation.envFlags ?? []) if (f.names.includes(name)) out.push({ tool: f.tool, covers: f.covers, path, span });
}

/** Instrumentation started by a TS/JS module: a value imported from an LLM instrumentation package and called. */
function tsInstrumentation(file: FileModel): Instrumentation[] {
  const mod = file.ts();
  if (!mod) return [];
  const k = ObservabilityKnowledge.get();
  const out: Instrumentation[] = [];
  const byLocal = new Map<string, { tool: string; covers: string[] }>();
  for (const imp of mod.imports()) {
    if (imp.typeOnly) continue;
    const x = k.data.instrumentation.ts.find((t) => imp.module === t.module || imp.module.startsWith(`${t.module}/`));
    if (x) byLocal.set(imp.local, { tool: x.tool, covers: x.covers });
  }
  if (byLocal.size > 0) {
    for (const n of [...descendantsOfKind(mod.source, SyntaxKind.CallExpression), ...descendantsOfKind(mod.source, SyntaxKind.NewExpression)]) {
      const root = n.getExpression().getText().split(/[.([]/)[0] ?? '';
      const x = byLocal.get(root);
      if (x) out.push({ ...x, path: file.path, span: tsSpan(n.getExpression()) });
    }
  }
  for (const n of /TRACING/.test(file.text) ? descendantsOfKind(mod.source, SyntaxKind.BinaryExpression) : []) {
    if (n.getOperatorToken().getKind() === SyntaxKind.EqualsToken) {
      // process.env.LANGCHAIN_TRACING_V2 = "true"
      const name = mod.envName(n.getLeft());
      if (name) envFlag(name, mod.stringValue(n.getRight())?.value, file.path, tsSpan(n.getLeft()), out);
    }
  }
  return out;
}

/** Instrumentation a file starts (memoised on the file). */
export function instrumentationIn(file: FileModel): Instrumentation[] {
  return file.memo('observability:instrumentation', () => (file.kind === 'python' ? pythonInstrumentation(file) : file.kind === 'typescript' ? tsInstrumentation(file) : []));
}

interface ProcessState {
  /** Files that start instrumentation, with what they start. */
  instrumented: Map<string, Instrumentation[]>;
  ancestors: Map<string, Set<string>>;
  /** TS package directories instrumented as a whole (Next.js instrumentation.ts, node --require). */
  packages: Array<{ dir: string; inst: Instrumentation }>;
  /** Instrumentation for every file of a language under a directory (env flags, launcher commands). */
  global: Array<{ lang: 'ts' | 'python' | 'any'; dir: string; inst: Instrumentation }>;
  entryPoints: (path: string) => boolean;
}

const states = new WeakMap<ProjectModel, ProcessState>();

function dirOf(path: string): string {
  const d = posix.dirname(path);
  return d === '.' ? '' : d;
}

function nearestPackageDir(project: ProjectModel, path: string): string {
  for (let d = posix.dirname(path); ; d = posix.dirname(d)) {
    const dir = d === '.' ? '' : d;
    if (project.exists(dir ? `${dir}/package.json` : 'package.json')) return dir;
    if (d === '.' || d === '/' || d === '') return '';
  }
}

function state(project: ProjectModel): ProcessState {
  let s = states.get(project);
  if (s) return s;
  const k = ObservabilityKnowledge.get();
  const globs = project.settings.logging?.instrumentedEntryPoints ?? [];
  s = {
    instrumented: new Map(),
    ancestors: new Map(),
    packages: [],
    global: [],
    entryPoints: globs.length > 0 ? picomatch(globs, { dot: true }) : () => false,
  };
  states.set(project, s);
  const files = project.files();
  for (const f of files) {
    if (f.kind !== 'python' && f.kind !== 'typescript') continue;
    // Cheap text test first: most files start nothing.
    if (!/(instrument|Traceloop|openlit|weave|agentops|mlflow|logfire|phoenix|LLMObs|langfuse|callback|TRACING|Laminar|traceloop|arizeai|init\()/i.test(f.text)) continue;
    const inst = instrumentationIn(f);
    if (inst.length > 0) s.instrumented.set(f.path, inst);
  }
  // Next.js loads instrumentation.ts (root or src/) of the app before anything else.
  for (const f of files) {
    if (f.kind !== 'typescript' || !/(^|\/)(src\/)?instrumentation(\.node)?\.(ts|js|mjs)$/.test(f.path)) continue;
    const dir = f.path.replace(/\/?(src\/)?instrumentation(\.node)?\.(ts|js|mjs)$/, '');
    for (const inst of closureInstrumentation(project, s, f)) s.packages.push({ dir, inst });
  }
  // node --require ./tracing.js / --import ./instrumentation.mjs in package.json scripts and Dockerfiles.
  for (const f of files) {
    if (f.kind !== 'package-json' && f.kind !== 'dockerfile' && f.kind !== 'compose' && f.kind !== 'shell') continue;
    for (const m of f.text.matchAll(/(?:^|[\s"'=])(?:-r|--require|--import)[\s=]+["']?(\.{0,2}\/?[\w@./-]+\.(?:c|m)?[jt]s)/g)) {
      const dir = f.kind === 'package-json' ? posix.dirname(f.path) : nearestPackageDir(project, f.path);
      const base = dir === '.' ? '' : dir;
      const target = project.index.resolveTs(`${base ? `${base}/` : ''}package.json`, (m[1] as string).startsWith('.') ? (m[1] as string) : `./${m[1] as string}`);
      const tf = target ? project.file(target) : undefined;
      if (!tf) continue;
      for (const inst of closureInstrumentation(project, s, tf)) s.packages.push({ dir: base, inst });
    }
  }
  // Launchers: `opentelemetry-instrument python app.py` with LLM instrumentation packages installed.
  // A Dockerfile or compose file covers its own directory (the build context); the packages are
  // those declared there or above.
  for (const launcher of files.filter(
    (f) => ['dockerfile', 'compose', 'shell', 'makefile', 'gha-workflow', 'pyproject'].includes(f.kind) && /\b(opentelemetry-instrument|openlit-instrument)\b/.test(f.text),
  )) {
    const dir = ['dockerfile', 'compose', 'shell', 'makefile', 'pyproject'].includes(launcher.kind) ? dirOf(launcher.path) : '';
    const covers = new Set<string>();
    if (/openlit-instrument/.test(launcher.text)) covers.add('*');
    for (const p of project.index.packages()) {
      const pdir = dirOf(p.path);
      if (!(pdir === '' || dir === pdir || dir.startsWith(`${pdir}/`) || pdir.startsWith(dir ? `${dir}/` : ''))) continue;
      const m = /^(opentelemetry-instrumentation|openinference-instrumentation)-([a-z0-9-]+?)(-v2)?$/.exec(p.name);
      for (const sdk of m ? (k.instrumentors.get((m[2] as string).replace(/-/g, '')) ?? []) : []) covers.add(sdk);
    }
    const at = launcher.text.search(/\b(opentelemetry-instrument|openlit-instrument)\b/);
    if (covers.size > 0) s.global.push({ lang: 'python', dir, inst: { tool: 'OpenTelemetry auto-instrumentation', covers: [...covers], path: launcher.path, span: { start: at, end: at } } });
  }
  // LANGSMITH_TRACING=true and friends in .env files, compose, Kubernetes, Dockerfiles, CI.
  for (const f of files) {
    if (!['dotenv', 'compose', 'k8s', 'dockerfile', 'gha-workflow', 'gitlab-ci', 'helm-values'].includes(f.kind)) continue;
    if (!/TRACING/.test(f.text)) continue;
    // .env, compose and Dockerfile settings reach the code next to them; manifests and CI the whole repository.
    const dir = ['dotenv', 'compose', 'dockerfile'].includes(f.kind) ? dirOf(f.path) : '';
    for (const e of envEntries(f)) {
      const out: Instrumentation[] = [];
      envFlag(e.name, e.value, f.path, e.nameSpan, out);
      for (const inst of out) s.global.push({ lang: 'any', dir, inst });
    }
  }
  return s;
}

/** Instrumentation started by a file or anything it imports (dynamic `import()` included). */
function closureInstrumentation(project: ProjectModel, s: ProcessState, start: FileModel): Instrumentation[] {
  const out: Instrumentation[] = [];
  const seen = new Set<string>();
  const queue = [start.path];
  while (queue.length > 0 && seen.size < 200) {
    const p = queue.shift() as string;
    if (seen.has(p)) continue;
    seen.add(p);
    const f = project.file(p);
    if (!f) continue;
    out.push(...(s.instrumented.get(p) ?? instrumentationIn(f)));
    for (const e of project.index.importsOf(f)) if (e.resolved) queue.push(e.resolved);
    const mod = f.ts();
    if (mod) {
      for (const c of descendantsOfKind(mod.source, SyntaxKind.CallExpression)) {
        if (c.getExpression().getKind() !== SyntaxKind.ImportKeyword) continue;
        const a = c.getArguments()[0];
        const spec = a && Node.isStringLiteral(a) ? a.getLiteralValue() : undefined;
        const r = spec ? project.index.resolveTs(p, spec) : undefined;
        if (r) queue.push(r);
      }
    }
  }
  return out;
}

/** A file and every file that imports it, transitively (bounded). */
function ancestors(project: ProjectModel, s: ProcessState, path: string): Set<string> {
  let a = s.ancestors.get(path);
  if (a) return a;
  a = new Set();
  const queue = [path];
  while (queue.length > 0 && a.size < 500) {
    const p = queue.shift() as string;
    if (a.has(p)) continue;
    a.add(p);
    for (const imp of InferenceContext.of(project).importersOf(p)) queue.push(imp);
  }
  s.ancestors.set(path, a);
  return a;
}

/**
 * Process-wide instrumentation that records calls of `sdk` made in `file`: a module that starts
 * it and is imported by some entry point that also (transitively) imports `file`; a package
 * `__init__.py` on the file's path; Next.js `instrumentation.ts`; `node --require`;
 * `opentelemetry-instrument`; tracing environment flags; or an entry point named in
 * `settings.logging.instrumentedEntryPoints`.
 */
export function processInstrumentation(project: ProjectModel, file: FileModel, sdk: string): Instrumentation | undefined {
  const s = state(project);
  const lang = file.kind === 'python' ? 'python' : 'ts';
  for (const g of s.global) {
    if ((g.lang === 'any' || g.lang === lang) && (g.dir === '' || file.path.startsWith(`${g.dir}/`)) && coversSdk(g.inst, sdk)) return g.inst;
  }
  if (lang === 'ts') {
    for (const p of s.packages) if ((p.dir === '' || file.path.startsWith(`${p.dir}/`)) && coversSdk(p.inst, sdk)) return p.inst;
  }
  const mine = ancestors(project, s, file.path);
  for (const a of mine) {
    if (s.entryPoints(a)) return { tool: 'settings.logging.instrumentedEntryPoints', covers: ['*'], path: a, span: { start: 0, end: 0 } };
  }
  if (lang === 'python') {
    // Importing a module runs the __init__.py of every package on its path.
    for (let d = posix.dirname(file.path); d !== '.' && d !== ''; d = posix.dirname(d)) {
      const init = s.instrumented.get(`${d}/__init__.py`)?.find((i) => coversSdk(i, sdk));
      if (init) return init;
    }
  }
  for (const [path, insts] of s.instrumented) {
    const inst = insts.find((i) => coversSdk(i, sdk));
    if (!inst) continue;
    const theirs = ancestors(project, s, path);
    for (const a of mine) if (theirs.has(a)) return inst;
  }
  return undefined;
}
