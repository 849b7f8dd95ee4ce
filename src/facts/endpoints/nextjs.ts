import { Node, SyntaxKind } from '../../parse/ts-morph.js';
import type { FileModel } from '../../model/file-model.js';
import type { ProjectModel } from '../../model/project.js';
import { tsSpan } from '../../parse/typescript.js';
import type { Span } from '../../types.js';
import { isTestFile } from '../inference/common.js';
import { InferenceContext } from '../inference/context.js';
import type { FunctionInfo } from '../inference/types.js';
import { isFunctionLike, type TsInference } from '../inference/ts.js';
import { nextMatcherCovers, nextMatcherProblem } from './paths.js';
import { makeEndpoint, tsHandler } from './ts-routers.js';
import { exportedExpr, shortText, tsLayer, unwrapTs } from './ts-resolve.js';
import type { Endpoint, Layer, SkippedLayer } from './types.js';
import { escapeRegExp } from '../../util/text.js';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];
export const APP_ROUTE = /^(?=(?:.*\/)?route\.(?:ts|tsx|js|jsx|mjs)$)(?:(.*?)\/)?(?:src\/)?app\/(.*\/)?route\.(?:ts|tsx|js|jsx|mjs)$/;
export const PAGES_API = /^(?=.*\.(?:ts|tsx|js|jsx|mjs)$)(?:(.*?)\/)?(?:src\/)?pages\/api\/(.*)\.(?:ts|tsx|js|jsx|mjs)$/;

/** A Next.js `middleware.ts` (`proxy.ts` since Next.js 16) and the paths it runs for. */
export interface NextMiddleware {
  file: string;
  /** The Next.js application directory it belongs to ('' for the repository root). */
  appRoot: string;
  /** The exported middleware expression (a function, `auth(...)`, `clerkMiddleware(...)`, a re-export). */
  node: Node;
  span: Span;
  /** `config.matcher` entries; undefined: the middleware runs for every path. */
  matcher?: Array<{ source: string; conditional: boolean }>;
  layer: Layer;
}

function isNextProject(project: ProjectModel): boolean {
  return project.index.package('next', 'npm').length > 0 || project.files().some((f) => /(^|\/)next\.config\.(js|mjs|cjs|ts)$/.test(f.path));
}

/** `app/(chat)/api/chat/[id]/route.ts` → `/api/chat/[id]`; undefined for private folders. */
function appRoutePath(rel: string): string | undefined {
  const segs = rel.split('/').filter(Boolean);
  const out: string[] = [];
  for (const s of segs) {
    if (s.startsWith('_')) return undefined;
    if (/^\(.*\)$/.test(s) || s.startsWith('@')) continue;
    out.push(s);
  }
  return `/${out.join('/')}`;
}

function pagesPath(rel: string): string {
  const segs = rel.split('/').filter(Boolean);
  if (segs[segs.length - 1] === 'index') segs.pop();
  return `/api${segs.length > 0 ? `/${segs.join('/')}` : ''}`;
}

/** The `"use server"` directive at the top of a file or a function body. */
function hasUseServer(statements: Node[]): boolean {
  for (const st of statements) {
    if (!Node.isExpressionStatement(st)) return false;
    const e = st.getExpression();
    if (!Node.isStringLiteral(e)) return false;
    if (e.getLiteralValue() === 'use server') return true;
  }
  return false;
}

/** Exported names of a module and the expression behind each (`export function POST`, `export const POST = ...`, `export { h as POST }`). */
export interface Export {
  name: string;
  nameNode: Node;
  expr: Node;
  /** The analyzer of the file `expr` is in (another module for `export { POST } from './x'`). */
  at?: TsInference;
}

