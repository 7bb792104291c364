import type { JobStatus, JobView } from './job';
import type { PipelinePayload, PipelineResult, PipelineRunStep } from './jobKinds/pipeline';
import { dagProgress, type StepStatus } from './pipelineDag';

/**
 * How a run stands: `running` until it ends (also while it waits for an approval); a run whose approval was refused
 * (or expired undecided) never runs and is `cancelled`.
 */
export type PipelineRunStatus = 'running' | 'passed' | 'failed' | 'cancelled';

/** A pipeline run as every reader shows it (`pipeline status`, the pipeline handler itself). */
export interface PipelineRunView {
  job: JobView;
  payload: PipelinePayload;
  status: PipelineRunStatus;
  steps: PipelineRunStep[];
}

/**
 * A step with a job is `running` for the run's own bookkeeping, whether a worker runs it yet or not: the run must not
 * queue it twice. `reportedRun` tells the two apart for people.
 */
function childStatus(child: JobView): StepStatus {
  if (child.status === 'completed') return 'passed';
  if (child.status === 'failed') return 'failed';
  if (child.status === 'cancelled') return 'cancelled';
  return 'running';
}

/** Starts of a step's program: what its result says, else the attempts its job ran (handed back ones not counted). */
function attemptsOf(child: JobView): number {
  const result = child.result as { starts?: unknown } | undefined;
  if (typeof result?.starts === 'number') return result.starts;
  if (Array.isArray(child.runs)) {
    return child.runs.filter((r) => r.outcome !== 'released' && r.outcome !== 'suspended').length;
  }
  return child.attempts;
}

/**
 * Each step of a run in file order, from its children (`childKey` is the step's name) and the steps the run keeps
 * from an earlier one: kept steps are `passed`, a step with no child yet is `pending`, or `skipped` once a step it
 * needs did not pass.
 */
export function pipelineRunSteps(
  payload: Pick<PipelinePayload, 'steps' | 'kept'>,
  children: readonly JobView[],
): PipelineRunStep[] {
  const byKey = new Map(children.filter((c) => c.childKey !== undefined).map((c) => [c.childKey, c]));
  const kept = new Map((payload.kept ?? []).map((k) => [k.name, k]));
  const steps = payload.steps.map((s): PipelineRunStep => {
    const keptStep = kept.get(s.name);
    if (keptStep) {
      return {
        name: s.name,
        status: 'passed',
        attempts: keptStep.attempts,
        ...(keptStep.durationMs !== undefined ? { durationMs: keptStep.durationMs } : {}),
        ...(keptStep.jobId ? { jobId: keptStep.jobId } : {}),
        kept: true,
      };
    }
    const child = byKey.get(s.name);
    if (!child) return { name: s.name, status: 'pending', attempts: 0 };
    const status = childStatus(child);
    const result = child.result as { exitCode?: unknown; durationMs?: unknown } | undefined;
    // A result's null duration is unknown (its worker died while it ran): not the failing delivery's own moment.
    const durationMs =
      result?.durationMs === null
        ? undefined
        : typeof result?.durationMs === 'number' && status !== 'running'
          ? result.durationMs
          : child.startedAt !== undefined && child.finishedAt !== undefined
            ? Math.max(0, child.finishedAt - child.startedAt)
            : undefined;
    return {
      name: s.name,
      status,
      attempts: attemptsOf(child),
      ...(status !== 'running' && durationMs !== undefined ? { durationMs } : {}),
      ...(typeof result?.exitCode === 'number' && status !== 'running' ? { exitCode: result.exitCode } : {}),
      jobId: child.id,
    };
  });
  const { skip } = dagProgress(payload.steps, new Map(steps.map((s) => [s.name, s.status])));
  const skipped = new Set(skip);
  return steps.map((s) => (skipped.has(s.name) ? { ...s, status: 'skipped' } : s));
}

/**
 * A cancelled run stops where it is: what had not ended is cancelled, and so is a step skipped only because a step it
 * needs was cancelled with the run. One skipped because a step it needs failed (before the cancel) stays skipped.
 */
function stoppedSteps(payload: PipelinePayload, read: readonly PipelineRunStep[]): PipelineRunStep[] {
  const status = new Map(read.map((s) => [s.name, s.status]));
  const needs = new Map(payload.steps.map((s) => [s.name, s.needs]));
  const failedBefore = new Map<string, boolean>();
  const skippedForFailure = (name: string): boolean => {
    const known = failedBefore.get(name);
    if (known !== undefined) return known;
    failedBefore.set(name, false);
    const found = (needs.get(name) ?? []).some(
      (n) => status.get(n) === 'failed' || (status.get(n) === 'skipped' && skippedForFailure(n)),
    );
    failedBefore.set(name, found);
    return found;
  };
  return read.map((s) =>
    s.status === 'pending' || s.status === 'running' || (s.status === 'skipped' && !skippedForFailure(s.name))
      ? { ...s, status: 'cancelled' as const }
      : s,
  );
}

/** The run of a `pipeline` job with its children (any order), or undefined when the job is not a readable run. */
export function pipelineRunView(job: JobView, children: readonly JobView[]): PipelineRunView | undefined {
  const payload = job.payload as PipelinePayload | undefined;
  if (job.kind !== 'pipeline' || !payload || !Array.isArray(payload.steps)) return undefined;
  const ended = job.status === 'completed' || job.status === 'failed';
  const result = ended ? (job.result as PipelineResult | undefined) : undefined;
  const read =
    result && Array.isArray(result.steps)
      ? result.steps
      : pipelineRunSteps({ steps: payload.steps, kept: payload.kept ?? [] }, children);
  // A run whose approval was refused stops before its first step.
  const stopped = job.status === 'cancelled' || job.status === 'rejected';
  const steps = stopped ? stoppedSteps(payload, read) : read;
  const status: PipelineRunStatus = stopped
    ? 'cancelled'
    : job.status === 'completed'
      ? 'passed'
      : job.status === 'failed'
        ? result?.status === 'cancelled'
          ? 'cancelled'
          : 'failed'
        : 'running';
  return { job, payload, status, steps };
}

/** A step's job that no worker holds: queued for one, or waiting out the backoff before its next attempt. */
const notTaken: ReadonlySet<JobStatus> = new Set(['queued', 'delayed', 'waiting', 'paused']);

/**
 * The run as `pipeline status` and `pipeline run --wait` tell it: a step is `running` only while a worker runs its
 * job. One whose job waits for a worker has not started and is `pending`, as is one with no job yet (the Pipelines
 * tab says `queued` for it).
 */
export function reportedRun(run: PipelineRunView, children: readonly JobView[]): PipelineRunView {
  const byKey = new Map(children.map((c) => [c.childKey, c]));
  const steps = run.steps.map((s) => {
    const child = byKey.get(s.name);
    return s.status === 'running' && child && notTaken.has(child.status)
      ? { ...s, status: 'pending' as const }
      : s;
  });
  return { ...run, steps };
}

/** The steps a retry runs again: every step that did not pass. Undefined when all passed. */
export function retrySteps(run: PipelineRunView): { rerun: string[]; kept: PipelineRunStep[] } | undefined {
  const kept = run.steps.filter((s) => s.status === 'passed');
  const rerun = run.steps.filter((s) => s.status !== 'passed').map((s) => s.name);
  return rerun.length === 0 ? undefined : { rerun, kept };
}
