import type { Node } from 'web-tree-sitter';
import type { ProjectModel } from '../../model/project.js';
import { span } from '../../parse/python.js';
import type { Span } from '../../types.js';
import { isTestFile } from '../inference/common.js';
import { InferenceContext } from '../inference/context.js';
import type { PyInference } from '../inference/python.js';
import type { FunctionInfo } from '../inference/types.js';
import { joinPaths, mountChains } from './paths.js';
import { callArgs, externQ, field, kids, listItems, moduleDecls, pyDecls, pyFunction, pyLayer, unwrapPy, type PyDecl } from './py-resolve.js';
import { modalProxyAuth } from './py-platforms.js';
import { appCommands, commandFile, pyHostSource, pyPort, serveKwargs, type ServeCall } from './serving.js';
import { makeEndpoint } from './ts-routers.js';
import type { AppServing, Endpoint, Layer, LayerLevel } from './types.js';

type PyFramework = 'fastapi' | 'flask' | 'starlette';

interface PyRouter {
  key: string;
  framework: PyFramework;
  kind: 'app' | 'router';
  file: string;
  prefix?: string;
  /** Layers every route of this router gets (`APIRouter(dependencies=...)`, `FastAPI(dependencies=...)`). */
  own: Layer[];
}

interface PyMount {
  parent: PyRouter;
  child: PyRouter;
  prefix?: string;
  layers: Layer[];
}

interface PyRoute {
  obj: PyRouter;
  methods: string[];
  path: string;
  handler?: FunctionInfo;
  layers: Layer[];
  file: string;
  span: Span;
}

const CREATORS: Record<string, { framework: PyFramework; kind: 'app' | 'router'; prefix?: string }> = {
  'fastapi.FastAPI': { framework: 'fastapi', kind: 'app' },
  'fastapi.applications.FastAPI': { framework: 'fastapi', kind: 'app' },
  'fastapi.APIRouter': { framework: 'fastapi', kind: 'router', prefix: 'prefix' },
  'fastapi.routing.APIRouter': { framework: 'fastapi', kind: 'router', prefix: 'prefix' },
  'flask.Flask': { framework: 'flask', kind: 'app' },
  'quart.Quart': { framework: 'flask', kind: 'app' },
  'flask.Blueprint': { framework: 'flask', kind: 'router', prefix: 'url_prefix' },
  'flask.blueprints.Blueprint': { framework: 'flask', kind: 'router', prefix: 'url_prefix' },
  'quart.Blueprint': { framework: 'flask', kind: 'router', prefix: 'url_prefix' },
  'starlette.applications.Starlette': { framework: 'starlette', kind: 'app' },
  'starlette.routing.Router': { framework: 'starlette', kind: 'router' },
};
const FASTAPI_VERBS = new Set(['get', 'post', 'put', 'patch', 'delete', 'options', 'head', 'trace']);
const DEPENDS = /^fastapi\.(params\.)?(Depends|Security)$|^fastapi\.param_functions\.(Depends|Security)$/;
/** `@app.websocket("/ws")`, `@app.websocket_route(...)`, `add_api_websocket_route`: a route answered over a WebSocket (label `WEBSOCKET /ws`). */
const WEBSOCKET = /^(websocket|websocket_route)$/;
const ROUTER_PARAM = /^(app|application|router|bp|blueprint|api|server)$/;
const CANDIDATE = /\b(fastapi|flask|quart|starlette|uvicorn|modal|APIRouter|Blueprint|include_router|register_blueprint|add_api_route|add_api_websocket_route|add_url_rule)\b/;
/** Servers started from code, with the host they listen on when none is given. */
const SERVE_CALLS: Record<string, string> = { 'uvicorn.run': '127.0.0.1', 'uvicorn.Config': '127.0.0.1', 'uvicorn.main.run': '127.0.0.1', 'uvicorn.config.Config': '127.0.0.1' };

