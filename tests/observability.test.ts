import { describe, expect, it } from 'vitest';
import type { Settings } from '../src/config/types.js';
import { discover } from '../src/discovery/discover.js';
import { inferenceSites } from '../src/facts/inference/index.js';
import { callersUnseen, recordingEvidence } from '../src/facts/observability/index.js';
import { ParserHost } from '../src/model/file-model.js';
import { ProjectModel } from '../src/model/project.js';
import { Grammars } from '../src/parse/tree-sitter.js';
import { tempRepo } from './helpers/run.js';

const grammars = await Grammars.load();

/** For each inference call: `path:line kind (tool)` of its evidence, or `path:line -` when nothing records it. */
async function evidence(files: Record<string, string>, settings: Settings = {}): Promise<string[]> {
  const root = tempRepo(files);
  const d = await discover({ root, paths: [], ignore: [], maxFileSize: 1 << 20 });
  const p = new ProjectModel(d, new ParserHost(grammars), settings);
  const out: string[] = [];
  for (const f of p.files()) {
    for (const s of inferenceSites(f, p)) {
      const ev = recordingEvidence(p, s);
      out.push(`${s.path}:${f.range(s.calleeSpan).start.line} ${ev ? `${ev.kind} (${ev.tool})` : '-'}`);
    }
  }
  return out;
}

const TS_CLIENT = 'import OpenAI from "openai";\nconst client = new OpenAI();\n';
const PY_CLIENT = 'import logging\n\nfrom openai import OpenAI\n\nclient = OpenAI()\nlog = logging.getLogger(__name__)\n';

describe('log calls related to the call', () => {
  it('TS: the prompt, what it is built from, the result and what is derived from it count; counts, metadata and the request do not', async () => {
    expect(
      await evidence({
        'a.ts': `${TS_CLIENT}import pino from "pino";
const logger = pino();
export async function built(req: Request) {
  const { question } = await req.json();
  const prompt = \`Answer: \${question}\`;
  const r = await client.responses.create({ model: "m", input: prompt });
  logger.info({ question }, "asked");
  return r;
}
export async function derived(q: string) {
  const r = await client.responses.create({ model: "m", input: q });
  const text = r.output_text.trim();
  console.log("answer: %s", text);
}
export async function counts(req: Request, messages: string[]) {
  const r = await client.responses.create({ model: "m", input: messages.join("\\n") });
  logger.info({ url: req.url, n: messages.length, usage: r.usage, id: r.id }, "done");
}
export async function stream(q: string) {
  const s = await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: q }], stream: true });
  const parts: string[] = [];
  for await (const c of s) parts.push(c.choices[0]?.delta.content ?? "");
  logger.info({ answer: parts.join("") });
}
export async function inline(q: string) {
  logger.info(await client.responses.create({ model: "m", input: q }));
}
`,
      }),
    ).toEqual(['a.ts:8 log (logger)', 'a.ts:13 log (console)', 'a.ts:18 -', 'a.ts:22 log (logger)', 'a.ts:28 log (logger)']);
  });

  it('TS: loggers by origin (an import of pino, winston, NestJS Logger) or by name, helpers by name, tracing APIs', async () => {
    expect(
      await evidence({
        'lib/obs.ts': 'import winston from "winston";\nexport const out = winston.createLogger({});\n',
        'a.ts': `${TS_CLIENT}import { out } from "./lib/obs";
import { Logger } from "@nestjs/common";
import { Langfuse } from "langfuse";
const nest = new Logger("x");
const langfuse = new Langfuse();
export async function a(q: string) { const r = await client.responses.create({ model: "m", input: q }); out.info("r", { r }); }
export async function b(q: string) { const r = await client.responses.create({ model: "m", input: q }); nest.log(r.output_text); }
export async function c(q: string) { const r = await client.responses.create({ model: "m", input: q }); logCompletion(q, r); }
export async function d(q: string) {
  const trace = langfuse.trace({ name: "d", input: q });
  const r = await client.responses.create({ model: "m", input: q });
  return r;
}
export async function e(q: string) { const r = await client.responses.create({ model: "m", input: q }); metrics.increment(q); return r; }
declare function logCompletion(a: unknown, b: unknown): void;
declare const metrics: { increment(x: string): void };
`,
      }),
    ).toEqual(['a.ts:8 log (winston)', 'a.ts:9 log (@nestjs/common)', 'a.ts:10 log (logCompletion)', 'a.ts:13 log (langfuse)', 'a.ts:16 -']);
  });

  it('Python: logging, structlog, loguru and names; print does not count; len() and .usage do not count', async () => {
    expect(
      await evidence({
        'a.py': `${PY_CLIENT}import structlog
from loguru import logger as lg

slog = structlog.get_logger()


def a(q):
    r = client.responses.create(model="m", input=q)
    log.info("answer %s", r.output_text)


def b(q):
    prompt = f"Answer: {q}"
    client.responses.create(model="m", input=prompt)
    slog.info("asked", question=q)


def c(q):
    r = client.responses.create(model="m", input=q)
    lg.info(f"got {r.output_text}")


def d(q):
    r = client.responses.create(model="m", input=q)
    print(q, r.output_text)


def e(messages):
    r = client.chat.completions.create(model="m", messages=messages)
    log.info("n=%d tokens=%s", len(messages), r.usage)


def f(q):
    r = client.responses.create(model="m", input=q)
    logging.info("raw: %r", r)
`,
      }),
    ).toEqual(['a.py:14 log (log)', 'a.py:20 log (structlog)', 'a.py:25 log (loguru.logger)', 'a.py:30 -', 'a.py:35 -', 'a.py:40 log (logging)']);
  });
});

