import type { ParameterDeclaration, ts } from 'ts-morph';
import { Node, SyntaxKind, tsc } from '../../parse/ts-morph.js';
import type { ProjectModel } from '../../model/project.js';
import { tsSpan } from '../../parse/typescript.js';
import type { Span } from '../../types.js';
import { isTestFile } from '../inference/common.js';
import { InferenceContext } from '../inference/context.js';
import type { CallEdge, FunctionInfo } from '../inference/types.js';
import { isFunctionLike, type TsInference } from '../inference/ts.js';
import { filterCovers, joinPaths, mountChains } from './paths.js';
import { tsHostSource, type HostSource, type ServeCall } from './serving.js';
import { declOf, exportedExpr, fnInfoOf, tsFunction, tsLayer, unwrapTs } from './ts-resolve.js';
import type { Endpoint, Layer, LayerLevel, SkippedLayer } from './types.js';
import { deeper, descendants, descendantsOfKind, tsChildren, walkTs, wrapper } from '../../parse/walk.js';

type RouterFramework = 'express' | 'fastify' | 'hono' | 'koa';

/** An application, router or plugin context that routes and middleware are registered on. */
interface RouterObj {
  key: string;
  framework: RouterFramework;
  kind: 'app' | 'router';
  file: string;
  node: Node;
  /** Prefix given at creation (Koa `new Router({ prefix })`, `router.prefix()`). */
  prefix?: string;
}

/** A router reached through an expression; `base` orders the registrations made through it. */
interface RouterRef {
  obj: RouterObj;
  base: number[];
}

interface Mount {
  parent: RouterObj;
  child: RouterObj;
  path?: string;
  pos: number[];
  /** Middleware given in the same call, before the router (`app.use('/api', auth, router)`). */
  layers: Layer[];
  /** Fastify plugins wrapped with fastify-plugin: their hooks apply to the parent context. */
  transparent?: boolean;
}

interface UseOp {
  obj: RouterObj;
  pos: number[];
  path?: string;
  layers: Layer[];
}

interface RouteOp {
  obj: RouterObj;
  pos: number[];
  methods: string[];
  path: string;
  handler?: FunctionInfo;
  layers: Layer[];
  file: string;
  span: Span;
}

