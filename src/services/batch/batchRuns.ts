import { retryTargets } from '../../domain/batchOutcome';
import { type BatchRunView, batchRunTargets, batchRunView } from '../../domain/batchRun';
import type { JobView } from '../../domain/job';
import type { BatchPayload, BatchRunTarget } from '../../domain/jobKinds/batch';
import { formatDuration } from '../../domain/jobText';
import { stripControl } from '../../domain/text';
import type { JobQueue } from '../bus/contracts';
import { childJobId } from '../bus/jobIds';

/** Child jobs read at once when a run is loaded from outside its handler. */
const readsAtOnce = 32;

/**
 * A batch run as any process reads it: the job, and its children found by their ids (a child's id comes from the
 * run's and the target's key, so no listing is needed: a run of 5,000 targets reads its 5,000 children). Undefined
 * when there is no such job; `notBatch` when the job is of another kind.
 */
export async function loadBatchRun(
  queue: Pick<JobQueue, 'get'>,
  id: string,
): Promise<{ run: BatchRunView; children: JobView[] } | { notBatch: JobView } | undefined> {
  const job = await queue.get(id);
  if (!job) return undefined;
  const payload = job.payload as Partial<BatchPayload> | undefined;
  if (job.kind !== 'batch' || !Array.isArray(payload?.targets)) return { notBatch: job };
  const ids = payload.targets.map((t) => childJobId(id, t.key));
  const children: JobView[] = [];
  for (let i = 0; i < ids.length; i += readsAtOnce) {
    const found = await Promise.all(ids.slice(i, i + readsAtOnce).map((c) => queue.get(c)));
    for (const child of found) if (child) children.push(child);
  }
  const run = batchRunView(job, children);
  return run ? { run, children } : { notBatch: job };
}

/** The target a child job of a run is, as the run reads it now (undefined: not one of the run's children). */
export function childTarget(payload: BatchPayload, child: JobView): BatchRunTarget | undefined {
  if (child.childKey === undefined) return undefined;
  return batchRunTargets(payload, [child]).find((t) => t.key === child.childKey);
}

/**
 * The last line a target printed, else why its job failed (empty when there is neither); a timeout, and a target
 * not run twice (its worker died or stopped while it ran), say so. While it runs: the latest line its job reported
 * (its progress message).
 */
export function targetLastLine(child: JobView | undefined): string {
  if (child?.status === 'active') return stripControl(child.message ?? '');
  const result = child?.result as
    | { lastLine?: unknown; timedOut?: unknown; notRunTwice?: unknown }
    | undefined;
  // Why it was ended says more than what it printed last (a timeout's error quotes that too).
  if ((result?.timedOut === true || result?.notRunTwice === true) && child?.error)
    return stripControl(child.error);
  const lastLine = result?.lastLine;
  if (typeof lastLine === 'string' && lastLine.trim()) return stripControl(lastLine);
  return child?.status === 'failed' || child?.status === 'cancelled' ? stripControl(child.error ?? '') : '';
}

/**
 * What a cancel does to a running target, for the question and the CLI: an `ssh` target's ssh is ended, but sshd
 * does not signal a remote command that has no terminal, so it runs on to its end on the host.
 */
export function cancelEffect(action: BatchPayload['action']): string {
  return action.type === 'ssh'
    ? 'ssh is stopped (SIGTERM, then SIGKILL); the remote command is not signalled and runs to its end on the host'
    : 'the program is stopped: SIGTERM, then SIGKILL';
}

/** `web-1 ok exit 0 1.2s` (`850ms`, `9m27s`), `web-2 failed exit 3: disk full`, `web-3 skipped`: one target's end, for logs and the CLI. */
export function targetLine(t: BatchRunTarget, child: JobView | undefined): string {
  const exit = t.exitCode !== undefined ? ` exit ${t.exitCode}` : '';
  if (t.status === 'ok') {
    return `${t.name} ok${exit}${t.durationMs !== undefined ? ` ${formatDuration(t.durationMs)}` : ''}`;
  }
  if (t.status === 'skipped' || t.status === 'pending') return `${t.name} ${t.status}`;
  const why = targetLastLine(child);
  return `${t.name} ${t.status}${exit}${why ? `: ${why}` : ''}`;
}

/**
 * A retry of a run that ended: its failed and cancelled targets, in their order, with the same action, serial and
 * threshold (cut into waves again when it runs). Undefined when none failed or was cancelled.
 */
export function retryPayload(run: BatchRunView): BatchPayload | undefined {
  const again = new Set(retryTargets(run.targets).map((t) => t.key));
  if (again.size === 0) return undefined;
  return {
    ...run.payload,
    targets: run.payload.targets.filter((t) => again.has(t.key)),
    retryOf: run.job.id,
  };
}
