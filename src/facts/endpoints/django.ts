import type { Node } from 'web-tree-sitter';
import type { ProjectModel } from '../../model/project.js';
import { span } from '../../parse/python.js';
import type { Span } from '../../types.js';
import { isTestFile } from '../inference/common.js';
import { InferenceContext } from '../inference/context.js';
import type { PyInference } from '../inference/python.js';
import type { FunctionInfo } from '../inference/types.js';
import { djangoRegexPath, joinPaths } from './paths.js';
import { callArgs, externQ, field, kids, listItems, pyDecls, pyLayer, unwrapPy } from './py-resolve.js';
import { makeEndpoint } from './ts-routers.js';
import type { Endpoint, Layer } from './types.js';

const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete'];
const VIEWSET_ACTIONS: Record<string, { method: string; detail: boolean }> = {
  list: { method: 'GET', detail: false },
  create: { method: 'POST', detail: false },
  retrieve: { method: 'GET', detail: true },
  update: { method: 'PUT', detail: true },
  partial_update: { method: 'PATCH', detail: true },
  destroy: { method: 'DELETE', detail: true },
};
const DRF_SETTINGS = ['DEFAULT_PERMISSION_CLASSES', 'DEFAULT_THROTTLE_CLASSES', 'DEFAULT_AUTHENTICATION_CLASSES', 'DEFAULT_THROTTLE_RATES'];

interface Settings {
  middleware: Layer[];
  drf: Layer[];
  rootUrlconf: string[];
}

/** `MIDDLEWARE`, `REST_FRAMEWORK` defaults and `ROOT_URLCONF` of the settings modules. */
function djangoSettings(project: ProjectModel, files: PyInference[]): Settings {
  const out: Settings = { middleware: [], drf: [], rootUrlconf: [] };
  for (const a of files) {
    if (!/\b(ROOT_URLCONF|MIDDLEWARE|REST_FRAMEWORK)\b/.test(a.file.text)) continue;
    for (const st of kids(a.mod.root)) {
      if (st.type !== 'expression_statement') continue;
      const asg = kids(st)[0];
      if (!asg || (asg.type !== 'assignment' && asg.type !== 'augmented_assignment')) continue;
      const left = field(asg, 'left');
      const right = field(asg, 'right');
      if (!left || !right) continue;
      const name = a.text(left);
      if (name === 'MIDDLEWARE' || name === 'MIDDLEWARE_CLASSES') {
        for (const it of listItems(project, a, right)) {
          const v = it.a.mod.stringValue(it.node)?.value;
          if (v) out.middleware.push({ level: 'global', kind: 'middleware', name: v, text: v, file: it.a.file.path, span: span(it.node), node: it.node });
        }
      } else if (name === 'ROOT_URLCONF') {
        const v = a.mod.stringValue(right)?.value;
        if (v) out.rootUrlconf.push(v);
      } else if (name === 'REST_FRAMEWORK' && right.type === 'dictionary') {
        for (const pair of kids(right)) {
          if (pair.type !== 'pair') continue;
          const k = field(pair, 'key');
          const v = field(pair, 'value');
          const key = k ? a.mod.stringValue(k)?.value : undefined;
          if (!key || !v || !DRF_SETTINGS.includes(key)) continue;
          out.drf.push({
            level: 'global',
            kind: 'setting',
            name: `rest_framework:${key}`,
            text: a.text(v).replace(/\s+/g, ' ').slice(0, 80),
            file: a.file.path,
            span: span(pair),
            node: pair,
            options: v,
          });
        }
      }
    }
  }
  return out;
}

/**
 * Django routes: the URLconf from `ROOT_URLCONF` (or every `urls.py` no other includes) followed
 * through `include()`, to function views, class-based views and Django REST framework viewsets.
 */
export class DjangoRoutes {
  private readonly ctx: InferenceContext;
  private readonly out: Endpoint[] = [];
  private readonly included = new Set<string>();
  private settings: Settings = { middleware: [], drf: [], rootUrlconf: [] };

  constructor(private readonly project: ProjectModel) {
    this.ctx = InferenceContext.of(project);
  }

