import type { ProjectModel } from '../../model/project.js';
import type { Endpoint } from '../endpoints/types.js';
import { SdkKnowledge, type ReachedSite } from '../inference/index.js';
import type { ControlKind } from './data.js';

/** SDKs that run a model the deployer hosts: no provider limits or authentication behind them. */

function lineOf(project: ProjectModel, file: string, start: number): string {
  const f = project.file(file);
  return f ? `${file}:${f.lines.position(start).line}` : file;
}

/** True when one of the reached sites runs a self-hosted model (or an inference server by URL). */
export function reachesSelfHosted(reached: ReachedSite[]): boolean {
  return reached.some((r) => SdkKnowledge.get().selfHosted.has(r.site.sdk) || (r.site.sdk === 'http' && /localhost|127\.0\.0\.1|:\d{4,5}\b/.test(r.site.url ?? '')));
}

/** True when every reached site is a request to a model API on a host chosen at run time (a proxy to a model server). */
export function reachesUnknownServer(reached: ReachedSite[]): boolean {
  return reached.length > 0 && reached.every((r) => r.site.sdk === 'http' && /^\{[^}]*\}/.test(r.site.url ?? ''));
}

/**
 * `` `client.chat.completions.create` (OpenAI SDK) at lib/llm.ts:12 through `ask` (lib/llm.ts:3) ``,
 * plus a count of the other calls it reaches.
 */
export function describeInference(project: ProjectModel, reached: ReachedSite[]): string {
  // When the message speaks of a self-hosted model, the call it names is one.
  const selfHosted = reachesSelfHosted(reached);
  const rank = (r: ReachedSite): number => (selfHosted && !reachesSelfHosted([r]) ? 1 : 0);
  const sorted = [...reached].sort(
    (a, b) => rank(a) - rank(b) || a.via.length - b.via.length || (a.site.path < b.site.path ? -1 : a.site.path > b.site.path ? 1 : a.site.calleeSpan.start - b.site.calleeSpan.start),
  );
  const first = sorted[0];
  if (!first) return 'model inference';
  const f = project.file(first.site.path);
  const callee = f ? f.text.slice(first.site.calleeSpan.start, first.site.calleeSpan.end).replace(/\s+/g, '') : first.site.api;
  const call = callee.length > 60 ? `${callee.slice(0, 57)}...` : callee;
  const via = first.via.length > 0 ? ` through ${first.via.map((e) => `\`${e.to.name}\` (${lineOf(project, e.to.path, e.to.span.start)})`).join(' → ')}` : '';
  const more = sorted.length > 1 ? ` (and ${sorted.length - 1} more inference call${sorted.length > 2 ? 's' : ''})` : '';
  return `\`${call}\` (${first.site.sdkName}) at ${lineOf(project, first.site.path, first.site.calleeSpan.start)}${via}${more}`;
}

const RATE_FIX: Record<Endpoint['framework'], string> = {
  express: 'Add `app.use(rateLimit({ windowMs: 60_000, limit: 20 }))` (express-rate-limit) before the routes, or pass a limiter to this route',
  fastify: "Register @fastify/rate-limit before the routes (`await app.register(rateLimit, { max: 20, timeWindow: '1 minute' })`), or give this route `config: { rateLimit: { max, timeWindow } }`",
  hono: "Add `app.use('/api/*', rateLimiter({ windowMs: 60_000, limit: 20, keyGenerator }))` (hono-rate-limiter) before the route",
  koa: "Add `app.use(ratelimit({ driver: 'memory', db: new Map(), duration: 60_000, max: 20 }))` (koa-ratelimit) before `app.use(router.routes())`",
  nestjs: 'Import `ThrottlerModule.forRoot([{ ttl: 60_000, limit: 20 }])` and provide `{ provide: APP_GUARD, useClass: ThrottlerGuard }`, or add `@UseGuards(ThrottlerGuard)` to the controller',
  nextjs:
    'Limit it in the handler (`const { success } = await ratelimit.limit(userIdOrIp)` with @upstash/ratelimit, answering 429 when it fails) or in a middleware.ts whose `config.matcher` covers the route',
  sveltekit:
    'Limit it in the `handle` hook of hooks.server.ts or at the top of the handler (`if (await limiter.isLimited(event)) error(429)` with sveltekit-rate-limiter, or @upstash/ratelimit answering 429)',
  fastapi:
    'Add slowapi\'s `@limiter.limit("10/minute")` under the route decorator (with `request: Request` in the signature), or `dependencies=[Depends(RateLimiter(times=10, seconds=60))]` (fastapi-limiter)',
  flask: 'Add `@limiter.limit("10 per minute")` (Flask-Limiter) under the route decorator, or `default_limits` on the `Limiter`',
  starlette: "Add a rate-limiting middleware to the app (slowapi's `SlowAPIMiddleware` with a `Limiter(default_limits=[...])`)",
  django: 'Add `@ratelimit(key="user_or_ip", rate="10/m", block=True)` (django-ratelimit) to the view, or `throttle_classes` for Django REST framework views',
  deno: 'Limit it at the top of the handler (`const { success } = await ratelimit.limit(userIdOrIp)` with @upstash/ratelimit, answering 429 when it fails)',
  workers: 'Limit it with a rate-limiting binding (`const { success } = await env.RATE_LIMITER.limit({ key: userIdOrIp })`, answering 429 when it fails) or a WAF rate-limiting rule on the route',
  vercel:
    'Limit it at the top of the function (`const { success } = await ratelimit.limit(userIdOrIp)` with @upstash/ratelimit, or `checkRateLimit` from @vercel/firewall, answering 429 when it fails)',
  netlify: "Limit it with a `rateLimit` entry in the function's `export const config` (Netlify rate limiting), or in the handler with @upstash/ratelimit, answering 429 when it fails",
  modal:
    'Limit it in the endpoint (count requests per caller in a `modal.Dict` or Redis and raise `HTTPException(429)`), or cap its concurrency (`max_containers`, `@modal.concurrent(max_inputs=...)`) and put a limiting gateway in front',
  bentoml: 'Limit it in the API (count requests per caller and raise an error answering 429), or put a limiting gateway in front of the service',
  'ray-serve': 'Limit it in the deployment (count requests per caller and answer 429), cap `max_ongoing_requests`, or put a limiting gateway in front of the Serve proxy',
  'cloud-functions': 'Limit it in the function (count requests per caller and answer 429), or put API Gateway or Cloud Armor rate limiting in front of it',
  lambda: 'Set throttling on the API Gateway route (`throttle: { rateLimit, burstLimit }` in serverless.yml, `ThrottlingRateLimit` in the SAM/CloudFormation stage) or a usage plan',
};

