import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findConfig, loadConfig } from '../src/config/load.js';
import type { Settings } from '../src/config/types.js';
import { discover } from '../src/discovery/discover.js';
import { callersOf, functionAt, functionsOf, functionsReachingInference, inferenceSites, isTestFile, reachableSites, type InferenceSite } from '../src/facts/inference/index.js';
import type { FunctionInfo } from '../src/facts/inference/index.js';
import { recordingEvidence } from '../src/facts/observability/index.js';
import { ParserHost } from '../src/model/file-model.js';
import { ProjectModel } from '../src/model/project.js';
import { Grammars } from '../src/parse/tree-sitter.js';
import { ruleInfo, tempRepo } from './helpers/run.js';

const grammars = await Grammars.load();

async function load(root: string, settings: Settings = {}): Promise<ProjectModel> {
  const d = await discover({ root, paths: [], ignore: [], maxFileSize: 1 << 20 });
  return new ProjectModel(d, new ParserHost(grammars), settings);
}

async function project(files: Record<string, string>, settings: Settings = {}): Promise<ProjectModel> {
  return load(tempRepo(files), settings);
}

/** Every site of the project, `path:line sdk api kind[ stream] <- receiver @ client-path`. */
function summary(p: ProjectModel, s: InferenceSite): string {
  const f = p.file(s.path);
  const line = f ? f.range(s.calleeSpan).start.line : 0;
  const client = s.client ? ` @ ${s.client.path}` : '';
  return `${s.path}:${line} ${s.sdk} ${s.api} ${s.kind}${s.stream ? ' stream' : ''}${s.receiver ? ` <- ${s.receiver}` : ''}${client}`;
}

function allSites(p: ProjectModel): InferenceSite[] {
  return p.files().flatMap((f) => inferenceSites(f, p));
}

async function sites(files: Record<string, string>, settings: Settings = {}): Promise<string[]> {
  const p = await project(files, settings);
  return allSites(p).map((s) => summary(p, s));
}

async function _only(files: Record<string, string>, settings: Settings = {}): Promise<{ p: ProjectModel; site: InferenceSite }> {
  const p = await project(files, settings);
  const found = allSites(p);
  expect(found.map((s) => summary(p, s))).toHaveLength(1);
  return { p, site: found[0] as InferenceSite };
}

describe('inference sites: TypeScript SDK shapes', () => {
  it('OpenAI: chat, responses, completions, parse, stream, embeddings; moderations are not inference', async () => {
    expect(
      await sites({
        'a.ts': `import OpenAI from "openai";
const client = new OpenAI();
export async function f(q: string) {
  await client.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: q }] });
  await client.chat.completions.create({ model: "gpt-4o", messages: [], stream: true });
  await client.responses.create({ model: "gpt-4o", input: q });
  await client.completions.create({ model: "gpt-3.5-turbo-instruct", prompt: q });
  await client.beta.chat.completions.parse({ model: "gpt-4o", messages: [] });
  client.beta.chat.completions.stream({ model: "gpt-4o", messages: [] });
  await client.embeddings.create({ model: "text-embedding-3-small", input: q });
  await client.moderations.create({ input: q });
  await client.files.list();
}
`,
      }),
    ).toEqual([
      'a.ts:4 openai chat.completions.create chat <- client @ a.ts',
      'a.ts:5 openai chat.completions.create chat stream <- client @ a.ts',
      'a.ts:6 openai responses.create responses <- client @ a.ts',
      'a.ts:7 openai completions.create completion <- client @ a.ts',
      'a.ts:8 openai beta.chat.completions.parse chat <- client @ a.ts',
      'a.ts:9 openai beta.chat.completions.stream chat stream <- client @ a.ts',
      'a.ts:10 openai embeddings.create embedding <- client @ a.ts',
    ]);
  });

  it('Anthropic, Groq, Together, Mistral, Cohere, Hugging Face, Ollama, Google (both SDKs)', async () => {
    expect(
      await sites({
        'a.ts': `import Anthropic from "@anthropic-ai/sdk";
import Groq from "groq-sdk";
import Together from "together-ai";
import { Mistral } from "@mistralai/mistralai";
import { CohereClient } from "cohere-ai";
import { HfInference, chatCompletion } from "@huggingface/inference";
import ollama, { Ollama } from "ollama";
import { GoogleGenAI } from "@google/genai";
import { GoogleGenerativeAI } from "@google/generative-ai";
const m = [{ role: "user", content: "hi" }];
export async function f() {
  await new Anthropic().messages.create({ model: "claude", max_tokens: 1, messages: m });
  new Anthropic().messages.stream({ model: "claude", max_tokens: 1, messages: m });
  await new Groq().chat.completions.create({ model: "llama", messages: m });
  await new Together().chat.completions.create({ model: "llama", messages: m });
  await new Mistral().chat.stream({ model: "mistral-large-2411", messages: m });
  await new CohereClient().chat({ message: "hi" });
  await new HfInference().textGenerationStream({ model: "x", inputs: "hi" });
  await chatCompletion({ model: "x", messages: m });
  await ollama.generate({ model: "llama3.1:8b", prompt: "hi" });
  await new Ollama({ host: "http://o:11434" }).chat({ model: "llama3.1:8b", messages: m });
  await new GoogleGenAI({}).models.generateContentStream({ model: "gemini-2.0-flash-001", contents: "hi" });
  const chat = new GoogleGenerativeAI("k").getGenerativeModel({ model: "gemini-1.5-pro-002" }).startChat();
  await chat.sendMessageStream("hi");
}
`,
      }),
    ).toEqual([
      'a.ts:12 anthropic messages.create chat <- new Anthropic() @ a.ts',
      'a.ts:13 anthropic messages.stream chat stream <- new Anthropic() @ a.ts',
      'a.ts:14 groq chat.completions.create chat <- new Groq() @ a.ts',
      'a.ts:15 together chat.completions.create chat <- new Together() @ a.ts',
      'a.ts:16 mistral chat.stream chat stream <- new Mistral() @ a.ts',
      'a.ts:17 cohere chat chat <- new CohereClient() @ a.ts',
      'a.ts:18 huggingface textGenerationStream completion stream <- new HfInference() @ a.ts',
      'a.ts:19 huggingface chatCompletion chat',
      'a.ts:20 ollama generate completion <- ollama @ a.ts',
      'a.ts:21 ollama chat chat <- new Ollama({ host: "http://o:11434" }) @ a.ts',
      'a.ts:22 google models.generateContentStream chat stream <- new GoogleGenAI({}) @ a.ts',
      'a.ts:24 google sendMessageStream chat stream <- chat @ a.ts',
    ]);
  });

  it('Vercel AI SDK functions, by name, alias and namespace; the model argument is kept for model pinning', async () => {
    const p = await project({
      'a.ts': `import { generateText, streamText as st, embedMany } from "ai";
import * as ai from "ai";
import { openai } from "@ai-sdk/openai";
export async function f(prompt: string) {
  await generateText({ model: openai("gpt-4o-2024-08-06"), prompt });
  st({ model: openai("gpt-4o"), messages: [] });
  await ai.generateObject({ model: openai("gpt-4o"), schema: {}, prompt });
  await embedMany({ model: openai.embedding("text-embedding-3-small"), values: [prompt] });
}
`,
    });
    const found = allSites(p);
    expect(found.map((s) => summary(p, s))).toEqual([
      'a.ts:5 ai-sdk generateText chat',
      'a.ts:6 ai-sdk streamText chat stream',
      'a.ts:7 ai-sdk generateObject chat',
      'a.ts:8 ai-sdk embedMany embedding',
    ]);
    expect(found[0]?.model?.text).toBe('openai("gpt-4o-2024-08-06")');
    expect(found[0]?.prompt?.text).toBe('prompt');
  });

  it('Bedrock: send() with a command, inline or through a variable, and the aggregated client', async () => {
    expect(
      await sites({
        'a.ts': `import { BedrockRuntimeClient, BedrockRuntime, ConverseStreamCommand, InvokeModelCommand, ListFoundationModelsCommand } from "@aws-sdk/client-bedrock-runtime";
const client = new BedrockRuntimeClient({});
export async function f(body: string) {
  await client.send(new InvokeModelCommand({ modelId: "anthropic.claude-3-5-sonnet-20241022-v2:0", body }));
  const cmd = new ConverseStreamCommand({ modelId: "m", messages: [] });
  await client.send(cmd);
  await client.send(new ListFoundationModelsCommand({}));
  await new BedrockRuntime({}).converse({ modelId: "m", messages: [] });
}
`,
      }),
    ).toEqual([
      'a.ts:4 bedrock send(InvokeModelCommand) completion <- client @ a.ts',
      'a.ts:6 bedrock send(ConverseStreamCommand) chat stream <- client @ a.ts',
      'a.ts:8 bedrock converse chat <- new BedrockRuntime({}) @ a.ts',
    ]);
  });

  it('transformers.js pipelines: the task decides the kind', async () => {
    expect(
      await sites({
        'a.ts': `import { pipeline } from "@huggingface/transformers";
const gen = await pipeline("text-generation", "onnx-community/Qwen2.5-0.5B-Instruct");
const cls = await pipeline("sentiment-analysis");
const emb = await pipeline("feature-extraction", "Xenova/all-MiniLM-L6-v2");
export async function f(t: string) {
  await gen(t);
  await cls(t);
  await emb(t);
}
`,
      }),
    ).toEqual(['a.ts:6 transformers gen completion <- gen @ a.ts', 'a.ts:7 transformers cls classify <- cls @ a.ts', 'a.ts:8 transformers emb embedding <- emb @ a.ts']);
  });

  it('look-alikes are not inference: other SDKs, tools, same-origin fetch, GETs, unknown clients', async () => {
    expect(
      await sites({
        'a.ts': `import Stripe from "stripe";
import { tool } from "@langchain/core/tools";
const stripe = new Stripe("k");
const search = tool(async () => "", { name: "s" });
export async function f(db: { chat(x: string): void }, api: any) {
  await stripe.customers.create({ email: "a@b.c" });
  await search.invoke({ q: "x" });
  await fetch("/api/chat", { method: "POST", body: JSON.stringify({ messages: [] }) });
  await fetch("http://ollama:11434/api/chat", { method: "GET" });
  db.chat("hello");
  await api.chat.completions.create({ model: "x", messages: [] });
}
`,
      }),
    ).toEqual([]);
  });
});

