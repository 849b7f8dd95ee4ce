import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import type { Settings } from '../src/config/types.js';
import { discover } from '../src/discovery/discover.js';
import { projectEndpoints } from '../src/facts/endpoints/index.js';
import { derived, filterCallsIn, flowOf, verdictUse, wrapperBehaviour } from '../src/facts/guardrails/filters.js';
import { endpointGuardrails, GuardrailKnowledge, stackOf } from '../src/facts/guardrails/index.js';
import { functionsOf, inferenceSites } from '../src/facts/inference/index.js';
import { ParserHost } from '../src/model/file-model.js';
import { ProjectModel } from '../src/model/project.js';
import { Grammars } from '../src/parse/tree-sitter.js';
import { scanFiles, tempRepo } from './helpers/run.js';

const ROOT = join(import.meta.dirname, '..');
const grammars = await Grammars.load();

async function project(files: Record<string, string>, settings: Settings = {}): Promise<ProjectModel> {
  const root = tempRepo(files);
  const d = await discover({ root, paths: [], ignore: [], maxFileSize: 1 << 20 });
  return new ProjectModel(d, new ParserHost(grammars), settings);
}

function line(p: ProjectModel, path: string, offset: number): number {
  return p.file(path)?.range({ start: offset, end: offset }).start.line ?? 0;
}

/**
 * One line per inference call an endpoint passes user input to and returns the output of:
 * `LABEL file:line in=<tool or -> out=<tool or -> [ignored side:tool ...]`.
 */
async function guarded(files: Record<string, string>, settings: Settings = {}): Promise<string[]> {
  const p = await project(files, settings);
  const out: string[] = [];
  for (const ep of projectEndpoints(p)) {
    for (const g of endpointGuardrails(p, ep)) {
      const ignored = g.ignored.map((i) => ` ignored ${i.side}:${i.tool}${i.off ? ' (off)' : ''}`).join('');
      out.push(`${ep.label} ${g.site.path}:${line(p, g.site.path, g.site.calleeSpan.start)} in=${g.input?.tool ?? '-'} out=${g.output?.tool ?? '-'}${ignored}`);
    }
  }
  return out;
}

/** The filter calls of every function of a file: `fn: tool (verdict)`. */
async function filters(files: Record<string, string>, path: string, settings: Settings = {}): Promise<string[]> {
  const p = await project(files, settings);
  const f = p.file(path);
  if (!f) throw new Error(path);
  return functionsOf(f, p).flatMap((fn) => filterCallsIn(p, fn).map((c) => `${fn.name}: ${c.tool} (${c.verdict}${c.ignoredInside ? ', ignored inside' : ''})`));
}

describe('src/data/guardrails.json', () => {
  const json = (...parts: string[]): Record<string, unknown> => JSON.parse(readFileSync(join(ROOT, ...parts), 'utf8')) as Record<string, unknown>;

  it('validates against its schema', () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    (addFormats as unknown as (a: Ajv) => void)(ajv);
    const v = ajv.compile(json('schemas', 'guardrails.schema.json'));
    expect(v(json('src', 'data', 'guardrails.json')) ? [] : v.errors).toEqual([]);
  });

  it('gives every filter a way to be recognised, and names only known SDKs', () => {
    const sdks = Object.keys((json('src', 'data', 'inference-sdks.json') as { sdks: Record<string, string> }).sdks);
    const k = GuardrailKnowledge.get();
    for (const f of k.filters) {
      const ways = f.python.length + f.ts.length + f.calleeText.length + f.urls.length + f.callArgs.length + f.clientArgs.length + f.wraps.length;
      expect(ways, f.id).toBeGreaterThan(0);
      for (const s of f.sdks) expect(sdks, f.id).toContain(s);
    }
    expect(k.fix('no-such-stack', 'ts', 'X')).toContain('X');
  });

  it('knows guard models by id, path and tag, and not ordinary models', () => {
    const k = GuardrailKnowledge.get();
    for (const id of [
      'meta-llama/Llama-Guard-3-8B',
      '/models/llama-guard-3-1b.gguf',
      'llama-guard3:1b',
      'meta-llama/Prompt-Guard-86M',
      'google/shieldgemma-2b',
      'ibm-granite/granite-guardian-3.1-2b',
      'protectai/deberta-v3-base-prompt-injection-v2',
      'Qwen/Qwen3Guard-Gen-0.6B',
    ]) {
      expect(k.isGuardModel(id), id).toBe(true);
    }
    for (const id of ['meta-llama/Llama-3.1-8B-Instruct', 'gpt-4o-2024-08-06', 'llama3.1:8b', 'mistralai/Mistral-7B-Instruct-v0.3', 'guardian-angel-7b']) {
      expect(k.isGuardModel(id), id).toBe(false);
    }
  });
});

