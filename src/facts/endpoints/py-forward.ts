/**
 * Python functions that pass a request on over HTTP: an API server that forwards requests to
 * model workers of the same repository (`httpx.AsyncClient().stream("POST", worker_addr +
 * "/worker_generate_stream")`, `requests.post(f"{addr}/generate")`, a helper that posts to a URL
 * it is given), or a router that proxies them to a model server chosen at run time
 * (`session.request(method=request.method, url=backend_url + endpoint)`, with `endpoint` handed
 * down by the route as `"/v1/chat/completions"`, or the incoming `request.url.path`). A request
 * to an endpoint of the repository reaches whatever that endpoint reaches; a request to a model
 * API path (`/v1/chat/completions`, `/api/generate` ...) is inference.
 *
 * URLs are kept as templates: what is written, and `{expr}` for what is not known where the
 * request is made. The parameters of the function are filled in from the calls that lead to it
 * (see `bindArgs`), so the path of a proxy several calls below the route is known.
 */
import type { Node } from 'web-tree-sitter';
import type { ProjectModel } from '../../model/project.js';
import { span } from '../../parse/python.js';
import { InferenceContext } from '../inference/context.js';
import type { PyInference } from '../inference/python.js';
import type { ArgExpr, CallEdge, FunctionInfo, PySite } from '../inference/types.js';
import { siteFields } from '../inference/types.js';
import { pathSegments } from './paths.js';
import { callArgs, field, kids, pyDecls, unwrapPy } from './py-resolve.js';
import type { Endpoint } from './types.js';

/** A call that sends an HTTP request. */
export interface PyForward {
  /** The file it is in. */
  file: string;
  /** The call (`client.stream(...)`, `requests.post(...)`, `fetch_remote(...)`). */
  node: Node;
  /** Upper case; undefined when it is not written (`method=request.method`: the method the route received). */
  method?: string;
  /** The URL as a template: `{worker_addr}/worker_generate`, `{backend_url}{endpoint}`. */
  url: string;
  /** The request body, when given (`json=`, `data=`, `content=`). */
  body?: Node;
  /** The response is read as a stream (`client.stream(...)`, `stream=True`). */
  stream: boolean;
}

/** Parameter values known from the calls leading to a function: a parameter name → its URL template. */
export type ForwardEnv = ReadonlyMap<string, string>;

