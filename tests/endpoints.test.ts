import { describe, expect, it } from 'vitest';
import { discover } from '../src/discovery/discover.js';
import { endpointInference, endpointsIn, filterCovers, joinPaths, nextMatcherCovers, projectEndpoints, samplePath, type Endpoint } from '../src/facts/endpoints/index.js';
import { ParserHost } from '../src/model/file-model.js';
import { ProjectModel } from '../src/model/project.js';
import { Grammars } from '../src/parse/tree-sitter.js';
import { tempRepo } from './helpers/run.js';

const grammars = await Grammars.load();

async function project(files: Record<string, string>): Promise<ProjectModel> {
  const root = tempRepo(files);
  const d = await discover({ root, paths: [], ignore: [], maxFileSize: 1 << 20 });
  return new ProjectModel(d, new ParserHost(grammars), {});
}

/** `METHOD path file:line handler` per endpoint, then its layers as `level/kind name`. */
function describeEndpoint(p: ProjectModel, e: Endpoint): string {
  const line = p.file(e.file)?.range(e.span).start.line ?? 0;
  const layers = e.layers.map((l) => `${l.level}/${l.kind} ${l.name}`);
  return [`${e.label} ${e.file}:${line} ${e.handler?.name ?? '-'}${e.mounted ? '' : ' (unmounted)'}`, ...layers.map((l) => `  ${l}`)].join('\n');
}

async function endpoints(files: Record<string, string>): Promise<string[]> {
  const p = await project(files);
  return projectEndpoints(p).map((e) => describeEndpoint(p, e));
}

async function labels(files: Record<string, string>): Promise<string[]> {
  const p = await project(files);
  return projectEndpoints(p).map((e) => e.label);
}

const OPENAI_LIB = `import OpenAI from "openai";
const client = new OpenAI();
export async function ask(prompt: string) {
  const r = await client.chat.completions.create({ model: "gpt-4o-2024-08-06", messages: [{ role: "user", content: prompt }] });
  return r.choices[0].message.content;
}
`;

const PY_LLM = `from openai import OpenAI
client = OpenAI()
def ask(prompt):
    return client.chat.completions.create(model="gpt-4o-2024-08-06", messages=[{"role": "user", "content": prompt}])
`;

describe('paths', () => {
  it('joins prefixes and route paths like routers do', () => {
    expect(joinPaths('/api', '/chat')).toBe('/api/chat');
    expect(joinPaths('/api/', '/chat/')).toBe('/api/chat/');
    expect(joinPaths('/', '/')).toBe('/');
    expect(joinPaths(undefined, 'chat/', '')).toBe('/chat/');
    expect(joinPaths()).toBe('/');
  });

  it('turns parameters of every syntax into a sample request path', () => {
    expect(samplePath('/api/chat/:id')).toBe('/api/chat/x');
    expect(samplePath('/items/{item_id}')).toBe('/items/x');
    expect(samplePath('/api/chat/[id]')).toBe('/api/chat/x');
    expect(samplePath('/u/<int:pk>/')).toBe('/u/x/');
    expect(samplePath('/docs/[...slug]')).toBe('/docs/x');
  });

  it('decides whether a middleware path filter covers every request of a route', () => {
    expect(filterCovers(undefined, '/api/chat')).toBe(true);
    expect(filterCovers('/api', '/api/chat')).toBe(true);
    expect(filterCovers('/api/', '/api/chat')).toBe(true);
    expect(filterCovers('/ap', '/api/chat')).toBe(false);
    expect(filterCovers('/api/*', '/api/chat')).toBe(true);
    expect(filterCovers('/v1/*', '/api/chat')).toBe(false);
    expect(filterCovers('/api/:v', '/api/chat')).toBe(true);
    // A filter that matches only some requests of the route does not cover it.
    expect(filterCovers('/api/admin', '/api/:section')).toBe(false);
    expect(filterCovers('/api/chat/extra', '/api/chat')).toBe(false);
  });

  it('reads Next.js matchers (path-to-regexp syntax, regex groups, negative lookaheads)', () => {
    expect(nextMatcherCovers('/api/summarize/:path*', '/api/summarize')).toBe(true);
    expect(nextMatcherCovers('/api/summarize/:path*', '/api/summarize/x/y')).toBe(true);
    expect(nextMatcherCovers('/api/summarize/:path*', '/api/chat')).toBe(false);
    expect(nextMatcherCovers('/api/:path+', '/api')).toBe(false);
    expect(nextMatcherCovers('/api/:path+', '/api/chat/[id]')).toBe(true);
    expect(nextMatcherCovers('/((?!api|_next/static|_next/image|favicon.ico).*)', '/api/chat')).toBe(false);
    expect(nextMatcherCovers('/((?!_next/static|_next/image|favicon.ico).*)', '/api/chat')).toBe(true);
    expect(nextMatcherCovers('/(api|trpc)(.*)', '/api/chat')).toBe(true);
    expect(nextMatcherCovers('/dashboard/:id', '/dashboard/x')).toBe(true);
  });
});