describe('flow facts', () => {
  it('TS: follows destructuring, loops, push and calls; sees what branches do', async () => {
    const p = await project({
      'a.ts': `export async function h(req: Request, check: (s: string) => Promise<boolean>) {
  const { question, n } = await req.json();
  const messages = [];
  messages.push({ role: "user", content: question });
  for (const m of messages) console.log(m);
  const size = Number(n);
  const ok = await check(question);
  if (!ok) return new Response("no", { status: 400 });
  const v = ok ? "a" : "b";
  if (size > 3) console.log("big");
  if (messages.length > 100) throw new Error("too long");
  return v;
}
`,
    });
    const fn = functionsOf(p.file('a.ts')!, p).find((f) => f.name === 'h')!;
    const facts = flowOf(p, fn)!;
    const d = derived(facts, ['req']);
    // Through calls too (`ok` is computed from the question); not through Number().
    expect([...d].sort()).toEqual(['m', 'messages', 'n', 'ok', 'question', 'req', 'v']);
    expect(facts.params).toEqual([['req'], ['check']]);
    const effects = facts.conds.map(
      (c) =>
        `${[...c.tokens].join(',')}:${
          c.value
            ? 'value'
            : Object.entries(c.effect)
                .filter(([, v]) => v)
                .map(([k]) => k)
                .join('+') || 'none'
        }`,
    );
    expect(effects).toEqual(['ok:returns', 'ok:value', 'size:none', ':raises']);
  });

  it('Python: tuples, comprehensions, walrus and with-as; elif and else branches count', async () => {
    const p = await project({
      'a.py': `def h(body, guard):
    text = body.text
    sanitized, valid, score = guard(text)
    parts = [p for p in sanitized.split()]
    if (n := len(parts)) > 10:
        pass
    elif not all(valid.values()):
        raise ValueError("unsafe")
    with open("x") as f:
        data = f.read()
    reply = "refused" if score > 0.5 else text
    return reply
`,
    });
    const fn = functionsOf(p.file('a.py')!, p).find((f) => f.name === 'h')!;
    const facts = flowOf(p, fn)!;
    expect([...derived(facts, ['body'])].sort()).toEqual(['body', 'p', 'parts', 'reply', 'sanitized', 'score', 'text', 'valid']);
    const effects = facts.conds.map(
      (c) =>
        `${[...c.tokens].sort().join(',')}:${
          c.value
            ? 'value'
            : Object.entries(c.effect)
                .filter(([, v]) => v)
                .map(([k]) => k)
                .join('+') || 'none'
        }`,
    );
    // `len(parts)` reads no text of parts; a condition's effect covers its elif and else branches.
    expect(effects).toEqual(['len,n:raises', 'all,valid:raises', 'score:value']);
  });
});

