import picomatch from 'picomatch';
import { readPackageJson } from '../../util/pkg.js';
import type { InferenceKind } from './types.js';
import { cutAtAny, trimTrailing } from '../../util/text.js';

interface MethodData {
  kind?: InferenceKind;
  stream?: boolean;
  returns?: string;
  self?: boolean;
  prompt?: string[];
  model?: string[];
}

interface TypeData {
  sdk: string;
  like?: string;
  kind?: InferenceKind;
  prompt?: string[];
  model?: string[];
  methods?: Record<string, MethodData>;
  commands?: Record<string, MethodData>;
}

export interface EntryData {
  module?: string[];
  names?: string[];
  pattern?: string;
  type?: string;
  sdk?: string;
  kind?: InferenceKind;
  stream?: boolean;
  prompt?: string[];
  model?: string[];
  task?: string;
  requiresModel?: boolean;
}

interface HttpPath {
  path: string;
  kind: InferenceKind;
  api: string;
  stream?: boolean;
  ambiguous?: boolean;
  pattern?: string;
}

/** An inference path a URL matched, with the model the URL names (Gemini puts it in the path). */
export interface HttpMatch extends HttpPath {
  /** The part of the URL that matched (`/v1/chat/completions`, `/models/gemini-1.5-pro:generateContent`). */
  matched: string;
  model?: string;
}

interface SdkData {
  sdks: Record<string, string>;
  selfHosted?: string[];
  types: Record<string, TypeData>;
  ts: Record<'constructors' | 'factories' | 'instances' | 'annotations' | 'functions', EntryData[] | undefined>;
  python: Record<'constructors' | 'factories' | 'instances' | 'annotations' | 'functions', EntryData[] | undefined>;
  http: { paths: HttpPath[]; bodyKeys?: string[]; hostHints?: string };
}

/** What a method call on a client does. */
export interface MethodInfo {
  sdk: string;
  /** Undefined for methods that return another client (`returns`) or the same one (`self`). */
  kind?: InferenceKind;
  stream: boolean;
  returns?: string;
  self?: boolean;
  prompt: string[];
  model: string[];
}

export type EntryKind = 'constructors' | 'factories' | 'instances' | 'annotations' | 'functions';

interface CompiledEntry extends EntryData {
  moduleTest?: (m: string) => boolean;
  re?: RegExp;
}

/** Segments that do not change what a call does (`client.chat.completions.with_raw_response.create`). */
const TRANSPARENT = new Set(['with_raw_response', 'with_streaming_response', 'withRawResponse']);

/** The SDK knowledge of src/data/inference-sdks.json, compiled once. */
export class SdkKnowledge {
  private readonly data: SdkData;
  private readonly ts: Record<EntryKind, CompiledEntry[]>;
  private readonly py: Record<EntryKind, CompiledEntry[]>;
  private readonly methodCache = new Map<string, MethodInfo | null>();
  readonly hostHints: RegExp;
  readonly bodyKeys: string[];
  /** Last names of every method of every type: a cheap test before resolving a receiver. */
  readonly methodNames: Set<string>;
  /** Names of TS module-level inference functions (`generateText`, `chatCompletion`). */
  readonly tsFunctionNames: Set<string>;
  /** SDKs that run a model the deployer serves (vLLM, transformers, Ollama ...). */
  readonly selfHosted: ReadonlySet<string>;

  private static shared: SdkKnowledge | undefined;
  static get(): SdkKnowledge {
    SdkKnowledge.shared ??= new SdkKnowledge();
    return SdkKnowledge.shared;
  }

  private constructor() {
    this.data = readPackageJson<SdkData>('src', 'data', 'inference-sdks.json');
    const compile = (list: EntryData[] | undefined): CompiledEntry[] =>
      (list ?? []).map((e) => ({ ...e, moduleTest: e.module ? picomatch(e.module) : undefined, re: e.pattern ? new RegExp(e.pattern) : undefined }));
    const kinds: EntryKind[] = ['constructors', 'factories', 'instances', 'annotations', 'functions'];
    this.ts = Object.fromEntries(kinds.map((k) => [k, compile(this.data.ts[k])])) as Record<EntryKind, CompiledEntry[]>;
    this.py = Object.fromEntries(kinds.map((k) => [k, compile(this.data.python[k])])) as Record<EntryKind, CompiledEntry[]>;
    this.hostHints = new RegExp(this.data.http.hostHints ?? '$^', 'i');
    this.bodyKeys = this.data.http.bodyKeys ?? [];
    this.methodNames = new Set();
    for (const t of Object.values(this.data.types)) {
      for (const m of Object.keys(t.methods ?? {})) this.methodNames.add(m.split('.').pop() as string);
      if (t.commands) this.methodNames.add('send');
    }
    this.tsFunctionNames = new Set(this.ts.functions.flatMap((e) => e.names ?? []));
    this.selfHosted = new Set(this.data.selfHosted ?? []);
  }

