import { describe, expect, it } from 'vitest';
import { FileModel, ParserHost } from '../../src/model/file-model.js';
import { parsePython, PythonModule, type PyString } from '../../src/parse/python.js';
import { Grammars } from '../../src/parse/tree-sitter.js';
import { LineIndex } from '../../src/util/line-index.js';

const grammars = await Grammars.load();

function parse(text: string): PythonModule {
  expect(grammars.has('python')).toBe(true);
  return new PythonModule(grammars.parse('python', text), text);
}

/** `line:col-line:col` of a span in `text`. */
function where(text: string, span: { start: number; end: number }): string {
  const r = new LineIndex(text).range(span.start, span.end);
  return `${r.start.line}:${r.start.column}-${r.end.line}:${r.end.column}`;
}

/** The string value of the module-level constant `name`, without the node. */
function constant(m: PythonModule, name: string): Omit<PyString, 'node'> & { node: string } {
  const n = m.constants().get(name);
  expect(n, `constant ${name}`).toBeDefined();
  const v = m.stringValue(n as NonNullable<typeof n>);
  expect(v, `value of ${name}`).toBeDefined();
  const s = v as PyString;
  return { ...s, node: m.text_(s.node) };
}

describe('PythonModule.imports()', () => {
  const text = `import os
import numpy as np, os.path
import transformers.models.llama as llama
from transformers import AutoModelForCausalLM as LM, AutoTokenizer
from . import utils
from ..core.client import (
    Client,
    make_client as mk,
)
from vllm import *


def load():
    import torch as T
    return T
`;
  const m = parse(text);

  it('lists every import with its local name, qualified name and module', () => {
    expect(m.imports().map((i) => [i.local, i.qualified, i.module, i.star ?? false])).toEqual([
      ['os', 'os', 'os', false],
      ['np', 'numpy', 'numpy', false],
      ['os', 'os', 'os.path', false],
      ['llama', 'transformers.models.llama', 'transformers.models.llama', false],
      ['LM', 'transformers.AutoModelForCausalLM', 'transformers', false],
      ['AutoTokenizer', 'transformers.AutoTokenizer', 'transformers', false],
      ['utils', '.utils', '.', false],
      ['Client', '..core.client.Client', '..core.client', false],
      ['mk', '..core.client.make_client', '..core.client', false],
      ['*', 'vllm.*', 'vllm', true],
      ['T', 'torch', 'torch', false],
    ]);
  });

  it('gives each import the span of the imported name (with its alias)', () => {
    const spans = m.imports().map((i) => text.slice(i.span.start, i.span.end));
    expect(spans[1]).toBe('numpy as np');
    expect(spans[4]).toBe('AutoModelForCausalLM as LM');
    expect(spans[9]).toBe('from vllm import *');
    expect(where(text, (m.imports()[8] as { span: { start: number; end: number } }).span)).toBe('8:5-8:22');
  });

  it('maps local names to qualified names, star imports left out', () => {
    const map = m.importMap();
    expect(map.get('np')).toBe('numpy');
    expect(map.get('LM')).toBe('transformers.AutoModelForCausalLM');
    expect(map.get('T')).toBe('torch');
    expect(map.has('*')).toBe(false);
    expect(m.qualify('LM.from_pretrained')).toBe('transformers.AutoModelForCausalLM.from_pretrained');
    expect(m.qualify('llama.LlamaConfig')).toBe('transformers.models.llama.LlamaConfig');
    expect(m.qualify('unknown.thing')).toBe('unknown.thing');
  });

  it('does not import anything from strings or comments', () => {
    const t = parse('# import torch\ns = "from vllm import LLM"\n');
    expect(t.imports()).toEqual([]);
  });
});

