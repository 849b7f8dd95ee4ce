import type { ProjectModel } from '../../model/project.js';
import { InferenceContext } from '../inference/context.js';

/** How far route declarations are followed from a named file: importer hops up, import hops down. */
const UP = 4;
const DOWN = 2;
const MAX_FILES = 400;

const cache = new WeakMap<ProjectModel, ((path: string) => boolean) | null>();

/** Route files by path: Next.js route handlers (under an `app/` directory) and API routes, SvelteKit server routes. */
function isRoutePath(path: string): boolean {
  const segs = path.split('/');
  const name = segs[segs.length - 1] ?? '';
  if (/^route\.[cm]?[jt]sx?$/.test(name) && segs.slice(0, -1).includes('app')) return true;
  if (/^\+(server|page\.server|layout\.server)\.[jt]s$/.test(name)) return true;
  return segs.some((s, i) => s === 'pages' && segs[i + 1] === 'api' && i + 2 < segs.length);
}

/**
 * Text without which a file declares no route of any framework modelguard reads: router and app
 * method calls, route decorators, exported method handlers, URL patterns, serverless and
 * platform entry points. A cheap necessary condition, not a parse: a file that matches may
 * still declare nothing.
 */
const ROUTE_TEXT =
  /\.(get|post|put|patch|delete|del|all|route|register|use|on|options|head|ws|websocket|mount|api_route|add_api_route|add_api_websocket_route|add_url_rule|add_route|include_router|add_websocket_route)\s*\(|@(Get|Post|Put|Patch|Delete|All|Head|Options|Sse|Controller|MessagePattern)\(|export\s+(async\s+)?function\s+(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\b|export\s+(const|let|var)\s+(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\b|\bas\s+(GET|POST|PUT|PATCH|DELETE)\b|urlpatterns|\b(Route|Mount|WebSocketRoute|APIRouter|Blueprint|MethodView|Resource|APIView|ViewSet|Mangum|createServer|serve)\b|['"]use server['"]|\b(Deno|Bun)\.serve|addEventListener\(\s*['"]fetch|export\s+default\b|exports\.handler|module\.exports|export\s+(const|async\s+function|function)\s+handler\b|\bdef\s+(lambda_)?handler\b|@(bentoml|serve|modal)\.|functions_framework|AWS::Serverless::Function|^functions:/m;

/** Whether a file can declare a route at all (see ROUTE_TEXT): its importers shape no route when it cannot. */
export function mayDeclareRoutes(path: string, text: string): boolean {
  return isRoutePath(path) || ROUTE_TEXT.test(text);
}

/**
 * Which files the route graphs must read. A whole-repository scan reads every candidate file.
 * With files named on the command line (a pre-commit run), only the routes declared in those
 * files are reported, and what shapes them (the prefix a router is mounted under, app-level
 * middleware, plugins) lives in the files that import them, directly or through a package's
 * `__init__`/index, and in what those import: the graphs read that neighbourhood, not the
 * repository. A neighbourhood that grows past a few hundred files is read whole.
 */
export function endpointScope(project: ProjectModel): ((path: string) => boolean) | undefined {
  const hit = cache.get(project);
  if (hit !== undefined) return hit ?? undefined;
  const scope = computeScope(project);
  cache.set(project, scope ?? null);
  return scope;
}

function computeScope(project: ProjectModel): ((path: string) => boolean) | undefined {
  const targets = project.targets;
  if (!targets) return undefined;
  const ctx = InferenceContext.of(project);
  const code = (p: string): boolean => {
    const kind = project.file(p)?.kind;
    return kind === 'python' || kind === 'typescript';
  };
  // A named file that declares no route has no endpoint to report, whatever imports it: only
  // the route files among the targets need their importers read.
  const up = new Set([...targets].filter(code).filter((p) => mayDeclareRoutes(p, project.file(p)?.text ?? '')));
  // @fastify/autoload registers every module under a directory without importing it: the file
  // that autoloads an ancestor directory of a target stands for its importer, and what it loads
  // (plugins, hooks, sibling route modules) shapes the target's routes.
  const loaders = project.withKind('typescript').filter((f) => /['"](@fastify\/autoload|fastify-autoload)['"]/.test(f.text));
  for (const l of loaders) {
    const dir = l.path.split('/').slice(0, -1).join('/');
    const under = (p: string): boolean => dir === '' || p.startsWith(`${dir}/`);
    if (![...up].some(under)) continue;
    up.add(l.path);
    for (const f of project.withKind('typescript')) if (under(f.path)) up.add(f.path);
    if (up.size > MAX_FILES) return undefined;
  }
  let frontier = [...up];
  for (let i = 0; i < UP && frontier.length > 0; i++) {
    const next: string[] = [];
    for (const p of frontier) {
      for (const q of ctx.importersOf(p)) {
        if (up.has(q)) continue;
        up.add(q);
        next.push(q);
      }
    }
    if (up.size > MAX_FILES) return undefined;
    frontier = next;
  }
  const all = new Set(up);
  frontier = [...up];
  for (let i = 0; i < DOWN && frontier.length > 0; i++) {
    const next: string[] = [];
    for (const p of frontier) {
      const f = project.file(p);
      if (!f) continue;
      for (const e of project.index.importsOf(f)) {
        if (!e.resolved || all.has(e.resolved)) continue;
        all.add(e.resolved);
        next.push(e.resolved);
      }
    }
    if (all.size > MAX_FILES) return undefined;
    frontier = next;
  }
  return (path) => all.has(path);
}