export function exportsOf(a: TsInference, project?: ProjectModel): Export[] {
  const out: Export[] = [];
  for (const st of a.sf.getStatements()) {
    if (Node.isFunctionDeclaration(st) && st.hasExportKeyword()) {
      const nameNode = st.getNameNode();
      out.push({ name: st.hasDefaultKeyword() ? 'default' : (st.getName() ?? 'default'), nameNode: nameNode ?? st, expr: st });
    } else if (Node.isVariableStatement(st) && st.hasExportKeyword()) {
      for (const d of st.getDeclarations()) {
        const nn = d.getNameNode();
        const init = d.getInitializer();
        if (Node.isIdentifier(nn) && init) out.push({ name: nn.getText(), nameNode: nn, expr: init });
        else if (Node.isObjectBindingPattern(nn) && init) {
          // export const { GET, POST } = handlers
          for (const el of nn.getElements()) out.push({ name: el.getName(), nameNode: el.getNameNode(), expr: el });
        }
      }
    } else if (Node.isExportAssignment(st) && !st.isExportEquals()) {
      out.push({ name: 'default', nameNode: st.getExpression(), expr: st.getExpression() });
    } else if (Node.isExportDeclaration(st)) {
      const spec = st.getModuleSpecifierValue();
      for (const ne of st.getNamedExports()) {
        const name = ne.getAliasNode()?.getText() ?? ne.getName();
        const nameNode = ne.getAliasNode() ?? ne.getNameNode();
        if (!spec) {
          out.push({ name, nameNode, expr: ne.getNameNode() });
          continue;
        }
        // export { POST } from './handlers'
        const target = project ? project.index.resolveTs(a.file.path, spec) : undefined;
        const x = target && project ? exportedExpr(project, target, ne.getName()) : undefined;
        out.push(x && !x.prop ? { name, nameNode, expr: x.node, at: x.a } : { name, nameNode, expr: ne });
      }
    }
  }
  return out;
}

