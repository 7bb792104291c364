import type { JobView } from '../../domain/job';
import type { Schedule } from '../../domain/schedule';
import { type ScheduleRun, scheduleRows } from '../../domain/scheduleRows';
import type { SchedulesFile } from '../../domain/scheduleSource';
import type { SourceError } from '../../domain/sourceError';

/** A line of the Scheduler tab: a valid schedule with its runs, or a schedule (or the file) that cannot run. */
export interface SchedulerRow {
  key: string;
  name: string;
  schedule?: Schedule;
  /** Why it cannot run, located; set for error rows only. */
  errors?: SourceError[];
  /** An error row's `cron:` as written (it may be what is wrong), when the entry has one. */
  cron?: string;
  /** Newest first: the runs that started (or ended without starting); a tick's job still waiting is not one. */
  runs: ScheduleRun[];
  last?: ScheduleRun;
  /** The newest tick whose job waits to be taken (BullMQ keeps the next one ready; past its time it is late). */
  waiting?: ScheduleRun;
}

/** A tick's job that no worker has taken yet: not a run, and, once its time has passed, late. */
const notTaken = new Set<ScheduleRun['outcome']>(['queued', 'delayed', 'waiting', 'approval_pending']);

/**
 * The tab's rows in file order: valid schedules with their runs among `jobs`, then one error row per invalid
 * schedule; first, one for the file when it cannot be read at all. Next ticks are left to the columns (computed
 * for the rows on screen only).
 */
export function schedulerRows(file: SchedulesFile | undefined, jobs: readonly JobView[]): SchedulerRow[] {
  if (!file) return [];
  const { rows, invalid } = scheduleRows(file, jobs, 0, 0);
  const out: SchedulerRow[] = rows.map(({ schedule, runs, last }) => {
    // BullMQ keeps one tick's job ready per schedule: the newest. An older one still waiting in the store is a
    // view of a job a rewritten schedule dropped (no event says it went).
    const waiting = runs.find((r) => notTaken.has(r.outcome) && !r.manual);
    return {
      key: `s:${schedule.name}`,
      name: schedule.name,
      schedule,
      runs: runs.filter((r) => !notTaken.has(r.outcome)),
      ...(last ? { last } : {}),
      ...(waiting ? { waiting } : {}),
    };
  });
  // In file order: each invalid entry where it stands in the list, between the valid ones around it.
  for (const bad of [...invalid].sort((a, b) => a.index - b.index))
    out.splice(Math.min(bad.index, out.length), 0, {
      key: `i:${bad.index}`,
      name: bad.name ?? `schedules[${bad.index}]`,
      errors: bad.errors,
      ...(bad.cron !== undefined ? { cron: bad.cron } : {}),
      runs: [],
    });
  // First: while the file cannot be read, the rows below are the schedules as last read (still what runs).
  if (!file.readable && file.exists)
    out.unshift({ key: 'file', name: 'schedules.yaml', errors: file.errors, runs: [] });
  return out;
}