  build(): Endpoint[] {
    const files = this.project.files().filter((f) => f.kind === 'python' && !isTestFile(f.path) && /\bdjango\b|\brest_framework\b|\burlpatterns\b/.test(f.text));
    const analyzers = files.map((f) => this.ctx.pyAt(f.path)).filter((a): a is PyInference => !!a);
    this.settings = djangoSettings(this.project, analyzers);
    const urlconfs = analyzers.filter((a) => /\burlpatterns\b/.test(a.file.text));
    if (urlconfs.length === 0) return [];
    const roots = this.settings.rootUrlconf.map((m) => this.ctx.resolvePy('', m)).filter((p): p is string => !!p);
    for (const r of roots) this.urlconf(r, '', [], 0);
    // URLconfs nobody includes (no settings found, or a second project): roots of their own.
    for (const a of urlconfs) if (!this.included.has(a.file.path)) this.urlconf(a.file.path, '', [], 0);
    return this.out;
  }

  private urlconf(path: string, prefix: string, layers: Layer[], depth: number): void {
    if (depth > 6) return;
    this.included.add(path);
    const a = this.ctx.pyAt(path);
    if (!a) return;
    for (const st of kids(a.mod.root)) {
      if (st.type !== 'expression_statement') continue;
      const e = kids(st)[0];
      if (!e) continue;
      if ((e.type === 'assignment' || e.type === 'augmented_assignment') && a.text(field(e, 'left') as Node) === 'urlpatterns') {
        this.patterns(a, field(e, 'right'), prefix, layers, depth);
      } else if (e.type === 'call') {
        // urlpatterns.append(path(...)) / urlpatterns.extend([...])
        const fn = field(e, 'function');
        if (fn && /^urlpatterns\.(append|extend|insert)$/.test(a.text(fn))) for (const x of callArgs(e).args) this.patterns(a, x, prefix, layers, depth);
      }
    }
  }

  /** A list of patterns (literal, `a + b`, `router.urls`) or one pattern. */
  private patterns(a: PyInference, n: Node | undefined, prefix: string, layers: Layer[], depth: number): void {
    if (!n) return;
    const u = unwrapPy(n);
    if (u.type === 'binary_operator') {
      this.patterns(a, field(u, 'left'), prefix, layers, depth);
      this.patterns(a, field(u, 'right'), prefix, layers, depth);
      return;
    }
    if (u.type === 'attribute' && a.text(field(u, 'attribute') as Node) === 'urls') {
      this.drfRouter(a, field(u, 'object') as Node, prefix, layers);
      return;
    }
    if (u.type === 'call') {
      this.pattern(a, u, prefix, layers, depth);
      return;
    }
    for (const it of listItems(this.project, a, u)) {
      const x = unwrapPy(it.node);
      if (x.type === 'call') this.pattern(it.a, x, prefix, layers, depth);
      else this.patterns(it.a, x, prefix, layers, depth);
    }
  }

  private pattern(a: PyInference, call: Node, prefix: string, layers: Layer[], depth: number): void {
    const q = externQ(a, field(call, 'function'));
    if (!/^django\.(urls\.(path|re_path)|conf\.urls\.(url|re_path))$/.test(q)) return;
    const { args, kwargs } = callArgs(call);
    const routeNode = args[0] ?? kwargs.get('route');
    const view = args[1] ?? kwargs.get('view');
    if (!routeNode || !view) return;
    const raw = a.mod.stringValue(routeNode)?.value;
    if (raw === undefined) return;
    const route = /path$/.test(q) && !/re_path$/.test(q) ? raw : djangoRegexPath(raw);
    const full = joinPaths(prefix, route);
    const at: Span = { start: call.startIndex, end: routeNode.endIndex };
    this.view(a, view, full, at, layers, depth);
  }

