import { isFinished, type JobRun, type JobView, maxRuns, type RunOutcome } from './job';

/**
 * A job's attempts with a new one started. An attempt still open is closed first as `lost`: a new attempt
 * while the last never ended means its worker died without a word and another took the job over.
 */
export function withRunStarted(
  runs: readonly JobRun[] | undefined,
  start: { attempt: number; startedAt: number; worker?: string },
): JobRun[] {
  const closed = withRunEnded(runs, { outcome: 'lost' });
  const run: JobRun = { attempt: start.attempt, startedAt: start.startedAt, outcome: 'running' };
  if (start.worker) run.worker = start.worker;
  return [...closed, run].slice(-maxRuns);
}

/** A job's attempts with the open one (the last, if it is `running`) ended; unchanged when none is open. */
export function withRunEnded(
  runs: readonly JobRun[] | undefined,
  end: { outcome: Exclude<RunOutcome, 'running'>; finishedAt?: number; error?: string },
): JobRun[] {
  const list = runs ? [...runs] : [];
  const last = list.at(-1);
  if (last?.outcome !== 'running') return list;
  const ended: JobRun = { ...last, outcome: end.outcome };
  if (end.finishedAt !== undefined) ended.finishedAt = end.finishedAt;
  if (end.error) ended.error = end.error;
  list[list.length - 1] = ended;
  return list;
}

/**
 * The attempts as a job's state tells them: an attempt left open on a job that is no longer running ended with
 * the job (its outcome and time) or, if the job waits again, lost its worker.
 */
export function settleRuns(
  runs: readonly JobRun[],
  job: Pick<JobView, 'status' | 'finishedAt' | 'error'>,
): JobRun[] {
  if (job.status === 'active' || runs.at(-1)?.outcome !== 'running') return [...runs];
  if (isFinished(job.status))
    return withRunEnded(runs, {
      outcome: job.status as 'completed' | 'failed' | 'cancelled',
      finishedAt: job.finishedAt,
      error: job.error,
    });
  return withRunEnded(runs, { outcome: 'lost' });
}

/**
 * When the job's current attempt began: its latest run's start or, when runs before it were the same attempt
 * going on (a parent that stepped aside for its children or a time, a job handed back or taken over), the first
 * of them. A parent's last wake alone made a pipeline run of minutes read `took 0s`.
 */
export function attemptStartedAt(job: Pick<JobView, 'runs' | 'startedAt'>): number | undefined {
  const runs = job.runs;
  if (!runs?.length) return job.startedAt;
  let i = runs.length - 1;
  while (i > 0 && runs[i - 1].attempt === runs[i].attempt && goesOn.has(runs[i - 1].outcome)) i--;
  return runs[i].startedAt;
}

const goesOn: ReadonlySet<RunOutcome> = new Set(['suspended', 'released', 'lost']);

/** How long the job's current attempt ran: to its end, or to `now` while it runs; undefined before it started. */
export function attemptDuration(
  job: Pick<JobView, 'runs' | 'startedAt' | 'finishedAt'>,
  now: number,
): number | undefined {
  const start = attemptStartedAt(job);
  return start === undefined ? undefined : Math.max(0, (job.finishedAt ?? now) - start);
}
