/**
 * Time per phase of a run, for `--stats`. Each phase's time is its own ("self") time: a phase
 * entered while another runs (a file parsed while a rule asks for it) is taken out of the outer
 * phase, so the phases add up to the run. A disabled Timing only calls the function: the cost of
 * the instrumentation when `--stats` is not given is one branch per measured call.
 */
export interface Phase {
  /** Self time in milliseconds. */
  ms: number;
  /** How many times the phase ran (files parsed, files read, rule checks). */
  count: number;
}

export class Timing {
  readonly phases = new Map<string, Phase>();
  /** Free-form counts shown next to a phase (`discovery` → files seen, candidates). */
  readonly notes = new Map<string, string>();
  /** Time spent in nested phases, one entry per phase being measured. */
  private readonly inner: number[] = [];

  constructor(readonly enabled = false) {}

  /** Lists a phase even if it never runs (every enabled rule appears in the table). */
  declare(name: string): void {
    if (this.enabled && !this.phases.has(name)) this.phases.set(name, { ms: 0, count: 0 });
  }

  /** Starts a phase that spans statements; pair with `end`. */
  begin(): number {
    if (!this.enabled) return 0;
    return this.start();
  }

  end(name: string, t0: number): void {
    if (this.enabled) this.stop(name, t0);
  }

  private start(): number {
    this.inner.push(0);
    return performance.now();
  }

  private stop(name: string, t0: number): void {
    const dt = performance.now() - t0;
    const nested = this.inner.pop() ?? 0;
    const p = this.phases.get(name) ?? { ms: 0, count: 0 };
    p.ms += dt - nested;
    p.count++;
    this.phases.set(name, p);
    if (this.inner.length > 0) this.inner[this.inner.length - 1] = (this.inner[this.inner.length - 1] as number) + dt;
  }

  measure<T>(name: string, fn: () => T): T {
    if (!this.enabled) return fn();
    const t0 = this.start();
    try {
      return fn();
    } finally {
      this.stop(name, t0);
    }
  }

  /** For the phases that await (discovery, loading modules); nothing else runs meanwhile in a scan. */
  async measureAsync<T>(name: string, fn: () => Promise<T>): Promise<T> {
    if (!this.enabled) return fn();
    const t0 = this.start();
    try {
      return await fn();
    } finally {
      this.stop(name, t0);
    }
  }

  note(name: string, text: string): void {
    if (this.enabled) this.notes.set(name, text);
  }
}

/** The instrument when `--stats` is off. */
export const NO_TIMING = new Timing(false);