describe('filter calls', () => {
  it('Python: moderation, content safety, Bedrock, LLM Guard, Guardrails AI, Lakera, Rebuff, guard models; not look-alikes', async () => {
    const lines = await filters(
      {
        'app/f.py': `import boto3
import requests
from openai import OpenAI
from azure.ai.contentsafety import ContentSafetyClient
from llm_guard import scan_prompt
from llm_guard.input_scanners import PromptInjection
from guardrails import Guard
from rebuff import RebuffSdk
from transformers import pipeline
from mistralai import Mistral

client = OpenAI()
cs = ContentSafetyClient("https://x", None)
br = boto3.client("bedrock-runtime")
guard = Guard()
rb = RebuffSdk("k")
pg = pipeline("text-classification", model="meta-llama/Prompt-Guard-86M")
mistral = Mistral(api_key="k")

class Validator:
    def validate(self, x):
        return x

def f(text):
    client.moderations.create(model="omni-moderation-latest", input=text)
    cs.analyze_text({"text": text})
    br.apply_guardrail(guardrailIdentifier="g", guardrailVersion="1", source="INPUT", content=[{"text": {"text": text}}])
    scan_prompt([PromptInjection()], text)
    PromptInjection().scan(text)
    guard.validate(text)
    rb.detect_injection(text)
    requests.post("https://api.lakera.ai/v2/guard", json={"messages": [{"role": "user", "content": text}]})
    pg(text)
    mistral.classifiers.moderate(model="mistral-moderation-latest", inputs=[text])
    Validator().validate(text)
    requests.post("https://example.com/v1/guard", json={"text": text})
    client.files.create(file=text, purpose="batch")
`,
      },
      'app/f.py',
    );
    expect(lines).toEqual([
      'f: OpenAI moderation (check)',
      'f: Azure AI Content Safety (check)',
      'f: Amazon Bedrock ApplyGuardrail (sanitizes)',
      'f: LLM Guard (check)',
      'f: LLM Guard (check)',
      'f: Guardrails AI (sanitizes)',
      'f: Rebuff (check)',
      'f: Lakera Guard (check)',
      'f: guard model `meta-llama/Prompt-Guard-86M` (check)',
      'f: Mistral moderation (check)',
    ]);
  });

  it('TS: moderation, Azure AI Content Safety, ApplyGuardrailCommand, Lakera over fetch; a Guardrails AI guard that raises', async () => {
    const lines = await filters(
      {
        'lib/f.ts': `import OpenAI from "openai";
import ContentSafetyClient from "@azure-rest/ai-content-safety";
import { BedrockRuntimeClient, ApplyGuardrailCommand, ConverseCommand } from "@aws-sdk/client-bedrock-runtime";
const client = new OpenAI();
const cs = ContentSafetyClient("https://x", { key: "k" });
const br = new BedrockRuntimeClient({});
export async function f(text: string) {
  await client.moderations.create({ input: text });
  await cs.path("/text:analyze").post({ body: { text } });
  await br.send(new ApplyGuardrailCommand({ guardrailIdentifier: "g", guardrailVersion: "1", source: "OUTPUT", content: [{ text: { text } }] }));
  await br.send(new ConverseCommand({ modelId: "m", messages: [] }));
  await fetch("https://api.lakera.ai/v2/guard", { method: "POST", body: JSON.stringify({ messages: [{ role: "user", content: text }] }) });
  await fetch("https://example.com/moderate", { method: "POST", body: text });
}
`,
      },
      'lib/f.ts',
    );
    expect(lines).toEqual(['f: OpenAI moderation (check)', 'f: Azure AI Content Safety (check)', 'f: Amazon Bedrock ApplyGuardrail (sanitizes)', 'f: Lakera Guard (check)']);
  });

  it('finds project functions that screen their parameters, through other files, and how they use the verdict', async () => {
    const files = {
      'lib/mod.ts': `import OpenAI from "openai";
const client = new OpenAI();
export async function flagged(input: string): Promise<boolean> {
  const res = await client.moderations.create({ model: "omni-moderation-latest", input });
  return res.results.some((r) => r.flagged);
}
export async function assertSafe(text: string): Promise<void> {
  if (await flagged(text)) throw new Error("unsafe");
}
export async function audit(text: string): Promise<void> {
  const res = await client.moderations.create({ input: text });
  console.log(res.results[0].flagged);
}
export async function constant(): Promise<boolean> {
  const res = await client.moderations.create({ input: "hello" });
  return res.results[0].flagged;
}
`,
      'app/route.ts': `import { assertSafe, audit, constant, flagged } from "../lib/mod";
export async function handle(text: string) {
  await assertSafe(text);
  await audit(text);
  await constant();
  return flagged(text);
}
`,
    };
    expect(await filters(files, 'app/route.ts')).toEqual([
      'handle: `assertSafe` (OpenAI moderation) (raises)',
      'handle: `audit` (OpenAI moderation) (sanitizes, ignored inside)',
      'handle: `flagged` (OpenAI moderation) (sanitizes)',
    ]);
    const p = await project(files);
    const fns = functionsOf(p.file('lib/mod.ts')!, p);
    const b = (name: string): string => {
      const w = wrapperBehaviour(p, fns.find((f) => f.name === name)!);
      return w ? `${w.verdict} [${[...w.params].join(',')}]` : '-';
    };
    expect([b('flagged'), b('assertSafe'), b('audit'), b('constant')]).toEqual(['sanitizes [0]', 'raises [0]', 'ignored [0]', '-']);
  });

  it('honours settings.guardrails.functions, for project functions and external ones', async () => {
    const lines = await filters(
      {
        'app/safety.py': 'def screen(text):\n    return text\n',
        'app/main.py': 'from acme_guard import check\nfrom .safety import screen\n\ndef h(q):\n    screen(q)\n    check(q)\n    return q\n',
      },
      'app/main.py',
      { guardrails: { functions: ['app.safety.screen', 'acme_guard.check'] } },
    );
    expect(lines).toEqual(['h: `screen` (settings.guardrails.functions) (raises)', 'h: `acme_guard.check` (settings.guardrails.functions) (raises)']);
  });

  it('acts on a verdict only through a branch that refuses, raises, breaks or replaces the text', async () => {
    const p = await project({
      'a.py': `from openai import OpenAI
client = OpenAI()

def logs_only(text, log):
    r = client.moderations.create(input=text)
    if r.results[0].flagged:
        log.warning("flagged")

def refuses(text):
    r = client.moderations.create(input=text)
    if r.results[0].flagged:
        return "refused"
    return text

def ternary(text):
    flagged = client.moderations.create(input=text).results[0].flagged
    return "refused" if flagged else text
`,
    });
    const use = (name: string): string => {
      const fn = functionsOf(p.file('a.py')!, p).find((f) => f.name === name)!;
      const [c] = filterCallsIn(p, fn);
      const u = verdictUse(flowOf(p, fn)!, c!);
      return `${u.acts ? 'acts' : 'ignores'}${u.raises ? '+raises' : ''}`;
    };
    expect([use('logs_only'), use('refuses'), use('ternary')]).toEqual(['ignores', 'acts', 'acts']);
  });
});

