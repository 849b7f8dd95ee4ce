import type { Settings } from '../../config/types.js';
import type { FileModel } from '../../model/file-model.js';
import type { ProjectModel } from '../../model/project.js';
import type { Confidence } from '../../types.js';
import { Expander, TEST_PATH, type Frame } from './expand.js';
import { ghaPipelines } from './gha.js';
import { gitlabPipelines } from './gitlab.js';
import { ancestors, newJob, upstreamOf, type Job, type NonGating, type Op, type Pipeline, type RunsAnyway, type Site } from './model.js';
import { pythonOps } from './python-ops.js';
import { stepVocabulary } from './steps.js';
import { cutAtAny, trimSuffix } from '../../util/text.js';

export type { Job, NonGating, Op, Pipeline, RunsAnyway, Site } from './model.js';
export { stepKeywords, stepVocabulary } from './steps.js';

export type SafetyRuleId = 'deploy-without-eval' | 'finetune-without-eval' | 'quantize-without-eval' | 'non-gating-eval';

/** A problem found in the pipelines, for one of the safety-eval rules to report. */
export interface Verdict {
  rule: SafetyRuleId;
  messageId: string;
  at: Site;
  data: Record<string, string>;
  confidence?: Confidence;
}

export interface PipelineAnalysis {
  pipelines: Pipeline[];
  verdicts: Verdict[];
}

const TEST_FILE = /(^|\/)(tests?|testing|__tests__)\/|(^|\/)test_[^/]*\.py$|_test\.py$|(^|\/)conftest\.py$/;
const SINKS = new Set(['publish', 'deploy']);
const DEPLOY_FILE = /deploy|rollout|production/i;