const AUTH_FIX: Record<Endpoint['framework'], string> = {
  express: "Add authentication middleware before the route (`app.use('/api', requireAuth)` with passport, express-jwt or a check that answers 401)",
  fastify: 'Verify the caller in an `onRequest` hook (`onRequest: [app.authenticate]` with @fastify/jwt) or register @fastify/bearer-auth',
  hono: "Add `app.use('/api/*', bearerAuth({ token }))` (or `jwt({ secret })`) before the route",
  koa: 'Add `app.use(jwt({ secret }))` (koa-jwt) before `app.use(router.routes())`',
  nestjs: "Add `@UseGuards(AuthGuard('jwt'))` to the controller, or provide a global `APP_GUARD` that authenticates",
  nextjs:
    'Call `auth()` (next-auth, or Clerk `auth()`, Supabase `getUser()`) in the handler and return 401 when there is no session, or add the route to a middleware.ts `config.matcher` that rejects unauthenticated requests',
  sveltekit:
    'Check the session at the top of the handler (`if (!locals.user) error(401, "Unauthorized")`, with `locals` filled in by the `handle` hook of hooks.server.ts), or reject unauthenticated requests for the route in that hook',
  fastapi: 'Add `Depends(get_current_user)` (a dependency on an OAuth2PasswordBearer, HTTPBearer or APIKeyHeader scheme that raises 401) to the route, or `dependencies=[Depends(...)]` to its router',
  flask: 'Add `@login_required` (Flask-Login) or `@jwt_required()` under the route decorator, or a `before_request` hook that aborts with 401',
  starlette: "Add `@requires('authenticated')` to the endpoint, with an `AuthenticationMiddleware` that checks credentials",
  django: 'Add `@login_required` to the view (`LoginRequiredMixin` for class-based views, `permission_classes = [IsAuthenticated]` for REST framework views)',
  deno: 'Check the caller at the top of the handler (for a Supabase function, `const { data: { user } } = await supabase.auth.getUser(token)` and return 401 without a user: the anon key the default JWT check accepts is public)',
  workers: 'Check the caller at the top of `fetch` (a JWT or API key compared in constant time, returning 401), or put Cloudflare Access in front of the route',
  vercel: 'Check the session or API key at the top of the function and return 401 when it is missing',
  netlify: 'Check the caller at the top of the function (Netlify Identity `context.clientContext.user`, a JWT or an API key) and return 401 when it is missing',
  modal: 'Require proxy auth (`requires_proxy_auth=True` on the web endpoint, callers sending Modal-Key/Modal-Secret), or check a bearer token in the endpoint and raise `HTTPException(401)`',
  bentoml: 'Check a token in the API (`ctx: bentoml.Context` headers) and raise an error answering 401, or put an authenticating gateway in front of the service',
  'ray-serve': 'Check a token in the deployment (`request.headers`) and answer 401, or put an authenticating gateway in front of the Serve proxy',
  'cloud-functions': 'Deploy it without `--allow-unauthenticated` (IAM invoker permission), or check an ID token in the function and answer 401',
  lambda: 'Add an authorizer to the API Gateway route (`authorizer:` in serverless.yml, `Auth: DefaultAuthorizer` in SAM: JWT, Cognito or a Lambda authorizer)',
};

/** How to add the missing control for the endpoint's framework. */
export function fixFor(ep: Endpoint, kind: ControlKind): string {
  if (ep.kind === 'server-action') {
    return kind === 'auth'
      ? 'Check the session at the top of the action (`const session = await auth(); if (!session) throw new Error("Unauthorized")`)'
      : 'Limit it at the top of the action (`const { success } = await ratelimit.limit(userId)` with @upstash/ratelimit, throwing when it fails)';
  }
  if (ep.methods.includes('WEBSOCKET')) {
    return kind === 'auth'
      ? 'Authenticate the caller before `await websocket.accept()` (a `Depends(...)` on the endpoint, or a token from the query string or first message checked in the handler, closing with code 1008 when it fails)'
      : 'Limit connections and messages per client in the handler (count per user or IP, closing with code 1008 over the limit), or limit the upgrade requests at a gateway in front of it';
  }
  return (kind === 'auth' ? AUTH_FIX : RATE_FIX)[ep.framework];
}