describe('PythonModule.calls()', () => {
  const text = `from transformers import AutoTokenizer, AutoModelForCausalLM as LM
import numpy as np
from huggingface_hub import HfApi

MODEL = "meta-llama/Llama-3.1-8B-Instruct"


def load(*a, **kw):
    tok = AutoTokenizer.from_pretrained(MODEL, revision="a1b2c3", *a, **kw)
    m = LM.from_pretrained(pretrained_model_name_or_path=MODEL)  # weights
    np.array([1])
    HfApi().snapshot_download(repo_id="org/model")
    handlers[0].run()
    (lambda: None)()
    return sum(x for x in range(3))
`;
  const m = parse(text);
  const byCallee = (callee: string) => {
    const c = m.calls().find((x) => x.callee === callee);
    expect(c, callee).toBeDefined();
    return c as NonNullable<typeof c>;
  };

  it('writes callees as chains and qualifies them through the imports', () => {
    expect(m.calls().map((c) => [c.callee, c.qualified])).toEqual([
      ['AutoTokenizer.from_pretrained', 'transformers.AutoTokenizer.from_pretrained'],
      ['LM.from_pretrained', 'transformers.AutoModelForCausalLM.from_pretrained'],
      ['np.array', 'numpy.array'],
      ['HfApi().snapshot_download', 'huggingface_hub.HfApi().snapshot_download'],
      ['HfApi', 'huggingface_hub.HfApi'],
      ['handlers[].run', 'handlers[].run'],
      ['', ''],
      ['sum', 'sum'],
      ['range', 'range'],
    ]);
  });

  it('separates positional and keyword arguments, splats left out', () => {
    const tok = byCallee('AutoTokenizer.from_pretrained');
    expect(tok.args.map((a) => m.text_(a))).toEqual(['MODEL']);
    expect([...tok.kwargs.keys()]).toEqual(['revision']);
    expect(m.text_(tok.kwargs.get('revision') as never)).toBe('"a1b2c3"');
    const lm = byCallee('LM.from_pretrained');
    expect(lm.args).toEqual([]);
    expect(m.text_(lm.kwargs.get('pretrained_model_name_or_path') as never)).toBe('MODEL');
    // a generator expression is the single argument
    expect(byCallee('sum').args.map((a) => a.type)).toEqual(['generator_expression']);
  });

  it('gives the span of the call and of its callee', () => {
    const lm = byCallee('LM.from_pretrained');
    expect(where(text, lm.calleeSpan)).toBe('10:9-10:27');
    expect(where(text, lm.span)).toBe('10:9-10:64');
    const snap = byCallee('HfApi().snapshot_download');
    expect(text.slice(snap.calleeSpan.start, snap.calleeSpan.end)).toBe('HfApi().snapshot_download');
  });
});

describe('PythonModule.constants() and stringValue()', () => {
  const text = `import os
from os import environ as env

MODEL = "meta-llama/Llama-3.1-8B"
REV: str = 'abc123'
PREFIX = "org/"
FULL = PREFIX + "model"
TEMPLATE = f"{PREFIX}name-{REV}"
PARTIAL = f"x-{unknown}"
CAT = ("abc" "def")
RAW = r"C:\\new"
ESC = "a\\tb\\n"
ENV1 = os.environ.get("MODEL_ID", "gpt2")
ENV2 = os.getenv("MODEL_ID") or "fallback"
ENV3 = os.environ["MODEL_ID"]
ENV4 = env.get("SERVED_MODEL", default="llama3")
DUP = "a"
DUP = "b"
AUG = "base"
AUG += "-instruct"
BRANCH = "cpu-model"
if os.environ.get("GPU"):
    BRANCH = "gpu-model"
try:
    OPTIONAL = "x"
except ImportError:
    pass
ANNOTATED: str


def f():
    LOCAL = "not module level"
    MODEL = "shadow"
`;
  const m = parse(text);

  it('keeps names bound once at module level', () => {
    expect([...m.constants().keys()].sort()).toEqual(['CAT', 'ENV1', 'ENV2', 'ENV3', 'ENV4', 'ESC', 'FULL', 'MODEL', 'PARTIAL', 'PREFIX', 'RAW', 'REV', 'TEMPLATE'].sort());
  });

  it('keeps module-level names when a later syntax error wraps the module in one ERROR node', () => {
    const broken = parse('import os\nMODEL = "org/model"\nPREFIX = f"{MODEL}-x"\n\ndef load():\n    LOCAL = 1\n\n\u00e2\u00b1\n\nclass A:\n    x: str\n \ufffd   y: int\n');
    expect(broken.root.namedChildren[0]?.type).toBe('ERROR');
    expect([...broken.constants().keys()].sort()).toEqual(['MODEL', 'PREFIX']);
  });

  it('leaves out names assigned twice, augmented, or reassigned in a module-level block', () => {
    const c = m.constants();
    expect(c.has('DUP')).toBe(false);
    expect(c.has('AUG')).toBe(false);
    expect(c.has('BRANCH')).toBe(false);
    // bound only inside try/if: not a known constant
    expect(c.has('OPTIONAL')).toBe(false);
    expect(c.has('ANNOTATED')).toBe(false);
    // function bodies do not count
    expect(c.has('LOCAL')).toBe(false);
    expect(m.text_(c.get('MODEL') as never)).toBe('"meta-llama/Llama-3.1-8B"');
  });

  it('evaluates literals, constants, concatenations and f-strings', () => {
    expect(constant(m, 'MODEL')).toMatchObject({ value: 'meta-llama/Llama-3.1-8B', kind: 'literal', exact: true });
    expect(constant(m, 'REV')).toMatchObject({ value: 'abc123', kind: 'literal' });
    expect(constant(m, 'FULL')).toMatchObject({ value: 'org/model', kind: 'template', exact: true });
    expect(constant(m, 'TEMPLATE')).toMatchObject({ value: 'org/name-abc123', kind: 'template', exact: true });
    expect(constant(m, 'PARTIAL')).toMatchObject({ value: 'x-{unknown}', kind: 'template', exact: false });
    expect(constant(m, 'CAT')).toMatchObject({ value: 'abcdef', kind: 'literal', exact: true });
  });

  it('handles raw strings and escapes', () => {
    expect(constant(m, 'RAW').value).toBe('C:\\new');
    expect(constant(m, 'ESC').value).toBe('a\tb\n');
  });

  it('reads environment defaults and names the variable', () => {
    expect(constant(m, 'ENV1')).toMatchObject({ value: 'gpt2', kind: 'env-default', envName: 'MODEL_ID', node: '"gpt2"' });
    expect(constant(m, 'ENV2')).toMatchObject({ value: 'fallback', kind: 'env-default', envName: 'MODEL_ID' });
    // environ imported under another name, default as a keyword argument
    expect(constant(m, 'ENV4')).toMatchObject({ value: 'llama3', kind: 'env-default', envName: 'SERVED_MODEL' });
    // no default: no value, but the lookup is recognised
    expect(m.stringValue(m.constants().get('ENV3') as never)).toBeUndefined();
    expect(m.envLookup(m.constants().get('ENV3') as never)).toEqual({ name: 'MODEL_ID' });
  });

  it('follows an identifier to its constant and reports the constant kind', () => {
    const mm = parse(`${text}\nload(MODEL)\n`);
    const arg = mm.calls().find((c) => c.callee === 'load')?.args[0];
    expect(arg).toBeDefined();
    const v = mm.stringValue(arg as never);
    expect(v?.value).toBe('meta-llama/Llama-3.1-8B');
    expect(v?.kind).toBe('constant');
    // the node is the literal, where a finding about the value points
    expect(mm.text_(v?.node as never)).toBe('"meta-llama/Llama-3.1-8B"');
  });

  it('gives up on values it cannot know', () => {
    const mm = parse('import os\nA = os.environ.get("X")\nB = some_call()\nC = 1 + 2\nD = A + "x"\n');
    for (const name of ['A', 'B', 'C', 'D']) expect(mm.stringValue(mm.constants().get(name) as never), name).toBeUndefined();
  });
});