describe('Express', () => {
  const base = {
    'package.json': '{"dependencies":{"express":"^4","express-rate-limit":"^7","openai":"^4"}}',
    'src/lib/llm.ts': OPENAI_LIB,
  };

  it('mounts routers across files, with the middleware registered before each mount, in order', async () => {
    const files = {
      ...base,
      'src/routes/chat.ts': `import { Router } from "express";
import { ask } from "../lib/llm";
import { requireAuth } from "../auth";
const router = Router();
router.use(requireAuth);
router.post("/chat", async (req, res) => {
  res.json({ reply: await ask(req.body.prompt) });
});
router.route("/items/:id").get((req, res) => res.json({})).post(update);
function update(req: any, res: any) { res.json({}); }
export default router;
`,
      'src/auth.ts': `export function requireAuth(req: any, res: any, next: any) {
  if (!req.headers.authorization) return res.status(401).end();
  next();
}
`,
      'src/app.ts': `import express from "express";
import rateLimit from "express-rate-limit";
import chat from "./routes/chat";
const app = express();
const limiter = rateLimit({ windowMs: 60_000, limit: 20 });
app.use(express.json());
app.use("/api", limiter, chat);
app.use(rateLimit({ windowMs: 1000, limit: 1 }));
app.get("/health", (_req, res) => res.send("ok"));
app.listen(3000);
`,
    };
    expect(await endpoints(files)).toEqual([
      'GET /health src/app.ts:9 <anonymous@9>\n  app/middleware express#default.json()\n  app/middleware express-rate-limit#default()',
      'POST /api/chat src/routes/chat.ts:6 <anonymous@6>\n  app/middleware express#default.json()\n  mount/middleware express-rate-limit#default()\n  router/middleware src/auth.ts#requireAuth',
      'POST /api/items/:id src/routes/chat.ts:9 update\n  app/middleware express#default.json()\n  mount/middleware express-rate-limit#default()\n  router/middleware src/auth.ts#requireAuth',
      'GET /api/items/:id src/routes/chat.ts:9 <anonymous@9>\n  app/middleware express#default.json()\n  mount/middleware express-rate-limit#default()\n  router/middleware src/auth.ts#requireAuth',
    ]);
  });

  it('applies a limiter registered with app.use before the routes, not one registered after them', async () => {
    const p = await project({
      ...base,
      'server.js': `const express = require("express");
const rateLimit = require("express-rate-limit");
const { ask } = require("./src/lib/llm");
const app = express();
app.post("/early", async (req, res) => res.json(await ask("a")));
app.use(rateLimit({ windowMs: 60000, limit: 10 }));
app.post("/late", async (req, res) => res.json(await ask("b")));
module.exports = app;
`,
    });
    const eps = projectEndpoints(p);
    expect(eps.map((e) => `${e.label}: ${e.layers.map((l) => l.name).join(',')}`)).toEqual(['POST /early: ', 'POST /late: express-rate-limit#*()']);
    expect(eps.map((e) => e.skipped.map((x) => `${x.reason} ${x.layer.name}`))).toEqual([['after-route express-rate-limit#*()'], []]);
    expect(eps.map((e) => endpointInference(p, e).length)).toEqual([1, 1]);
  });

  it('follows a route into inference through several modules, up to eight calls deep', async () => {
    // report -> agent.run -> ... -> llm.ask: a research agent's layers, one module each.
    const hops = 7;
    const files: Record<string, string> = {
      'app/llm.py':
        'from openai import OpenAI\n\nclient = OpenAI()\n\n\ndef ask(prompt: str) -> str:\n    return client.chat.completions.create(model="gpt-4o-2024-08-06", messages=[{"role": "user", "content": prompt}]).choices[0].message.content\n',
    };
    for (let i = 0; i < hops; i++) {
      const next = i === hops - 1 ? 'from app.llm import ask as step_next' : `from app.step${i + 1} import step${i + 1} as step_next`;
      files[`app/step${i}.py`] = `${next}\n\n\nasync def step${i}(query: str) -> str:\n    return await step_next(query)\n`;
    }
    files['app/main.py'] =
      `from fastapi import FastAPI\nfrom app.step0 import step0\nfrom app.step3 import step3\n\napp = FastAPI()\n\n\n@app.post("/report")\nasync def report(q: str):\n    return {"text": await step0(q)}\n\n\n@app.post("/short")\nasync def short(q: str):\n    return {"text": await step3(q)}\n`;
    const p = await project(files);
    const eps = projectEndpoints(p);
    expect(
      eps.map(
        (e) =>
          `${e.label} ${endpointInference(p, e)
            .map((r) => r.via.length)
            .join(',')}`,
      ),
    ).toEqual(['POST /report 8', 'POST /short 5']);
    // The bound holds: with a smaller depth the long chain is not followed.
    expect(eps.map((e) => endpointInference(p, e, 7).length)).toEqual([0, 1]);
  });

  it('follows an app passed to route modules, handlers named in other files, and wrappers', async () => {
    const files = {
      ...base,
      'src/app.ts': `import express from "express";
import { registerAdmin } from "./admin";
import { chatHandler } from "./handlers";
import asyncHandler from "express-async-handler";
import { ROUTES } from "./routes";
export const app = express();
app.post("/chat", asyncHandler(chatHandler));
app.post(ROUTES.complete, chatHandler);
registerAdmin(app);
`,
      'src/handlers.ts': `import { ask } from "./lib/llm";
export async function chatHandler(req: any, res: any) { res.json(await ask(req.body.q)); }
`,
      'src/admin.ts': `import type { Express } from "express";
import { ask } from "./lib/llm";
export function registerAdmin(app: Express) {
  app.post("/admin/run", async (req, res) => res.json(await ask("x")));
}
`,
    };
    const p = await project(files);
    const eps = projectEndpoints(p);
    expect(eps.map((e) => describeEndpoint(p, e))).toEqual([
      'POST /admin/run src/admin.ts:4 <anonymous@4>',
      'POST /chat src/app.ts:7 chatHandler\n  handler/wrapper express-async-handler#default',
      // A path modelguard cannot compute is shown as written.
      'POST /<ROUTES.complete> src/app.ts:8 chatHandler',
    ]);
    expect(eps.map((e) => endpointInference(p, e).map((r) => `${r.site.path}:${r.via.map((v) => v.to.name).join('>')}`))).toEqual([
      ['src/lib/llm.ts:ask'],
      ['src/lib/llm.ts:ask'],
      ['src/lib/llm.ts:ask'],
    ]);
  });

  it('mounts CommonJS routers required inline and routers of namespace imports', async () => {
    expect(
      await labels({
        'package.json': '{"dependencies":{"express":"^4"}}',
        'routes/chat.js': 'const express = require("express");\nconst router = express.Router();\nrouter.post("/chat", (req, res) => res.json({}));\nmodule.exports = router;\n',
        'routes/misc.ts': 'import { Router } from "express";\nexport const router = Router();\nrouter.get("/misc", (req, res) => res.json({}));\n',
        'index.js': 'const express = require("express");\nimport * as misc from "./routes/misc";\nconst app = express();\napp.use("/api", require("./routes/chat"));\napp.use("/m", misc.router);\n',
      }),
    ).toEqual(['POST /api/chat', 'GET /m/misc']);
  });

  it('is not fooled by HTTP clients, maps and settings getters', async () => {
    expect(
      await labels({
        ...base,
        'src/client.ts': `import axios from "axios";
import express from "express";
const app = express();
const cache = new Map<string, string>();
export async function run() {
  await axios.post("/api/chat", { q: 1 });
  cache.get("x");
  app.get("env");
  await fetch("/api/chat", { method: "POST" });
}
`,
      }),
    ).toEqual([]);
  });
});

