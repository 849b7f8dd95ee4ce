/**
 * Python functions that call an endpoint of the same repository over HTTP: an API server that
 * forwards requests to model workers (`httpx.AsyncClient().stream("POST", worker_addr +
 * "/worker_generate_stream")`, `requests.post(f"{addr}/generate")`, a helper that posts to a
 * URL it is given). The request reaches whatever the called endpoint reaches.
 */
import type { Node } from 'web-tree-sitter';
import type { ProjectModel } from '../../model/project.js';
import { span } from '../../parse/python.js';
import { InferenceContext } from '../inference/context.js';
import type { PyInference } from '../inference/python.js';
import type { CallEdge, FunctionInfo } from '../inference/types.js';
import { pathSegments } from './paths.js';
import { callArgs, field } from './py-resolve.js';
import type { Endpoint } from './types.js';

/** A call that sends an HTTP request to a path of the repository's own endpoints. */
export interface PyForward {
  /** The call (`client.stream(...)`, `requests.post(...)`, `fetch_remote(...)`). */
  node: Node;
  method: string;
  /** The request path (`/worker_generate_stream`). */
  path: string;
}

const HTTP_EXTERN = /^(requests|httpx)\.(post|request|stream)$|^aiohttp\.request$/;
const HTTP_VERB = /^(post|request|stream)$/;
const LIBS = /\b(requests|httpx|aiohttp)\b/;

/** The path part of a URL whose host is unknown or written out: `{worker_addr}/worker_generate` → `/worker_generate`. */
function pathOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  const m = /^(?:[a-z]+:\/\/[^/{}]*|\{[^}]*\}|https?:\/\/\{[^}]*\}(?::\d+)?)(\/[^?#{}]*[A-Za-z][^?#{}]*)$/i.exec(url);
  return m?.[1];
}

function methodOf(a: PyInference, n: Node | undefined): string | undefined {
  const v = n ? a.mod.stringValue(n)?.value : undefined;
  return v?.toUpperCase();
}

/** The URL and method of one call, when it sends an HTTP request. */
function requestOf(project: ProjectModel, a: PyInference, call: Node): { url?: Node; method?: string } | undefined {
  const callee = field(call, 'function');
  if (!callee) return undefined;
  const { args, kwargs } = callArgs(call);
  const v = a.valueOf(callee);
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
    return { url: kwargs.get(helper.url) ?? (i >= 0 ? args[i] : undefined), method: 'POST' };
  }
  if (!verb) return undefined;
  if (verb === 'post') return { url: kwargs.get('url') ?? args[0], method: 'POST' };
  return { url: kwargs.get('url') ?? args[1], method: methodOf(a, kwargs.get('method') ?? args[0]) };
}

/** The HTTP requests to paths of the repository a function sends, computed once per file. */
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
      if (/\.(post|request|stream)$/.test(c.callee) ? !libs : !/^[A-Za-z_][\w.]*$/.test(c.callee)) continue;
      const r = requestOf(project, a, c.node);
      if (!r?.url || !r.method) continue;
      const path = pathOf(a.urlValue(r.url));
      if (!path) continue;
      const owner = a.enclosingFn(c.node);
      const list = m.get(owner.id) ?? [];
      list.push({ node: c.node, method: r.method, path });
      m.set(owner.id, list);
    }
    return m;
  });
  return byFn.get((fn.node as Node).id) ?? [];
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
export function forwardTargets(eps: Endpoint[], f: PyForward): Endpoint[] {
  return eps.filter((e) => e.lang === 'python' && e.handler && e.kind === 'route' && (e.methods.includes(f.method) || e.methods.includes('*')) && samePath(e.path, f.path));
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