describe('inference sites: TypeScript client tracking', () => {
  it('a client exported from one module and imported (aliased, re-exported, namespace, CommonJS) in others', async () => {
    expect(
      await sites({
        'web/package.json': '{"name":"web"}',
        'web/lib/llm.ts': 'import OpenAI from "openai";\nexport const client = new OpenAI();\n',
        'web/lib/index.ts': 'export { client as llm } from "./llm";\nexport * from "./llm";\n',
        'web/lib/cjs.js': 'const OpenAI = require("openai");\nconst c = new OpenAI();\nmodule.exports = { c };\n',
        'web/app/a.ts': 'import { client as ai } from "@/lib/llm";\nexport const a = () => ai.chat.completions.create({ model: "m", messages: [] });\n',
        'web/app/b.ts':
          'import { llm, client } from "../lib";\nexport const b = () => llm.responses.create({ model: "m", input: "x" });\nexport const b2 = () => client.responses.create({ model: "m", input: "x" });\n',
        'web/app/c.ts': 'import * as lib from "../lib/llm";\nexport const c = () => lib.client.completions.create({ model: "m", prompt: "x" });\n',
        'web/app/d.js': 'const { c } = require("../lib/cjs");\nexports.d = () => c.chat.completions.create({ model: "m", messages: [] });\n',
      }),
    ).toEqual([
      'web/app/a.ts:2 openai chat.completions.create chat <- ai @ web/lib/llm.ts',
      'web/app/b.ts:2 openai responses.create responses <- llm @ web/lib/llm.ts',
      'web/app/b.ts:3 openai responses.create responses <- client @ web/lib/llm.ts',
      'web/app/c.ts:2 openai completions.create completion <- lib.client @ web/lib/llm.ts',
      'web/app/d.js:2 openai chat.completions.create chat <- c @ web/lib/cjs.js',
    ]);
  });

  it('this.client from a property, a constructor assignment, a parameter property or a base class', async () => {
    expect(
      await sites({
        'a.ts': `import OpenAI from "openai";
import type Anthropic from "@anthropic-ai/sdk";
class Base { protected openai = new OpenAI(); }
export class A extends Base {
  private other: OpenAI;
  constructor(private readonly claude: Anthropic) { super(); this.other = new OpenAI({ baseURL: "http://vllm:8000/v1" }); }
  x() { return this.openai.chat.completions.create({ model: "m", messages: [] }); }
  y() { return this.other.chat.completions.create({ model: "m", messages: [] }); }
  z() { return this.claude.messages.create({ model: "m", max_tokens: 1, messages: [] }); }
}
`,
      }),
    ).toEqual([
      'a.ts:7 openai chat.completions.create chat <- this.openai @ a.ts',
      'a.ts:8 openai chat.completions.create chat <- this.other @ a.ts',
      'a.ts:9 anthropic messages.create chat <- this.claude @ a.ts',
    ]);
  });

  it('factories, wrappers and annotated or un-annotated parameters', async () => {
    const p = await project({
      'lib/clients.ts': `import OpenAI from "openai";
import { observeOpenAI } from "langfuse";
let cached: OpenAI | undefined;
export function getClient() {
  cached ??= new OpenAI();
  return cached;
}
export const traced = observeOpenAI(new OpenAI({ baseURL: "http://vllm:8000/v1" }));
`,
      'app/use.ts': `import OpenAI from "openai";
import { getClient, traced } from "../lib/clients";
export const a = () => getClient().chat.completions.create({ model: "m", messages: [] });
export const b = () => traced.chat.completions.create({ model: "m", messages: [] });
export function typed(client: OpenAI | undefined) { return client!.embeddings.create({ model: "m", input: "x" }); }
function untyped(client) { return client.chat.completions.create({ model: "m", messages: [] }); }
export const c = () => untyped(getClient());
`,
    });
    const found = allSites(p);
    expect(found.map((s) => `${summary(p, s)} via ${s.client?.via} ${s.confidence} [${s.client?.wrappers.join(',')}]`)).toEqual([
      'app/use.ts:3 openai chat.completions.create chat <- getClient() @ lib/clients.ts via constructor high []',
      'app/use.ts:4 openai chat.completions.create chat <- traced @ lib/clients.ts via constructor high [langfuse#observeOpenAI]',
      'app/use.ts:5 openai embeddings.create embedding <- client! @ app/use.ts via parameter high []',
      'app/use.ts:6 openai chat.completions.create chat <- client @ lib/clients.ts via constructor medium []',
    ]);
    expect(found[1]?.client?.args.get('baseURL')?.value).toBe('http://vllm:8000/v1');
  });

  it("does not ask the callers of a parameter typed with a third-party package that is no SDK; asks them for the repository's own packages", async () => {
    const p = await project({
      'package.json': JSON.stringify({ name: 'app', dependencies: { ioredis: '^5.4.1', openai: '^4.0.0', '@acme/llm': 'workspace:*' } }),
      'lib/worker.ts': `import type { Redis } from "ioredis";
import type { LlmClient } from "@acme/llm";
import type { Thing } from "undeclared-pkg";
export function viaRedis(client: Redis) { return client.chat.completions.create({ model: "m", messages: [] }); }
export function viaWorkspace(client: LlmClient) { return client.chat.completions.create({ model: "m", messages: [] }); }
export function viaUndeclared(client: Thing) { return client.chat.completions.create({ model: "m", messages: [] }); }
`,
      'app/main.ts': `import OpenAI from "openai";
import { viaRedis, viaWorkspace, viaUndeclared } from "../lib/worker";
const openai = new OpenAI();
viaRedis(openai as never);
viaWorkspace(openai);
viaUndeclared(openai);
`,
    });
    expect(allSites(p).map((s) => summary(p, s))).toEqual([
      'lib/worker.ts:5 openai chat.completions.create chat <- client @ app/main.ts',
      'lib/worker.ts:6 openai chat.completions.create chat <- client @ app/main.ts',
    ]);
  });

  it('LangChain models and chains: pipe, RunnableSequence.from, agents, structured output, annotations', async () => {
    expect(
      await sites({
        'a.ts': `import { ChatOpenAI } from "@langchain/openai";
import { ChatAnthropic } from "@langchain/anthropic";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { RunnableSequence } from "@langchain/core/runnables";
import { createReactAgent } from "@langchain/langgraph/prebuilt";
import { ChatPromptTemplate } from "@langchain/core/prompts";
const model = new ChatOpenAI({ model: "gpt-4o" });
const prompt = ChatPromptTemplate.fromTemplate("{q}");
const chain = prompt.pipe(model);
const seq = RunnableSequence.from([prompt, new ChatAnthropic({ model: "claude" })]);
const structured = model.withStructuredOutput({});
export async function f(q: string, injected: BaseChatModel) {
  await chain.invoke({ q });
  await seq.batch([{ q }]);
  for await (const e of model.streamEvents(q, { version: "v2" })) void e;
  await structured.invoke(q);
  await createReactAgent({ llm: model, tools: [] }).invoke({ messages: [] });
  await injected.invoke(q);
  await prompt.invoke({ q });
}
`,
      }),
    ).toEqual([
      'a.ts:13 langchain invoke chain <- chain @ a.ts',
      'a.ts:14 langchain batch chain <- seq @ a.ts',
      'a.ts:15 langchain streamEvents chat stream <- model @ a.ts',
      'a.ts:16 langchain invoke chat <- structured @ a.ts',
      'a.ts:17 langchain invoke chain <- createReactAgent({ llm: model, tools: [] }) @ a.ts',
      'a.ts:18 langchain invoke chat <- injected @ a.ts',
    ]);
  });

  it('HTTP: fetch and axios to inference paths, with templates, instances and helper functions', async () => {
    const p = await project({
      'a.ts': `import axios from "axios";
const BASE = process.env.OLLAMA_URL ?? "http://localhost:11434";
const api = axios.create({ baseURL: "http://tgi.internal:8080" });
async function post(url: string, body: object) {
  return fetch(url, { method: "POST", body: JSON.stringify(body) });
}
export async function f(prompt: string) {
  await fetch(\`\${BASE}/api/generate\`, { method: "POST", body: JSON.stringify({ model: "llama3.1:8b", prompt }) });
  await fetch(new URL("/v1/chat/completions", process.env.VLLM_URL), { method: "POST", body: JSON.stringify({ messages: [] }) });
  await axios.post("https://api.openai.com/v1/completions", { model: "m", prompt });
  await api.post("/generate", { inputs: prompt });
  await axios({ url: "https://api.anthropic.com/v1/messages", method: "post", data: { model: "m", messages: [] } });
  await post(process.env.OLLAMA_URL + "/api/chat", { model: "llama3.1:8b", messages: [] });
  await post("/api/chat", { messages: [] });
  await fetch(\`\${BASE}/api/tags\`);
}
`,
    });
    const found = allSites(p);
    expect(found.map((s) => `${summary(p, s)} ${s.url} ${s.confidence}`)).toEqual([
      'a.ts:8 http POST /api/generate completion http://localhost:11434/api/generate medium',
      'a.ts:9 http POST /v1/chat/completions chat ${process.env.VLLM_URL}/v1/chat/completions high',
      'a.ts:10 http POST /v1/completions completion https://api.openai.com/v1/completions high',
      'a.ts:11 http POST /generate completion http://tgi.internal:8080/generate medium',
      'a.ts:12 http POST /v1/messages chat https://api.anthropic.com/v1/messages high',
      'a.ts:13 http POST /api/chat chat ${process.env.OLLAMA_URL}/api/chat medium',
    ]);
    expect(found[0]?.prompt?.text).toBe('prompt');
    expect(found[0]?.model?.value).toBe('llama3.1:8b');
  });

  it('HTTP: a URL held in a local variable, reassigned or not, is read from its declaration', async () => {
    const p = await project({
      'utils/server.ts': `import { OPENAI_API_HOST, OPENAI_API_TYPE } from "./const";
export const OpenAIStream = async (messages: object[]) => {
  let url = \`\${OPENAI_API_HOST}/v1/chat/completions\`;
  if (OPENAI_API_TYPE === "azure") {
    url = \`\${OPENAI_API_HOST}/openai/deployments/chat/completions?api-version=2023-05-15\`;
  }
  const res = await fetch(url, { method: "POST", body: JSON.stringify({ messages, stream: true }) });
  return res.body;
};
export async function tags() {
  let url = \`\${OPENAI_API_HOST}/v1/models\`;
  return fetch(url, { method: "POST", body: "{}" });
}
`,
      'utils/const.ts': 'export const OPENAI_API_HOST = process.env.OPENAI_API_HOST || "https://api.openai.com";\nexport const OPENAI_API_TYPE = process.env.OPENAI_API_TYPE || "openai";\n',
    });
    expect(allSites(p).map((s) => `${summary(p, s)} ${s.url}`)).toEqual(['utils/server.ts:7 http POST /v1/chat/completions chat stream ${OPENAI_API_HOST}/v1/chat/completions']);
  });

  it('Replicate: the client (run, stream, predictions) and the HTTP API; status polls and other paths are not inference', async () => {
    const p = await project({
      'lib/replicate.ts': 'import Replicate from "replicate";\nexport const replicate = new Replicate({ auth: process.env.REPLICATE_API_TOKEN });\n',
      'a.ts': `import { replicate } from "./lib/replicate";
const FLUX = "black-forest-labs/flux-schnell";
export async function f(prompt: string, id: string) {
  await replicate.run(FLUX, { input: { prompt } });
  for await (const event of replicate.stream("meta/meta-llama-3-70b-instruct", { input: { prompt } })) console.log(event);
  await replicate.predictions.create({ version: "5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa", input: { prompt } });
  await fetch("https://api.replicate.com/v1/predictions", {
    method: "POST",
    headers: { Authorization: \`Token \${process.env.REPLICATE_API_KEY}\` },
    body: JSON.stringify({ version: "854e8727697a057c525cdb45ab037f64ecca770a1769cc52287c2e56472a247b", input: { prompt } }),
  });
  await fetch(\`https://api.replicate.com/v1/models/\${FLUX}/predictions\`, { method: "POST", body: JSON.stringify({ input: { prompt } }) });
  await fetch(\`https://api.replicate.com/v1/predictions/\${id}\`, { method: "GET" });
  await fetch(\`https://api.replicate.com/v1/predictions/\${id}/cancel\`, { method: "POST" });
  await replicate.predictions.get(id);
  await fetch("/api/predictions", { method: "POST", body: JSON.stringify({ prompt }) });
}
`,
    });
    const found = allSites(p).filter((s) => s.path === 'a.ts');
    expect(found.map((s) => `${summary(p, s)} ${s.confidence}`)).toEqual([
      'a.ts:4 replicate run completion <- replicate @ lib/replicate.ts high',
      'a.ts:5 replicate stream completion stream <- replicate @ lib/replicate.ts high',
      'a.ts:6 replicate predictions.create completion <- replicate @ lib/replicate.ts high',
      'a.ts:7 http POST /v1/predictions completion high',
      'a.ts:12 http POST /predictions completion medium',
    ]);
    expect(found[0]?.model?.value).toBe('black-forest-labs/flux-schnell');
    expect(found[0]?.prompt?.text).toBe('{ prompt }');
  });

  it('records what the result lands in', async () => {
    const p = await project({
      'a.ts': `import OpenAI from "openai";
const c = new OpenAI();
export async function f() {
  const r1 = await c.responses.create({ model: "m", input: "x" });
  const { output_text: text } = await c.responses.create({ model: "m", input: "x" });
  const t = (await c.chat.completions.create({ model: "m", messages: [] })).choices[0]?.message.content?.trim();
  for await (const chunk of await c.chat.completions.create({ model: "m", messages: [], stream: true })) void chunk;
  c.responses.create({ model: "m", input: "x" }).then((res) => res.output_text);
  let later;
  later = await c.responses.create({ model: "m", input: "x" });
  return [r1, text, t, later];
}
`,
    });
    expect(allSites(p).map((s) => s.resultNames.join(','))).toEqual(['r1', 'text', 't', 'chunk', 'res', 'later']);
  });
});

