import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHAPING_API } from '../rules/model-pinning/hf-revision.js';
import { APP_ROUTE, PAGES_API } from '../src/facts/endpoints/nextjs.js';
import { djangoRegexPath } from '../src/facts/endpoints/paths.js';
import { VERCEL } from '../src/facts/endpoints/platforms.js';
import { HTTP_RECEIVER } from '../src/facts/endpoints/py-forward.js';
import { ROUTE_FILE } from '../src/facts/endpoints/sveltekit.js';
import { ARG_KEY } from '../src/facts/guardrails/index.js';
import { CREDENTIAL_SOURCE } from '../src/facts/http-controls/functions.js';
import { DECLARED_BEFORE, REPO_DECLARATION, REPO_IMPORT } from '../src/facts/inference/context.js';
import { SUCCESS_ONLY } from '../src/facts/pipeline/gha.js';
import { MODEL_CLASS } from '../src/facts/pipeline/python-ops.js';
import { RULE } from '../src/parse/makefile.js';
import { cutAtSpacedMarker, replaceEnclosed, replaceNamedGroups, trimSuffix, unwrapPlaceholders } from '../src/util/text.js';

/**
 * The patterns rewritten to run in linear time (see tests/robustness/regex-catalogue.test.ts) match
 * what the patterns they replace matched: each is checked against the earlier pattern on inputs
 * written like real paths, callees and code, and a few results are pinned outright.
 */

const ROOT = join(import.meta.dirname, '..');
const data = (name: string): unknown => JSON.parse(readFileSync(join(ROOT, 'src', 'data', name), 'utf8'));

const groups = (m: RegExpExecArray | null): Array<string | undefined> | null => (m ? [...m] : null);

function sameExec(now: RegExp, before: RegExp, inputs: string[]): void {
  for (const s of inputs) expect(groups(now.exec(s)), s).toEqual(groups(before.exec(s)));
}

function sameTest(now: RegExp, before: RegExp, inputs: string[]): void {
  for (const s of inputs) expect(now.test(s), s).toBe(before.test(s));
}

describe('route file patterns', () => {
  const paths = [
    'app/api/chat/route.ts',
    'src/app/api/chat/route.tsx',
    'apps/web/src/app/api/[id]/route.js',
    'apps/web/app/route.mjs',
    'app/route.ts',
    'packages/app/app/api/route.jsx',
    'app/api/chat/route.test.ts',
    'app/api/chat/xroute.ts',
    'app/api/chat/page.tsx',
    'web/pages/api/chat.ts',
    'src/pages/api/v1/[...slug].tsx',
    'pages/api/index.js',
    'pages/api/.ts',
    'pages/apis/chat.ts',
    'api/chat.ts',
    'apps/site/api/v1/complete.mts',
    'api/.ts',
    'api/x.d.ts',
    'netlify/functions/api/chat.cjs',
    'src/routes/api/chat/+server.ts',
    'apps/kit/src/routes/+page.server.js',
    'src/routes/+server.mjs',
    'src/routes/chat/+page.svelte',
    'src/routes/chat/server.ts',
    'app/api/chat/route.ts\napp/x',
    '',
  ];

  it('match as before', () => {
    sameExec(APP_ROUTE, /^(?:(.*?)\/)?(?:src\/)?app\/(.*\/)?route\.(?:ts|tsx|js|jsx|mjs)$/, paths);
    sameExec(PAGES_API, /^(?:(.*?)\/)?(?:src\/)?pages\/api\/(.*)\.(?:ts|tsx|js|jsx|mjs)$/, paths);
    sameExec(VERCEL, /^(?:(.*?)\/)?api\/(.+)\.(?:ts|js|mjs|cjs|mts)$/, paths);
    sameExec(ROUTE_FILE, /^(?:(.*?)\/)?src\/routes\/(.*\/)?\+(server|page\.server)\.(?:ts|js|mjs)$/, paths);
  });

  it('give the project prefix and the route', () => {
    expect(groups(APP_ROUTE.exec('apps/web/src/app/api/[id]/route.js'))).toEqual(['apps/web/src/app/api/[id]/route.js', 'apps/web', 'api/[id]/']);
    expect(groups(PAGES_API.exec('web/pages/api/chat.ts'))).toEqual(['web/pages/api/chat.ts', 'web', 'chat']);
    expect(groups(VERCEL.exec('apps/site/api/v1/complete.mts'))).toEqual(['apps/site/api/v1/complete.mts', 'apps/site', 'v1/complete']);
    expect(ROUTE_FILE.exec('src/routes/chat/+page.svelte')).toBeNull();
  });
});

