import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import type { Settings } from '../src/config/types.js';
import { discover } from '../src/discovery/discover.js';
import { endpointInference, projectEndpoints, type Endpoint } from '../src/facts/endpoints/index.js';
import { appUpstreams, endpointControls, type ControlKind } from '../src/facts/http-controls/index.js';
import { ParserHost } from '../src/model/file-model.js';
import { ProjectModel } from '../src/model/project.js';
import { Grammars } from '../src/parse/tree-sitter.js';
import { scanFiles, tempRepo } from './helpers/run.js';

const ROOT = join(import.meta.dirname, '..');
const grammars = await Grammars.load();

async function load(root: string, settings: Settings = {}): Promise<ProjectModel> {
  const d = await discover({ root, paths: [], ignore: [], maxFileSize: 1 << 20 });
  return new ProjectModel(d, new ParserHost(grammars), settings);
}

/** `label: yes|no` per endpoint that reaches inference, for one control. */
async function verdicts(files: Record<string, string>, kind: ControlKind, settings: Settings = {}): Promise<string[]> {
  const p = await load(tempRepo(files), settings);
  return projectEndpoints(p)
    .filter((e) => endpointInference(p, e).length > 0)
    .map((e: Endpoint) => {
      const v = endpointControls(p, settings, e, kind);
      return `${e.label}: ${v.evidence.length > 0 ? v.evidence.map((x) => x.level).join(',') : v.notApplied.length > 0 ? 'not applied' : v.soft.length > 0 ? 'soft' : 'none'}`;
    });
}

const LLM_TS = `import OpenAI from "openai";
const client = new OpenAI();
export async function ask(prompt: string) {
  const r = await client.chat.completions.create({ model: "gpt-4o-2024-08-06", messages: [{ role: "user", content: prompt }] });
  return r.choices[0]?.message.content ?? "";
}
`;
const LLM_PY = `from openai import OpenAI
client = OpenAI()
def ask(prompt):
    return client.chat.completions.create(model="gpt-4o-2024-08-06", messages=[{"role": "user", "content": prompt}])
`;

describe('src/data/http-controls.json', () => {
  it('validates against its schema and its patterns compile', () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    const validate = ajv.compile(JSON.parse(readFileSync(join(ROOT, 'schemas', 'http-controls.schema.json'), 'utf8')));
    const data = JSON.parse(readFileSync(join(ROOT, 'src', 'data', 'http-controls.json'), 'utf8')) as Record<string, Record<string, Array<{ pattern: string }> | string>>;
    expect(validate(data) ? [] : validate.errors).toEqual([]);
    for (const family of ['rateLimit', 'auth']) {
      for (const key of ['layers', 'calls', 'exempt']) for (const e of (data[family]?.[key] ?? []) as Array<{ pattern: string }>) expect(() => new RegExp(e.pattern)).not.toThrow();
      expect(() => new RegExp(data[family]?.rejection as string)).not.toThrow();
    }
  });
});

describe('endpoint rule fixtures', () => {
  // A valid case that has no endpoint reaching inference proves nothing.
  for (const rule of ['rate-limit/inference-endpoint', 'access-control/unauthenticated-inference-endpoint']) {
    const dir = join(ROOT, 'fixtures', rule, 'valid');
    for (const c of existsSync(dir) ? readdirSync(dir) : []) {
      it(`${rule} valid/${c} has an endpoint that reaches inference`, async () => {
        const p = await load(join(dir, c));
        expect(projectEndpoints(p).some((e) => endpointInference(p, e).length > 0)).toBe(true);
      });
    }
  }
});