const VERBS = new Set(['get', 'post', 'put', 'patch', 'delete', 'del', 'options', 'head', 'all']);
const OPS = new Set([...VERBS, 'use', 'route', 'register', 'addHook', 'on', 'decorate', 'prefix']);
const FASTIFY_HOOKS = new Set(['onRequest', 'preParsing', 'preValidation', 'preHandler']);
const FRAMEWORK_IMPORT = /['"](express|fastify|fastify-plugin|hono|hono\/[\w-]+|koa|@koa\/router|koa-router)['"]/;
const OP_CALL = /\.\s*(get|post|put|patch|delete|del|all|use|route|register|addHook|on|decorate|listen)\s*(<[^()]*>)?\s*\(|\bserve\s*\(|export\s+default\b/;
/** Parameters named like this are followed to their callers (a router passed to a route module). */
const ROUTER_PARAM = /^(app|application|router|server|fastify|instance|api|routes|hono|koa|srv)$/i;
const ROUTER_TYPE = /\b(Express|Application|Router|FastifyInstance|Hono|Koa|KoaRouter)\b/;
const ORDERED: Record<RouterFramework, boolean> = { express: true, koa: true, hono: true, fastify: false };
/** Where a server listens when `listen()` is given no host: Node's default is every interface; Fastify's is localhost. */
const LISTEN_DEFAULT: Record<RouterFramework, string> = { express: '::', koa: '::', hono: '0.0.0.0', fastify: 'localhost' };
/** Calls that start serving: `app.listen(...)`, `serve({ fetch: app.fetch })` (@hono/node-server), `Bun.serve({ fetch })`. */
const SERVE_OPS = new Set(['listen', 'serve']);

function cmpPos(a: number[], b: number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  return a.length - b.length;
}

/** Which framework object an external constructor or factory creates. */
function creation(module: string, name: string, isNew: boolean): { framework: RouterFramework; kind: 'app' | 'router' } | undefined {
  const n = name.replace(/\(\)$/, '');
  if (module === 'express') {
    if (/(^|\.)Router$/.test(n)) return { framework: 'express', kind: 'router' };
    if (n === 'default' || n === '*' || n === 'express') return { framework: 'express', kind: 'app' };
  }
  if (module === 'fastify' && /^(default|\*|fastify|Fastify)$/.test(n)) return { framework: 'fastify', kind: 'app' };
  if ((module === 'hono' || module.startsWith('hono/')) && n === 'Hono' && isNew) return { framework: 'hono', kind: 'app' };
  if (module === '@hono/zod-openapi' && n === 'OpenAPIHono' && isNew) return { framework: 'hono', kind: 'app' };
  if (module === 'koa' && /^(default|\*|Koa)$/.test(n) && isNew) return { framework: 'koa', kind: 'app' };
  if ((module === '@koa/router' || module === 'koa-router') && /^(default|\*|Router)$/.test(n)) return { framework: 'koa', kind: 'router' };
  return undefined;
}

/**
 * Express, Fastify, Hono and Koa routes of a repository: applications and routers, where routers
 * are mounted (across files), the middleware registered on each, in order.
 */
export class TsRouterGraph {
  private readonly objs = new Map<string, RouterObj>();
  private readonly refs = new Map<string, RouterRef[] | null>();
  private readonly mounts: Mount[] = [];
  private readonly uses: UseOp[] = [];
  private readonly routes: RouteOp[] = [];
  private readonly decorations = new Map<string, FunctionInfo>();
  /** Fastify plugins (by function id) and the `register` calls that load them. */
  private readonly pluginCalls = new Map<string, Array<{ a: TsInference; call: Node; fp: boolean }>>();
  private readonly ctx: InferenceContext;

  constructor(
    private readonly project: ProjectModel,
    /** The files to read (all when undefined): see endpointScope. */
    private readonly inScope?: (path: string) => boolean,
  ) {
    this.ctx = InferenceContext.of(project);
  }

  build(): Endpoint[] {
    const inScope = this.inScope;
    const files = this.project
      .files()
      .filter(
        (f) =>
          f.kind === 'typescript' &&
          (!inScope || inScope(f.path)) &&
          !isTestFile(f.path) &&
          OP_CALL.test(f.text) &&
          (FRAMEWORK_IMPORT.test(f.text) || /\b(app|router|server|fastify|instance|api|routes)\s*\.\s*(get|post|put|patch|delete|all|use|route|register)\s*(<[^()]*>)?\s*\(/.test(f.text)),
      );
    const analyzers = files.map((f) => this.ctx.analyzer(f) as TsInference | undefined).filter((a): a is TsInference => !!a);
    const calls = new Map<TsInference, Node[]>();
    for (const a of analyzers) calls.set(a, this.opCalls(a));
    // Fastify plugins first: a plugin's parameter is the context it is registered in.
    for (const a of analyzers) for (const c of calls.get(a) ?? []) this.notePlugin(a, c);
    // Fastify decorators (`fastify.decorate('authenticate', fn)`), wherever they are made.
    for (const a of analyzers) for (const c of calls.get(a) ?? []) this.noteDecorate(a, c);
    for (const a of analyzers) for (const c of calls.get(a) ?? []) this.op(a, c);
    for (const a of analyzers) this.exportedApp(a);
    return this.endpoints();
  }

  /** Calls `x.<op>(...)` of a file, in document order. */
  private opCalls(a: TsInference): Node[] {
    const found: ts.CallExpression[] = [];
    walkTs(a.sf.compilerNode, (n) => {
      if (tsc.isCallExpression(n) && tsc.isPropertyAccessExpression(n.expression) && (OPS.has(n.expression.name.text) || SERVE_OPS.has(n.expression.name.text))) found.push(n);
      else if (tsc.isCallExpression(n) && tsc.isIdentifier(n.expression) && n.expression.text === 'serve') found.push(n);
    });
    return found.map((n) => a.wrap(n));
  }

  private notePlugin(a: TsInference, call: Node): void {
    if (!Node.isCallExpression(call)) return;
    const callee = call.getExpression();
    if (!Node.isPropertyAccessExpression(callee) || callee.getName() !== 'register') return;
    const arg = call.getArguments()[0];
    if (!arg) return;
    const loaded = this.autoloaded(a, call);
    if (loaded) {
      for (const l of loaded) {
        const list = this.pluginCalls.get(l.fn.id) ?? [];
        list.push({ a, call, fp: l.fp });
        this.pluginCalls.set(l.fn.id, list);
      }
      return;
    }
    const { fn, fp } = this.pluginFn(a, arg);
    if (!fn) return;
    const list = this.pluginCalls.get(fn.id) ?? [];
    list.push({ a, call, fp });
    this.pluginCalls.set(fn.id, list);
  }

  private noteDecorate(a: TsInference, call: Node): void {
    if (!Node.isCallExpression(call)) return;
    const callee = call.getExpression();
    const args = call.getArguments();
    if (!Node.isPropertyAccessExpression(callee) || callee.getName() !== 'decorate' || args.length < 2) return;
    const name = a.mod.stringValue(args[0])?.value;
    const fn = name ? tsFunction(this.project, a, args[1] as Node) : undefined;
    if (name && fn) this.decorations.set(name, fn);
  }

  private readonly autoloads = new Map<Node, Array<{ fn: FunctionInfo; fp: boolean; prefix: string }> | null>();

  /**
   * `register(AutoLoad, { dir: path.join(__dirname, 'routes'), options: { prefix } })`
   * (@fastify/autoload): the plugin each file under the directory exports, with the prefix its
   * folders give it (`routes/chat/index.js` → `/chat`, `_id` → `:id`) unless `dirNameRoutePrefix: false`.
   */
  private autoloaded(a: TsInference, call: Node): Array<{ fn: FunctionInfo; fp: boolean; prefix: string }> | undefined {
    const hit = this.autoloads.get(call);
    if (hit !== undefined) return hit ?? undefined;
    this.autoloads.set(call, null);
    if (!Node.isCallExpression(call)) return undefined;
    const [plugin, opts] = call.getArguments();
    const v = plugin ? a.valueOf(plugin) : undefined;
    if (v?.t !== 'extern' || !/^(@fastify\/autoload|fastify-autoload)$/.test(v.module)) return undefined;
    const o = opts ? unwrapTs(opts) : undefined;
    if (!o || !Node.isObjectLiteralExpression(o)) return undefined;
    const prop = (obj: Node, name: string): Node | undefined => {
      if (!Node.isObjectLiteralExpression(obj)) return undefined;
      const p = obj.getProperty(name);
      return p && Node.isPropertyAssignment(p) ? p.getInitializer() : undefined;
    };
    const dirExpr = prop(o, 'dir');
    if (!dirExpr) return undefined;
    // The string parts of `path.join(__dirname, 'routes')`, `new URL('./routes', import.meta.url)`, `${__dirname}/routes`.
    const parts: string[] = [];
    for (const n of [dirExpr, ...descendants(dirExpr)]) {
      if (Node.isStringLiteral(n) || Node.isNoSubstitutionTemplateLiteral(n)) parts.push(n.getLiteralValue());
      else if (Node.isTemplateHead(n) || Node.isTemplateMiddle(n) || Node.isTemplateTail(n)) parts.push(n.getLiteralText());
    }
    const segs = a.file.path.split('/').slice(0, -1);
    for (const seg of parts.join('/').split('/')) {
      if (seg === '' || seg === '.') continue;
      if (seg === '..') segs.pop();
      else segs.push(seg);
    }
    const dir = segs.join('/');
    const options = prop(o, 'options');
    const optPrefix = options
      ? (a.mod.stringValue(prop(unwrapTs(options), 'prefix') ?? options)?.value ??
        (Node.isCallExpression(unwrapTs(options))
          ? descendants(unwrapTs(options))
              .map((d) => (Node.isObjectLiteralExpression(d) ? a.mod.stringValue(prop(d, 'prefix'))?.value : undefined))
              .find((x) => x !== undefined)
          : undefined))
      : undefined;
    const folderPrefix = prop(o, 'dirNameRoutePrefix')?.getText() !== 'false';
    const out: Array<{ fn: FunctionInfo; fp: boolean; prefix: string }> = [];
    for (const f of this.project.files()) {
      if (f.kind !== 'typescript' || !f.path.startsWith(`${dir}/`) || isTestFile(f.path) || /\.d\.ts$/.test(f.path)) continue;
      const rel = f.path.slice(dir.length + 1).split('/');
      if (rel.some((x) => x.startsWith('.'))) continue;
      const other = this.ctx.analyzer(f) as TsInference | undefined;
      const x = other ? this.defaultExport(other) : undefined;
      if (!other || !x) continue;
      const { fn, fp } = this.pluginFnIn(other, x, false);
      if (!fn) continue;
      const folders = folderPrefix ? rel.slice(0, -1).map((d) => d.replace(/^_/, ':')) : [];
      out.push({ fn, fp, prefix: joinPaths(optPrefix, folders.length > 0 ? `/${folders.join('/')}` : undefined) });
    }
    this.autoloads.set(call, out);
    return out;
  }

  /** A module's default export: `export default x`, `module.exports = x`. */
  private defaultExport(a: TsInference): Node | undefined {
    for (const st of a.sf.getStatements()) {
      if (Node.isExportAssignment(st) && !st.isExportEquals()) return st.getExpression();
      if (Node.isFunctionDeclaration(st) && st.hasExportKeyword() && st.hasDefaultKeyword()) return st;
      if (Node.isExpressionStatement(st)) {
        const e = st.getExpression();
        if (Node.isBinaryExpression(e) && e.getOperatorToken().getKind() === SyntaxKind.EqualsToken && e.getLeft().getText().replace(/\s+/g, '') === 'module.exports') return e.getRight();
      }
    }
    return undefined;
  }

  /** The repository function a `register()` argument loads (through `fp(...)`, imports, `import()`). */
  private pluginFn(a: TsInference, arg: Node): { fn?: FunctionInfo; fp: boolean } {
    let e = unwrapTs(arg);
    let fp = false;
    if (Node.isCallExpression(e) && e.getArguments().length >= 1) {
      const cv = a.valueOf(e.getExpression());
      if (cv?.t === 'extern' && cv.module === 'fastify-plugin') {
        fp = true;
        e = unwrapTs(e.getArguments()[0] as Node);
      }
    }
    // `export default fp(plugin)` in the plugin's module.
    if (Node.isIdentifier(e)) {
      const d = declOf(a, e.getText(), e);
      if (d?.k === 'import') {
        const path = this.project.index.resolveTs(a.file.path, d.imp.module);
        const x = path ? exportedExpr(this.project, path, d.imp.imported === '*' ? 'default' : d.imp.imported) : undefined;
        if (x) return this.pluginFnIn(x.a, x.node, fp);
      }
    }
    return this.pluginFnIn(a, e, fp);
  }

  private pluginFnIn(a: TsInference, e0: Node, fp0: boolean): { fn?: FunctionInfo; fp: boolean } {
    let e = unwrapTs(e0);
    let fp = fp0;
    if (Node.isCallExpression(e) && e.getArguments().length >= 1) {
      const cv = a.valueOf(e.getExpression());
      if (cv?.t === 'extern' && cv.module === 'fastify-plugin') {
        fp = true;
        e = unwrapTs(e.getArguments()[0] as Node);
      }
    }
    const fn = tsFunction(this.project, a, e);
    if (fn && !fp) fp = /Symbol\.for\(\s*['"]skip-override['"]\s*\)/.test(a.file.text);
    return { fn, fp };
  }

  private obj(key: string, framework: RouterFramework, kind: 'app' | 'router', file: string, node: Node, prefix?: string): RouterObj {
    let o = this.objs.get(key);
    if (!o) {
      o = { key, framework, kind, file, node, ...(prefix !== undefined ? { prefix } : {}) };
      this.objs.set(key, o);
    }
    return o;
  }

  /** The routers an expression designates. */
  routerRefs(a: TsInference, e0: Node, depth = 0): RouterRef[] {
    const key = `${a.file.path}:${e0.getStart()}:${e0.getEnd()}`;
    const hit = this.refs.get(key);
    if (hit !== undefined) return hit ?? [];
    if (depth > 8) return [];
    this.refs.set(key, null); // cycle guard
    const out = this.computeRefs(a, e0, depth);
    this.refs.set(key, out);
    return out;
  }

  private computeRefs(a: TsInference, e0: Node, depth: number): RouterRef[] {
    const e = unwrapTs(e0);
    if (Node.isIdentifier(e)) {
      const d = declOf(a, e.getText(), e);
      if (!d) return [];
      if (d.k === 'var') return d.init ? this.routerRefs(a, d.init, depth + 1) : [];
      if (d.k === 'import') {
        const path = this.project.index.resolveTs(a.file.path, d.imp.module);
        if (!path) {
          // `import app from 'express'`-style instances do not exist; only created objects count.
          return [];
        }
        const x = exportedExpr(this.project, path, d.imp.imported === '*' ? 'default' : d.imp.imported);
        if (!x) return [];
        return this.routerRefs(x.a, x.node, depth + 1).map((r) => ({ obj: r.obj, base: r.base.length === 1 && r.obj.file === x.a.file.path ? [1] : r.base }));
      }
      if (d.k === 'param') return this.paramRefs(a, d.node, d.fn, d.index, depth);
      return [];
    }
    // `chat.router` with `import * as chat from './chat'`
    if (Node.isPropertyAccessExpression(e)) {
      const obj = unwrapTs(e.getExpression());
      const d = Node.isIdentifier(obj) ? declOf(a, obj.getText(), obj) : undefined;
      const path = d?.k === 'import' && d.imp.imported === '*' ? this.project.index.resolveTs(a.file.path, d.imp.module) : undefined;
      const x = path ? exportedExpr(this.project, path, e.getName()) : undefined;
      return x && !x.prop ? this.routerRefs(x.a, x.node, depth + 1).map((r) => ({ obj: r.obj, base: r.base.length === 1 && r.obj.file === x.a.file.path ? [1] : r.base })) : [];
    }
    if (Node.isCallExpression(e) || Node.isNewExpression(e)) {
      const callee = e.getExpression();
      // app.use('/api', require('./routes/chat'))
      const first = e.getArguments()[0];
      if (Node.isCallExpression(e) && Node.isIdentifier(callee) && callee.getText() === 'require' && first && Node.isStringLiteral(first)) {
        const path = this.project.index.resolveTs(a.file.path, first.getLiteralValue());
        const x = path ? exportedExpr(this.project, path, 'default') : undefined;
        return x && !x.prop ? this.routerRefs(x.a, x.node, depth + 1).map((r) => ({ obj: r.obj, base: r.base.length === 1 && r.obj.file === x.a.file.path ? [1] : r.base })) : [];
      }
      const cv = a.valueOf(callee);
      if (cv?.t === 'extern') {
        const c = creation(cv.module, cv.name, Node.isNewExpression(e));
        if (c) {
          let prefix: string | undefined;
          const opt = e.getArguments()[0];
          if (c.framework === 'koa' && opt && Node.isObjectLiteralExpression(opt)) {
            const p = opt.getProperty('prefix');
            if (p && Node.isPropertyAssignment(p)) prefix = a.mod.stringValue(p.getInitializer())?.value;
          }
          return [{ obj: this.obj(`${a.file.path}:${e.getStart()}`, c.framework, c.kind, a.file.path, e, prefix), base: [0] }];
        }
      }
      if (Node.isCallExpression(e) && Node.isPropertyAccessExpression(callee)) {
        const m = callee.getName();
        const inner = this.routerRefs(a, callee.getExpression(), depth + 1);
        if (inner.length > 0) {
          // Koa: router.routes() / router.middleware() is the router.
          if (m === 'routes' || m === 'middleware') return inner.filter((r) => r.obj.framework === 'koa');
          // Hono: app.basePath('/api') is a view of the app with a prefix.
          // Routes registered on it carry the prefix; the app's own middleware still runs for them.
          if (m === 'basePath') {
            const p = a.mod.stringValue(e.getArguments()[0])?.value ?? '';
            const inline = Node.isNewExpression(unwrapTs(callee.getExpression())) || Node.isCallExpression(unwrapTs(callee.getExpression()));
            return inner.map((r) => {
              const child = this.obj(`${a.file.path}:${e.getStart()}:basePath`, r.obj.framework, inline ? r.obj.kind : 'router', a.file.path, e, joinPaths(r.obj.prefix, p));
              if (!inline && !this.mounts.some((x) => x.child === child && x.parent === r.obj)) this.mounts.push({ parent: r.obj, child, path: '', pos: [...r.base, e.getStart()], layers: [] });
              return { obj: child, base: r.base };
            });
          }
          // Chained registrations return the router (`app.use(a).use(b)`, Hono `app.get(...).post(...)`).
          if (OPS.has(m) && m !== 'route') return inner;
          return [];
        }
      }
      // A factory of the repository that returns a router.
      if (cv?.t === 'fn') {
        const other = this.ctx.tsAt(cv.path);
        if (other) {
          const out: RouterRef[] = [];
          for (const r of returnExprs(cv.node)) out.push(...this.routerRefs(other, r, depth + 1));
          return out;
        }
      }
    }
    return [];
  }

  /** A function parameter: the routers its callers pass, or the context a Fastify plugin is registered in. */
  private paramRefs(a: TsInference, p: ParameterDeclaration, fn: Node, index: number, depth: number): RouterRef[] {
    const info = a.fnInfo(fn);
    const out: RouterRef[] = [];
    const regs = index === 0 ? this.pluginCalls.get(info.id) : undefined;
    if (regs) {
      // One context per plugin function; mounted under every context that registers it.
      const first = regs[0] as { a: TsInference; call: Node; fp: boolean };
      const parents = regs.flatMap((r) => {
        const callee = (r.call as unknown as { getExpression(): Node }).getExpression() as Node;
        return Node.isPropertyAccessExpression(callee) ? this.routerRefs(r.a, callee.getExpression(), depth + 1) : [];
      });
      const framework = parents[0]?.obj.framework ?? 'fastify';
      // fastify-plugin: registrations are made on the registering context, at the register() call.
      if (first.fp && parents.length > 0) {
        return regs.flatMap((r) => {
          const callee = (r.call as unknown as { getExpression(): Node }).getExpression() as Node;
          return Node.isPropertyAccessExpression(callee) ? this.routerRefs(r.a, callee.getExpression(), depth + 1).map((x) => ({ obj: x.obj, base: [...x.base, r.call.getStart()] })) : [];
        });
      }
      out.push({ obj: this.obj(`${a.file.path}:plugin:${fn.getStart()}`, framework, 'router', a.file.path, fn), base: [0] });
      return out;
    }
    const typeText = p.getTypeNode()?.getText() ?? '';
    if (!ROUTER_PARAM.test(p.getName()) && !ROUTER_TYPE.test(typeText)) return [];
    for (const edge of this.callersOf(info)) {
      const arg = edge.args.get(`#${index}`);
      const caller = this.ctx.tsAt(edge.from.path);
      if (!arg || !caller) continue;
      for (const r of this.routerRefs(caller, arg.node as Node, depth + 1)) out.push({ obj: r.obj, base: [...r.base, edge.span.start] });
    }
    // The root plugin fastify-cli loads (`fastify start app.js`): its parameter is the application.
    if (out.length === 0 && index === 0 && this.defaultExport(a) !== undefined && this.pluginFnIn(a, this.defaultExport(a) as Node, false).fn?.id === info.id) {
      const cli = fastifyCliStarts(this.project).find((c) => c.file === a.file.path);
      if (cli || /['"](@fastify\/autoload|fastify-autoload)['"]/.test(a.file.text)) {
        const obj = this.obj(`${a.file.path}:param:${p.getStart()}`, 'fastify', 'app', a.file.path, p);
        if (cli && !this.serves.has(obj.key))
          this.serves.set(obj.key, [
            {
              file: cli.pkg,
              span: cli.span,
              how: 'fastify start',
              host: cli.address !== undefined ? { kind: 'literal', value: cli.address, span: cli.span } : { kind: 'default', value: 'localhost' },
              ...(cli.port ? { port: cli.port } : {}),
            },
          ]);
        return [{ obj, base: [0] }];
      }
    }
    if (out.length === 0 && ROUTER_TYPE.test(typeText)) {
      const fw: RouterFramework = /Fastify/.test(typeText) ? 'fastify' : /Hono/.test(typeText) ? 'hono' : /Koa/.test(typeText) ? 'koa' : 'express';
      out.push({ obj: this.obj(`${a.file.path}:param:${p.getStart()}`, fw, /Router/.test(typeText) ? 'router' : 'app', a.file.path, p), base: [0] });
    }
    return out;
  }

  /**
   * Calls of a function from its file and its importers; a default export is also called by the
   * name each importer gives it (`import registerRoutes from './routes'` → `registerRoutes(app)`).
   */
  private callersOf(info: FunctionInfo): CallEdge[] {
    const out = [...this.ctx.callersOf(info, 2)];
    if (info.name !== 'default' || out.length > 0) return out;
    for (const p of this.ctx.importersOf(info.path)) {
      const other = this.ctx.tsAt(p);
      if (!other) continue;
      if (!other.mod.imports().some((imp) => imp.imported === 'default' && this.project.index.resolveTs(p, imp.module) === info.path)) continue;
      for (const e of other.edges()) if (e.to.id === info.id && e.to.span.start === info.span.start) out.push(e);
    }
    return out;
  }

  // ------------------------------------------------------------------ registrations

  /** Calls that serve an app, by app key. */
  private readonly serves = new Map<string, ServeCall[]>();

  private noteServe(obj: RouterObj, a: TsInference, call: Node, how: string, host: HostSource, port?: number): void {
    if (obj.kind !== 'app' || isTestFile(a.file.path)) return;
    const list = this.serves.get(obj.key) ?? [];
    list.push({ file: a.file.path, span: tsSpan(call), how, host, ...(port !== undefined ? { port } : {}) });
    this.serves.set(obj.key, list);
  }

  /**
   * `app.listen(port, host)`, Fastify `listen({ port, host })`, `http.createServer(app).listen(...)`,
   * `serve({ fetch: app.fetch, hostname })` (@hono/node-server) and `Bun.serve({ fetch: app.fetch })`.
   */
  private serveOp(a: TsInference, call: Node): void {
    if (!Node.isCallExpression(call)) return;
    const callee = call.getExpression();
    const args = call.getArguments();
    const m = Node.isPropertyAccessExpression(callee) ? callee.getName() : callee.getText();
    const prop = (o: Node | undefined, name: string): Node | undefined => {
      const u = o ? unwrapTs(o) : undefined;
      if (!u || !Node.isObjectLiteralExpression(u)) return undefined;
      const p = u.getProperty(name);
      return p && Node.isPropertyAssignment(p) ? p.getInitializer() : p && Node.isShorthandPropertyAssignment(p) ? p.getNameNode() : undefined;
    };
    const num = (n: Node | undefined): number | undefined => (n && Node.isNumericLiteral(unwrapTs(n)) ? Number(unwrapTs(n).getText()) : undefined);
    if (m === 'listen' && Node.isPropertyAccessExpression(callee)) {
      let recv = unwrapTs(callee.getExpression());
      // http.createServer(app).listen(...)
      if (Node.isCallExpression(recv) && /(^|\.)createServer$/.test(recv.getExpression().getText())) recv = unwrapTs(recv.getArguments()[recv.getArguments().length - 1] ?? recv);
      for (const r of this.routerRefs(a, recv)) {
        const opts = args[0] && Node.isObjectLiteralExpression(unwrapTs(args[0])) ? args[0] : undefined;
        const hostNode = opts ? prop(opts, 'host') : args[1] && !Node.isArrowFunction(unwrapTs(args[1])) && !Node.isFunctionExpression(unwrapTs(args[1])) ? args[1] : undefined;
        const host: HostSource = hostNode ? tsHostSource(a, hostNode) : { kind: 'default', value: LISTEN_DEFAULT[r.obj.framework] };
        this.noteServe(r.obj, a, call, `${recv.getText().slice(0, 30)}.listen`, host, num(opts ? prop(opts, 'port') : args[0]));
      }
      return;
    }
    if (m === 'serve' || m === 'Bun.serve') {
      const opts = args[0];
      // `serve({ fetch: app.fetch })`, `Deno.serve(app.fetch)`, `Deno.serve({ port }, app.fetch)`.
      const fetch = prop(opts, 'fetch') ?? args.find((x) => Node.isPropertyAccessExpression(unwrapTs(x)) && (unwrapTs(x) as import('ts-morph').PropertyAccessExpression).getName() === 'fetch');
      const u = fetch ? unwrapTs(fetch) : undefined;
      const target = u && Node.isPropertyAccessExpression(u) && u.getName() === 'fetch' ? u.getExpression() : undefined;
      if (!target) return;
      const hostNode = prop(opts, 'hostname');
      for (const r of this.routerRefs(a, target)) this.noteServe(r.obj, a, call, m, hostNode ? tsHostSource(a, hostNode) : { kind: 'default', value: '0.0.0.0' }, num(prop(opts, 'port')));
    }
  }

  /**
   * A Hono app that a module exports as its default (`export default app`, `export default {
   * port, fetch: app.fetch }`): Bun, Deno and Cloudflare Workers serve it as the module's
   * request handler, on every interface.
   */
  private exportedApp(a: TsInference): void {
    for (const ex of a.sf.getExportAssignments()) {
      if (ex.isExportEquals()) continue;
      const e = unwrapTs(ex.getExpression());
      let target: Node | undefined = e;
      if (Node.isObjectLiteralExpression(e)) {
        const p = e.getProperty('fetch');
        const init = p && Node.isPropertyAssignment(p) ? unwrapTs(p.getInitializer() as Node) : undefined;
        target = init && Node.isPropertyAccessExpression(init) && init.getName() === 'fetch' ? init.getExpression() : undefined;
      }
      if (!target) continue;
      for (const r of this.routerRefs(a, target)) if (r.obj.framework === 'hono') this.noteServe(r.obj, a, ex, 'export default', { kind: 'default', value: '0.0.0.0' });
    }
  }

  private op(a: TsInference, call: Node): void {
    if (!Node.isCallExpression(call)) return;
    const callee = call.getExpression();
    const serveName = Node.isPropertyAccessExpression(callee) ? callee.getName() : callee.getText();
    if (SERVE_OPS.has(serveName)) {
      this.serveOp(a, call);
      return;
    }
    if (!Node.isPropertyAccessExpression(callee)) return;
    const m = callee.getName();
    let recv = callee.getExpression();
    // Express `router.route('/x').get(h).post(h)`.
    let routePath: string | undefined;
    if (VERBS.has(m)) {
      let r = unwrapTs(recv);
      while (Node.isCallExpression(r) && Node.isPropertyAccessExpression(r.getExpression())) {
        const pa = r.getExpression() as import('ts-morph').PropertyAccessExpression;
        if (pa.getName() === 'route' && r.getArguments().length === 1) {
          routePath = a.mod.stringValue(r.getArguments()[0])?.value ?? r.getArguments()[0]?.getText();
          recv = pa.getExpression();
          break;
        }
        if (!VERBS.has(pa.getName())) break;
        r = unwrapTs(pa.getExpression());
      }
    }
    const refs = this.routerRefs(a, recv);
    if (refs.length === 0) return;
    const args = call.getArguments();
    const off = call.getStart();
    for (const ref of refs) {
      const pos = [...ref.base, off];
      const fw = ref.obj.framework;
      if (routePath !== undefined) {
        this.route(a, call, ref.obj, pos, [m === 'all' ? '*' : m === 'del' ? 'DELETE' : m.toUpperCase()], routePath, args);
        continue;
      }
      if (VERBS.has(m)) {
        if (args.length < 2 && !(fw === 'fastify' && args.length === 2)) {
          if (args.length < 2) continue; // express `app.get('setting')`
        }
        let rest = args;
        // Koa: router.get('name', '/path', ...)
        if (fw === 'koa' && args.length >= 3 && isStringish(a, args[0]) && isStringish(a, args[1])) rest = args.slice(1);
        const paths = pathValues(a, rest[0] as Node);
        if (!paths) continue;
        for (const p of paths) this.route(a, call, ref.obj, pos, [m === 'all' ? '*' : m === 'del' ? 'DELETE' : m.toUpperCase()], p, rest.slice(1));
      } else if (m === 'on' && fw === 'hono' && args.length >= 3) {
        const methods = stringList(a, args[0] as Node)?.map((x) => x.toUpperCase());
        const paths = pathValues(a, args[1] as Node);
        if (!methods || !paths) continue;
        for (const p of paths) this.route(a, call, ref.obj, pos, methods, p, args.slice(2));
      } else if (m === 'route' && fw === 'fastify' && args.length === 1 && Node.isObjectLiteralExpression(args[0])) {
        this.fastifyRoute(a, call, ref.obj, pos, args[0]);
      } else if (m === 'route' && fw === 'hono' && args.length === 2) {
        const p = a.mod.stringValue(args[0])?.value;
        for (const child of this.routerRefs(a, args[1] as Node)) this.mounts.push({ parent: ref.obj, child: child.obj, path: p, pos, layers: [] });
      } else if (m === 'use') {
        this.use(a, ref, pos, args);
      } else if (m === 'register' && fw === 'fastify') {
        this.register(a, ref, pos, args);
      } else if (m === 'addHook' && fw === 'fastify' && args.length >= 2) {
        const hook = a.mod.stringValue(args[0])?.value;
        if (hook && FASTIFY_HOOKS.has(hook)) this.uses.push({ obj: ref.obj, pos, layers: this.hookLayers(a, args[1] as Node, ref.obj.kind === 'app' ? 'app' : 'router') });
      } else if (m === 'prefix' && fw === 'koa' && args.length === 1) {
        const p = a.mod.stringValue(args[0])?.value;
        if (p !== undefined) ref.obj.prefix = p;
      }
    }
  }

  private use(a: TsInference, ref: RouterRef, pos: number[], args: Node[]): void {
    let rest = args;
    let path: string | undefined;
    if (args[0] && isStringish(a, args[0])) {
      path = a.mod.stringValue(args[0])?.value ?? args[0].getText();
      rest = args.slice(1);
    } else if (args[0] && Node.isArrayLiteralExpression(args[0]) && args[0].getElements().every((x) => isStringish(a, x))) {
      path = a.mod.stringValue(args[0].getElements()[0])?.value;
      rest = args.slice(1);
    }
    const level: LayerLevel = ref.obj.kind === 'app' ? 'app' : 'router';
    const before: Layer[] = [];
    for (const arg of rest.flatMap((x) => (Node.isArrayLiteralExpression(x) ? x.getElements() : [x]))) {
      const u = unwrapTs(arg);
      // Koa `router.allowedMethods()` answers OPTIONS/405 only.
      if (Node.isCallExpression(u) && Node.isPropertyAccessExpression(u.getExpression()) && (u.getExpression() as import('ts-morph').PropertyAccessExpression).getName() === 'allowedMethods') continue;
      const children = this.routerRefs(a, arg);
      if (children.length > 0) {
        for (const c of children) if (c.obj !== ref.obj) this.mounts.push({ parent: ref.obj, child: c.obj, path, pos: [...pos], layers: [...before] });
        continue;
      }
      const layer = tsLayer(this.project, a, arg, level, 'middleware', path);
      before.push({ ...layer, level: 'mount' });
      this.uses.push({ obj: ref.obj, pos: [...pos], path, layers: [layer] });
    }
  }

  private register(a: TsInference, ref: RouterRef, pos: number[], args: Node[]): void {
    const arg = args[0];
    if (!arg) return;
    const call = arg.getParent();
    const loaded = call ? this.autoloaded(a, call) : undefined;
    if (loaded) {
      for (const l of loaded) {
        if (l.fp) continue; // registered on this context directly (see paramRefs)
        const fnNode = l.fn.node as Node;
        const child = this.obj(`${l.fn.path}:plugin:${fnNode.getStart()}`, ref.obj.framework, 'router', l.fn.path, fnNode);
        this.mounts.push({ parent: ref.obj, child, path: l.prefix || undefined, pos, layers: [] });
      }
      return;
    }
    const opts = args[1] && Node.isObjectLiteralExpression(unwrapTs(args[1])) ? unwrapTs(args[1]) : undefined;
    const { fn, fp } = this.pluginFn(a, arg);
    if (fn) {
      if (fp) return; // its registrations are made on this context directly (see paramRefs)
      let prefix: string | undefined;
      if (opts && Node.isObjectLiteralExpression(opts)) {
        const p = opts.getProperty('prefix');
        if (p && Node.isPropertyAssignment(p)) prefix = a.mod.stringValue(p.getInitializer())?.value;
      }
      const fnNode = fn.node as Node;
      const child = this.obj(`${fn.path}:plugin:${fnNode.getStart()}`, ref.obj.framework, 'router', fn.path, fnNode);
      this.mounts.push({ parent: ref.obj, child, path: prefix, pos, layers: [] });
      return;
    }
    const layer = tsLayer(this.project, a, arg, ref.obj.kind === 'app' ? 'app' : 'router', 'plugin');
    if (opts) layer.options = opts;
    this.uses.push({ obj: ref.obj, pos, layers: [layer] });
  }

  private route(a: TsInference, call: Node, obj: RouterObj, pos: number[], methods: string[], path: string, rest: Node[]): void {
    const layers: Layer[] = [];
    let handlerExpr: Node | undefined;
    const items = rest.flatMap((x) => (Node.isArrayLiteralExpression(x) ? x.getElements() : [x]));
    for (let i = 0; i < items.length; i++) {
      const it = unwrapTs(items[i] as Node);
      const last = i === items.length - 1;
      if (obj.framework === 'fastify' && Node.isObjectLiteralExpression(it)) {
        layers.push(...this.fastifyOptions(a, it));
        const h = it.getProperty('handler');
        if (h && Node.isPropertyAssignment(h)) handlerExpr = h.getInitializer();
        else if (h && Node.isMethodDeclaration(h)) handlerExpr = h;
        continue;
      }
      if (last) handlerExpr = it;
      else layers.push(this.routeLayer(a, it));
    }
    const { fn, wrappers } = handlerExpr ? this.handler(a, handlerExpr) : { fn: undefined, wrappers: [] };
    const callee = (call as unknown as { getExpression(): Node }).getExpression();
    this.routes.push({ obj, pos, methods, path, handler: fn, layers: [...layers, ...wrappers], file: a.file.path, span: tsSpan(callee) });
  }

  private routeLayer(a: TsInference, e: Node): Layer {
    const l = tsLayer(this.project, a, e, 'route', 'middleware');
    return this.decorated(l, e);
  }

  /**
   * A Fastify hook: a function, a decorated one (`fastify.authenticate`), or @fastify/auth's
   * `fastify.auth([fastify.verifyJWT, fastify.verifyApiKey])`, whose functions each become a
   * layer (the request passes when one of them lets it through).
   */
  private hookLayers(a: TsInference, e: Node, level: LayerLevel): Layer[] {
    const u = unwrapTs(e);
    if (Node.isCallExpression(u)) {
      const callee = u.getExpression();
      const list = u.getArguments()[0];
      if (Node.isPropertyAccessExpression(callee) && callee.getName() === 'auth' && list && Node.isArrayLiteralExpression(list) && list.getElements().length > 0) {
        return list.getElements().map((it) => ({ ...this.decorated(tsLayer(this.project, a, it, level, 'hook'), it), text: `${callee.getText()}([${it.getText()}])` }));
      }
    }
    return [this.decorated(tsLayer(this.project, a, e, level, 'hook'), e)];
  }

  /** `fastify.authenticate`: a function added with `fastify.decorate('authenticate', fn)`. */
  private decorated(l: Layer, e: Node): Layer {
    const u = unwrapTs(e);
    if (!l.fn && Node.isPropertyAccessExpression(u)) {
      const fn = this.decorations.get(u.getName());
      if (fn) return { ...l, fn, name: fn.id };
    }
    return l;
  }

  private fastifyOptions(a: TsInference, o: Node): Layer[] {
    if (!Node.isObjectLiteralExpression(o)) return [];
    const out: Layer[] = [];
    for (const prop of o.getProperties()) {
      if (!Node.isPropertyAssignment(prop) && !Node.isShorthandPropertyAssignment(prop)) continue;
      const name = prop.getName();
      const init = Node.isPropertyAssignment(prop) ? prop.getInitializer() : prop.getNameNode();
      if (!init) continue;
      if (FASTIFY_HOOKS.has(name)) {
        const items = Node.isArrayLiteralExpression(init) ? init.getElements() : [init];
        for (const it of items) out.push(...this.hookLayers(a, it, 'route'));
      } else if (name === 'config' && Node.isObjectLiteralExpression(init)) {
        for (const c of init.getProperties()) {
          if (Node.isPropertyAssignment(c) && c.getName() === 'rateLimit') {
            const v = c.getInitializer() as Node;
            out.push({
              level: 'route',
              kind: 'setting',
              name: 'fastify:config.rateLimit',
              text: v.getText().replace(/\s+/g, ' ').slice(0, 80),
              file: a.file.path,
              span: tsSpan(c),
              node: c,
              options: v,
            });
          }
        }
      }
    }
    return out;
  }

  private fastifyRoute(a: TsInference, call: Node, obj: RouterObj, pos: number[], o: Node): void {
    if (!Node.isObjectLiteralExpression(o)) return;
    const get = (n: string): Node | undefined => {
      const p = o.getProperty(n);
      return p && Node.isPropertyAssignment(p) ? p.getInitializer() : undefined;
    };
    const methods = stringList(a, get('method') as Node)?.map((x) => x.toUpperCase());
    const url = get('url') ?? get('path');
    const path = url ? a.mod.stringValue(url)?.value : undefined;
    if (!methods || path === undefined) return;
    const layers = this.fastifyOptions(a, o);
    const h = o.getProperty('handler');
    const handlerExpr = h && Node.isPropertyAssignment(h) ? h.getInitializer() : h && Node.isMethodDeclaration(h) ? h : undefined;
    const { fn, wrappers } = handlerExpr ? this.handler(a, handlerExpr) : { fn: undefined, wrappers: [] };
    const callee = (call as unknown as { getExpression(): Node }).getExpression();
    this.routes.push({ obj, pos, methods, path, handler: fn, layers: [...layers, ...wrappers], file: a.file.path, span: tsSpan(callee) });
  }

  /** The handler function, looking through wrappers (`asyncHandler(fn)`, `withAuth(fn)`). */
  private handler(a: TsInference, e0: Node): { fn?: FunctionInfo; wrappers: Layer[] } {
    return tsHandler(this.project, a, e0);
  }

  // ------------------------------------------------------------------ endpoints

  private mountsOf(child: RouterObj): Mount[] {
    return this.mounts.filter((m) => m.child === child);
  }

  private endpoints(): Endpoint[] {
    const out: Endpoint[] = [];
    for (const r of this.routes) {
      for (const chain of mountChains(r.obj, (c: RouterObj) => this.mountsOf(c))) {
        // routers[0] is the root; chain[i] mounts routers[i + 1] on routers[i].
        const routers = [chain[0]?.parent ?? r.obj, ...chain.map((m) => m.child)];
        const n = routers.length - 1;
        // inner[i]: the route's path below the point where routers[i] is mounted.
        const inner: string[] = [];
        inner[n] = joinPaths(r.obj.prefix, r.path);
        for (let i = n - 1; i >= 0; i--) inner[i] = joinPaths(routers[i]?.prefix, (chain[i] as Mount).path, inner[i + 1]);
        const layers: Layer[] = [];
        const skipped: SkippedLayer[] = [];
        for (let i = 0; i <= n; i++) {
          const obj = routers[i] as RouterObj;
          const cut = i < n ? (chain[i] as Mount).pos : r.pos;
          for (const u of this.uses.filter((x) => x.obj === obj).sort((x, y) => cmpPos(x.pos, y.pos))) {
            if (!filterCovers(u.path === undefined ? undefined : joinPaths(obj.prefix, u.path), inner[i] as string)) {
              skipped.push(...u.layers.map((layer) => ({ layer, reason: 'path-filter' as const })));
              continue;
            }
            if (ORDERED[obj.framework] && cmpPos(u.pos, cut) >= 0) {
              // The very call that mounts the router (`app.use('/api', limiter, router)`) is not "after".
              if (cmpPos(u.pos, cut) > 0) skipped.push(...u.layers.map((layer) => ({ layer, reason: 'after-route' as const })));
              continue;
            }
            layers.push(...u.layers);
          }
          if (i < n) layers.push(...(chain[i] as Mount).layers);
        }
        layers.push(...r.layers);
        const root = routers[0] as RouterObj;
        const app = root.kind === 'app' ? { file: root.file, span: tsSpan(root.node), serves: this.serves.get(root.key) ?? [], commands: [] } : undefined;
        out.push(makeEndpoint(r.obj.framework, r.methods, inner[0] as string, root.kind === 'app', r.file, r.span, r.handler, layers, { skipped, ...(app ? { app } : {}) }));
      }
    }
    return out;
  }
}

const decorationCache = new WeakMap<ProjectModel, Map<string, FunctionInfo>>();

/**
 * Functions added to Fastify instances with `decorate('name', fn)`, by name: a handler calling
 * `fastify.name(...)`, `this.name(...)` or `request.server.name(...)` runs them.
 */
export function fastifyDecorations(project: ProjectModel): Map<string, FunctionInfo> {
  let hit = decorationCache.get(project);
  if (hit) return hit;
  hit = new Map();
  const ctx = InferenceContext.of(project);
  for (const f of project.files()) {
    if (f.kind !== 'typescript' || !/\.decorate\s*\(/.test(f.text) || !/fastify/.test(f.text) || isTestFile(f.path)) continue;
    const a = ctx.analyzer(f) as TsInference | undefined;
    if (!a) continue;
    walkTs(a.sf.compilerNode, (n) => {
      if (tsc.isCallExpression(n) && tsc.isPropertyAccessExpression(n.expression) && n.expression.name.text === 'decorate' && n.arguments.length >= 2) {
        const call = a.wrap(n) as import('ts-morph').CallExpression;
        const [nameArg, fnArg] = call.getArguments();
        const name = nameArg ? a.mod.stringValue(nameArg)?.value : undefined;
        const fn = name && fnArg ? tsFunction(project, a, fnArg) : undefined;
        if (name && fn && !hit?.has(name)) hit?.set(name, fn);
      }
    });
  }
  decorationCache.set(project, hit);
  return hit;
}

const DECORATED_RECEIVER = /^(this|fastify|app|server|instance|api)$|\.server$/;

/** Calls in a TS function of functions decorated onto the Fastify instance, as call edges. */
export function decoratedCalls(project: ProjectModel, fn: FunctionInfo): CallEdge[] {
  if (fn.lang !== 'ts') return [];
  const decos = fastifyDecorations(project);
  if (decos.size === 0) return [];
  const a = InferenceContext.of(project).tsAt(fn.path);
  const node = fn.node as Node;
  if (!a || !node.getDescendants) return [];
  const out: CallEdge[] = [];
  for (const c of descendantsOfKind(node, SyntaxKind.CallExpression)) {
    const callee = c.getExpression();
    if (!Node.isPropertyAccessExpression(callee)) continue;
    const to = decos.get(callee.getName());
    if (!to || !DECORATED_RECEIVER.test(callee.getExpression().getText().replace(/\s+/g, ''))) continue;
    out.push({ from: fn, to: { ...to, name: callee.getName() }, node: c, span: tsSpan(c), calleeSpan: tsSpan(callee), args: a.flattenArgs(c.getArguments()), resultNames: a.resultNames(c) });
  }
  return out;
}

const cliStarts = new WeakMap<ProjectModel, Array<{ pkg: string; file: string; span: Span; address?: string; port?: number }>>();

/** `fastify start [-a address] [-p port] app.js` in package.json scripts: the root plugin and where fastify-cli serves it. */
function fastifyCliStarts(project: ProjectModel): Array<{ pkg: string; file: string; span: Span; address?: string; port?: number }> {
  let hit = cliStarts.get(project);
  if (hit) return hit;
  hit = [];
  for (const f of project.files()) {
    if (!f.path.endsWith('package.json') || !/fastify\s+start/.test(f.text)) continue;
    const dir = f.path.split('/').slice(0, -1).join('/');
    for (const m of f.text.matchAll(/fastify\s+start\b([^"\n]*)/g)) {
      const words = (m[1] ?? '').trim().split(/\s+/).filter(Boolean);
      let address: string | undefined;
      let port: number | undefined;
      let file: string | undefined;
      for (let i = 0; i < words.length; i++) {
        const w = words[i] as string;
        if (w === '-a' || w === '--address') address = words[++i];
        else if (w.startsWith('--address=')) address = w.slice('--address='.length);
        else if (w === '-p' || w === '--port') port = Number(words[++i]);
        else if (/^-/.test(w)) {
          if (/^(-l|--log-level|-r|--require|-i|--import|-o|--options|-T|--plugin-timeout|-s|--socket|-x|--prefix|--ignore-watch|--debug-port|--debug-host|--close-grace-delay|--body-limit)$/.test(w))
            i++;
        } else if (/\.[cm]?[jt]s$/.test(w)) file = w.replace(/^\.\//, '');
      }
      if (!file) continue;
      const start = m.index ?? 0;
      hit.push({ pkg: f.path, file: dir ? `${dir}/${file}` : file, span: { start, end: start + m[0].length }, ...(address ? { address } : {}), ...(port && Number.isFinite(port) ? { port } : {}) });
    }
  }
  cliStarts.set(project, hit);
  return hit;
}

const PY_FRAMEWORKS = new Set<Endpoint['framework']>(['fastapi', 'flask', 'starlette', 'django', 'modal', 'bentoml', 'ray-serve', 'cloud-functions']);

export function makeEndpoint(
  framework: Endpoint['framework'],
  methods: string[],
  path: string,
  mounted: boolean,
  file: string,
  span: Span,
  handler: FunctionInfo | undefined,
  layers: Layer[],
  extra: Partial<Endpoint> = {},
): Endpoint {
  const lang = extra.lang ?? (PY_FRAMEWORKS.has(framework) ? 'python' : 'ts');
  const kind = extra.kind ?? 'route';
  const label = kind === 'server-action' ? `server action ${path}` : `${methods.map((m) => (m === '*' ? 'ANY' : m)).join('|')} ${path}`;
  return { framework, lang, methods, path, kind, mounted, label, file, span, ...(handler ? { handler } : {}), layers, skipped: [], ...extra };
}

/** The handler function of a route argument, looking through wrapping calls (`asyncHandler(fn)`, `withAuth(fn)`). */
export function tsHandler(project: ProjectModel, a: TsInference, e0: Node): { fn?: FunctionInfo; wrappers: Layer[] } {
  const wrappers: Layer[] = [];
  let e = unwrapTs(e0);
  for (let i = 0; i < 4 && Node.isCallExpression(e); i++) {
    const args = e.getArguments();
    const inner = [...args].reverse().find((x) => {
      const u = unwrapTs(x);
      return Node.isArrowFunction(u) || Node.isFunctionExpression(u) || (Node.isIdentifier(u) && a.valueOf(u)?.t === 'fn') || Node.isCallExpression(u);
    });
    if (!inner) break;
    const l = tsLayer(project, a, e.getExpression(), 'handler', 'wrapper');
    wrappers.unshift({ ...l, span: tsSpan(e.getExpression()), node: e });
    e = unwrapTs(inner);
  }
  return { fn: tsFunction(project, a, e), wrappers };
}

function isStringish(a: TsInference, n: Node | undefined): boolean {
  if (!n) return false;
  const u = unwrapTs(n);
  if (Node.isStringLiteral(u) || Node.isNoSubstitutionTemplateLiteral(u) || Node.isTemplateExpression(u) || Node.isRegularExpressionLiteral(u)) return true;
  return Node.isIdentifier(u) && a.mod.stringValue(u) !== undefined;
}

/** The path(s) of a route argument: a string, a constant, an array of them, a regex (as written). */
function pathValues(a: TsInference, n: Node): string[] | undefined {
  // Arrays of arrays of paths nest as deep as written: past the shared depth, unknown.
  return deeper(undefined, () => pathValuesOf(a, n));
}

function pathValuesOf(a: TsInference, n: Node): string[] | undefined {
  const u = unwrapTs(n);
  if (Node.isArrayLiteralExpression(u)) {
    const vals = u.getElements().map((x) => pathValues(a, x)?.[0]);
    return vals.every((v) => v !== undefined) ? (vals as string[]) : undefined;
  }
  if (Node.isRegularExpressionLiteral(u)) return [u.getText()];
  const v = a.mod.stringValue(u);
  if (v) return [v.value];
  if (isFunctionLike(u) || Node.isObjectLiteralExpression(u)) return undefined;
  // A path modelguard cannot compute (`ROUTES.chat`): shown as written.
  return [`<${u.getText().replace(/\s+/g, ' ')}>`];
}

function stringList(a: TsInference, n: Node | undefined): string[] | undefined {
  if (!n) return undefined;
  const u = unwrapTs(n);
  if (Node.isArrayLiteralExpression(u)) {
    const vals = u.getElements().map((x) => a.mod.stringValue(x)?.value);
    return vals.every((v) => v !== undefined) ? (vals as string[]) : undefined;
  }
  const v = a.mod.stringValue(u)?.value;
  return v !== undefined ? [v] : undefined;
}

/** The expressions a function returns. */
export function returnExprs(fn: Node): Node[] {
  const out: Node[] = [];
  if (Node.isArrowFunction(fn)) {
    const body = fn.getBody();
    if (!Node.isBlock(body)) return [body];
  }
  const body = (fn as unknown as { getBody?(): Node | undefined }).getBody?.();
  if (!body) return out;
  const wrap = wrapper(body);
  for (const c of tsChildren(body.compilerNode)) {
    walkTs(c, (n) => {
      if (tsc.isReturnStatement(n)) {
        if (n.expression) out.push(wrap(n.expression));
        return false;
      }
      return !(tsc.isFunctionDeclaration(n) || tsc.isArrowFunction(n) || tsc.isFunctionExpression(n) || tsc.isClassDeclaration(n));
    });
  }
  return out;
}

export { fnInfoOf };