describe('inference sites: Python SDK shapes', () => {
  it('OpenAI (client, module-level, legacy, raw response), Anthropic, Azure, async', async () => {
    expect(
      await sites({
        'app.py': `import openai
from openai import AsyncOpenAI, AzureOpenAI
import anthropic

client = openai.OpenAI()
aclient = AsyncOpenAI()
azure = AzureOpenAI(api_version="2024-10-21")
claude = anthropic.Anthropic()


async def f(q):
    client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": q}])
    await aclient.chat.completions.create(model="gpt-4o", messages=[], stream=True)
    azure.chat.completions.with_raw_response.create(model="gpt-4o", messages=[])
    openai.chat.completions.create(model="gpt-4o", messages=[])
    openai.ChatCompletion.create(model="gpt-4", messages=[])
    client.embeddings.create(model="text-embedding-3-small", input=q)
    client.moderations.create(input=q)
    claude.messages.create(model="claude", max_tokens=1, messages=[])
    with claude.messages.stream(model="claude", max_tokens=1, messages=[]) as s:
        pass
`,
      }),
    ).toEqual([
      'app.py:12 openai chat.completions.create chat <- client @ app.py',
      'app.py:13 openai chat.completions.create chat stream <- aclient @ app.py',
      'app.py:14 openai chat.completions.with_raw_response.create chat <- azure @ app.py',
      'app.py:15 openai chat.completions.create chat <- openai @ app.py',
      'app.py:16 openai ChatCompletion.create chat <- openai @ app.py',
      'app.py:17 openai embeddings.create embedding <- client @ app.py',
      'app.py:19 anthropic messages.create chat <- claude @ app.py',
      'app.py:20 anthropic messages.stream chat stream <- claude @ app.py',
    ]);
  });

  it('LiteLLM, Ollama, Hugging Face Hub, Bedrock (boto3), Mistral, Google (both SDKs), Cohere, Groq, Together', async () => {
    expect(
      await sites({
        'app.py': `import boto3
import cohere
import google.generativeai as genai
import litellm
import ollama
from google import genai as gg
from groq import Groq
from huggingface_hub import InferenceClient
from litellm import acompletion
from mistralai import Mistral
from together import Together

bedrock = boto3.Session().client(service_name="bedrock-runtime")
s3 = boto3.client("s3")


async def f(q):
    litellm.completion(model="gpt-4o", messages=[])
    await acompletion(model="claude", messages=[])
    litellm.embedding(model="e", input=[q])
    ollama.chat(model="llama3.1:8b", messages=[])
    ollama.Client(host="http://o:11434").generate(model="llama3.1:8b", prompt=q)
    InferenceClient().text_generation(q, max_new_tokens=8)
    bedrock.invoke_model_with_response_stream(modelId="m", body="{}")
    s3.get_object(Bucket="b", Key="k")
    Mistral(api_key="k").chat.complete(model="mistral-large-2411", messages=[])
    genai.GenerativeModel("gemini-1.5-pro-002").start_chat().send_message(q)
    gg.Client().models.generate_content(model="gemini-2.0-flash-001", contents=q)
    cohere.ClientV2().chat(model="command-r-plus-08-2024", messages=[])
    Groq().chat.completions.create(model="llama", messages=[])
    Together().completions.create(model="llama", prompt=q)
`,
      }),
    ).toEqual([
      'app.py:18 litellm litellm.completion chat',
      'app.py:19 litellm litellm.acompletion chat',
      'app.py:20 litellm litellm.embedding embedding',
      'app.py:21 ollama ollama.chat chat',
      'app.py:22 ollama generate completion <- ollama.Client(host="http://o:11434") @ app.py',
      'app.py:23 huggingface text_generation completion <- InferenceClient() @ app.py',
      'app.py:24 bedrock invoke_model_with_response_stream completion stream <- bedrock @ app.py',
      'app.py:26 mistral chat.complete chat <- Mistral(api_key="k") @ app.py',
      'app.py:27 google send_message chat <- genai.GenerativeModel("gemini-1.5-pro-002").start_chat() @ app.py',
      'app.py:28 google models.generate_content chat <- gg.Client() @ app.py',
      'app.py:29 cohere chat chat <- cohere.ClientV2() @ app.py',
      'app.py:30 groq chat.completions.create chat <- Groq() @ app.py',
      'app.py:31 together completions.create completion <- Together() @ app.py',
    ]);
  });

  it('self-hosted: the SGLang engine and MLX LM; SGLang frontend primitives, model loading and tokenizers are not generation', async () => {
    expect(
      await sites({
        'engine.py': `import sglang as sgl

engine = sgl.Engine(model_path="Qwen/Qwen2.5-7B-Instruct")
`,
        'app.py': `import sglang as sgl
from mlx_lm import generate as mlx_generate, load, stream_generate

from engine import engine

model, tokenizer = load("mlx-community/Llama-3.2-3B-Instruct-4bit")


@sgl.function
def qa(s, question):
    s += sgl.user(question)
    s += sgl.assistant(sgl.gen("answer", max_tokens=64))


async def answer(q: str):
    out = await engine.async_generate(q, {"temperature": 0})
    text = mlx_generate(model, tokenizer, prompt=q, max_tokens=64)
    for chunk in stream_generate(model, tokenizer, q):
        pass
    ids = tokenizer.encode(q)
    return out, text, ids
`,
      }),
    ).toEqual(['app.py:16 sglang async_generate completion <- engine @ engine.py', 'app.py:17 mlx-lm mlx_lm.generate completion', 'app.py:18 mlx-lm mlx_lm.stream_generate completion']);
  });

  it('self-hosted: transformers generate and pipelines, vLLM, AsyncLLMEngine, llama.cpp; forward passes are not generation', async () => {
    expect(
      await sites({
        'app.py': `from llama_cpp import Llama
from sentence_transformers import SentenceTransformer
from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification, pipeline
from vllm import LLM
from vllm.engine.async_llm_engine import AsyncLLMEngine

lm = AutoModelForCausalLM.from_pretrained("m").to("cuda").eval()
clf = AutoModelForSequenceClassification.from_pretrained("c")
gen = pipeline(task="text-generation", model="m")
summarizer = pipeline("summarization")
ner = pipeline("ner")
v = LLM(model="m")
engine = AsyncLLMEngine.from_engine_args(None)
gguf = Llama.from_pretrained(repo_id="r", filename="*.gguf")
st = SentenceTransformer("s")


async def f(q, ids):
    lm.generate(ids, max_new_tokens=8)
    lm(ids)
    clf(ids)
    gen(q)
    summarizer(q)
    ner(q)
    v.chat([{"role": "user", "content": q}])
    async for out in engine.generate(q, None, request_id="1"):
        pass
    gguf(q)
    gguf.create_chat_completion(messages=[])
    st.encode([q])
`,
      }),
    ).toEqual([
      'app.py:19 transformers generate completion <- lm @ app.py',
      'app.py:22 transformers gen(...) completion <- gen @ app.py',
      'app.py:23 transformers summarizer(...) completion <- summarizer @ app.py',
      'app.py:24 transformers ner(...) classify <- ner @ app.py',
      'app.py:25 vllm chat chat <- v @ app.py',
      'app.py:26 vllm generate completion stream <- engine @ app.py',
      'app.py:28 llama-cpp gguf(...) completion <- gguf @ app.py',
      'app.py:29 llama-cpp create_chat_completion chat <- gguf @ app.py',
      'app.py:30 sentence-transformers encode embedding <- st @ app.py',
    ]);
  });

  it('LangChain: models, | chains, init_chat_model, agents, annotated and un-annotated parameters; tools are not models', async () => {
    expect(
      await sites({
        'rag/__init__.py': '',
        'rag/models.py': 'from langchain_openai import ChatOpenAI\n\nllm = ChatOpenAI(model="gpt-4o")\n',
        'rag/chains.py': `from langchain.chat_models import init_chat_model
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.tools import tool
from langgraph.prebuilt import create_react_agent

from rag.models import llm


@tool
def search(q: str) -> str:
    """Search."""
    return q


chain = ChatPromptTemplate.from_template("{q}") | llm.bind_tools([search]) | StrOutputParser()


def f(q, grader: "BaseChatModel", other=None):
    chain.invoke({"q": q})
    llm.stream(q)
    init_chat_model("gpt-4o", model_provider="openai").ainvoke(q)
    create_react_agent(llm, [search]).invoke({"messages": []})
    grader.invoke(q)
    search.invoke({"q": q})
    helper(llm, q)


def helper(model, q):
    return model.invoke(q)
`,
      }),
    ).toEqual([
      'rag/chains.py:21 langchain invoke chain <- chain @ rag/chains.py',
      'rag/chains.py:22 langchain stream chat stream <- llm @ rag/models.py',
      'rag/chains.py:23 langchain ainvoke chat <- init_chat_model("gpt-4o", model_provider="openai") @ rag/chains.py',
      'rag/chains.py:24 langchain invoke chain <- create_react_agent(llm, [search]) @ rag/chains.py',
      'rag/chains.py:25 langchain invoke chat <- grader @ rag/chains.py',
      'rag/chains.py:31 langchain invoke chat <- model @ rag/models.py',
    ]);
  });

  it('HTTP: requests, httpx and sessions with a base URL; own-service routes are not inference', async () => {
    const p = await project({
      'app.py': `import os

import httpx
import requests

OLLAMA = os.getenv("OLLAMA_HOST", "http://ollama:11434")
session = requests.Session()


async def f(prompt):
    requests.post(f"{OLLAMA}/api/generate", json={"model": "llama3.1:8b", "prompt": prompt})
    session.post("https://api.openai.com/v1/chat/completions", json={"model": "gpt-4o", "messages": []})
    httpx.request("POST", "http://tgi:8080/generate", json={"inputs": prompt})
    async with httpx.AsyncClient(base_url="http://vllm:8000") as c:
        await c.post("/v1/completions", json={"model": "m", "prompt": prompt})
    requests.post("http://billing:8000/invoices/generate", json={"order": 1})
    requests.get(f"{OLLAMA}/api/tags")
    requests.post("/api/chat", json={"model": "x"})
    post_json(os.environ["LLM_URL"] + "/v1/chat/completions", {"model": "m", "messages": []})
    post_json("http://billing:8000/api/chat", {"messages": []})


def post_json(url, payload):
    return requests.post(url, json=payload, timeout=30).json()
`,
    });
    expect(allSites(p).map((s) => `${summary(p, s)} ${s.url}`)).toEqual([
      'app.py:11 http POST /api/generate completion http://ollama:11434/api/generate',
      'app.py:12 http POST /v1/chat/completions chat https://api.openai.com/v1/chat/completions',
      'app.py:13 http POST /generate completion http://tgi:8080/generate',
      'app.py:15 http POST /v1/completions completion http://vllm:8000/v1/completions',
      'app.py:19 http POST /v1/chat/completions chat {os.environ["LLM_URL"]}/v1/chat/completions',
    ]);
  });
});

