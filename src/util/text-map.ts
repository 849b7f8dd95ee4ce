/**
 * Maps offsets in a derived string (a YAML scalar's value, an embedded shell script)
 * back to offsets in the file it was taken from.
 */
export interface OffsetMap {
  toSource(offset: number): number;
}

export interface Segment {
  /** Offset in the derived string. */
  from: number;
  /** Offset in the source text. */
  to: number;
  length: number;
}

export class SegmentMap implements OffsetMap {
  private readonly segments: Segment[];

  constructor(
    segments: Segment[],
    private readonly fallback: number,
  ) {
    this.segments = [...segments].sort((a, b) => a.from - b.from);
  }

  toSource(offset: number): number {
    let best: Segment | undefined;
    for (const s of this.segments) {
      if (s.from <= offset) best = s;
      else break;
    }
    if (!best) return this.segments[0]?.to ?? this.fallback;
    return best.to + Math.min(offset - best.from, best.length);
  }
}

/** Derived offset 0 is source offset `base`, and so on one to one. */
export function shiftedMap(base: number): OffsetMap {
  return { toSource: (offset) => base + offset };
}

/** `inner` maps into the string that `outer` maps into the file. */
export function composeMaps(outer: OffsetMap, inner: OffsetMap): OffsetMap {
  return { toSource: (offset) => outer.toSource(inner.toSource(offset)) };
}

/**
 * Builds a map for a value whose lines appear verbatim (minus indentation) in `source`
 * between `start` and `end`, in order: YAML block and plain scalars, folded or not.
 * Lines that cannot be found map to the nearest earlier segment.
 */
export function mapByLines(value: string, source: string, start: number, end: number): OffsetMap {
  const segments: Segment[] = [];
  let vpos = 0;
  let spos = start;
  while (spos < end) {
    let eol = source.indexOf('\n', spos);
    if (eol === -1 || eol > end) eol = end;
    let ls = spos;
    while (ls < eol && (source[ls] === ' ' || source[ls] === '\t')) ls++;
    let le = eol;
    if (le > ls && source[le - 1] === '\r') le--;
    const content = source.slice(ls, le);
    if (content.length > 0) {
      const at = value.indexOf(content, vpos);
      if (at !== -1) {
        segments.push({ from: at, to: ls, length: content.length });
        vpos = at + content.length;
      } else {
        // The line may also hold a block header, the quotes or a shell line continuation: retry without them.
        const unquoted = content.replace(/^["'|>][-+0-9]*\s*/, '');
        // A trailing `\` continues the line (and takes the spaces before it); trimmed, not matched with `\s*\\$`.
        const inner = (unquoted.endsWith('\\') ? unquoted.slice(0, -1).trimEnd() : unquoted).replace(/["']\s*$/, '');
        const at2 = inner ? value.indexOf(inner, vpos) : -1;
        if (at2 !== -1) {
          segments.push({ from: at2, to: ls + content.indexOf(inner), length: inner.length });
          vpos = at2 + inner.length;
        }
      }
    }
    spos = eol + 1;
  }
  return new SegmentMap(segments, start);
}