describe('FileModel.python()', () => {
  it('parses with error recovery and reports the first syntax error with its position', async () => {
    const host = new ParserHost(grammars);
    const text = 'from vllm import LLM\n\ndef serve(:\n    llm = LLM(model="x")\n';
    const f = new FileModel('app/serve.py', '/repo/app/serve.py', 'python', text, host);
    const mod = f.python();
    expect(mod).toBeDefined();
    expect(f.python()).toBe(mod);
    // the import before the error is still found
    expect(mod?.imports().map((i) => i.qualified)).toEqual(['vllm.LLM']);
    expect(f.notices).toHaveLength(1);
    expect(f.notices[0]).toMatchObject({ kind: 'parse-error', level: 'warning', path: 'app/serve.py' });
    expect(f.notices[0]?.message).toMatch(/^syntax error \((unexpected input|missing .+)\); the file was checked with error recovery$/);
    expect(f.notices[0]?.range?.start.line).toBe(3);
  });

  it('reports nothing for a valid module and is undefined for other roles', () => {
    const host = new ParserHost(grammars);
    const ok = new FileModel('a.py', '/repo/a.py', 'python', 'x = 1\n', host);
    ok.python();
    expect(ok.notices).toEqual([]);
    const sh = new FileModel('a.sh', '/repo/a.sh', 'shell', 'x=1\n', host);
    expect(sh.python()).toBeUndefined();
  });
});

describe('parsePython: a module wrapped in an error', () => {
  const head = 'from openai import OpenAI\nclient = OpenAI()\n\n\ndef reply(q):\n    return client.chat.completions.create(model="gpt-4o", messages=[])\n\n\n';
  // a class whose lines were prefixed with debris and a string left open at the end of the file
  const d = '- '.repeat(11);
  const tail = `import csv\n\n@dataclass\nclass FzRow:\n    order_id: str\n${d}    total_cents: int\n${d}\n${d}def fz_read_rows(path: Path) -> list[FzRow]:\n${d}    with path.open(newline="") as fh:\n${d}        return [FzRow(r["i`;

  it('tree-sitter makes the root an ERROR node; the damaged statements are blanked and the rest is a module again', () => {
    expect(grammars.parse('python', head + tail).rootNode.type).toBe('ERROR');
    const { tree, error } = parsePython(grammars, head + tail);
    expect(tree.rootNode.type).toBe('module');
    expect(error?.type).toBe('ERROR');
    const m = new PythonModule(tree, head + tail);
    const create = m.calls().find((c) => c.qualified.endsWith('chat.completions.create'));
    // scopes end at the module, as in a file without the error
    let top = create?.node;
    while (top?.parent) top = top.parent;
    expect(top?.type).toBe('module');
    expect([...m.constants().keys()]).toEqual(['client']);
  });

  it('leaves a file without errors, or with errors inside a module, as tree-sitter parsed it', () => {
    expect(parsePython(grammars, head).error).toBeUndefined();
    const inner = parsePython(grammars, `${head}def f(:\n    pass\n`);
    expect(inner.tree.rootNode.type).toBe('module');
    expect(inner.error).toBeDefined();
  });
});
