import { describe, expect, it } from 'vitest';
import { FileModel, ParserHost } from '../../src/model/file-model.js';
import { Grammars } from '../../src/parse/tree-sitter.js';
import { Node, SyntaxKind, TsHost, TsModule, type TsString } from '../../src/parse/typescript.js';
import { LineIndex } from '../../src/util/line-index.js';

const ts = new TsHost();

function parse(path: string, text: string): TsModule {
  return new TsModule(ts.parse(path, text));
}

function where(text: string, span: { start: number; end: number }): string {
  const r = new LineIndex(text).range(span.start, span.end);
  return `${r.start.line}:${r.start.column}-${r.end.line}:${r.end.column}`;
}

describe('TsModule.imports()', () => {
  const text = `import OpenAI from 'openai';
import * as ai from "ai";
import { generateText as gen, streamText, type CoreMessage } from 'ai';
import type { Config } from './config';
import Anthropic, { APIError } from '@anthropic-ai/sdk';
import fs = require('node:fs');
import './side-effect';
const { Ollama, Client: OC } = require('ollama');
const hf = require('@huggingface/inference').HfInference;
let client = require('./client');
require('dotenv/config');
const dynamic = require(process.env.MOD);
`;
  const m = parse('src/llm.ts', text);

  it('lists ES imports, import = require, and require() bindings', () => {
    expect(m.imports().map((i) => [i.local, i.module, i.imported, i.typeOnly])).toEqual([
      ['OpenAI', 'openai', 'default', false],
      ['ai', 'ai', '*', false],
      ['gen', 'ai', 'generateText', false],
      ['streamText', 'ai', 'streamText', false],
      ['CoreMessage', 'ai', 'CoreMessage', true],
      ['Config', './config', 'Config', true],
      ['Anthropic', '@anthropic-ai/sdk', 'default', false],
      ['APIError', '@anthropic-ai/sdk', 'APIError', false],
      ['fs', 'node:fs', '*', false],
      ['Ollama', 'ollama', 'Ollama', false],
      ['OC', 'ollama', 'Client', false],
      ['hf', '@huggingface/inference', 'HfInference', false],
      ['client', './client', '*', false],
    ]);
  });

  it('points each import at its binding', () => {
    const byLocal = (local: string) => m.imports().find((i) => i.local === local)?.span as { start: number; end: number };
    expect(where(text, byLocal('OpenAI'))).toBe('1:8-1:14');
    expect(where(text, byLocal('gen'))).toBe('3:10-3:29');
    expect(where(text, byLocal('OC'))).toBe('8:17-8:27');
    expect(text.slice(byLocal('hf').start, byLocal('hf').end)).toBe('hf');
  });

  it('keeps type-only imports out of the import map', () => {
    const map = m.importMap();
    expect(map.get('gen')?.imported).toBe('generateText');
    expect(map.has('CoreMessage')).toBe(false);
    expect(map.has('Config')).toBe(false);
    expect(map.get('OpenAI')?.module).toBe('openai');
  });
});

describe('TsModule.stringValue()', () => {
  const text = `const MODEL = 'gpt-4o-2024-08-06';
const PROVIDER = \`openai\`;
const FULL = \`\${PROVIDER}/\${MODEL}\`;
const PARTIAL = \`\${PROVIDER}/\${process.env.MODEL_SUFFIX}\`;
const ENV = process.env.MODEL_NAME ?? 'gpt-4o-mini';
const ENV2 = process.env['MODEL_NAME'] || "llama3";
const ENV3 = import.meta.env.VITE_MODEL ?? 'claude-3-5-sonnet-latest';
const OTHER = someConfig.model ?? 'fallback';
const SUM = 'openai/' + MODEL;
const AS = ('mistral-large' as const);
const SAT = 'llama-3.1-70b' satisfies string;
const NN = (MODEL)!;
let MUTABLE = 'nope';
const SHADOWED = 'outer';
function pick() {
  const SHADOWED = 'inner';
  return SHADOWED;
}
const NUM = 42;
`;
  const m = parse('src/models.ts', text);
  const value = (name: string): (Omit<TsString, 'node'> & { node: string }) | undefined => {
    const decl = m.source.getVariableDeclarations().find((d) => d.getName() === name) ?? m.source.getDescendantsOfKind(SyntaxKind.VariableDeclaration).find((d) => d.getName() === name);
    expect(decl, name).toBeDefined();
    const v = m.stringValue(decl?.getNameNode());
    return v && { ...v, node: v.node.getText() };
  };

  it('evaluates literals, no-substitution templates and templates of constants', () => {
    expect(value('MODEL')).toMatchObject({ value: 'gpt-4o-2024-08-06', kind: 'constant', exact: true, node: "'gpt-4o-2024-08-06'" });
    expect(value('PROVIDER')).toMatchObject({ value: 'openai', kind: 'constant' });
    expect(value('FULL')).toMatchObject({ value: 'openai/gpt-4o-2024-08-06', kind: 'template', exact: true });
    expect(value('PARTIAL')).toMatchObject({ value: 'openai/${process.env.MODEL_SUFFIX}', kind: 'template', exact: false });
    expect(value('SUM')).toMatchObject({ value: 'openai/gpt-4o-2024-08-06', kind: 'template', exact: true });
  });

  it('reads the default of an environment lookup and names the variable', () => {
    expect(value('ENV')).toMatchObject({ value: 'gpt-4o-mini', kind: 'env-default', envName: 'MODEL_NAME', node: "'gpt-4o-mini'" });
    expect(value('ENV2')).toMatchObject({ value: 'llama3', kind: 'env-default', envName: 'MODEL_NAME' });
    expect(value('ENV3')).toMatchObject({ value: 'claude-3-5-sonnet-latest', kind: 'env-default', envName: 'VITE_MODEL' });
    // `??` without an environment variable on the left: just the right side (through a const)
    expect(value('OTHER')).toMatchObject({ value: 'fallback', kind: 'constant', envName: undefined });
  });

  it('looks through as const, satisfies, parentheses and non-null assertions', () => {
    expect(value('AS')?.value).toBe('mistral-large');
    expect(value('SAT')?.value).toBe('llama-3.1-70b');
    expect(value('NN')?.value).toBe('gpt-4o-2024-08-06');
  });

  it('does not trust let, names declared twice, or non-strings', () => {
    expect(value('MUTABLE')).toBeUndefined();
    expect(value('SHADOWED')).toBeUndefined();
    expect(value('NUM')).toBeUndefined();
    expect(m.constInit('MUTABLE')).toBeUndefined();
    expect(m.constInit('MODEL')?.getText()).toBe("'gpt-4o-2024-08-06'");
  });

  it('recognises process.env, import.meta.env and Deno.env reads', () => {
    const e = parse('x.ts', 'a(process.env.A, process.env["B"], import.meta.env.C, Deno.env.D, process.env[k], other.env.E);\n');
    const call = e.source.getDescendantsOfKind(SyntaxKind.CallExpression)[0];
    expect(call?.getArguments().map((a) => e.envName(a))).toEqual(['A', 'B', 'C', 'D', undefined, undefined]);
  });
});