describe('callee patterns', () => {
  it('tokenizer and processor loads', () => {
    const before = /(Tokenizer\w*|Processor|FeatureExtractor)\.from_pretrained$/;
    const callees = [
      'AutoTokenizer.from_pretrained',
      'transformers.AutoTokenizerFast.from_pretrained',
      'LlamaTokenizer_v2.from_pretrained',
      'AutoProcessor.from_pretrained',
      'WhisperFeatureExtractor.from_pretrained',
      'AutoModel.from_pretrained',
      'AutoTokenizer.from_pretrained.cache',
      'Tokenizer.from_pretrained',
      'tok.Tokenizer().from_pretrained',
      'AutoImageProcessorX.from_pretrained',
      'from_pretrained',
    ];
    sameTest(SHAPING_API, before, callees);
    expect(SHAPING_API.test('AutoTokenizer.from_pretrained')).toBe(true);
    expect(SHAPING_API.test('AutoModelForCausalLM.from_pretrained')).toBe(false);
  });

  it('HTTP receivers', () => {
    const before = /(session|client|http)\w*(\(\))?\.\w+$/i;
    const callees = [
      'session.post',
      'self.http_client.get',
      'httpx.AsyncClient().post',
      'requests.Session().get',
      'aiohttp.ClientSession().post',
      'client.chat.completions.create',
      'openai.OpenAI().models',
      'requests.post',
      'HTTP.get',
      'session.',
      'session()',
      'get_client().post(x)',
    ];
    sameTest(HTTP_RECEIVER, before, callees);
    expect(HTTP_RECEIVER.test('aiohttp.ClientSession().post')).toBe(true);
    expect(HTTP_RECEIVER.test('requests.post')).toBe(false);
  });

  it('model classes', () => {
    const before = /^[A-Z]\w*(For[A-Z]\w*|Model|LMHeadModel)$/;
    const names = [
      'AutoModelForCausalLM',
      'LlamaForCausalLM',
      'GPT2LMHeadModel',
      'BertModel',
      'Model',
      'AModel',
      'AutoTokenizer',
      'autoModel',
      'TFAutoModelForSeq2SeqLM',
      'ForCausalLM',
      'XFor',
      'XForx',
      'Trainer',
      'AutoModel.from_pretrained',
    ];
    sameTest(MODEL_CLASS, before, names);
    expect(MODEL_CLASS.test('GPT2LMHeadModel')).toBe(true);
    expect(MODEL_CLASS.test('Model')).toBe(false);
  });
});

