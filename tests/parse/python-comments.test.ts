import { describe, expect, it } from 'vitest';
import { commentLineStarts, parsePython } from '../../src/parse/python.js';
import { Grammars } from '../../src/parse/tree-sitter.js';
import { AnalysisBudget, AnalysisBudgetError, chargedTo } from '../../src/parse/walk.js';
import { findingLines, scanDir, tempRepo } from '../helpers/run.js';

/** A module whose loader function carries a long run of indented comment lines. */
function commentedLoader(lines: number): string {
  const notes = Array.from({ length: lines }, (_, i) => `    # ${i}: keep the base model until the evaluation of the fine-tuned one is done\n`).join('');
  return `from transformers import AutoModel\n\n\ndef load():\n${notes}    return AutoModel.from_pretrained("gpt2")\n`;
}

describe('comment lines before the Python parse', () => {
  it('finds the comments alone on their lines, not the `#` in strings', () => {
    const text = ['# header', 'x = "a # b"  # trailing', '    # indented', 'doc = """', '# inside a docstring """', "y = '#' \\", '  # continued', "z = r'\\'#'", '#last'].join('\n');
    const at = commentLineStarts(text).map((i) => text.slice(i, text.indexOf('\n', i) === -1 ? undefined : text.indexOf('\n', i)));
    expect(at).toEqual(['# header', '# indented', '#last']);
  });

  it('gives the tree of the original text, positions included', async () => {
    const g = await Grammars.load();
    const text = [
      'import transformers',
      '# pinned on purpose',
      'def load(name):',
      '    # the tokenizer first',
      '    tok = transformers.AutoTokenizer.from_pretrained(name)  # same revision',
      '    s = f"""',
      '# not a comment: {name}"""',
      '    return tok, s',
      '',
    ].join('\n');
    const { tree } = parsePython(g, text);
    const original = g.parse('python', text);
    // The blanked comments are gone from the tree; everything else is where it was.
    const strip = (s: string): string => s.replace(/ ?\(comment\)/g, '');
    expect(strip(tree.rootNode.toString())).toBe(strip(original.rootNode.toString()));
    const call = tree.rootNode.descendantsOfType('call')[0];
    expect(call && text.slice(call.startIndex, call.endIndex)).toBe('transformers.AutoTokenizer.from_pretrained(name)');
  });

  it('parses the original text when a quote the scan missed went with a blanked line', async () => {
    const g = await Grammars.load();
    // The `"""` nested in the f-string opens a string the scan does not see, and the lines after
    // it look like comments; blanked, the string would lose its closing quotes.
    for (const text of ['s = f\'{"""}\'\n# one\n# two """\nu = 1\n', 's = f\'{"""\n# one\n"""}\'\nu = 1\n']) {
      expect(commentLineStarts(text).length).toBeGreaterThan(0);
      expect(parsePython(g, text).tree.rootNode.toString(), text).toBe(g.parse('python', text).rootNode.toString());
    }
  });

  it('a file with 10,000 comment lines in a function gets its finding in bounded time', async () => {
    const root = tempRepo({ 'app/load.py': commentedLoader(10_000) });
    const t0 = performance.now();
    const result = await scanDir(root, { only: ['model-pinning/hf-revision'] });
    // Unblanked, the grammar takes minutes on this file.
    expect(performance.now() - t0).toBeLessThan(10_000);
    expect(findingLines(result)).toEqual(['app/load.py:10005:38 missingRevision']);
  }, 60_000);

  it('a parse that outruns the analysis budget is cancelled and reported, and the scan goes on', async () => {
    const g = await Grammars.load();
    const big = Array.from({ length: 200_000 }, (_, i) => `x${i} = call(${i}, "value", [1, 2, 3])\n`).join('');
    const budget = new AnalysisBudget('big.py', { analysisTimeMs: 5, analysisNodes: 50_000_000 });
    expect(() => chargedTo(budget, () => parsePython(g, big))).toThrow(AnalysisBudgetError);
    expect(budget.spent).toBe('time');
    // The parser is usable again afterwards, from the start of the next text.
    expect(g.parse('python', 'y = 1\n').rootNode.toString()).toBe(g.parse('python', 'y = 1\n').rootNode.toString());

    const root = tempRepo({
      '.modelguard.yml': 'limits:\n  analysisTimeMs: 5\n',
      'big.py': `from transformers import AutoModel\n${big}`,
      'app/load.py': 'from transformers import AutoModel\nm = AutoModel.from_pretrained("gpt2")\n',
    });
    const result = await scanDir(root, { only: ['model-pinning/hf-revision'] });
    expect(result.notifications.filter((n) => n.kind === 'analysis-budget').map((n) => n.path)).toEqual(['big.py']);
    expect(findingLines(result)).toEqual(['app/load.py:2:31 missingRevision']);
  }, 60_000);
});