describe('authentication evidence', () => {
  const express = { 'package.json': '{"dependencies":{"express":"^4","openai":"^4"}}', 'src/llm.ts': LLM_TS };

  it('a key check counts when it rejects, not when it only logs', async () => {
    const app = (check: string) => ({
      ...express,
      'src/app.ts': `import express from "express";
import { ask } from "./llm";
const app = express();
app.use((req, res, next) => {
  const key = req.header("x-api-key");
  ${check}
  next();
});
app.post("/ask", async (req, res) => res.json(await ask(req.body.q)));
`,
    });
    expect(await verdicts(app('if (key !== process.env.API_KEY) return res.status(401).end();'), 'auth')).toEqual(['POST /ask: app']);
    expect(await verdicts(app('if (key !== process.env.API_KEY) { res.status(403).json({ error: "forbidden" }); return; }'), 'auth')).toEqual(['POST /ask: app']);
    expect(await verdicts(app('if (key !== process.env.API_KEY) console.warn("missing key", req.path);'), 'auth')).toEqual(['POST /ask: soft']);
    expect(await verdicts(app(''), 'auth')).toEqual(['POST /ask: none']);
  });

  it('a session call counts when its result stops the request (through derived variables)', async () => {
    const route = (body: string) => ({
      'package.json': '{"dependencies":{"next":"15","next-auth":"5.0.0-beta.25","openai":"^4"}}',
      'lib/llm.ts': LLM_TS,
      'auth.ts': 'import NextAuth from "next-auth";\nexport const { handlers, auth } = NextAuth({ providers: [] });\n',
      'app/api/ask/route.ts': `import { auth } from "@/auth";
import { ask } from "@/lib/llm";
export async function POST(req: Request) {
  ${body}
  return Response.json(await ask(await req.text()));
}
`,
    });
    expect(await verdicts(route('const session = await auth();\n  const email = session?.user?.email;\n  if (!email) return new Response("unauthorized", { status: 401 });'), 'auth')).toEqual([
      'POST /api/ask: handler',
    ]);
    expect(await verdicts(route('const session = await auth();\n  console.log("user", session?.user?.email);'), 'auth')).toEqual(['POST /api/ask: soft']);
    // Branches taken only when there is a session turn signed-in users away; anonymous requests pass.
    expect(await verdicts(route('const session = await auth();\n  if (session?.user && !session.user.isAdmin) return new Response("forbidden", { status: 403 });'), 'auth')).toEqual([
      'POST /api/ask: soft',
    ]);
    expect(await verdicts(route('const session = await auth();\n  if (!!session && req.headers.get("x-admin") !== "1") return new Response("forbidden", { status: 403 });'), 'auth')).toEqual([
      'POST /api/ask: soft',
    ]);
    expect(await verdicts(route('const session = await auth();\n  if (!session || !session.user.isAdmin) return new Response("forbidden", { status: 403 });'), 'auth')).toEqual([
      'POST /api/ask: handler',
    ]);
  });

  it('FastAPI: security schemes through current-user dependencies, auto_error=False, router dependencies', async () => {
    const files = (scheme: string) => ({
      'app/__init__.py': '',
      'app/llm.py': LLM_PY,
      'app/deps.py': `from fastapi import Depends
from fastapi.security import APIKeyHeader
api_key = ${scheme}
def caller(key: str = Depends(api_key)):
    return key
`,
      'app/main.py': `from fastapi import APIRouter, Depends, FastAPI
from .deps import caller
from .llm import ask
router = APIRouter(dependencies=[Depends(caller)])
@router.post("/ask")
def answer(q: str):
    return ask(q)
app = FastAPI()
app.include_router(router)
`,
    });
    expect(await verdicts(files('APIKeyHeader(name="X-API-Key")'), 'auth')).toEqual(['POST /ask: router']);
    // With auto_error=False a missing header gives None and the request goes on.
    expect(await verdicts(files('APIKeyHeader(name="X-API-Key", auto_error=False)'), 'auth')).toEqual(['POST /ask: soft']);
  });
});

describe('messages', () => {
  it('name a self-hosted call when they speak of a self-hosted model, and the nearest call otherwise', async () => {
    const files = (provider: string) => ({
      'package.json': '{"dependencies":{"next":"14.1.0","openai":"^4","@xenova/transformers":"^2.17.0"}}',
      'lib/local-embedding.ts': `import { pipeline } from "@xenova/transformers";
export async function localEmbedding(content: string) {
  const extract = await pipeline("feature-extraction", "Xenova/all-MiniLM-L6-v2");
  const output = await extract(content, { pooling: "mean", normalize: true });
  return Array.from(output.data);
}
`,
      'app/api/retrieve/route.ts': `import OpenAI from "openai";
import { localEmbedding } from "@/lib/local-embedding";
export async function POST(request: Request) {
  const { userInput, provider } = await request.json();
  if (provider === "openai") {
    const openai = new OpenAI();
    const r = await openai.embeddings.create({ model: "text-embedding-3-small", input: userInput });
    return Response.json(r.data[0].embedding);
  }
  ${provider}
}
`,
    });
    const both = await scanFiles(files('return Response.json(await localEmbedding(userInput));'), 'rate-limit/inference-endpoint');
    expect(both.findings.map((f) => f.message.match(/reaches `([^`]+)`/)?.[1])).toEqual(['extract']);
    expect(both.findings[0]?.message).toContain("tie up the model's GPUs");
    const hosted = await scanFiles(files('return new Response("unknown provider", { status: 400 });'), 'rate-limit/inference-endpoint');
    expect(hosted.findings.map((f) => f.message.match(/reaches `([^`]+)`/)?.[1])).toEqual(['openai.embeddings.create']);
    expect(hosted.findings[0]?.message).toContain('run up your provider bill');
  });
});