describe('inference sites: Python client tracking', () => {
  it('clients from other modules, packages and relative imports; self.client; factories; Depends; globals', async () => {
    expect(
      await sites({
        'app/__init__.py': '',
        'app/core/__init__.py': 'from .clients import client as default_client\n',
        'app/core/clients.py': `from functools import lru_cache

from openai import OpenAI

client = OpenAI()
_lazy = None


@lru_cache
def get_client() -> OpenAI:
    return OpenAI(base_url="http://vllm:8000/v1")


def lazy():
    global _lazy
    if _lazy is None:
        _lazy = OpenAI()
    return _lazy
`,
        'app/svc.py': `from fastapi import Depends

from app.core import default_client
from app.core import clients as c
from .core.clients import get_client, lazy


class Service:
    llm = c.client

    def __init__(self):
        self.client = get_client()

    def a(self):
        return self.client.chat.completions.create(model="m", messages=[])

    def b(self):
        return self.llm.chat.completions.create(model="m", messages=[])


def d(client=Depends(get_client)):
    return client.completions.create(model="m", prompt="x")


def e():
    default_client.responses.create(model="m", input="x")
    lazy().responses.create(model="m", input="x")
`,
      }),
    ).toEqual([
      'app/svc.py:15 openai chat.completions.create chat <- self.client @ app/core/clients.py',
      'app/svc.py:18 openai chat.completions.create chat <- self.llm @ app/core/clients.py',
      'app/svc.py:22 openai completions.create completion <- client @ app/core/clients.py',
      'app/svc.py:26 openai responses.create responses <- default_client @ app/core/clients.py',
      'app/svc.py:27 openai responses.create responses <- lazy() @ app/core/clients.py',
    ]);
  });

  it('a module named like an SDK inside another package does not shadow the SDK', async () => {
    expect(
      await sites({
        'app/__init__.py': '',
        'app/providers/__init__.py': '',
        'app/providers/openai.py': 'class OpenAI:\n    pass\n',
        'app/main.py': 'from openai import OpenAI\n\nOpenAI().chat.completions.create(model="m", messages=[])\n',
      }),
    ).toEqual(['app/main.py:3 openai chat.completions.create chat <- OpenAI() @ app/main.py']);
  });

  it('a subpackage imported as top-level by a module of the same package directory (its parent on sys.path)', async () => {
    expect(
      await sites({
        'backend/__init__.py': '',
        'backend/chat/__init__.py': '',
        'backend/chat/agent.py': 'from openai import OpenAI\n\nclient = OpenAI()\n',
        'backend/server/__init__.py': '',
        'backend/server/app.py': 'from chat.agent import client\n\nclient.chat.completions.create(model="m", messages=[])\n',
        'tools/app.py': 'from chat.agent import client\n\nclient.chat.completions.create(model="m", messages=[])\n',
      }),
    ).toEqual(['backend/server/app.py:3 openai chat.completions.create chat <- client @ backend/chat/agent.py']);
  });

  it('clients unpacked from returned tuples and stored in module-level containers', async () => {
    expect(
      await sites({
        'w.py': `from openai import OpenAI

workers = {}
pool = []


class Worker:
    def __init__(self):
        self.client = OpenAI()

    def run(self, p):
        return self.client.chat.completions.create(model="m", messages=[{"role": "user", "content": p}])


def create():
    w = Worker()
    return "cfg", w


def handle(name, p):
    return workers[name].run(p)


def first(p):
    return pool[0].run(p)


if __name__ == "__main__":
    cfg, worker = create()
    workers["a"] = worker
    pool.append(worker)
    worker.run("hi")
`,
      }),
    ).toEqual(['w.py:12 openai chat.completions.create chat <- self.client @ w.py']);
    const p = await project({
      'w.py': `from openai import OpenAI
workers = {}
class Worker:
    def __init__(self):
        self.client = OpenAI()
    def run(self, p):
        return self.client.chat.completions.create(model="m", messages=[])
def create():
    return "cfg", Worker()
def handle(name, p):
    return workers[name].run(p)
def local(p):
    workers = {"x": object()}
    return workers["x"].run(p)
cfg, worker = create()
workers["a"] = worker
`,
    });
    const f = p.file('w.py') as NonNullable<ReturnType<typeof p.file>>;
    const reach = (name: string) => reachableSites(p, functionsOf(f, p).find((x) => x.name === name) as FunctionInfo).length;
    expect([reach('handle'), reach('local')]).toEqual([1, 0]);
  });

  it('constructor injection through a classmethod factory and asyncio.to_thread; client methods run in threads', async () => {
    const p = await project({
      'p.py': `import asyncio

from google import genai
from langchain_openai import ChatOpenAI


class Provider:
    def __init__(self, llm):
        self.llm = llm

    @classmethod
    def make(cls):
        return cls(ChatOpenAI(model="gpt-4o"))

    async def run(self, m):
        return await self.llm.ainvoke(m)


def grade(judge, text):
    return judge.invoke(text)


async def main():
    await asyncio.to_thread(grade, ChatOpenAI(model="gpt-4o"), "t")
    client = genai.Client()
    r = await asyncio.to_thread(client.models.generate_content, model="gemini-2.0-flash-001", contents="t")
    await asyncio.get_running_loop().run_in_executor(None, client.models.embed_content, "m", "t")
`,
    });
    expect(allSites(p).map((s) => `${summary(p, s)} ${s.confidence}`)).toEqual([
      'p.py:16 langchain ainvoke chat <- self.llm @ p.py medium',
      'p.py:20 langchain invoke chat <- judge @ p.py medium',
      'p.py:26 google models.generate_content chat <- client @ p.py high',
      'p.py:27 google models.embed_content embedding <- client @ p.py high',
    ]);
    const viaThread = allSites(p)[2];
    expect([viaThread?.model?.text, viaThread?.prompt?.text, viaThread?.resultNames.join()]).toEqual(['"gemini-2.0-flash-001"', '"t"', 'r']);
  });
});

