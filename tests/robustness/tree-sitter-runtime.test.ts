import { afterEach, describe, expect, it } from 'vitest';
import { Grammars, ParserMemoryError } from '../../src/parse/tree-sitter.js';
import { parsePython } from '../../src/parse/python.js';
import { scanFiles } from '../helpers/run.js';

// The tree-sitter runtime has 2 GiB at most, and aborts for good when a parse needs more. Filling
// 2 GiB takes long, so these tests lower the limit parses may use to just above what the runtime
// holds now: the same check, reached with a few files.
const DEFAULT = Grammars.memoryLimit;
afterEach(() => {
  Grammars.memoryLimit = DEFAULT;
});

/** A Python module of about `kb` KiB that loads a Hub model without a revision. */
function module(name: string, kb: number): string {
  const body = Array.from({ length: Math.ceil((kb * 1024) / 60) }, (_, i) => `def ${name}_${i}(a, b=${i}):\n    return {"k": [a + b * ${i}]}\n`).join('');
  return `from transformers import AutoModel\n\nmodel = AutoModel.from_pretrained("gpt2")\n\n${body}`;
}

describe('the tree-sitter runtime memory', () => {
  it('refuses a parse that would not fit, and parses again once trees are freed', async () => {
    const g = await Grammars.load();
    const text = module('f', 256);
    const first = parsePython(g, text);
    Grammars.memoryLimit = Grammars.heapBytes; // no room to grow
    expect(() => g.parse('python', text)).toThrow(ParserMemoryError);
    g.free(first.tree);
    // the memory still cannot grow, but the freed tree's space is there again
    const small = g.parse('python', 'import os\n');
    expect(small.rootNode.type).toBe('module');
    g.free(small);
  });

  it('a scan that runs out names the files it could not parse, keeps the findings of the others, and goes on', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 8; i++) files[`pkg/m${i}.py`] = module(`m${i}`, 200);
    files['deploy/compose.yml'] = 'services:\n  llm:\n    image: vllm/vllm-openai:latest\n';
    const g = await Grammars.load();
    // room for about three of the eight trees beyond what the runtime holds now
    const probe = parsePython(g, files['pkg/m0.py'] as string);
    const perTree = 200 * 1024 * 96;
    g.free(probe.tree);
    Grammars.memoryLimit = Grammars.heapBytes + 3 * perTree;
    const r = await scanFiles(files);
    const note = r.notifications.find((n) => n.kind === 'skipped-files' && /tree-sitter parser's memory/.test(n.message));
    expect(note?.level).toBe('warning');
    const unparsed = note?.paths ?? [];
    expect(unparsed.length).toBeGreaterThan(0);
    expect(unparsed.length).toBeLessThan(8);
    const flagged = new Set(r.findings.filter((f) => f.ruleId === 'model-pinning/hf-revision').map((f) => f.path));
    for (let i = 0; i < 8; i++) {
      const p = `pkg/m${i}.py`;
      expect(flagged.has(p) || unparsed.includes(p), p).toBe(true);
      expect(flagged.has(p) && unparsed.includes(p), p).toBe(false);
    }
    // other file kinds are not affected
    expect(r.findings.some((f) => f.path === 'deploy/compose.yml')).toBe(true);
    expect(r.notifications.filter((n) => n.kind === 'rule-error')).toEqual([]);
  });
});

describe('Python indentation deeper than the grammar holds', () => {
  /** `n` nested functions, one space deeper each, a model call innermost. */
  const nested = (n: number): string => {
    const lines = ['from openai import OpenAI', 'client = OpenAI()', ''];
    for (let i = 0; i < n; i++) lines.push(`${' '.repeat(i)}def f${i}(q):`);
    lines.push(`${' '.repeat(n)}return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": q}])`, '');
    return lines.join('\n');
  };

  it('counts indentation levels as the tokenizer does', async () => {
    const { indentLevels } = await import('../../src/parse/python.js');
    expect(indentLevels('x = 1\n')).toBe(0);
    expect(indentLevels('def f():\n    if x:\n        pass\n    return 1\nclass C:\n  y = 2\n')).toBe(2);
    // blank lines and comments do not count; a tab is eight columns
    expect(indentLevels('def f():\n\n        # deep comment\n\tpass\n')).toBe(1);
    expect(indentLevels(nested(700))).toBe(700);
  });

  it('a file nested past it gets a notice, and the runtime stays whole for the files after it', async () => {
    const r = await scanFiles({ 'svc/deep.py': nested(1_000), 'svc/ok.py': 'from transformers import AutoModel\nm = AutoModel.from_pretrained("gpt2")\n' });
    expect(r.notifications.filter((n) => n.kind === 'rule-error')).toEqual([]);
    expect(r.notifications.find((n) => n.path === 'svc/deep.py')?.message).toMatch(/nested too deeply to parse \(indentation nested more than 400 levels deep\)/);
    expect(r.findings.map((f) => `${f.path} ${f.ruleId}`)).toContain('svc/ok.py model-pinning/hf-revision');
  });

  it('a file nested up to it is checked', async () => {
    const r = await scanFiles({ 'svc/deep.py': nested(300) });
    expect(r.notifications.filter((n) => n.kind === 'rule-error' || n.kind === 'parse-error')).toEqual([]);
    expect(r.findings.some((f) => f.path === 'svc/deep.py' && f.ruleId === 'model-pinning/api-model-alias')).toBe(true);
  });
});
