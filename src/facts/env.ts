import type { FileModel } from '../model/file-model.js';
import { isMap, isScalar, isSeq, type Scalar, type YamlFile, type YNode } from '../parse/yaml.js';
import type { Span } from '../types.js';
import { shiftedMap, type OffsetMap } from '../util/text-map.js';
import { workloads, type Workload } from './workloads.js';

/** An environment variable (or build argument) set by a file. */
export interface EnvEntry {
  name: string;
  /** Undefined when the value is not written (`valueFrom`, `${{ secrets.X }}` is still a value). */
  value?: string;
  nameSpan: Span;
  valueSpan?: Span;
  /** Offsets in `value` → file offsets. */
  valueMap?: OffsetMap;
  /** For messages: `service "tgi"`, `job "deploy"`, `.env`. */
  where: string;
  workload?: Workload;
  origin: 'dotenv' | 'compose' | 'k8s' | 'gha' | 'gitlab' | 'dockerfile-env' | 'dockerfile-arg' | 'shell';
}

function fromYamlMap(y: YamlFile, node: YNode | null, where: string, origin: EnvEntry['origin'], out: EnvEntry[], workload?: Workload): void {
  if (isMap(node)) {
    for (const e of y.entries(node)) {
      let v = e.value;
      if (origin === 'gitlab' && isMap(v)) v = y.get(v, 'value');
      const entry: EnvEntry = { name: e.key, nameSpan: y.span(e.keyNode), where, origin, workload };
      if (v && isScalar(v) && v.value !== null) {
        entry.value = String(v.value);
        entry.valueSpan = y.span(v);
        entry.valueMap = y.valueMap(v as Scalar);
      }
      out.push(entry);
    }
  } else if (isSeq(node)) {
    // compose list form: - KEY=value
    for (const item of y.items(node)) {
      if (!isScalar(item) || typeof item.value !== 'string') continue;
      const s = item.value;
      const eq = s.indexOf('=');
      const map = y.valueMap(item as Scalar);
      const name = eq === -1 ? s : s.slice(0, eq);
      const entry: EnvEntry = { name, nameSpan: { start: map.toSource(0), end: map.toSource(name.length) }, where, origin, workload };
      if (eq !== -1) {
        entry.value = s.slice(eq + 1);
        entry.valueSpan = { start: map.toSource(eq + 1), end: map.toSource(s.length) };
        entry.valueMap = { toSource: (o) => map.toSource(eq + 1 + o) };
      }
      out.push(entry);
    }
  }
}

/**
 * Environment variables a file sets, with positions: `.env` files, compose `environment:`
 * (map and list), Kubernetes container `env:`, GitHub Actions `env:` (workflow, job, step),
 * GitLab `variables:`, Dockerfile ENV/ARG, and top-level assignments in shell scripts.
 */
export function envEntries(file: FileModel): EnvEntry[] {
  return file.memo('facts:env', () => {
    const out: EnvEntry[] = [];
    const y = file.yaml();
    switch (file.kind) {
      case 'dotenv':
        for (const e of file.dotenv() ?? []) {
          out.push({ name: e.key, value: e.value, nameSpan: e.keySpan, valueSpan: e.valueSpan, valueMap: shiftedMap(e.valueSpan.start), where: file.path, origin: 'dotenv' });
        }
        break;
      case 'compose':
      case 'k8s':
      case 'helm-values':
        if (!y) break;
        for (const w of workloads(file)) {
          const where = w.kind === 'compose-service' ? `service "${w.name}"` : `${w.owner} container "${w.name}"`;
          if (w.kind === 'compose-service') fromYamlMap(y, w.environment, where, 'compose', out, w);
          else {
            for (const item of y.items(w.environment)) {
              const nameNode = y.get(item, 'name');
              const name = y.str(nameNode);
              if (!name || !nameNode) continue;
              const v = y.get(item, 'value');
              const entry: EnvEntry = { name, nameSpan: y.span(nameNode), where, origin: 'k8s', workload: w };
              if (v && isScalar(v) && v.value !== null) {
                entry.value = String(v.value);
                entry.valueSpan = y.span(v);
                entry.valueMap = y.valueMap(v as Scalar);
              }
              out.push(entry);
            }
          }
        }
        break;
      case 'gha-workflow':
        if (!y) break;
        for (const doc of y.documents) {
          const root = y.root(doc);
          fromYamlMap(y, y.get(root, 'env'), 'workflow', 'gha', out);
          for (const job of y.entries(y.get(root, 'jobs'))) {
            fromYamlMap(y, y.get(job.value, 'env'), `job "${job.key}"`, 'gha', out);
            y.items(y.get(job.value, 'steps')).forEach((step, i) => {
              fromYamlMap(y, y.get(step, 'env'), `job "${job.key}" step ${i + 1}`, 'gha', out);
            });
          }
        }
        break;
      case 'gitlab-ci':
        if (!y) break;
        for (const doc of y.documents) {
          const root = y.root(doc);
          fromYamlMap(y, y.get(root, 'variables'), 'global variables', 'gitlab', out);
          for (const job of y.entries(root)) {
            if (isMap(job.value) && job.key !== 'variables') fromYamlMap(y, y.get(job.value, 'variables'), `job "${job.key}"`, 'gitlab', out);
          }
        }
        break;
      case 'dockerfile': {
        const df = file.dockerfile();
        for (const ins of df?.instructions ?? []) {
          if (ins.keyword !== 'ENV' && ins.keyword !== 'ARG') continue;
          const origin = ins.keyword === 'ENV' ? 'dockerfile-env' : 'dockerfile-arg';
          for (const p of ins.properties ?? []) {
            const entry: EnvEntry = { name: p.name, nameSpan: p.nameSpan, where: ins.keyword, origin };
            if (p.value !== undefined && p.valueSpan) {
              // Without its quotes when the value is one quoted string.
              const raw = file.text.slice(p.valueSpan.start, p.valueSpan.end);
              const quoted = /^(["']).*\1$/s.test(raw);
              const vs = quoted ? p.valueSpan.start + 1 : p.valueSpan.start;
              const ve = quoted ? p.valueSpan.end - 1 : p.valueSpan.end;
              entry.value = p.value;
              entry.valueSpan = { start: vs, end: ve };
              entry.valueMap = shiftedMap(vs);
            }
            out.push(entry);
          }
        }
        break;
      }
      case 'shell': {
        const script = file.shellScript();
        for (const v of script?.variables ?? []) {
          out.push({
            name: v.name,
            value: v.value?.value,
            nameSpan: { start: v.span.start, end: v.span.start + v.name.length },
            valueSpan: v.value?.span,
            valueMap: v.value?.map,
            where: 'script',
            origin: 'shell',
          });
        }
        break;
      }
      default:
        break;
    }
    return out;
  });
}