describe('code scans', () => {
  it('credential sources', () => {
    const before = /(headers?\b|header\(|get\()[^;]*(authorization|api[-_]?key|x-api-key|token|bearer|x-auth)|cookies?\b[^;]*(session|token|auth)/i;
    const inits = [
      'req.headers.authorization',
      "request.headers.get('x-api-key')",
      "req.header('Authorization')?.replace('Bearer ', '')",
      "c.req.header('x-auth-token'); const y = 1",
      "request.cookies.get('session')",
      "headers.get('content-type'); token",
      "os.environ.get('API_KEY')",
      "req.headers['x-forwarded-for']",
      "cookies().get('theme')",
      "request.headers.get(request.headers.get('x').token)",
      'getToken()',
      "headersList.get('authorization')",
    ];
    sameTest(CREDENTIAL_SOURCE, before, inits);
    expect(CREDENTIAL_SOURCE.test("request.headers.get('x-api-key')")).toBe(true);
    expect(CREDENTIAL_SOURCE.test("headers.get('content-type'); token")).toBe(false);
  });

  it('argument keys', () => {
    const before = /([A-Za-z_$][\w$]*)\s*(?:=(?!=)|:)/g;
    const texts = [
      'Config(safety_settings=SAFETY, temperature=0.2)',
      "{ moderation: true, 'x': 1, $ref: y }",
      'f(a == b, c = d)',
      'call(9abc=1, _x :2)',
      'GenerationConfig(\n  safety_settings = [s],\n)',
      'f(x, y)',
    ];
    for (const t of texts)
      expect(
        [...t.matchAll(ARG_KEY)].map((m) => m[1]),
        t,
      ).toEqual([...t.matchAll(before)].map((m) => m[1]));
    expect([...'Config(safety_settings=SAFETY, temperature=0.2)'.matchAll(ARG_KEY)].map((m) => m[1])).toEqual(['safety_settings', 'temperature']);
  });

  it('declared names and repository imports in TS/JS', () => {
    const declBefore =
      /\b(?:function\s*\*?\s*|class\s+|(?:const|let|var)\s+)([A-Za-z_$][\w$]*)|^\s*(?:(?:public|private|protected|static|async|readonly|get|set|override)\s+)*([A-Za-z_$][\w$]*)\s*(?:<[^>]*>)?\s*\(|([A-Za-z_$][\w$]*)\s*[:=]\s*(?:async\s*)?(?:function\b|\(|[A-Za-z_$][\w$]*\s*=>)/gm;
    const importBefore = /\bimport\s([^'";]{0,2000}?)\bfrom\s*['"](?:\.|@\/|~\/)|\b(?:const|let|var)\s([^=;]{0,500}?)=\s*require\(\s*['"](?:\.|@\/|~\/)/g;
    const source = `import ask, { stream as s } from "./llm";
import type { Msg } from '@/types';
import OpenAI from 'openai';
const { complete } = require('./lib/complete');
const fs = require('fs');

export async function* generate(prompt: string) {}
function
  spaced() {}
class ChatService {
  private readonly client = new OpenAI();

  async handle<T extends Msg>(req: T) { return this.client; }
  static create(): ChatService { return new ChatService(); }
  get model() { return 'gpt-4o'; }
  process<
    T,
  >(x: T) {}


  summarize(text: string) {}
}
export const route = async (req) => {};
const helper = function () {};
let arrow = x => x;
obj.handler = async function named() {};
const view = { render: (p) => p, 9lives: () => 0 };
`;
    const decl = (re: RegExp): string[] => [...source.matchAll(re)].map((m) => (m[1] ?? m[2] ?? m[3]) as string);
    expect(decl(REPO_DECLARATION)).toEqual(decl(declBefore));
    expect(decl(REPO_DECLARATION)).toEqual(expect.arrayContaining(['generate', 'spaced', 'ChatService', 'handle', 'create', 'process', 'summarize', 'route', 'helper', 'arrow', 'render']));
    const imports = (re: RegExp): string[] => [...source.matchAll(re)].map((m) => (m[1] ?? m[2]) as string);
    expect(imports(REPO_IMPORT)).toEqual(imports(importBefore));
    expect(imports(REPO_IMPORT)).toEqual(['ask, { stream as s } ', 'type { Msg } ', '{ complete } ']);
  });

  it('a declaring keyword before a name', () => {
    const before = /\b(def|function|class|const|let|var)\s*\*?\s*$/;
    const heads = ['def ', 'async def ', 'function ', 'function* ', 'function *', 'class ', 'const ', 'x = ', 'return ', 'undefined', 'classify ', '(const'];
    sameTest(DECLARED_BEFORE, before, heads);
    expect(DECLARED_BEFORE.test('function* ')).toBe(true);
  });

  it('makefile rules', () => {
    const before = /^([^\t#=:][^#=]*?)\s*(::?)(?!=)\s*(.*)$/s;
    const lines = [
      'build: deps',
      'serve :: build',
      'all:',
      'a b c : d e',
      'x := 1',
      'y ::= 2',
      'a:b:c',
      'deploy: ; ./deploy.sh',
      '\tcmd: x',
      '# note: x',
      ' : x',
      'p%.o: %.c',
      'train: data \\\n  config',
      'a::=b',
      'eval   :   model.gguf   ',
    ];
    sameExec(RULE, before, lines);
    expect(groups(RULE.exec('serve :: build'))).toEqual(['serve :: build', 'serve', '::', 'build']);
  });

  it('the `success()` condition', () => {
    const before = /^\s*(\$\{\{\s*)?success\(\)\s*(\}\})?\s*$/;
    const conds = ['success()', '${{ success() }}', '  ${{success()}}  ', 'success() && github.ref == main', 'always()', '${{ success() }} x', 'success( )', '\nsuccess()\n'];
    for (const c of conds) expect(SUCCESS_ONLY.test(c.trim()), c).toBe(before.test(c));
  });
});

describe('text helpers', () => {
  it('replaceEnclosed', () => {
    const cases: Array<[string, RegExp, string, string, string]> = [
      ['{model_name}-instruct', /\{[^}]*\}/g, '{', '}', ''],
      ['{org}/{name}', /\{[^}]*\}/g, '{', '}', ''],
      ['{a{b}c}', /\{[^}]*\}/g, '{', '}', ''],
      ['{unclosed', /\{[^}]*\}/g, '{', '}', ''],
      ['${org}/${model}', /\$\{[^}]*\}/g, '${', '}', ''],
      ['$x ${y', /\$\{[^}]*\}/g, '${', '}', ''],
      ['^chat/(\\d+)/(?:x|y)$', /\([^)]*\)/g, '(', ')', '<param>'],
      ['((a))', /\([^)]*\)/g, '(', ')', '<param>'],
    ];
    for (const [s, re, open, close, by] of cases) expect(replaceEnclosed(s, open, close, by), s).toBe(s.replace(re, by));
    const script = 'echo ${{ secrets.TOKEN }} && vllm serve ${{ matrix.model }} ${{ x }';
    const mask = (m: string): string => `$${'_'.repeat(m.length - 1)}`;
    expect(replaceEnclosed(script, '${{', '}}', mask)).toBe(script.replace(/\$\{\{[\s\S]*?\}\}/g, mask));
  });

  it('replaceNamedGroups and Django paths', () => {
    const before = (s: string): string => s.replace(/\(\?P<([^>]+)>[^)]*\)/g, '<$1>');
    for (const s of ['api/chat/(?P<id>\\d+)/', '(?P<org>[\\w-]+)/(?P<name>(a|b))', '(?P<>x)(?P<y>z)', '(?P<a', '(?P<a>b', 'plain/path/']) expect(replaceNamedGroups(s), s).toBe(before(s));
    expect(djangoRegexPath('^api/chat/(?P<id>\\d+)/$')).toBe('api/chat/<id>/');
    expect(djangoRegexPath('^v1/(chat|complete)/$')).toBe('v1/<param>/');
  });

  it('unwrapPlaceholders', () => {
    const before = (s: string): string => s.replace(/\{[^}:]+:([^}]+)\}/g, '$1');
    for (const s of ['{subdomain:[a-z]+}.example.com', '{host}.example.com', '{:x}', '{x:}', '{a{b:c}d}', '{a:b:c}', '{a:{b}', '{a:b', 'api.example.com'])
      expect(unwrapPlaceholders(s), s).toBe(before(s));
    expect(unwrapPlaceholders('{subdomain:[a-z]+}.example.com')).toBe('[a-z]+.example.com');
  });

  it('cutAtSpacedMarker', () => {
    const before = (s: string): string => s.replace(/\s+#.*$/, '');
    for (const s of ['python serve.py  # start it', 'a#b # c', 'a#b', 'x\n  # y', '#only', 'value', 'url=http://h/#frag # note', 'a # b\nc', 'a # b\nc # d'])
      expect(cutAtSpacedMarker(s, '#'), s).toBe(before(s));
  });

  it('trimSuffix', () => {
    const before = (s: string): string => s.replace(/\s*\}\}$/, '');
    for (const s of ['github.ref == main }}', 'x}}', 'x }} ', '}}', 'a }}}', 'plain']) expect(trimSuffix(s, '}}'), s).toBe(before(s));
  });
});

