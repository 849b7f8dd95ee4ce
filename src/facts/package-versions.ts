import { posix } from 'node:path';
import type { ProjectModel } from '../model/project.js';
import type { DeclaredPackage } from '../model/repo-index.js';

/** A version as numbers: `2.6.0` → [2, 6, 0]. */
function parseVersion(v: string): number[] | undefined {
  const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(v.trim());
  if (!m) return undefined;
  return [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)];
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < 3; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export interface VersionBound {
  /** The lowest version the spec allows, when it has a lower bound. */
  min?: number[];
  /** The highest version the spec allows (inclusive when `maxInclusive`), when it has an upper bound. */
  max?: number[];
  maxInclusive?: boolean;
}

/**
 * The range a PEP 440 (or npm) specifier allows, roughly: `==2.3.1`, `>=2.6`, `~=2.6.0`,
 * `>2.5,<3`, `^2.6.0`, `2.6.*`. Unparsable parts are ignored.
 */
export function versionBounds(spec: string): VersionBound {
  const out: VersionBound = {};
  const raiseMin = (v: number[]): void => {
    if (!out.min || compare(v, out.min) > 0) out.min = v;
  };
  const lowerMax = (v: number[], inclusive: boolean): void => {
    if (!out.max || compare(v, out.max) < 0) {
      out.max = v;
      out.maxInclusive = inclusive;
    }
  };
  for (const raw of spec.split(',')) {
    const part = raw.trim();
    const m = /^(===|==|~=|>=|<=|!=|>|<|\^|~)?\s*(.+)$/.exec(part);
    if (!m) continue;
    const op = m[1] ?? '==';
    const text = (m[2] as string).replace(/\.\*$/, '');
    const v = parseVersion(text);
    if (!v) continue;
    switch (op) {
      case '==':
      case '===':
        raiseMin(v);
        if (!/\*/.test(m[2] as string)) lowerMax(v, true);
        break;
      case '>=':
      case '~=':
      case '^':
      case '~':
        raiseMin(v);
        break;
      case '>':
        raiseMin([v[0] as number, v[1] as number, (v[2] as number) + 1]);
        break;
      case '<':
        lowerMax(v, false);
        break;
      case '<=':
        lowerMax(v, true);
        break;
      default:
        break;
    }
  }
  return out;
}

export interface DeclaredVersion {
  pkg: DeclaredPackage;
  bounds: VersionBound;
}

/**
 * The declarations of a package that apply to a file: those in the nearest manifest directory
 * above it (a monorepo's `service/requirements.txt` for `service/app/x.py`), else all of them.
 */
export function declaredFor(project: ProjectModel, filePath: string, name: string, ecosystem: 'npm' | 'pypi'): DeclaredVersion[] {
  const all = project.index.package(name, ecosystem);
  if (all.length === 0) return [];
  const dirOf = (p: string): string => (posix.dirname(p) === '.' ? '' : posix.dirname(p));
  let best: DeclaredPackage[] = [];
  let bestDepth = -1;
  for (const p of all) {
    const d = dirOf(p.path);
    if (d !== '' && !(filePath === d || filePath.startsWith(`${d}/`))) continue;
    const depth = d === '' ? 0 : d.split('/').length;
    if (depth > bestDepth) {
      best = [p];
      bestDepth = depth;
    } else if (depth === bestDepth) best.push(p);
  }
  const chosen = best.length > 0 ? best : all;
  return chosen.map((pkg) => ({ pkg, bounds: versionBounds(pkg.spec) }));
}

/**
 * Whether every applicable declaration guarantees at least `version` (`yes`), some allows only
 * older versions (`no`), or it cannot be told (`unknown`: undeclared, or no lower bound).
 */
export function atLeast(decls: DeclaredVersion[], version: string): 'yes' | 'no' | 'unknown' {
  const target = parseVersion(version) as number[];
  if (decls.length === 0) return 'unknown';
  if (decls.some((d) => d.bounds.max && (compare(d.bounds.max, target) < 0 || (compare(d.bounds.max, target) === 0 && !d.bounds.maxInclusive)))) return 'no';
  if (decls.every((d) => d.bounds.min && compare(d.bounds.min, target) >= 0)) return 'yes';
  return 'unknown';
}
