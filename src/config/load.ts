import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { createRequire } from 'node:module';
import type { Ajv as AjvType, ErrorObject, ValidateFunction } from 'ajv';
import { isMap, parseDocument, LineCounter, type Document } from 'yaml';
import type { FileRole } from '../discovery/roles.js';
import { CATEGORIES } from '../types.js';
import { readPackageJson } from '../util/pkg.js';
import { didYouMean } from '../util/did-you-mean.js';
import { emptyConfig, type Config, type Limits, type RuleSetting } from './types.js';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export const CONFIG_NAMES = ['.modelguard.yml', '.modelguard.yaml'];

export interface RuleInfo {
  id: string;
  optionsSchema?: object;
}

let validateConfig: ValidateFunction | undefined;
let ajvInstance: AjvType | undefined;

/** The schema validator, loaded when a config file is read: a run without one never loads ajv. */
function ajv(): AjvType {
  if (!ajvInstance) {
    const { Ajv } = createRequire(import.meta.url)('ajv') as typeof import('ajv');
    ajvInstance = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
  }
  return ajvInstance;
}

function validator(): ValidateFunction {
  if (!validateConfig) {
    // settings.models.aliases entries have the shape of the built-in alias data.
    ajv().addSchema(readPackageJson<object>('schemas', 'model-aliases.schema.json'));
    validateConfig = ajv().compile(readPackageJson<object>('schemas', 'config.schema.json'));
  }
  return validateConfig;
}

const optionValidators = new Map<string, ValidateFunction>();
function optionsValidator(rule: RuleInfo): ValidateFunction | undefined {
  if (!rule.optionsSchema) return undefined;
  let v = optionValidators.get(rule.id);
  if (!v) {
    v = ajv().compile(rule.optionsSchema);
    optionValidators.set(rule.id, v);
  }
  return v;
}

/** `2MiB` → bytes. */
export function parseSize(v: number | string): number {
  if (typeof v === 'number') return v;
  const m = /^([0-9]+(?:\.[0-9]+)?)\s*(B|KB|KiB|MB|MiB|GB|GiB)?$/.exec(v.trim());
  if (!m) throw new ConfigError(`invalid size "${v}" (expected a number of bytes or e.g. 2MiB)`);
  const mult: Record<string, number> = { B: 1, KB: 1e3, KiB: 1024, MB: 1e6, MiB: 1024 ** 2, GB: 1e9, GiB: 1024 ** 3 };
  return Math.round(Number(m[1]) * (mult[m[2] ?? 'B'] as number));
}

/** `limits:` keys that are sizes (`2MiB` or bytes); the others are plain numbers. */
const SIZE_LIMITS = new Set(['sourceFileSize', 'dataFileSize']);

/** The smallest value of each `limits:` key that is a plain number. */
const COUNT_LIMITS: Record<string, { min: number; what: string }> = {
  findingsPerFile: { min: 0, what: 'a whole number of findings, 0 or more (0 lifts the cap)' },
  analysisTimeMs: { min: 1, what: 'a whole number of milliseconds, 1 or more' },
  analysisNodes: { min: 1, what: 'a whole number of nodes, 1 or more' },
};

/**
 * What is wrong with the value of a `limits:` key, in words, or undefined when it is a
 * positive whole number (a size for the size keys) that a run can use.
 */
function limitProblem(key: string, v: unknown): string | undefined {
  const tooLarge = `is too large (at most ${Number.MAX_SAFE_INTEGER})`;
  const shown = typeof v === 'string' ? `"${v}"` : describeValue(v);
  if (SIZE_LIMITS.has(key)) {
    const what = 'a whole number of bytes, 1 or more, or a size such as 512KiB or 2MiB';
    let bytes: number;
    if (typeof v === 'number' && Number.isInteger(v)) bytes = v;
    else if (typeof v === 'string') {
      try {
        bytes = parseSize(v);
      } catch {
        return `must be integer or a size: ${what}, not ${shown}`;
      }
    } else return `must be integer or a size: ${what}, not ${shown}`;
    if (bytes < 1) return typeof v === 'number' ? `must be >= 1: ${what}, not ${shown}` : `must be at least 1 byte: ${what}, not ${shown}`;
    return bytes > Number.MAX_SAFE_INTEGER ? tooLarge : undefined;
  }
  const count = COUNT_LIMITS[key];
  if (!count) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) return `must be integer: ${count.what}, not ${shown}`;
  if (v < count.min) return `must be >= ${count.min}: ${count.what}, not ${shown}`;
  return v > Number.MAX_SAFE_INTEGER ? tooLarge : undefined;
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return String(v);
}

