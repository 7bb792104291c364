import type { JobStatus, JobView } from './job';
import { attemptStartedAt } from './jobRuns';
import { isSkippedTick, type Schedule } from './schedule';
import { nextTicks } from './scheduleCron';
import { scheduleOfRequester } from './scheduleRequester';
import type { InvalidSchedule, SchedulesFile } from './scheduleSource';

/** How a run of a schedule stands: a job's status, with `skipped` and `missed` told apart from `completed`. */
export type ScheduleRunOutcome = JobStatus | 'skipped' | 'missed';

/** One run of a schedule, as the Scheduler tab and `infradeck schedules` show it. */
export interface ScheduleRun {
  jobId: string;
  /** The tick it ran for (epoch ms); for a "run now", when it was asked for. */
  tick: number;
  outcome: ScheduleRunOutcome;
  /** Asked for by a person (`schedule run`, `R`), not by a tick. */
  manual: boolean;
  startedAt?: number;
  finishedAt?: number;
  durationMs?: number;
}

export interface ScheduleRow {
  schedule: Schedule;
  /** The next ticks (epoch ms); none for a paused schedule. */
  next: number[];
  /** Newest first. */
  runs: ScheduleRun[];
  /** The newest run that has ended, else the one running; none while nothing has run yet. */
  last?: ScheduleRun;
}

/** The run a job view stands for, when a schedule made it. */
export function runOf(view: JobView): ScheduleRun | undefined {
  if (!view.schedule) return undefined;
  const outcome: ScheduleRunOutcome =
    view.status !== 'completed' || !isSkippedTick(view.result)
      ? view.status
      : view.result.skipped === 'missed'
        ? 'missed'
        : 'skipped';
  const run: ScheduleRun = {
    jobId: view.id,
    tick: view.schedule.tick,
    outcome,
    manual: scheduleOfRequester(view.requestedBy) !== view.schedule.name,
  };
  const started = attemptStartedAt(view);
  if (started !== undefined) run.startedAt = started;
  if (view.finishedAt !== undefined) run.finishedAt = view.finishedAt;
  if (started !== undefined && view.finishedAt !== undefined && outcome !== 'skipped' && outcome !== 'missed')
    run.durationMs = Math.max(0, view.finishedAt - started);
  return run;
}

const ended = new Set<ScheduleRunOutcome>(['completed', 'failed', 'cancelled', 'skipped', 'missed']);

/**
 * The schedules of a file with their next `nextCount` ticks after `now` and their runs among `jobs` (any
 * order; each schedule's newest first). Pure: the tab reads it from the store's jobs, the CLI from the queue.
 */
export function scheduleRows(
  file: SchedulesFile,
  jobs: readonly JobView[],
  now: number,
  nextCount = 3,
): { rows: ScheduleRow[]; invalid: InvalidSchedule[] } {
  const runsBySchedule = new Map<string, ScheduleRun[]>();
  for (const view of jobs) {
    const run = runOf(view);
    if (!run) continue;
    const list = runsBySchedule.get(view.schedule!.name) ?? [];
    list.push(run);
    runsBySchedule.set(view.schedule!.name, list);
  }
  const rows = file.schedules.map((schedule): ScheduleRow => {
    const runs = (runsBySchedule.get(schedule.name) ?? []).sort((a, b) => b.tick - a.tick);
    const next = schedule.enabled ? nextTicks(schedule.cron, schedule.timezone, now, nextCount) : [];
    // A tick's job waiting for its time (BullMQ keeps the next one ready) is not a run yet.
    const last = runs.find((r) => ended.has(r.outcome)) ?? runs.find((r) => r.outcome === 'active');
    return { schedule, next, runs, ...(last ? { last } : {}) };
  });
  return { rows, invalid: file.invalid };
}
