#!/usr/bin/env node
// Draws a stratified sample of findings from a modelguard JSON report for a precision audit and
// prints each with the code around it, so a reviewer can judge it by reading.
//
// Usage: node bench/audit-sample.mjs REPORT.json ROOT [N=20] [SEED=1]
// Every rule with findings gets at least one sample; the rest are spread by each rule's share.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const [report, root, nArg = '20', seedArg = '1'] = process.argv.slice(2);
if (!report || !root) {
  console.error('usage: audit-sample.mjs REPORT.json ROOT [N] [SEED]');
  process.exit(2);
}
const n = Number(nArg);
let seed = Number(seedArg) >>> 0 || 1;
const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;

const findings = JSON.parse(readFileSync(report, 'utf8')).findings.filter((f) => !f.suppressed);
const byRule = new Map();
for (const f of findings) byRule.set(f.ruleId, [...(byRule.get(f.ruleId) ?? []), f]);
// One per rule, then the rest by largest remainder of each rule's share, so the sample has n findings
// (or all of them, when there are fewer).
const quota = new Map([...byRule].map(([r]) => [r, 1]));
let left = Math.min(n, findings.length) - quota.size;
const share = [...byRule].map(([r, fs]) => ({ r, want: (fs.length / findings.length) * n - 1, room: fs.length - 1 }));
while (left > 0 && share.some((s) => s.room > 0)) {
  const s = share.filter((x) => x.room > 0).sort((a, b) => b.want - a.want || (a.r < b.r ? -1 : 1))[0];
  quota.set(s.r, quota.get(s.r) + 1);
  s.want -= 1;
  s.room -= 1;
  left -= 1;
}
const picked = [];
for (const [rule, fs] of [...byRule].sort()) {
  const pool = [...fs];
  const take = Math.min(quota.get(rule), pool.length);
  for (let i = 0; i < take; i++) picked.push(pool.splice(Math.floor(rand() * pool.length), 1)[0]);
}
console.log(`${findings.length} findings; ${picked.length} sampled (${[...quota].map(([r, q]) => `${r} ${Math.min(q, byRule.get(r).length)}/${byRule.get(r).length}`).join(', ')})\n`);
picked.forEach((f, i) => {
  let lines = [];
  try {
    lines = readFileSync(join(root, f.path), 'utf8').split('\n');
  } catch {
    /* unreadable */
  }
  console.log(`#${i + 1} ${f.path}:${f.line}:${f.column} ${f.severity} ${f.ruleId} [${f.role ?? ''}, ${f.confidence}]`);
  console.log(`   ${f.message}`);
  for (let l = Math.max(1, f.line - 4); l <= Math.min(lines.length, f.line + 4); l++) console.log(`   ${l === f.line ? '>' : ' '}${String(l).padStart(5)} ${lines[l - 1].slice(0, 160)}`);
  console.log('');
});