  private view(a: PyInference, view0: Node, full: string, at: Span, layers: Layer[], depth: number): void {
    const view = unwrapPy(view0);
    if (view.type === 'call') {
      const callee = field(view, 'function') as Node;
      const q = externQ(a, callee);
      const { args } = callArgs(view);
      if (q === 'django.urls.include' || q === 'django.conf.urls.include') {
        let target = args[0];
        if (target && target.type === 'tuple') target = kids(target)[0];
        if (!target) return;
        const s = a.mod.stringValue(target)?.value;
        if (s !== undefined) {
          const p = this.ctx.resolvePy(a.file.path, s);
          if (p) this.urlconf(p, full, layers, depth + 1);
          return;
        }
        const u = unwrapPy(target);
        if (u.type === 'attribute' && a.text(field(u, 'attribute') as Node) === 'urls') {
          const obj = field(u, 'object') as Node;
          const v = a.valueOf(obj);
          if (v?.t === 'module') this.urlconf(v.path, full, layers, depth + 1);
          else this.drfRouter(a, obj, full, layers);
          return;
        }
        const v = a.valueOf(u);
        if (v?.t === 'module') this.urlconf(v.path, full, layers, depth + 1);
        else this.patterns(a, u, full, layers, depth + 1);
        return;
      }
      if (callee.type === 'attribute' && a.text(field(callee, 'attribute') as Node) === 'as_view') {
        const cv = a.valueOf(field(callee, 'object') as Node);
        if (cv?.t === 'class') this.classView(a.file.path, cv.path, cv.node, full, at, layers, args[0]);
        return;
      }
      // login_required(views.chat), csrf_exempt(...), ratelimit(key='ip')(view)
      const inner = args[args.length - 1];
      if (!inner) return;
      const wrapFn = field(view, 'function') as Node;
      const wrapper = pyLayer(this.project, a, wrapFn.type === 'call' ? wrapFn : wrapFn, 'handler', 'wrapper', { options: view });
      this.view(a, inner, full, at, [...layers, wrapper], depth);
      return;
    }
    const v = a.valueOf(view);
    if (v?.t === 'fn') {
      const va = this.ctx.pyAt(v.path);
      if (va) this.functionView(va, va.fnInfo(v.node), full, at, a.file.path, layers);
    }
  }

  private decorators(_a: PyInference, def: Node): Node[] {
    const p = def.parent;
    return p?.type === 'decorated_definition'
      ? kids(p)
          .filter((c) => c.type === 'decorator')
          .map((d) => kids(d)[0])
          .filter((x): x is Node => !!x)
      : [];
  }

  private functionView(a: PyInference, fn: FunctionInfo, full: string, at: Span, file: string, layers: Layer[]): void {
    const decos = this.decorators(a, fn.node as Node);
    let methods = ['*'];
    let drf = false;
    const decoLayers: Layer[] = [];
    for (const d of decos) {
      const callee = d.type === 'call' ? field(d, 'function') : d;
      const q = callee ? externQ(a, callee) : '';
      if (/require_POST$/.test(q)) methods = ['POST'];
      else if (/require_GET$/.test(q)) methods = ['GET'];
      else if (/require_http_methods$/.test(q) || q === 'rest_framework.decorators.api_view') {
        const arg = d.type === 'call' ? callArgs(d).args[0] : undefined;
        const ms = listItems(this.project, a, arg).map((it) => it.a.mod.stringValue(it.node)?.value?.toUpperCase());
        if (ms.length > 0 && ms.every((x) => x)) methods = ms as string[];
        else if (q === 'rest_framework.decorators.api_view') methods = ['GET'];
      }
      if (q === 'rest_framework.decorators.api_view') drf = true;
      decoLayers.push(pyLayer(this.project, a, d, 'handler', 'decorator', { options: d }));
    }
    const global = [...this.settings.middleware, ...(drf ? this.settings.drf : [])];
    this.out.push(makeEndpoint('django', methods, full, true, file, at, fn, [...global, ...layers, ...decoLayers]));
  }

  /** Base classes of a class (qualified names), following repository classes up. */
  private bases(path: string, cls: Node, depth = 0): Array<{ name: string; a: PyInference; node: Node; cls?: { path: string; node: Node } }> {
    const a = this.ctx.pyAt(path);
    const sup = field(cls, 'superclasses');
    if (!a || !sup || depth > 5) return [];
    const out: Array<{ name: string; a: PyInference; node: Node; cls?: { path: string; node: Node } }> = [];
    for (const s of kids(sup)) {
      if (s.type === 'keyword_argument') continue;
      const v = a.valueOf(s);
      if (v?.t === 'class') {
        const ba = this.ctx.pyAt(v.path);
        const n = field(v.node, 'name');
        out.push({ name: `${v.path}#${n && ba ? ba.text(n) : '?'}`, a, node: s, cls: { path: v.path, node: v.node } });
        out.push(...this.bases(v.path, v.node, depth + 1));
      } else {
        const chain = a.mod.chain(s);
        out.push({ name: v?.t === 'extern' ? v.q : chain ? a.mod.qualify(chain) : a.text(s), a, node: s });
      }
    }
    return out;
  }