const HTTP_EXTERN = /^(requests|httpx)\.(post|request|stream)$|^aiohttp\.request$/;
const HTTP_VERB = /^(post|request|stream|build_request)$/;
/** Methods of an HTTP client whose receiver modelguard cannot resolve (`request.app.state.client().request`, `self.session.post`). */
const CLIENT_VERB = /\.(post|request|stream|build_request)$/;
const LIBS = /\b(requests|httpx|aiohttp)\b/;
/** A receiver named for an HTTP client (`self.session.post`, `app.state.http_client().request`). */
export const HTTP_RECEIVER = /\.\w+$(?<=(?:session|client|http)\w*(?:\(\))?\.\w+)/i;
/** The path of the request being handled: `request.url.path`, `req.path`, `request.scope["path"]`. */
const INCOMING_PATH = /^[A-Za-z_]\w*\.url\.path$|^(request|req|raw_request)\.path$|^[A-Za-z_]\w*\.scope\[["']path["']\]$/;

/** The path part of a URL whose host is unknown or written out: `{worker_addr}/worker_generate` → `/worker_generate`. */
function pathOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  const m = /^(?:[a-z]+:\/\/[^/{}]*|\{[^}]*\}|https?:\/\/\{[^}]*\}(?::\d+)?)(\/[^?#{}]*[A-Za-z][^?#{}]*)$/i.exec(url);
  return m?.[1];
}

/** A URL written as a template: literals, f-strings, `+`, `str(x)`, local names and module constants; other parts as `{text}`. */
function urlTemplate(project: ProjectModel, a: PyInference, n: Node, depth = 0): string {
  const u = unwrapPy(n);
  const unknown = `{${a.text(u).replace(/\s+/g, '')}}`;
  if (depth > 6) return unknown;
  if (u.type === 'string' || u.type === 'concatenated_string') {
    const exact = a.mod.stringValue(u);
    if (exact?.exact) return exact.value;
    const parts = u.type === 'concatenated_string' ? kids(u) : [u];
    let out = '';
    for (const s of parts) {
      for (const c of kids(s)) {
        if (c.type === 'string_content') out += a.text(c);
        else if (c.type === 'interpolation') {
          const e = kids(c)[0];
          out += e ? urlTemplate(project, a, e, depth + 1) : '';
        }
      }
    }
    return out;
  }
  if (u.type === 'binary_operator' && a.text(field(u, 'operator') as Node) === '+') {
    const l = field(u, 'left');
    const r = field(u, 'right');
    return (l ? urlTemplate(project, a, l, depth + 1) : '') + (r ? urlTemplate(project, a, r, depth + 1) : '');
  }
  if (u.type === 'call' && a.text(field(u, 'function') as Node) === 'str') {
    const first = callArgs(u).args[0];
    return first ? urlTemplate(project, a, first, depth + 1) : unknown;
  }
  if (u.type === 'identifier') {
    const s = a.mod.stringValue(u);
    if (s) return s.exact ? s.value : unknown;
    const decls = pyDecls(project, a, a.text(u), u);
    // A parameter stays a placeholder: the calls leading here fill it in.
    if (decls.length === 1 && decls[0]?.k === 'value' && decls[0].a === a) return urlTemplate(project, a, decls[0].node, depth + 1);
    return unknown;
  }
  const s = a.mod.stringValue(u);
  return s?.exact ? s.value : unknown;
}

/** Fills in the parameters a template names from what the calls leading here passed, and the incoming path from the route. */
function fill(url: string, env: ForwardEnv, ep: Endpoint | undefined): string {
  return url.replace(/\{([^{}]*)\}/g, (whole, expr: string) => {
    const bound = env.get(expr);
    if (bound !== undefined) return bound;
    if (ep && ep.kind === 'route' && INCOMING_PATH.test(expr)) return ep.path;
    return whole;
  });
}

function methodOf(a: PyInference, n: Node | undefined): string | undefined {
  const v = n ? a.mod.stringValue(n)?.value : undefined;
  return v?.toUpperCase();
}

/** The URL, method and body of one call, when it sends an HTTP request. */
function requestOf(project: ProjectModel, a: PyInference, call: Node, client: boolean): { url?: Node; method?: string; body?: Node; stream: boolean } | undefined {
  const callee = field(call, 'function');
  if (!callee) return undefined;
  const { args, kwargs } = callArgs(call);
  const v = a.valueOf(callee);
  const body = kwargs.get('json') ?? kwargs.get('data') ?? kwargs.get('content');
  const streamKw = kwargs.get('stream')?.text === 'True';
  let verb: string | undefined;
  if (v?.t === 'extern' && HTTP_EXTERN.test(v.q)) verb = v.q.split('.').pop();
  else if (v?.t === 'http' && v.path.length === 1 && HTTP_VERB.test(v.path[0] as string)) verb = v.path[0];
  else if (v?.t === 'fn') {
    // A helper of the repository that posts to a URL it takes as a parameter.
    const owner = InferenceContext.of(project).pyAt(v.path);
    const helper = owner?.httpHelper(v.node);
    const info = owner?.fnInfo(v.node);
    if (!helper || !info) return undefined;
    const i = info.params.indexOf(helper.url);
    const j = helper.body ? info.params.indexOf(helper.body) : -1;
    return {
      url: kwargs.get(helper.url) ?? (i >= 0 ? args[i] : undefined),
      method: 'POST',
      body: helper.body ? (kwargs.get(helper.body) ?? (j >= 0 ? args[j] : undefined)) : undefined,
      stream: false,
    };
  } else if (v === undefined && client && CLIENT_VERB.test(a.mod.chain(callee))) {
    // A client modelguard cannot follow (held in app state, returned by a wrapper): its method names the request.
    verb = a.mod.chain(callee).split('.').pop();
  }
  if (!verb) return undefined;
  if (verb === 'post') return { url: kwargs.get('url') ?? args[0], method: 'POST', body, stream: streamKw };
  const m = kwargs.get('method') ?? args[0];
  return { url: kwargs.get('url') ?? args[1], method: methodOf(a, m), body, stream: verb === 'stream' || streamKw };
}

/** The HTTP requests a function sends, computed once per file. */
export function pyForwards(project: ProjectModel, fn: FunctionInfo): PyForward[] {
  const ctx = InferenceContext.of(project);
  const file = project.file(fn.path);
  if (!file || fn.lang !== 'python') return [];
  const byFn = file.memo('endpoints:py-forwards', () => {
    const m = new Map<number, PyForward[]>();
    const a = ctx.pyAt(file.path);
    if (!a) return m;
    const libs = LIBS.test(file.text);
    for (const c of a.mod.calls()) {
      // Requests of the HTTP libraries, or calls of repository helpers that send them, with the URL as an argument.
      if (c.args.length + c.kwargs.size === 0) continue;
      const client = libs || c.kwargs.has('url') || HTTP_RECEIVER.test(c.callee);
      if (CLIENT_VERB.test(c.callee) ? !client : !/^[A-Za-z_][\w.]*$/.test(c.callee)) continue;
      const r = requestOf(project, a, c.node, client);
      if (!r?.url) continue;
      // A method given as an expression (`request.method`) is the route's own: a proxy.
      if (!r.method && !(c.kwargs.get('method') ?? c.args[0])) continue;
      const url = urlTemplate(project, a, r.url);
      if (!/[/{]/.test(url)) continue;
      const owner = a.enclosingFn(c.node);
      const list = m.get(owner.id) ?? [];
      list.push({ file: file.path, node: c.node, ...(r.method ? { method: r.method } : {}), url, ...(r.body ? { body: r.body } : {}), stream: r.stream });
      m.set(owner.id, list);
    }
    return m;
  });
  return byFn.get((fn.node as Node).id) ?? [];
}

/** The request's URL and path with the parameters and the incoming path filled in. */
export function resolveForward(f: PyForward, env: ForwardEnv, ep: Endpoint | undefined): { url: string; path?: string; method: string } {
  const url = fill(f.url, env, ep);
  const method = f.method ?? (ep?.methods[0] && ep.methods[0] !== '*' && ep.methods[0] !== 'WEBSOCKET' ? ep.methods[0] : '*');
  const path = pathOf(url);
  return { url, method, ...(path ? { path } : {}) };
}

/**
 * What the parameters of the called function receive at a call, as URL templates: string
 * literals and templates, the caller's own parameters passed on (from `env`) and the path of
 * the request `ep` handles.
 */
export function bindArgs(project: ProjectModel, e: CallEdge, env: ForwardEnv, ep: Endpoint | undefined): ForwardEnv {
  const out = new Map<string, string>();
  if (e.from.lang !== 'python' || e.to.lang !== 'python') return out;
  const a = InferenceContext.of(project).pyAt(e.from.path);
  if (!a) return out;
  e.to.params.forEach((p, i) => {
    const arg = e.args.get(p) ?? e.args.get(`#${i}`);
    if (!arg) return;
    const t = fill(urlTemplate(project, a, arg.node as Node), env, ep);
    // A value nothing is known of tells nothing.
    if (/^\{[^{}]*\}$/.test(t)) return;
    out.set(p, t);
  });
  return out;
}

function samePath(route: string, request: string): boolean {
  const a = pathSegments(route);
  const b = pathSegments(request);
  if (a.length !== b.length) return false;
  return a.every((s, i) => {
    const t = b[i];
    if (!t) return false;
    if (s.kind !== 'static') return true;
    return t.kind === 'static' && t.value === s.value;
  });
}

/** The endpoints of the repository a request goes to (Python routes answering its method and path). */
export function forwardTargets(eps: Endpoint[], method: string, path: string): Endpoint[] {
  return eps.filter((e) => e.lang === 'python' && e.handler && e.kind === 'route' && (method === '*' || e.methods.includes(method) || e.methods.includes('*')) && samePath(e.path, path));
}

/** A call edge for the hop over HTTP, from the sending function to the handler of the endpoint it calls. */
export function forwardEdge(project: ProjectModel, from: FunctionInfo, f: PyForward, target: Endpoint): CallEdge {
  const handler = target.handler as FunctionInfo;
  const a = InferenceContext.of(project).pyAt(from.path);
  const callee = field(f.node, 'function') ?? f.node;
  return {
    from,
    // Named for the request in messages: `… → \`POST /worker_generate\` (worker.py:40) → …`.
    to: { ...handler, name: target.label },
    node: f.node,
    span: span(f.node),
    calleeSpan: span(callee),
    args: new Map(),
    resultNames: a ? a.resultNames(f.node) : [],
  };
}

const sites = new WeakMap<Node, Map<string, PySite | null>>();

/**
 * The request as an inference call when its URL ends with a model API path
 * (`{backend_url}/v1/chat/completions`): a proxy to a model server. Paths that ordinary web
 * applications also serve (`/generate`, `/api/chat`) count only with a host that names a model
 * server or a body that names a model.
 */
export function forwardedInference(project: ProjectModel, f: PyForward, url: string, method: string): PySite | undefined {
  if (method !== 'POST' && method !== '*') return undefined;
  let m = sites.get(f.node);
  if (!m) sites.set(f.node, (m = new Map()));
  const hit = m.get(url);
  if (hit !== undefined) return hit ?? undefined;
  const ctx = InferenceContext.of(project);
  const k = ctx.k;
  const p = k.httpPath(url);
  const a = ctx.pyAt(f.file);
  let site: PySite | undefined;
  if (p && a) {
    const host = url.slice(0, url.length - p.path.length);
    const bodyText = f.body ? a.text(f.body) : '';
    if (!p.ambiguous || k.hostHints.test(host) || /["']model["']|\bmodel=/.test(bodyText)) {
      const callee = field(f.node, 'function') ?? f.node;
      const args = new Map<string, ArgExpr>();
      const { args: pos, kwargs } = callArgs(f.node);
      pos.forEach((n, i) => {
        args.set(`#${i}`, a.argExpr(n));
      });
      for (const [key, n] of kwargs) args.set(key, a.argExpr(n));
      site = {
        ...siteFields(
          {
            sdk: 'http',
            api: `POST ${p.path}`,
            kind: p.kind,
            stream: f.stream || p.stream === true,
            args,
            prompt: f.body ? a.argExpr(f.body) : undefined,
            url,
            confidence: p.ambiguous ? 'medium' : 'high',
            sdkName: `${p.api} over HTTP`,
          },
          (s) => k.sdkName(s),
        ),
        lang: 'python',
        path: a.file.path,
        calleeSpan: span(callee),
        span: span(f.node),
        resultNames: a.resultNames(f.node),
        fn: a.fnInfo(a.enclosingFn(f.node)),
        node: f.node,
      };
    }
  }
  m.set(url, site ?? null);
  return site;
}
