import { describe, expect, it } from 'vitest';
import { FileModel, ParserHost } from '../../src/model/file-model.js';
import { ShellParser, wordMap, type ShellCommand, type ShellScript } from '../../src/parse/shell.js';
import { Grammars } from '../../src/parse/tree-sitter.js';
import { LineIndex } from '../../src/util/line-index.js';
import { shiftedMap } from '../../src/util/text-map.js';

const grammars = await Grammars.load();
const shell = new ShellParser(grammars);

function parse(script: string, gha = false): ShellScript {
  return shell.parse(script, shiftedMap(0), script, gha);
}

const values = (c: ShellCommand | undefined): string[] => (c ? c.words.map((w) => w.value) : []);

function where(text: string, span: { start: number; end: number }): string {
  const r = new LineIndex(text).range(span.start, span.end);
  return `${r.start.line}:${r.start.column}-${r.end.line}:${r.end.column}`;
}

describe('ShellParser: words', () => {
  it('is available when the bash grammar loaded', () => {
    expect(shell.available).toBe(true);
  });

  it('removes quotes, keeps expansions as written, and knows which words are literal', () => {
    const s = `vllm serve "meta-llama/Llama-3.1-8B" --port '8000' --tp $TP --dtype "\${DTYPE:-auto}" --name "a $X  b" \\
  --x "" a\\ b "esc \\" q" $'ansi' $(cat model.txt) 42`;
    const [cmd] = parse(s).commands;
    expect(cmd?.words.map((w) => [w.value, w.literal])).toEqual([
      ['vllm', true],
      ['serve', true],
      ['meta-llama/Llama-3.1-8B', true],
      ['--port', true],
      ['8000', true],
      ['--tp', true],
      ['$TP', false],
      ['--dtype', true],
      ['${DTYPE:-auto}', false],
      ['--name', true],
      ['a $X  b', false],
      ['--x', true],
      ['', true],
      ['a b', true],
      ['esc " q', true],
      ['ansi', true],
      ['$(cat model.txt)', false],
      ['42', true],
    ]);
  });

  it('gives each word its span (quotes included) and raw text', () => {
    const s = 'docker run --gpus all "vllm/vllm-openai:v0.6.3" \\\n  --model \'org/m\'';
    const [cmd] = parse(s).commands;
    const img = cmd?.words[4];
    expect(img?.raw).toBe('"vllm/vllm-openai:v0.6.3"');
    expect(where(s, img?.span as never)).toBe('1:23-1:48');
    const model = cmd?.words[6];
    expect(model?.raw).toBe("'org/m'");
    expect(where(s, model?.span as never)).toBe('2:11-2:18');
    // the value map points inside the quotes
    expect(model?.map.toSource(0)).toBe(s.indexOf('org/m'));
    expect(img?.map.toSource('vllm/vllm-openai:'.length)).toBe(s.indexOf('v0.6.3'));
    expect(where(s, cmd?.span as never)).toBe('1:1-2:18');
  });

  it('does not count prefix assignments or redirections as words', () => {
    const s = 'HF_HUB_OFFLINE=1 CUDA_VISIBLE_DEVICES="0,1" python -m vllm.entrypoints.api_server > server.log 2>&1 < /dev/null';
    const [cmd] = parse(s).commands;
    expect(values(cmd)).toEqual(['python', '-m', 'vllm.entrypoints.api_server']);
    expect(cmd?.assignments.map((a) => [a.name, a.value?.value, s.slice(a.span.start, a.span.end)])).toEqual([
      ['HF_HUB_OFFLINE', '1', 'HF_HUB_OFFLINE=1'],
      ['CUDA_VISIBLE_DEVICES', '0,1', 'CUDA_VISIBLE_DEVICES="0,1"'],
    ]);
  });
});

describe('ShellParser: commands and operators', () => {
  it('lists commands in order with the operators that join them; `!` negates a whole pipeline', () => {
    const s = 'pip install -r requirements.txt && ! curl -fsS http://localhost:8000/health | jq .status || exit 1; echo done &\nwait';
    const cmds = parse(s).commands;
    expect(cmds.map((c) => [values(c)[0], c.before ?? null, c.after ?? null, c.negated])).toEqual([
      ['pip', null, '&&', false],
      ['curl', '&&', '|', true],
      ['jq', '|', '||', true],
      ['exit', '||', ';', false],
      ['echo', ';', '&', false],
      ['wait', '&', null, false],
    ]);
  });

  it('opens up if, for, while, subshells, groups and functions', () => {
    const s = `set -euo pipefail
if [ -n "$MODEL" ]; then
  huggingface-cli download "$MODEL"
else
  echo "no model" >&2
fi
for f in *.safetensors; do sha256sum "$f"; done
(cd server && make build)
{ vllm serve x; } 2>&1
serve() {
  python -m app "$@"
}
while true; do sleep 5; done
`;
    // `[ ... ]` is a test command, not a command
    expect(parse(s).commands.map((c) => values(c)[0])).toEqual(['set', 'huggingface-cli', 'echo', 'sha256sum', 'cd', 'make', 'vllm', 'python', 'true', 'sleep']);
    const make = parse(s).commands.find((c) => values(c)[0] === 'make');
    expect(make?.before).toBe('&&');
  });

  it('skips comments and heredoc bodies', () => {
    const s = '# vllm serve commented-out\ncat <<EOF > config.yaml\nmodel: vllm serve inside-heredoc\nEOF\necho after # trailing\n';
    const cmds = parse(s).commands;
    expect(cmds.map(values)).toEqual([['cat'], ['echo', 'after']]);
    expect(where(s, cmds[1]?.span as never)).toBe('5:1-5:11');
  });

  it('lists top-level variables, exported or not, but not those inside functions', () => {
    const s = 'MODEL="${MODEL:-org/model}"\nexport PORT=8000 HOST=0.0.0.0\nreadonly TAG=v1\nf() { INNER=1; }\nFLAG=1 cmd\n';
    const vars = parse(s).variables;
    expect(vars.map((v) => [v.name, v.value?.value])).toEqual([
      ['MODEL', '${MODEL:-org/model}'],
      ['PORT', '8000'],
      ['HOST', '0.0.0.0'],
      ['TAG', 'v1'],
    ]);
    expect(where(s, vars[1]?.span as never)).toBe('2:8-2:17');
    expect(vars[0]?.value?.literal).toBe(false);
  });

  it('reports the first syntax error and still lists the commands before it', () => {
    const s = 'pip install vllm\necho "unterminated\n';
    const r = parse(s);
    expect(r.commands.map((c) => values(c)[0])).toContain('pip');
    expect(r.error).toBeDefined();
    expect(where(s, r.error as never).startsWith('2:')).toBe(true);
    expect(parse('echo ok\n').error).toBeUndefined();
  });
});