/** The dependency targets of a FastAPI parameter or `dependencies=[...]` item: `Depends(x)`, `Security(x)`, `Annotated[T, Depends(x)]`. */
export function dependsCalls(project: ProjectModel, a: PyInference, n: Node | undefined, depth = 0): Array<{ a: PyInference; call: Node; target?: Node }> {
  if (!n || depth > 4) return [];
  const u = unwrapPy(n);
  if (u.type === 'call') {
    const q = externQ(a, field(u, 'function'));
    if (DEPENDS.test(q)) {
      const { args, kwargs } = callArgs(u);
      return [{ a, call: u, target: args[0] ?? kwargs.get('dependency') }];
    }
    return [];
  }
  // Annotated[User, Depends(get_current_user)]
  if (u.type === 'subscript' || u.type === 'generic_type') {
    const out: Array<{ a: PyInference; call: Node; target?: Node }> = [];
    for (const c of u.descendantsOfType('call')) if (c) out.push(...dependsCalls(project, a, c, depth + 1));
    return out;
  }
  if (u.type === 'type') return dependsCalls(project, a, kids(u)[0], depth);
  // CurrentUser = Annotated[User, Depends(get_current_user)]
  if (u.type === 'identifier' || u.type === 'attribute') {
    const decls: PyDecl[] = u.type === 'identifier' ? pyDecls(project, a, a.text(u), u) : [];
    if (u.type === 'attribute') {
      const obj = field(u, 'object');
      const attr = field(u, 'attribute');
      const v = obj ? a.valueOf(obj) : undefined;
      if (v?.t === 'module' && attr) decls.push(...moduleDecls(project, v.path, a.text(attr)));
    }
    const out: Array<{ a: PyInference; call: Node; target?: Node }> = [];
    for (const d of decls) if (d.k === 'value' && /Annotated|Depends|Security/.test(d.a.text(d.node))) out.push(...dependsCalls(project, d.a, d.node, depth + 1));
    return out;
  }
  return [];
}

/** FastAPI dependencies declared by a function's parameters (defaults and annotations). */
export function paramDependencies(project: ProjectModel, a: PyInference, fn: Node, level: LayerLevel): Layer[] {
  const out: Layer[] = [];
  const ps = field(fn, 'parameters');
  for (const p of ps ? kids(ps) : []) {
    const ann = field(p, 'type') ?? (p.type === 'typed_parameter' ? kids(p).find((c) => c.type === 'type') : undefined);
    const def = field(p, 'value');
    for (const d of [...dependsCalls(project, a, def), ...dependsCalls(project, a, ann)]) out.push(dependencyLayer(project, d, level, ann));
  }
  return out;
}

function dependencyLayer(project: ProjectModel, d: { a: PyInference; call: Node; target?: Node }, level: LayerLevel, annotation?: Node): Layer {
  // `Depends()` with no argument depends on the annotated class.
  const target = d.target ?? (annotation ? unwrapPy(annotation.type === 'type' ? (kids(annotation)[0] ?? annotation) : annotation) : undefined);
  if (!target) return pyLayer(project, d.a, d.call, level, 'dependency');
  return { ...pyLayer(project, d.a, target, level, 'dependency'), text: d.a.text(d.call).replace(/\s+/g, ' ').slice(0, 80), span: span(d.call), node: d.call, options: target };
}

/** Registration order of app-level layers (decorator forms and calls are found in two passes). */
function byPosition(a: { layers: Layer[] }, b: { layers: Layer[] }): number {
  const x = a.layers[0];
  const y = b.layers[0];
  if (!x || !y) return 0;
  return x.file < y.file ? -1 : x.file > y.file ? 1 : x.span.start - y.span.start;
}

/** The decorators of a function, in source order (outermost first). */
function decoratorsOf(fn: Node): Node[] {
  const p = fn.parent;
  if (p?.type !== 'decorated_definition') return [];
  return kids(p).filter((c) => c.type === 'decorator');
}

function decoratorExpr(d: Node): Node | undefined {
  return kids(d)[0];
}

/**
 * FastAPI, Flask (and Quart) and Starlette routes of a repository: apps, routers and blueprints,
 * where they are included (across modules), and the dependencies, middleware and decorators that
 * apply to each route.
 */
