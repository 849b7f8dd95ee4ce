// `node --import ./record-loads.mjs …` with MODELGUARD_LOADS=FILE: writes to FILE, one a line,
// every module the process loads: ES modules (and CommonJS ones they import) as the resolve hook
// sees them, and at exit the CommonJS modules in the require cache (`require` inside packages).
import { appendFileSync, writeFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';

const file = process.env.MODELGUARD_LOADS;
if (!file) throw new Error('record-loads.mjs: set MODELGUARD_LOADS to the file to write');
writeFileSync(file, '');
register('./record-loads-hooks.mjs', import.meta.url, { data: { file } });
const require = createRequire(import.meta.url);
process.on('exit', () =>
  appendFileSync(
    file,
    Object.keys(require.cache)
      .map((p) => `${p}\n`)
      .join(''),
  ),
);
