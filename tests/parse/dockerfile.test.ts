import { describe, expect, it } from 'vitest';
import { DockerfileModel, type DockerInstruction } from '../../src/parse/dockerfile.js';
import { LineIndex } from '../../src/util/line-index.js';

function parse(text: string): DockerfileModel {
  return new DockerfileModel(text, new LineIndex(text));
}

function where(text: string, span: { start: number; end: number }): string {
  const r = new LineIndex(text).range(span.start, span.end);
  return `${r.start.line}:${r.start.column}-${r.end.line}:${r.end.column}`;
}

const TEXT = `# syntax=docker/dockerfile:1
ARG BASE=nvidia/cuda:12.4.1-runtime-ubuntu22.04
ARG VLLM_TAG="v0.6.3"
ARG NO_DEFAULT
FROM --platform=linux/amd64 \${BASE} AS builder
ARG INSIDE_STAGE=1
RUN --mount=type=cache,target=/root/.cache/pip \\
    pip install vllm==0.6.3 && \\
    echo ok
FROM vllm/vllm-openai:\${VLLM_TAG}
ENV HF_HOME=/models MODEL_ID="meta-llama/Llama-3.1-8B-Instruct"
ENV LEGACY some long value
COPY --from=builder /opt/venv /opt/venv
ENTRYPOINT ["python3", "-m", "vllm.entrypoints.openai.api_server"]
CMD ["--model", "\${MODEL_ID}", "--served-model-name", "llama 3.1"]
`;

