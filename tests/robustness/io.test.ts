import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatText } from '../../src/format/text.js';
import { scanDir, tempRepo } from '../helpers/run.js';

const BIN = join(import.meta.dirname, '..', '..', 'bin', 'modelguard.js');
const DEMO = join(import.meta.dirname, '..', '..', 'fixtures', 'demo-app');
const LOAD = 'from transformers import AutoModel\n\n# é\nm = AutoModel.from_pretrained("org/model")\n';

function utf16(text: string, endian: 'le' | 'be'): Buffer {
  const le = Buffer.from(`\ufeff${text}`, 'utf16le');
  return endian === 'le' ? le : Buffer.from(le).swap16();
}

describe('text a user would call text', () => {
  it.each(['le', 'be'] as const)('reads UTF-16 %s with a byte order mark, with exact positions', async (endian) => {
    const r = await scanDir(tempRepo({ 'app/model.py': utf16(LOAD, endian) }), { only: ['model-pinning/hf-revision'] });
    expect(r.findings.map((f) => `${f.path}:${f.range.start.line}:${f.range.start.column}`)).toEqual(['app/model.py:4:31']);
    expect(r.notifications.filter((n) => n.kind === 'skipped-files')).toEqual([]);
  });

  it('reads UTF-8 with a byte order mark with the same positions as without', async () => {
    const r = await scanDir(tempRepo({ 'a.py': `\ufeff${LOAD}`, 'b.py': LOAD }), { only: ['model-pinning/hf-revision'] });
    expect(r.findings.map((f) => `${f.path}:${f.range.start.line}:${f.range.start.column}`)).toEqual(['a.py:4:31', 'b.py:4:31']);
  });

  it('still skips binary files', async () => {
    const r = await scanDir(tempRepo({ 'weights.py': Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0x14]) }));
    expect(r.notifications.find((n) => n.kind === 'skipped-files')?.paths).toEqual(['weights.py']);
  });
});

describe('file names in text output', () => {
  it('escapes control characters so that each finding stays on one line', async () => {
    const r = await scanDir(tempRepo({ 'odd\nname.py': LOAD }), { only: ['model-pinning/hf-revision'] });
    const text = formatText(r, { color: false, quiet: true, displayPath: (p) => p });
    expect(text.split('\n')[0]).toMatch(/^odd\\nname\.py:4:31 error model-pinning\/hf-revision /);
  });

  it('finds files whose name or directory name holds a newline', async () => {
    const r = await scanDir(tempRepo({ 'odd\nname.py': LOAD, 'we\nird/sub/x.py': LOAD }), { only: ['model-pinning/hf-revision'] });
    expect(r.findings.map((f) => f.path)).toEqual(['odd\nname.py', 'we\nird/sub/x.py']);
  });
});

describe('pipes and signals', () => {
  it('ends quietly when the reader closes the pipe, with the exit status of the scan', () => {
    const r = spawnSync('bash', ['-o', 'pipefail', '-c', `node "${BIN}" "${DEMO}" --format json | head -c 20 >/dev/null; echo "status=\${PIPESTATUS[0]}" >&2`], { encoding: 'utf8' });
    expect(r.stderr).toBe('status=1\n');
  });

  it('ends at once on SIGINT, as a signalled process (status 130 in a shell)', async () => {
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, [BIN, DEMO], { stdio: ['ignore', 'ignore', 'pipe'] });
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGINT');
    const [code, signal] = await new Promise<[number | null, string | null]>((res) => child.on('exit', (c, s) => res([c, s])));
    expect(code === 130 || signal === 'SIGINT').toBe(true);
  });
});