const TS_OPENAI = 'import OpenAI from "openai";\nexport const client = new OpenAI();\n';

describe('endpoints: user input in, model output out', () => {
  it('FastAPI: follows the user input and the reply through an agent six calls deep', async () => {
    const files: Record<string, string> = {
      'app/llm.py':
        'from openai import OpenAI\n\nclient = OpenAI()\n\n\ndef ask(prompt: str) -> str:\n    r = client.chat.completions.create(model="gpt-4o-2024-08-06", messages=[{"role": "user", "content": prompt}])\n    return r.choices[0].message.content\n',
    };
    for (let i = 0; i < 5; i++) {
      const next = i === 4 ? 'from app.llm import ask as step_next' : `from app.step${i + 1} import step${i + 1} as step_next`;
      files[`app/step${i}.py`] = `${next}\n\n\ndef step${i}(query: str) -> str:\n    answer = step_next(query)\n    return answer\n`;
    }
    files['app/main.py'] = 'from fastapi import FastAPI\nfrom app.step0 import step0\n\napp = FastAPI()\n\n\n@app.post("/agent")\ndef agent(q: str):\n    return {"text": step0(q)}\n';
    expect(await guarded(files)).toEqual(['POST /agent app/llm.py:7 in=- out=-']);
  });

  it('Next.js: flags nothing when the prompt is a constant or the output is not returned', async () => {
    expect(
      await guarded({
        'package.json': '{"dependencies":{"next":"15.0.0"}}',
        'lib/llm.ts': TS_OPENAI,
        'app/api/open/route.ts': `import { client } from "@/lib/llm";
export async function POST(req: Request) {
  const { messages } = await req.json();
  const r = await client.chat.completions.create({ model: "gpt-4o-2024-08-06", messages });
  return Response.json({ reply: r.choices[0].message.content });
}
`,
        'app/api/joke/route.ts': `import { client } from "@/lib/llm";
export async function POST(req: Request) {
  const { n } = await req.json();
  const r = await client.chat.completions.create({ model: "gpt-4o-2024-08-06", messages: [{ role: "user", content: "Tell a joke" }], n: Number(n) });
  return Response.json({ reply: r.choices[0].message.content });
}
`,
        'app/api/store/route.ts': `import { client } from "@/lib/llm";
import { db } from "@/lib/db";
export async function POST(req: Request) {
  const { text } = await req.json();
  const r = await client.chat.completions.create({ model: "gpt-4o-2024-08-06", messages: [{ role: "user", content: text }] });
  await db.summaries.insert({ summary: r.choices[0].message.content });
  return Response.json({ ok: true });
}
`,
        'tsconfig.json': '{"compilerOptions":{"baseUrl":".","paths":{"@/*":["./*"]}}}',
      }),
    ).toEqual(['POST /api/open app/api/open/route.ts:4 in=- out=-']);
  });

  it('Next.js: the message names the call the handler streams, not a title generated through a helper', async () => {
    const files = {
      'package.json': '{"dependencies":{"next":"15.3.0","ai":"5.0.0","@ai-sdk/openai":"2.0.0"}}',
      'tsconfig.json': '{"compilerOptions":{"baseUrl":".","paths":{"@/*":["./*"]}}}',
      'lib/ai/models.ts': 'import { openai } from "@ai-sdk/openai";\nexport const chatModel = openai("gpt-4o-2024-08-06");\n',
      'app/actions.ts': `"use server";
import { generateText, type UIMessage } from "ai";
import { chatModel } from "@/lib/ai/models";
export async function titleFor({ message }: { message: UIMessage }) {
  const { text } = await generateText({
    model: chatModel,
    system: "Write a five-word title for this message.",
    prompt: JSON.stringify(message.parts),
  });
  return text.trim();
}
`,
      'app/api/chat/route.ts': `import { convertToModelMessages, createUIMessageStream, createUIMessageStreamResponse, streamText } from "ai";
import { chatModel } from "@/lib/ai/models";
import { titleFor } from "../../actions";
export async function POST(request: Request) {
  const { message, history } = await request.json();
  const titlePromise = titleFor({ message });
  const stream = createUIMessageStream({
    execute: async ({ writer }) => {
      const result = streamText({
        model: chatModel,
        messages: convertToModelMessages([...history, message]),
      });
      writer.merge(result.toUIMessageStream());
      writer.write({ type: "data-title", data: await titlePromise });
    },
  });
  return createUIMessageStreamResponse({ stream });
}
`,
    };
    const p = await project(files);
    expect(
      projectEndpoints(p)
        .flatMap((ep) => endpointGuardrails(p, ep).map((g) => `${g.site.path}:${line(p, g.site.path, g.site.calleeSpan.start)} via ${g.via.length}`))
        .sort(),
    ).toEqual(['app/actions.ts:5 via 1', 'app/api/chat/route.ts:9 via 0']);
    const result = await scanFiles(files, 'guardrails/missing-io-filter');
    expect(result.findings.map((f) => f.message.match(/`streamText` \(app\/api\/chat\/route\.ts:9\)|`generateText` \([^)]*\)/)?.[0])).toEqual(['`streamText` (app/api/chat/route.ts:9)']);
    expect(result.findings[0]?.message).toContain('The route reaches 1 more unfiltered inference call.');
  });

  it('Express: a moderation middleware screens the input; `return x` is not a response, res.write is', async () => {
    expect(
      await guarded({
        'src/server.ts': `import express from "express";
import OpenAI from "openai";
import { moderate } from "./moderate";
const app = express();
const openai = new OpenAI();
app.post("/a", moderate, async (req, res) => {
  const stream = await openai.chat.completions.create({ model: "gpt-4o-2024-08-06", messages: [{ role: "user", content: req.body.q }], stream: true });
  for await (const chunk of stream) res.write(chunk.choices[0]?.delta?.content ?? "");
  res.end();
});
app.post("/b", async (req, res) => {
  const r = await openai.responses.create({ model: "gpt-4o-2024-08-06", input: req.body.q });
  return r.output_text;
});
`,
        'src/moderate.ts': `import OpenAI from "openai";
const openai = new OpenAI();
export async function moderate(req: any, res: any, next: any) {
  const m = await openai.moderations.create({ input: JSON.stringify(req.body) });
  if (m.results[0].flagged) return res.status(400).end();
  next();
}
`,
      }),
    ).toEqual(['POST /a src/server.ts:7 in=`moderate` (OpenAI moderation) out=-']);
  });

  it('FastAPI: parameters into a service in another module, injected users and numbers are not user text', async () => {
    expect(
      await guarded({
        'app/main.py': `from fastapi import Depends, FastAPI
from .auth import current_user
from .svc import answer, greet, top

app = FastAPI()

@app.post("/ask")
def ask(q: str, user=Depends(current_user)):
    return {"answer": answer(q)}

@app.get("/greet")
def greeting(user=Depends(current_user)):
    return {"text": greet(user.name)}

@app.get("/top")
def top_route(n: int = 3):
    return {"text": top(n)}
`,
        'app/auth.py':
          'from fastapi.security import OAuth2PasswordBearer\nfrom fastapi import Depends\noauth = OAuth2PasswordBearer(tokenUrl="t")\n\ndef current_user(token: str = Depends(oauth)):\n    return lookup(token)\n',
        'app/svc.py': `from openai import OpenAI
client = OpenAI(base_url="http://vllm:8000/v1", api_key="x")

def _messages(question):
    return [{"role": "user", "content": question}]

def answer(question):
    r = client.chat.completions.create(model="meta-llama/Llama-3.1-8B-Instruct", messages=_messages(question))
    return r.choices[0].message.content

def greet(name):
    r = client.chat.completions.create(model="meta-llama/Llama-3.1-8B-Instruct", messages=_messages(f"Greet {name}"))
    return r.choices[0].message.content

def top(n):
    r = client.chat.completions.create(model="meta-llama/Llama-3.1-8B-Instruct", messages=_messages(f"List {n} tips"))
    return r.choices[0].message.content
`,
      }),
    ).toEqual(['POST /ask app/svc.py:8 in=- out=-']);
  });

  it('Flask: the request global, a generator streamed to the client, a verdict that is ignored', async () => {
    expect(
      await guarded({
        'app.py': `from flask import Flask, Response, request
from transformers import pipeline
from llm_guard import scan_output
from llm_guard.output_scanners import Toxicity

app = Flask(__name__)
gen = pipeline("text-generation", model="Qwen/Qwen2.5-7B-Instruct")

def stream_answer(prompt):
    for piece in gen(prompt, max_new_tokens=100):
        yield piece["generated_text"]

@app.post("/stream")
def stream():
    return Response(stream_answer(request.json["prompt"]), mimetype="text/plain")

@app.post("/scan")
def scan():
    out = gen(request.form["q"])[0]["generated_text"]
    scan_output([Toxicity()], request.form["q"], out)
    return {"text": out}
`,
      }),
    ).toEqual(['POST /stream app.py:10 in=- out=-', 'POST /scan app.py:19 in=- out=- ignored output:LLM Guard']);
  });

  it('guardrails on the call, rails around the chain, a Gemini setting switched off', async () => {
    expect(
      await guarded({
        'app.py': `import boto3
import google.generativeai as genai
from flask import Flask, request
from langchain_openai import ChatOpenAI
from nemoguardrails import RailsConfig
from nemoguardrails.integrations.langchain.runnable_rails import RunnableRails

app = Flask(__name__)
br = boto3.client("bedrock-runtime")
chain = ChatOpenAI(model="gpt-4o-mini-2024-07-18")
guarded = RunnableRails(RailsConfig.from_path("rails")) | chain
off = genai.GenerativeModel("gemini-1.5-pro-002", safety_settings={"HARASSMENT": "BLOCK_NONE"})

@app.post("/bedrock")
def bedrock():
    r = br.converse(modelId="meta.llama3-1-8b-instruct-v1:0", messages=[{"role": "user", "content": [{"text": request.json["q"]}]}], guardrailConfig={"guardrailIdentifier": "g", "guardrailVersion": "1"})
    return {"text": r["output"]["message"]["content"][0]["text"]}

@app.post("/rails")
def rails():
    return {"text": guarded.invoke(request.json["q"]).content}

@app.post("/gemini")
def gemini():
    return {"text": off.generate_content(request.json["q"]).text}
`,
      }),
    ).toEqual([
      'POST /bedrock app.py:16 in=Amazon Bedrock guardrail on the call out=Amazon Bedrock guardrail on the call',
      'POST /rails app.py:21 in=NeMo Guardrails out=NeMo Guardrails',
      'POST /gemini app.py:25 in=- out=- ignored input:Gemini safety settings (off)',
    ]);
  });
});

