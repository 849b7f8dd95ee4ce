/**
 * `npm run bench`: generates a synthetic repository under .bench/ and times modelguard on it,
 * in-process (warm) and as a fresh process (cold, what a pre-commit hook pays). Prints the
 * numbers and checks them against the targets below; exits 1 when a target is missed.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { emptyConfig } from '../src/config/types.js';
import { scan } from '../src/engine/run.js';
import { rules } from '../rules/index.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const OUT = join(ROOT, '.bench', 'repo');

const TARGETS = {
  /** Full scan of the synthetic repository, warm, in milliseconds. */
  fullScanMs: 8000,
  /** A fresh process on 5 staged files, as a pre-commit hook runs it. */
  precommitMs: 2500,
};

function write(rel: string, text: string): void {
  const p = join(OUT, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, text);
}

function generate(services: number): number {
  rmSync(OUT, { recursive: true, force: true });
  let n = 0;
  for (let i = 0; i < services; i++) {
    const d = `services/svc${i}`;
    write(
      `${d}/app/main.py`,
      `import os\nimport logging\nfrom fastapi import FastAPI, Depends\nfrom transformers import AutoModelForCausalLM as M, AutoTokenizer\n\nlog = logging.getLogger(__name__)\nMODEL_ID = os.environ.get("MODEL_ID", "acme/model-${i}")\napp = FastAPI()\n\nmodel = M.from_pretrained(MODEL_ID)\ntok = AutoTokenizer.from_pretrained(MODEL_ID, revision="${'a'.repeat(40)}")\n\n${Array.from({ length: 20 }, (_, k) => `@app.post("/v${k}")\nasync def handler_${k}(body: dict):\n    ids = tok(body["prompt"], return_tensors="pt")\n    out = model.generate(**ids, max_new_tokens=64)\n    log.info("done %s", ${k})\n    return {"text": tok.decode(out[0])}\n`).join('\n')}`,
    );
    write(
      `${d}/web/route.ts`,
      `import OpenAI from 'openai';\nimport { logger } from '../lib/log';\n\nconst client = new OpenAI();\n\n${Array.from({ length: 20 }, (_, k) => `export async function handler${k}(req: Request) {\n  const body = await req.json();\n  const r = await client.chat.completions.create({ model: 'gpt-4o-2024-08-06', messages: body.messages });\n  logger.info({ k: ${k} }, 'completion');\n  return Response.json(r.choices[0]);\n}\n`).join('\n')}`,
    );
    write(`${d}/docker-compose.yml`, `services:\n  llm:\n    image: vllm/vllm-openai:${i % 3 === 0 ? 'latest' : 'v0.6.4'}\n    command: ["--model", "acme/model-${i}"]\n    ports: ["80${String(i % 100).padStart(2, '0')}:8000"]\n  db:\n    image: postgres:16\n`);
    write(`${d}/k8s/deploy.yaml`, `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: svc${i}\nspec:\n  template:\n    spec:\n      containers:\n        - name: llm\n          image: ghcr.io/huggingface/text-generation-inference:2.4.1\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: svc${i}\nspec:\n  ports: [{port: 80}]\n`);
    write(`${d}/Dockerfile`, `FROM python:3.12-slim\nRUN pip install --no-cache-dir fastapi==0.115.0 transformers==4.46.0\nCOPY app /app\nCMD ["uvicorn", "app.main:app", "--host", "0.0.0.0"]\n`);
    write(`${d}/scripts/serve.sh`, `#!/usr/bin/env bash\nset -euo pipefail\nvllm serve acme/model-${i} --port 8000 --api-key "$VLLM_API_KEY"\n`);
    write(`${d}/.env.example`, `OPENAI_MODEL=gpt-4o-mini\nMODEL_ID=acme/model-${i}\n`);
    write(`${d}/README.md`, `# svc${i}\n`);
    n += 8;
  }
  write('.github/workflows/ci.yml', `on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: npm test\n`);
  return n + 1;
}

async function timeScan(): Promise<{ ms: number; findings: number; files: number }> {
  const t0 = performance.now();
  const r = await scan({ root: OUT, paths: [], config: emptyConfig(), rules });
  return { ms: performance.now() - t0, findings: r.findings.length, files: r.stats.filesScanned };
}

const files = generate(250);
console.log(`synthetic repository: ${files} files in ${OUT}`);
await timeScan(); // warm-up: grammars, JIT
const runs: number[] = [];
let last = { ms: 0, findings: 0, files: 0 };
for (let i = 0; i < 3; i++) {
  last = await timeScan();
  runs.push(last.ms);
}
const best = Math.min(...runs);
console.log(`full scan (warm): best ${best.toFixed(0)} ms of ${runs.map((r) => r.toFixed(0)).join(', ')}; ${last.files} files scanned, ${last.findings} findings, ${((last.files / best) * 1000).toFixed(0)} files/s`);

const staged = ['services/svc1/app/main.py', 'services/svc1/web/route.ts', 'services/svc1/docker-compose.yml', 'services/svc1/k8s/deploy.yaml', 'services/svc1/Dockerfile'];
const bin = join(ROOT, 'bin', 'modelguard.js');
const cold: number[] = [];
for (let i = 0; i < 3; i++) {
  const t0 = performance.now();
  try {
    execFileSync(process.execPath, [bin, ...staged, '--quiet'], { cwd: OUT, stdio: 'ignore' });
  } catch {
    /* exit 1: findings */
  }
  cold.push(performance.now() - t0);
}
const bestCold = Math.min(...cold);
console.log(`pre-commit (fresh process, ${staged.length} files): best ${bestCold.toFixed(0)} ms of ${cold.map((r) => r.toFixed(0)).join(', ')}`);

let failed = false;
for (const [name, value, target] of [
  ['full scan', best, TARGETS.fullScanMs],
  ['pre-commit', bestCold, TARGETS.precommitMs],
] as const) {
  const ok = value <= target;
  failed ||= !ok;
  console.log(`${ok ? 'ok  ' : 'MISS'} ${name}: ${value.toFixed(0)} ms (target ${target} ms)`);
}
process.exitCode = failed ? 1 : 0;
