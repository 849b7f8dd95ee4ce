import { readPackageJson } from '../../util/pkg.js';
import type { Verdict } from './types.js';

interface FilterData {
  id: string;
  name: string;
  verdict: Verdict;
  methods?: string[];
  python?: string[];
  ts?: string[];
  calleeText?: string[];
  modules?: string[];
  urls?: string[];
  callArgs?: string[];
  clientArgs?: string[];
  sdks?: string[];
  disabledWhen?: string;
  enabledWhen?: string;
  wraps?: string[];
  raisesWhen?: string;
  docs?: string;
}

interface GuardrailData {
  filters: FilterData[];
  guardModels: { patterns: string[]; textHint: string };
  responseSinks: { ts: string[]; python: string[]; bodyAssignment?: string };
  requestGlobals?: string[];
  hostedApiHosts?: string;
  advice: Record<string, { ts: string; python: string }>;
}

/** One entry of src/data/guardrails.json with its patterns compiled. */
export interface FilterSpec {
  id: string;
  name: string;
  verdict: Verdict;
  python: RegExp[];
  ts: RegExp[];
  calleeText: RegExp[];
  modules: string[];
  urls: RegExp[];
  callArgs: RegExp[];
  clientArgs: RegExp[];
  sdks: Set<string>;
  disabledWhen?: RegExp;
  enabledWhen?: RegExp;
  wraps: RegExp[];
  raisesWhen?: RegExp;
}

const re = (list: string[] | undefined, flags = ''): RegExp[] => (list ?? []).map((p) => new RegExp(p, flags));

/** src/data/guardrails.json, compiled once. */
export class GuardrailKnowledge {
  readonly filters: FilterSpec[];
  /** Last names of every filter callee: the prefilter before a callee is resolved. */
  readonly methods: Set<string>;
  readonly guardModels: RegExp[];
  readonly guardModelHint: RegExp;
  readonly tsSinks: Set<string>;
  readonly pySinks: Set<string>;
  readonly bodyAssignment: RegExp;
  readonly requestGlobals: Set<string>;
  readonly hostedApiHosts: RegExp;
  private readonly advice: Record<string, { ts: string; python: string }>;

  private static shared: GuardrailKnowledge | undefined;
  static get(): GuardrailKnowledge {
    GuardrailKnowledge.shared ??= new GuardrailKnowledge();
    return GuardrailKnowledge.shared;
  }

  private constructor() {
    const d = readPackageJson<GuardrailData>('src', 'data', 'guardrails.json');
    this.filters = d.filters.map((f) => ({
      id: f.id,
      name: f.name,
      verdict: f.verdict,
      python: re(f.python),
      ts: re(f.ts),
      calleeText: re(f.calleeText),
      modules: f.modules ?? [],
      urls: re(f.urls, 'i'),
      callArgs: re(f.callArgs),
      clientArgs: re(f.clientArgs),
      sdks: new Set(f.sdks ?? []),
      disabledWhen: f.disabledWhen ? new RegExp(f.disabledWhen) : undefined,
      enabledWhen: f.enabledWhen ? new RegExp(f.enabledWhen) : undefined,
      wraps: re(f.wraps),
      raisesWhen: f.raisesWhen ? new RegExp(f.raisesWhen) : undefined,
    }));
    this.methods = new Set(d.filters.flatMap((f) => f.methods ?? []));
    this.guardModels = re(d.guardModels.patterns, 'i');
    this.guardModelHint = new RegExp(d.guardModels.textHint, 'i');
    this.tsSinks = new Set(d.responseSinks.ts);
    this.pySinks = new Set(d.responseSinks.python);
    this.bodyAssignment = new RegExp(d.responseSinks.bodyAssignment ?? '^$');
    this.requestGlobals = new Set(d.requestGlobals ?? []);
    this.hostedApiHosts = new RegExp(d.hostedApiHosts ?? '^$', 'i');
    this.advice = d.advice;
  }

  /** The filter whose resolved-callee patterns match `key` (see the schema's `python`/`ts`). */
  byCallee(lang: 'ts' | 'python', key: string): FilterSpec | undefined {
    return this.filters.find((f) => (lang === 'ts' ? f.ts : f.python).some((r) => r.test(key)));
  }

  /** The filter whose callee-text patterns match, when the file imports one of its modules. */
  byCalleeText(text: string, imports: (module: string) => boolean): FilterSpec | undefined {
    return this.filters.find((f) => f.calleeText.some((r) => r.test(text)) && f.modules.some(imports));
  }

  byUrl(url: string): FilterSpec | undefined {
    return this.filters.find((f) => f.urls.some((r) => r.test(url)));
  }

  /** A constructor (`nemoguardrails.LLMRails`) whose object wraps a model in rails. */
  byWrapper(q: string): FilterSpec | undefined {
    return this.filters.find((f) => f.wraps.some((r) => r.test(q)));
  }

  /** Whether a model id, path or tag names a guard model (Llama Guard, ShieldGemma ...). */
  isGuardModel(value: string): boolean {
    return this.guardModels.some((r) => r.test(value));
  }

  /** How to fix a route on this stack (`{what}` filled in). */
  fix(stack: string, lang: 'ts' | 'python', what: string): string {
    const a = this.advice[stack] ?? this.advice.default;
    return (a?.[lang] ?? '').replace(/\{what\}/g, what);
  }
}