  /** Class attributes and methods of a class and its repository bases. */
  private members(path: string, cls: Node, depth = 0): { attrs: Map<string, { a: PyInference; node: Node; at: Node }>; methods: Map<string, { a: PyInference; def: Node }> } {
    const attrs = new Map<string, { a: PyInference; node: Node; at: Node }>();
    const methods = new Map<string, { a: PyInference; def: Node }>();
    const a = this.ctx.pyAt(path);
    const body = field(cls, 'body');
    if (!a || !body || depth > 5) return { attrs, methods };
    for (const st of kids(body)) {
      const def = st.type === 'decorated_definition' ? field(st, 'definition') : st;
      if (def?.type === 'function_definition') methods.set(a.text(field(def, 'name') as Node), { a, def });
      else if (st.type === 'expression_statement') {
        const asg = kids(st)[0];
        const left = asg ? field(asg, 'left') : undefined;
        const right = asg ? field(asg, 'right') : undefined;
        if (asg?.type === 'assignment' && left?.type === 'identifier' && right) attrs.set(a.text(left), { a, node: right, at: asg });
      }
    }
    const sup = field(cls, 'superclasses');
    for (const s of sup ? kids(sup) : []) {
      const v = s.type === 'keyword_argument' ? undefined : a.valueOf(s);
      if (v?.t !== 'class') continue;
      const inherited = this.members(v.path, v.node, depth + 1);
      for (const [k, x] of inherited.attrs) if (!attrs.has(k)) attrs.set(k, x);
      for (const [k, x] of inherited.methods) if (!methods.has(k)) methods.set(k, x);
    }
    return { attrs, methods };
  }

  private classLayers(path: string, cls: Node): { layers: Layer[]; drf: boolean } {
    const a = this.ctx.pyAt(path) as PyInference;
    const bases = this.bases(path, cls);
    const drf = bases.some((b) => b.name.startsWith('rest_framework.'));
    const layers: Layer[] = bases.map((b) => ({
      level: 'handler' as const,
      kind: 'mixin' as const,
      name: b.name,
      text: b.a.text(b.node),
      file: b.a.file.path,
      span: span(b.node),
      node: b.node,
      ...(b.cls ? { cls: b.cls } : {}),
    }));
    const { attrs } = this.members(path, cls);
    for (const key of ['permission_classes', 'throttle_classes', 'authentication_classes', 'throttle_scope']) {
      const x = attrs.get(key);
      if (x)
        layers.push({
          level: 'handler',
          kind: 'setting',
          name: `rest_framework:${key}`,
          text: x.a.text(x.node).replace(/\s+/g, ' ').slice(0, 80),
          file: x.a.file.path,
          span: span(x.at),
          node: x.at,
          options: x.node,
        });
    }
    for (const d of this.decorators(a, cls)) layers.push(pyLayer(this.project, a, d, 'handler', 'decorator', { options: d }));
    return { layers, drf };
  }

