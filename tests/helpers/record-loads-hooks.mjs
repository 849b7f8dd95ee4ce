// Module hooks for record-loads.mjs (they run on the loader thread): appends each resolved URL.
import { appendFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

let file;
export function initialize(data) {
  file = data.file;
}

export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(file, `${r.url.startsWith('file:') ? fileURLToPath(r.url) : r.url}\n`);
  return r;
}