describe('inference sites: generation run in a thread, clients chosen by the method called', () => {
  it('Thread / Process targets are sites with the arguments they are given; the streamer holds the response', async () => {
    const p = await project({
      'g.py': `import multiprocessing
import threading
from threading import Thread

from transformers import AutoModelForCausalLM, TextIteratorStreamer, pipeline

model = AutoModelForCausalLM.from_pretrained("./ckpt")
pipe = pipeline("text-generation", model="./ckpt")


def a(ids, tok):
    streamer = TextIteratorStreamer(tok)
    kw = dict(input_ids=ids, streamer=streamer)
    Thread(target=model.generate, kwargs=kw).start()
    return "".join(streamer)


def b(prompt, tok):
    s = TextIteratorStreamer(tok)
    threading.Thread(target=pipe, kwargs={"text_inputs": prompt, "streamer": s}).start()
    multiprocessing.Process(target=model.generate, args=(prompt,)).start()
    Thread(target=model.save_pretrained, args=("out",)).start()
    Thread(target=print, args=(prompt,)).start()
`,
    });
    const found = allSites(p);
    expect(found.map((s) => `${summary(p, s)} prompt=${s.prompt?.text} results=${s.resultNames.join()}`)).toEqual([
      'g.py:14 transformers generate completion stream <- model @ g.py prompt=ids results=streamer',
      'g.py:20 transformers pipe(...) completion stream <- pipe @ g.py prompt=prompt results=s',
      'g.py:21 transformers generate completion <- model @ g.py prompt=prompt results=',
    ]);
  });

  it('a project function run as a thread target is called by the function that starts the thread', async () => {
    const p = await project({
      'w.py': `from threading import Thread


def work(q):
    return q


def start(q):
    Thread(target=work, args=(q,)).start()
`,
    });
    const f = p.file('w.py') as NonNullable<ReturnType<typeof p.file>>;
    const work = functionsOf(f, p).find((x) => x.name === 'work') as FunctionInfo;
    expect(callersOf(p, work).map((e) => `${e.from.name} ${e.args.get('#0')?.text} [${e.resultNames.join()}]`)).toEqual(['start q []']);
  });

  it('an attribute given different model classes in different branches: the one with the method called', async () => {
    const p = await project({
      'e.py': `from optimum.intel import OVModelForCausalLM
from sentence_transformers import SentenceTransformer


class Engine:
    def __init__(self, path, kind):
        if kind == "embed":
            self.model = SentenceTransformer(path)
        else:
            self.model = OVModelForCausalLM.from_pretrained(path)
        self.model = self.model.to("cpu")

    def run(self, inputs):
        return self.model.generate(**inputs)

    def vec(self, texts):
        return self.model.encode(texts)

    def other(self):
        return self.model.fit()
`,
    });
    expect(allSites(p).map((s) => summary(p, s))).toEqual(['e.py:14 transformers generate completion <- self.model @ e.py', 'e.py:17 sentence-transformers encode embedding <- self.model @ e.py']);
  });

  it('a tuple a loader returns, typed by its annotation', async () => {
    const p = await project({
      'pkg/__init__.py': '',
      'pkg/load.py': `from transformers import PreTrainedModel, PreTrainedTokenizer


def load_model_and_tokenizer(cfg) -> tuple[PreTrainedModel, PreTrainedTokenizer]:
    return build(cfg)
`,
      'pkg/run.py': `from pkg.load import load_model_and_tokenizer


def main(cfg, ids):
    model, tokenizer = load_model_and_tokenizer(cfg)
    tokenizer.decode(ids)
    return model.generate(ids)
`,
    });
    expect(allSites(p).map((s) => summary(p, s))).toEqual(['pkg/run.py:7 transformers generate completion <- model @ pkg/load.py']);
  });
});

