import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { isMap, parseDocument, LineCounter, type Document } from 'yaml';
import type { FileRole } from '../discovery/roles.js';
import { CATEGORIES } from '../types.js';
import { readPackageJson } from '../util/pkg.js';
import { didYouMean } from '../util/did-you-mean.js';
import { emptyConfig, DEFAULT_LIMITS, DEFAULT_MAX_FILE_SIZE, type AnalysisLimits, type Config, type RuleSetting } from './types.js';

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
const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });

function validator(): ValidateFunction {
  if (!validateConfig) {
    // settings.models.aliases entries have the shape of the built-in alias data.
    ajv.addSchema(readPackageJson<object>('schemas', 'model-aliases.schema.json'));
    validateConfig = ajv.compile(readPackageJson<object>('schemas', 'config.schema.json'));
  }
  return validateConfig;
}

const optionValidators = new Map<string, ValidateFunction>();
function optionsValidator(rule: RuleInfo): ValidateFunction | undefined {
  if (!rule.optionsSchema) return undefined;
  let v = optionValidators.get(rule.id);
  if (!v) {
    v = ajv.compile(rule.optionsSchema);
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

/** Finds the config: `--config FILE` if given, else `.modelguard.yml` at the scanned root. */
export function findConfig(root: string, explicit?: string): string | undefined {
  if (explicit) {
    if (!existsSync(explicit)) throw new ConfigError(`${explicit}: config file not found`);
    return explicit;
  }
  for (const name of CONFIG_NAMES) {
    const p = join(root, name);
    if (existsSync(p)) return p;
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
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : p)).join('.').replace(/\.\[/g, '[') || '(top level)';
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
  const validate = validator();
  if (!validate(data)) {
    for (const p of describe(validate.errors ?? [])) {
      const suggestion =
        p.text === 'is not a known key' && p.path.length === 1
          ? didYouMean(String(p.path[0]), ['rules', 'ignore', 'maxFileSize', 'limits', 'failOn', 'overrides', 'roles', 'settings'])
          : undefined;
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
  if (problems.length > 0) throw new ConfigError(problems.join('\n'));
  config.file = file;
  config.ignore = (data.ignore as string[] | undefined) ?? [];
  config.maxFileSize = data.maxFileSize !== undefined ? parseSize(data.maxFileSize as number | string) : DEFAULT_MAX_FILE_SIZE;
  const limits = (data.limits ?? {}) as Partial<AnalysisLimits>;
  config.limits = { ...DEFAULT_LIMITS, ...limits };
  config.failOn = data.failOn as Config['failOn'];
  config.roles = (data.roles as Config['roles'] | undefined) ?? {};
  config.settings = (data.settings as Config['settings'] | undefined) ?? {};
  return config;
}
