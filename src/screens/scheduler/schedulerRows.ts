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
  /** Newest first. */
  runs: ScheduleRun[];
  last?: ScheduleRun;
}

/**
 * The tab's rows in file order: valid schedules with their runs among `jobs`, then one error row per invalid
 * schedule, and one for the file when it cannot be read at all. Next ticks are left to the columns (computed
 * for the rows on screen only).
 */
export function schedulerRows(file: SchedulesFile | undefined, jobs: readonly JobView[]): SchedulerRow[] {
  if (!file) return [];
  const { rows, invalid } = scheduleRows(file, jobs, 0, 0);
  const out: SchedulerRow[] = rows.map(({ schedule, runs, last }) => ({
    key: `s:${schedule.name}`,
    name: schedule.name,
    schedule,
    runs,
    ...(last ? { last } : {}),
  }));
  for (const bad of invalid)
    out.push({
      key: `i:${bad.index}`,
      name: bad.name ?? `schedules[${bad.index}]`,
      errors: bad.errors,
      ...(bad.cron !== undefined ? { cron: bad.cron } : {}),
      runs: [],
    });
  if (!file.readable && file.exists)
    out.push({ key: 'file', name: 'schedules.yaml', errors: file.errors, runs: [] });
  return out;
}