describe('project inference functions (settings.inference.functions)', () => {
  it('calls of the named functions are sites, in both languages and both entry forms', async () => {
    const files = {
      'lib/llm.ts': 'export async function complete(prompt: string) { return prompt; }\nexport class Llm { ask(q: string) { return q; } }\n',
      'app/x.ts': 'import { complete as c, Llm } from "../lib/llm";\nexport const x = (q: string) => c(q);\nexport const y = (q: string) => new Llm().ask(q);\n',
      'pkg/__init__.py': '',
      'pkg/llm.py': 'def ask(prompt):\n    return prompt\n',
      'pkg/use.py': 'from pkg import llm\nfrom pkg.llm import ask as a\n\nllm.ask("x")\na("y")\n',
    };
    const settings = { inference: { functions: ['lib/llm.ts#complete', 'lib/llm.ts#Llm.ask', 'pkg.llm.ask'] } };
    const p = await project(files, settings);
    expect(allSites(p).map((s) => `${summary(p, s)} ${s.custom} ${s.prompt?.text}`)).toEqual([
      'app/x.ts:2 custom complete chat lib/llm.ts#complete q',
      'app/x.ts:3 custom Llm.ask chat lib/llm.ts#Llm.ask q',
      'pkg/use.py:4 custom ask chat pkg.llm.ask "x"',
      'pkg/use.py:5 custom ask chat pkg.llm.ask "y"',
    ]);
    expect(await sites(files)).toEqual([]);
  });
});