describe('Fastify', () => {
  it('prefixes registered plugins, resolves fastify.decorate hooks, reads route options and shorthand routes', async () => {
    expect(
      await endpoints({
        'package.json': '{"dependencies":{"fastify":"^4","@fastify/rate-limit":"^9","fastify-plugin":"^4","openai":"^4"}}',
        'src/llm.ts': 'import OpenAI from "openai";\nexport const openai = new OpenAI();\n',
        'src/routes/chat.ts': `import type { FastifyPluginAsync } from "fastify";
import { openai } from "../llm";
const chatRoutes: FastifyPluginAsync = async (app) => {
  app.post("/chat", { onRequest: [app.authenticate], config: { rateLimit: { max: 5, timeWindow: "1 minute" } } }, async () => {
    return openai.chat.completions.create({ model: "gpt-4o-2024-08-06", messages: [] });
  });
  app.route({ method: ["POST", "PUT"], url: "/complete", preHandler: app.authenticate, handler: async () => openai.completions.create({ model: "x", prompt: "y" }) });
};
export default chatRoutes;
`,
        'src/server.ts': `import Fastify from "fastify";
import rateLimit from "@fastify/rate-limit";
import auth from "./plugins/auth";
import chatRoutes from "./routes/chat";
const app = Fastify({ logger: true });
await app.register(rateLimit, { global: false });
await app.register(auth);
await app.register(chatRoutes, { prefix: "/v1" });
app.get("/health", async () => "ok");
`,
        'src/plugins/auth.ts': `import fp from "fastify-plugin";
import type { FastifyInstance } from "fastify";
export default fp(async function auth(fastify: FastifyInstance) {
  fastify.decorate("authenticate", async (request: any, reply: any) => {
    try { await request.jwtVerify(); } catch (err) { reply.code(401).send(err); }
  });
  fastify.addHook("onRequest", async () => {});
});
`,
      }),
    ).toEqual([
      'POST /v1/chat src/routes/chat.ts:4 <anonymous@4>\n  app/plugin @fastify/rate-limit#default\n  app/hook src/plugins/auth.ts#<anonymous@7>\n  route/hook src/plugins/auth.ts#<anonymous@4>\n  route/setting fastify:config.rateLimit',
      'POST|PUT /v1/complete src/routes/chat.ts:7 handler\n  app/plugin @fastify/rate-limit#default\n  app/hook src/plugins/auth.ts#<anonymous@7>\n  route/hook src/plugins/auth.ts#<anonymous@4>',
      'GET /health src/server.ts:9 <anonymous@9>\n  app/plugin @fastify/rate-limit#default\n  app/hook src/plugins/auth.ts#<anonymous@7>',
    ]);
  });

  it('@fastify/autoload: folders give prefixes (`_id` a parameter), options.prefix, dirNameRoutePrefix: false; the root plugin of fastify-cli is the app', async () => {
    expect(
      await endpoints({
        'package.json': '{"scripts":{"start":"fastify start -l info app.js"},"dependencies":{"fastify":"^5","@fastify/autoload":"^6","fastify-plugin":"^5"}}',
        'app.js': `const path = require('node:path')
const AutoLoad = require('@fastify/autoload')
module.exports = async function (fastify, opts) {
  fastify.register(AutoLoad, { dir: path.join(__dirname, 'plugins') })
  fastify.register(AutoLoad, { dir: path.join(__dirname, 'routes'), options: Object.assign({ prefix: '/api' }, opts) })
  fastify.register(AutoLoad, { dir: path.join(__dirname, 'flat'), dirNameRoutePrefix: false })
}
`,
        'plugins/guard.js': `const fp = require('fastify-plugin')
module.exports = fp(async function (fastify) {
  fastify.addHook('onRequest', async (request) => { await request.jwtVerify() })
})
`,
        'routes/root.js': "module.exports = async function (fastify) { fastify.get('/', async () => ({ ok: true })) }\n",
        'routes/docs/_id/index.js': "module.exports = async function (fastify) { fastify.post('/summary', async () => ({})) }\n",
        'flat/v2/extra.js': "module.exports = async function (app) { app.post('/extra', async () => ({})) }\n",
      }),
    ).toEqual([
      'POST /extra flat/v2/extra.js:1 <anonymous@1>\n  app/hook plugins/guard.js#<anonymous@3>',
      'POST /api/docs/:id/summary routes/docs/_id/index.js:1 <anonymous@1>\n  app/hook plugins/guard.js#<anonymous@3>',
      'GET /api/ routes/root.js:1 <anonymous@1>\n  app/hook plugins/guard.js#<anonymous@3>',
    ]);
  });

  it('a handler reaches functions decorated onto the instance (`fastify.x()`, `request.server.x()`), not same-named methods of other objects', async () => {
    const p = await project({
      'package.json': '{"dependencies":{"fastify":"^5","fastify-plugin":"^5","ollama":"^0.5"}}',
      'src/plugins/llm.ts': `import fp from "fastify-plugin";
import ollama from "ollama";
export default fp(async (fastify) => {
  fastify.decorate("reply", async (text: string) => (await ollama.chat({ model: "llama3.2:3b", messages: [{ role: "user", content: text }] })).message.content);
});
`,
      'src/server.ts': `import Fastify from "fastify";
import llm from "./plugins/llm";
const app = Fastify();
await app.register(llm);
app.post("/a", async (req) => ({ text: await app.reply(String(req.body)) }));
app.post("/b", async (request) => ({ text: await request.server.reply(String(request.body)) }));
app.post("/c", async (req, res) => res.reply(String(req.body)));
`,
    });
    expect(
      projectEndpoints(p).map(
        (e) =>
          `${e.label} ${endpointInference(p, e)
            .map((r) => r.via.map((v) => v.to.name).join('>'))
            .join(',')}`,
      ),
    ).toEqual(['POST /a reply', 'POST /b reply', 'POST /c ']);
  });
});

