import { DockerfileParser, From, JSONInstruction, PropertyInstruction, type Instruction } from 'dockerfile-ast';
import type { Span } from '../types.js';
import type { LineIndex } from '../util/line-index.js';

export interface DockerArg {
  value: string;
  span: Span;
}

export interface DockerInstruction {
  /** Upper-case keyword: FROM, RUN, CMD, ENTRYPOINT, ENV, ARG, ... */
  keyword: string;
  span: Span;
  args: DockerArg[];
  /** The text after the keyword, as written (continuation lines included), and where it starts. */
  argsText: string;
  argsStart: number;
  /** Exec (JSON) form strings, unescaped, each with its span (quotes included). */
  exec?: DockerArg[];
  /** ENV and ARG: the `NAME=value` pairs (or the legacy `ENV NAME value`), quotes and escapes handled. */
  properties?: DockerProperty[];
}

export interface DockerProperty {
  name: string;
  nameSpan: Span;
  /** The value with quotes and escapes removed; undefined for `ARG NAME` without a default. */
  value?: string;
  /** The value as written (quotes included). */
  valueSpan?: Span;
}

export interface DockerFrom {
  instruction: DockerInstruction;
  /** The image reference as written (`vllm/vllm-openai:${TAG}`). */
  image: string;
  imageSpan: Span;
  /** `AS name`, if any. */
  stage?: string;
  platform?: string;
}

/** A parsed Dockerfile: instructions with file offsets, FROM lines and global ARG defaults. */
export class DockerfileModel {
  readonly instructions: DockerInstruction[] = [];
  readonly froms: DockerFrom[] = [];
  /** ARGs declared before the first FROM (usable in FROM lines), name → default. */
  readonly globalArgs = new Map<string, string | undefined>();

  constructor(text: string, lines: LineIndex) {
    const df = DockerfileParser.parse(text);
    const off = (p: { line: number; character: number }): number => lines.offset({ line: p.line + 1, column: p.character + 1 });
    const spanOf = (r: { start: { line: number; character: number }; end: { line: number; character: number } }): Span => ({
      start: off(r.start),
      end: off(r.end),
    });
    let sawFrom = false;
    for (const ins of df.getInstructions() as Instruction[]) {
      const keyword = ins.getKeyword().toUpperCase();
      const span = spanOf(ins.getRange());
      const args = ins.getArguments().map((a) => ({ value: a.getValue(), span: spanOf(a.getRange()) }));
      const argsStart = args[0]?.span.start ?? span.end;
      const model: DockerInstruction = { keyword, span, args, argsText: text.slice(argsStart, span.end), argsStart };
      if (ins instanceof JSONInstruction) {
        const strings = ins.getJSONStrings();
        if (strings.length > 0 && model.argsText.trimStart().startsWith('[')) {
          model.exec = strings.map((s) => {
            const span = spanOf(s.getRange());
            return { value: jsonString(text.slice(span.start, span.end)) ?? s.getJSONValue(), span };
          });
        }
      }
      if (ins instanceof PropertyInstruction && (keyword === 'ENV' || keyword === 'ARG')) {
        model.properties = ins.getProperties().map((p) => {
          const valueRange = p.getValueRange();
          const value = p.getValue();
          return {
            name: p.getName(),
            nameSpan: spanOf(p.getNameRange()),
            value: value ?? undefined,
            valueSpan: valueRange && value !== null ? spanOf(valueRange) : undefined,
          };
        });
      }
      this.instructions.push(model);
      if (keyword === 'ARG' && !sawFrom) {
        for (const p of model.properties ?? []) this.globalArgs.set(p.name, p.value);
      }
      if (ins instanceof From) {
        sawFrom = true;
        const range = ins.getImageRange();
        if (!range) continue;
        const imageSpan = spanOf(range);
        const platform = ins.getPlatformFlag()?.getValue() ?? undefined;
        this.froms.push({
          instruction: model,
          image: text.slice(imageSpan.start, imageSpan.end),
          imageSpan,
          stage: ins.getBuildStage() ?? undefined,
          platform: platform ?? undefined,
        });
      }
    }
  }
}

/** A JSON string literal's value (`getJSONValue` of dockerfile-ast drops whitespace and mangles escapes). */
function jsonString(raw: string): string | undefined {
  try {
    const v: unknown = JSON.parse(raw);
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}
