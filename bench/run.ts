/**
 * `npm run bench [-- options]`: times modelguard as a user runs it (a fresh process each time),
 * on real checkouts and on synthetic trees, with the peers a user could pick instead run beside it
 * on the same tree in the same run: ast-grep with the six rules in bench/ast-grep/, and a ripgrep
 * keyword scan.
 *
 *   --repo PATH         a checkout to measure (repeatable); without it, the synthetic trees
 *   --files a,b,c       the files of the small run (what a pre-commit hook passes), relative to
 *                       the repository; default: 5 candidate files picked deterministically
 *   --runs N            runs per measurement, the median is reported (default 3)
 *   --synthetic LIST    synthetic tree sizes, comma-separated (default 1000,10000,50000 without
 *                       --repo, none with it); `none` for none
 *   --json              one JSON document on stdout instead of the tables
 *
 * Peak RSS is read from `/usr/bin/time -v` when present, else modelguard's own `--stats` line
 * (`process.resourceUsage().maxRSS`; n/a for the peers). Timings are wall clock on a machine that
 * may be busy: compare the figures of one run, not across runs.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, freemem, tmpdir, totalmem } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_DATA_FILE_SIZE, DEFAULT_SOURCE_FILE_SIZE } from '../src/config/types.js';
import { discover } from '../src/discovery/discover.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(ROOT, 'bin', 'modelguard.js');
const AST_GREP = join(ROOT, 'node_modules', '@ast-grep', 'cli', 'ast-grep');
const AST_GREP_CONFIG = join(ROOT, 'bench', 'ast-grep', 'sgconfig.yml');
const TIME = '/usr/bin/time';
/** The words the ripgrep peer looks for: roughly what modelguard's rules key on. */
const RG_KEYWORDS = [
  'from_pretrained',
  'openai',
  'anthropic',
  'ollama',
  'vllm',
  'text-generation-inference',
  'trust_remote_code',
  'torch.load',
  'hf_hub_download',
  'chat.completions',
  'messages.create',
];

interface Args {
  repos: string[];
  files?: string[];
  runs: number;
  synthetic: number[];
  json: boolean;
}

function parseCli(argv: string[]): Args {
  const a: Args = { repos: [], runs: 3, synthetic: [], json: false };
  let synthetic: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i] as string;
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${k} needs a value`);
      return v;
    };
    if (k === '--repo') a.repos.push(next());
    else if (k === '--files') a.files = next().split(',').filter(Boolean);
    else if (k === '--runs') a.runs = Math.max(1, Number(next()) || 1);
    else if (k === '--synthetic') synthetic = next();
    else if (k === '--json') a.json = true;
    else throw new Error(`unknown option ${k} (see bench/run.ts)`);
  }
  synthetic ??= a.repos.length > 0 ? 'none' : '1000,10000,50000';
  a.synthetic =
    synthetic === 'none'
      ? []
      : synthetic
          .split(',')
          .map(Number)
          .filter((n) => n > 0);
  return a;
}

// ---------------------------------------------------------------------------------------------
// Running a command and measuring it.

interface Sample {
  ms: number;
  rssKiB?: number;
  status: number | null;
  stderr: string;
}

function runOnce(cmd: string, args: string[], cwd: string): Sample {
  const useTime = existsSync(TIME);
  const timeOut = useTime ? join(mkdtempSync(join(tmpdir(), 'mg-bench-time-')), 'time.txt') : '';
  const [c, a] = useTime ? [TIME, ['-v', '-o', timeOut, cmd, ...args]] : [cmd, args];
  const t0 = performance.now();
  const r = spawnSync(c, a, { cwd, encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = performance.now() - t0;
  let rssKiB: number | undefined;
  if (useTime) {
    const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(readFileSync(timeOut, 'utf8'));
    rssKiB = m ? Number(m[1]) : undefined;
    rmSync(dirname(timeOut), { recursive: true, force: true });
  }
  return { ms, rssKiB, status: r.status, stderr: r.stderr ?? '' };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

interface Measured {
  wallMs: number;
  runsMs: number[];
  peakRssMiB: number | null;
}

function measure(runs: number, cmd: string, args: string[], cwd: string, ok: (s: Sample) => boolean): Measured & { last: Sample; samples: Sample[] } {
  const samples: Sample[] = [];
  for (let i = 0; i < runs; i++) {
    const s = runOnce(cmd, args, cwd);
    if (!ok(s)) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${s.status}): ${s.stderr.slice(0, 500)}`);
    samples.push(s);
  }
  const rss = samples.map((s) => s.rssKiB).filter((x): x is number => x !== undefined);
  return {
    wallMs: median(samples.map((s) => s.ms)),
    runsMs: samples.map((s) => Math.round(s.ms)),
    peakRssMiB: rss.length ? Math.max(...rss) / 1024 : null,
    last: samples[samples.length - 1] as Sample,
    samples,
  };
}