describe('Hono and Koa', () => {
  it('Hono: use() patterns in order, basePath, route() mounts, on()', async () => {
    expect(
      await endpoints({
        'package.json': '{"dependencies":{"hono":"^4","hono-rate-limiter":"^0.4"}}',
        'src/index.ts': `import { Hono } from "hono";
import { rateLimiter } from "hono-rate-limiter";
import { bearerAuth } from "hono/bearer-auth";
const app = new Hono();
const api = new Hono().basePath("/api");
app.post("/early", (c) => c.text("e"));
app.use("/v1/*", rateLimiter({ windowMs: 60000, limit: 10, keyGenerator: (c) => c.req.header("x-forwarded-for") ?? "" }));
app.use("/v1/*", bearerAuth({ token: "t" }));
app.post("/v1/chat", (c) => c.text("c"));
app.post("/v2/chat", (c) => c.text("c"));
api.post("/gen", (c) => c.text("g"));
const sub = new Hono();
sub.post("/x", (c) => c.text("x"));
app.route("/sub", sub);
app.on(["POST", "PUT"], "/multi", (c) => c.text("m"));
export default app;
`,
      }),
    ).toEqual([
      'POST /early src/index.ts:6 <anonymous@6>',
      'POST /v1/chat src/index.ts:9 <anonymous@9>\n  app/middleware hono-rate-limiter#rateLimiter()\n  app/middleware hono/bearer-auth#bearerAuth()',
      'POST /v2/chat src/index.ts:10 <anonymous@10>',
      'POST /api/gen src/index.ts:11 <anonymous@11>',
      'POST /sub/x src/index.ts:13 <anonymous@13>',
      'POST|PUT /multi src/index.ts:15 <anonymous@15>',
    ]);
  });

  it('Koa: router prefixes, routes() mounted on the app, middleware order', async () => {
    expect(
      await endpoints({
        'package.json': '{"dependencies":{"koa":"^2","@koa/router":"^12","koa-ratelimit":"^5"}}',
        'src/index.ts': `import Koa from "koa";
import Router from "@koa/router";
import ratelimit from "koa-ratelimit";
const app = new Koa();
const router = new Router({ prefix: "/api" });
router.post("/chat", async (ctx) => { ctx.body = "x"; });
router.get("named", "/named", async (ctx) => { ctx.body = "x"; });
app.use(ratelimit({ driver: "memory", db: new Map(), duration: 60000, max: 100 }));
app.use(router.routes()).use(router.allowedMethods());
app.use(async (ctx, next) => next());
app.listen(3000);
`,
      }),
    ).toEqual(['POST /api/chat src/index.ts:6 <anonymous@6>\n  app/middleware koa-ratelimit#default()', 'GET /api/named src/index.ts:7 <anonymous@7>\n  app/middleware koa-ratelimit#default()']);
  });
});

describe('NestJS', () => {
  it('controllers with the global prefix, global APP_GUARD providers, controller and method decorators', async () => {
    const p = await project({
      'package.json': '{"dependencies":{"@nestjs/common":"^10","@nestjs/core":"^10","@nestjs/throttler":"^5","@nestjs/passport":"^10","openai":"^4"}}',
      'src/main.ts': `import { NestFactory } from "@nestjs/core";
import { AppModule } from "./app.module";
async function bootstrap() {
  const app = await NestFactory.create(AppModule);
  app.setGlobalPrefix("api");
  await app.listen(3000);
}
bootstrap();
`,
      'src/app.module.ts': `import { Module } from "@nestjs/common";
import { APP_GUARD } from "@nestjs/core";
import { ThrottlerGuard, ThrottlerModule } from "@nestjs/throttler";
import { ChatController } from "./chat/chat.controller";
@Module({
  imports: [ThrottlerModule.forRoot([{ ttl: 60000, limit: 10 }])],
  controllers: [ChatController],
  providers: [{ provide: APP_GUARD, useClass: ThrottlerGuard }],
})
export class AppModule {}
`,
      'src/chat/chat.service.ts': `import { Injectable } from "@nestjs/common";
import OpenAI from "openai";
@Injectable()
export class ChatService {
  private readonly openai = new OpenAI();
  async reply(prompt: string) {
    return this.openai.chat.completions.create({ model: "gpt-4o-2024-08-06", messages: [{ role: "user", content: prompt }] });
  }
}
`,
      'src/auth/jwt.guard.ts': `import { Injectable } from "@nestjs/common";
import { AuthGuard } from "@nestjs/passport";
@Injectable()
export class JwtAuthGuard extends AuthGuard("jwt") {}
`,
      'src/chat/chat.controller.ts': `import { Body, Controller, Get, Post, UseGuards } from "@nestjs/common";
import { SkipThrottle, Throttle } from "@nestjs/throttler";
import { JwtAuthGuard } from "../auth/jwt.guard";
import { ChatService } from "./chat.service";
@Controller("chat")
@UseGuards(JwtAuthGuard)
export class ChatController {
  constructor(private readonly chat: ChatService) {}
  @Post()
  @Throttle({ default: { limit: 3, ttl: 60000 } })
  async create(@Body() body: { prompt: string }) {
    return { reply: await this.chat.reply(body.prompt) };
  }
  @SkipThrottle()
  @Get("history/:id")
  history() { return []; }
}
`,
    });
    const eps = projectEndpoints(p);
    expect(eps.map((e) => describeEndpoint(p, e))).toEqual([
      'POST /api/chat src/chat/chat.controller.ts:9 ChatController.create\n  global/guard @nestjs/throttler#ThrottlerGuard\n  router/guard src/auth/jwt.guard.ts#JwtAuthGuard\n  handler/decorator @nestjs/throttler#Throttle',
      'GET /api/chat/history/:id src/chat/chat.controller.ts:15 ChatController.history\n  global/guard @nestjs/throttler#ThrottlerGuard\n  router/guard src/auth/jwt.guard.ts#JwtAuthGuard\n  handler/decorator @nestjs/throttler#SkipThrottle',
    ]);
    expect(eps.map((e) => endpointInference(p, e).length)).toEqual([1, 0]);
  });
});