describe('DockerfileModel', () => {
  const df = parse(TEXT);
  const ins = (keyword: string, n = 0): DockerInstruction => {
    const found = df.instructions.filter((i) => i.keyword === keyword)[n];
    expect(found, `${keyword} #${n}`).toBeDefined();
    return found as DockerInstruction;
  };

  it('lists instructions with upper-case keywords and spans', () => {
    expect(df.instructions.map((i) => i.keyword)).toEqual(['ARG', 'ARG', 'ARG', 'FROM', 'ARG', 'RUN', 'FROM', 'ENV', 'ENV', 'COPY', 'ENTRYPOINT', 'CMD']);
    expect(where(TEXT, ins('RUN').span)).toBe('7:1-9:12');
    expect(where(TEXT, ins('FROM', 1).span)).toBe('10:1-10:34');
  });

  it('gives arguments with spans, flags left out', () => {
    const run = ins('RUN');
    expect(run.args.map((a) => a.value)).toEqual(['pip', 'install', 'vllm==0.6.3', '&&', 'echo', 'ok']);
    expect(where(TEXT, run.args[2]?.span as never)).toBe('8:17-8:28');
    expect(run.argsStart).toBe(TEXT.indexOf('pip install'));
    expect(run.argsText).toBe('pip install vllm==0.6.3 && \\\n    echo ok');
    expect(ins('COPY').args.map((a) => a.value)).toEqual(['/opt/venv', '/opt/venv']);
  });

  it('reads FROM lines: image as written, stage and platform', () => {
    expect(df.froms.map((f) => [f.image, f.stage, f.platform])).toEqual([
      ['${BASE}', 'builder', 'linux/amd64'],
      ['vllm/vllm-openai:${VLLM_TAG}', undefined, undefined],
    ]);
    expect(where(TEXT, df.froms[1]?.imageSpan as never)).toBe('10:6-10:34');
    expect(df.froms[0]?.instruction).toBe(ins('FROM'));
  });

  it('keeps global ARG defaults (before the first FROM), quotes removed', () => {
    expect([...df.globalArgs]).toEqual([
      ['BASE', 'nvidia/cuda:12.4.1-runtime-ubuntu22.04'],
      ['VLLM_TAG', 'v0.6.3'],
      ['NO_DEFAULT', undefined],
    ]);
    expect(df.globalArgs.has('INSIDE_STAGE')).toBe(false);
  });

  it('reads exec-form strings as JSON, spaces and escapes included', () => {
    const entry = ins('ENTRYPOINT');
    expect(entry.exec?.map((a) => a.value)).toEqual(['python3', '-m', 'vllm.entrypoints.openai.api_server']);
    expect(where(TEXT, entry.exec?.[1]?.span as never)).toBe('14:24-14:28');
    const cmd = ins('CMD');
    expect(cmd.exec?.map((a) => a.value)).toEqual(['--model', '${MODEL_ID}', '--served-model-name', 'llama 3.1']);

    const t = 'FROM x\nCMD ["/bin/sh", "-c", "vllm serve \\"$MODEL\\" --port 8000", "caf\\u00e9", "a\\\\b"]\n';
    const escaped = parse(t).instructions[1] as DockerInstruction;
    expect(escaped.exec?.map((a) => a.value)).toEqual(['/bin/sh', '-c', 'vllm serve "$MODEL" --port 8000', 'café', 'a\\b']);
    expect(t.slice(escaped.exec?.[2]?.span.start, escaped.exec?.[2]?.span.end)).toBe('"vllm serve \\"$MODEL\\" --port 8000"');
  });

  it('has no exec form for shell-form instructions', () => {
    expect(ins('RUN').exec).toBeUndefined();
    const shellCmd = parse('FROM x\nCMD python app.py --model "[x]"\n').instructions[1];
    expect(shellCmd?.exec).toBeUndefined();
  });

  it('reads ENV and ARG properties, quoted values with spaces in one piece', () => {
    const t = 'FROM x\nENV A="two words" B=a\\ b C=\'s q\' D=plain E=\nARG X="q r" Y\nENV M="é 🙂" \\\n    N=2\n';
    const d = parse(t);
    const props = d.instructions.flatMap((i) => (i.properties ?? []).map((p) => [p.name, p.value, p.valueSpan && t.slice(p.valueSpan.start, p.valueSpan.end)]));
    expect(props).toEqual([
      ['A', 'two words', '"two words"'],
      ['B', 'a b', 'a\\ b'],
      ['C', 's q', "'s q'"],
      ['D', 'plain', 'plain'],
      ['E', '', ''],
      ['X', 'q r', '"q r"'],
      ['Y', undefined, undefined],
      ['M', 'é 🙂', '"é 🙂"'],
      ['N', '2', '2'],
    ]);
    const n = d.instructions[3]?.properties?.[1];
    expect(where(t, n?.nameSpan as never)).toBe('5:5-5:6');
  });

  it('reads the legacy `ENV NAME value` form as one property', () => {
    const legacy = ins('ENV', 1);
    expect(legacy.properties?.map((p) => [p.name, p.value])).toEqual([['LEGACY', 'some long value']]);
    expect(where(TEXT, legacy.properties?.[0]?.valueSpan as never)).toBe('12:12-12:27');
    expect(ins('RUN').properties).toBeUndefined();
  });

  it('positions are right in CRLF files and after non-ASCII text', () => {
    const crlf = 'FROM python:3.12-slim\r\nRUN pip install \\\r\n    torch\r\nCMD python app.py\r\n';
    const d = parse(crlf);
    expect(where(crlf, d.instructions[1]?.span as never)).toBe('2:1-3:10');
    expect(where(crlf, d.instructions[2]?.args[1]?.span as never)).toBe('4:12-4:18');
    const utf = 'FROM café/ünï:1 AS s\nRUN echo "🙂" && vllm serve x\n';
    const u = parse(utf);
    expect(where(utf, u.froms[0]?.imageSpan as never)).toBe('1:6-1:16');
    // "🙂" is two UTF-16 code units
    expect(where(utf, u.instructions[1]?.args[3]?.span as never)).toBe('2:18-2:22');
  });

  it('copes with an empty file and with comments only', () => {
    expect(parse('').instructions).toEqual([]);
    const c = parse('# nothing here\n\n');
    expect(c.instructions).toEqual([]);
    expect(c.froms).toEqual([]);
  });

  it('recognises lower-case keywords and `as` stage names', () => {
    const d = parse('from vllm/vllm-openai:v0.6.3 as Serve\nrun echo hi\n');
    expect(d.instructions.map((i) => i.keyword)).toEqual(['FROM', 'RUN']);
    expect(d.froms[0]?.stage).toBe('Serve');
  });
});