// ---------------------------------------------------------------------------------------------
// The tools.

interface ModelguardRun extends Measured {
  filesSeen: number;
  candidates: number;
  filesScanned: number;
  filesPerSecond: number;
  parsed: Record<string, number>;
  findings: number;
  /** Runs answered from the result cache (0 for the runs made with --no-cache). */
  cacheHits: number;
}

/** Reads the `--stats` table (stderr) of a modelguard run. */
export function readStats(stderr: string): { filesSeen: number; candidates: number; filesScanned: number; parsed: Record<string, number>; findings: number; rssMiB?: number } {
  const d = /^ {2}discovery .* (\d+) files seen, (\d+) candidates$/m.exec(stderr);
  const t = /^ {2}total \(wall, since process start\) .* (\d+) files scanned, (\d+) findings$/m.exec(stderr);
  if (!d || !t) throw new Error(`no --stats table in modelguard's stderr:\n${stderr.slice(0, 2000)}`);
  const parsed: Record<string, number> = {};
  for (const m of stderr.matchAll(/^ {2}parse: (\w+) .* (\d+) (?:files|scripts)$/gm)) parsed[m[1] as string] = Number(m[2]);
  const rss = /^ {2}peak RSS (\d+) MiB$/m.exec(stderr);
  return { filesSeen: Number(d[1]), candidates: Number(d[2]), filesScanned: Number(t[1]), findings: Number(t[2]), parsed, rssMiB: rss ? Number(rss[1]) : undefined };
}

/** Runs modelguard on the tree (or on `files`): without a cache, or with the result cache in `cacheDir`. */
function modelguard(runs: number, root: string, files: string[], cacheDir?: string): ModelguardRun {
  const out = join(mkdtempSync(join(tmpdir(), 'mg-bench-out-')), 'report.json');
  const cache = cacheDir ? ['--cache-dir', cacheDir] : ['--no-cache'];
  const m = measure(
    runs,
    process.execPath,
    [BIN, ...(files.length ? files : ['.']), '--root', '.', '--format', 'json', '--output', out, '--fail-on', 'never', '--stats', ...cache],
    root,
    (s) => s.status === 0,
  );
  rmSync(dirname(out), { recursive: true, force: true });
  const st = readStats(m.last.stderr);
  return {
    wallMs: m.wallMs,
    runsMs: m.runsMs,
    peakRssMiB: m.peakRssMiB ?? st.rssMiB ?? null,
    filesSeen: st.filesSeen,
    candidates: st.candidates,
    filesScanned: st.filesScanned,
    filesPerSecond: (files.length || st.filesSeen) / (m.wallMs / 1000),
    parsed: st.parsed,
    findings: st.findings,
    cacheHits: m.samples.filter((s) => /^ {2}result cache .* hit\b/m.test(s.stderr)).length,
  };
}

type Peer = (Measured & { tool: string; version: string }) | { tool: string; skipped: string };

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const p = join(dir, name);
    if (dir && existsSync(p)) return p;
  }
  return undefined;
}

function astGrep(runs: number, root: string, files: string[]): Peer {
  if (!existsSync(AST_GREP)) return { tool: 'ast-grep', skipped: `${AST_GREP} is missing (npm install: it comes with the @ast-grep/cli devDependency)` };
  const version = spawnSync(AST_GREP, ['--version'], { encoding: 'utf8' }).stdout.trim();
  // Exit 1 means findings; anything else is a failure.
  const m = measure(runs, AST_GREP, ['scan', '--config', AST_GREP_CONFIG, ...(files.length ? files : ['.'])], root, (s) => s.status === 0 || s.status === 1);
  return { tool: 'ast-grep', version, wallMs: m.wallMs, runsMs: m.runsMs, peakRssMiB: m.peakRssMiB };
}