describe('Next.js', () => {
  const pkg = { 'package.json': '{"dependencies":{"next":"15","openai":"^4","ai":"^4","@ai-sdk/openai":"^1"}}' };

  it('app router routes (route groups, dynamic segments, src/), wrapped handlers, pages API methods, server actions', async () => {
    const p = await project({
      ...pkg,
      'src/lib/llm.ts': OPENAI_LIB,
      'src/lib/wrap.ts': 'export function withLogging(h: (r: Request) => Promise<Response>) { return async (r: Request) => h(r); }\n',
      'src/app/(chat)/api/chat/[id]/route.ts': `import { ask } from "@/lib/llm";
import { withLogging } from "@/lib/wrap";
export const POST = withLogging(async (req: Request) => Response.json(await ask("x")));
export async function GET() { return Response.json({}); }
export const runtime = "nodejs";
`,
      'src/app/api/_lib/route.ts': 'export async function POST() { return Response.json({}); }\n',
      'src/app/api/complete/route.ts': 'export { POST } from "@/lib/handlers";\n',
      'src/lib/handlers.ts': 'import { ask } from "./llm";\nexport async function POST(req: Request) { return Response.json(await ask(await req.text())); }\n',
      'src/app/api/auth/[...nextauth]/route.ts': 'import { handlers } from "@/auth";\nexport const { GET, POST } = handlers;\n',
      'src/pages/api/v1/index.ts': `import type { NextApiRequest, NextApiResponse } from "next";
import { ask } from "../../../lib/llm";
export default async function handler(req: NextApiRequest, res: NextApiResponse) {
  if (req.method !== "POST") return res.status(405).end();
  res.json(await ask(req.body.prompt));
}
`,
      'src/pages/api/items.ts': `export default function handler(req: any, res: any) {
  switch (req.method) { case "GET": return res.json([]); case "DELETE": return res.end(); }
}
`,
      'src/app/actions.ts': `"use server";
import { generateText } from "ai";
import { openai } from "@ai-sdk/openai";
export async function summarize(text: string) {
  const { text: out } = await generateText({ model: openai("gpt-4o-2024-08-06"), prompt: text });
  return out;
}
`,
      'src/app/summary-form.tsx': `"use client";
import { summarize } from "./actions";
export function SummaryForm() { return <form action={async (f: FormData) => { await summarize(String(f.get("t"))); }} />; }
`,
      // Called only by server code: Next.js gives it no action id, so it is no endpoint.
      'src/app/internal-actions.ts': `"use server";
import { ask } from "@/lib/llm";
export async function titleFor(text: string) { return ask(text); }
`,
      'src/app/api/title/route.ts': 'import { titleFor } from "@/app/internal-actions";\nexport async function POST(req: Request) { return Response.json(await titleFor(await req.text())); }\n',
      'src/app/page.tsx': `export default function Page() {
  async function save(form: FormData) { "use server"; return form.get("x"); }
  return <form action={save} />;
}
`,
    });
    const eps = projectEndpoints(p);
    expect(eps.map((e) => describeEndpoint(p, e))).toEqual([
      'POST /api/chat/[id] src/app/(chat)/api/chat/[id]/route.ts:3 POST\n  handler/wrapper src/lib/wrap.ts#withLogging',
      'GET /api/chat/[id] src/app/(chat)/api/chat/[id]/route.ts:4 GET',
      'server action summarize src/app/actions.ts:4 summarize',
      'GET /api/auth/[...nextauth] src/app/api/auth/[...nextauth]/route.ts:2 -',
      'POST /api/auth/[...nextauth] src/app/api/auth/[...nextauth]/route.ts:2 -',
      'POST /api/complete src/app/api/complete/route.ts:1 POST',
      'POST /api/title src/app/api/title/route.ts:2 POST',
      'server action save src/app/page.tsx:2 save',
      'DELETE|GET /api/items src/pages/api/items.ts:1 handler',
      'POST /api/v1 src/pages/api/v1/index.ts:3 handler',
    ]);
    expect(eps.map((e) => endpointInference(p, e).length)).toEqual([1, 0, 1, 0, 0, 1, 1, 0, 0, 1]);
  });

  it('puts middleware.ts on the routes its matcher covers, and only those', async () => {
    const files = {
      ...pkg,
      'web/package.json': '{"dependencies":{"next":"15","next-auth":"5.0.0-beta.25"}}',
      'web/auth.ts': 'import NextAuth from "next-auth";\nexport const { handlers, auth } = NextAuth({ providers: [] });\n',
      'web/middleware.ts': `import { NextResponse } from "next/server";
import { auth } from "@/auth";
export default auth((req) => {
  if (!req.auth) return NextResponse.json({ error: "unauthorized" }, { status: 401 });
  return NextResponse.next();
});
export const config = { matcher: ["/api/summarize/:path*", { source: "/api/admin/:path*", has: [{ type: "header", key: "x-admin" }] }] };
`,
      'web/app/api/summarize/route.ts': 'export async function POST() { return Response.json({}); }\n',
      'web/app/api/chat/route.ts': 'export async function POST() { return Response.json({}); }\n',
      'web/app/api/admin/route.ts': 'export async function POST() { return Response.json({}); }\n',
    };
    const p = await project(files);
    expect(projectEndpoints(p).map((e) => e.skipped.map((x) => `${x.reason} ${x.layer.file}`).join())).toEqual(['matcher web/middleware.ts', 'matcher web/middleware.ts', '']);
    expect(await endpoints(files)).toEqual([
      'POST /api/admin web/app/api/admin/route.ts:1 POST',
      'POST /api/chat web/app/api/chat/route.ts:1 POST',
      'POST /api/summarize web/app/api/summarize/route.ts:1 POST\n  global/middleware next-auth#default().auth()',
    ]);
  });

  it('finds no routes outside a Next.js project', async () => {
    expect(await labels({ 'app/api/chat/route.ts': 'export async function POST() { return 1; }\n' })).toEqual([]);
  });
});

