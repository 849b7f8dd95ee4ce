import type { FileModel } from '../../model/file-model.js';
import { isMap, isScalar, isSeq, type YamlFile, type YNode } from '../../parse/yaml.js';
import { commands, type LocatedCommand } from '../commands.js';
import { changeDir, joinPath, MAX_DEPTH, type Expander, type Frame } from './expand.js';
import { newJob, type Job, type NonGating, type Pipeline, type RunsAnyway } from './model.js';
import type { ShellState } from './shell-status.js';
import { applySet, stateFromFlags } from './shell-status.js';
import { cutAtAny } from '../../util/text.js';

/** An `if:` that is only `success()` (trimmed), the condition every step has anyway. */
export const SUCCESS_ONLY = /^(\$\{\{\s*)?success\(\)\s*(\}\})?$/;
const DEPLOY_NAME = /deploy|rollout|production/i;
/** Actions that start a throwaway local Kubernetes cluster. */
const LOCAL_CLUSTER_ACTIONS =
  /^(helm\/kind-action|engineerd\/setup-kind|medyagh\/setup-minikube|manusa\/actions-setup-minikube|AbsaOSS\/k3d-action|nolar\/setup-k3d-k3s|container-tools\/kind-action|debianmaster\/actions-k3s)$/i;

/** `if:` expressions that run after a failure: `always()`, `!cancelled()`, `failure()`. */
export function runsAfterFailure(cond: string): boolean {
  const c = cond.replace(/^\s*\$\{\{|\}\}\s*$/g, '');
  // `!failure()` and `result != 'failure'` wait for the jobs before to succeed (or be skipped).
  if (/!\s*failure\s*\(\s*\)|\.(result|outcome|conclusion)\s*!=\s*'failure'/.test(c)) return false;
  if (!/always\s*\(\s*\)|!\s*cancelled\s*\(\s*\)|failure\s*\(\s*\)/.test(c)) return false;
  // `always() && needs.eval.result == 'success'` still waits for success.
  return !/\.(result|outcome|conclusion)\s*==\s*'success'|success\s*\(\s*\)\s*&&|&&\s*success\s*\(\s*\)/.test(c);
}

