import { docsUrl } from '../engine/registry.js';
import { summarize } from './summary.js';
import type { Formatter } from './types.js';

/** Version of the JSON report shape (schemas/report.schema.json). Extended, never changed. */
export const JSON_REPORT_VERSION = 1;

/** The JSON contract of ../MISSION: `{ findings, notifications }`, plus tool, summary and version. */
export const formatJson: Formatter = (result) => {
  const report = {
    version: JSON_REPORT_VERSION,
    tool: { name: result.toolName, version: result.toolVersion },
    findings: result.findings.map((f) => ({
      ruleId: f.ruleId,
      category: f.category,
      severity: f.severity,
      confidence: f.confidence,
      path: f.path,
      role: f.role,
      line: f.range.start.line,
      column: f.range.start.column,
      endLine: f.range.end.line,
      endColumn: f.range.end.column,
      message: f.message,
      messageId: f.messageId,
      fingerprint: f.fingerprint,
      suppressed: f.suppressed ? f.suppressed.justification : false,
      ...(f.suppressed ? { suppressionKind: f.suppressed.kind } : {}),
      helpUri: docsUrl(f.ruleId),
    })),
    notifications: result.notifications.map((n) => ({
      kind: n.kind,
      level: n.level,
      message: n.message,
      ...(n.ruleId ? { ruleId: n.ruleId } : {}),
      ...(n.path ? { path: n.path } : {}),
      ...(n.range ? { line: n.range.start.line, column: n.range.start.column, endLine: n.range.end.line, endColumn: n.range.end.column } : {}),
      ...(n.paths ? { paths: n.paths } : {}),
      ...(n.detail ? { detail: n.detail } : {}),
    })),
    summary: {
      ...summarize(result),
      filesScanned: result.stats.filesScanned,
      filesByRole: result.stats.filesByRole,
      complete: !result.incomplete,
    },
  };
  return `${JSON.stringify(report, null, 2)}\n`;
};