  private classView(file: string, path: string, cls: Node, full: string, at: Span, layers: Layer[], actions?: Node): void {
    const a = this.ctx.pyAt(path);
    if (!a) return;
    const { layers: cl, drf } = this.classLayers(path, cls);
    const { methods } = this.members(path, cls);
    const global = [...this.settings.middleware, ...(drf ? this.settings.drf : [])];
    // as_view({'post': 'create'}) (viewsets)
    const mapping = new Map<string, string>();
    if (actions && unwrapPy(actions).type === 'dictionary') {
      for (const pair of kids(unwrapPy(actions))) {
        const k = field(pair, 'key');
        const v = field(pair, 'value');
        const ks = k ? a.mod.stringValue(k)?.value : undefined;
        const vs = v ? a.mod.stringValue(v)?.value : undefined;
        if (ks && vs) mapping.set(ks, vs);
      }
    }
    const handled = mapping.size > 0 ? [...mapping].map(([m, fn]) => [m, fn] as const) : HTTP_METHODS.filter((m) => methods.has(m)).map((m) => [m, m] as const);
    const dispatch = methods.get('dispatch');
    for (const [verb, name] of handled) {
      const m = methods.get(name);
      if (!m) continue;
      const handler = m.a.fnInfo(m.def);
      const own = this.decorators(m.a, m.def).map((d) => pyLayer(this.project, m.a, d, 'handler', 'decorator', { options: d }));
      const disp = dispatch ? this.decorators(dispatch.a, dispatch.def).map((d) => pyLayer(this.project, dispatch.a, d, 'handler', 'decorator', { options: d })) : [];
      this.out.push(makeEndpoint('django', [verb.toUpperCase()], full, true, file, at, handler, [...global, ...layers, ...cl, ...disp, ...own], { className: a.text(field(cls, 'name') as Node) }));
    }
  }

  /** DRF `router.register('chat', ChatViewSet)`: the standard list/detail routes and `@action`s. */
  private drfRouter(a: PyInference, routerExpr: Node, prefix: string, layers: Layer[]): void {
    const decls = routerExpr.type === 'identifier' ? pyDecls(this.project, a, a.text(routerExpr), routerExpr) : [];
    for (const d of decls) {
      if (d.k !== 'value' || !/rest_framework\.routers\./.test(externQ(d.a, field(unwrapPy(d.node), 'function')))) continue;
      const routerName = a.text(routerExpr);
      for (const call of d.a.mod.calls()) {
        if (call.callee !== `${routerName}.register`) continue;
        const { args, kwargs } = callArgs(call.node);
        const p = args[0] ?? kwargs.get('prefix');
        const vs = args[1] ?? kwargs.get('viewset');
        const sub = p ? d.a.mod.stringValue(p)?.value : undefined;
        const v = vs ? d.a.valueOf(vs) : undefined;
        if (sub === undefined || v?.t !== 'class') continue;
        const at: Span = { start: call.node.startIndex, end: (p as Node).endIndex };
        this.viewset(d.a.file.path, v.path, v.node, joinPaths(prefix, sub), at, layers);
      }
    }
  }

  private viewset(file: string, path: string, cls: Node, base: string, at: Span, layers: Layer[]): void {
    const a = this.ctx.pyAt(path);
    if (!a) return;
    const { layers: cl } = this.classLayers(path, cls);
    const { methods } = this.members(path, cls);
    const global = [...this.settings.middleware, ...this.settings.drf];
    const className = a.text(field(cls, 'name') as Node);
    for (const [name, m] of methods) {
      let verbs: string[] | undefined;
      let route: string | undefined;
      const act = VIEWSET_ACTIONS[name];
      const decos = this.decorators(m.a, m.def);
      if (act) {
        verbs = [act.method];
        route = act.detail ? joinPaths(base, '<pk>/') : joinPaths(base, '/');
      } else {
        const action = decos.find((d) => d.type === 'call' && /rest_framework\.decorators\.action$/.test(externQ(m.a, field(d, 'function'))));
        if (!action) continue;
        const { kwargs } = callArgs(action);
        const detail = kwargs.get('detail');
        const ms = listItems(this.project, m.a, kwargs.get('methods'))
          .map((it) => it.a.mod.stringValue(it.node)?.value?.toUpperCase())
          .filter((x): x is string => !!x);
        const urlPath = kwargs.get('url_path');
        const seg = (urlPath ? m.a.mod.stringValue(urlPath)?.value : undefined) ?? name;
        verbs = ms.length > 0 ? ms : ['GET'];
        route = detail && m.a.text(detail) === 'True' ? joinPaths(base, '<pk>', `${seg}/`) : joinPaths(base, `${seg}/`);
      }
      const own = decos.map((d) => pyLayer(this.project, m.a, d, 'handler', 'decorator', { options: d }));
      this.out.push(makeEndpoint('django', verbs, route, true, file, at, m.a.fnInfo(m.def), [...global, ...layers, ...cl, ...own], { className }));
    }
  }
}