describe('rate-limit evidence', () => {
  it('an upstream 429 handled in a catch block is not a rate limit of the endpoint', async () => {
    expect(
      await verdicts(
        {
          'package.json': '{"dependencies":{"express":"^4","openai":"^4"}}',
          'src/llm.ts': LLM_TS,
          'src/app.ts': `import express from "express";
import { ask } from "./llm";
const app = express();
app.post("/ask", async (req, res) => {
  try {
    res.json(await ask(req.body.q));
  } catch (err: any) {
    if (err.status === 429) return res.status(429).json({ error: "Too many requests to OpenAI" });
    throw err;
  }
});
`,
        },
        'rate-limit',
      ),
    ).toEqual(['POST /ask: none']);
  });

  it('settings: handledUpstream globs and named functions', async () => {
    const files = {
      'requirements.txt': 'fastapi\nopenai\n',
      'app/__init__.py': '',
      'app/llm.py': LLM_PY,
      'app/quota.py': 'def charge(user):\n    return user\n',
      'app/main.py': `from fastapi import FastAPI
from .llm import ask
from .quota import charge
app = FastAPI()
@app.post("/internal/ask")
def internal(q: str):
    return ask(q)
@app.post("/public/ask")
def public(q: str):
    charge("anon")
    return ask(q)
`,
    };
    expect(await verdicts(files, 'rate-limit', { rateLimit: { handledUpstream: ['/internal/**'] } })).toEqual(['POST /internal/ask: settings', 'POST /public/ask: none']);
    expect(await verdicts(files, 'rate-limit', { rateLimit: { functions: ['app.quota.charge'] } })).toEqual(['POST /internal/ask: none', 'POST /public/ask: handler']);
    expect(await verdicts(files, 'rate-limit', { rateLimit: { handledUpstream: true } })).toEqual(['POST /internal/ask: settings', 'POST /public/ask: settings']);
  });
});

describe('upstream linking', () => {
  it('connects an application to the compose service that builds it and to the Kubernetes Service that runs its image', async () => {
    const p = await load(
      tempRepo({
        'docker-compose.yml': 'services:\n  web:\n    build: ./web\n  api:\n    build:\n      context: ./services/api\n      dockerfile: Dockerfile.prod\n',
        'web/package.json': '{"name":"@acme/support-web"}',
        'web/app/api/chat/route.ts': 'export async function POST() { return Response.json({}); }\n',
        'services/api/pyproject.toml': '[project]\nname = "chat-api"\n',
        'services/api/app/main.py': 'print(1)\n',
        'deploy/k8s.yaml': `apiVersion: apps/v1
kind: Deployment
metadata: { name: chat, namespace: ml }
spec:
  selector: { matchLabels: { app: chat } }
  template:
    metadata: { labels: { app: chat } }
    spec:
      containers: [{ name: api, image: "ghcr.io/acme/chat-api:1.2.0" }]
---
apiVersion: v1
kind: Service
metadata: { name: chat-svc, namespace: ml }
spec:
  selector: { app: chat }
  ports: [{ port: 80 }]
`,
      }),
    );
    expect(appUpstreams(p, 'web/app/api/chat/route.ts').map((u) => u.host)).toEqual(['web']);
    expect(appUpstreams(p, 'services/api/app/main.py').map((u) => `${u.host}${u.namespace ? `.${u.namespace}` : ''}`)).toEqual(['api', 'chat-svc.ml']);
  });
});

describe('missing-control findings', () => {
  it('a rate-limit finding on an authenticated route speaks of authenticated callers', async () => {
    const { missingControls } = await import('../src/facts/http-controls/check.js');
    const p = await load(
      tempRepo({
        'requirements.txt': 'fastapi\nopenai\n',
        'llm.py': LLM_PY,
        'app.py': `from fastapi import Depends, FastAPI
from fastapi.security import OAuth2PasswordBearer
from llm import ask
app = FastAPI()
oauth2 = OAuth2PasswordBearer(tokenUrl="token")
@app.post("/open")
def open_route(body: dict):
    return ask(body["q"])
@app.post("/signed-in")
def signed_in(body: dict, token: str = Depends(oauth2)):
    return ask(body["q"])
`,
      }),
    );
    const rows = missingControls(p.file('app.py') as NonNullable<ReturnType<ProjectModel['file']>>, p, {}, 'rate-limit').map((m) => `${m.ep.label}: ${m.data.who}`);
    expect(rows).toEqual(['POST /open: Anyone who can reach it', 'POST /signed-in: Any authenticated caller']);
  });
});