describe('FastAPI', () => {
  it('includes routers across modules with prefixes and router-, mount-, route- and handler-level dependencies', async () => {
    const p = await project({
      'requirements.txt': 'fastapi\nslowapi\nopenai\nfastapi-limiter\n',
      'app/__init__.py': '',
      'app/routers/__init__.py': '',
      'app/core/__init__.py': '',
      'app/core/llm.py': PY_LLM,
      'app/deps.py': `from typing import Annotated
from fastapi import Depends, HTTPException
from fastapi.security import OAuth2PasswordBearer
oauth2 = OAuth2PasswordBearer(tokenUrl="token")
def get_current_user(token: Annotated[str, Depends(oauth2)]):
    if not token:
        raise HTTPException(status_code=401)
    return token
CurrentUser = Annotated[str, Depends(get_current_user)]
def verify_key():
    pass
`,
      'app/routers/chat.py': `from fastapi import APIRouter, Depends
from fastapi_limiter.depends import RateLimiter
from app.core.llm import ask
from app.deps import CurrentUser, get_current_user
router = APIRouter(prefix="/chat", dependencies=[Depends(get_current_user)])
@router.post("/", dependencies=[Depends(RateLimiter(times=2, seconds=5))])
async def chat(prompt: str, user: CurrentUser):
    return {"reply": ask(prompt)}
@router.get("/ping")
def ping():
    return "pong"
`,
      'app/routers/public.py': `from fastapi import APIRouter
from ..core import llm
public = APIRouter()
@public.post("/complete")
def complete(prompt: str):
    return llm.ask(prompt)
def plain(prompt: str):
    return llm.ask(prompt)
public.add_api_route("/plain", plain, methods=["POST"])
`,
      'app/main.py': `from fastapi import Depends, FastAPI
from slowapi import Limiter
from slowapi.middleware import SlowAPIMiddleware
from slowapi.util import get_remote_address
from .deps import verify_key
from .routers import chat
from .routers.public import public as public_router
limiter = Limiter(key_func=get_remote_address, default_limits=["10/minute"])
app = FastAPI()
app.state.limiter = limiter
app.add_middleware(SlowAPIMiddleware)
app.include_router(chat.router, prefix="/api/v1")
app.include_router(public_router, prefix="/public", dependencies=[Depends(verify_key)])
@app.middleware("http")
async def log_requests(request, call_next):
    return await call_next(request)
`,
    });
    const eps = projectEndpoints(p);
    expect(eps.map((e) => describeEndpoint(p, e))).toEqual([
      'POST /api/v1/chat/ app/routers/chat.py:6 chat\n  app/middleware slowapi.middleware.SlowAPIMiddleware\n  app/middleware app/main.py#log_requests\n  router/dependency app/deps.py#get_current_user\n  route/dependency fastapi_limiter.depends.RateLimiter()\n  handler/dependency app/deps.py#get_current_user',
      'GET /api/v1/chat/ping app/routers/chat.py:9 ping\n  app/middleware slowapi.middleware.SlowAPIMiddleware\n  app/middleware app/main.py#log_requests\n  router/dependency app/deps.py#get_current_user',
      'POST /public/complete app/routers/public.py:4 complete\n  app/middleware slowapi.middleware.SlowAPIMiddleware\n  app/middleware app/main.py#log_requests\n  mount/dependency app/deps.py#verify_key',
      'POST /public/plain app/routers/public.py:9 plain\n  app/middleware slowapi.middleware.SlowAPIMiddleware\n  app/middleware app/main.py#log_requests\n  mount/dependency app/deps.py#verify_key',
    ]);
    expect(eps.map((e) => endpointInference(p, e).length)).toEqual([1, 0, 1, 1]);
  });

  it('reads the demo service: routes of the app module, slowapi decorators below the route decorator, Depends parameters', async () => {
    expect(
      await endpoints({
        'svc/main.py': `from fastapi import Depends, FastAPI, Request
from slowapi import Limiter
from slowapi.util import get_remote_address
from .auth import get_current_user
limiter = Limiter(key_func=get_remote_address)
app = FastAPI()
@limiter.limit("1/second")
@app.get("/outer")
def outer(request: Request):
    return {}
@app.post("/v1/answer")
@limiter.limit("10/minute")
def answer(request: Request, user=Depends(get_current_user)):
    return {}
`,
        'svc/auth.py': 'def get_current_user():\n    return None\n',
        'svc/__init__.py': '',
      }),
    ).toEqual(['GET /outer svc/main.py:8 outer', 'POST /v1/answer svc/main.py:11 answer\n  handler/decorator slowapi.Limiter().limit()\n  handler/dependency svc/auth.py#get_current_user']);
  });

  it('is not fooled by HTTP clients and look-alike decorators', async () => {
    expect(
      await labels({
        'client.py': `import requests
from functools import lru_cache
class Thing:
    def post(self, path):
        return path
thing = Thing()
@lru_cache()
def f():
    return requests.post("http://x/api/chat", json={})
`,
      }),
    ).toEqual([]);
  });
  it('WebSocket routes (decorator, add_api_websocket_route), and routes shadowed by an earlier route of the same path and methods', async () => {
    expect(
      await labels({
        'ws.py': `from fastapi import FastAPI, WebSocket
app = FastAPI()
@app.websocket("/ws")
async def sock(websocket: WebSocket):
    await websocket.accept()
async def other(websocket: WebSocket):
    await websocket.accept()
app.add_api_websocket_route("/ws2", other)
@app.post("/items/{item_id}")
def first(item_id: str):
    return item_id
@app.post("/items/{item_id}")
def second(item_id: str):
    return item_id
@app.put("/items/{item_id}")
def third(item_id: str):
    return item_id
`,
      }),
    ).toEqual(['WEBSOCKET /ws', 'WEBSOCKET /ws2', 'POST /items/{item_id}', 'PUT /items/{item_id}']);
  });
});

describe('requests to endpoints of the repository', () => {
  it('an API server that forwards to a worker route reaches what the worker route reaches, one hop, matching method and path', async () => {
    const p = await project({
      'llm.py': PY_LLM,
      'worker.py': `from fastapi import FastAPI, Request
from llm import ask
app = FastAPI()
@app.post("/worker/{model}/generate")
async def generate(model: str, request: Request):
    return ask((await request.json())["prompt"])
@app.post("/worker/status")
async def status():
    return {"ok": True}
`,
      'gateway.py': `import os
import httpx
import requests
from fastapi import FastAPI
WORKER = os.environ["WORKER_URL"]
app = FastAPI()
def post_json(url, body):
    return requests.post(url, json=body, timeout=30).json()
@app.post("/v1/generate")
async def gen(body: dict):
    async with httpx.AsyncClient() as client:
        r = await client.post(f"{WORKER}/worker/llama/generate", json=body)
    return r.json()
@app.post("/v1/generate-sync")
def gen_sync(body: dict):
    return post_json(WORKER + "/worker/llama/generate", body)
@app.get("/v1/status")
def st():
    return post_json(WORKER + "/worker/status", {})
@app.get("/v1/wrong-method")
def wrong():
    return requests.get(WORKER + "/worker/llama/generate").json()
`,
    });
    const eps = projectEndpoints(p).filter((e) => e.file === 'gateway.py');
    expect(eps.map((e) => [e.label, endpointInference(p, e).map((r) => r.via.map((v) => v.to.name).join('>'))])).toEqual([
      ['POST /v1/generate', ['POST /worker/{model}/generate>ask']],
      // The helper posts to the URL it is given: the request is its call.
      ['POST /v1/generate-sync', ['POST /worker/{model}/generate>ask']],
      ['GET /v1/status', []],
      ['GET /v1/wrong-method', []],
    ]);
  });
});