export class PyRouterGraph {
  private readonly objs = new Map<string, PyRouter>();
  private readonly memo = new Map<string, PyRouter[] | null>();
  private readonly mounts: PyMount[] = [];
  private readonly uses: Array<{ obj: PyRouter; layers: Layer[] }> = [];
  private readonly routes: PyRoute[] = [];
  /** Calls that serve an app (`uvicorn.run(app, ...)`, Flask `app.run(...)`), by app key. */
  private readonly serves = new Map<string, ServeCall[]>();
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
    const files = this.project.files().filter((f) => f.kind === 'python' && (!inScope || inScope(f.path)) && !isTestFile(f.path) && CANDIDATE.test(f.text));
    for (const f of files) {
      const a = this.ctx.pyAt(f.path);
      if (a) this.scan(a);
    }
    return this.endpoints();
  }

  /** The routers an expression designates. */
  refs(a: PyInference, e0: Node, depth = 0): PyRouter[] {
    const key = `${a.file.path}:${e0.startIndex}:${e0.endIndex}`;
    const hit = this.memo.get(key);
    if (hit !== undefined) return hit ?? [];
    if (depth > 8) return [];
    this.memo.set(key, null);
    const out = this.compute(a, e0, depth);
    this.memo.set(key, out);
    return out;
  }

  private fromDecls(decls: PyDecl[], depth: number): PyRouter[] {
    const out: PyRouter[] = [];
    for (const d of decls) {
      if (d.k === 'value') out.push(...this.refs(d.a, d.node, depth + 1));
      else if (d.k === 'param') out.push(...this.paramRefs(d.a, d.fn, d.index, d.node, depth));
    }
    return out;
  }

  private compute(a: PyInference, e0: Node, depth: number): PyRouter[] {
    const e = unwrapPy(e0);
    if (e.type === 'identifier') return this.fromDecls(pyDecls(this.project, a, a.text(e), e), depth);
    if (e.type === 'attribute') {
      const obj = field(e, 'object');
      const attr = field(e, 'attribute');
      if (!obj || !attr) return [];
      const v = a.valueOf(obj);
      if (v?.t === 'module') return this.fromDecls(moduleDecls(this.project, v.path, a.text(attr)), depth);
      return [];
    }
    if (e.type === 'call') {
      const callee = field(e, 'function');
      const q = externQ(a, callee);
      const c = CREATORS[q];
      if (c) {
        const { kwargs } = callArgs(e);
        const prefixNode = c.prefix ? kwargs.get(c.prefix) : undefined;
        const prefix = prefixNode ? (a.mod.stringValue(prefixNode)?.value ?? a.text(prefixNode)) : undefined;
        const key = `${a.file.path}:${e.startIndex}`;
        let o = this.objs.get(key);
        if (!o) {
          o = { key, framework: c.framework, kind: c.kind, file: a.file.path, ...(prefix !== undefined ? { prefix } : {}), own: [] };
          this.objs.set(key, o);
          const level: LayerLevel = c.kind === 'app' ? 'app' : 'router';
          for (const it of listItems(this.project, a, kwargs.get('dependencies'))) for (const d of dependsCalls(this.project, it.a, it.node)) o.own.push(dependencyLayer(this.project, d, level));
          if (c.framework === 'starlette' || c.framework === 'fastapi') this.starlette(a, o, kwargs);
        }
        return [o];
      }
      // A factory of the repository (`create_app()`, `get_router()`).
      const cv = callee ? a.valueOf(callee) : undefined;
      if (cv?.t === 'fn') {
        const other = this.ctx.pyAt(cv.path);
        const out: PyRouter[] = [];
        if (other) for (const r of cv.node.descendantsOfType('return_statement')) if (r && kids(r)[0]) out.push(...this.refs(other, kids(r)[0] as Node, depth + 1));
        return out;
      }
    }
    return [];
  }

  /** A parameter holding an app or router: what the function's callers pass (`register_routes(app)`). */
  private paramRefs(a: PyInference, fn: Node, index: number, p: Node, depth: number): PyRouter[] {
    const nameNode = p.type === 'identifier' ? p : p.type === 'typed_parameter' ? kids(p).find((c) => c.type === 'identifier') : field(p, 'name');
    const name = nameNode ? a.text(nameNode) : '';
    const ann = a.text(p);
    if (!ROUTER_PARAM.test(name) && !/\b(FastAPI|APIRouter|Flask|Blueprint|Starlette)\b/.test(ann)) return [];
    const out: PyRouter[] = [];
    for (const edge of this.ctx.callersOf(a.fnInfo(fn), 2)) {
      const arg = edge.args.get(`#${index}`) ?? edge.args.get(`${name}=`) ?? edge.args.get(name);
      const caller = this.ctx.pyAt(edge.from.path);
      if (arg && caller) out.push(...this.refs(caller, arg.node as Node, depth + 1));
    }
    return out;
  }

  // ------------------------------------------------------------------ registrations

  private scan(a: PyInference): void {
    // Decorated route functions.
    for (const fn of a.mod.root.descendantsOfType('function_definition')) {
      if (!fn) continue;
      const decos = decoratorsOf(fn);
      for (let i = 0; i < decos.length; i++) this.decorator(a, fn, decos, i);
      if (decos.length > 0 && /\bmodal\b/.test(a.file.text)) this.modalApp(a, fn, decos);
    }
    for (const call of a.mod.calls()) {
      const fnNode = field(call.node, 'function');
      if (/(^|\.)(run|Config)$/.test(call.callee)) this.serveCall(a, call.node);
      // Every app and router, used or not (Starlette apps carry their routes).
      if (/Starlette|Router|FastAPI|Flask|Blueprint|Quart/.test(call.callee) && CREATORS[externQ(a, fnNode)]) this.refs(a, call.node);
      if (fnNode?.type !== 'attribute') {
        this.extension(a, call.node);
        continue;
      }
      const attr = field(fnNode, 'attribute');
      const obj = field(fnNode, 'object');
      if (!attr || !obj) continue;
      const m = a.text(attr);
      if (!/^(include_router|register_blueprint|add_api_route|add_api_websocket_route|add_websocket_route|add_url_rule|add_middleware|before_request|before_app_request|mount|init_app)$/.test(m)) {
        this.extension(a, call.node);
        continue;
      }
      if (m === 'init_app') {
        this.extension(a, call.node);
        continue;
      }
      // Decorator forms are handled with the function.
      if (call.node.parent?.type === 'decorator') continue;
      const targets = this.refs(a, obj);
      const { args, kwargs } = callArgs(call.node);
      for (const t of targets) {
        const level: LayerLevel = t.kind === 'app' ? 'app' : 'router';
        if (m === 'include_router' || m === 'register_blueprint') {
          const child = args[0];
          const pn = kwargs.get(m === 'include_router' ? 'prefix' : 'url_prefix');
          const prefix = pn ? (a.mod.stringValue(pn)?.value ?? a.text(pn)) : undefined;
          const layers: Layer[] = [];
          for (const it of listItems(this.project, a, kwargs.get('dependencies'))) for (const d of dependsCalls(this.project, it.a, it.node)) layers.push(dependencyLayer(this.project, d, 'mount'));
          for (const c of child ? this.refs(a, child) : []) {
            // Flask: `url_prefix=` at registration replaces the blueprint's own.
            this.mounts.push({ parent: t, child: c, ...(prefix !== undefined ? { prefix } : {}), layers });
          }
        } else if (m === 'mount' && args[0] && args[1]) {
          const prefix = a.mod.stringValue(args[0])?.value;
          for (const c of this.refs(a, args[1])) this.mounts.push({ parent: t, child: c, ...(prefix !== undefined ? { prefix } : {}), layers: [] });
        } else if (m === 'add_middleware' && args[0]) {
          this.uses.push({ obj: t, layers: [pyLayer(this.project, a, args[0], level, 'middleware', { options: call.node })] });
        } else if ((m === 'before_request' || m === 'before_app_request') && args[0]) {
          this.uses.push({ obj: t, layers: [pyLayer(this.project, a, args[0], m === 'before_app_request' ? 'app' : level, 'hook')] });
        } else if ((m === 'add_api_route' || m === 'add_api_websocket_route' || m === 'add_websocket_route') && (args[0] ?? kwargs.get('path'))) {
          const path = a.mod.stringValue((args[0] ?? kwargs.get('path')) as Node)?.value;
          const endpoint = args[1] ?? kwargs.get('endpoint') ?? kwargs.get('route');
          if (path === undefined || !endpoint) continue;
          const methods = m === 'add_api_route' ? (this.methodsKw(a, kwargs.get('methods')) ?? ['GET']) : ['WEBSOCKET'];
          const handler = pyFunction(this.project, a, endpoint);
          const layers: Layer[] = [];
          for (const it of listItems(this.project, a, kwargs.get('dependencies'))) for (const d of dependsCalls(this.project, it.a, it.node)) layers.push(dependencyLayer(this.project, d, 'route'));
          this.pushRoute(t, methods, path, handler, layers, a.file.path, span(call.node), handler ? this.handlerLayers(handler, -1) : []);
        } else if (m === 'add_url_rule' && args[0]) {
          const path = a.mod.stringValue(args[0])?.value;
          const view = kwargs.get('view_func') ?? args[2];
          if (path === undefined || !view) continue;
          this.viewRoutes(a, t, path, view, this.methodsKw(a, kwargs.get('methods')), span(call.node));
        }
      }
    }
  }

  /**
   * `@modal.asgi_app()` / `@modal.wsgi_app()` on a function returning an app: Modal serves it on
   * a public URL (with `requires_proxy_auth=True`, only to callers holding a proxy-auth token).
   */
  private modalApp(a: PyInference, fn: Node, decos: Node[]): void {
    for (const d of decos) {
      const e = decoratorExpr(d);
      const target = e?.type === 'call' ? field(e, 'function') : e;
      if (!e || !target || !/^modal\.(asgi_app|wsgi_app)$/.test(externQ(a, target))) continue;
      const apps: PyRouter[] = [];
      for (const r of fn.descendantsOfType('return_statement')) if (r && kids(r)[0] && a.enclosingFn(r).id === fn.id) apps.push(...this.refs(a, kids(r)[0] as Node));
      const auth = modalProxyAuth(a, e.type === 'call' ? e : undefined);
      for (const o of apps) {
        if (o.kind !== 'app') continue;
        const list = this.serves.get(o.key) ?? [];
        list.push({ file: a.file.path, span: span(e), how: `modal.${a.text(target).split('.').pop() ?? 'asgi_app'}`, host: { kind: 'default', value: '0.0.0.0' } });
        this.serves.set(o.key, list);
        if (auth) this.uses.push({ obj: o, layers: [{ ...auth, level: 'app' }] });
      }
    }
  }

  /** `uvicorn.run(app, host=...)`, `uvicorn.Config(app, ...)`, Flask `app.run(host=...)`: where the code serves an app. */
  private serveCall(a: PyInference, call: Node): void {
    if (isTestFile(a.file.path)) return;
    const fnNode = field(call, 'function');
    if (!fnNode) return;
    const q = externQ(a, fnNode);
    const { args } = callArgs(call);
    const kwargs = serveKwargs(this.project, a, call);
    let apps: PyRouter[] = [];
    let implicit: string | undefined;
    let how = q;
    let hostNode: Node | undefined;
    let portNode: Node | undefined;
    if (SERVE_CALLS[q]) {
      implicit = SERVE_CALLS[q];
      const target = args[0] ?? kwargs.get('app');
      if (!target) return;
      const name = a.mod.stringValue(target);
      // `uvicorn.run("pkg.main:app")`
      if (name?.exact && /^[\w.]+:\w+$/.test(name.value)) {
        const [mod, attr] = name.value.split(':') as [string, string];
        const path = this.ctx.resolvePy(a.file.path, mod) ?? this.ctx.resolvePy('', mod);
        apps = path ? this.fromDecls(moduleDecls(this.project, path, attr), 0) : [];
      } else apps = this.refs(a, target);
      hostNode = kwargs.get('host');
      portNode = kwargs.get('port');
    } else if (fnNode.type === 'attribute' && a.text(field(fnNode, 'attribute') as Node) === 'run') {
      apps = this.refs(a, field(fnNode, 'object') as Node).filter((o) => o.framework === 'flask');
      implicit = '127.0.0.1';
      how = `${a.text(field(fnNode, 'object') as Node)}.run`;
      hostNode = kwargs.get('host') ?? args[0];
      portNode = kwargs.get('port') ?? args[1];
    }
    if (!implicit) return;
    for (const o of apps) {
      if (o.kind !== 'app') continue;
      const host = hostNode ? pyHostSource(this.project, a, hostNode) : ({ kind: 'default', value: implicit } as const);
      const port = pyPort(this.project, a, portNode);
      const list = this.serves.get(o.key) ?? [];
      list.push({ file: a.file.path, span: span(call), how, host, ...(port !== undefined ? { port } : {}) });
      this.serves.set(o.key, list);
    }
  }

  private servingCache = new Map<string, AppServing>();

  /** The app object's serving: its serve calls and the commands that start it. */
  private serving(o: PyRouter): AppServing | undefined {
    if (o.kind !== 'app') return undefined;
    const hit = this.servingCache.get(o.key);
    if (hit) return hit;
    const start = Number(o.key.slice(o.key.lastIndexOf(':') + 1));
    const serves = this.serves.get(o.key) ?? [];
    const commands: AppServing['commands'] = [];
    for (const c of appCommands(this.project)) {
      const file = commandFile(this.project, c);
      if (!file) continue;
      if (c.attr) {
        // `uvicorn pkg.main:app`: the attribute names the app.
        if (this.fromDecls(moduleDecls(this.project, file, c.attr), 0).includes(o)) commands.push({ command: c });
      } else if (c.runner === 'fastapi' || c.runner === 'flask') {
        if (['app', 'api', 'application'].some((n) => this.fromDecls(moduleDecls(this.project, file, n), 0).includes(o))) commands.push({ command: c });
      } else {
        // `python -m pkg.worker`: the module's code serves it.
        for (const sv of serves) if (sv.file === file) commands.push({ command: c, serve: sv });
      }
    }
    const out: AppServing = { file: o.file, span: { start, end: start }, serves, commands };
    this.servingCache.set(o.key, out);
    return out;
  }

  /** Flask `add_url_rule(view_func=f)` or `View.as_view('name')`: one route per handled method. */
  private viewRoutes(a: PyInference, t: PyRouter, path: string, view: Node, methods: string[] | undefined, at: Span): void {
    const u = unwrapPy(view);
    if (u.type === 'call') {
      const callee = field(u, 'function');
      if (callee?.type === 'attribute' && a.text(field(callee, 'attribute') as Node) === 'as_view') {
        const cv = a.valueOf(field(callee, 'object') as Node);
        if (cv?.t === 'class') {
          const ca = this.ctx.pyAt(cv.path);
          const body = field(cv.node, 'body');
          if (!ca || !body) return;
          const classLayers: Layer[] = [];
          for (const st of kids(body)) {
            if (st.type !== 'expression_statement') continue;
            const asg = kids(st)[0];
            const left = asg ? field(asg, 'left') : undefined;
            if (asg?.type === 'assignment' && left && ca.text(left) === 'decorators')
              for (const it of listItems(this.project, ca, field(asg, 'right'))) classLayers.push(pyLayer(this.project, it.a, it.node, 'handler', 'decorator'));
          }
          for (const st of kids(body)) {
            const def = st.type === 'decorated_definition' ? field(st, 'definition') : st;
            if (def?.type !== 'function_definition') continue;
            const name = ca.text(field(def, 'name') as Node);
            if (!['get', 'post', 'put', 'patch', 'delete'].includes(name)) continue;
            if (methods && !methods.includes(name.toUpperCase())) continue;
            const handler = ca.fnInfo(def);
            this.pushRoute(t, [name.toUpperCase()], path, handler, [...classLayers], a.file.path, at, this.handlerLayers(handler, -1));
          }
          return;
        }
      }
    }
    const handler = pyFunction(this.project, a, view);
    this.pushRoute(t, methods ?? ['GET'], path, handler, [], a.file.path, at, handler ? this.handlerLayers(handler, -1) : []);
  }

  /** Calls that hand an app to an extension: `Limiter(get_remote_address, app=app)`, `limiter.init_app(app)`. */
  private extension(a: PyInference, call: Node): void {
    const fnNode = field(call, 'function');
    const last = fnNode ? (a.mod.chain(fnNode).split('.').pop() ?? '') : '';
    const argText = field(call, 'arguments')?.text ?? '';
    // `x.init_app(app)`, `Limiter(..., app=app)`, `CORS(app)`: an extension class or init_app.
    if (last !== 'init_app' && !/^[A-Z]/.test(last)) return;
    if (!/\bapp\b|\bapplication\b|\bserver\b/.test(argText)) return;
    const { args, kwargs } = callArgs(call);
    const cands = [...args.slice(0, 2), kwargs.get('app')].filter((x): x is Node => !!x && x.type === 'identifier');
    if (cands.length === 0) return;
    const q = externQ(a, fnNode);
    if (!q || CREATORS[q]) return;
    for (const c of cands) {
      for (const t of this.refs(a, c)) {
        if (t.kind !== 'app') continue;
        this.uses.push({ obj: t, layers: [{ ...pyLayer(this.project, a, field(call, 'function') as Node, 'app', 'plugin'), options: call }] });
      }
    }
  }

  private methodsKw(a: PyInference, n: Node | undefined): string[] | undefined {
    if (!n) return undefined;
    const items = listItems(this.project, a, n).map((it) => it.a.mod.stringValue(it.node)?.value?.toUpperCase());
    return items.length > 0 && items.every((x) => x !== undefined) ? (items as string[]) : undefined;
  }

  /** `@app.post("/x")`, `@router.api_route(...)`, `@bp.route(...)`, `@app.middleware("http")`, `@app.before_request`. */
  private decorator(a: PyInference, fn: Node, decos: Node[], i: number): void {
    const expr = decoratorExpr(decos[i] as Node);
    if (!expr) return;
    const call = expr.type === 'call' ? expr : undefined;
    const target = call ? field(call, 'function') : expr;
    if (target?.type !== 'attribute') return;
    const m = a.text(field(target, 'attribute') as Node);
    const obj = field(target, 'object') as Node;
    const isRoute = FASTAPI_VERBS.has(m) || m === 'route' || m === 'api_route' || WEBSOCKET.test(m);
    if (!isRoute && m !== 'middleware' && m !== 'before_request' && m !== 'before_app_request') return;
    const targets = this.refs(a, obj);
    if (targets.length === 0) return;
    const handler = a.fnInfo(fn);
    for (const t of targets) {
      const level: LayerLevel = t.kind === 'app' ? 'app' : 'router';
      if (m === 'middleware') {
        this.uses.push({ obj: t, layers: [{ ...pyLayer(this.project, a, fn, level, 'middleware'), fn: handler, name: handler.id, span: span(expr), node: expr }] });
        continue;
      }
      if (m === 'before_request' || m === 'before_app_request') {
        this.uses.push({ obj: t, layers: [{ ...pyLayer(this.project, a, fn, m === 'before_app_request' ? 'app' : level, 'hook'), fn: handler, name: handler.id, span: span(expr), node: expr }] });
        continue;
      }
      if (!call) continue;
      const { args, kwargs } = callArgs(call);
      const pathNode = args[0] ?? kwargs.get('path') ?? kwargs.get('rule');
      const path = pathNode ? (a.mod.stringValue(pathNode)?.value ?? `<${a.text(pathNode)}>`) : undefined;
      if (path === undefined) continue;
      let methods: string[];
      if (FASTAPI_VERBS.has(m)) methods = [m.toUpperCase()];
      else if (WEBSOCKET.test(m)) methods = ['WEBSOCKET'];
      else methods = this.methodsKw(a, kwargs.get('methods')) ?? ['GET'];
      const routeLayers: Layer[] = [];
      for (const it of listItems(this.project, a, kwargs.get('dependencies'))) for (const d of dependsCalls(this.project, it.a, it.node)) routeLayers.push(dependencyLayer(this.project, d, 'route'));
      this.pushRoute(t, methods, path, handler, routeLayers, a.file.path, span(expr), this.handlerLayers(handler, i));
    }
  }

  /** Decorators applied before registration (below the route decorator) and dependency parameters. */
  private handlerLayers(handler: FunctionInfo, routeDecorator: number): Layer[] {
    const a = this.ctx.pyAt(handler.path);
    if (!a) return [];
    const fn = handler.node as Node;
    const out: Layer[] = [];
    const decos = decoratorsOf(fn);
    // With `add_api_route`/`add_url_rule`, the registered function has all its decorators.
    for (let j = routeDecorator + 1; j < decos.length; j++) {
      const e = decoratorExpr(decos[j] as Node);
      if (e) out.push(pyLayer(this.project, a, e, 'handler', 'decorator', { options: e }));
    }
    out.push(...paramDependencies(this.project, a, fn, 'handler'));
    return out;
  }

  private pushRoute(obj: PyRouter, methods: string[], path: string, handler: FunctionInfo | undefined, routeLayers: Layer[], file: string, at: Span, handlerLayers: Layer[]): void {
    this.routes.push({ obj, methods, path, ...(handler ? { handler } : {}), layers: [...routeLayers, ...handlerLayers], file, span: at });
  }

  /** Starlette `routes=[Route(...), Mount(...)]` and `middleware=[Middleware(...)]` of an app or router. */
  private starlette(a: PyInference, o: PyRouter, kwargs: Map<string, Node>): void {
    for (const it of listItems(this.project, a, kwargs.get('middleware'))) {
      const u = unwrapPy(it.node);
      if (u.type !== 'call' || !/Middleware$/.test(externQ(it.a, field(u, 'function')))) continue;
      const cls = callArgs(u).args[0];
      if (cls) this.uses.push({ obj: o, layers: [pyLayer(this.project, it.a, cls, o.kind === 'app' ? 'app' : 'router', 'middleware', { options: u })] });
    }
    this.routeList(a, o, kwargs.get('routes'), '', []);
  }

  private routeList(a: PyInference, o: PyRouter, list: Node | undefined, prefix: string, layers: Layer[], depth = 0): void {
    if (depth > 5) return;
    for (const it of listItems(this.project, a, list)) {
      const u = unwrapPy(it.node);
      if (u.type !== 'call') continue;
      const q = externQ(it.a, field(u, 'function'));
      const { args, kwargs } = callArgs(u);
      const path = args[0] ? it.a.mod.stringValue(args[0])?.value : undefined;
      if (path === undefined) continue;
      if (/^starlette\.routing\.(Route|WebSocketRoute)$/.test(q)) {
        const endpoint = args[1] ?? kwargs.get('endpoint');
        if (!endpoint) continue;
        const handler = pyFunction(this.project, it.a, endpoint);
        const methods = q.endsWith('WebSocketRoute') ? ['WEBSOCKET'] : (this.methodsKw(it.a, kwargs.get('methods')) ?? ['GET']);
        const mw: Layer[] = [];
        for (const m of listItems(this.project, it.a, kwargs.get('middleware'))) {
          const mu = unwrapPy(m.node);
          const cls = mu.type === 'call' ? callArgs(mu).args[0] : undefined;
          if (cls) mw.push(pyLayer(this.project, m.a, cls, 'route', 'middleware', { options: mu }));
        }
        this.pushRoute(o, methods, joinPaths(prefix, path), handler, [...layers, ...mw], it.a.file.path, span(u), handler ? this.handlerLayers(handler, -1) : []);
      } else if (/^starlette\.routing\.Mount$/.test(q)) {
        const sub = kwargs.get('routes');
        const app = kwargs.get('app') ?? args[1];
        const mw: Layer[] = [];
        for (const m of listItems(this.project, it.a, kwargs.get('middleware'))) {
          const mu = unwrapPy(m.node);
          const cls = mu.type === 'call' ? callArgs(mu).args[0] : undefined;
          if (cls) mw.push(pyLayer(this.project, m.a, cls, 'mount', 'middleware', { options: mu }));
        }
        if (sub) this.routeList(it.a, o, sub, joinPaths(prefix, path), [...layers, ...mw], depth + 1);
        else if (app) for (const c of this.refs(it.a, app)) this.mounts.push({ parent: o, child: c, prefix: joinPaths(prefix, path), layers: [...layers, ...mw] });
      }
    }
  }

  // ------------------------------------------------------------------ endpoints

  /**
   * FastAPI and Starlette answer a request with the first route registered for its path and
   * method: a later route of the same router with the same path and methods never runs.
   */
  private samePath?: Map<string, PyRoute[]>;

  private shadowed(r: PyRoute): boolean {
    if (r.obj.framework === 'flask' || r.methods.includes('WEBSOCKET')) return false;
    if (!this.samePath) {
      this.samePath = new Map();
      for (const o of this.routes) {
        const k = `${o.obj.key}\0${o.file}\0${o.path}`;
        const list = this.samePath.get(k);
        if (list) list.push(o);
        else this.samePath.set(k, [o]);
      }
    }
    const same = this.samePath.get(`${r.obj.key}\0${r.file}\0${r.path}`) ?? [];
    return same.some((o) => o !== r && o.obj === r.obj && o.span.start < r.span.start && r.methods.every((m) => o.methods.includes(m)));
  }

  private usesBy?: Map<PyRouter, Array<{ obj: PyRouter; layers: Layer[] }>>;

  /** The app-level layers registered on a router, in registration order. */
  private usesOf(o: PyRouter): Array<{ obj: PyRouter; layers: Layer[] }> {
    if (!this.usesBy) {
      this.usesBy = new Map();
      for (const u of this.uses) {
        const list = this.usesBy.get(u.obj);
        if (list) list.push(u);
        else this.usesBy.set(u.obj, [u]);
      }
      for (const list of this.usesBy.values()) list.sort(byPosition);
    }
    return this.usesBy.get(o) ?? [];
  }

  private endpoints(): Endpoint[] {
    const out: Endpoint[] = [];
    const seen = new Set<string>();
    for (const r of this.routes) {
      if (this.shadowed(r)) continue;
      for (const chain of mountChains(r.obj, (c: PyRouter) => this.mounts.filter((m) => m.child === c))) {
        const routers = [chain[0]?.parent ?? r.obj, ...chain.map((m) => m.child)];
        let path = '';
        const layers: Layer[] = [];
        for (let i = 0; i < routers.length; i++) {
          const o = routers[i] as PyRouter;
          const m = i > 0 ? chain[i - 1] : undefined;
          // Flask: a `url_prefix` given at registration replaces the blueprint's own.
          const own = o.framework === 'flask' && m?.prefix !== undefined ? undefined : o.prefix;
          path = joinPaths(path, m?.prefix, own);
          if (m) layers.push(...m.layers);
          layers.push(...o.own);
          for (const u of this.usesOf(o)) layers.push(...u.layers);
        }
        layers.push(...r.layers);
        const full = joinPaths(path, r.path);
        const fw: PyFramework = r.obj.framework;
        const key = `${r.file}:${r.span.start}:${r.methods.join()}:${full}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const root = routers[0] as PyRouter;
        const app = this.serving(root);
        out.push(makeEndpoint(fw, r.methods, r.path === '' && path !== '' ? path : full, root.kind === 'app', r.file, r.span, r.handler, layers, app ? { app } : {}));
      }
    }
    return out;
  }
}
