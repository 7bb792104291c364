import {
  type BatchCounts,
  type BatchProgress,
  type BatchStatus,
  batchCounts,
  batchProgress,
  batchStatusOf,
} from './batchOutcome';
import type { BatchPlan } from './batchPlan';
import { splitIntoWaves } from './batchWaves';
import type { JobView } from './job';
import type { BatchPayload, BatchResult, BatchRunTarget } from './jobKinds/batch';

/** A batch run as every reader shows it (the Batch tab, `batch status`, the batch handler itself). */
export interface BatchRunView {
  job: JobView;
  payload: BatchPayload;
  status: BatchStatus;
  targets: BatchRunTarget[];
  counts: BatchCounts;
  progress: BatchProgress;
}

/** A child job's status as its target's. */
function targetStatus(child: JobView): BatchRunTarget['status'] {
  if (child.status === 'completed') return 'ok';
  if (child.status === 'failed') return 'failed';
  if (child.status === 'cancelled') return 'cancelled';
  return 'running';
}

/**
 * How long a target's program ran, once its job ended: the program's own time when the target says it (a failed one
 * too), else the job's. `null` when nobody timed it: its worker died while it ran, and the delivery that found the
 * start mark knows only an upper bound (BullMQ's stall detection and a free worker come after the death, so the
 * bound says more about them than about the program). `undefined` while it has no end.
 */
export function targetDurationMs(
  child: Pick<JobView, 'result' | 'startedAt' | 'finishedAt'>,
): number | null | undefined {
  const result = child.result as { durationMs?: unknown } | undefined;
  if (typeof result?.durationMs === 'number') return result.durationMs;
  if (result?.durationMs === null) return null;
  return child.startedAt !== undefined && child.finishedAt !== undefined
    ? Math.max(0, child.finishedAt - child.startedAt)
    : undefined;
}

/**
 * Each target of a run in wave order, with how it stands: from the parent's result once it ended (skipped targets
 * are only there), else from its children (`childKey` is the target's key). A target with no child yet is
 * `pending`.
 */
export function batchRunTargets(
  payload: Pick<BatchPayload, 'targets' | 'serial'>,
  children: readonly JobView[],
  result?: BatchResult,
): BatchRunTarget[] {
  if (result && Array.isArray(result.targets)) return result.targets;
  const byKey = new Map(children.filter((c) => c.childKey !== undefined).map((c) => [c.childKey, c]));
  return splitIntoWaves(payload.targets, payload.serial).flatMap((wave, i) =>
    wave.map((t): BatchRunTarget => {
      const child = byKey.get(t.key);
      if (!child) return { key: t.key, name: t.name, wave: i + 1, status: 'pending' };
      const result = child.result as { exitCode?: unknown } | undefined;
      const status = targetStatus(child);
      const durationMs = targetDurationMs(child) ?? undefined;
      return {
        key: t.key,
        name: t.name,
        wave: i + 1,
        status,
        jobId: child.id,
        ...(typeof result?.exitCode === 'number' ? { exitCode: result.exitCode } : {}),
        ...(status !== 'running' && durationMs !== undefined ? { durationMs } : {}),
      };
    }),
  );
}

/** The run of a `batch` job with its children (any order), or undefined when the job is not a readable batch. */
export function batchRunView(job: JobView, children: readonly JobView[]): BatchRunView | undefined {
  const payload = job.payload as BatchPayload | undefined;
  if (job.kind !== 'batch' || !payload || !Array.isArray(payload.targets)) return undefined;
  const result =
    job.status === 'completed' || job.status === 'failed'
      ? (job.result as BatchResult | undefined)
      : undefined;
  const read = batchRunTargets({ targets: payload.targets, serial: payload.serial ?? [] }, children, result);
  // A cancelled run stops where it is: what had not ended (never started, or cancelled with it) is cancelled.
  const targets =
    job.status === 'cancelled'
      ? read.map((t) =>
          t.status === 'pending' || t.status === 'running' ? { ...t, status: 'cancelled' as const } : t,
        )
      : read;
  const maxFail = payload.maxFailPercentage ?? 0;
  const status: BatchStatus =
    job.status === 'cancelled'
      ? 'cancelled'
      : (result?.status ??
        (job.status === 'failed'
          ? 'failed'
          : batchStatusOf(targets, maxFail, {
              paused: job.status === 'paused' || job.status === 'delayed',
            })));
  return { job, payload, status, targets, counts: batchCounts(targets), progress: batchProgress(targets) };
}

/** The job's payload: the plan as resolved now (the workers run on exactly these targets). */
export function batchPayload(plan: BatchPlan, retryOf?: string): BatchPayload {
  const { batch } = plan;
  return {
    name: batch.name,
    targets: plan.targets.map((t) => ({
      key: t.key,
      name: t.name,
      host: t.host,
      ...(t.port !== undefined ? { port: t.port } : {}),
      ...(t.user ? { user: t.user } : {}),
      ...(t.identityFile ? { identityFile: t.identityFile } : {}),
      source: t.source,
      ...(t.instance ? { instance: t.instance } : {}),
    })),
    action: batch.action,
    serial: batch.serial,
    maxFailPercentage: batch.maxFailPercentage,
    ...(batch.pause ? { pause: batch.pause } : {}),
    timeoutMs: batch.timeoutMs,
    ...(retryOf ? { retryOf } : {}),
  };
}