/** The job checks that the `workflow_run` that triggered it succeeded. */
export function checksWorkflowRun(cond: string): boolean {
  return /workflow_run\.conclusion\s*==\s*['"]success['"]|['"]success['"]\s*==\s*github\.event\.workflow_run\.conclusion/.test(cond);
}

/** Shell options of a `run:` step for its `shell:` (GitHub's defaults: `bash -e`, `bash` = `bash -eo pipefail`). */
export function ghaShellState(shell: string | undefined): ShellState {
  if (!shell) return { errexit: true, pipefail: false };
  if (shell === 'bash') return { errexit: true, pipefail: true };
  if (shell === 'sh') return { errexit: true, pipefail: false };
  return stateFromFlags(shell.replace(/\{0\}/, ''));
}

function matrixValues(y: YamlFile, job: YNode | null): Map<string, string[]> | undefined {
  const m = y.getIn(job, ['strategy', 'matrix']);
  if (!m || !isMap(m)) return undefined;
  const out = new Map<string, string[]>();
  const add = (k: string, v: string | undefined): void => {
    if (v === undefined) return;
    const list = out.get(k) ?? [];
    list.push(v);
    out.set(k, list);
  };
  for (const e of y.entries(m)) {
    if (e.key === 'include') {
      for (const inc of y.items(e.value)) for (const ie of y.entries(inc)) add(ie.key, y.str(ie.value));
    } else if (e.key !== 'exclude') {
      for (const item of y.items(e.value)) add(e.key, y.str(item));
    }
  }
  return out;
}

/** `continue-on-error: true`, or an expression that is true for some matrix entry. */
function continueOnError(y: YamlFile, file: FileModel, node: YNode | null, matrix: Map<string, string[]> | undefined): NonGating | undefined {
  const v = y.get(node, 'continue-on-error');
  if (!v || !isScalar(v)) return undefined;
  const s = y.str(v) ?? '';
  const at = { file, span: y.span(v) };
  if (y.isTrue(v)) return { id: 'continueOnError', at, construct: 'continue-on-error: true' };
  const m = /^\$\{\{\s*matrix\.([A-Za-z0-9_-]+)\s*\}\}$/.exec(s.trim());
  if (m && (matrix?.get(m[1] as string) ?? []).includes('true')) return { id: 'continueOnError', at, construct: `continue-on-error: ${s}` };
  return undefined;
}

function condition(y: YamlFile, file: FileModel, node: YNode | null, who: string): { runsAnyway?: RunsAnyway; checks: boolean } {
  const v = y.get(node, 'if');
  const s = y.str(v);
  if (!v || s === undefined) return { checks: false };
  const out: { runsAnyway?: RunsAnyway; checks: boolean } = { checks: checksWorkflowRun(s) };
  if (runsAfterFailure(s)) out.runsAnyway = { id: 'runsAnyway', at: { file, span: y.span(v) }, construct: `if: ${s.trim()}`, who };
  return out;
}

function triggers(y: YamlFile, root: YNode | null): { names: Set<string>; node: YNode | null } {
  const node = y.get(root, 'on') ?? y.get(root, 'true');
  const names = new Set<string>();
  if (!node) return { names, node };
  if (isScalar(node)) names.add(y.str(node) ?? '');
  else if (isSeq(node)) for (const i of y.items(node)) names.add(y.str(i) ?? '');
  else for (const e of y.entries(node)) names.add(e.key);
  return { names, node };
}

/** Literal `env:` values of a workflow, job or step, over the outer ones. */
function envVars(y: YamlFile, node: YNode | null, outer: Map<string, string> | undefined): Map<string, string> {
  const out = new Map(outer ?? []);
  for (const e of y.entries(y.get(node, 'env'))) {
    const v = y.str(e.value);
    if (v !== undefined && !v.includes('${{')) out.set(e.key, v);
  }
  return out;
}

function localWorkflowPath(uses: string): string | undefined {
  return uses.startsWith('./') ? joinPath('', cutAtAny(uses, '@')) : undefined;
}

class GhaBuilder {
  constructor(private readonly ex: Expander) {}

  /** Steps of a job (or of a composite action, `job` = `(composite)`), in order. */
  steps(
    file: FileModel,
    y: YamlFile,
    jobKey: string,
    stepsNode: YNode | null,
    base: Omit<Frame, 'step' | 'where'> & { jobLabel: string },
    stepIndex: number | undefined,
    defaultShell: string | undefined,
  ): void {
    const located = commands(file).filter((c) => c.origin === 'gha-run' && c.job === jobKey);
    y.items(stepsNode).forEach((step, i) => {
      const name = y.str(y.get(step, 'name')) ?? y.str(y.get(step, 'id'));
      const usesNode = y.get(step, 'uses');
      const uses = y.str(usesNode);
      const stepName = name ?? uses ?? String(i + 1);
      const label = (name ?? uses) ? `step "${stepName}"` : `step ${i + 1}`;
      const where = file.kind === 'gha-action' ? `${base.jobLabel} (${file.path} ${label})` : `${base.jobLabel} ${label}`;
      const cond = condition(y, file, step, `step "${stepName}"`);
      const ng = continueOnError(y, file, step, base.matrix);
      const wd = y.str(y.get(step, 'working-directory'));
      const stepEnv = envVars(y, step, base.vars);
      const frame: Frame = {
        ...base,
        step: stepIndex ?? i,
        where,
        cwd: wd ? joinPath(base.cwd, wd) : base.cwd,
        deployContext: base.deployContext || DEPLOY_NAME.test(stepName),
        vars: stepEnv,
      };
      if (ng) frame.stepNG = ng;
      else if (base.stepNG) frame.stepNG = base.stepNG;
      if (cond.runsAnyway) frame.stepRunsAnyway = cond.runsAnyway;
      const ifNode = y.get(step, 'if');
      const ifText = y.str(ifNode);
      if (ifNode && ifText !== undefined && !cond.runsAnyway && !SUCCESS_ONLY.test(ifText.trim())) {
        frame.stepIf = { text: ifText.trim(), at: { file, span: y.span(ifNode) } };
      } else if (base.stepIf) frame.stepIf = base.stepIf;
      if (uses && usesNode) this.usesStep(file, y, step, usesNode, uses, frame);
      if (y.get(step, 'run')) {
        const mine = located.filter((c) => c.step === i);
        const shell = y.str(y.get(step, 'shell')) ?? defaultShell;
        this.runCommands(file, mine, ghaShellState(shell), frame);
      }
    });
  }

  runCommands(file: FileModel, located: LocatedCommand[], initial: ShellState, frame: Frame): void {
    const groups = new Map<unknown, LocatedCommand[]>();
    for (const c of located) {
      const g = groups.get(c.script) ?? [];
      g.push(c);
      groups.set(c.script, g);
    }
    const main = located[0]?.script;
    const states = new Map<unknown, ShellState>();
    for (const key of groups.keys()) states.set(key, key === main ? { ...initial } : { errexit: false, pipefail: false });
    let f = frame;
    for (const c of located) {
      const cs = groups.get(c.script) as LocatedCommand[];
      const state = states.get(c.script) as ShellState;
      if (applySet(c, state)) continue;
      const moved = c.script === main ? changeDir(c, f) : undefined;
      if (moved) {
        f = moved;
        continue;
      }
      this.ex.command(file, cs, cs.indexOf(c), state, f);
    }
  }

  private usesStep(file: FileModel, y: YamlFile, step: YNode, usesNode: YNode, uses: string, frame: Frame): void {
    if (uses.startsWith('docker://')) return;
    if (uses.startsWith('./')) {
      if (frame.depth >= MAX_DEPTH) return;
      const dir = joinPath('', uses);
      const action = this.ex.project.file(`${dir}/action.yml`) ?? this.ex.project.file(`${dir}/action.yaml`);
      if (!action || frame.stack.includes(action.path)) return;
      const ay = action.yaml();
      const root = ay?.documents[0] ? ay.root(ay.documents[0]) : null;
      if (ay?.str(ay.getIn(root, ['runs', 'using'])) !== 'composite') return;
      this.ex.mark(action.path);
      this.steps(
        action,
        ay,
        '(composite)',
        ay.getIn(root, ['runs', 'steps']),
        { ...frame, jobLabel: frame.where, depth: frame.depth + 1, stack: [...frame.stack, action.path] },
        frame.step,
        undefined,
      );
      return;
    }
    if (LOCAL_CLUSTER_ACTIONS.test(cutAtAny(uses, '@'))) this.ex.localClusters.add(frame.job);
    const inputs = new Map<string, string>();
    for (const e of y.entries(y.get(step, 'with'))) {
      const v = y.str(e.value);
      if (v !== undefined) inputs.set(e.key, v);
    }
    const hit = this.ex.classifyAction(uses, inputs, frame);
    if (!hit) return;
    this.ex.addOp(frame, {
      kind: hit.rule.kind,
      rule: hit.rule,
      at: { file, span: y.span(usesNode) },
      text: `uses: ${uses}`,
      ...(hit.target ? { target: hit.target } : {}),
      ...(hit.confidence ? { confidence: hit.confidence } : {}),
      ...(frame.inheritedNG ? { shellNG: frame.inheritedNG } : {}),
    });
  }

  /** The jobs of a workflow, as jobs of `pipeline` (called workflows are inlined). */
  instantiate(file: FileModel, pipeline: Pipeline, prefix: string, depth: number, outerPreds: Job[], outerRunsAnyway: RunsAnyway | undefined, stack: string[]): Job[] {
    const y = file.yaml();
    const doc = y?.documents[0];
    if (!y || !doc) return [];
    const root = y.root(doc);
    const wfName = y.str(y.get(root, 'name')) ?? file.path;
    const wfShell = y.str(y.getIn(root, ['defaults', 'run', 'shell']));
    const wfDir = y.str(y.getIn(root, ['defaults', 'run', 'working-directory']));
    const entries = y.entries(y.get(root, 'jobs')).filter((e) => isMap(e.value));
    const byKey = new Map<string, Job>();
    const all: Job[] = [];
    const outer = prefix.replace(/\/$/, '');
    for (const e of entries) {
      const label = prefix ? `job "${e.key}" of ${file.path} (called by job "${outer}")` : `job "${e.key}"`;
      const job = newJob(pipeline, `${prefix}${e.key}`, label, file);
      const cond = condition(y, file, e.value, label);
      if (cond.runsAnyway) job.runsAnyway = cond.runsAnyway;
      if (cond.checks) job.checksUpstream = true;
      const ng = continueOnError(y, file, e.value, matrixValues(y, e.value));
      if (ng) job.jobNG = ng;
      byKey.set(e.key, job);
      all.push(job);
    }
    for (const e of entries) {
      const job = byKey.get(e.key) as Job;
      const needsNode = y.get(e.value, 'needs');
      const needs = needsNode ? (isSeq(needsNode) ? y.items(needsNode).map((n) => y.str(n)) : [y.str(needsNode)]) : [];
      const preds = needs.map((n) => (n ? byKey.get(n) : undefined)).filter((j): j is Job => !!j);
      job.preds = preds.length > 0 || needs.length > 0 ? preds : [...outerPreds];
      if (needs.length === 0 && outerRunsAnyway && !job.runsAnyway) job.runsAnyway = outerRunsAnyway;
    }
    for (const e of entries) {
      const job = byKey.get(e.key) as Job;
      const usesNode = y.get(e.value, 'uses');
      const uses = y.str(usesNode);
      const matrix = matrixValues(y, e.value);
      const jobName = y.str(y.get(e.value, 'name')) ?? e.key;
      const base: Omit<Frame, 'step' | 'where'> & { jobLabel: string } = {
        job,
        jobLabel: job.label,
        cwd: joinPath('', y.str(y.getIn(e.value, ['defaults', 'run', 'working-directory'])) ?? wfDir ?? ''),
        depth,
        stack,
        deployContext: DEPLOY_NAME.test(wfName) || DEPLOY_NAME.test(file.path.split('/').pop() ?? '') || DEPLOY_NAME.test(e.key) || DEPLOY_NAME.test(jobName),
        ...(matrix ? { matrix } : {}),
        vars: envVars(y, e.value, envVars(y, root, undefined)),
      };
      if (uses && usesNode) {
        const local = localWorkflowPath(uses);
        const called = local ? this.ex.project.file(local) : undefined;
        if (called && called.kind === 'gha-workflow' && depth < MAX_DEPTH && !stack.includes(called.path)) {
          this.ex.mark(called.path);
          const inner = this.instantiate(called, pipeline, `${prefix}${e.key}/`, depth + 1, job.preds, job.runsAnyway, [...stack, called.path]);
          // The calling job finishes when all of the called workflow's jobs have.
          job.preds = inner;
          all.push(...inner);
        } else if (!local) {
          const inputs = new Map<string, string>();
          for (const w of y.entries(y.get(e.value, 'with'))) {
            const v = y.str(w.value);
            if (v !== undefined) inputs.set(w.key, v);
          }
          const hit = this.ex.classifyAction(uses, inputs, { ...base, step: 0, where: job.label });
          if (hit) {
            this.ex.addOp(
              { ...base, step: 0, where: job.label },
              { kind: hit.rule.kind, rule: hit.rule, at: { file, span: y.span(usesNode) }, text: `uses: ${uses}`, ...(hit.target ? { target: hit.target } : {}) },
            );
          }
        }
        continue;
      }
      const shell = y.str(y.getIn(e.value, ['defaults', 'run', 'shell'])) ?? wfShell;
      this.steps(file, y, e.key, y.get(e.value, 'steps'), base, undefined, shell);
    }
    return all;
  }
}

/** Pipelines of every GitHub Actions workflow; workflows only called by others are inlined there. */
export function ghaPipelines(ex: Expander): Pipeline[] {
  const workflows = ex.project.withKind('gha-workflow').filter((f) => /(^|\/)\.github\/workflows\/[^/]+$/.test(f.path));
  const calledLocally = new Set<string>();
  const info = new Map<FileModel, { y: YamlFile; root: YNode | null; name: string; trig: ReturnType<typeof triggers> }>();
  for (const f of workflows) {
    const y = f.yaml();
    const doc = y?.documents[0];
    if (!y || !doc) continue;
    const root = y.root(doc);
    info.set(f, { y, root, name: y.str(y.get(root, 'name')) ?? f.path, trig: triggers(y, root) });
    for (const j of y.entries(y.get(root, 'jobs'))) {
      const local = localWorkflowPath(y.str(y.get(j.value, 'uses')) ?? '');
      if (local) calledLocally.add(local);
    }
  }
  const builder = new GhaBuilder(ex);
  const pipelines: Pipeline[] = [];
  const byFile = new Map<FileModel, Pipeline>();
  for (const [f, i] of info) {
    const onlyCalled = [...i.trig.names].every((n) => n === 'workflow_call') && i.trig.names.size > 0;
    if (onlyCalled && calledLocally.has(f.path)) continue;
    const p: Pipeline = { id: f.path, label: `workflow "${i.name}"`, file: f, jobs: [], upstream: [] };
    builder.instantiate(f, p, '', 0, [], undefined, [f.path]);
    pipelines.push(p);
    byFile.set(f, p);
  }
  // workflow_run chains between workflows of the repository.
  for (const [f, i] of info) {
    const p = byFile.get(f);
    if (!p || !i.trig.names.has('workflow_run') || !i.trig.node || !isMap(i.trig.node)) continue;
    const entry = i.y.entries(i.trig.node).find((e) => e.key === 'workflow_run');
    if (!entry) continue;
    const wfNode = i.y.get(entry.value, 'workflows');
    const names = isSeq(wfNode) ? i.y.items(wfNode).map((n) => i.y.str(n) ?? '') : [i.y.str(wfNode) ?? ''];
    const typesNode = i.y.get(entry.value, 'types');
    const types = isSeq(typesNode) ? i.y.items(typesNode).map((n) => i.y.str(n)) : typesNode ? [i.y.str(typesNode)] : [];
    const checked = p.jobs.some((j) => j.checksUpstream);
    const completedOnly = types.length > 0 && types.every((t) => t === 'completed');
    if (!checked && !completedOnly) continue;
    for (const [uf, ui] of info) {
      const up = byFile.get(uf);
      if (!up || up === p) continue;
      if (names.includes(ui.name) || names.includes(uf.path)) p.upstream.push({ pipeline: up, at: { file: f, span: i.y.span(entry.keyNode) } });
    }
  }
  return pipelines;
}