describe('test files', () => {
  it('are recognised by directory and name', () => {
    expect(['tests/test_a.py', 'app/a_test.py', 'conftest.py', 'web/__tests__/x.ts', 'src/x.test.ts', 'src/x.spec.tsx', 'test/e2e.js'].filter(isTestFile)).toHaveLength(7);
    expect(['app/testing.py', 'src/latest.ts', 'app/contest.py', 'src/attest/x.ts'].filter(isTestFile)).toEqual([]);
  });
});

describe('functions and reachability', () => {
  const files = {
    'lib/llm.ts': `import OpenAI from "openai";
const client = new OpenAI();
export async function ask(q: string) {
  return client.chat.completions.create({ model: "m", messages: [{ role: "user", content: q }] });
}
export const unused = () => 1;
`,
    'lib/service.ts': `import { ask } from "./llm";
export class Service {
  answer(q: string) { return ask(q); }
}
`,
    'app/route.ts': `import { Service } from "../lib/service";
const svc = new Service();
export async function POST(req: Request) {
  const { q } = await req.json();
  return Response.json(await svc.answer(q));
}
export async function GET() { return Response.json({ ok: true }); }
`,
  };

  it('lists functions with names, export flags and parameters', async () => {
    const p = await project(files);
    const fns = functionsOf(p.file('lib/llm.ts') as never, p).map((f) => `${f.name}${f.exported ? ' exported' : ''} (${f.params.join(',')})`);
    expect(fns).toEqual(['<module> ()', 'ask exported (q)', 'unused exported ()']);
    const route = p.file('app/route.ts');
    const at = route ? functionAt(route, p, route.text.indexOf('svc.answer')) : undefined;
    expect(at?.name).toBe('POST');
  });

  it('follows methods of service objects: CommonJS and ESM, through Object.create factories and `this`', async () => {
    const p = await project({
      'services/chat.js': `const OpenAI = require("openai");
const client = new OpenAI();
const chatService = {
  model: "gpt-4o-mini-2024-07-18",
  create({ model }) {
    const obj = Object.create(this);
    obj.model = model || this.model;
    return obj;
  },
  async reply(prompt) {
    const r = await this.complete([{ role: "user", content: prompt }]);
    return r.choices[0].message.content;
  },
  complete: async function (messages) {
    return client.chat.completions.create({ model: this.model, messages });
  },
  history() {
    return [];
  },
};
module.exports = chatService;
`,
      'services/summary.mjs': `import OpenAI from "openai";
const openai = new OpenAI();
export default {
  async summarize(text) {
    return openai.responses.create({ model: "gpt-4o-mini-2024-07-18", input: text });
  },
};
`,
      'routes/chat.js': `const chat = require("../services/chat");
const tuned = require("../services/chat").create({ model: "gpt-4o-2024-08-06" });
exports.plain = async (req, res) => res.json(await chat.reply(req.body.prompt));
exports.tuned = async (req, res) => res.json(await tuned.reply(req.body.prompt));
exports.history = async (req, res) => res.json(chat.history());
`,
      'routes/summary.mjs': `import summaries from "../services/summary.mjs";
export async function summarize(req, res) {
  res.json(await summaries.summarize(req.body.text));
}
`,
    });
    const reached = (path: string, name: string): string[] => {
      const fn = functionsOf(p.file(path) as never, p).find((f) => f.name === name);
      expect(fn, name).toBeDefined();
      return reachableSites(p, fn as never).map((r) => `${summary(p, r.site)} via ${r.via.map((e) => e.to.name).join(' > ')}`);
    };
    expect(reached('routes/chat.js', 'plain')).toEqual(['services/chat.js:15 openai chat.completions.create chat <- client @ services/chat.js via chatService.reply > complete']);
    expect(reached('routes/chat.js', 'tuned')).toEqual(['services/chat.js:15 openai chat.completions.create chat <- client @ services/chat.js via chatService.reply > complete']);
    expect(reached('routes/chat.js', 'history')).toEqual([]);
    expect(reached('routes/summary.mjs', 'summarize')).toEqual(['services/summary.mjs:5 openai responses.create responses <- openai @ services/summary.mjs via summarize']);
  });

  it('finds the sites a handler reaches, through a method of another module, and the callers of a function', async () => {
    const p = await project(files);
    const route = p.file('app/route.ts');
    expect(route).toBeDefined();
    const post = functionsOf(route as never, p).find((f) => f.name === 'POST');
    const reached = reachableSites(p, post as never);
    expect(reached.map((r) => `${summary(p, r.site)} via ${r.via.map((e) => e.to.name).join(' > ')}`)).toEqual([
      'lib/llm.ts:4 openai chat.completions.create chat <- client @ lib/llm.ts via Service.answer > ask',
    ]);
    expect(reachableSites(p, post as never, 1)).toEqual([]);
    expect(functionsReachingInference(route as never, p).map((x) => x.fn.name)).toEqual(['POST']);
    const ask = functionsOf(p.file('lib/llm.ts') as never, p).find((f) => f.name === 'ask');
    expect(callersOf(p, ask as never).map((e) => `${e.from.path}#${e.from.name}`)).toEqual(['lib/service.ts#Service.answer']);
  });

  it('works the same in Python', async () => {
    const p = await project({
      'svc/__init__.py': '',
      'svc/llm.py': 'import anthropic\n\nclaude = anthropic.Anthropic()\n\n\ndef ask(q):\n    return claude.messages.create(model="m", max_tokens=1, messages=[])\n',
      'svc/api.py':
        'from fastapi import FastAPI\n\nfrom svc.llm import ask\n\napp = FastAPI()\n\n\n@app.post("/ask")\ndef post(q: str):\n    return helper(q)\n\n\ndef helper(q):\n    return ask(q)\n',
    });
    const api = p.file('svc/api.py');
    const post = functionsOf(api as never, p).find((f) => f.name === 'post');
    expect(post?.decorators).toEqual(['app.post']);
    expect(reachableSites(p, post as never).map((r) => `${summary(p, r.site)} via ${r.via.map((e) => e.to.name).join(' > ')}`)).toEqual([
      'svc/llm.py:7 anthropic messages.create chat <- claude @ svc/llm.py via helper > ask',
    ]);
  });
});

describe('the valid fixtures of inference-logging/unlogged-inference are not vacuous', () => {
  const dir = join(import.meta.dirname, '..', 'fixtures', 'inference-logging', 'unlogged-inference', 'valid');
  for (const name of readdirSync(dir).filter((d) => statSync(join(dir, d)).isDirectory())) {
    it(`${name}: has inference calls, and each one is recorded`, async () => {
      const root = join(dir, name);
      const settings = loadConfig(findConfig(root), ruleInfo, root).settings;
      const p = await load(root, settings);
      const found = allSites(p).filter((s) => s.kind !== 'embedding' && s.kind !== 'classify' && !isTestFile(s.path));
      expect(found.length).toBeGreaterThan(0);
      for (const s of found) expect(recordingEvidence(p, s), summary(p, s)).toBeDefined();
    });
  }
});

describe('import cycles', () => {
  it('modules that import a name from each other resolve to nothing instead of recursing forever', async () => {
    const p = await project({
      'pkg/__init__.py': 'from pkg.conversation import get_conv_template\n',
      'pkg/conversation.py':
        'from pkg import get_conv_template\nfrom pkg.model import client\n\ndef run(prompt):\n    conv = get_conv_template("vicuna")\n    return client.chat.completions.create(model="gpt-4o-2024-08-06", messages=[{"role": "user", "content": prompt}])\n',
      'pkg/model.py': 'from openai import OpenAI\nfrom pkg.conversation import get_conv_template\nclient = OpenAI()\n',
    });
    const f = p.file('pkg/conversation.py');
    expect(f).toBeDefined();
    const sites = inferenceSites(f as NonNullable<typeof f>, p).map((s) => summary(p, s));
    expect(sites).toEqual(['pkg/conversation.py:6 openai chat.completions.create chat <- client @ pkg/model.py']);
  });
});