/** The `limits:` section, already validated by the schema: sizes in bytes, other keys as given. */
function loadLimits(raw: Record<string, unknown>): Limits {
  const out: Limits = {};
  for (const [key, v] of Object.entries(raw)) {
    if (v === undefined || v === null) continue;
    out[key] = SIZE_LIMITS.has(key) ? parseSize(v as number | string) : (v as number);
  }
  return out;
}

/** Finds the config: `--config FILE` if given, else `.modelguard.yml` at the scanned root. */
export function findConfig(root: string, explicit?: string): string | undefined {
  if (explicit) {
    if (!existsSync(explicit)) throw new ConfigError(`${explicit}: config file not found`);
    return explicit;
  }
  for (const name of CONFIG_NAMES) {
    const p = join(root, name);
    if (!existsSync(p)) continue;
    // The repository's own config stays inside it, like the files it scans: a link out of the
    // root is not followed (an outside config is used only when named with --config).
    const real = realpathSync(p);
    const rel = relative(realpathSync(root), real);
    if (rel.startsWith('..') || isAbsolute(rel)) throw new ConfigError(`${name}: a symbolic link to outside the scanned root; pass the file with --config to use it`);
    return p;
  }
  return undefined;
}

interface Located {
  line: number;
  column: number;
}

function locate(doc: Document, lc: LineCounter, path: Array<string | number>): Located | undefined {
  // Walk as far down the path as the document goes, for the closest position.
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    const range = (node as { range?: [number, number, number] } | null)?.range;
    if (range) {
      // Prefer the key's position for mapping values.
      if (n > 0) {
        const parent = n === 1 ? doc.contents : doc.getIn(path.slice(0, n - 1), true);
        if (isMap(parent)) {
          const pair = parent.items.find((p) => String((p.key as { value?: unknown })?.value) === String(path[n - 1]));
          const kr = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
          if (kr) {
            const pos = lc.linePos(kr[0]);
            return { line: pos.line, column: pos.col };
          }
        }
      }
      const pos = lc.linePos(range[0]);
      return { line: pos.line, column: pos.col };
    }
  }
  return undefined;
}