describe('stacks, for advice', () => {
  it('tells hosted APIs from self-hosted models and OpenAI-compatible servers', async () => {
    const p = await project({
      'a.py': `import os
import ollama
from openai import OpenAI, AzureOpenAI
from anthropic import Anthropic
from transformers import pipeline
hosted = OpenAI()
local = OpenAI(base_url="http://localhost:8000/v1", api_key="x")
azure = AzureOpenAI(azure_endpoint="https://x.openai.azure.com", api_version="2024-06-01")
claude = Anthropic()
gen = pipeline("text-generation", model="Qwen/Qwen2.5-7B-Instruct")

def f(q):
    hosted.chat.completions.create(model="gpt-4o-2024-08-06", messages=q)
    local.chat.completions.create(model="m", messages=q)
    azure.chat.completions.create(model="gpt-4o", messages=q)
    claude.messages.create(model="claude-3-5-sonnet-20241022", max_tokens=10, messages=q)
    gen(q)
    ollama.chat(model="llama3.1:8b", messages=q)
`,
    });
    expect(inferenceSites(p.file('a.py')!, p).map((s) => `${stackOf(s).stack}${stackOf(s).selfHosted ? ' (self-hosted)' : ''}`)).toEqual([
      'openai',
      'openai-compatible-server (self-hosted)',
      'azure-openai',
      'default',
      'self-hosted (self-hosted)',
      'ollama (self-hosted)',
    ]);
  });

  it('TS: Azure OpenAI through the plain OpenAI client (a deployments URL built from settings), not any URL built at run time; Replicate is hosted', async () => {
    const p = await project({
      'route.ts': `import OpenAI from "openai";
export async function POST(req: Request) {
  const { messages, endpoint, deployment, key, vllmUrl } = await req.json();
  const azure = new OpenAI({
    apiKey: key,
    baseURL: \`\${endpoint}/openai/deployments/\${deployment}\`,
    defaultQuery: { "api-version": "2024-06-01" },
    defaultHeaders: { "api-key": key },
  });
  const local = new OpenAI({ apiKey: "none", baseURL: \`\${vllmUrl}/v1\` });
  await azure.chat.completions.create({ model: deployment, messages });
  await local.chat.completions.create({ model: "m", messages });
  await fetch("https://api.replicate.com/v1/predictions", { method: "POST", body: JSON.stringify({ version: "854e8727697a", input: { prompt: messages[0] } }) });
  await fetch("http://gpu-box:8000/v1/chat/completions", { method: "POST", body: JSON.stringify({ model: "m", messages }) });
}
`,
    });
    expect(inferenceSites(p.file('route.ts')!, p).map((s) => `${stackOf(s).stack}${stackOf(s).selfHosted ? ' (self-hosted)' : ''}`)).toEqual([
      'azure-openai',
      'openai',
      'default',
      'openai-compatible-server (self-hosted)',
    ]);
  });
});
