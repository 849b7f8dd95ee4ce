export { scan, UsageError, type RunResult, type ScanOptions } from './engine/run.js';
export { loadConfig, findConfig, ConfigError } from './config/load.js';
export { defineRule, type Rule, type FileRule, type ProjectRule, type RuleMeta } from './rule-api.js';
export { formatJson } from './format/json.js';
export { formatSarif } from './format/sarif.js';
export { formatText } from './format/text.js';
export { formatGithub } from './format/github.js';
export { rules } from '../rules/index.js';
export type * from './types.js';