describe('callers found by name', () => {
  it('follow import aliases and thread hand-offs to the function they call', async () => {
    const p = await project({
      'app/llm.py': 'def ask(client, prompt):\n    return client.chat.completions.create(model="gpt-4o-2024-08-06", messages=[{"role": "user", "content": prompt}])\n',
      'app/api.py':
        'import asyncio\nfrom openai import OpenAI\nfrom app.llm import ask as run_llm\n\nclient = OpenAI()\n\nasync def handler(q):\n    return await asyncio.to_thread(run_llm, client, q)\n\ndef sync_handler(q):\n    return run_llm(client, q)\n',
    });
    const f = p.file('app/llm.py');
    const sites = f ? inferenceSites(f, p).map((s) => summary(p, s)) : [];
    expect(sites).toEqual(['app/llm.py:2 openai chat.completions.create chat <- client @ app/api.py']);
    const fn = f ? functionAt(f, p, f.text.indexOf('return')) : undefined;
    expect(
      fn &&
        callersOf(p, fn)
          .map((e) => `${e.from.path}:${e.from.name}`)
          .sort(),
    ).toEqual(['app/api.py:handler', 'app/api.py:sync_handler']);
  });
});

describe('options spread into a call', () => {
  /** `line keys | open spreads` of every site, keys sorted (positional ones left out). */
  async function spreadArgs(files: Record<string, string>): Promise<string[]> {
    const p = await project(files);
    return allSites(p).map((s) => {
      const line = p.file(s.path)?.range(s.calleeSpan).start.line ?? 0;
      const keys = [...s.args.keys()].filter((k) => !k.startsWith('#')).sort();
      return `${line} ${keys.join(',')} | ${s.openArgs.map((a) => a.text).join(',')}`;
    });
  }

  it('TS: locals, imports, function results, conditional spreads, destructuring rests and what every caller passes', async () => {
    expect(
      await spreadArgs({
        'base.ts': 'export const base = { maxRetries: 2, temperature: 0 };\n',
        'a.ts': `import { generateText } from "ai";
import { base } from "./base";
const model = {} as never;
function build(flag: boolean) { return { prompt: "p", ...(flag ? { seed: 1 } : {}) }; }
export async function a(flag: boolean) { return generateText({ model, ...base, ...build(flag) }); }
export async function b(opts: { prompt: string }) { const { prompt, ...rest } = { prompt: "x", topP: 1, ...opts }; return generateText({ model, prompt, ...rest }); }
async function c(options: object) { return generateText({ model, ...options }); }
export const c1 = () => c({ prompt: "1", seed: 1 });
export const c2 = () => c({ prompt: "2" });
export async function d(extra: Record<string, unknown>) { return generateText({ model, prompt: "p", ...extra }); }
export async function e() { return generateText({ model, ...base, temperature: 1 }); }
`,
      }),
    ).toEqual(['5 maxRetries,model,prompt,seed,temperature | ', '6 model,prompt,topP | opts', '7 model,prompt | ', '10 model,prompt | extra', '11 maxRetries,model,temperature | ']);
  });

  it('a later property wins over a spread one; a spread file records where its options are', async () => {
    const p = await project({
      'base.ts': 'export const traced = { experimental_telemetry: { isEnabled: true } };\n',
      'a.ts': `import { generateText } from "ai";
import { traced } from "./base";
export const a = () => generateText({ model: {} as never, prompt: "p", ...traced });
export const b = () => generateText({ model: {} as never, prompt: "p", ...traced, experimental_telemetry: { isEnabled: false } });
`,
    });
    const [a, b] = allSites(p);
    expect(a?.args.get('experimental_telemetry')?.path).toBe('base.ts');
    expect(b?.args.get('experimental_telemetry.isEnabled')?.text).toBe('false');
    expect(b?.args.get('experimental_telemetry')?.path).toBeUndefined();
  });

  it('Python: a **splat the analysis cannot read is an open spread', async () => {
    expect(
      await spreadArgs({
        'a.py': `import litellm

DEFAULTS = {"temperature": 0}


def a(messages):
    return litellm.completion(model="m", messages=messages, **DEFAULTS)


def b(messages, **kwargs):
    return litellm.completion(model="m", messages=messages, **kwargs)
`,
      }),
    ).toEqual(['7 messages,model,temperature | ', '11 messages,model | kwargs']);
  });
});

describe('HTTP inference: the model a request names', () => {
  /** `line api model(exact)` of every HTTP site. */
  async function httpModels(files: Record<string, string>): Promise<string[]> {
    const p = await project(files);
    return allSites(p)
      .filter((s) => s.sdk === 'http')
      .map((s) => `${p.file(s.path)?.range(s.calleeSpan).start.line ?? 0} ${s.api} ${s.model?.value ?? '?'}${s.model?.exact === false ? ' (inexact)' : ''}`);
  }

  it('TS: from the body (a literal, a local, an imported constant) or from a Gemini URL', async () => {
    expect(
      await httpModels({
        'package.json': '{ "dependencies": { "got": "^14.0.0" } }',
        'models.ts': 'export const CHAT_MODEL = "gpt-4o-mini-2024-07-18";\n',
        'a.ts': `import got from "got";
import { CHAT_MODEL } from "./models";
const url = "https://api.openai.com/v1/chat/completions";
export const a = (q: string) => got.post(url, { json: { model: CHAT_MODEL, messages: [{ role: "user", content: q }] } });
export const b = (q: string) => { const model = "claude-3-5-haiku-20241022"; const body = { model, messages: [q] }; return fetch("https://api.anthropic.com/v1/messages", { method: "POST", body: JSON.stringify(body) }); };
export const c = (q: string, m: string) => fetch(\`https://generativelanguage.googleapis.com/v1beta/models/\${m}:generateContent\`, { method: "POST", body: JSON.stringify({ contents: [q] }) });
export const d = (q: string) => fetch("https://generativelanguage.googleapis.com/v1/models/gemini-2.0-flash-001:generateContent", { method: "POST", body: JSON.stringify({ contents: [q] }) });
`,
      }),
    ).toEqual([
      '4 POST /v1/chat/completions gpt-4o-mini-2024-07-18',
      '5 POST /v1/messages claude-3-5-haiku-20241022',
      '6 POST /models/{model}:generateContent ${m} (inexact)',
      '7 POST /models/{model}:generateContent gemini-2.0-flash-001',
    ]);
  });

  it('Python: from the body (a dict in a variable, json.dumps of one, an imported constant)', async () => {
    expect(
      await httpModels({
        'requirements.txt': 'requests==2.32.3\n',
        'cfg.py': 'MODEL = "meta-llama/Llama-3.1-8B-Instruct"\nBASE = "http://localhost:8000"\n',
        'a.py': `import json
import requests
from cfg import BASE, MODEL


def a(q):
    payload = {"model": MODEL, "messages": [{"role": "user", "content": q}]}
    return requests.post(f"{BASE}/v1/chat/completions", data=json.dumps(payload))


def b(q):
    model = "llama3.2:3b"
    return requests.post("http://localhost:11434/api/chat", json={"model": model, "messages": [q]})
`,
      }),
    ).toEqual(['8 POST /v1/chat/completions meta-llama/Llama-3.1-8B-Instruct', '13 POST /api/chat llama3.2:3b']);
  });
});