describe('requests passed on to a model server', () => {
  it('a router handing its path down to a proxy several calls deep reaches the model API it forwards to; other paths, GET and unknown paths do not', async () => {
    const p = await project({
      'svc/__init__.py': '',
      'svc/pool.py': `import random
UPSTREAMS = ["http://a:8000", "http://b:8000"]
def choose():
    return random.choice(UPSTREAMS)
`,
      'svc/relay.py': `from svc.pool import choose
async def send(request, payload, base, endpoint):
    async with request.app.state.http().request(method=request.method, url=base + endpoint, data=payload) as r:
        async for chunk in r.content.iter_any():
            yield chunk
async def route_to_backend(request, endpoint):
    body = await request.body()
    return send(request, body, choose(), endpoint)
async def by_incoming_path(request):
    target = f"{choose()}{request.url.path}"
    return send_raw(request, target)
def send_raw(request, target):
    return request.app.state.client.build_request(request.method, target)
`,
      'svc/api.py': `from fastapi import APIRouter, Request
from svc.relay import by_incoming_path, route_to_backend
router = APIRouter()
@router.post("/v1/chat/completions")
async def chat(request: Request):
    return await route_to_backend(request, "/v1/chat/completions")
@router.post("/v1/embeddings")
async def embed(request: Request):
    return await route_to_backend(request, endpoint="/v1/embeddings")
@router.post("/detokenize")
async def detok(request: Request):
    return await route_to_backend(request, "/detokenize")
@router.post("/v1/completions")
async def complete(request: Request):
    return await by_incoming_path(request)
@router.get("/v1/models")
async def models(request: Request):
    return await by_incoming_path(request)
@router.post("/api/chat")
async def ambiguous(request: Request):
    # An ordinary app path on a host that says nothing: not known to be a model API.
    return await by_incoming_path(request)
`,
    });
    const eps = projectEndpoints(p).filter((e) => e.file === 'svc/api.py');
    const rows = eps.map((e) => [e.label, endpointInference(p, e).map((r) => `${r.site.api} ${r.site.url} via ${r.via.map((v) => v.to.name).join('>')}`)]);
    expect(rows).toEqual([
      ['POST /v1/chat/completions', ['POST /v1/chat/completions {base}/v1/chat/completions via route_to_backend>send']],
      ['POST /v1/embeddings', ['POST /v1/embeddings {base}/v1/embeddings via route_to_backend>send']],
      ['POST /detokenize', []],
      ['POST /v1/completions', ['POST /v1/completions {choose()}/v1/completions via by_incoming_path>send_raw']],
      ['GET /v1/models', []],
      ['POST /api/chat', []],
    ]);
  });
});

describe('functions served by a platform', () => {
  const LLM =
    'import OpenAI from "npm:openai@4";\nconst c = new OpenAI();\nexport async function ask(q: string) { return c.chat.completions.create({ model: "gpt-4o-2024-08-06", messages: [{ role: "user", content: q }] }); }\n';
  it('TypeScript: Supabase and Deno, module workers, Vercel api/, Netlify functions; paths as the platform gives them', async () => {
    expect(
      await labels({
        'vercel.json': '{}',
        'package.json': '{"dependencies":{"hono":"^4"}}',
        'lib/llm.ts': LLM,
        'supabase/functions/ask/index.ts':
          'import { ask } from "../../../lib/llm.ts";\nDeno.serve(async (req) => {\n  if (req.method === "OPTIONS") return new Response("ok");\n  return Response.json(await ask((await req.json()).q));\n});\n',
        'supabase/functions/_shared/util.ts': 'import { ask } from "../../../lib/llm.ts";\nexport default async function warm() { return ask("x"); }\n',
        'deploy/main.ts':
          'import { serve } from "https://deno.land/std@0.224.0/http/server.ts";\nimport { ask } from "../lib/llm.ts";\nserve(async (req) => Response.json(await ask(await req.text())), { port: 8000 });\n',
        'worker/index.ts':
          'import { ask } from "../lib/llm";\nexport default {\n  async fetch(request: Request): Promise<Response> {\n    return Response.json(await ask(await request.text()));\n  },\n};\n',
        'edge/hono.ts':
          'import { Hono } from "hono";\nimport { ask } from "../lib/llm";\nconst app = new Hono();\napp.post("/q", async (c) => c.json(await ask(await c.req.text())));\nDeno.serve(app.fetch);\n',
        'api/chat/index.ts':
          'import { ask } from "../../lib/llm";\nexport default async function handler(req: any, res: any) {\n  if (req.method !== "POST") return res.status(405).end();\n  res.json(await ask(req.body.q));\n}\n',
        'api/v2/[id].ts':
          'import { ask } from "../../lib/llm";\nexport async function POST(request: Request) { return Response.json(await ask(await request.text())); }\nexport async function GET() { return new Response("ok"); }\n',
        'api/_helpers.ts': 'import { ask } from "../lib/llm";\nexport default async function h() { return ask("x"); }\n',
        'netlify/functions/suggest.ts':
          'import { ask } from "../../lib/llm";\nexport default async (req: Request) => Response.json(await ask(await req.text()));\nexport const config = { path: "/api/suggest" };\n',
        'netlify/functions/old/old.js': 'const { ask } = require("../../../lib/llm");\nexports.handler = async (event) => ({ statusCode: 200, body: JSON.stringify(await ask(event.body)) });\n',
      }),
    ).toEqual(['POST /api/chat', 'POST /api/v2/[id]', 'GET /api/v2/[id]', 'ANY /', 'POST /q', 'ANY /.netlify/functions/old', 'ANY /api/suggest', 'ANY /functions/v1/ask', 'ANY /']);
  });

  it('Python: Modal web endpoints (named by their function), BentoML APIs and routes, Ray Serve __call__, Cloud Functions', async () => {
    expect(
      await labels({
        'requirements.txt': 'modal\nbentoml\nray[serve]\nfunctions-framework\n',
        'm.py':
          'import modal\napp = modal.App("x")\n@app.function()\n@modal.fastapi_endpoint(method="POST")\ndef gen(item: dict):\n    return item\n@app.function()\n@modal.web_endpoint()\ndef status():\n    return {}\n',
        'b.py':
          'import bentoml\n@bentoml.service\nclass S:\n    @bentoml.api\n    def write(self, prompt: str) -> str:\n        return prompt\n    @bentoml.api(route="/v1/ready")\n    def ready(self) -> bool:\n        return True\n    def helper(self):\n        return 1\n',
        'r.py':
          'from ray import serve\nfrom fastapi import FastAPI\napi = FastAPI()\n@serve.deployment\nclass A:\n    async def __call__(self, request):\n        return "a"\n@serve.deployment\n@serve.ingress(api)\nclass B:\n    async def __call__(self, request):\n        return "b"\n',
        'g.py': 'import functions_framework\n@functions_framework.http\ndef hello(request):\n    return "hi"\n@functions_framework.cloud_event\ndef on_event(event):\n    return None\n',
      }),
    ).toEqual(['POST /write', 'POST /v1/ready', 'ANY /', 'POST gen (Modal web endpoint)', 'GET status (Modal web endpoint)', 'ANY /']);
  });
});