describe('log calls that do not record the call as it happens', () => {
  it('TS: debug and trace levels, catch blocks, .catch() and onError callbacks do not count; a catch block that makes the call does', async () => {
    expect(
      await evidence({
        'a.ts': `${TS_CLIENT}import pino from "pino";
const logger = pino();
export async function quiet(q: string) { const r = await client.responses.create({ model: "m", input: q }); logger.debug({ q, r }); logger.trace(r); }
export async function failed(q: string) {
  try { return await client.responses.create({ model: "m", input: q }); } catch (err) { logger.error({ err, q }, "failed"); throw err; }
}
export function promised(q: string) { return client.responses.create({ model: "m", input: q }).catch((err) => logger.warn({ err, q })); }
export async function fallback(q: string) {
  try { return await client.responses.create({ model: "m", input: q }); } catch { const r = await client.responses.create({ model: "m2", input: q }); logger.info({ q, r }); return r; }
}
export async function request(q: string) { const request = { model: "m", input: [q] }; logger.info({ request }); return client.responses.create(request); }
`,
      }),
    ).toEqual(['a.ts:5 -', 'a.ts:7 -', 'a.ts:9 -', 'a.ts:11 -', 'a.ts:11 log (logger)', 'a.ts:13 log (logger)']);
  });

  it('Python: debug level (also logger.log(logging.DEBUG, ...)) and except handlers do not count; a dict built from the prompt does', async () => {
    expect(
      await evidence({
        'a.py': `${PY_CLIENT}

def quiet(q):
    r = client.responses.create(model="m", input=q)
    log.debug("q=%s r=%s", q, r.output_text)
    log.log(logging.DEBUG, "%s", r.output_text)


def failed(q):
    try:
        return client.responses.create(model="m", input=q)
    except Exception:
        log.exception("failed for %s", q)
        raise


def request(model_name, messages, temperature):
    visible = [m for m in messages if isinstance(m["content"], str)]
    gen_params = {"model": model_name, "prompt": visible, "temperature": temperature}
    log.info(f"==== request ==== {gen_params}")
    return client.chat.completions.create(model=model_name, messages=messages, temperature=temperature)


def settings_only(model_name, messages, temperature):
    gen_params = {"model": model_name, "temperature": temperature}
    log.info("request %s", gen_params)
    return client.chat.completions.create(model=model_name, messages=messages, temperature=temperature)
`,
      }),
    ).toEqual(['a.py:10 -', 'a.py:17 -', 'a.py:27 log (log)', 'a.py:33 -']);
  });
});

