import { describe, expect, it } from 'vitest';
import { discover } from '../src/discovery/discover.js';
import { projectEndpoints } from '../src/facts/endpoints/index.js';
import { endpointExposure } from '../src/facts/exposure.js';
import { missingControls } from '../src/facts/http-controls/check.js';
import { ParserHost } from '../src/model/file-model.js';
import { ProjectModel } from '../src/model/project.js';
import { Grammars } from '../src/parse/tree-sitter.js';
import { tempRepo } from './helpers/run.js';

const grammars = await Grammars.load();

async function load(files: Record<string, string>): Promise<ProjectModel> {
  const d = await discover({ root: tempRepo(files), paths: [], ignore: [], maxFileSize: 1 << 20 });
  return new ProjectModel(d, new ParserHost(grammars), {});
}

/** `state` per application (its first endpoint's file). */
async function exposures(files: Record<string, string>): Promise<Record<string, string>> {
  const p = await load(files);
  const out: Record<string, string> = {};
  for (const e of projectEndpoints(p)) out[e.file] ??= endpointExposure(p, e).state;
  return out;
}

const FASTAPI_APP = `from fastapi import FastAPI
from transformers import pipeline
app = FastAPI()
generator = pipeline("text-generation", model="Qwen/Qwen2.5-0.5B-Instruct", revision="3f1f6a1c0b4d2c0d4b6e8f1a2b3c4d5e6f7a8b9c")
@app.post("/generate")
def generate(body: dict):
    return {"text": generator(body["prompt"])[0]["generated_text"]}
`;

