import { readPackageJson } from '../../util/pkg.js';

interface ObservabilityData {
  loggers: {
    ts: { modules: string[]; methods: string[]; globals: string[] };
    python: { modules: string[]; methods: string[] };
    namePattern: string;
    helperPattern: string;
    quietMethods?: string[];
  };
  recorders: { receiverPattern: string; methods: string[] };
  wrappers: Array<{ name: string; tool: string; modules?: string[] }>;
  tracedModules: Array<{ module: string; tool: string }>;
  decorators: Array<{ pattern: string; tool: string }>;
  instrumentation: {
    python: Array<{ pattern: string; tool: string; covers: string[]; requiresKwarg?: string }>;
    pythonImports?: Array<{ module: string; tool: string; covers: string[] }>;
    pythonAssignments?: Array<{ target: string; tool: string; covers: string[] }>;
    ts: Array<{ module: string; tool: string; covers: string[] }>;
    instrumentors: Record<string, string[]>;
    envFlags?: Array<{ names: string[]; tool: string; covers: string[] }>;
  };
  gateways: { hostPattern: string; headerPattern: string; urlKeyPattern: string; headerKeyPattern: string };
  advice: Record<string, { ts?: string; python?: string }>;
}

/** src/data/llm-observability.json, with its patterns compiled once. */
export class ObservabilityKnowledge {
  readonly data: ObservabilityData;
  readonly loggerName: RegExp;
  readonly helperName: RegExp;
  readonly recorderReceiver: RegExp;
  readonly recorderMethods: Set<string>;
  readonly tsLoggerMethods: Set<string>;
  readonly pyLoggerMethods: Set<string>;
  readonly tsLoggerModules: Set<string>;
  readonly pyLoggerModules: string[];
  /** Logger methods below what production keeps (`debug`, `trace`). */
  readonly quietMethods: Set<string>;
  readonly decorators: Array<{ re: RegExp; tool: string }>;
  readonly pyInstrumentation: Array<{ re: RegExp; tool: string; covers: string[]; requiresKwarg?: string }>;
  readonly gatewayHost: RegExp;
  readonly gatewayHeader: RegExp;
  readonly urlKey: RegExp;
  readonly headerKey: RegExp;
  /** Lower-cased instrumentor names (`openai`, `langchain`) → SDK ids. */
  readonly instrumentors: Map<string, string[]>;

  private static shared: ObservabilityKnowledge | undefined;
  static get(): ObservabilityKnowledge {
    ObservabilityKnowledge.shared ??= new ObservabilityKnowledge();
    return ObservabilityKnowledge.shared;
  }

  private constructor() {
    const d = readPackageJson<ObservabilityData>('src', 'data', 'llm-observability.json');
    this.data = d;
    this.loggerName = new RegExp(d.loggers.namePattern);
    this.helperName = new RegExp(d.loggers.helperPattern);
    this.recorderReceiver = new RegExp(d.recorders.receiverPattern, 'i');
    this.recorderMethods = new Set(d.recorders.methods);
    this.tsLoggerMethods = new Set(d.loggers.ts.methods);
    this.pyLoggerMethods = new Set(d.loggers.python.methods);
    this.tsLoggerModules = new Set(d.loggers.ts.modules);
    this.pyLoggerModules = d.loggers.python.modules;
    this.quietMethods = new Set(d.loggers.quietMethods ?? []);
    this.decorators = d.decorators.map((x) => ({ re: new RegExp(x.pattern), tool: x.tool }));
    this.pyInstrumentation = d.instrumentation.python.map((x) => ({ ...x, re: new RegExp(x.pattern) }));
    this.gatewayHost = new RegExp(d.gateways.hostPattern, 'i');
    this.gatewayHeader = new RegExp(d.gateways.headerPattern, 'i');
    this.urlKey = new RegExp(d.gateways.urlKeyPattern);
    this.headerKey = new RegExp(d.gateways.headerKeyPattern);
    this.instrumentors = new Map(Object.entries(d.instrumentation.instrumentors).map(([k, v]) => [k.toLowerCase(), v]));
  }

  /**
   * A tracing wrapper, by name: `observeOpenAI`, `langfuse#observeOpenAI` (TS module#export),
   * `langsmith.wrappers.wrap_openai` (Python qualified name).
   */
  wrapper(name: string): string | undefined {
    const clean = name.replace(/\(\)$/, '');
    const hash = clean.indexOf('#');
    const module = hash >= 0 ? clean.slice(0, hash) : clean.includes('.') ? clean.slice(0, clean.lastIndexOf('.')) : undefined;
    const last = (hash >= 0 ? clean.slice(hash + 1) : clean).split('.').pop() ?? clean;
    const w = this.data.wrappers.find(
      (x) => x.name === last && (!x.modules || (module !== undefined && x.modules.some((m) => module === m || module.startsWith(`${m}.`) || module.startsWith(`${m}/`)))),
    );
    return w?.tool;
  }

  /**
   * A logger call at a level production does not keep (`logger.debug(...)`): a tracing API's
   * method of the same name (`langfuse.trace(...)`) is not one.
   */
  isQuietLog(method: string, receiver: string): boolean {
    if (!this.quietMethods.has(method)) return false;
    return !(this.recorderMethods.has(method) && this.recorderReceiver.test(receiver));
  }

  tracedModule(module: string): string | undefined {
    return this.data.tracedModules.find((t) => module === t.module || module.startsWith(`${t.module}.`) || module.startsWith(`${t.module}/`))?.tool;
  }

  decorator(qualified: string): string | undefined {
    return this.decorators.find((d) => d.re.test(qualified))?.tool;
  }

  /** How-to-fix text for an SDK and language. */
  advice(sdk: string, lang: 'ts' | 'python', selfHosted: boolean): string {
    const a = this.data.advice;
    const key = a[sdk]?.[lang] ? sdk : selfHosted && a['self-hosted']?.[lang] ? 'self-hosted' : 'default';
    return a[key]?.[lang] ?? a.default?.[lang] ?? 'log the prompt and the response';
  }
}