  sdkName(sdk: string): string {
    return this.data.sdks[sdk] ?? sdk;
  }

  typeSdk(type: string): string {
    return this.data.types[type]?.sdk ?? type;
  }

  hasType(type: string): boolean {
    return type in this.data.types;
  }

  private readonly tsModules = new Map<string, boolean>();

  /** Whether any TS entry (constructor, factory, instance, annotation, function) comes from `module`. */
  tsModuleKnown(module: string): boolean {
    let known = this.tsModules.get(module);
    if (known === undefined) {
      known = Object.values(this.ts).some((entries) => entries.some((e) => e.moduleTest?.(module)));
      this.tsModules.set(module, known);
    }
    return known;
  }

  /** A TS export (`module`, `name`; `name` may be `default` or dotted: `RunnableSequence.from`). */
  tsEntry(kind: EntryKind, module: string, name: string): CompiledEntry | undefined {
    return this.ts[kind].find((e) => e.moduleTest?.(module) && (e.names?.includes(name) || (e.re?.test(name) ?? false)));
  }

  /** A Python qualified name (`openai.OpenAI`, `litellm.completion`). */
  pyEntry(kind: EntryKind, qualified: string): CompiledEntry | undefined {
    return this.py[kind].find((e) => e.names?.includes(qualified) || (e.re?.test(qualified) ?? false));
  }

  /** The method `path` (`chat.completions.create`) of a client type, following `like`. */
  method(type: string, path: string): MethodInfo | undefined {
    const key = `${type}|${path}`;
    const hit = this.methodCache.get(key);
    if (hit !== undefined) return hit ?? undefined;
    const clean = path
      .split('.')
      .filter((s) => !TRANSPARENT.has(s))
      .join('.');
    let found: MethodInfo | undefined;
    const root = this.data.types[type];
    for (let t: TypeData | undefined = root, guard = 0; t && guard < 5; t = t.like ? this.data.types[t.like] : undefined, guard++) {
      const m = t.methods?.[clean];
      if (m && root) {
        found = {
          sdk: root.sdk,
          kind: m.kind ? (root.kind && m.kind === 'chat' ? root.kind : m.kind) : undefined,
          stream: m.stream ?? false,
          returns: m.returns,
          self: m.self,
          prompt: m.prompt ?? root.prompt ?? t.prompt ?? ['#0'],
          model: m.model ?? root.model ?? t.model ?? ['model'],
        };
        break;
      }
    }
    this.methodCache.set(key, found ?? null);
    return found;
  }

  /** Bedrock-style `client.send(new XCommand(...))`. */
  command(type: string, name: string): MethodInfo | undefined {
    const t = this.data.types[type];
    const m = t?.commands?.[name];
    if (!t || !m?.kind) return undefined;
    return { sdk: t.sdk, kind: m.kind, stream: m.stream ?? false, prompt: m.prompt ?? t.prompt ?? ['#0'], model: m.model ?? t.model ?? ['model'] };
  }

  /**
   * The inference path a URL ends with. `ambiguous` paths (`/api/chat`, `/generate`) are also
   * common routes of ordinary web apps; callers need more evidence before calling them inference.
   */
  httpPath(url: string): HttpMatch | undefined {
    const path = trimTrailing(cutAtAny(url, '?#'), '/');
    let best: HttpMatch | undefined;
    for (const p of this.data.http.paths) {
      let m: HttpMatch | undefined;
      if (p.pattern) {
        const hit = this.pathPattern(p.pattern).exec(path);
        if (hit) m = { ...p, matched: hit[0], model: hit[1] };
      } else if (path.endsWith(p.path)) m = { ...p, matched: p.path };
      if (m && (!best || m.matched.length > best.matched.length)) best = m;
    }
    return best;
  }

  private readonly patterns = new Map<string, RegExp>();

  private pathPattern(source: string): RegExp {
    let re = this.patterns.get(source);
    if (!re) {
      re = new RegExp(source);
      this.patterns.set(source, re);
    }
    return re;
  }
}
