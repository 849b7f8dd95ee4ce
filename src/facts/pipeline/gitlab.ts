import picomatch from 'picomatch';
import type { FileModel } from '../../model/file-model.js';
import type { ShellCommand } from '../../parse/shell.js';
import { isMap, isScalar, isSeq, type Scalar, type YamlFile, type YNode } from '../../parse/yaml.js';
import type { Expander, Frame } from './expand.js';
import { newJob, type Job, type NonGating, type Pipeline, type RunsAnyway } from './model.js';
import { applySet, type ShellState } from './shell-status.js';

const RESERVED = new Set(['stages', 'variables', 'include', 'default', 'workflow', 'image', 'services', 'cache', 'before_script', 'after_script', 'pages:deploy', 'spec']);
const DEFAULT_STAGES = ['build', 'test', 'deploy'];
const DEPLOY_NAME = /deploy|rollout|production/i;

interface Val {
  file: FileModel;
  y: YamlFile;
  node: YNode | null;
  keyNode: YNode;
}

interface Config {
  defs: Map<string, Array<{ file: FileModel; y: YamlFile; node: YNode }>>;
  stages?: string[];
  defaults: Map<string, Val>;
  files: Set<string>;
}

class GitlabBuilder {
  constructor(private readonly ex: Expander) {}

  private includes(y: YamlFile, node: YNode | null): string[] {
    if (!node) return [];
    const out: string[] = [];
    const one = (n: YNode): void => {
      if (isScalar(n)) {
        const s = y.str(n) ?? '';
        if (!/^https?:/.test(s)) out.push(s);
      } else if (isMap(n)) {
        const local = y.str(y.get(n, 'local'));
        if (local) out.push(local);
      }
    };
    if (isSeq(node)) for (const i of y.items(node)) one(i);
    else one(node);
    return out;
  }

