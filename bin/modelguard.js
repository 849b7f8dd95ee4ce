#!/usr/bin/env node
import { main } from '../dist/src/cli.js';

const code = await main(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  isTTY: !!process.stdout.isTTY,
  env: process.env,
  cwd: process.cwd(),
});
process.exitCode = code;
