import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/** The modelguard package root (where package.json, rules/ and schemas/ live), from src/ or dist/src/. */
export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        if ((JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === 'modelguard') {
          root = dir;
          return dir;
        }
      } catch {
        /* keep looking */
      }
    }
    dir = dirname(dir);
  }
  throw new Error('modelguard: cannot find its own package.json');
}

let pkg: { version: string; homepage?: string } | undefined;

export function packageInfo(): { version: string; homepage?: string } {
  pkg ??= JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
  return pkg;
}

export function readPackageFile(...parts: string[]): string {
  return readFileSync(join(packageRoot(), ...parts), 'utf8');
}

const jsonCache = new Map<string, unknown>();
export function readPackageJson<T>(...parts: string[]): T {
  const key = parts.join('/');
  if (!jsonCache.has(key)) jsonCache.set(key, JSON.parse(readPackageFile(...parts)));
  return jsonCache.get(key) as T;
}