describe('Flask and Starlette', () => {
  it('Flask: blueprints registered with url_prefix, decorators, MethodView, before_request, extensions', async () => {
    expect(
      await endpoints({
        'requirements.txt': 'flask\nflask-limiter\nflask-login\nopenai\n',
        'svc/__init__.py': '',
        'svc/llm.py': PY_LLM,
        'svc/ext.py': 'from flask_limiter import Limiter\nfrom flask_limiter.util import get_remote_address\nlimiter = Limiter(get_remote_address, default_limits=["100/hour"])\n',
        'svc/api.py': `from flask import Blueprint, request, abort
from flask_login import login_required
from flask.views import MethodView
from .llm import ask
from .ext import limiter
bp = Blueprint("api", __name__, url_prefix="/api")
@bp.route("/chat", methods=["POST"])
@login_required
@limiter.limit("5/minute")
def chat():
    return ask(request.json["prompt"])
class Gen(MethodView):
    decorators = [login_required]
    def post(self):
        return ask("y")
bp.add_url_rule("/gen", view_func=Gen.as_view("gen"))
@bp.before_request
def check_key():
    if request.headers.get("X-API-Key") != "secret":
        abort(401)
`,
        'svc/app.py': `from flask import Flask
from .api import bp
from .ext import limiter
def create_app():
    app = Flask(__name__)
    limiter.init_app(app)
    app.register_blueprint(bp, url_prefix="/v2")
    @app.route("/health")
    def health():
        return "ok"
    return app
`,
      }),
    ).toEqual([
      'POST /v2/chat svc/api.py:7 chat\n  app/plugin flask_limiter.Limiter().init_app\n  router/hook svc/api.py#check_key\n  handler/decorator flask_login.login_required\n  handler/decorator flask_limiter.Limiter().limit()',
      'POST /v2/gen svc/api.py:16 Gen.post\n  app/plugin flask_limiter.Limiter().init_app\n  router/hook svc/api.py#check_key\n  handler/decorator flask_login.login_required',
      'GET /health svc/app.py:8 create_app.health\n  app/plugin flask_limiter.Limiter().init_app',
    ]);
  });

  it('Starlette: Route and Mount lists, app middleware', async () => {
    expect(
      await endpoints({
        'svc/star.py': `from starlette.applications import Starlette
from starlette.routing import Route, Mount
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
async def gen(request):
    return None
routes = [Route("/gen", gen, methods=["POST"]), Mount("/v1", routes=[Route("/chat", endpoint=gen, methods=["POST"])])]
app = Starlette(routes=routes, middleware=[Middleware(AuthenticationMiddleware, backend=None)])
`,
      }),
    ).toEqual([
      'POST /gen svc/star.py:7 gen\n  app/middleware starlette.middleware.authentication.AuthenticationMiddleware',
      'POST /v1/chat svc/star.py:7 gen\n  app/middleware starlette.middleware.authentication.AuthenticationMiddleware',
    ]);
  });
});

describe('Django', () => {
  it('follows ROOT_URLCONF through include() to function views, class-based views and DRF viewsets', async () => {
    const p = await project({
      'requirements.txt': 'django\ndjangorestframework\ndjango-ratelimit\nopenai\n',
      'proj/__init__.py': '',
      'chat/__init__.py': '',
      'proj/settings.py': `ROOT_URLCONF = "proj.urls"
MIDDLEWARE = [
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
REST_FRAMEWORK = {
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.UserRateThrottle"],
}
`,
      'proj/urls.py': 'from django.urls import include, path\nurlpatterns = [\n    path("chat/", include("chat.urls")),\n]\n',
      'chat/llm.py': PY_LLM,
      'chat/views.py': `from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import JsonResponse
from django.views import View
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit
from rest_framework import viewsets
from rest_framework.decorators import action, api_view
from rest_framework.permissions import AllowAny
from .llm import ask

@require_POST
@login_required
@ratelimit(key="user", rate="10/m", block=True)
def complete(request):
    return JsonResponse(ask(request.POST["p"]))

def anon(request, id):
    return JsonResponse(ask("x"))

class ChatView(LoginRequiredMixin, View):
    def post(self, request):
        return JsonResponse(ask("y"))

@api_view(["POST"])
def drf_chat(request):
    return ask("z")

class ChatViewSet(viewsets.ViewSet):
    permission_classes = [AllowAny]
    def create(self, request):
        return ask("w")
    @action(detail=True, methods=["post"])
    def summarize(self, request, pk=None):
        return ask("s")
`,
      'chat/urls.py': `from django.urls import path, re_path, include
from rest_framework.routers import DefaultRouter
from . import views
router = DefaultRouter()
router.register(r"sessions", views.ChatViewSet, basename="session")
urlpatterns = [
    path("complete/", views.complete),
    re_path(r"^anon/(?P<id>\\d+)/$", views.anon),
    path("view/", views.ChatView.as_view()),
    path("drf/", views.drf_chat),
    path("api/", include(router.urls)),
]
`,
    });
    const eps = projectEndpoints(p);
    const mw = '  global/middleware django.contrib.auth.middleware.AuthenticationMiddleware';
    const drf = '  global/setting rest_framework:DEFAULT_THROTTLE_CLASSES';
    expect(eps.map((e) => describeEndpoint(p, e))).toEqual([
      `POST /chat/api/sessions/ chat/urls.py:5 ChatViewSet.create\n${mw}\n${drf}\n  handler/mixin rest_framework.viewsets.ViewSet\n  handler/setting rest_framework:permission_classes`,
      `POST /chat/api/sessions/<pk>/summarize/ chat/urls.py:5 ChatViewSet.summarize\n${mw}\n${drf}\n  handler/mixin rest_framework.viewsets.ViewSet\n  handler/setting rest_framework:permission_classes\n  handler/decorator rest_framework.decorators.action()`,
      `POST /chat/complete/ chat/urls.py:7 complete\n${mw}\n  handler/decorator django.views.decorators.http.require_POST\n  handler/decorator django.contrib.auth.decorators.login_required\n  handler/decorator django_ratelimit.decorators.ratelimit()`,
      `ANY /chat/anon/<id>/ chat/urls.py:8 anon\n${mw}`,
      `POST /chat/view/ chat/urls.py:9 ChatView.post\n${mw}\n  handler/mixin django.contrib.auth.mixins.LoginRequiredMixin\n  handler/mixin django.views.View`,
      `POST /chat/drf/ chat/urls.py:10 drf_chat\n${mw}\n${drf}\n  handler/decorator rest_framework.decorators.api_view()`,
    ]);
    expect(eps.every((e) => endpointInference(p, e).length === 1)).toBe(true);
    expect(endpointsIn(p.file('chat/views.py') as never, p)).toEqual([]);
  });
});