function standalone(ex: Expander): Pipeline[] {
  const out: Array<{ p: Pipeline; root: string; reached: Set<string> }> = [];
  const project = ex.project;
  const makeFrame = (p: Pipeline, where: string, file: FileModel): Frame => {
    const job = newJob(p, 'main', where, file);
    return { job, step: 0, where, cwd: '', depth: 0, stack: [], deployContext: false };
  };
  const ciReached = new Set(ex.reached);
  // Python scripts are parsed only when they mention a publish or deploy call, shell scripts
  // only when they mention a command that publishes, deploys or evaluates.
  const pyWords = new Set<string>(['push_to_hub']);
  for (const pat of ex.vocab.python) {
    if (!SINKS.has(pat.rule.kind)) continue;
    for (const c of pat.rule.python?.calls ?? []) {
      const last = cutAtAny(c.split('.').pop() ?? c, '*?');
      // Distinctive names only: `push_to_hub`, `PushToHubCallback`, not `deploy` or `register`.
      if (last.includes('_') || /[a-z][A-Z]/.test(last)) pyWords.add(last);
    }
    for (const i of pat.rule.python?.imports ?? []) pyWords.add(i.split('.').pop() as string);
  }
  const shellWords = new Set<string>();
  const deployWords = new Set<string>();
  for (const c of ex.vocab.commands) {
    if (!SINKS.has(c.rule.kind) && c.rule.kind !== 'evaluate') continue;
    const words = c.text.split(/\s+/);
    let first = cutAtAny((words[0] ?? '').replace(/^.*\//, ''), '*?[{');
    // A short program name is only telling with its subcommand (`hf upload`).
    if (first.length < 3 && words[1] && !/[*?[{]/.test(words[1])) first = `${first} ${words[1]}`;
    if (first.length < 3) continue;
    // A model server started by a script is a deploy only in a deploy script.
    if (c.rule.when?.includes('deploy-context')) deployWords.add(first);
    else shellWords.add(first);
  }
  // ... or run a Python script that may publish (by file or module name).
  const pyNames = new Set<string>();
  const moduleName = (f: FileModel): string =>
    f.path
      .replace(/\.py$/, '')
      .replace(/\/__main__$|\/__init__$/, '')
      .split('/')
      .pop() as string;
  const pyFiles = project.withKind('python');
  for (const f of pyFiles) if ([...pyWords].some((w) => f.text.includes(w))) pyNames.add(moduleName(f));
  // ... and the modules that import those (a training script's callbacks module imports the
  // hub helper), a few imports deep.
  for (let round = 0; round < 3; round++) {
    const size = pyNames.size;
    for (const f of pyFiles) if (!pyNames.has(moduleName(f)) && importsNamed(f.text, pyNames)) pyNames.add(moduleName(f));
    if (pyNames.size === size) break;
  }
  const topLevelPublish = new RegExp(`^(?![ \\t]|def |class |import |from |#).*\\b(${[...pyWords].map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')}|train)\\b`, 'm');
  const mayPublish = (f: FileModel): boolean =>
    [...shellWords].some((w) => f.text.includes(w)) ||
    f.text.includes('push_to_hub') ||
    [...pyNames].some((n) => n.length >= 3 && f.text.includes(n)) ||
    (DEPLOY_FILE.test(f.path) && [...deployWords].some((w) => f.text.includes(w)));
  for (const f of project.files()) {
    if (ciReached.has(f.path) || TEST_FILE.test(f.path) || TEST_PATH.test(f.path)) continue;
    if (f.kind === 'shell') {
      if (!mayPublish(f)) continue;
      const p: Pipeline = { id: f.path, label: `script ${f.path}`, file: f, jobs: [], upstream: [] };
      const reached = ex.trace(() => ex.shellFile(f, makeFrame(p, `script ${f.path}`, f)));
      out.push({ p, root: f.path, reached });
    } else if (f.kind === 'python') {
      // An entry script (a `__main__` block) that publishes, a script that imports a module of
      // the repository that may (its module-level code or main block calls the helper), or a
      // script that publishes from module-level code. Library modules are read only where a
      // script calls them.
      const isMain = /__name__\s*==\s*['"]__main__['"]/.test(f.text);
      const mentions = (isMain && [...pyWords].some((w) => f.text.includes(w))) || importsNamed(f.text, pyNames);
      if (!mentions && !topLevelPublish.test(f.text)) continue;
      if (!pythonOps(f, ex.vocab, project).some((o) => SINKS.has(o.kind))) continue;
      const p: Pipeline = { id: f.path, label: `script ${f.path}`, file: f, jobs: [], upstream: [] };
      const reached = ex.trace(() => ex.pythonFile(f, makeFrame(p, `script ${f.path}`, f)));
      out.push({ p, root: f.path, reached });
    } else if (f.kind === 'makefile') {
      const mk = ex.makefile(f);
      const prereqOf = new Set<string>();
      for (const t of mk.targets.values()) for (const q of t.prerequisites) prereqOf.add(q);
      for (const t of mk.targets.values()) {
        const key = `${f.path}#${t.name}`;
        if (prereqOf.has(t.name) || ciReached.has(key)) continue;
        const p: Pipeline = { id: key, label: `make ${t.name}`, file: f, jobs: [], upstream: [] };
        const reached = ex.trace(() => ex.makeTargets(f, [t.name], makeFrame(p, `target "${t.name}" of ${f.path}`, f)));
        out.push({ p, root: key, reached });
      }
    }
  }
  // A script another script runs is judged where it runs, not alone.
  return out
    .filter((c) => !out.some((o) => o !== c && o.reached.has(c.root) && !c.reached.has(o.root)))
    .filter((c) => c.p.jobs.some((j) => j.ops.some((o) => SINKS.has(o.kind))))
    .map((c) => c.p);
}

/** The script imports a module whose last name is in `names` (`from helpers.hub import x`, `import hub`). */
function importsNamed(text: string, names: ReadonlySet<string>): boolean {
  for (const m of text.matchAll(/^[ \t]*(?:from[ \t]+([\w.]+)[ \t]+import[ \t]+([\w, \t]+)|import[ \t]+([\w.]+))/gm)) {
    const mods = [m[1] ?? m[3] ?? '', ...(m[2] ?? '').split(',').map((x) => x.trim())];
    for (const mod of mods) if (names.has(mod.split('.').pop() ?? '')) return true;
  }
  return false;
}

function line(site: Site): number {
  return site.file.range(site.span).start.line;
}

function loc(site: Site, from?: FileModel): string {
  return site.file === from ? `line ${line(site)}` : `${site.file.path}:${line(site)}`;
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function code(s: string, max = 70): string {
  const one = s.replace(/`/g, "'");
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

/** a runs before b, on every path. */
export function before(a: Op, b: Op): boolean {
  if (a === b) return false;
  if (a.job === b.job) return a.seq < b.seq;
  if (a.job.pipeline === b.job.pipeline) return ancestors(b.job).has(a.job);
  return upstreamOf(b.job.pipeline).has(a.job.pipeline);
}

/** Why E's failure does not stop S, or undefined when it does. */
export function whyNotGating(e: Op, s: Op): NonGating | RunsAnyway | undefined {
  if (e.shellNG) return e.shellNG;
  // A step with an `if:` may be skipped, and a skipped step stops nothing.
  const norm = (t: string): string => trimSuffix(t.replace(/^\$\{\{\s*/, ''), '}}').replace(/\s+/g, ' ');
  if (e.stepIf && !(e.job === s.job && e.step === s.step) && !(s.stepIf && norm(s.stepIf.text) === norm(e.stepIf.text))) {
    return { id: 'skippable', at: e.stepIf.at, construct: `if: ${e.stepIf.text}` };
  }
  if (e.job === s.job) {
    if (e.step === s.step) return undefined;
    if (e.stepNG) return e.stepNG;
    if (s.stepRunsAnyway) return s.stepRunsAnyway;
    return undefined;
  }
  if (e.stepNG) return e.stepNG;
  if (e.job.jobNG) return e.job.jobNG;
  if (e.job.pipeline !== s.job.pipeline) {
    const link = upstreamOf(s.job.pipeline).get(e.job.pipeline);
    const checked = s.job.checksUpstream || [...ancestors(s.job)].some((j) => j.checksUpstream);
    if (link && !checked) return { id: 'workflowRunUnchecked', at: link.at, construct: 'workflow_run', who: s.job.pipeline.label };
    return undefined;
  }
  // Does E's job failing skip S's job? A job is skipped when a job it needs failed or was
  // skipped, unless it runs anyway (`if: always()`, `when: always`).
  // A post-order walk up the jobs S needs, with a stack: a chain of 20,000 `needs:` is as deep
  // as the walk gets, and the depth of a file's job graph never becomes the depth of ours.
  type Verdict = RunsAnyway | 'blocked' | 'unrelated';
  const memo = new Map<Job, Verdict>();
  interface Visit {
    job: Job;
    next: number;
    result: Verdict;
    reason?: RunsAnyway;
  }
  const stack: Visit[] = [];
  /** The verdict of `j` when known (E itself, or already visited, or being visited: a cycle); else starts its visit. */
  const enter = (j: Job): Verdict | undefined => {
    if (j === e.job) return 'blocked';
    const hit = memo.get(j);
    if (hit) return hit;
    memo.set(j, 'unrelated');
    stack.push({ job: j, next: 0, result: 'unrelated' });
    return undefined;
  };
  const fold = (into: Visit, r: Verdict): void => {
    if (r === 'blocked') into.result = 'blocked';
    else if (r !== 'unrelated') into.reason ??= r;
  };
  let r = enter(s.job);
  while (r === undefined && stack.length > 0) {
    const top = stack[stack.length - 1] as Visit;
    const pred = top.job.preds[top.next];
    if (pred) {
      top.next++;
      const known = enter(pred);
      if (known !== undefined) fold(top, known);
      continue;
    }
    let result = top.result;
    if (result !== 'blocked' && top.reason) result = top.reason;
    if (top.job.runsAnyway && result !== 'unrelated') result = top.job.runsAnyway;
    memo.set(top.job, result);
    stack.pop();
    const parent = stack[stack.length - 1];
    if (parent) fold(parent, result);
    else r = result;
  }
  return r === 'blocked' || r === 'unrelated' ? undefined : r;
}

function latest(ops: Op[]): Op | undefined {
  return ops.find((o) => !ops.some((x) => x !== o && before(o, x))) ?? ops[ops.length - 1];
}

function suggestion(s: Op, producer: Op | undefined): string {
  const gguf = producer?.kind === 'quantize' || /\.gguf\b/i.test(`${s.text} ${s.target ?? ''}`);
  if (gguf) return '`lm_eval --model gguf --model_args base_url=http://127.0.0.1:8080 --tasks toxigen,truthfulqa_mc2` against llama-server serving the GGUF file';
  if (s.rule.id === 'ollama-push') return `\`garak --model_type ollama --model_name ${s.target ?? '<model>'} --probes dan,promptinject,encoding\``;
  if (s.kind === 'deploy' || /docker|build-push|cog/.test(s.rule.id)) return '`promptfoo redteam run` or `garak --probes dan,promptinject,encoding` against a staging endpoint';
  return `\`lm_eval --model hf --model_args pretrained=${s.localPath ?? '<model dir>'} --tasks toxigen,truthfulqa_mc2\``;
}

function sinkData(s: Op, standaloneRun: boolean): Record<string, string> {
  const what = s.target ? `\`${code(s.target, 60)}\`` : s.kind === 'deploy' ? 'a model server' : 'the model';
  return {
    where: cap(s.where),
    action: s.kind === 'deploy' ? 'deploys' : 'publishes',
    what,
    command: code(s.text),
    tool: s.rule.tool,
    placement: standaloneRun
      ? s.job.pipeline.file.kind === 'makefile'
        ? 'in a prerequisite target'
        : 'earlier in the script'
      : s.job.pipeline.file.kind === 'gitlab-ci' || s.job.pipeline.file.kind === 'yaml-config'
        ? 'in an earlier stage or a job this one needs'
        : 'in an earlier step or a job this one needs',
  };
}

function notes(s: Op, all: Op[]): string {
  const out: string[] = [];
  const caps = all.filter((o) => o.kind === 'evaluate' && o.tasks?.capabilityOnly && before(o, s));
  const cap0 = caps[caps.length - 1];
  if (cap0) out.push(` The evaluation \`${code(cap0.text, 60)}\` (${loc(cap0.at, s.at.file)}) runs only capability benchmarks (${cap0.tasks?.list.join(', ')}), which say nothing about safety.`);
  const parallel = all.filter((o) => o.kind === 'evaluate' && !o.tasks?.capabilityOnly && o.job.pipeline === s.job.pipeline && !before(o, s));
  const par = parallel[0];
  if (par) {
    if (par.job === s.job) out.push(` The evaluation \`${code(par.text, 60)}\` (${loc(par.at, s.at.file)}) runs after it; move it before.`);
    else {
      const gitlab = s.job.pipeline.file.kind === 'gitlab-ci';
      out.push(
        ` The evaluation \`${code(par.text, 60)}\` in ${par.job.label} (${loc(par.at, s.at.file)}) does not run before it: ${gitlab ? `put it in an earlier stage or add "${par.job.id}" to \`needs:\`` : `add "${par.job.id.split('/')[0]}" to \`needs:\``}.`,
      );
    }
  }
  return out.join('');
}

function analyse(pipelines: Pipeline[], standaloneIds: Set<Pipeline>): Verdict[] {
  const verdicts: Verdict[] = [];
  for (const p of pipelines) {
    const ups = [...upstreamOf(p).keys()];
    const all = [...ups, p].flatMap((x) => x.jobs.flatMap((j) => j.ops));
    for (const j of p.jobs) {
      for (const s of j.ops) {
        if (s.kind !== 'publish' && s.kind !== 'deploy') continue;
        const byHand = standaloneIds.has(p);
        const confidence: Confidence | undefined = s.confidence ?? (byHand ? 'medium' : undefined);
        const preds = all.filter((x) => before(x, s));
        const producers = preds.filter((x) => x.kind === 'finetune' || x.kind === 'quantize');
        const evals = preds.filter((x) => x.kind === 'evaluate' && !x.tasks?.capabilityOnly);
        const missing = producers.filter((pr) => !evals.some((e) => before(pr, e)));
        const base = sinkData(s, byHand);
        const note = notes(s, all);
        const push = (rule: SafetyRuleId, messageId: string, at: Site, data: Record<string, string>): void => {
          verdicts.push({ rule, messageId, at, data, ...(confidence ? { confidence } : {}) });
        };
        if (missing.length > 0) {
          const fts = missing.filter((x) => x.kind === 'finetune');
          const pr = latest(fts.length > 0 ? fts : missing) as Op;
          const rule: SafetyRuleId = pr.kind === 'finetune' ? 'finetune-without-eval' : 'quantize-without-eval';
          const earlier = evals.filter((e) => before(e, pr));
          const data = { ...base, producer: code(pr.text, 60), producerAt: loc(pr.at, s.at.file), suggestion: suggestion(s, pr), note };
          const e = latest(earlier);
          if (e) push(rule, pr.kind === 'finetune' ? 'evalBeforeFinetune' : 'evalBeforeQuantize', s.at, { ...data, eval: code(e.text, 60), evalAt: loc(e.at, s.at.file) });
          else push(rule, 'noEval', s.at, data);
          continue;
        }
        if (evals.length === 0) {
          push('deploy-without-eval', 'noEval', s.at, { ...base, suggestion: suggestion(s, undefined), note });
          continue;
        }
        const relevant = producers.length > 0 ? evals.filter((e) => producers.some((pr) => before(pr, e))) : evals;
        const reasons = relevant.map((e) => ({ e, why: whyNotGating(e, s) }));
        if (reasons.some((r) => !r.why)) continue;
        for (const { e, why } of reasons) {
          if (!why) continue;
          push('non-gating-eval', why.id, why.at, {
            eval: code(e.text, 60),
            evalWhere: e.where,
            evalAt: loc(e.at, why.at.file),
            sink: code(s.text, 60),
            sinkAt: loc(s.at, why.at.file),
            sinkAction: s.kind === 'deploy' ? 'deploying' : 'publishing',
            construct: 'construct' in why ? why.construct : '',
            reason: 'reason' in why && why.reason ? why.reason : '',
            who: 'who' in why ? cap(why.who) : '',
            upstream: e.job.pipeline.label,
          });
        }
      }
    }
  }
  // One finding per place: a script run by two pipelines, or one eval gating two steps. When
  // pipelines disagree about a step, the most specific rule wins (fine-tune, quantize, deploy).
  const RANK: Record<SafetyRuleId, number> = { 'finetune-without-eval': 0, 'quantize-without-eval': 1, 'deploy-without-eval': 2, 'non-gating-eval': 3 };
  const best = new Map<string, Verdict>();
  for (const v of verdicts) {
    const key = `${v.rule === 'non-gating-eval' ? 'ng' : 'sink'}|${v.at.file.path}|${v.at.span.start}|${v.at.span.end}`;
    const cur = best.get(key);
    if (!cur || RANK[v.rule] < RANK[cur.rule]) best.set(key, v);
  }
  return [...best.values()];
}

const cache = new WeakMap<ProjectModel, Map<unknown, PipelineAnalysis>>();

/**
 * Every CI/CD pipeline of the project (GitHub Actions, GitLab CI, and scripts, Makefile targets
 * and Python scripts that no pipeline runs, taken as run by hand), as ordered jobs of ops, and
 * what the safety-eval rules find in them. Computed once per run.
 */
export function pipelineAnalysis(project: ProjectModel, settings: Settings): PipelineAnalysis {
  let bySettings = cache.get(project);
  if (!bySettings) {
    bySettings = new Map();
    cache.set(project, bySettings);
  }
  const key = settings.pipeline ?? settings;
  const hit = bySettings.get(key);
  if (hit) return hit;
  const ex = new Expander(project, stepVocabulary(settings), settings);
  const ci = [...ghaPipelines(ex), ...gitlabPipelines(ex)];
  const byHand = standalone(ex);
  const pipelines = [...ci, ...byHand];
  const result = { pipelines, verdicts: analyse(pipelines, new Set(byHand)) };
  bySettings.set(key, result);
  return result;
}

/** The roles a safety-eval finding can land in. */
export const PIPELINE_ROLES = ['gha-workflow', 'gha-action', 'gitlab-ci', 'yaml-config', 'shell', 'makefile', 'python'] as const;
