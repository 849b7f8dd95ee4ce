import type { Node as TsNode } from 'ts-morph';
import type { Node as PyNode } from 'web-tree-sitter';
import type { Span } from '../../types.js';
import type { FunctionInfo } from '../inference/types.js';
import type { AppCommand, ServeCall } from './serving.js';

/**
 * Web frameworks whose routes modelguard finds, and platforms that serve a function as an HTTP
 * endpoint: `deno` (`Deno.serve`, std `serve`, Supabase Edge Functions), `workers` (a module's
 * default export with a `fetch` handler: Cloudflare Workers, Bun), `vercel` (functions under
 * `api/`), `netlify` (`netlify/functions`, `netlify/edge-functions`), `modal` (web endpoints),
 * `bentoml` (service APIs), `ray-serve` (deployments), `cloud-functions` (Google Cloud
 * Functions' `@functions_framework.http`), `lambda` (AWS Lambda handlers behind an API Gateway
 * route declared in serverless.yml or a SAM template).
 */
export type Framework =
  | 'express'
  | 'fastify'
  | 'hono'
  | 'koa'
  | 'nestjs'
  | 'nextjs'
  | 'sveltekit'
  | 'fastapi'
  | 'flask'
  | 'starlette'
  | 'django'
  | 'deno'
  | 'workers'
  | 'vercel'
  | 'netlify'
  | 'modal'
  | 'bentoml'
  | 'ray-serve'
  | 'cloud-functions'
  | 'lambda';

/** Platforms that publish each function they serve on the internet. */
export const PLATFORMS: ReadonlySet<Framework> = new Set<Framework>(['deno', 'workers', 'vercel', 'netlify', 'modal', 'bentoml', 'ray-serve', 'cloud-functions', 'lambda']);

/** Where a layer is attached, from the outside in. */
export type LayerLevel =
  /** The whole application: Nest global guards, Django `MIDDLEWARE`, DRF defaults, Next.js middleware. */
  | 'global'
  /** The application object: `app.use(...)`, `FastAPI(dependencies=...)`, `app.add_middleware`, Flask `before_request`. */
  | 'app'
  /** A router, blueprint, plugin context or controller. */
  | 'router'
  /** Where a router is mounted: `include_router(..., dependencies=)`, `app.use('/api', mw, router)`. */
  | 'mount'
  /** The route registration: middleware arguments, route options, `dependencies=` of the route decorator. */
  | 'route'
  /** The handler itself: decorators, dependency parameters, wrappers, mixins. */
  | 'handler';

export type LayerKind =
  /** Express/Koa/Hono middleware, ASGI/WSGI middleware classes, Next.js middleware. */
  | 'middleware'
  /** A Python decorator or a TS method decorator other than the route's own. */
  | 'decorator'
  /** FastAPI `Depends`/`Security` (parameters, `dependencies=`, `Annotated` aliases). */
  | 'dependency'
  /** NestJS guards (`@UseGuards`, `APP_GUARD`, `useGlobalGuards`). */
  | 'guard'
  /** Fastify hooks (`onRequest`, `preHandler`, ...), Flask `before_request`. */
  | 'hook'
  /** A registered plugin (`fastify.register(rateLimit)`). */
  | 'plugin'
  /** A call wrapping the handler (`withAuth(async (req) => ...)`, `asyncHandler(fn)`). */
  | 'wrapper'
  /** A base class of a class-based view (`LoginRequiredMixin`, DRF `APIView`). */
  | 'mixin'
  /** A setting that configures the framework (`permission_classes`, Django `MIDDLEWARE` entry, Fastify route `config`). */
  | 'setting';

/** Something that runs before the handler (or configures it) for a request to an endpoint. */
export interface Layer {
  level: LayerLevel;
  kind: LayerKind;
  /**
   * What it is, resolved where possible: `express-rate-limit#default()` (module#export, for TS
   * imports), `slowapi.Limiter().limit` (qualified Python name), `@nestjs/throttler#ThrottlerGuard`,
   * or the source text when unknown.
   */
  name: string;
  /** The source text, shortened, for messages. */
  text: string;
  file: string;
  span: Span;
  /** The code it is (absent for a setting read from a deployment file: an API Gateway authorizer). */
  node?: TsNode | PyNode;
  /** The repository function behind it (a middleware, a dependency, a hook, a decorator), when known. */
  fn?: FunctionInfo;
  /** For class-valued layers (a guard, a middleware class, a mixin): the class's file and node, when it is in the repository. */
  cls?: { path: string; node: TsNode | PyNode };
  /** The path filter it was registered with (`app.use('/api', mw)`), as written. */
  path?: string;
  /** Options it was registered or configured with (`register(rateLimit, { global: false })`, a route's `config.rateLimit`). */
  options?: TsNode | PyNode;
}

export interface Endpoint {
  framework: Framework;
  lang: 'ts' | 'python';
  /** Upper-case HTTP methods; `['*']` when the route answers every method. Server actions are `POST`. */
  methods: string[];
  /**
   * The full request path, prefixes of mounts, routers, controllers and blueprints included, in the
   * framework's own parameter syntax (`/api/chat/:id`, `/items/{item_id}`, `/api/chat/[id]`). A part
   * modelguard cannot compute is shown as written in angle brackets (`/<ROUTES.chat>`). Server actions
   * have no path of their own: theirs is the action's name.
   */
  path: string;
  /** `route` (an HTTP route) or `server-action` (a Next.js `"use server"` function, called by POST). */
  kind: 'route' | 'server-action';
  /**
   * False when the router or blueprint that holds the route was not found mounted anywhere (its
   * prefix, and the layers of the application above it, are unknown).
   */
  mounted: boolean;
  /** For messages: `POST /api/chat`, `GET|POST /v1/answer`, `server action summarize`. */
  label: string;
  /** Where the route is registered, and where findings about it point. */
  file: string;
  span: Span;
  /** The function that handles the request (for `reachableSites`); undefined when it is not in the repository. */
  handler?: FunctionInfo;
  /** For class-based views and controllers: the class. */
  className?: string;
  /** What runs before the handler or configures it, outermost first, in registration order. */
  layers: Layer[];
  /**
   * Layers of the enclosing apps and routers that do not run for this route, and why: registered
   * after it (Express, Hono, Koa), a path filter that does not cover it, or a Next.js middleware
   * whose `config.matcher` leaves it out. For messages ("the limiter is registered after the route").
   */
  skipped: SkippedLayer[];
  /** The Next.js application directory (`web` for `web/app/api/chat/route.ts`), or the Django project's root. */
  appRoot?: string;
  /** The application object the route belongs to, and how it is started (for its exposure). */
  app?: AppServing;
}

/** An application object (`FastAPI()`, `Flask(__name__)`, `express()`), where the code serves it and the commands that start it. */
export interface AppServing {
  file: string;
  /** Its creation. */
  span: Span;
  /** Calls in the code that start serving it (`uvicorn.run(app, host=...)`, `app.listen(port)`). */
  serves: ServeCall[];
  /**
   * Command lines that start it: `uvicorn pkg.main:app`, or `python -m pkg.main` / `python
   * main.py` for a module whose code serves it (then `serve` is that call).
   */
  commands: Array<{ command: AppCommand; serve?: ServeCall }>;
}

export interface SkippedLayer {
  layer: Layer;
  reason: 'after-route' | 'path-filter' | 'matcher';
}

/** A request path as segments, for matching paths of different syntaxes. */
export type PathSegment = { kind: 'static'; value: string } | { kind: 'param'; name: string } | { kind: 'rest'; name: string; optional: boolean };
