import { describeJob, isFinished, type JobStatus, type JobView, jobStatuses } from '../../domain/job';
import type { JobSummaries, JobsById } from '../reducers/jobs';
import type { JobsState } from '../slices/jobs';

/**
 * What a job does, as every view of it says it: from its payload, or, before the queue is read (a job first seen
 * through an event), as its `job.queued` said it; the kind alone when neither is known.
 */
export function jobWhat(job: JobView, summaries?: JobSummaries): string {
  if (job.payload !== undefined) return describeJob(job.kind, job.payload);
  return summaries?.get(job.id) ?? job.kind;
}

export function jobsNewestFirst(jobs: JobsById): JobView[] {
  return [...jobs.values()].sort((a, b) => b.createdAt - a.createdAt);
}

/** How the jobs that ended on one worker ended. */
export interface WorkerTally {
  done: number;
  failed: number;
  cancelled: number;
}

/**
 * Every count of jobs the console shows, counted one way: a job counts once, by its status now. A job that
 * failed an attempt and then succeeded is done, not failed; a cancelled job is cancelled, not failed.
 */
export interface JobTally {
  /**
   * Jobs by status: the queue's counts when the queue holds more jobs than the console lists (events keep the
   * console's own list current between refreshes), else the console's own.
   */
  counts: Record<JobStatus, number>;
  /** Failed jobs the console lists, newest first (`counts.failed` says how many the queue has). */
  failures: JobView[];
  /** Per worker id (`host:pid`): the listed jobs that ended on it. */
  byWorker: ReadonlyMap<string, WorkerTally>;
}

const tallies = new WeakMap<JobsById, { counts: JobsState['counts']; tally: JobTally }>();

/** The Dashboard's job counts, failures and per-worker tallies; the same object while the jobs do not change. */
export function jobTally(jobs: Pick<JobsState, 'byId' | 'counts'>): JobTally {
  const cached = tallies.get(jobs.byId);
  if (cached && cached.counts === jobs.counts) return cached.tally;
  const listed = jobsNewestFirst(jobs.byId);
  const seen = Object.fromEntries(jobStatuses.map((s) => [s, 0])) as Record<JobStatus, number>;
  const byWorker = new Map<string, WorkerTally>();
  for (const j of listed) {
    seen[j.status] += 1;
    if (!j.worker || !isFinished(j.status)) continue;
    const tally = byWorker.get(j.worker) ?? { done: 0, failed: 0, cancelled: 0 };
    if (j.status === 'completed') tally.done += 1;
    else if (j.status === 'failed') tally.failed += 1;
    else tally.cancelled += 1;
    byWorker.set(j.worker, tally);
  }
  const queue = jobs.counts;
  const queueTotal = queue ? jobStatuses.reduce((n, s) => n + queue[s], 0) : 0;
  const tally: JobTally = {
    counts: queue && queueTotal > listed.length ? queue : seen,
    failures: listed.filter((j) => j.status === 'failed'),
    byWorker,
  };
  tallies.set(jobs.byId, { counts: jobs.counts, tally });
  return tally;
}
