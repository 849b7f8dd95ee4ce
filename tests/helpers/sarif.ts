import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { Ajv, type ErrorObject } from 'ajv';

// CommonJS packages whose typings declare an ES default export: required, as Node loads them.
const require = createRequire(import.meta.url);
const AjvDraft04 = require('ajv-draft-04') as typeof import('ajv-draft-04').default;
const addFormats = require('ajv-formats') as typeof import('ajv-formats').default;

const root = join(import.meta.dirname, '..', '..');

const draft04 = new AjvDraft04({ allErrors: true, strict: false });
addFormats(draft04 as never);
const validateSarif = draft04.compile(JSON.parse(readFileSync(join(root, 'schemas', 'sarif-schema-2.1.0.json'), 'utf8')));

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv as never);
const validateReport = ajv.compile(JSON.parse(readFileSync(join(root, 'schemas', 'report.schema.json'), 'utf8')));

/** Errors against the official SARIF 2.1.0 schema (Errata 01, draft-04). */
export function sarifSchemaErrors(log: unknown): string[] {
  return validateSarif(log) ? [] : (validateSarif.errors ?? []).map((e: ErrorObject) => `${e.instancePath} ${e.message}`);
}

export function reportSchemaErrors(report: unknown): string[] {
  return validateReport(report) ? [] : (validateReport.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

// biome-ignore lint/suspicious/noExplicitAny: SARIF is read as untyped JSON here
type Obj = Record<string, any>;

/** What GitHub code scanning requires of an upload (shared/sarif/GITHUB-REQUIREMENTS.md). */
export function githubProblems(log: Obj): string[] {
  const p: string[] = [];
  const nonEmpty = (v: unknown, what: string): void => {
    if (typeof v !== 'string' || v.length === 0) p.push(`${what} must be a non-empty string`);
  };
  nonEmpty(log.$schema, '$schema');
  if (log.version !== '2.1.0') p.push('version must be 2.1.0');
  if (!Array.isArray(log.runs) || log.runs.length < 1 || log.runs.length > 20) p.push('1..20 runs');
  for (const run of log.runs ?? []) {
    const driver = run.tool?.driver;
    nonEmpty(driver?.name, 'tool.driver.name');
    if (!Array.isArray(driver?.rules)) p.push('tool.driver.rules must be an array');
    if (driver?.semanticVersion && !/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.test(driver.semanticVersion)) p.push('semanticVersion must be SemVer');
    if (!Array.isArray(run.results)) p.push('run.results must be an array');
    if ((run.results ?? []).length > 25000) p.push('at most 25000 results');
    const ids = new Set<string>();
    for (const rule of driver?.rules ?? []) {
      nonEmpty(rule.id, 'rule.id');
      ids.add(rule.id);
      nonEmpty(rule.shortDescription?.text, `${rule.id} shortDescription.text`);
      nonEmpty(rule.fullDescription?.text, `${rule.id} fullDescription.text`);
      nonEmpty(rule.help?.text, `${rule.id} help.text`);
      nonEmpty(rule.help?.markdown, `${rule.id} help.markdown`);
      nonEmpty(rule.helpUri, `${rule.id} helpUri`);
      if ((rule.name ?? '').length > 255) p.push(`${rule.id} name too long`);
      if ((rule.shortDescription?.text ?? '').length > 1024 || (rule.fullDescription?.text ?? '').length > 1024) p.push(`${rule.id} description over 1024 chars`);
      const props = rule.properties ?? {};
      const tags: unknown[] = props.tags ?? [];
      if (!Array.isArray(tags) || tags.length === 0 || tags.length > 10) p.push(`${rule.id} needs 1..10 tags`);
      if (!tags.includes('security')) p.push(`${rule.id} lacks the security tag`);
      nonEmpty(props.category, `${rule.id} properties.category`);
      const sev = props['security-severity'];
      if (typeof sev !== 'string' || !/^\d+(\.\d+)?$/.test(sev) || Number(sev) <= 0 || Number(sev) > 10) p.push(`${rule.id} security-severity must be a numeric string in (0, 10]`);
      if (!['very-high', 'high', 'medium', 'low'].includes(props.precision)) p.push(`${rule.id} precision`);
      if (!['note', 'warning', 'error'].includes(rule.defaultConfiguration?.level)) p.push(`${rule.id} defaultConfiguration.level`);
    }
    for (const r of run.results ?? []) {
      nonEmpty(r.message?.text, 'result.message.text');
      if (!ids.has(r.ruleId)) p.push(`result ruleId ${r.ruleId} not in rules`);
      if (!r.partialFingerprints || Object.keys(r.partialFingerprints).length === 0) p.push('result.partialFingerprints required');
      if (!Array.isArray(r.locations) || r.locations.length < 1 || r.locations.length > 10) p.push('result needs 1..10 locations');
      for (const loc of r.locations ?? []) {
        const pl = loc.physicalLocation;
        const uri: string = pl?.artifactLocation?.uri ?? '';
        nonEmpty(uri, 'artifactLocation.uri');
        if (/^[a-z]+:/i.test(uri) || uri.startsWith('/')) p.push(`uri must be relative: ${uri}`);
        const reg = pl?.region ?? {};
        for (const k of ['startLine', 'startColumn', 'endLine', 'endColumn']) if (!Number.isInteger(reg[k]) || reg[k] < 1) p.push(`region.${k} missing`);
        if (reg.endLine < reg.startLine || (reg.endLine === reg.startLine && reg.endColumn < reg.startColumn)) p.push('region ends before it starts');
      }
    }
    const cat = run.automationDetails?.id;
    if (cat !== undefined && typeof cat !== 'string') p.push('automationDetails.id must be a string');
  }
  return p;
}
