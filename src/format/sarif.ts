import { docsUrl, ruleDocs } from '../engine/registry.js';
import type { Rule } from '../rule-api.js';
import type { Confidence, Notification, Range } from '../types.js';
import { packageInfo } from '../util/pkg.js';
import type { Formatter } from './types.js';

export const SARIF_SCHEMA_URI = 'https://json.schemastore.org/sarif-2.1.0.json';
const SRCROOT = '%SRCROOT%';
/** GitHub shows at most 10 tags per rule. */
const MAX_TAGS = 10;

const PRECISION: Record<Confidence, string> = { high: 'high', medium: 'medium', low: 'low' };

function uri(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

function region(r: Range): Record<string, number> {
  return { startLine: r.start.line, startColumn: r.start.column, endLine: r.end.line, endColumn: r.end.column };
}

function ruleName(id: string): string {
  return id
    .split(/[/-]/)
    .map((w) => (w[0]?.toUpperCase() ?? '') + w.slice(1))
    .join('');
}

function descriptor(rule: Rule): Record<string, unknown> {
  const m = rule.meta;
  const help = ruleDocs(m.id);
  const url = docsUrl(m.id);
  const tags = [...new Set(['security', m.category, ...m.tags])].slice(0, MAX_TAGS);
  return {
    id: m.id,
    name: ruleName(m.id),
    shortDescription: { text: m.description },
    fullDescription: { text: m.fullDescription },
    help: {
      text: `${m.fullDescription}\n\nDocumentation: ${url}`,
      markdown: help || `${m.fullDescription}\n\n[Documentation](${url})`,
    },
    helpUri: url,
    defaultConfiguration: { level: m.severity },
    properties: {
      category: m.category,
      tags,
      precision: PRECISION[m.confidence],
      'security-severity': m.securitySeverity.toFixed(1),
    },
  };
}

function notification(n: Notification): Record<string, unknown> {
  const list = n.paths ? `: ${n.paths.join(', ')}` : '';
  const out: Record<string, unknown> = {
    level: n.level,
    message: { text: n.message + list },
    descriptor: { id: `modelguard/${n.kind}` },
  };
  if (n.path) {
    out.locations = [
      {
        physicalLocation: {
          artifactLocation: { uri: uri(n.path), uriBaseId: SRCROOT },
          ...(n.range ? { region: region(n.range) } : {}),
        },
      },
    ];
  }
  if (n.ruleId) out.associatedRule = { id: n.ruleId };
  return out;
}

/**
 * SARIF 2.1.0 for GitHub code scanning: relative URIs under `%SRCROOT%`, rules with help and
 * security severity, `partialFingerprints` (GitHub's `primaryLocationLineHash`, computed as
 * upload-sarif does, plus modelguard's own), in-source and external suppressions, and
 * notifications for files that could not be parsed or rules that failed.
 */
export const formatSarif: Formatter = (result, opts) => {
  const ruleIndex = new Map(result.rules.map((r, i) => [r.meta.id, i]));
  const run: Record<string, unknown> = {
    tool: {
      driver: {
        name: 'modelguard',
        semanticVersion: result.toolVersion,
        version: result.toolVersion,
        informationUri: packageInfo().homepage ?? 'https://github.com/modelguard/modelguard',
        rules: result.rules.map(descriptor),
      },
    },
    ...(opts.sarifCategory ? { automationDetails: { id: opts.sarifCategory.endsWith('/') ? opts.sarifCategory : `${opts.sarifCategory}/` } } : {}),
    originalUriBaseIds: { [SRCROOT]: { description: { text: 'The root of the scanned repository.' } } },
    columnKind: 'utf16CodeUnits',
    invocations: [
      {
        executionSuccessful: !result.incomplete,
        toolExecutionNotifications: result.notifications.map(notification),
      },
    ],
    results: result.findings.map((f) => ({
      ruleId: f.ruleId,
      ruleIndex: ruleIndex.get(f.ruleId) ?? 0,
      level: f.severity,
      message: { text: f.message },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: uri(f.path), uriBaseId: SRCROOT },
            region: region(f.range),
          },
        },
      ],
      partialFingerprints: {
        ...(f.lineHash ? { primaryLocationLineHash: f.lineHash } : {}),
        'modelguardFingerprint/v1': f.fingerprint,
      },
      ...(f.suppressed ? { suppressions: [{ kind: f.suppressed.kind === 'inline' ? 'inSource' : 'external', justification: f.suppressed.justification }] } : {}),
      properties: { confidence: f.confidence, messageId: f.messageId, role: f.role },
    })),
  };
  const log = { $schema: SARIF_SCHEMA_URI, version: '2.1.0', runs: [run] };
  return `${JSON.stringify(log, null, 2)}\n`;
};
