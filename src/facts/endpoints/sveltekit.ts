import { Node } from '../../parse/ts-morph.js';
import type { ProjectModel } from '../../model/project.js';
import { tsSpan } from '../../parse/typescript.js';
import { isTestFile } from '../inference/common.js';
import { InferenceContext } from '../inference/context.js';
import type { TsInference } from '../inference/ts.js';
import { exportsOf, handlerOf } from './nextjs.js';
import { makeEndpoint, tsHandler } from './ts-routers.js';
import { tsLayer, tsValue, unwrapTs } from './ts-resolve.js';
import type { Endpoint, Layer } from './types.js';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];
/** `src/routes/api/chat/+server.ts`, `web/src/routes/(app)/notes/[id]/+page.server.ts`. */
export const ROUTE_FILE = /^(?=(?:.*\/)?\+(?:server|page\.server)\.(?:ts|js|mjs)$)(?:(.*?)\/)?src\/routes\/(.*\/)?\+(server|page\.server)\.(?:ts|js|mjs)$/;
const HOOKS_FILE = /^(?:(.*?)\/)?src\/hooks\.server\.(?:ts|js|mjs)$/;

function isSvelteKitProject(project: ProjectModel): boolean {
  return project.index.package('@sveltejs/kit', 'npm').length > 0 || project.files().some((f) => /(^|\/)svelte\.config\.(js|mjs|cjs|ts)$/.test(f.path));
}

/** `(app)/notes/[id]/` → `/notes/[id]`: groups leave the path. */
function routePath(rel: string): string {
  const segs = rel.split('/').filter((s) => s && !/^\(.*\)$/.test(s));
  return `/${segs.join('/')}`;
}

/**
 * The `handle` hook of `src/hooks.server.ts`, which runs for every request of the application:
 * one layer per handler `sequence(a, b)` chains.
 */
function hookLayers(project: ProjectModel, a: TsInference): Layer[] {
  const ex = exportsOf(a, project).find((e) => e.name === 'handle');
  if (!ex) return [];
  const at = ex.at ?? a;
  const expr = Node.isFunctionDeclaration(ex.expr) ? ex.expr : unwrapTs(ex.expr);
  if (Node.isCallExpression(expr)) {
    const v = tsValue(project, at, expr.getExpression());
    if (v?.t === 'extern' && v.module === '@sveltejs/kit/hooks' && v.name === 'sequence') {
      return expr.getArguments().map((arg) => tsLayer(project, at, arg, 'global', 'middleware'));
    }
  }
  const l = tsLayer(project, at, expr, 'global', 'middleware');
  return [Node.isFunctionDeclaration(expr) ? { ...l, fn: at.fnInfo(expr) } : l];
}

/**
 * SvelteKit endpoints: the request handlers a `+server.ts` exports (`export const POST`,
 * `export async function GET`, `fallback` for every other method) and the form actions of a
 * `+page.server.ts` (`export const actions = { default, summarize }`, posted to `?/name`),
 * with the `handle` hook of the application's `hooks.server.ts` as their middleware.
 */
export function svelteKitEndpoints(project: ProjectModel): Endpoint[] {
  if (!isSvelteKitProject(project)) return [];
  const ctx = InferenceContext.of(project);
  const hooks = new Map<string, Layer[]>();
  for (const f of project.files()) {
    const m = f.kind === 'typescript' ? HOOKS_FILE.exec(f.path) : null;
    const a = m ? ctx.tsAt(f.path) : undefined;
    if (m && a) hooks.set(m[1] ?? '', hookLayers(project, a));
  }
  const out: Endpoint[] = [];
  for (const f of project.files()) {
    if (f.kind !== 'typescript' || isTestFile(f.path)) continue;
    const m = ROUTE_FILE.exec(f.path);
    const a = m ? ctx.tsAt(f.path) : undefined;
    if (!m || !a) continue;
    const root = m[1] ?? '';
    const path = routePath(m[2] ?? '');
    const layers = hooks.get(root) ?? [];
    for (const ex of exportsOf(a, project)) {
      if (m[3] === 'server') {
        if (!METHODS.includes(ex.name) && ex.name !== 'fallback') continue;
        const { fn, wrappers } = handlerOf(project, ex.at ?? a, ex.expr);
        out.push(makeEndpoint('sveltekit', [ex.name === 'fallback' ? '*' : ex.name], path, true, f.path, tsSpan(ex.nameNode), fn, [...layers, ...wrappers], { appRoot: root }));
      } else if (ex.name === 'actions') {
        const obj = unwrapTs(ex.expr);
        if (!Node.isObjectLiteralExpression(obj)) continue;
        for (const p of obj.getProperties()) {
          const name = p.getSymbol()?.getName();
          const value = Node.isPropertyAssignment(p) ? p.getInitializer() : Node.isMethodDeclaration(p) ? p : Node.isShorthandPropertyAssignment(p) ? p.getNameNode() : undefined;
          if (!name || !value) continue;
          const { fn, wrappers } = Node.isMethodDeclaration(value) ? { fn: (ex.at ?? a).fnInfo(value), wrappers: [] } : tsHandler(project, ex.at ?? a, value);
          const at = name === 'default' ? path : `${path}?/${name}`;
          out.push(makeEndpoint('sveltekit', ['POST'], at, true, f.path, tsSpan(Node.isMethodDeclaration(p) ? p.getNameNode() : p), fn, [...layers, ...wrappers], { appRoot: root }));
        }
      }
    }
  }
  return out;
}
