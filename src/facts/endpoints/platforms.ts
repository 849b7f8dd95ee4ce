/**
 * Functions that a platform serves as HTTP endpoints, TypeScript/JavaScript side: `Deno.serve`
 * and std `serve` handlers (Supabase Edge Functions under `supabase/functions/<name>/`, Deno
 * Deploy), module workers (`export default { fetch(request, env) }`: Cloudflare Workers, Bun),
 * Vercel functions under `api/`, and Netlify functions and edge functions. Each is one endpoint
 * answering every method (or the ones the handler tests for), on the path the platform gives it.
 */
import { Node, SyntaxKind } from '../../parse/ts-morph.js';
import type { FileModel } from '../../model/file-model.js';
import type { ProjectModel } from '../../model/project.js';
import { tsSpan } from '../../parse/typescript.js';
import { isTestFile } from '../inference/common.js';
import { InferenceContext } from '../inference/context.js';
import type { FunctionInfo } from '../inference/types.js';
import type { TsInference } from '../inference/ts.js';
import { exportsOf, handlerOf, pagesMethods } from './nextjs.js';
import { makeEndpoint, tsHandler } from './ts-routers.js';
import { fnInfoOf, unwrapTs } from './ts-resolve.js';
import type { Endpoint, Framework, Layer } from './types.js';
import { descendantsOfKind } from '../../parse/walk.js';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);
const SUPABASE = /(?:^|\/)supabase\/functions\/([^/_.][^/]*)\/index\.(?:ts|js|mjs|tsx)$/;
const NETLIFY = /(?:^|\/)netlify\/(functions|edge-functions)\/([^/]+?)(?:\/(?:index|[^/]+))?\.(?:ts|js|mjs|cjs|mts|cts)$/;
export const VERCEL = /^(?=.*\.(?:ts|js|mjs|cjs|mts)$)(?:(.*?)\/)?api\/(.+)\.(?:ts|js|mjs|cjs|mts)$/;
const CANDIDATE =
  /Deno\.serve|\bserve\s*\(|export\s+default|module\.exports|exports\.handler|export\s+(async\s+)?function\s+(GET|POST|PUT|PATCH|DELETE|handler)\b|export\s+const\s+(GET|POST|handler)\b/;

function prop(o: Node | undefined, name: string): Node | undefined {
  const u = o ? unwrapTs(o) : undefined;
  if (!u || !Node.isObjectLiteralExpression(u)) return undefined;
  const p = u.getProperty(name);
  if (p && Node.isPropertyAssignment(p)) return p.getInitializer();
  if (p && (Node.isMethodDeclaration(p) || Node.isShorthandPropertyAssignment(p))) return p;
  return undefined;
}

/** `app.fetch` of a router app (Hono): its routes are found with the app, not as one endpoint. */
function isRouterFetch(e: Node): boolean {
  const u = unwrapTs(e);
  return Node.isPropertyAccessExpression(u) && u.getName() === 'fetch';
}

function handlerFn(project: ProjectModel, a: TsInference, e: Node): { fn?: FunctionInfo; wrappers: Layer[] } {
  const u = unwrapTs(e);
  if (Node.isMethodDeclaration(u) || Node.isFunctionDeclaration(u)) return { fn: a.fnInfo(u), wrappers: [] };
  if (Node.isShorthandPropertyAssignment(u)) return tsHandler(project, a, u.getNameNode());
  return tsHandler(project, a, u);
}

function endpoint(framework: Framework, path: string, file: FileModel, at: Node, h: { fn?: FunctionInfo; wrappers: Layer[] }, methods?: string[]): Endpoint {
  return makeEndpoint(framework, methods ?? pagesMethods(h.fn), path, true, file.path, tsSpan(at), h.fn, h.wrappers);
}

/** `Deno.serve(handler)`, `Deno.serve(opts, handler)`, `Deno.serve({ handler })`, std `serve(handler)`. */
function denoServes(project: ProjectModel, a: TsInference, file: FileModel): Endpoint[] {
  const out: Endpoint[] = [];
  const supa = SUPABASE.exec(file.path);
  const stdServe = a.mod.imports().some((i) => i.local === 'serve' && /deno\.land\/std[^/]*\/http|@std\/http/.test(i.module));
  for (const call of descendantsOfKind(a.sf, SyntaxKind.CallExpression)) {
    const callee = call.getExpression();
    const text = callee.getText();
    if (text !== 'Deno.serve' && !(stdServe && text === 'serve')) continue;
    // The handler is the argument that is not the options object (`Deno.serve(opts, h)`, std `serve(h, opts)`), or `{ handler }`.
    const args = call.getArguments();
    if (args.some(isRouterFetch)) continue;
    const candidates = [...args.filter((x) => !Node.isObjectLiteralExpression(unwrapTs(x))), ...(prop(args[0], 'handler') ? [prop(args[0], 'handler') as Node] : [])];
    const h = candidates.map((x) => handlerFn(project, a, x)).find((x) => x.fn);
    if (!h?.fn) continue;
    out.push(endpoint('deno', supa ? `/functions/v1/${supa[1]}` : '/', file, callee, h));
  }
  return out;
}

/** `export default { async fetch(request, env, ctx) { ... } }` (Cloudflare Workers, Bun), not `{ fetch: app.fetch }`. */
function moduleWorker(project: ProjectModel, a: TsInference, file: FileModel): Endpoint[] {
  for (const st of a.sf.getStatements()) {
    if (!Node.isExportAssignment(st) || st.isExportEquals()) continue;
    const fetch = prop(st.getExpression(), 'fetch');
    if (!fetch || isRouterFetch(fetch)) continue;
    const h = handlerFn(project, a, fetch);
    if (!h.fn) continue;
    const at = Node.isMethodDeclaration(fetch) ? fetch.getNameNode() : fetch;
    return [endpoint('workers', '/', file, at, h)];
  }
  return [];
}

/** The value a module exports under a name, CommonJS included (`exports.handler = ...`). */
function exportedFn(project: ProjectModel, a: TsInference, name: string): FunctionInfo | undefined {
  const v = a.exportValue(name);
  return v?.t === 'fn' ? fnInfoOf(project, v.path, v.node) : undefined;
}

/** `export const config = { path: "/api/chat" }` of a Netlify function. */
function configPath(a: TsInference): string | undefined {
  const ex = exportsOf(a).find((e) => e.name === 'config');
  const p = ex ? prop(ex.expr, 'path') : undefined;
  const u = p ? unwrapTs(p) : undefined;
  if (!u) return undefined;
  if (Node.isArrayLiteralExpression(u)) return a.mod.stringValue(u.getElements()[0])?.value;
  return a.mod.stringValue(u)?.value;
}

function netlifyFunction(project: ProjectModel, a: TsInference, file: FileModel, m: RegExpExecArray): Endpoint[] {
  const edge = m[1] === 'edge-functions';
  const name = m[2] as string;
  const path = configPath(a) ?? (edge ? undefined : `/.netlify/functions/${name}`);
  if (!path) return [];
  const def = exportsOf(a, project).find((e) => e.name === 'default');
  if (def) {
    const h = handlerOf(project, def.at ?? a, def.expr);
    if (h.fn) return [endpoint('netlify', path, file, def.nameNode, h)];
  }
  // Lambda-style `export const handler = async (event, context) => ...`.
  const fn = exportedFn(project, a, 'handler');
  return fn ? [endpoint('netlify', path, file, fn.node as Node, { fn, wrappers: [] })] : [];
}

function isVercelRoot(project: ProjectModel, root: string): boolean {
  const at = (f: string): string => (root ? `${root}/${f}` : f);
  if (project.exists(at('vercel.json'))) return true;
  const pkg = project.file(at('package.json'));
  return !!pkg && /"@vercel\/node"|"vercel"\s*:/.test(pkg.text) && !/"next"\s*:/.test(pkg.text);
}

function vercelFunction(project: ProjectModel, a: TsInference, file: FileModel, m: RegExpExecArray): Endpoint[] {
  const root = m[1] ?? '';
  const rel = m[2] as string;
  // Next.js apps have their own `pages/api` and `app/**/route.ts`; private files start with `_`.
  if (/(^|\/)(pages|app|src|node_modules)$/.test(root) || rel.split('/').some((s) => s.startsWith('_'))) return [];
  if (!isVercelRoot(project, root) && !/@vercel\/node|VercelRequest/.test(file.text)) return [];
  const segs = rel.split('/');
  if (segs[segs.length - 1] === 'index') segs.pop();
  const path = `/api${segs.length > 0 ? `/${segs.join('/')}` : ''}`;
  const out: Endpoint[] = [];
  for (const ex of exportsOf(a, project)) {
    if (ex.name !== 'default' && !METHODS.has(ex.name)) continue;
    const h = handlerOf(project, ex.at ?? a, ex.expr);
    if (!h.fn) continue;
    out.push(endpoint('vercel', path, file, ex.nameNode, h, ex.name === 'default' ? undefined : [ex.name]));
  }
  if (out.length === 0) {
    const fn = exportedFn(project, a, 'default');
    if (fn) out.push(endpoint('vercel', path, file, fn.node as Node, { fn, wrappers: [] }));
  }
  return out;
}

/** Every platform-served function of the repository's TypeScript/JavaScript files. */
export function tsPlatformEndpoints(project: ProjectModel): Endpoint[] {
  const ctx = InferenceContext.of(project);
  const out: Endpoint[] = [];
  for (const f of project.files()) {
    if (f.kind !== 'typescript' || isTestFile(f.path) || /\.d\.ts$/.test(f.path) || !CANDIDATE.test(f.text)) continue;
    const netlify = NETLIFY.exec(f.path);
    const vercel = netlify ? null : VERCEL.exec(f.path);
    const deno = /Deno\.serve|\bserve\s*\(/.test(f.text);
    const worker = /export\s+default\s*\{[\s\S]*\bfetch\b|export\s+default\s+\w+\s+satisfies/.test(f.text) || /export\s+default\s*\{/.test(f.text);
    if (!netlify && !vercel && !deno && !worker) continue;
    const a = ctx.tsAt(f.path);
    if (!a) continue;
    if (netlify) out.push(...netlifyFunction(project, a, f, netlify));
    else if (vercel) out.push(...vercelFunction(project, a, f, vercel));
    if (deno) out.push(...denoServes(project, a, f));
    if (worker && !netlify && !vercel) out.push(...moduleWorker(project, a, f));
  }
  return out;
}
