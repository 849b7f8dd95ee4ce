import { spawn } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempRepo } from '../helpers/run.js';
import { BIN, CALL, NEIGHBOUR, NEIGHBOUR_RULES } from './hostile-kit.js';

/**
 * Deeply nested and very long code inside what the rules analyse: a FastAPI route or an Express
 * handler that calls a model. Each shape sits in a file of its own next to a route with a plain
 * floating alias (the sentinel), whose findings must survive; no rule may crash on the shape.
 * One repository holds every shape at full size, scanned with Node's default stack; a second
 * holds them at a medium size, scanned with a reduced stack, so that a recursion following the
 * nesting of the input overflows there even where the full size would still fit.
 */

interface Finding {
  ruleId: string;
  path: string;
}
interface Notice {
  kind: string;
  path?: string;
  message: string;
}
interface Report {
  findings: Finding[];
  notifications: Notice[];
}

/** Repeats `f(i)` for i = 0 … n-1 and joins the pieces. */
const rep = (n: number, f: (i: number) => string, sep = ''): string => Array.from({ length: n }, (_, i) => f(i)).join(sep);
const indent = (text: string, by: string): string =>
  text
    .split('\n')
    .map((l) => (l ? by + l : l))
    .join('\n');

// ---------------------------------------------------------------------------------------------
// Python: a FastAPI app, the shape in a route handler or at module level

interface PyParts {
  /** Module-level code before the app. */
  pre?: string;
  /** Statements at the top of the handler. */
  body?: string;
  /** The `model=` argument of the handler's call. */
  model?: string;
  /** The whole return statement's expression instead of the plain call. */
  ret?: string;
  /** Decorators above the route decorator. */
  decorators?: string;
}

function pyFile(p: PyParts): string {
  const ret = p.ret ?? `client.chat.completions.create(model=${p.model ?? '"gpt-4o-mini"'}, messages=[{"role": "user", "content": q}])`;
  return [
    'from fastapi import FastAPI',
    'from openai import OpenAI',
    'import requests',
    '',
    'app = FastAPI()',
    'client = OpenAI()',
    '',
    p.pre ?? '',
    '',
    `${p.decorators ?? ''}@app.post("/chat")`,
    'def chat(q: str):',
    indent(p.body ?? 'pass', '    '),
    `    return ${ret}`,
    '',
    '',
    '@app.post("/sentinel")',
    'def sentinel(q: str):',
    '    return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": q}])',
    '',
  ].join('\n');
}

/** Nested `def`s (or classes), one space deeper each, the model call innermost. */
function pyNested(n: number, head: (i: number) => string, inner: string): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(`${' '.repeat(i)}${head(i)}`);
  lines.push(`${' '.repeat(n)}${inner}`);
  return lines.join('\n');
}

/**
 * Python blocks nest by indentation, and the grammar's indentation stack holds a few hundred
 * levels: deeper, the file does not parse at all (the parse adapter's business, not the rules').
 * Block nesting is tested up to what parses.
 */
const PY_INDENT_LEVELS = 400;