  load(file: FileModel, cfg: Config, depth: number): void {
    if (cfg.files.has(file.path) || depth > 10) return;
    cfg.files.add(file.path);
    const y = file.yaml();
    if (!y) return;
    for (const doc of y.documents) {
      const root = y.root(doc);
      for (const inc of this.includes(y, y.get(root, 'include'))) {
        const p = inc.replace(/^\/+/, '');
        const isMatch = picomatch(p, { dot: true });
        const matches = /[*?[{]/.test(p)
          ? this.ex.project
              .files()
              .map((f) => f.path)
              .filter((x) => isMatch(x))
          : [p];
        for (const m of matches) {
          const f = this.ex.project.file(m);
          if (f?.yaml()) this.load(f, cfg, depth + 1);
        }
      }
      for (const e of y.entries(root)) {
        if (e.key === 'stages') {
          const list = y
            .items(e.value)
            .map((i) => y.str(i))
            .filter((s): s is string => !!s);
          if (list.length > 0) cfg.stages = list;
          continue;
        }
        if (e.key === 'default') {
          for (const d of y.entries(e.value)) cfg.defaults.set(d.key, { file, y, node: d.value, keyNode: d.keyNode });
          continue;
        }
        if ((e.key === 'before_script' || e.key === 'after_script') && e.value) {
          cfg.defaults.set(e.key, { file, y, node: e.value, keyNode: e.keyNode });
          continue;
        }
        if (RESERVED.has(e.key) || !e.value || !isMap(e.value)) continue;
        const list = cfg.defs.get(e.key) ?? [];
        list.push({ file, y, node: e.value });
        cfg.defs.set(e.key, list);
      }
    }
  }

  /** A job's keys with `extends:` applied (parents first, then its own; own keys win). */
  resolved(cfg: Config, name: string, depth = 0, cache = new Map<string, Map<string, Val>>()): Map<string, Val> {
    const hit = cache.get(name);
    if (hit) return hit;
    const out = new Map<string, Val>();
    cache.set(name, out);
    if (depth > 11) return out;
    const defs = cfg.defs.get(name) ?? [];
    let parents: string[] = [];
    for (const d of defs) {
      const ext = d.y.get(d.node, 'extends');
      if (ext) parents = isSeq(ext) ? d.y.items(ext).map((i) => d.y.str(i) ?? '') : [d.y.str(ext) ?? ''];
    }
    for (const p of parents) for (const [k, v] of this.resolved(cfg, p, depth + 1, cache)) out.set(k, v);
    for (const d of defs) for (const e of d.y.entries(d.node)) if (e.key !== 'extends') out.set(e.key, { file: d.file, y: d.y, node: e.value, keyNode: e.keyNode });
    return out;
  }

  /** Script lines of a section, `!reference [job, key]` followed, each with its file. */
  private scriptItems(cfg: Config, v: Val, out: Array<{ file: FileModel; y: YamlFile; node: Scalar }>, depth = 0): void {
    const { y, node } = v;
    if (!node || depth > 5) return;
    if (isScalar(node)) {
      if (typeof node.value === 'string') out.push({ file: v.file, y, node: node as Scalar });
      return;
    }
    if (!isSeq(node)) return;
    if ((node as { tag?: string }).tag === '!reference') {
      const [job, key, key2] = y.items(node).map((i) => y.str(i) ?? '');
      if (!job || !key) return;
      let ref: Val | undefined = this.resolved(cfg, job).get(key);
      if (job === 'default') ref = cfg.defaults.get(key);
      if (ref && key2) {
        const inner = ref.y.get(ref.node, key2);
        ref = inner ? { ...ref, node: inner } : undefined;
      }
      if (ref) this.scriptItems(cfg, ref, out, depth + 1);
      return;
    }
    for (const item of y.items(node)) this.scriptItems(cfg, { ...v, node: item }, out, depth + 1);
  }

  private section(cfg: Config, v: Val | undefined, frame: Frame, state: ShellState): void {
    if (!v) return;
    const items: Array<{ file: FileModel; y: YamlFile; node: Scalar }> = [];
    this.scriptItems(cfg, v, items);
    // Consecutive lines of one file form one script (GitLab runs the lines in one shell).
    let i = 0;
    while (i < items.length) {
      const file = (items[i] as { file: FileModel }).file;
      const cs: ShellCommand[] = [];
      while (i < items.length && (items[i] as { file: FileModel }).file === file) {
        const it = items[i] as { y: YamlFile; node: Scalar };
        const script = file.parseShell(it.node.value as string, it.y.valueMap(it.node));
        if (script) cs.push(...script.commands);
        i++;
      }
      for (let k = 0; k < cs.length; k++) {
        if (applySet(cs[k] as ShellCommand, state)) continue;
        this.ex.command(file, cs, k, state, frame);
      }
    }
  }

  build(entry: FileModel): Pipeline | undefined {
    const cfg: Config = { defs: new Map(), defaults: new Map(), files: new Set() };
    this.load(entry, cfg, 0);
    for (const f of cfg.files) if (f !== entry.path) this.ex.mark(f);
    const stages = ['.pre', ...(cfg.stages ?? DEFAULT_STAGES), '.post'];
    const pipeline: Pipeline = { id: entry.path, label: `GitLab pipeline ${entry.path}`, file: entry, jobs: [], upstream: [] };
    const jobs = new Map<string, { job: Job; keys: Map<string, Val>; stage: number }>();
    for (const name of cfg.defs.keys()) {
      if (name.startsWith('.')) continue;
      const keys = this.resolved(cfg, name);
      if (!keys.has('script') && !keys.has('trigger') && !keys.has('run')) continue;
      const first = (cfg.defs.get(name) as Array<{ file: FileModel }>)[0] as { file: FileModel };
      const job = newJob(pipeline, name, `job "${name}"`, first.file);
      const stageName = keys.get('stage') ? keys.get('stage')?.y.str(keys.get('stage')?.node) : 'test';
      const stage = Math.max(0, stages.indexOf(stageName ?? 'test'));
      // when: always / on_failure (job level or in a rule): it runs after failures too.
      const whenVals: Val[] = [];
      const when = keys.get('when');
      if (when) whenVals.push(when);
      const rules = keys.get('rules');
      if (rules)
        for (const r of rules.y.items(rules.node)) {
          const w = rules.y.get(r, 'when');
          if (w) whenVals.push({ ...rules, node: w });
        }
      const always = whenVals.find((w) => /^(always|on_failure)$/.test(w.y.str(w.node) ?? ''));
      if (always?.node) job.runsAnyway = { id: 'runsAnyway', at: { file: always.file, span: always.y.span(always.node) }, construct: `when: ${always.y.str(always.node)}`, who: `job "${name}"` };
      const af = keys.get('allow_failure');
      if (af?.node && (af.y.isTrue(af.node) || isMap(af.node))) {
        job.jobNG = { id: 'allowFailure', at: { file: af.file, span: af.y.span(af.node) }, construct: isMap(af.node) ? 'allow_failure: exit_codes' : 'allow_failure: true' };
      } else if (!af) {
        // A manual job may never run, and GitLab lets the pipeline go on without it (allow_failure defaults to true).
        const manual = whenVals.find((w) => w.y.str(w.node) === 'manual');
        if (manual?.node) job.jobNG = { id: 'allowFailure', at: { file: manual.file, span: manual.y.span(manual.node) }, construct: 'when: manual' };
      }
      jobs.set(name, { job, keys, stage });
    }
    for (const [, j] of jobs) {
      const needs = j.keys.get('needs');
      if (needs?.node && isSeq(needs.node)) {
        j.job.preds = needs.y
          .items(needs.node)
          .map((n) => (isMap(n) ? needs.y.str(needs.y.get(n, 'job')) : needs.y.str(n)))
          .map((n) => (n ? jobs.get(n)?.job : undefined))
          .filter((x): x is Job => !!x);
      } else {
        j.job.preds = [...jobs.values()].filter((o) => o.stage < j.stage).map((o) => o.job);
      }
    }
    for (const [name, j] of jobs) {
      const inherit = j.keys.get('inherit');
      const d = inherit ? inherit.y.get(inherit.node, 'default') : null;
      const inherits = (k: string): boolean => !inherit || !d || (isScalar(d) ? d.value !== false && d.value !== 'false' : isSeq(d) ? inherit.y.items(d).some((i) => inherit.y.str(i) === k) : true);
      const stageName = j.keys.get('stage')?.y.str(j.keys.get('stage')?.node) ?? '';
      const base: Frame = { job: j.job, step: 0, where: `job "${name}"`, cwd: '', depth: 0, stack: [entry.path], deployContext: DEPLOY_NAME.test(name) || DEPLOY_NAME.test(stageName) };
      const state: ShellState = { errexit: true, pipefail: true };
      const before = j.keys.get('before_script') ?? (inherits('before_script') ? cfg.defaults.get('before_script') : undefined);
      this.section(cfg, before, { ...base, step: 0, where: `job "${name}" before_script` }, state);
      this.section(cfg, j.keys.get('script'), { ...base, step: 1, where: `job "${name}" script` }, state);
      const after = j.keys.get('after_script') ?? (inherits('after_script') ? cfg.defaults.get('after_script') : undefined);
      if (after) {
        // after_script runs in a new shell whatever the script did, and its failures do not fail the job.
        const at = { file: after.file, span: after.y.span(after.keyNode) };
        const ng: NonGating = { id: 'errexitOff', at, construct: 'after_script', reason: 'it runs in `after_script`, whose failures do not fail the job' };
        const ra: RunsAnyway = { id: 'runsAnyway', at, construct: 'after_script', who: `job "${name}" after_script` };
        this.section(cfg, after, { ...base, step: 2, where: `job "${name}" after_script`, inheritedNG: ng, stepRunsAnyway: ra }, { errexit: true, pipefail: true });
      }
    }
    return pipeline;
  }
}

/** Pipelines of GitLab CI: each `.gitlab-ci.yml` with its local includes, and CI files nobody includes. */
export function gitlabPipelines(ex: Expander): Pipeline[] {
  const files = ex.project.withKind('gitlab-ci');
  const builder = new GitlabBuilder(ex);
  const out: Pipeline[] = [];
  const entries = files.filter((f) => /(^|\/)\.gitlab-ci\.ya?ml$/.test(f.path));
  for (const f of entries) {
    const p = builder.build(f);
    if (p) out.push(p);
  }
  for (const f of files) {
    if (entries.includes(f) || ex.reached.has(f.path)) continue;
    const p = builder.build(f);
    if (p) out.push(p);
  }
  return out;
}