describe('exposure of the application serving an endpoint', () => {
  it('reads the address from the code: written defaults decide, the library default leaves it open', async () => {
    expect(
      await exposures({
        'requirements.txt': 'fastapi\nuvicorn\nflask\ntransformers\n',
        'loopback.py': `${FASTAPI_APP}import argparse, uvicorn
if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--bind-host", dest="host", default="127.0.0.1")
    a = p.parse_args()
    uvicorn.run(app, host=a.host)
`,
        'env_all.py': `${FASTAPI_APP}import os, uvicorn
if __name__ == "__main__":
    uvicorn.run(app, host=os.environ.get("HOST", "0.0.0.0"), port=8000)
`,
        'implicit.py': `${FASTAPI_APP}import uvicorn
if __name__ == "__main__":
    uvicorn.run(app)
`,
        'flask_all.py': `from flask import Flask, request
from transformers import pipeline
app = Flask(__name__)
gen = pipeline("text-generation", model="Qwen/Qwen2.5-0.5B-Instruct", revision="3f1f6a1c0b4d2c0d4b6e8f1a2b3c4d5e6f7a8b9c")
@app.post("/generate")
def generate():
    return {"text": gen(request.json["prompt"])[0]["generated_text"]}
if __name__ == "__main__":
    app.run("0.0.0.0", 5000)
`,
        'nowhere.py': FASTAPI_APP,
      }),
    ).toEqual({ 'env_all.py': 'public', 'flask_all.py': 'public', 'implicit.py': 'unknown', 'loopback.py': 'internal', 'nowhere.py': 'unknown' });
  });

  it('commands that start it decide over the code: compose ports, images, Kubernetes, scripts and CI jobs', async () => {
    const files = (extra: Record<string, string>): Record<string, string> => ({
      'requirements.txt': 'fastapi\nuvicorn\ngunicorn\ntransformers\n',
      'api/__init__.py': '',
      'api/main.py': FASTAPI_APP,
      ...extra,
    });
    // gunicorn in an image, the image published by compose.
    expect(
      await exposures(
        files({
          Dockerfile: 'FROM python:3.12-slim\nCOPY . /srv\nWORKDIR /srv\nCMD ["gunicorn", "-k", "uvicorn.workers.UvicornWorker", "-b", "0.0.0.0:8000", "api.main:app"]\n',
          'compose.yaml': 'services:\n  api:\n    build: .\n    ports:\n      - "8000:8000"\n',
        }),
      ),
    ).toEqual({ 'api/main.py': 'public' });
    // The same image with no port published: reachable only from the compose network.
    expect(
      await exposures(
        files({
          Dockerfile: 'FROM python:3.12-slim\nCOPY . /srv\nWORKDIR /srv\nCMD ["gunicorn", "-k", "uvicorn.workers.UvicornWorker", "-b", "0.0.0.0:8000", "api.main:app"]\n',
          'compose.yaml': 'services:\n  api:\n    build: .\n',
        }),
      ),
    ).toEqual({ 'api/main.py': 'internal' });
    // A script on a host, on loopback.
    expect(await exposures(files({ 'run.sh': '#!/bin/sh\nexec uvicorn api.main:app --host 127.0.0.1 --port 8000\n' }))).toEqual({ 'api/main.py': 'internal' });
    expect(await exposures(files({ 'run.sh': '#!/bin/sh\nexec uv run uvicorn api.main:app --host 0.0.0.0\n' }))).toEqual({ 'api/main.py': 'public' });
    // A CI job that starts it for tests.
    expect(await exposures(files({ '.github/workflows/ci.yml': 'on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: uvicorn api.main:app --host 0.0.0.0 &\n' }))).toEqual({
      'api/main.py': 'internal',
    });
    // Kubernetes: a Deployment alone may sit behind an Ingress elsewhere; a LoadBalancer Service publishes it.
    const deploy =
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  selector:\n    matchLabels: {app: api}\n  template:\n    metadata:\n      labels: {app: api}\n    spec:\n      containers:\n        - name: api\n          image: ghcr.io/acme/api:1.0\n          command: ["fastapi", "run", "api/main.py", "--port", "8000"]\n';
    expect(await exposures(files({ 'k8s/deploy.yaml': deploy }))).toEqual({ 'api/main.py': 'unknown' });
    expect(
      await exposures(
        files({
          'k8s/deploy.yaml': `${deploy}---\napiVersion: v1\nkind: Service\nmetadata:\n  name: api\nspec:\n  type: LoadBalancer\n  selector: {app: api}\n  ports:\n    - port: 80\n      targetPort: 8000\n`,
        }),
      ),
    ).toEqual({ 'api/main.py': 'public' });
  });

  it("TypeScript servers: listen() with and without a host, Fastify's localhost default, Hono served by node-server or exported", async () => {
    const route = (fw: string): string =>
      fw === 'fastify'
        ? 'import Fastify from "fastify";\nimport { ask } from "./llm";\nconst app = Fastify();\napp.post("/ask", async (req) => ask(String(req.body)));\n'
        : fw === 'hono'
          ? 'import { Hono } from "hono";\nimport { ask } from "./llm";\nconst app = new Hono();\napp.post("/ask", async (c) => c.json(await ask(await c.req.text())));\n'
          : 'import express from "express";\nimport { ask } from "./llm";\nconst app = express();\napp.post("/ask", async (req, res) => res.json(await ask(req.body.q)));\n';
    const LLM =
      'import OpenAI from "openai";\nconst c = new OpenAI();\nexport async function ask(q: string) { return c.chat.completions.create({ model: "gpt-4o-2024-08-06", messages: [{ role: "user", content: q }] }); }\n';
    expect(
      await exposures({
        'package.json': '{"dependencies": {"express": "4", "fastify": "5", "hono": "4", "@hono/node-server": "1", "openai": "4"}}',
        'llm.ts': LLM,
        'express-default.ts': `${route('express')}app.listen(3000);\n`,
        'express-loopback.ts': `${route('express')}app.listen(3000, "127.0.0.1", () => console.log("up"));\n`,
        'express-env.ts': `${route('express')}import http from "node:http";\nhttp.createServer(app).listen(3000, process.env.HOST ?? "0.0.0.0");\n`,
        'fastify-default.ts': `${route('fastify')}await app.listen({ port: 3000 });\n`,
        'fastify-all.ts': `${route('fastify')}await app.listen({ port: 3000, host: "0.0.0.0" });\n`,
        'hono-node.ts': `${route('hono')}import { serve } from "@hono/node-server";\nserve({ fetch: app.fetch, port: 8787 });\n`,
        'hono-export.ts': `${route('hono')}export default app;\n`,
        'express-nowhere.ts': `${route('express')}export { app };\n`,
      }),
    ).toEqual({
      'express-default.ts': 'public',
      'express-env.ts': 'public',
      'express-loopback.ts': 'internal',
      'express-nowhere.ts': 'unknown',
      'fastify-all.ts': 'public',
      'fastify-default.ts': 'unknown',
      'hono-export.ts': 'public',
      'hono-node.ts': 'public',
    });
  });

  it('an endpoint whose exposure is unknown is reported with less confidence; an internal one not at all', async () => {
    const p = await load({
      'requirements.txt': 'fastapi\nuvicorn\ntransformers\n',
      'public.py': `${FASTAPI_APP}import uvicorn
if __name__ == "__main__":
    uvicorn.run(app, host="0.0.0.0")
`,
      'unknown.py': FASTAPI_APP,
      'internal.py': `${FASTAPI_APP}import uvicorn
if __name__ == "__main__":
    uvicorn.run(app, host="localhost")
`,
    });
    const rows = ['internal.py', 'public.py', 'unknown.py'].flatMap((path) =>
      missingControls(p.file(path) as NonNullable<ReturnType<ProjectModel['file']>>, p, {}, 'rate-limit').map((m) => `${path} ${m.confidence}`),
    );
    expect(rows).toEqual(['public.py high', 'unknown.py medium']);
  });
});