/** Request methods a pages-router handler tests for (`req.method === 'POST'`, `switch (req.method)`). */
export function pagesMethods(fn: FunctionInfo | undefined): string[] {
  if (!fn) return ['*'];
  const text = (fn.node as Node).getText();
  const found = new Set<string>();
  for (const m of text.matchAll(/\.method\s*[!=]==?\s*['"]([A-Z]+)['"]|['"]([A-Z]+)['"]\s*[!=]==?\s*[\w.]*\.method\b/g)) found.add((m[1] ?? m[2]) as string);
  if (/switch\s*\(\s*[\w.]*\.method\s*\)/.test(text)) for (const m of text.matchAll(/case\s+['"]([A-Z]+)['"]/g)) found.add(m[1] as string);
  // `if (req.method !== 'POST') return 405`: only POST is served.
  const only = /\.method\s*!==?\s*['"]([A-Z]+)['"]\s*\)\s*(\{[^}]*)?\b(return|throw)\b/.exec(text);
  if (only) return [only[1] as string];
  // A CORS preflight answered first (`if (req.method === "OPTIONS") return ...`) says nothing of the methods served after it.
  const methods = [...found].filter((m) => METHODS.includes(m) && m !== 'OPTIONS');
  return methods.length > 0 ? methods.sort() : ['*'];
}

/** The function behind an exported handler (through wrappers); none for values such as `handlers.GET`. */
export function handlerOf(project: ProjectModel, a: TsInference, expr: Node): { fn?: FunctionInfo; wrappers: Layer[] } {
  if (Node.isBindingElement(expr) || Node.isExportSpecifier(expr)) return { wrappers: [] };
  if (Node.isFunctionDeclaration(expr)) return { fn: a.fnInfo(expr), wrappers: [] };
  return tsHandler(project, a, expr);
}

/** The Next.js application directory of a route file, and the route's path. */
function appRouteOf(path: string): { root: string; route: string } | undefined {
  const m = APP_ROUTE.exec(path);
  if (!m) return undefined;
  const route = appRoutePath(m[2] ?? '');
  if (route === undefined) return undefined;
  return { root: stripSrc(m[1] ?? ''), route };
}

/** `web/src` → `web`: `src/app` and `src/pages` belong to the directory above `src`. */
function stripSrc(root: string): string {
  return root === 'src' ? '' : root.endsWith('/src') ? root.slice(0, -4) : root;
}

function middlewareFiles(project: ProjectModel): FileModel[] {
  return project.files().filter((f) => f.kind === 'typescript' && /(^|\/)(src\/)?(middleware|proxy)\.(ts|js|mjs)$/.test(f.path));
}

function matcherOf(a: TsInference): NextMiddleware['matcher'] {
  for (const st of a.sf.getStatements()) {
    if (!Node.isVariableStatement(st) || !st.hasExportKeyword()) continue;
    for (const d of st.getDeclarations()) {
      if (d.getName() !== 'config') continue;
      const init = d.getInitializer();
      const obj = init ? unwrapTs(init) : undefined;
      if (!obj || !Node.isObjectLiteralExpression(obj)) return undefined;
      const p = obj.getProperty('matcher');
      if (!p || !Node.isPropertyAssignment(p)) return undefined;
      const v = unwrapTs(p.getInitializer() as Node);
      const items = Node.isArrayLiteralExpression(v) ? v.getElements() : [v];
      const out: Array<{ source: string; conditional: boolean }> = [];
      for (const it of items) {
        const u = unwrapTs(it);
        if (Node.isObjectLiteralExpression(u)) {
          const src = u.getProperty('source');
          const s = src && Node.isPropertyAssignment(src) ? a.mod.stringValue(src.getInitializer())?.value : undefined;
          if (s !== undefined) out.push({ source: s, conditional: !!u.getProperty('has') || !!u.getProperty('missing') });
          if (s !== undefined) noteUnsupportedMatcher(a, src as Node, s);
        } else {
          const s = a.mod.stringValue(u)?.value;
          if (s !== undefined) out.push({ source: s, conditional: false });
          if (s !== undefined) noteUnsupportedMatcher(a, u, s);
        }
      }
      return out;
    }
  }
  return undefined;
}

/** Next.js middleware files of the repository. */
export function nextMiddlewares(project: ProjectModel): NextMiddleware[] {
  const ctx = InferenceContext.of(project);
  const out: NextMiddleware[] = [];
  for (const f of middlewareFiles(project)) {
    const a = ctx.tsAt(f.path);
    if (!a) continue;
    const dir = f.path.split('/').slice(0, -1);
    if (dir[dir.length - 1] === 'src') dir.pop();
    const appRoot = dir.join('/');
    const ex = exportsOf(a);
    let entry = ex.find((e) => e.name === 'default') ?? ex.find((e) => e.name === 'middleware' || e.name === 'proxy');
    let node: Node | undefined = entry?.expr;
    let at: TsInference = a;
    // export { default } from 'next-auth/middleware'; export { auth as middleware } from '@/auth'
    if (!entry) {
      for (const st of a.sf.getStatements()) {
        if (!Node.isExportDeclaration(st)) continue;
        const spec = st.getModuleSpecifierValue();
        for (const ne of st.getNamedExports()) {
          const name = ne.getAliasNode()?.getText() ?? ne.getName();
          if (name !== 'default' && name !== 'middleware' && name !== 'proxy') continue;
          node = ne;
          if (spec) {
            const target = project.index.resolveTs(f.path, spec);
            const x = target ? exportedExpr(project, target, ne.getName()) : undefined;
            if (x) {
              node = x.node;
              at = x.a;
            }
          }
          entry = { name, nameNode: ne, expr: ne };
        }
      }
    }
    if (!entry || !node) continue;
    const layer = middlewareLayer(project, a, at, entry.expr, node);
    const matcher = matcherOf(a);
    out.push({
      file: f.path,
      appRoot,
      node,
      span: tsSpan(entry.nameNode),
      ...(matcher ? { matcher } : {}),
      layer: { ...layer, ...(matcher ? { path: matcher.map((m) => m.source).join(', ') } : {}) },
    });
  }
  return out;
}

function middlewareLayer(project: ProjectModel, a: TsInference, at: TsInference, exportExpr: Node, node: Node): Layer {
  let l: Layer;
  if (Node.isExportSpecifier(exportExpr) && at === a) {
    // export { default } from 'next-auth/middleware'
    const st = exportExpr.getFirstAncestorByKind(SyntaxKind.ExportDeclaration);
    const spec = st?.getModuleSpecifierValue() ?? '';
    l = { level: 'global', kind: 'middleware', name: `${spec}#${exportExpr.getName()}`, text: shortText(exportExpr.getText()), file: a.file.path, span: tsSpan(exportExpr), node: exportExpr };
  } else {
    l = tsLayer(project, at, Node.isFunctionDeclaration(node) ? node : node, 'global', 'middleware');
    if (Node.isFunctionDeclaration(node)) l = { ...l, fn: at.fnInfo(node) };
    // `auth((req) => ...)`, `clerkMiddleware(async (auth, req) => ...)`: the callback is the body.
    const u = unwrapTs(node);
    if (Node.isCallExpression(u)) {
      const cb = [...u.getArguments()].reverse().find((x) => isFunctionLike(unwrapTs(x)));
      if (cb) l = { ...l, fn: at.fnInfo(unwrapTs(cb)) };
    }
  }
  return l;
}

/** Whether a middleware runs for every request of a route path (`undefined` path: a server action). */
export function middlewareCovers(mw: NextMiddleware, path: string | undefined): boolean {
  if (!mw.matcher) return true;
  const sample = path ?? '/page';
  return mw.matcher.some((m) => !m.conditional && nextMatcherCovers(m.source, sample));
}

/** Next.js route handlers, pages API routes and server actions of a repository. */
export function nextEndpoints(project: ProjectModel): Endpoint[] {
  if (!isNextProject(project)) return [];
  const ctx = InferenceContext.of(project);
  const mws = nextMiddlewares(project);
  const out: Endpoint[] = [];
  const mwLayers = (root: string, path: string | undefined): Layer[] => mws.filter((m) => m.appRoot === root && middlewareCovers(m, path)).map((m) => m.layer);
  const mwSkipped = (root: string, path: string | undefined): SkippedLayer[] =>
    mws.filter((m) => m.appRoot === root && !middlewareCovers(m, path)).map((m) => ({ layer: m.layer, reason: 'matcher' as const }));
  for (const f of project.files()) {
    if (f.kind !== 'typescript' || isTestFile(f.path)) continue;
    const app = appRouteOf(f.path);
    const pages = app ? undefined : PAGES_API.exec(f.path);
    const serverFile = !app && !pages && f.text.includes('use server');
    if (!app && !pages && !serverFile) continue;
    const a = ctx.tsAt(f.path);
    if (!a) continue;
    if (app) {
      for (const ex of exportsOf(a, project)) {
        if (!METHODS.includes(ex.name)) continue;
        const { fn, wrappers } = handlerOf(project, ex.at ?? a, ex.expr);
        out.push(
          makeEndpoint('nextjs', [ex.name], app.route, true, f.path, tsSpan(ex.nameNode), fn, [...mwLayers(app.root, app.route), ...wrappers], {
            appRoot: app.root,
            skipped: mwSkipped(app.root, app.route),
          }),
        );
      }
    } else if (pages) {
      const root = stripSrc(pages[1] ?? '');
      const ex = exportsOf(a, project).find((e) => e.name === 'default');
      if (!ex) continue;
      const path = pagesPath(pages[2] as string);
      const { fn, wrappers } = handlerOf(project, ex.at ?? a, ex.expr);
      out.push(makeEndpoint('nextjs', pagesMethods(fn), path, true, f.path, tsSpan(ex.nameNode), fn, [...mwLayers(root, path), ...wrappers], { appRoot: root, skipped: mwSkipped(root, path) }));
    } else {
      out.push(...serverActions(project, a, mws));
    }
  }
  return out;
}

/** The Next.js application a file belongs to: the nearest directory above it with an `app/`, `pages/` or `src/app/` tree. */
function appRootOf(path: string): string {
  const parts = path.split('/');
  for (let i = parts.length - 2; i >= 0; i--) if (parts[i] === 'app' || parts[i] === 'pages') return parts.slice(0, parts[i - 1] === 'src' ? i - 1 : i).join('/');
  return parts.slice(0, -1).join('/');
}

function serverActions(project: ProjectModel, a: TsInference, mws: NextMiddleware[]): Endpoint[] {
  const out: Endpoint[] = [];
  const root = mws.find((m) => a.file.path.startsWith(m.appRoot ? `${m.appRoot}/` : ''))?.appRoot ?? appRootOf(a.file.path);
  const layers = mws.filter((m) => m.appRoot === root && middlewareCovers(m, undefined)).map((m) => m.layer);
  if (hasUseServer(a.sf.getStatements())) {
    // Next.js gives an action an id (and so a way in) only when a component refers to it: a client
    // module or a JSX file that imports it. Actions only server code calls are plain functions.
    const ctx = InferenceContext.of(project);
    const users = ctx
      .importersOf(a.file.path)
      .map((p) => project.file(p))
      .filter((f): f is FileModel => !!f && (/\.[jt]sx$/.test(f.path) || /^\s*['"]use client['"]/.test(f.text)));
    for (const ex of exportsOf(a)) {
      if (!users.some((u) => new RegExp(`\\b${ex.name === 'default' ? 'default|import\\s+\\w+\\s+from' : escapeRegExp(ex.name)}\\b`).test(u.text))) continue;
      const e = Node.isFunctionDeclaration(ex.expr) ? ex.expr : unwrapTs(ex.expr);
      if (!isFunctionLike(e) && !Node.isCallExpression(e)) continue;
      const { fn, wrappers } = Node.isFunctionDeclaration(e) ? { fn: a.fnInfo(e), wrappers: [] } : tsHandler(project, a, e);
      if (!fn) continue;
      out.push(
        makeEndpoint('nextjs', ['POST'], ex.name === 'default' ? fn.name : ex.name, true, a.file.path, tsSpan(ex.nameNode), fn, [...layers, ...wrappers], { kind: 'server-action', appRoot: root }),
      );
    }
    return out;
  }
  // Inline actions: functions whose body starts with "use server".
  for (const fn of a.functions()) {
    const body = (fn.node as unknown as { getBody?(): Node | undefined }).getBody?.();
    if (!body || !Node.isBlock(body) || !hasUseServer(body.getStatements())) continue;
    out.push(makeEndpoint('nextjs', ['POST'], fn.name, true, a.file.path, fn.span, fn, layers, { kind: 'server-action', appRoot: root }));
  }
  return out;
}

/**
 * An `unsupported-regex` notice on the middleware file for a matcher RE2 cannot evaluate (a
 * lookbehind, a backreference): the middleware is taken to run for no request through it.
 */
function noteUnsupportedMatcher(a: TsInference, node: Node, source: string): void {
  const reason = nextMatcherProblem(source);
  if (!reason) return;
  const file = a.file;
  const range = file.range(tsSpan(node));
  if (file.notices.some((n) => n.kind === 'unsupported-regex' && n.range?.start.line === range.start.line && n.range.start.column === range.start.column)) return;
  file.notices.push({
    kind: 'unsupported-regex',
    level: 'warning',
    path: file.path,
    range,
    message: `Next.js matcher ${JSON.stringify(source)} cannot be evaluated with RE2 semantics: ${reason}; modelguard assumed the middleware runs for no request through it`,
  });
}