function pyShapes(k: number): Record<string, Record<string, string>> {
  const n = (x: number): number => Math.max(2, Math.round(x * k));
  const blocks = (x: number): number => Math.min(n(x), PY_INDENT_LEVELS);
  const chainDepth = Math.min(n(50), 50);
  return {
    'string + chain as the model name': { 'svc/plus_model.py': pyFile({ model: `"gpt-4o"${rep(n(20_000), () => ' + ""')}` }) },
    'string + chain as a URL': {
      'svc/plus_url.py': pyFile({
        pre: `llm = OpenAI(base_url="http://" + ${rep(n(20_000), (i) => `"h${i % 10}"`, ' + ')} + ":8000/v1")`,
        body: `r = requests.post("http://vllm:8000"${rep(n(20_000), () => ' + "/v1"')} + "/chat/completions", json={"model": "m", "prompt": q})`,
      }),
    },
    'nested parentheses': { 'svc/parens.py': pyFile({ model: `${'('.repeat(n(5_000))}"gpt-4o"${')'.repeat(n(5_000))}` }) },
    'nested lists and dicts, as keyword values': {
      'svc/nested_literals.py': pyFile({
        body: `cfg = ${rep(n(5_000), () => '{"model": ')}"gpt-4o"${'}'.repeat(n(5_000))}\nextra = ${'['.repeat(n(5_000))}1${']'.repeat(n(5_000))}`,
        ret: `client.chat.completions.create(model="gpt-4o-mini", messages=${'['.repeat(n(5_000))}{"role": "user", "content": q}${']'.repeat(n(5_000))}, extra_body=${rep(n(5_000), () => '{"a": ')}1${'}'.repeat(n(5_000))}, tools=${rep(n(5_000), () => '[{"x": ')}0${'}]'.repeat(n(5_000))})`,
      }),
    },
    'member chain a.b.c…': { 'svc/members.py': pyFile({ pre: 'import settings', model: `settings${rep(n(3_000), (i) => `.m${i % 7}`)}` }) },
    'builder chain x.y().z()…': {
      'svc/builder.py': pyFile({ ret: `client${rep(n(3_000), (i) => `.with_options(max_retries=${i % 3})`)}.chat.completions.create(model="gpt-4o-mini", messages=[])` }),
    },
    'call chain f()()()…': { 'svc/calls.py': pyFile({ pre: 'def pick():\n    return pick', model: `pick${'()'.repeat(n(3_000))}` }) },
    'nested lambdas': { 'svc/lambdas.py': pyFile({ body: `g = ${rep(n(2_000), () => 'lambda: ')}"gpt-4o"`, model: `(${rep(n(2_000), () => 'lambda: ')}"gpt-4o")${'()'.repeat(n(2_000))}` }) },
    'nested functions': {
      'svc/functions.py': pyFile({ pre: pyNested(blocks(2_000), (i) => `def f${i}(q):`, 'return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": q}])') }),
    },
    'nested classes': { 'svc/classes.py': pyFile({ pre: pyNested(blocks(1_000), (i) => `class K${i}:`, 'model = "gpt-4o"'), model: `K0${rep(blocks(1_000) - 1, (i) => `.K${i + 1}`)}.model` }) },
    'nested if-blocks': {
      'svc/ifs.py': pyFile({ body: pyNested(blocks(3_000), (i) => `if len(q) > ${i}:`, 'return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": q}])') }),
    },
    'elif chain': {
      'svc/elifs.py': pyFile({
        body: `m = "gpt-4o"\nif q == "0":\n    m = "gpt-4o-mini"\n${rep(n(5_000), (i) => `elif q == "${i + 1}":\n    m = "gpt-4o-${i}"\n`)}else:\n    m = "gpt-4o"`,
        model: 'm',
      }),
    },
    'ternary chain': { 'svc/ternary.py': pyFile({ model: `${rep(n(5_000), (i) => `"gpt-4o-${i}" if q == "${i}" else `)}"gpt-4o"` }) },
    'assignment chain and cycles': {
      'svc/assign.py': pyFile({
        pre: `m0 = "gpt-4o"\n${rep(n(10_000), (i) => `m${i + 1} = m${i}`, '\n')}\na = b\nb = a\nc = c\nd, e = e, d\nURL = URL + "/v1"`,
        body: `x = y\ny = x\nclient.chat.completions.create(model=a, messages=[])\nclient.chat.completions.create(model=x, messages=[])\nrequests.post(URL, json={"model": d})`,
        model: `m${n(10_000)}`,
      }),
    },
    'import chain and import cycles': {
      'svc/imports.py': pyFile({
        pre: `from chain.mod${chainDepth - 1} import MODEL\nfrom cyc.a import OTHER\nfrom cyc.b import CLIENT`,
        body: 'CLIENT.chat.completions.create(model=OTHER, messages=[])',
        model: 'MODEL',
      }),
      'chain/__init__.py': '',
      'chain/mod0.py': 'MODEL = "gpt-4o"\n',
      ...Object.fromEntries(
        rep(chainDepth - 1, (i) => String(i + 1), ',')
          .split(',')
          .map((i) => [`chain/mod${i}.py`, `from chain.mod${Number(i) - 1} import MODEL\nfrom chain.mod${Number(i) - 1} import *\n`]),
      ),
      'cyc/__init__.py': '',
      'cyc/a.py': 'from cyc.b import OTHER, CLIENT\nfrom cyc.b import *\n',
      'cyc/b.py': 'from cyc.a import OTHER, CLIENT\nfrom cyc.a import *\n',
    },
    'class-base chain and cycles': {
      'svc/bases.py': pyFile({
        pre: `class C0:\n    model = "gpt-4o"\n\n${rep(n(2_000), (i) => `class C${i + 1}(C${i}):\n    pass\n`, '\n')}\nclass A(B):\n    pass\n\nclass B(A):\n    model = A.model\n\nclass S(S):\n    pass\n`,
        body: 'client.chat.completions.create(model=B.model, messages=[])\nclient.chat.completions.create(model=S().model, messages=[])',
        model: `C${n(2_000)}.model`,
      }),
    },
    'decorator stack': { 'svc/decorators.py': pyFile({ pre: 'def wrap(f):\n    return f', decorators: rep(n(2_000), () => '@wrap\n') }) },
    '`or` chain of environment lookups': { 'svc/env_or.py': pyFile({ pre: 'import os', model: `${rep(n(5_000), (i) => `os.getenv("MODEL_${i}")`, ' or ')} or "gpt-4o"` }) },
    '`|` chain of runnables': {
      'svc/pipes.py': pyFile({
        pre: 'from langchain_openai import ChatOpenAI\nllm = ChatOpenAI(model="gpt-4o")',
        body: `chain = llm${rep(n(5_000), () => ' | llm')}\nout = chain.invoke(q)`,
        ret: 'out',
      }),
    },
    'nested unpacking targets and nested path wrappers': {
      'svc/targets.py': pyFile({
        pre: 'import torch\nfrom transformers import AutoModelForCausalLM',
        body: `${'('.repeat(n(5_000))}a,${'),'.repeat(n(5_000) - 1)}) = q\nweights = torch.load(${rep(n(1_000), () => 'str(')}"w.bin"${')'.repeat(n(1_000))})\nt1 = t2\nt2 = t1\nlm = AutoModelForCausalLM.from_pretrained("acme/chat-7b", trust_remote_code=t1)`,
      }),
    },
    'nested dict spread': {
      'svc/spread.py': pyFile({ body: `kw = ${rep(n(5_000), () => '{**')}{"model": "gpt-4o"}${'}'.repeat(n(5_000))}`, ret: 'client.chat.completions.create(**kw, messages=[])' }),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// TypeScript and JavaScript: an Express app, the shape in a handler or at module level

interface TsParts {
  pre?: string;
  body?: string;
  model?: string;
  /** The whole awaited expression instead of the plain call. */
  call?: string;
}

function tsFile(p: TsParts): string {
  const call = p.call ?? `client.chat.completions.create({ model: ${p.model ?? "'gpt-4o-mini'"}, messages: [{ role: 'user', content: req.body.q }] })`;
  return [
    "import express from 'express';",
    "import OpenAI from 'openai';",
    '',
    'const app = express();',
    'const client = new OpenAI();',
    '',
    p.pre ?? '',
    '',
    "app.post('/chat', async (req, res) => {",
    indent(p.body ?? '', '  '),
    `  const r = await ${call};`,
    '  res.json(r);',
    '});',
    '',
    "app.post('/sentinel', async (req, res) => {",
    "  res.json(await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: req.body.q }] }));",
    '});',
    '',
    'app.listen(3000);',
    '',
  ].join('\n');
}

function tsShapes(k: number): Record<string, Record<string, string>> {
  const n = (x: number): number => Math.max(2, Math.round(x * k));
  const chainDepth = Math.min(n(50), 50);
  return {
    'string + chain as the model name': { 'web/plus-model.ts': tsFile({ model: `'gpt-4o'${rep(n(20_000), () => " + ''")}` }) },
    'string + chain as a URL': {
      'web/plus-url.ts': tsFile({
        pre: `const llm = new OpenAI({ baseURL: 'http://' + ${rep(n(20_000), (i) => `'h${i % 10}'`, ' + ')} + ':8000/v1' });`,
        body: `const up = await fetch('http://vllm:8000'${rep(n(20_000), () => " + '/v1'")} + '/chat/completions', { method: 'POST', body: JSON.stringify({ model: 'm' }) });`,
      }),
    },
    'nested parentheses': { 'web/parens.ts': tsFile({ model: `${'('.repeat(n(5_000))}'gpt-4o'${')'.repeat(n(5_000))}` }) },
    'nested objects and arrays, as option values': {
      'web/nested-literals.ts': tsFile({
        body: `const cfg = ${rep(n(5_000), () => '{ model: ')}'gpt-4o'${' }'.repeat(n(5_000))};\nconst extra = ${'['.repeat(n(5_000))}1${']'.repeat(n(5_000))};`,
        call: `client.chat.completions.create({ model: 'gpt-4o-mini', messages: ${'['.repeat(n(5_000))}{ role: 'user', content: req.body.q }${']'.repeat(n(5_000))}, metadata: ${rep(n(5_000), () => '{ a: ')}1${' }'.repeat(n(5_000))}, tools: ${rep(n(5_000), () => '[{ x: ')}0${' }]'.repeat(n(5_000))} } as any)`,
      }),
    },
    'member chain a.b.c…': { 'web/members.ts': tsFile({ pre: "import settings from './settings';", model: `settings${rep(n(3_000), (i) => `.m${i % 7}`)}` }) },
    'builder chain x.y().z()…': {
      'web/builder.ts': tsFile({ call: `client${rep(n(3_000), (i) => `.withOptions({ maxRetries: ${i % 3} })`)}.chat.completions.create({ model: 'gpt-4o-mini', messages: [] })` }),
    },
    'call chain f()()()…': { 'web/calls.ts': tsFile({ pre: 'const pick = (): any => pick;', model: `pick${'()'.repeat(n(3_000))}` }) },
    'nested arrow functions and function expressions': {
      'web/arrows.ts': tsFile({
        body: `const g = ${rep(n(2_000), () => '() =>\n')}'gpt-4o';\nconst h = ${rep(n(2_000), () => 'function () {\nreturn ')}'gpt-4o'${';\n}'.repeat(n(2_000))};`,
        model: `(${rep(n(2_000), () => '() =>\n')}'gpt-4o')${'()'.repeat(n(2_000))}`,
      }),
    },
    'nested functions': {
      'web/functions.ts': tsFile({
        pre: `${rep(n(2_000), (i) => `async function f${i}(q: string) {\n`)}return client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: q }] });\n${'}\n'.repeat(n(2_000))}`,
      }),
    },
    'nested classes': {
      'web/classes.ts': tsFile({ pre: `${rep(n(1_000), (i) => `class K${i} {\n  static model = 'gpt-4o';\n  static inner = `)}class {}${'\n};'.repeat(n(1_000))}`, model: 'K0.model' }),
    },
    'nested if-blocks and blocks': {
      'web/ifs.ts': tsFile({
        body: `${rep(n(3_000), (i) => `if (req.body.q.length > ${i}) {\n`)}res.json(await client.chat.completions.create({ model: 'gpt-4o', messages: [] }));\n${'}\n'.repeat(n(3_000))}${'{'.repeat(n(3_000))}const z = 1;${'}'.repeat(n(3_000))}`,
      }),
    },
    'else-if chain': {
      'web/elifs.ts': tsFile({
        body: `let m = 'gpt-4o';\nif (req.body.q === '0') { m = 'gpt-4o-mini'; }\n${rep(n(5_000), (i) => `else if (req.body.q === '${i + 1}') { m = 'gpt-4o-${i}'; }\n`)}else { m = 'gpt-4o'; }`,
        model: 'm',
      }),
    },
    'ternary chain': { 'web/ternary.ts': tsFile({ model: `${rep(n(5_000), (i) => `req.body.q === '${i}' ? 'gpt-4o-${i}' : `)}'gpt-4o'` }) },
    'assignment chain and cycles': {
      'web/assign.ts': tsFile({
        pre: `const m0 = 'gpt-4o';\n${rep(n(10_000), (i) => `const m${i + 1} = m${i};`, '\n')}\nvar a: any = b;\nvar b: any = a;\nvar c: any = c;\nlet url: string = url + '/v1';`,
        body: "var x: any = y;\nvar y: any = x;\nawait client.chat.completions.create({ model: a, messages: [] });\nawait client.chat.completions.create({ model: x, messages: [] });\nawait fetch(url, { method: 'POST' });",
        model: `m${n(10_000)}`,
      }),
    },
    're-export chain and cycles': {
      'web/imports.ts': tsFile({
        pre: `import { MODEL } from './chain/mod${chainDepth - 1}';\nimport { OTHER, makeClient } from './cyc/a';\nconst other = makeClient();`,
        body: 'await other.chat.completions.create({ model: OTHER, messages: [] });',
        model: 'MODEL',
      }),
      'web/chain/mod0.ts': "export const MODEL = 'gpt-4o';\n",
      ...Object.fromEntries(
        rep(chainDepth - 1, (i) => String(i + 1), ',')
          .split(',')
          .map((i) => [`web/chain/mod${i}.ts`, `export { MODEL } from './mod${Number(i) - 1}';\nexport * from './mod${Number(i) - 1}';\n`]),
      ),
      'web/cyc/a.ts': "export { OTHER, makeClient } from './b';\nexport * from './b';\nexport { default } from './b';\n",
      'web/cyc/b.ts': "export { OTHER, makeClient } from './a';\nexport * from './a';\nexport { default } from './a';\n",
    },
    'class-base chain and cycles': {
      'web/bases.ts': tsFile({
        pre: `class C0 { model = 'gpt-4o'; client = new OpenAI(); }\n${rep(n(2_000), (i) => `class C${i + 1} extends C${i} {}`, '\n')}\nclass A extends (B as any) {}\nclass B extends A { ask(q: string) { return this.client.chat.completions.create({ model: this.model, messages: [{ role: 'user', content: q }] }); } }\nclass S extends (S as any) {}`,
        body: `await new C${n(2_000)}().client.chat.completions.create({ model: new C${n(2_000)}().model, messages: [] });\nawait new B().ask(req.body.q);`,
      }),
    },
    'decorator stack': {
      'web/decorators.ts': [
        "import { Body, Controller, Post } from '@nestjs/common';",
        "import OpenAI from 'openai';",
        'const wrap = (): MethodDecorator => () => undefined;',
        'const client = new OpenAI();',
        "@Controller('chat')",
        'export class ChatController {',
        `${rep(n(2_000), () => '  @wrap()\n')}  @Post()`,
        '  async chat(@Body() body: { q: string }) {',
        "    return client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: body.q }] });",
        '  }',
        '}',
        '',
      ].join('\n'),
    },
    'nested object spread': {
      'web/spread.ts': tsFile({ body: `const opts = ${rep(n(5_000), () => '{ ...')}{ model: 'gpt-4o', messages: [] }${' }'.repeat(n(5_000))};`, call: 'client.chat.completions.create(opts as any)' }),
    },
    '`||` chain of environment lookups and `&&` chain of checks': {
      'web/env-or.ts': tsFile({ body: `if (${rep(n(5_000), (i) => `req.body.k${i}`, ' && ')}) res.status(400);`, model: `${rep(n(5_000), (i) => `process.env.MODEL_${i}`, ' || ')} || 'gpt-4o'` }),
    },
    'nested destructuring and objects bound in a cycle': {
      'web/destructure.ts': tsFile({
        pre: 'const o1: any = o2;\nconst o2: any = o1;\nconst t1: any = t2;\nconst t2: any = t1;',
        body: `const ${rep(n(2_000), () => '{ a: ')}{ model }${' }'.repeat(n(2_000))} = req.body;\nconst [${'['.repeat(n(2_000))}first${']'.repeat(n(2_000))}] = req.body.list;\nawait client.chat.completions.create({ model: o1.model, messages: [], stream: t1 });`,
        model: 'model ?? first',
      }),
    },
    'JSX nesting': {
      'web/Chat.tsx': [
        "import OpenAI from 'openai';",
        'const client = new OpenAI();',
        'export async function ask(q: string) {',
        "  return client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: q }] });",
        '}',
        'export function Chat({ text }: { text: string }) {',
        `  return ${'<div>'.repeat(n(3_000))}{text}${'</div>'.repeat(n(3_000))};`,
        '}',
        '',
      ].join('\n'),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The scans

/** The findings every shape's file keeps: its sentinel route's floating alias and missing rate limit. */
const SENTINEL_RULES = ['model-pinning/api-model-alias'];

function run(root: string, nodeArgs: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [...nodeArgs, BIN, root, '--format', 'json', '--fail-on', 'error'], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      res({ status, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

interface Scan {
  status: number | null;
  stderr: string;
  report: Report;
}

function scanOf(shapes: Record<string, Record<string, string>>, nodeArgs: string[]): () => Promise<Scan> {
  let scan: Promise<Scan> | undefined;
  return () => {
    scan ??= (async () => {
      const files: Record<string, string> = { [NEIGHBOUR]: CALL, 'web/settings.ts': "export default { m0: { m1: 'gpt-4o' } } as any;\n" };
      for (const f of Object.values(shapes)) Object.assign(files, f);
      const r = await run(tempRepo(files), nodeArgs);
      let report: Report = { findings: [], notifications: [] };
      try {
        report = JSON.parse(r.stdout) as Report;
      } catch {
        // the assertions below show stderr
      }
      return { status: r.status, stderr: r.stderr, report };
    })();
    return scan;
  };
}

const FULL = 1;
const MEDIUM = 0.12;
const SCANS = [
  { name: 'full size, default stack', py: pyShapes(FULL), ts: tsShapes(FULL), nodeArgs: [] as string[] },
  { name: 'medium size, reduced stack', py: pyShapes(MEDIUM), ts: tsShapes(MEDIUM), nodeArgs: ['--stack-size=400'] },
];

describe.each(SCANS)('deep and long code, $name', ({ py, ts, nodeArgs }) => {
  const scan = scanOf({ ...Object.fromEntries(Object.entries(py).map(([k, v]) => [`py ${k}`, v])), ...Object.fromEntries(Object.entries(ts).map(([k, v]) => [`ts ${k}`, v])) }, nodeArgs);
  beforeAll(async () => {
    await scan();
  }, 150_000);

  it('the scan completes: exit 0 or 1, nothing on stderr, the neighbour file still checked', async () => {
    const { status, stderr, report } = await scan();
    expect(stderr).toBe('');
    expect([0, 1]).toContain(status);
    const rules = [...new Set(report.findings.filter((f) => f.path === NEIGHBOUR).map((f) => f.ruleId))];
    expect(rules).toEqual(expect.arrayContaining(NEIGHBOUR_RULES));
  });

  const cases = [...Object.entries(py).map(([k, v]) => ['Python', k, v] as const), ...Object.entries(ts).map(([k, v]) => ['TypeScript', k, v] as const)];
  it.each(cases)('%s: %s: no rule crashes, no budget runs out, the sentinel route is still reported', async (_lang, _shape, files) => {
    const { report } = await scan();
    const path = Object.keys(files)[0] as string;
    const paths = new Set(Object.keys(files));
    const trouble = report.notifications.filter((n) => n.path !== undefined && paths.has(n.path) && n.kind !== 'parse-error');
    expect(trouble.map((n) => `${n.kind} ${n.path}: ${n.message}`)).toEqual([]);
    const notices = report.notifications.filter((n) => n.path === path && n.kind === 'parse-error');
    if (notices.length > 0) {
      // the parser itself could not read it: the one notice that says so, nothing worse
      expect(notices.map((n) => n.message)).toEqual([expect.stringMatching(/nested too deeply/)]);
    } else {
      const rules = [...new Set(report.findings.filter((f) => f.path === path).map((f) => f.ruleId))];
      expect(rules).toEqual(expect.arrayContaining(SENTINEL_RULES));
    }
  });
});