describe('data patterns', () => {
  const guard = data('guardrails.json') as { filters: Array<{ raisesWhen?: string; urls?: string[] }>; guardModels: { patterns: string[] } };
  const obs = data('llm-observability.json') as { loggers: { namePattern: string } };

  it('guard model names', () => {
    const find = (s: string): RegExp => new RegExp(guard.guardModels.patterns.find((p) => p.startsWith(s)) as string, 'i');
    const names = ['nvidia/Aegis-AI-Content-Safety-LlamaGuard-Defensive-1.0', 'aegis_guard', 'aegis-other', 'protectai/deberta-v3-base-prompt-injection-v2', 'deberta-v3-base', 'aegis aegis safety'];
    sameTest(find('aegis'), /aegis[-_ .].*(safety|guard)/i, names);
    sameTest(find('deberta'), /deberta.*prompt[-_ ]injection/i, names);
    expect(find('deberta').test('protectai/deberta-v3-base-prompt-injection-v2')).toBe(true);
  });

  it('moderation URLs and raising chains', () => {
    const urls = guard.filters.flatMap((f) => f.urls ?? []).map((u) => new RegExp(u, 'i'));
    const url = urls.find((r) => r.source.startsWith('\\bapi')) as RegExp;
    const inputs = [
      'https://api.openai.com/v1/moderations',
      'https://api.openai.com/v1/chat/completions',
      'https://xapi.openai.com/ moderations',
      'https://api.openai.com/v1/x?next=https://api.openai.com/v1/moderations',
    ];
    sameTest(url, /\bapi\.openai\.com\/.*moderations/i, inputs);
    const raises = new RegExp(guard.filters.map((f) => f.raisesWhen).find(Boolean) as string);
    const code = [
      'chain = OpenAIModerationChain(error=True)',
      'OpenAIModerationChain(client=c, error = true)',
      'OpenAIModerationChain()',
      'OpenAIModerationChain(error=False)',
      'OpenAIModerationChain(OpenAIModerationChain(error=True)',
    ];
    sameTest(raises, /OpenAIModerationChain\([^)]*\berror\s*[=:]\s*(True|true)\b/, code);
    expect(raises.test('chain = OpenAIModerationChain(error=True)')).toBe(true);
  });

  it('logger names', () => {
    const now = new RegExp(obs.loggers.namePattern);
    const before = /^(_*)(log|logger|logging|LOG|LOGGER|Logger|log_|[A-Za-z0-9_]*(_log|_logger|Logger|Log))$/;
    const names = ['log', '_logger', '__log', '__logger', 'app_log', 'requestLogger', 'auditLog', 'LOGGER', 'log_', '___', 'blog', 'logs', '_', 'catalog', 'my_logger', '__Logger'];
    sameTest(now, before, names);
    expect(now.test('requestLogger')).toBe(true);
    expect(now.test('catalog')).toBe(false);
  });
});
