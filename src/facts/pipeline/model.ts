import type { FileModel } from '../../model/file-model.js';
import type { Confidence, Span } from '../../types.js';
import type { StepKind, StepRule } from './steps.js';

/** A place in a file. */
export interface Site {
  file: FileModel;
  span: Span;
}

/** Why an evaluation cannot fail what comes after it. */
export type NonGatingId = 'continueOnError' | 'allowFailure' | 'maskedStatus' | 'errexitOff' | 'unsafePipe' | 'skippable';

export interface NonGating {
  id: NonGatingId;
  /** The construct that makes it non-gating (where the fix goes). */
  at: Site;
  /** What it is, for messages: `continue-on-error: true`, `|| true`, `set +e`. */
  construct: string;
  /** A sentence on why, for errexitOff. */
  reason?: string;
}

/** A job or step that runs even when something before it failed. */
export interface RunsAnyway {
  id: 'runsAnyway' | 'workflowRunUnchecked';
  at: Site;
  /** `if: always()`, `when: always`, `after_script`. */
  construct: string;
  /** Who runs anyway: `job "deploy"`. */
  who: string;
}

/** One thing a pipeline does to a model, at a position. */
export interface Op {
  kind: StepKind;
  rule: StepRule;
  /** Where to report: the command words, the `uses:` value, the Python call. */
  at: Site;
  /** The command as written, shortened. */
  text: string;
  /** What it publishes or deploys, when known. */
  target?: string;
  /** A local path it publishes (for suggestions). */
  localPath?: string;
  /** lm-evaluation-harness tasks, when listed; `capabilityOnly` when none of them measures safety. */
  tasks?: { list: string[]; capabilityOnly: boolean };
  job: Job;
  /** Order within the job. */
  seq: number;
  /** Index of the top-level step of the job that runs it. */
  step: number;
  /** The command itself cannot fail what runs after it (`|| true`, `set +e`, ...). */
  shellNG?: NonGating;
  /** Its step cannot fail later steps (`continue-on-error: true` on the step). */
  stepNG?: NonGating;
  /** Its step runs even when an earlier step failed. */
  stepRunsAnyway?: RunsAnyway;
  /** The `if:` of its step, when the step may be skipped (GitHub Actions). */
  stepIf?: { text: string; at: Site };
  /** For messages: `job "train" step "Upload"`, with the script it is in. */
  where: string;
  confidence?: Confidence;
}

export interface Job {
  /** Unique in its pipeline (`release/publish` for a job of a called workflow). */
  id: string;
  /** For messages: `job "deploy"`. */
  label: string;
  pipeline: Pipeline;
  file: FileModel;
  /** Jobs that finish before it starts. */
  preds: Job[];
  /** It runs even when a job before it failed (`if: always()`, `when: always`). */
  runsAnyway?: RunsAnyway;
  /** Its failure does not stop the jobs after it (`continue-on-error`, `allow_failure`). */
  jobNG?: NonGating;
  /** It checks `github.event.workflow_run.conclusion == 'success'`. */
  checksUpstream?: boolean;
  ops: Op[];
}

export interface UpstreamLink {
  pipeline: Pipeline;
  /** The `workflow_run` trigger. */
  at: Site;
}

export interface Pipeline {
  /** Path of the file that defines it, plus a target for Makefiles. */
  id: string;
  /** For messages: `workflow "release"`, `scripts/release.sh`. */
  label: string;
  file: FileModel;
  jobs: Job[];
  /** Workflows in the repository whose completion triggers this one (`workflow_run`). */
  upstream: UpstreamLink[];
}

export function newJob(pipeline: Pipeline, id: string, label: string, file: FileModel): Job {
  const job: Job = { id, label, pipeline, file, preds: [], ops: [] };
  pipeline.jobs.push(job);
  return job;
}

const ancestorCache = new WeakMap<Job, Set<Job>>();

/** Every job that finishes before `job` starts (transitive). Call once the graph is built. */
export function ancestors(job: Job): Set<Job> {
  const hit = ancestorCache.get(job);
  if (hit) return hit;
  const out = new Set<Job>();
  ancestorCache.set(job, out);
  const stack = [...job.preds];
  while (stack.length) {
    const j = stack.pop() as Job;
    if (out.has(j)) continue;
    out.add(j);
    stack.push(...j.preds);
  }
  return out;
}

/** Pipelines whose completion triggers `p`, transitively. */
export function upstreamOf(p: Pipeline): Map<Pipeline, UpstreamLink> {
  const out = new Map<Pipeline, UpstreamLink>();
  const stack = [...p.upstream];
  while (stack.length) {
    const l = stack.pop() as UpstreamLink;
    if (out.has(l.pipeline) || l.pipeline === p) continue;
    out.set(l.pipeline, l);
    stack.push(...l.pipeline.upstream);
  }
  return out;
}