describe('callers, decorators and settings', () => {
  it('a helper is recorded only when every caller records it; decorators on a caller count', async () => {
    expect(
      await evidence({
        'h.py': `${PY_CLIENT}from langfuse.decorators import observe


def complete(p):
    return client.responses.create(model="m", input=p).output_text


def twice(p):
    return client.responses.create(model="m", input=p).output_text


def three(p):
    return client.responses.create(model="m", input=p).output_text


def x(q):
    out = complete(q)
    log.info("out=%s", out)


@observe()
def y(q):
    return complete(q)


def z1(q):
    log.info("q=%s a=%s", q, twice(q))


def z2(q):
    return twice(q)


def level2(q):
    return three(q)


def level1(q):
    a = level2(q)
    log.info("a=%s", a)
`,
      }),
    ).toEqual(['h.py:11 log (log)', 'h.py:15 -', 'h.py:19 log (log)']);
  });

  it('a caller counts when it logs the arguments the prompt is built from or the result, not its other arguments', async () => {
    expect(
      await evidence({
        'h.py': `${PY_CLIENT}

def provider(model_name, messages, temperature):
    return client.chat.completions.create(model=model_name, messages=messages, temperature=temperature)


def routed(conv, model_name):
    prompt = conv.to_messages()
    return provider(model_name, prompt, 0.7)


def by_question(conv, model_name):
    log.info("conversation %s", conv)
    return routed(conv, model_name)


def by_model_only(conv, model_name):
    log.info("model %s temperature %s", model_name, 0.7)
    return routed(conv, model_name)
`,
        't.ts': `${TS_CLIENT}import pino from "pino";
const logger = pino();
async function ask({ question, model }: { question: string; model: string }) {
  return client.responses.create({ model, input: question });
}
export async function byQuestion(question: string) { logger.info({ question }); return ask({ question, model: "m" }); }
export async function byModel(question: string, model: string) { logger.info({ model }); return ask({ question, model }); }
`,
      }),
    ).toEqual(['h.py:10 -', 't.ts:6 -']);
  });

  it('settings.logging.functions names a project helper that does not look like one', async () => {
    const files = {
      'audit.py': 'def persist(kind, data):\n    pass\n',
      'a.py': `${PY_CLIENT}from audit import persist


def a(q):
    r = client.responses.create(model="m", input=q)
    persist("a", {"q": q, "a": r.output_text})
`,
    };
    expect(await evidence(files)).toEqual(['a.py:11 -']);
    expect(await evidence(files, { logging: { functions: ['audit.persist'] } })).toEqual(['a.py:11 log (logging helper persist)']);
  });
});

describe('tracing on the client and the call', () => {
  it('gateways by URL or header, LangChain callbacks on the model or the call', async () => {
    expect(
      await evidence({
        'a.py': `from langchain_openai import ChatOpenAI
from langfuse.callback import CallbackHandler
from openai import OpenAI

helicone = OpenAI(base_url="https://oai.helicone.ai/v1")
header_only = OpenAI(default_headers={"Helicone-Auth": "Bearer x"})
plain = OpenAI(base_url="https://api.openai.com/v1", default_headers={"X-Team": "a"})
llm = ChatOpenAI(callbacks=[])
traced_llm = ChatOpenAI(callbacks=[CallbackHandler()])


def f(q):
    helicone.responses.create(model="m", input=q)
    header_only.responses.create(model="m", input=q)
    plain.responses.create(model="m", input=q)
    llm.invoke(q)
    llm.invoke(q, config={"callbacks": [CallbackHandler()]})
    traced_llm.invoke(q)
    plain.responses.create(model="m", input=q, extra_headers={"Helicone-Auth": "Bearer x"})
`,
      }),
    ).toEqual([
      'a.py:13 gateway (logging gateway)',
      'a.py:14 gateway (logging gateway)',
      'a.py:15 -',
      'a.py:16 -',
      'a.py:17 callbacks (callbacks)',
      'a.py:18 callbacks (callbacks)',
      'a.py:19 gateway (logging gateway)',
    ]);
  });

  it('Langfuse drop-in: the traced client itself, and every OpenAI call of a process that imports it', async () => {
    expect(
      await evidence({
        'traced.py': 'from langfuse.openai import OpenAI\n\nOpenAI().responses.create(model="m", input="x")\n',
        'main.py': 'import langfuse.openai\nfrom worker import run\n',
        'worker.py': 'from openai import OpenAI\n\n\ndef run():\n    OpenAI().responses.create(model="m", input="x")\n',
        'other.py': 'from openai import OpenAI\n\nOpenAI().responses.create(model="m", input="x")\n',
      }),
    ).toEqual(['other.py:3 -', 'traced.py:3 traced-client (Langfuse)', 'worker.py:5 instrumentation (Langfuse)']);
  });

  it('AI SDK callbacks given to the call receive its output: logging there counts', async () => {
    expect(
      await evidence({
        'a.ts': `import { streamText } from "ai";
import { openai } from "@ai-sdk/openai";
import pino from "pino";
const log = pino();
export function chat(prompt: string) {
  return streamText({ model: openai("gpt-4o-2024-08-06"), prompt, onFinish: ({ text, usage }) => log.info({ text, usage }, "done") }).toDataStreamResponse();
}
export function chatUsageOnly(question: string) {
  return streamText({ model: openai("gpt-4o-2024-08-06"), prompt: question, onFinish: (e) => log.info({ tokens: e.usage }, "done") }).toDataStreamResponse();
}
`,
      }),
    ).toEqual(['a.ts:6 log (log)', 'a.ts:9 -']);
  });

  it('AI SDK telemetry counts when enabled (or given as a variable), not when disabled or absent', async () => {
    expect(
      await evidence({
        'a.ts': `import { generateText } from "ai";
import { openai } from "@ai-sdk/openai";
const model = openai("gpt-4o-2024-08-06");
const telemetry = { isEnabled: process.env.TRACE === "1" };
export const a = (prompt: string) => generateText({ model, prompt, experimental_telemetry: { isEnabled: true } });
export const b = (prompt: string) => generateText({ model, prompt, experimental_telemetry: { isEnabled: false } });
export const c = (prompt: string) => generateText({ model, prompt, experimental_telemetry: telemetry });
export const d = (prompt: string) => generateText({ model, prompt, experimental_telemetry: { functionId: "d" } });
`,
      }),
    ).toEqual(['a.ts:5 telemetry (AI SDK telemetry)', 'a.ts:6 -', 'a.ts:7 telemetry (AI SDK telemetry)', 'a.ts:8 -']);
  });
});