describe('ShellParser: GitHub Actions expressions', () => {
  it('masks ${{ }} so the script parses, and never calls such words literal', () => {
    const s = `vllm serve "\${{ matrix.model }}" --revision '\${{ inputs.rev }}' --tp \${{ env.TP }} --name pre-\${{ github.run_id }}`;
    const r = parse(s, true);
    expect(r.error).toBeUndefined();
    const [cmd] = r.commands;
    expect(cmd?.words.map((w) => [w.value, w.literal])).toEqual([
      ['vllm', true],
      ['serve', true],
      ['${{ matrix.model }}', false],
      ['--revision', true],
      // single quotes do not stop GitHub from substituting the expression
      ['${{ inputs.rev }}', false],
      ['--tp', true],
      ['${{ env.TP }}', false],
      ['--name', true],
      ['pre-${{ github.run_id }}', false],
    ]);
    expect(cmd?.words[6]?.raw).toBe('${{ env.TP }}');
    expect(where(s, cmd?.words[6]?.span as never)).toBe('1:70-1:83');
  });

  it('without masking, an expression with a space breaks the word', () => {
    const s = 'echo ${{ matrix.model }}';
    expect(parse(s, false).commands[0]?.words.map((w) => w.value)).not.toEqual(['echo', '${{ matrix.model }}']);
  });
});

describe('ShellParser: embedded scripts', () => {
  it('maps positions through the offset map into the file', () => {
    const file = 'steps:\n  - run: pip install "torch==2.4.0" && python train.py\n';
    const script = 'pip install "torch==2.4.0" && python train.py';
    const base = file.indexOf('pip');
    const r = shell.parse(script, shiftedMap(base), file);
    const torch = r.commands[0]?.words[2];
    expect(torch?.value).toBe('torch==2.4.0');
    expect(torch?.raw).toBe('"torch==2.4.0"');
    expect(where(file, torch?.span as never)).toBe('2:22-2:36');
    expect(where(file, { start: torch?.map.toSource(7) as number, end: torch?.map.toSource(12) as number })).toBe('2:30-2:35');
    expect(where(file, r.commands[1]?.span as never)).toBe('2:40-2:55');
  });
});

describe('wordMap', () => {
  it('shifts plain and simply quoted words and falls back line by line otherwise', () => {
    expect(wordMap('abc', 'abc', 10).toSource(1)).toBe(11);
    expect(wordMap('"abc"', 'abc', 10).toSource(0)).toBe(11);
    expect(wordMap("'abc'", 'abc', 10).toSource(2)).toBe(13);
    // an escaped space: the start is still right
    expect(wordMap('a\\ b', 'a b', 10).toSource(0)).toBe(10);
  });
});

describe('FileModel shell parsing', () => {
  const host = new ParserHost(grammars);

  it('parses a shell file once, as a whole', () => {
    const text = '#!/usr/bin/env bash\nset -e\nvllm serve "$MODEL"\n';
    const f = new FileModel('scripts/serve', '/repo/scripts/serve', 'shell', text, host);
    const s = f.shellScript();
    expect(f.shellScript()).toBe(s);
    expect(s?.commands.map((c) => values(c)[0])).toEqual(['set', 'vllm']);
    expect(f.notices).toEqual([]);
  });

  it('reports one syntax error per file: a warning in shell files, a note in embedded scripts', () => {
    const sh = new FileModel('run.sh', '/repo/run.sh', 'shell', 'echo "a\n', host);
    sh.shellScript();
    expect(sh.notices).toHaveLength(1);
    expect(sh.notices[0]).toMatchObject({ kind: 'parse-error', level: 'warning', path: 'run.sh' });
    expect(sh.notices[0]?.message).toBe('shell syntax error; the commands around it were still checked');

    const text = 'jobs:\n  a:\n    steps:\n      - run: echo "x\n      - run: echo "y\n';
    const wf = new FileModel('.github/workflows/ci.yml', '/repo/.github/workflows/ci.yml', 'gha-workflow', text, host);
    wf.parseShell('echo "x', shiftedMap(text.indexOf('echo "x')));
    wf.parseShell('echo "y', shiftedMap(text.indexOf('echo "y')));
    expect(wf.notices).toHaveLength(1);
    expect(wf.notices[0]?.level).toBe('note');
    expect(wf.notices[0]?.range?.start.line).toBe(4);
  });

  it('shellScript() is undefined for files that are not shell scripts', () => {
    const f = new FileModel('a.py', '/repo/a.py', 'python', 'x = 1\n', host);
    expect(f.shellScript()).toBeUndefined();
  });
});
