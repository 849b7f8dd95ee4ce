/**
 * AWS Lambda handlers behind an API Gateway route the repository declares: Serverless Framework
 * `functions.<name>` with `http`/`httpApi` events (or `url: true`), and SAM
 * `AWS::Serverless::Function` resources with `Api`/`HttpApi` events. The handler (`src/handler.chat`,
 * `app.lambda_handler`) is resolved to the Python or TypeScript/JavaScript function it names; an
 * authorizer, `private: true`/`ApiKeyRequired` and API Gateway throttling become layers.
 */
import type { FileModel } from '../../model/file-model.js';
import type { ProjectModel } from '../../model/project.js';
import { isMap, isScalar, type YamlFile, type YNode } from '../../parse/yaml.js';
import { isTestFile } from '../inference/common.js';
import { InferenceContext } from '../inference/context.js';
import type { FunctionInfo } from '../inference/types.js';
import { makeEndpoint } from './ts-routers.js';
import { fnInfoOf } from './ts-resolve.js';
import type { Endpoint, Layer } from './types.js';

const EXTS = ['.py', '.ts', '.js', '.mjs', '.cjs', '.mts'];

/** `src/handler.chat` → the function `chat` of `src/handler.{py,ts,js}` (under `base`). */
function handlerFn(project: ProjectModel, base: string, handler: string): FunctionInfo | undefined {
  const dot = handler.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const mod = handler.slice(0, dot);
  const name = handler.slice(dot + 1);
  const ctx = InferenceContext.of(project);
  const stems = [mod, mod.replace(/\./g, '/')];
  for (const stem of stems) {
    for (const ext of EXTS) {
      const p = [base, `${stem}${ext}`]
        .filter(Boolean)
        .join('/')
        .replace(/\/\.\//g, '/')
        .replace(/^\.\//, '');
      const f = project.file(p);
      if (!f) continue;
      if (f.kind === 'python') {
        const a = ctx.pyAt(p);
        const fn = a?.functions().find((x) => x.name === name && !x.className);
        if (fn) return fn;
      } else if (f.kind === 'typescript') {
        const a = ctx.tsAt(p);
        const v = a?.exportValue(name);
        if (v?.t === 'fn') return fnInfoOf(project, v.path, v.node);
      }
    }
  }
  return undefined;
}

function setting(file: FileModel, y: YamlFile, node: YNode, name: string, text: string): Layer {
  return { level: 'route', kind: 'setting', name, text, file: file.path, span: y.span(node) };
}

function lambdaEndpoint(_project: ProjectModel, file: FileModel, at: YNode, y: YamlFile, fn: FunctionInfo, method: string, path: string, layers: Layer[]): Endpoint {
  const m = method.toUpperCase();
  return makeEndpoint('lambda', [m === 'ANY' || m === '*' ? '*' : m], path.startsWith('/') ? path : `/${path}`, true, file.path, y.span(at), fn, layers, { lang: fn.lang });
}

/** Serverless Framework: `functions: { chat: { handler, events: [{ http: { path, method, authorizer } }] } }`. */
function serverless(project: ProjectModel, file: FileModel, y: YamlFile): Endpoint[] {
  const out: Endpoint[] = [];
  const base = file.path.split('/').slice(0, -1).join('/');
  for (const doc of y.documents) {
    const root = y.root(doc);
    const provider = y.get(root, 'provider');
    const throttle = y.getIn(provider, ['apiGateway', 'usagePlan', 'throttle']) ?? y.getIn(provider, ['apiGateway', 'usagePlan']);
    for (const e of y.entries(y.get(root, 'functions'))) {
      const handler = y.str(y.get(e.value, 'handler'));
      const fn = handler ? handlerFn(project, base, handler) : undefined;
      if (!fn) continue;
      const events: Array<{ at: YNode; method: string; path: string; auth: YNode | null; key: boolean }> = [];
      for (const ev of y.items(y.get(e.value, 'events'))) {
        for (const kind of ['http', 'httpApi']) {
          const v = y.get(ev, kind);
          if (!v) continue;
          if (isScalar(v)) {
            // `http: POST chat`, `httpApi: 'POST /chat'`
            const [method, path] = (y.str(v) ?? '').trim().split(/\s+/);
            if (method && path) events.push({ at: v, method: method === '*' ? '*' : method, path, auth: null, key: false });
          } else if (isMap(v)) {
            events.push({ at: v, method: y.str(y.get(v, 'method')) ?? '*', path: y.str(y.get(v, 'path')) ?? '/', auth: y.get(v, 'authorizer'), key: y.isTrue(y.get(v, 'private')) });
          }
        }
      }
      const url = y.get(e.value, 'url');
      if (url && (y.isTrue(url) || isMap(url)))
        events.push({ at: url, method: '*', path: '/', auth: isMap(url) && y.str(y.get(url, 'authorizer')) === 'aws_iam' ? y.get(url, 'authorizer') : null, key: false });
      for (const ev of events) {
        const layers: Layer[] = [];
        if (ev.auth) layers.push(setting(file, y, ev.auth, 'lambda:authorizer', `authorizer (${y.str(ev.auth) ?? 'configured'})`));
        if (ev.key) layers.push(setting(file, y, ev.at, 'lambda:api-key', 'private: true (API key required)'));
        if (throttle && ev.key) layers.push(setting(file, y, throttle, 'lambda:throttle', 'API Gateway usage plan throttle'));
        out.push(lambdaEndpoint(project, file, e.keyNode, y, fn, ev.method, ev.path, layers));
      }
    }
  }
  return out;
}

/** SAM: `Type: AWS::Serverless::Function` with `Handler`, `CodeUri` and `Events: { X: { Type: Api, Properties: { Path, Method, Auth } } }`. */
function sam(project: ProjectModel, file: FileModel, y: YamlFile): Endpoint[] {
  const out: Endpoint[] = [];
  const dir = file.path.split('/').slice(0, -1).join('/');
  for (const doc of y.documents) {
    const root = y.root(doc);
    const globalsAuth = y.getIn(root, ['Globals', 'Api', 'Auth', 'DefaultAuthorizer']) ?? y.getIn(root, ['Globals', 'HttpApi', 'Auth', 'DefaultAuthorizer']);
    const globalsKey = y.getIn(root, ['Globals', 'Api', 'Auth', 'ApiKeyRequired']);
    const resources = y.get(root, 'Resources');
    const apiThrottle = y
      .entries(resources)
      .map((r) => y.getIn(r.value, ['Properties', 'MethodSettings']))
      .find((m) => m && /Throttling(Rate|Burst)Limit/.test(y.str(m) ?? file.text.slice(y.span(m).start, y.span(m).end)));
    for (const r of y.entries(resources)) {
      if (y.str(y.get(r.value, 'Type')) !== 'AWS::Serverless::Function') continue;
      const props = y.get(r.value, 'Properties');
      const handler = y.str(y.get(props, 'Handler')) ?? y.str(y.getIn(root, ['Globals', 'Function', 'Handler']));
      const codeUri = y.str(y.get(props, 'CodeUri')) ?? y.str(y.getIn(root, ['Globals', 'Function', 'CodeUri'])) ?? '';
      const base = [dir, codeUri.replace(/\/$/, '')].filter((x) => x && x !== '.').join('/');
      const fn = handler ? handlerFn(project, base, handler) : undefined;
      if (!fn) continue;
      for (const ev of y.entries(y.get(props, 'Events'))) {
        const type = y.str(y.get(ev.value, 'Type'));
        if (type !== 'Api' && type !== 'HttpApi') continue;
        const p = y.get(ev.value, 'Properties');
        const auth = y.get(p, 'Auth');
        const authorizer = y.get(auth, 'Authorizer') ?? globalsAuth;
        const layers: Layer[] = [];
        if (authorizer && y.str(authorizer) !== 'NONE') layers.push(setting(file, y, authorizer, 'lambda:authorizer', `Authorizer ${y.str(authorizer) ?? ''}`.trim()));
        const key = y.get(auth, 'ApiKeyRequired') ?? globalsKey;
        if (key && y.isTrue(key)) layers.push(setting(file, y, key, 'lambda:api-key', 'ApiKeyRequired: true'));
        if (apiThrottle) layers.push(setting(file, y, apiThrottle, 'lambda:throttle', 'API Gateway stage throttling'));
        out.push(lambdaEndpoint(project, file, ev.keyNode, y, fn, y.str(y.get(p, 'Method')) ?? '*', y.str(y.get(p, 'Path')) ?? '/', layers));
      }
    }
  }
  return out;
}

/** Lambda handlers routed by serverless.yml or SAM templates of the repository. */
export function lambdaEndpoints(project: ProjectModel): Endpoint[] {
  const out: Endpoint[] = [];
  for (const f of project.files()) {
    if (isTestFile(f.path)) continue;
    const base = f.path.split('/').pop() ?? '';
    const isServerless = /^serverless\.ya?ml$/.test(base);
    const isSam = !isServerless && /AWS::Serverless::Function/.test(f.text) && /\.(ya?ml)$/.test(base);
    if (!isServerless && !isSam) continue;
    const y = f.yaml();
    if (!y) continue;
    out.push(...(isServerless ? serverless(project, f, y) : sam(project, f, y)));
  }
  return out;
}