describe('process-wide instrumentation', () => {
  it('Python: started by a module the entry point imports, covering only the SDKs it instruments', async () => {
    expect(
      await evidence({
        'main.py': 'import tracing\nfrom svc import handle\n',
        'tracing.py': 'from openinference.instrumentation.openai import OpenAIInstrumentor\n\nOpenAIInstrumentor().instrument()\n',
        'svc.py':
          'import anthropic\nfrom openai import OpenAI\n\n\ndef handle(q):\n    OpenAI().responses.create(model="m", input=q)\n    anthropic.Anthropic().messages.create(model="m", max_tokens=1, messages=[])\n',
        'cli.py': 'from openai import OpenAI\n\nOpenAI().responses.create(model="m", input="x")\n',
      }),
    ).toEqual(['cli.py:3 -', 'svc.py:6 instrumentation (OpenTelemetry instrumentor)', 'svc.py:7 -']);
  });

  it('Python: a package __init__.py, an auto-instrumenting register(), LANGSMITH_TRACING in code or .env', async () => {
    expect(
      await evidence({
        'jobs/__init__.py': 'from phoenix.otel import register\n\nregister(auto_instrument=True)\n',
        'jobs/run.py': 'import litellm\n\nlitellm.completion(model="m", messages=[])\n',
        'other/__init__.py': 'from phoenix.otel import register\n\nregister()\n',
        'other/run.py': 'import litellm\n\nlitellm.completion(model="m", messages=[])\n',
        'agent/main.py': 'import os\n\nos.environ["LANGCHAIN_TRACING_V2"] = "true"\nfrom agent.chain import run\n',
        'agent/__init__.py': '',
        'agent/chain.py': 'from langchain_openai import ChatOpenAI\n\n\ndef run(q):\n    return ChatOpenAI().invoke(q)\n',
        'bot/.env': 'LANGSMITH_TRACING=true\n',
        'bot/chain.py': 'from langchain_openai import ChatOpenAI\n\nChatOpenAI().invoke("x")\n',
        'plain/chain.py': 'from langchain_openai import ChatOpenAI\n\nChatOpenAI().invoke("x")\n',
      }),
    ).toEqual(['agent/chain.py:5 env (LangSmith)', 'bot/chain.py:3 env (LangSmith)', 'jobs/run.py:3 instrumentation (Arize Phoenix)', 'other/run.py:3 -', 'plain/chain.py:3 -']);
  });

  it('TS: Next.js instrumentation.ts covers its app only; a plain OpenTelemetry setup does not count', async () => {
    expect(
      await evidence({
        'traced/package.json': '{"name":"traced"}',
        'traced/instrumentation.ts': 'export async function register() { await import("./otel"); }\n',
        'traced/otel.ts': 'import { initialize } from "@traceloop/node-server-sdk";\ninitialize({ appName: "a" });\n',
        'traced/app/route.ts': `${TS_CLIENT}export const POST = () => client.responses.create({ model: "m", input: "x" });\n`,
        'plain/package.json': '{"name":"plain"}',
        'plain/instrumentation.ts': 'import { registerOTel } from "@vercel/otel";\nexport function register() { registerOTel({ serviceName: "p" }); }\n',
        'plain/app/route.ts': `${TS_CLIENT}export const POST = () => client.responses.create({ model: "m", input: "x" });\n`,
      }),
    ).toEqual(['plain/app/route.ts:3 -', 'traced/app/route.ts:3 instrumentation (OpenLLMetry (Traceloop))']);
  });

  it('TS: node --require in a package script; settings.logging.instrumentedEntryPoints', async () => {
    const files = {
      'svc/package.json': '{"name":"svc","scripts":{"start":"node -r ./tracing.js dist/main.js"}}',
      'svc/tracing.js': 'const { OpenAIInstrumentation } = require("@traceloop/instrumentation-openai");\nnew OpenAIInstrumentation();\n',
      'svc/src/main.ts': `${TS_CLIENT}client.responses.create({ model: "m", input: "x" });\n`,
      'worker/package.json': '{"name":"worker"}',
      'worker/src/main.ts': 'import { run } from "./job";\nrun();\n',
      'worker/src/job.ts': `${TS_CLIENT}export const run = () => client.responses.create({ model: "m", input: "x" });\n`,
    };
    expect(await evidence(files)).toEqual(['svc/src/main.ts:3 instrumentation (OpenLLMetry)', 'worker/src/job.ts:3 -']);
    expect(await evidence(files, { logging: { instrumentedEntryPoints: ['worker/src/main.ts'] } })).toEqual([
      'svc/src/main.ts:3 instrumentation (OpenLLMetry)',
      'worker/src/job.ts:3 instrumentation (settings.logging.instrumentedEntryPoints)',
    ]);
  });

  it('opentelemetry-instrument in a Dockerfile covers the code next to it, for the instrumentation packages declared', async () => {
    expect(
      await evidence({
        'router/Dockerfile': 'FROM python:3.12\nCMD ["opentelemetry-instrument", "python", "main.py"]\n',
        'router/requirements.txt': 'openai==1.58.1\nopentelemetry-instrumentation-openai-v2==2.0b0\n',
        'router/main.py':
          'from openai import OpenAI\nimport anthropic\n\nOpenAI().responses.create(model="m", input="x")\nanthropic.Anthropic().messages.create(model="m", max_tokens=1, messages=[])\n',
        'api/main.py': 'from openai import OpenAI\n\nOpenAI().responses.create(model="m", input="x")\n',
      }),
    ).toEqual(['api/main.py:3 -', 'router/main.py:4 instrumentation (OpenTelemetry auto-instrumentation)', 'router/main.py:5 -']);
  });
});

describe('callers the call graph cannot see', () => {
  it('a function with no resolved callers whose name is used elsewhere (a value, a base-class call) has unseen callers; an unused one does not', async () => {
    const root = tempRepo({
      'a.py': `${PY_CLIENT}

def judged(q):
    return client.responses.create(model="m", input=q).output_text


def orphan(q):
    return client.responses.create(model="m", input=q).output_text


class Base:
    def run(self, q):
        return self.generate_answer(q)


class Impl(Base):
    def generate_answer(self, q):
        return client.responses.create(model="m", input=q).output_text
`,
      'b.py': 'from a import judged\n\nHANDLERS = {"judge": judged}\n',
      'tests/test_a.py': 'from a import orphan\n\n\ndef test_orphan():\n    orphan("x")\n',
    });
    const d = await discover({ root, paths: [], ignore: [], maxFileSize: 1 << 20 });
    const p = new ProjectModel(d, new ParserHost(grammars), {});
    const out: string[] = [];
    for (const f of p.files()) for (const s of inferenceSites(f, p)) out.push(`${s.fn.name} ${callersUnseen(p, s)}`);
    expect(out).toEqual(['judged true', 'orphan false', 'Impl.generate_answer true']);
  });
});
