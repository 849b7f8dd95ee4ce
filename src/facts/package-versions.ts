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

const dirOf = (p: string): string => (posix.dirname(p) === '.' ? '' : posix.dirname(p));

/** The scopes whose declarations say what a deployed file runs with, best first. */
const DEPLOYED_SCOPES: ReadonlyArray<ReadonlyArray<DeclaredPackage['scope']>> = [['runtime'], ['optional'], ['dev']];

/**
 * The declarations of a package that decide which version a file runs with: those of the
 * deployable manifest it belongs to. Only what is installed counts: runtime dependencies
 * (`[project].dependencies`, the main requirements file), else extras, else development
 * groups; build requirements, resolver overrides and constraints never do. Manifests are read
 * from the file's directory upwards; the nearest one whose declaration bounds the version
 * decides (an unversioned `torch` in `pkg/requirements.txt` leaves it to the package above),
 * and a package manifest (`[project]`, setup.py) ends the search, because the files below it
 * are installed with its dependencies and no others. A file under no manifest gets every
 * declaration of the repository.
 */
export function declaredFor(project: ProjectModel, filePath: string, name: string, ecosystem: 'npm' | 'pypi'): DeclaredVersion[] {
  const all = project.index.package(name, ecosystem);
  const scoped = DEPLOYED_SCOPES.map((scopes) => all.filter((p) => scopes.includes(p.scope))).find((l) => l.length > 0) ?? [];
  if (scoped.length === 0) return [];
  const toVersion = (pkg: DeclaredPackage): DeclaredVersion => ({ pkg, bounds: versionBounds(pkg.spec) });
  const byDir = new Map<string, DeclaredPackage[]>();
  for (const p of scoped) {
    const d = dirOf(p.path);
    byDir.set(d, [...(byDir.get(d) ?? []), p]);
  }
  const enclosing: string[] = [];
  for (let d = dirOf(filePath); ; d = dirOf(d)) {
    enclosing.push(d);
    if (d === '') break;
  }
  let last: DeclaredVersion[] | undefined;
  for (const d of enclosing) {
    const here = byDir.get(d)?.map(toVersion);
    if (here) {
      last = here;
      if (here.some((v) => v.bounds.min || v.bounds.max)) return here;
    }
    if (project.index.isPackageRoot(d, ecosystem)) return here ?? last ?? [];
  }
  return last ?? scoped.map(toVersion);
}

/**
 * Whether the declarations guarantee at least `version` (`yes`: every one that sets a lower
 * bound sets it at `version` or above, and none caps below it), allow only older versions
 * (`no`: one caps below `version`), or it cannot be told (`unknown`: undeclared, or no lower
 * bound). A declaration without a version says nothing about the version and changes nothing.
 */
export function atLeast(decls: DeclaredVersion[], version: string): 'yes' | 'no' | 'unknown' {
  const target = parseVersion(version) as number[];
  if (decls.length === 0) return 'unknown';
  if (decls.some((d) => d.bounds.max && (compare(d.bounds.max, target) < 0 || (compare(d.bounds.max, target) === 0 && !d.bounds.maxInclusive)))) return 'no';
  const bounded = decls.filter((d) => d.bounds.min);
  if (bounded.length > 0 && bounded.every((d) => compare(d.bounds.min as number[], target) >= 0)) return 'yes';
  return 'unknown';
}