describe('TsModule.chain()', () => {
  it('writes callee chains with calls, new and element access', () => {
    const text = `const r = await new OpenAI().chat.completions.create({ model });
client.messages.create(params);
clients[0].generate();
(await getClient())!.embed();
this.llm.invoke(x);
(() => 1)();
`;
    const m = parse('src/chat.ts', text);
    const chains = m.source.getDescendantsOfKind(SyntaxKind.CallExpression).map((c) => m.chain(c.getExpression()));
    expect(chains).toEqual(['new OpenAI().chat.completions.create', 'client.messages.create', 'clients[].generate', 'getClient().embed', 'getClient', 'this.llm.invoke', '']);
  });
});

describe('parsing', () => {
  it('reports the first syntax error with its span', () => {
    const text = 'const x = {\n  a: 1,\n  b: 2\nfunction (\n';
    const m = parse('bad.ts', text);
    const err = m.parseError();
    expect(err?.message).toBe("',' expected.");
    expect(where(text, err?.span as never)).toBe('4:1-4:9');
  });

  it('parses JSX in .jsx/.tsx files and reports no error for valid code', () => {
    expect(parse('a.jsx', 'const A = () => <div className="x">{props.model}</div>;\n').parseError()).toBeUndefined();
    expect(parse('b.tsx', 'export const B = ({ m }: { m: string }) => <span>{m}</span>;\n').parseError()).toBeUndefined();
    expect(parse('c.mjs', 'export default async function handler(req) { return 1; }\n').parseError()).toBeUndefined();
    // in a .ts file, JSX is a syntax error
    expect(parse('d.ts', 'const A = () => <div>{x}</div>;\n').parseError()).toBeDefined();
  });

  it('keeps files of one project apart', () => {
    const a = parse('src/one.ts', "import a from 'one';\n");
    const b = parse('src/two.ts', "import b from 'two';\n");
    expect(a.imports().map((i) => i.module)).toEqual(['one']);
    expect(b.imports().map((i) => i.module)).toEqual(['two']);
  });

  it('FileModel.ts() reports a syntax error once and still gives the module', async () => {
    const host = new ParserHost(await Grammars.load());
    const text = "import OpenAI from 'openai';\nexport const client = new OpenAI({\n  apiKey: process.env.KEY,\n;\n";
    const f = new FileModel('src/client.ts', '/repo/src/client.ts', 'typescript', text, host);
    const mod = f.ts();
    expect(f.ts()).toBe(mod);
    expect(mod?.imports().map((i) => i.local)).toEqual(['OpenAI']);
    expect(f.notices).toHaveLength(1);
    expect(f.notices[0]).toMatchObject({ kind: 'parse-error', level: 'warning', path: 'src/client.ts' });
    expect(f.notices[0]?.message).toMatch(/^syntax error: .+; the file was checked with error recovery$/);
    expect(f.notices[0]?.range?.start).toEqual({ line: 4, column: 1 });
    expect(Node.isSourceFile(mod?.source)).toBe(true);
  });
});
