/**
 * Functions that a platform serves as HTTP endpoints, Python side: Modal web endpoints
 * (`@modal.fastapi_endpoint`, `@modal.web_endpoint`), BentoML service APIs (`@bentoml.api`
 * methods of a `@bentoml.service` class, `@svc.api` of a `bentoml.Service`), Ray Serve
 * deployments answering HTTP in `__call__`, and Google Cloud Functions
 * (`@functions_framework.http`). ASGI apps that Modal serves (`@modal.asgi_app()`) are found
 * with their framework's routes (see PyRouterGraph).
 */
import type { Node } from 'web-tree-sitter';
import type { ProjectModel } from '../../model/project.js';
import { span } from '../../parse/python.js';
import { isTestFile } from '../inference/common.js';
import { InferenceContext } from '../inference/context.js';
import type { PyInference } from '../inference/python.js';
import { callArgs, externQ, field, kids } from './py-resolve.js';
import { paramDependencies } from './python.js';
import { makeEndpoint } from './ts-routers.js';
import type { Endpoint, Layer } from './types.js';

const CANDIDATE = /\bmodal\b|\bbentoml\b|\bserve\.deployment\b|@serve\.|functions_framework/;
const MODAL_ENDPOINT = /^modal\.(fastapi_endpoint|web_endpoint)$/;

/** The decorators of a definition, each with its expression and what it resolves to. */
function decorators(a: PyInference, def: Node): Array<{ expr: Node; call?: Node; q: string }> {
  const p = def.parent;
  if (p?.type !== 'decorated_definition') return [];
  return kids(p)
    .filter((d) => d.type === 'decorator')
    .map((d) => {
      const e = kids(d)[0] as Node;
      const target = e.type === 'call' ? (field(e, 'function') as Node) : e;
      return { expr: e, ...(e.type === 'call' ? { call: e } : {}), q: externQ(a, target) || a.mod.chain(target) };
    });
}

function str(a: PyInference, n: Node | undefined): string | undefined {
  const v = n ? a.mod.stringValue(n) : undefined;
  return v?.exact ? v.value : undefined;
}

/** `requires_proxy_auth=True` on a Modal endpoint or app: callers need a Modal proxy-auth token. */
export function modalProxyAuth(a: PyInference, call: Node | undefined): Layer | undefined {
  const v = call ? callArgs(call).kwargs.get('requires_proxy_auth') : undefined;
  if (!call || !v || a.text(v) !== 'True') return undefined;
  return { level: 'route', kind: 'setting', name: 'modal:requires_proxy_auth', text: 'requires_proxy_auth=True', file: a.file.path, span: span(v), node: v };
}

function modalEndpoints(project: ProjectModel, a: PyInference): Endpoint[] {
  const out: Endpoint[] = [];
  for (const def of a.mod.root.descendantsOfType('function_definition')) {
    if (!def) continue;
    for (const d of decorators(a, def)) {
      if (!MODAL_ENDPOINT.test(d.q)) continue;
      const method = str(a, d.call ? callArgs(d.call).kwargs.get('method') : undefined)?.toUpperCase() ?? 'GET';
      const handler = a.fnInfo(def);
      const auth = modalProxyAuth(a, d.call);
      const layers = [...(auth ? [auth] : []), ...paramDependencies(project, a, def, 'handler')];
      // Each web endpoint has a URL of its own: name it by its function.
      out.push(makeEndpoint('modal', [method], '/', true, a.file.path, span(d.expr), handler, layers, { label: `${method} ${handler.name} (Modal web endpoint)` }));
    }
  }
  return out;
}

function bentomlEndpoints(a: PyInference): Endpoint[] {
  const out: Endpoint[] = [];
  for (const def of a.mod.root.descendantsOfType('function_definition')) {
    if (!def) continue;
    for (const d of decorators(a, def)) {
      // `@bentoml.api` in a `@bentoml.service` class; `@svc.api(...)` of a `bentoml.Service`.
      const isNew = /^bentoml\.api$/.test(d.q);
      const isOld = !isNew && /\.api$/.test(d.q) && d.expr.type === 'call' && /bentoml/.test(a.file.text) && /bentoml\.Service\s*\(|Service\s*\(/.test(a.file.text);
      if (!isNew && !isOld) continue;
      const name = a.text(field(def, 'name') as Node);
      const route = str(a, d.call ? callArgs(d.call).kwargs.get('route') : undefined) ?? `/${name}`;
      out.push(makeEndpoint('bentoml', ['POST'], route.startsWith('/') ? route : `/${route}`, true, a.file.path, span(d.expr), a.fnInfo(def), []));
    }
  }
  return out;
}

function rayServeEndpoints(a: PyInference): Endpoint[] {
  const out: Endpoint[] = [];
  for (const cls of a.mod.root.descendantsOfType('class_definition')) {
    if (!cls) continue;
    const decos = decorators(a, cls);
    if (!decos.some((d) => /^ray\.serve\.deployment$|^serve\.deployment$/.test(d.q))) continue;
    // `@serve.ingress(app)`: the FastAPI routes of its methods answer instead.
    if (decos.some((d) => /ingress$/.test(d.q))) continue;
    const body = field(cls, 'body');
    for (const st of body ? kids(body) : []) {
      const def = st.type === 'decorated_definition' ? field(st, 'definition') : st;
      if (def?.type !== 'function_definition' || a.text(field(def, 'name') as Node) !== '__call__') continue;
      const deco = decos.find((d) => /deployment$/.test(d.q)) as { expr: Node };
      out.push(makeEndpoint('ray-serve', ['*'], '/', true, a.file.path, span(deco.expr), a.fnInfo(def), []));
    }
  }
  return out;
}

function cloudFunctions(a: PyInference): Endpoint[] {
  const out: Endpoint[] = [];
  for (const def of a.mod.root.descendantsOfType('function_definition')) {
    if (!def) continue;
    const d = decorators(a, def).find((x) => x.q === 'functions_framework.http');
    if (d) out.push(makeEndpoint('cloud-functions', ['*'], '/', true, a.file.path, span(d.expr), a.fnInfo(def), []));
  }
  return out;
}

/** Every platform-served function of the repository's Python files. */
export function pyPlatformEndpoints(project: ProjectModel, inScope?: (path: string) => boolean): Endpoint[] {
  const ctx = InferenceContext.of(project);
  const out: Endpoint[] = [];
  for (const f of project.withKind('python')) {
    if ((inScope && !inScope(f.path)) || isTestFile(f.path) || !CANDIDATE.test(f.text)) continue;
    const a = ctx.pyAt(f.path);
    if (!a) continue;
    if (/\bmodal\b/.test(f.text)) out.push(...modalEndpoints(project, a));
    if (/\bbentoml\b/.test(f.text)) out.push(...bentomlEndpoints(a));
    if (/serve\.deployment|@serve\./.test(f.text)) out.push(...rayServeEndpoints(a));
    if (/functions_framework/.test(f.text)) out.push(...cloudFunctions(a));
  }
  return out;
}
