import picomatch from 'picomatch';
import type { ModelAliasProvider, Settings } from '../config/types.js';
import { readPackageJson } from '../util/pkg.js';

/**
 * What model identifiers look like: hosted-API aliases versus pinned snapshots (from
 * src/data/model-aliases.json plus `settings.models.aliases`), Hugging Face Hub ids versus
 * local paths, Ollama names and tags, commit SHAs, and `settings.models.allowed`.
 */

interface AliasData {
  providers: Array<Required<Pick<ModelAliasProvider, 'id' | 'name' | 'models' | 'default' | 'pinnedForm' | 'docs'>> & ModelAliasProvider>;
  huggingface: { canonicalModels: string[] };
}

export interface Provider {
  id: string;
  name: string;
  models: RegExp[];
  prefixes: RegExp[];
  floating: RegExp[];
  pinned: RegExp[];
  default: 'floating' | 'pinned';
  pinnedForm: string;
  snapshots: Record<string, string[]>;
  docs: string;
}

export interface ApiModelClass {
  provider: Provider;
  status: 'floating' | 'pinned';
  /** The id without its routing prefix (`gpt-4o` for `openai/gpt-4o`). */
  base: string;
  /** Known pinned versions of a floating id, from the data. */
  snapshots: string[];
}

function regexes(list: readonly string[] | undefined, where: string): RegExp[] {
  return (list ?? []).map((p) => {
    try {
      return new RegExp(p);
    } catch (e) {
      throw new Error(`${where}: invalid pattern ${JSON.stringify(p)}: ${(e as Error).message}`);
    }
  });
}

const cache = new WeakMap<object, Provider[]>();
const NO_SETTINGS = {};

function compile(p: ModelAliasProvider, where: string): Provider {
  return {
    id: p.id,
    name: p.name ?? p.id,
    models: regexes(p.models, where),
    prefixes: regexes(p.prefixes, where),
    floating: regexes(p.floating, where),
    pinned: regexes(p.pinned, where),
    default: p.default ?? 'pinned',
    pinnedForm: p.pinnedForm ?? 'a dated or versioned model id',
    snapshots: { ...(p.snapshots ?? {}) },
    docs: p.docs ?? '',
  };
}

/** The providers, built-in data merged with `settings.models.aliases` (entries with a known id extend it). */
export function providers(settings: Settings): Provider[] {
  const key = settings.models?.aliases ?? NO_SETTINGS;
  let list = cache.get(key);
  if (list) return list;
  const data = readPackageJson<AliasData>('src', 'data', 'model-aliases.json');
  list = data.providers.map((p) => compile(p, 'src/data/model-aliases.json'));
  for (const extra of settings.models?.aliases ?? []) {
    const where = `settings.models.aliases (${extra.id})`;
    const known = list.find((p) => p.id === extra.id);
    if (!known) {
      list.push(compile(extra, where));
      continue;
    }
    const add = compile(extra, where);
    known.models.push(...add.models);
    known.prefixes.push(...add.prefixes);
    // User patterns take precedence over the built-in ones.
    known.floating.unshift(...add.floating);
    known.pinned.unshift(...add.pinned);
    if (extra.default) known.default = extra.default;
    if (extra.name) known.name = extra.name;
    if (extra.pinnedForm) known.pinnedForm = extra.pinnedForm;
    if (extra.docs) known.docs = extra.docs;
    Object.assign(known.snapshots, extra.snapshots ?? {});
  }
  cache.set(key, list);
  return list;
}

