import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Rule } from '../rule-api.js';
import { packageInfo, packageRoot, readPackageFile } from '../util/pkg.js';

export const DOCS_BASE = 'https://github.com/modelguard/modelguard/blob/main/rules/';

/** Where a rule's documentation lives, derived from its id (never hand-written). */
export function docsUrl(ruleId: string): string {
  const base = packageInfo().homepage ? `${packageInfo().homepage as string}/blob/main/rules/` : DOCS_BASE;
  return `${base}${ruleId}.md`;
}

const docsCache = new Map<string, string>();

/** The rule's docs page (rules/<category>/<name>.md), used as SARIF `help.markdown`. */
export function ruleDocs(ruleId: string): string {
  let text = docsCache.get(ruleId);
  if (text === undefined) {
    const rel = join('rules', `${ruleId}.md`);
    text = existsSync(join(packageRoot(), rel)) ? readPackageFile(rel) : '';
    docsCache.set(ruleId, text);
  }
  return text;
}

/** Sorted by id; duplicate ids are a programming error. */
export function checkRegistry(rules: readonly Rule[]): void {
  const seen = new Set<string>();
  for (const r of rules) {
    if (seen.has(r.meta.id)) throw new Error(`duplicate rule id ${r.meta.id}`);
    seen.add(r.meta.id);
  }
}