function ripgrep(runs: number, root: string, files: string[]): Peer {
  const rg = onPath('rg');
  if (!rg) return { tool: 'ripgrep', skipped: 'rg is not on PATH (it is the Debian/Ubuntu package `ripgrep`); the bench never downloads it' };
  const version = (spawnSync(rg, ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0] ?? '').trim();
  const args = ['--files-with-matches', '--ignore-case', ...RG_KEYWORDS.flatMap((k) => ['-e', k.replace(/[.]/g, '\\.')]), ...(files.length ? files : ['.'])];
  const m = measure(runs, rg, args, root, (s) => s.status === 0 || s.status === 1);
  return { tool: 'ripgrep', version, wallMs: m.wallMs, runsMs: m.runsMs, peakRssMiB: m.peakRssMiB };
}

// ---------------------------------------------------------------------------------------------
// Trees.

/** FNV-1a, for a deterministic pick of files. */
function fnv(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** Five candidate files (by path, the files modelguard would read), the same ones every time. */
export async function pickFiles(root: string, n = 5): Promise<string[]> {
  const d = await discover({ root, paths: [], ignore: [], maxFileSize: DEFAULT_DATA_FILE_SIZE, sourceFileSize: DEFAULT_SOURCE_FILE_SIZE });
  return d.files
    .map((f) => f.path)
    .sort((a, b) => fnv(a) - fnv(b) || (a < b ? -1 : 1))
    .slice(0, n);
}

function write(root: string, rel: string, text: string): void {
  const p = join(root, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, text);
}

/** The files that can matter in every synthetic tree: one small AI service, 17 files. */
const RELEVANT = 17;

/**
 * A synthetic tree of `total` files: the same 17 that can matter (a service calling an LLM API,
 * loading a Hub model, serving it) and `total - 17` that cannot (utility code in TS and Python,
 * docs, data), generated deterministically.
 */
export function generateTree(dir: string, total: number): void {
  for (let i = 0; i < 2; i++) {
    const d = `services/svc${i}`;
    write(
      dir,
      `${d}/app/main.py`,
      `import os\nimport logging\nfrom fastapi import FastAPI\nfrom transformers import AutoModelForCausalLM, AutoTokenizer\n\nlog = logging.getLogger(__name__)\nMODEL_ID = os.environ.get("MODEL_ID", "acme/model-${i}")\napp = FastAPI()\nmodel = AutoModelForCausalLM.from_pretrained(MODEL_ID)\ntok = AutoTokenizer.from_pretrained(MODEL_ID, revision="${'a'.repeat(40)}")\n\n@app.post("/generate")\nasync def generate(body: dict):\n    ids = tok(body["prompt"], return_tensors="pt")\n    out = model.generate(**ids, max_new_tokens=64)\n    log.info("done")\n    return {"text": tok.decode(out[0])}\n`,
    );
    write(
      dir,
      `${d}/web/route.ts`,
      `import OpenAI from 'openai';\n\nconst client = new OpenAI();\n\nexport async function POST(req: Request) {\n  const body = await req.json();\n  const r = await client.chat.completions.create({ model: 'gpt-4o', messages: body.messages });\n  return Response.json(r.choices[0]);\n}\n`,
    );
    write(dir, `${d}/docker-compose.yml`, `services:\n  llm:\n    image: vllm/vllm-openai:latest\n    command: ["--model", "acme/model-${i}"]\n    ports: ["8000:8000"]\n`);
    write(
      dir,
      `${d}/k8s/deploy.yaml`,
      `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: svc${i}\nspec:\n  template:\n    spec:\n      containers:\n        - name: llm\n          image: ghcr.io/huggingface/text-generation-inference:2.4.1\n`,
    );
    write(dir, `${d}/Dockerfile`, `FROM python:3.12-slim\nRUN pip install --no-cache-dir fastapi==0.115.0 transformers==4.46.0\nCOPY app /app\nCMD ["uvicorn", "app.main:app", "--host", "0.0.0.0"]\n`);
    write(dir, `${d}/scripts/serve.sh`, `#!/usr/bin/env bash\nset -euo pipefail\nollama pull llama3\nvllm serve acme/model-${i} --port 8000\n`);
    write(dir, `${d}/.env.example`, `OPENAI_MODEL=gpt-4o-mini\nMODEL_ID=acme/model-${i}\n`);
    write(dir, `${d}/requirements.txt`, `fastapi==0.115.0\ntransformers==4.46.0\n`);
  }
  write(dir, '.github/workflows/ci.yml', `on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: npm test\n`);
  for (let i = 0; i < total - RELEVANT; i++) {
    const d = `lib/pkg${i % 97}/mod${Math.floor(i / 97) % 50}`;
    switch (i % 6) {
      case 0:
      case 1:
        write(
          dir,
          `${d}/util${i}.ts`,
          `export interface Range${i} {\n  start: number;\n  end: number;\n}\n\nexport function clamp${i}(value: number, r: Range${i}): number {\n  return Math.min(r.end, Math.max(r.start, value));\n}\n\nexport function sum${i}(xs: readonly number[]): number {\n  let total = 0;\n  for (const x of xs) total += x * ${i % 7};\n  return total;\n}\n`,
        );
        break;
      case 2:
        write(
          dir,
          `${d}/helpers_${i}.py`,
          `def chunk_${i}(items, size=${(i % 9) + 1}):\n    """Split items into lists of at most size."""\n    out = []\n    for start in range(0, len(items), size):\n        out.append(items[start:start + size])\n    return out\n\n\ndef mean_${i}(values):\n    return sum(values) / max(len(values), 1)\n`,
        );
        break;
      case 3:
        write(dir, `${d}/NOTES-${i}.md`, `# Notes ${i}\n\nHow the helpers in this folder are organised, and why the ranges are clamped.\n`);
        break;
      case 4:
        write(dir, `${d}/table-${i}.csv`, `id,value,label\n${Array.from({ length: 10 }, (_, k) => `${k},${(k * i) % 101},row${k}`).join('\n')}\n`);
        break;
      default:
        write(dir, `${d}/fixture-${i}.json`, `${JSON.stringify({ id: i, values: [i % 3, i % 5, i % 7], name: `fixture ${i}` })}\n`);
    }
  }
}

// ---------------------------------------------------------------------------------------------

interface Scenario {
  files: string[];
  modelguard: ModelguardRun;
  peers: Peer[];
  /** modelguard's wall time over each peer's (how many times slower). */
  ratios: Record<string, number | null>;
}

interface TreeResult {
  name: string;
  root: string;
  commit?: string;
  full: Scenario;
  small: Scenario;
  /** The same two runs once a full scan has filled the result cache (nothing changed since). */
  cached: { full: ModelguardRun; small: ModelguardRun };
}

async function measureTree(name: string, root: string, args: Args, files?: string[]): Promise<TreeResult> {
  const commit = spawnSync('git', ['-C', root, 'rev-parse', 'HEAD'], { encoding: 'utf8' });
  const small = files?.length ? files : await pickFiles(root);
  const scenario = (fs: string[]): Scenario => {
    const mg = modelguard(args.runs, root, fs);
    const peers = [astGrep(args.runs, root, fs), ripgrep(args.runs, root, fs)];
    const ratios = Object.fromEntries(peers.map((p) => [p.tool, 'wallMs' in p ? mg.wallMs / p.wallMs : null]));
    return { files: fs, modelguard: mg, peers, ratios };
  };
  const cacheDir = mkdtempSync(join(tmpdir(), 'mg-bench-cache-'));
  try {
    const full = scenario([]);
    const smallRun = scenario(small);
    modelguard(1, root, [], cacheDir);
    const cached = { full: modelguard(args.runs, root, [], cacheDir), small: modelguard(args.runs, root, small, cacheDir) };
    return { name, root, ...(commit.status === 0 ? { commit: commit.stdout.trim() } : {}), full, small: smallRun, cached };
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
}

function startup(runs: number): { nodeMs: number; versionMs: number; helpMs: number } {
  const t = (args: string[]): number => measure(runs, process.execPath, args, ROOT, (s) => s.status === 0).wallMs;
  return { nodeMs: t(['-e', '0']), versionMs: t([BIN, '--version']), helpMs: t([BIN, '--help']) };
}

const f0 = (x: number): string => x.toFixed(0);
const mib = (x: number | null): string => (x === null ? 'n/a' : `${f0(x)} MiB`);

function scenarioLines(title: string, s: Scenario): string[] {
  const m = s.modelguard;
  const parsed =
    Object.entries(m.parsed)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ') || 'none';
  const lines = [
    `  ${title}${s.files.length ? ` (${s.files.join(', ')})` : ''}`,
    `    modelguard  ${f0(m.wallMs).padStart(7)} ms  (runs ${m.runsMs.join(', ')})  ${f0(m.filesPerSecond)} files/s  RSS ${mib(m.peakRssMiB)}  cache hits ${m.cacheHits}/${m.runsMs.length}`,
    `                ${m.filesSeen} files seen, ${m.candidates} candidates, ${m.filesScanned} scanned, ${m.findings} findings; parsed: ${parsed}`,
  ];
  for (const p of s.peers) {
    if ('skipped' in p) lines.push(`    ${p.tool.padEnd(10)}  skipped: ${p.skipped}`);
    else
      lines.push(
        `    ${p.tool.padEnd(10)}  ${f0(p.wallMs).padStart(7)} ms  (runs ${p.runsMs.join(', ')})  RSS ${mib(p.peakRssMiB)}  modelguard is ${(s.ratios[p.tool] as number).toFixed(1)}x its time  [${p.version}]`,
      );
  }
  return lines;
}

async function main(): Promise<void> {
  const args = parseCli(process.argv.slice(2));
  const trees: TreeResult[] = [];
  for (const repo of args.repos) trees.push(await measureTree(repo, repo, args, args.files));
  const curve: Array<{ files: number; wallMs: number; msPer1kFiles: number; peakRssMiB: number | null; parsed: Record<string, number>; astGrepMs: number | null }> = [];
  for (const size of args.synthetic) {
    const dir = mkdtempSync(join(tmpdir(), `mg-bench-${size}-`));
    try {
      generateTree(dir, size);
      const t = await measureTree(`synthetic ${size} files (${RELEVANT} that can matter)`, dir, args);
      trees.push(t);
      const ag = t.full.peers.find((p) => p.tool === 'ast-grep');
      curve.push({
        files: size,
        wallMs: t.full.modelguard.wallMs,
        msPer1kFiles: (t.full.modelguard.wallMs / size) * 1000,
        peakRssMiB: t.full.modelguard.peakRssMiB,
        parsed: t.full.modelguard.parsed,
        astGrepMs: ag && 'wallMs' in ag ? ag.wallMs : null,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const start = startup(args.runs);
  const machine = {
    nproc: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    ramGiB: Number((totalmem() / 2 ** 30).toFixed(1)),
    freeGiB: Number((freemem() / 2 ** 30).toFixed(1)),
    node: process.version,
  };
  if (args.json) {
    process.stdout.write(`${JSON.stringify({ date: new Date().toISOString(), machine, runs: args.runs, startup: start, trees, curve }, null, 2)}\n`);
    return;
  }
  const out: string[] = [`modelguard bench: ${machine.nproc} cores (${machine.cpu}), ${machine.ramGiB} GiB, Node ${machine.node}; median of ${args.runs} run(s)`];
  out.push(`start-up: node -e 0 ${f0(start.nodeMs)} ms, modelguard --version ${f0(start.versionMs)} ms, --help ${f0(start.helpMs)} ms`);
  for (const t of trees) {
    out.push('', `${t.name}${t.commit ? ` @ ${t.commit}` : ''}`);
    out.push(...scenarioLines('full scan', t.full), ...scenarioLines(`${t.small.files.length}-file run`, t.small));
    for (const [title, m] of [
      ['full scan, result cache filled', t.cached.full],
      [`${t.small.files.length}-file run, result cache filled`, t.cached.small],
    ] as const) {
      out.push(
        `  ${title}`,
        `    modelguard  ${f0(m.wallMs).padStart(7)} ms  (runs ${m.runsMs.join(', ')})  RSS ${mib(m.peakRssMiB)}  cache hits ${m.cacheHits}/${m.runsMs.length}  (${f0((m.wallMs / (title.startsWith('full') ? t.full : t.small).modelguard.wallMs) * 100)}% of the run without a cache)`,
      );
    }
  }
  if (curve.length) {
    out.push('', 'synthetic curve (full scan): files, wall, ms per 1k files, RSS, ast-grep wall, files parsed');
    for (const c of curve)
      out.push(
        `  ${String(c.files).padStart(6)}  ${f0(c.wallMs).padStart(7)} ms  ${c.msPer1kFiles.toFixed(0).padStart(6)} ms/1k  ${mib(c.peakRssMiB).padStart(8)}  ${c.astGrepMs === null ? 'n/a' : `${f0(c.astGrepMs)} ms`}  ${Object.entries(
          c.parsed,
        )
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}`,
      );
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