function within(p: Provider, base: string): ApiModelClass {
  const status = p.floating.some((r) => r.test(base)) ? 'floating' : p.pinned.some((r) => r.test(base)) ? 'pinned' : p.default;
  const bare = base.replace(/^models\//, '');
  return { provider: p, status, base, snapshots: status === 'floating' ? (p.snapshots[bare] ?? p.snapshots[base] ?? []) : [] };
}

/**
 * Classifies a hosted-API model id: which provider it belongs to and whether it floats.
 * `hint` is the provider the SDK call was made with, tried first. Undefined when no
 * provider claims the id (a Hub id, a deployment name, a model of an unknown provider).
 */
export function classifyApiModel(id: string, settings: Settings, hint?: string): ApiModelClass | undefined {
  const value = id.trim();
  if (!value || /\s/.test(value)) return undefined;
  const list = providers(settings);
  const hinted = hint ? list.find((p) => p.id === hint) : undefined;
  if (hinted?.models.some((r) => r.test(value))) return within(hinted, value);
  for (const p of list) {
    for (const prefix of p.prefixes) {
      const m = prefix.exec(value);
      if (m?.index !== 0) continue;
      const base = value.slice(m[0].length);
      if (p.models.some((r) => r.test(base))) return within(p, base);
    }
  }
  for (const p of list) if (p.models.some((r) => r.test(value))) return within(p, value);
  return undefined;
}

/** A full 40-hex Git commit SHA: the only revision form that cannot move. */
export function isCommitSha(rev: string): boolean {
  return /^[0-9a-f]{40}$/i.test(rev.trim());
}

/** A revision that looks like an abbreviated commit (7 to 39 hex digits with at least one digit). */
export function isShortSha(rev: string): boolean {
  return /^[0-9a-f]{7,39}$/i.test(rev) && /\d/.test(rev) && /[a-f]/i.test(rev);
}

const allowCache = new WeakMap<object, (id: string) => boolean>();

/** True when `settings.models.allowed` (exact ids or globs) accepts this id as it is. */
export function isAllowedModel(id: string, settings: Settings): boolean {
  const list = settings.models?.allowed;
  if (!list || list.length === 0) return false;
  let test = allowCache.get(list);
  if (!test) {
    const glob = picomatch(list, { dot: true, nocase: false });
    test = (v: string) => list.includes(v) || glob(v);
    allowCache.set(list, test);
  }
  return test(id.trim());
}

let canonical: RegExp[] | undefined;

export type HubIdKind = 'hub' | 'local' | 'unknown';

/**
 * Whether a string passed as a model name is a Hugging Face Hub id (`org/name`, or a legacy
 * canonical id such as `gpt2`), a local path (`./x`, `/x`, `~/x`, `a/b/c`, `C:\x`, a file
 * name with an extension) or something that cannot be told apart from a local directory.
 * `singleSegmentIsHub`: the API prefixes bare names with an organisation (sentence-transformers).
 */
export function hubIdKind(value: string, singleSegmentIsHub = false): HubIdKind {
  const v = value.trim();
  if (!v) return 'unknown';
  if (/^(\.{1,2}(\/|\\|$)|\/|~|[A-Za-z]:[\\/]|\\\\|file:)/.test(v) || v.includes('\\')) return 'local';
  if (/^(hf|https?):\/\//.test(v)) return 'unknown';
  const parts = v.split('/');
  if (parts.length > 2) return 'local';
  if (parts.length === 2) {
    const [org, name] = parts as [string, string];
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(org) || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) return 'unknown';
    // `outputs/model.safetensors`, `models/config.json`: files, so paths.
    if (/\.(safetensors|bin|pt|pth|ckpt|gguf|onnx|json|ya?ml|txt|model|h5|msgpack|pkl|pickle|npz|npy)$/i.test(name)) return 'local';
    return 'hub';
  }
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(v)) return 'unknown';
  if (/\.(safetensors|bin|pt|pth|ckpt|gguf|onnx|json)$/i.test(v)) return 'local';
  if (singleSegmentIsHub) return 'hub';
  canonical ??= regexes(readPackageJson<AliasData>('src', 'data', 'model-aliases.json').huggingface.canonicalModels, 'src/data/model-aliases.json');
  return canonical.some((r) => r.test(v)) ? 'hub' : 'unknown';
}

export interface OllamaRef {
  /** The model name without tag (`llama3`, `library/llama3`, `hf.co/org/repo`). */
  name: string;
  /** The tag, if written. */
  tag?: string;
  /** Offset of the tag in the value, when written. */
  tagOffset?: number;
  /** `hf.co/...` / `huggingface.co/...`: a GGUF repository on the Hub. */
  hub: boolean;
}

/**
 * Parses an Ollama model reference (`llama3`, `llama3:8b`, `registry.ollama.ai/library/llama3:latest`,
 * `hf.co/org/repo:Q4_K_M`). Undefined for local files and blobs (`./model.gguf`, `/models/x`,
 * `sha256:...`) and for strings that are not model names.
 */
export function parseOllamaRef(value: string): OllamaRef | undefined {
  const v = value.trim();
  if (!v || /^(\.{1,2}\/|\/|~|[A-Za-z]:[\\/])/.test(v) || /^sha256[:-]/.test(v) || /\.(gguf|bin|safetensors)$/i.test(v)) return undefined;
  if (!/^[A-Za-z0-9][A-Za-z0-9._\-/:]*$/.test(v)) return undefined;
  const slash = v.lastIndexOf('/');
  const colon = v.lastIndexOf(':');
  const hub = /^(hf\.co|huggingface\.co)\//i.test(v);
  if (colon > slash) {
    const tag = v.slice(colon + 1);
    if (!tag) return undefined;
    return { name: v.slice(0, colon), tag, tagOffset: colon + 1, hub };
  }
  return { name: v, hub };
}

export const COMMIT_SHA_PLACEHOLDER = '<40-hex commit sha>';