function pathOf(instancePath: string): Array<string | number> {
  if (!instancePath) return [];
  return instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

function dotted(path: Array<string | number>): string {
  return (
    path
      .map((p) => (typeof p === 'number' ? `[${p}]` : p))
      .join('.')
      .replace(/\.\[/g, '[') || '(top level)'
  );
}

/** One readable line per problem, the most specific error for each location. */
function describe(errors: ErrorObject[]): Array<{ path: Array<string | number>; text: string }> {
  const byPath = new Map<string, ErrorObject[]>();
  for (const e of errors) {
    if (e.keyword === 'anyOf' || e.keyword === 'if') continue;
    const key = e.keyword === 'additionalProperties' ? `${e.instancePath}/${String((e.params as { additionalProperty: string }).additionalProperty)}` : e.instancePath;
    const list = byPath.get(key) ?? [];
    list.push(e);
    byPath.set(key, list);
  }
  const out: Array<{ path: Array<string | number>; text: string }> = [];
  const keys = [...byPath.keys()];
  for (const [key, errs] of byPath) {
    // When a deeper error exists under this path, the deeper one says more.
    if (keys.some((k) => k !== key && k.startsWith(`${key}/`))) continue;
    const e = errs.find((x) => x.keyword === 'enum') ?? errs.find((x) => x.keyword === 'additionalProperties') ?? errs[0];
    if (!e) continue;
    const path = pathOf(key);
    let text: string;
    switch (e.keyword) {
      case 'enum':
        text = `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
        break;
      case 'additionalProperties':
        text = 'is not a known key';
        break;
      case 'type': {
        const types = errs.filter((x) => x.keyword === 'type').map((x) => (x.params as { type: string }).type);
        text = `must be ${[...new Set(types.flatMap((t) => t.split(',')))].join(' or ')}`;
        break;
      }
      default:
        text = e.message ?? 'is invalid';
    }
    out.push({ path, text });
  }
  return out;
}

/**
 * Loads and validates a config file. Never executes anything: YAML only. Problems are
 * collected and thrown together as one ConfigError naming file:line:column and the key.
 */
export function loadConfig(file: string | undefined, rules: RuleInfo[], cwd = process.cwd()): Config {
  const config = emptyConfig();
  if (!file) return config;
  const shown = relative(cwd, file) || file;
  let text: string;
  try {
    // A named pipe or a device would block the read or never end.
    if (!statSync(file).isFile()) throw new Error('not a regular file');
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`${shown}: cannot read config: ${(e as Error).message}`);
  }
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0] as (typeof doc.errors)[number];
    const pos = lc.linePos(e.pos[0]);
    throw new ConfigError(`${shown}:${pos.line}:${pos.col}: invalid YAML: ${e.message.split('\n')[0]}`);
  }
  const data = (doc.toJS({ maxAliasCount: 100 }) ?? {}) as Record<string, unknown>;
  const problems: string[] = [];
  const at = (path: Array<string | number>): string => {
    const loc = locate(doc, lc, path);
    return loc ? `${shown}:${loc.line}:${loc.column}` : shown;
  };
  if (typeof data !== 'object' || Array.isArray(data) || data === null) {
    throw new ConfigError(`${shown}:1:1: the config must be a mapping (rules:, ignore:, settings:, ...)`);
  }
  // `limits:` values get a message saying what the key takes (the schema's would say "must be integer").
  const limits = data.limits && typeof data.limits === 'object' && !Array.isArray(data.limits) ? (data.limits as Record<string, unknown>) : undefined;
  const badLimits = new Set<string>();
  for (const [key, v] of Object.entries(limits ?? {})) {
    const problem = limitProblem(key, v);
    if (problem) {
      badLimits.add(key);
      problems.push(`${at(['limits', key])}: limits.${key}: ${problem}`);
    }
  }
  const validate = validator();
  if (!validate(data)) {
    for (const p of describe(validate.errors ?? [])) {
      if (p.path[0] === 'limits' && badLimits.has(String(p.path[1]))) continue;
      const suggestion =
        p.text === 'is not a known key' && p.path.length === 1 ? didYouMean(String(p.path[0]), ['rules', 'ignore', 'maxFileSize', 'limits', 'failOn', 'overrides', 'roles', 'settings']) : undefined;
      problems.push(`${at(p.path)}: ${dotted(p.path)}: ${p.text}${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`);
    }
  }

  const ids = new Set(rules.map((r) => r.id));
  const categories = new Set(CATEGORIES.map((c) => `${c}/*`));
  const checkRules = (section: Record<string, unknown> | undefined, base: Array<string | number>): Record<string, RuleSetting> => {
    const out: Record<string, RuleSetting> = {};
    if (!section || typeof section !== 'object') return out;
    for (const [id, raw] of Object.entries(section)) {
      if (!ids.has(id) && !categories.has(id)) {
        const hint = didYouMean(id, [...ids, ...categories]);
        problems.push(`${at([...base, id])}: ${dotted([...base, id])}: unknown rule id${hint ? ` (did you mean "${hint}"?)` : ''}`);
        continue;
      }
      const setting: RuleSetting = typeof raw === 'string' ? { severity: raw as RuleSetting['severity'] } : ((raw ?? {}) as RuleSetting);
      if (setting.options !== undefined) {
        const rule = rules.find((r) => r.id === id);
        const v = rule ? optionsValidator(rule) : undefined;
        if (!v) problems.push(`${at([...base, id, 'options'])}: ${dotted([...base, id, 'options'])}: this rule has no options`);
        else if (!v(setting.options)) {
          for (const p of describe(v.errors ?? [])) {
            const full = [...base, id, 'options', ...p.path];
            problems.push(`${at(full)}: ${dotted(full)}: ${p.text}`);
          }
        }
      }
      out[id] = setting;
    }
    return out;
  };
  config.rules = checkRules(data.rules as Record<string, unknown> | undefined, ['rules']);
  if (Array.isArray(data.overrides)) {
    (data.overrides as Array<{ files?: unknown; roles?: unknown } | null>).forEach((o, i) => {
      if (o && typeof o === 'object' && o.files === undefined && o.roles === undefined) problems.push(`${at(['overrides', i])}: overrides[${i}]: needs \`files\`, \`roles\` or both`);
    });
    config.overrides = (data.overrides as Array<{ files?: string[]; roles?: FileRole[]; rules?: Record<string, unknown> }>).map((o, i) => ({
      files: Array.isArray(o?.files) ? o.files : [],
      roles: Array.isArray(o?.roles) ? o.roles : [],
      rules: checkRules(o?.rules, ['overrides', i, 'rules']),
    }));
  }
  if (data.limits && typeof data.limits === 'object' && !Array.isArray(data.limits) && problems.length === 0) {
    config.limits = loadLimits(data.limits as Record<string, unknown>);
  }
  if (problems.length > 0) throw new ConfigError(problems.join('\n'));
  config.file = file;
  config.ignore = (data.ignore as string[] | undefined) ?? [];
  if (data.maxFileSize !== undefined) config.maxFileSize = parseSize(data.maxFileSize as number | string);
  config.failOn = data.failOn as Config['failOn'];
  config.roles = (data.roles as Config['roles'] | undefined) ?? {};
  config.settings = (data.settings as Config['settings'] | undefined) ?? {};
  return config;
}
