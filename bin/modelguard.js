#!/usr/bin/env node
// A reader that goes away (`modelguard . | head -1`) ends the run quietly, with the exit code
// the scan had; Ctrl-C keeps Node's default and ends the process at once (exit status 130).
process.stdout.on('error', (e) => {
  if (e && e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

const { main } = await import('../dist/src/cli.js');
const code = await main(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  isTTY: !!process.stdout.isTTY,
  env: process.env,
  cwd: process.cwd(),
});
process.exitCode = code;
