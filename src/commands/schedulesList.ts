import { describeJob, type JobView } from '../domain/job';
import { describeCron, formatTicks, hasSeconds } from '../domain/scheduleReading';
import { type ScheduleRow, type ScheduleRun, scheduleRows } from '../domain/scheduleRows';
import type { SchedulesFile } from '../domain/scheduleSource';
import { formatSourceError } from '../domain/sourceError';
import { formatAgo, stripControl } from '../domain/text';
import { type BusCommandIO, exitCodes, openCommandBus, wantsJson } from '../services/bus/busFromEnv';
import { loadSchedules } from '../services/scheduler/schedulesFile';
import { parseCommand, usageError } from './declaration';
import { type GiveWay, printTable, terminalWidth } from './printTable';
import { schedulesDeclaration } from './schedules';
import { sourceErrorsJson } from './sourceErrorsJson';

/** `infradeck schedules [--json]`. */
export async function schedulesCommand(argv: string[], io: BusCommandIO): Promise<number> {
  let json: boolean;
  try {
    json = wantsJson(io, parseCommand(schedulesDeclaration, argv).values.json);
  } catch (error) {
    return usageError(schedulesDeclaration, io, error);
  }
  const dataDir = io.workspace?.dataDir ?? '.';
  const file = await loadSchedules(dataDir, io.env);
  const runs = await runsOfSchedules(io);
  const now = Date.now();
  const { rows, invalid } = scheduleRows(file, 'jobs' in runs ? runs.jobs : [], now);
  if (json) {
    io.stdout.write(`${JSON.stringify(schedulesJson(file, rows, invalid, runs), null, 2)}\n`);
    // The problems of the file on stderr too, as without --json: stderr is for the person.
    for (const error of file.errors) io.stderr.write(`${formatSourceError(error)}\n`);
  } else {
    printSchedules(io, file, rows, now);
    if ('error' in runs) io.stderr.write(`infradeck schedules: runs unknown: ${runs.error}\n`);
  }
  if (file.errors.length > 0) return exitCodes.usage;
  return 'error' in runs ? exitCodes.unavailable : exitCodes.ok;
}

/** The jobs that may be runs of a schedule: those the queue (or the workspace's history) still has. */
async function runsOfSchedules(io: BusCommandIO): Promise<{ jobs: JobView[] } | { error: string }> {
  const opened = await openCommandBus(io);
  if ('error' in opened) return { error: opened.error };
  try {
    return { jobs: (await opened.bus.queue.list({ limit: 1000 })).filter((j) => j.schedule) };
  } catch (error) {
    return { error: (error as Error).message };
  } finally {
    await opened.bus.close();
  }
}

function printSchedules(io: BusCommandIO, file: SchedulesFile, rows: ScheduleRow[], now: number): void {
  if (!file.exists) {
    io.stdout.write(`No schedules: ${file.file} does not exist.\n`);
    return;
  }
  if (rows.length > 0) {
    printTable(
      io.stdout,
      ['NAME', 'CRON', 'WHEN', 'ZONE', 'NEXT', 'LAST', 'JOB'],
      rows.map(({ schedule: s, next, last }) => [
        s.name,
        s.cron,
        describeCron(s.cron),
        s.timezone,
        s.enabled ? formatTicks(next, s.timezone, hasSeconds(s.cron)) || 'never' : 'paused',
        last ? lastText(last, now) : '-',
        stripControl(describeJob(s.job.kind, s.job.payload)),
      ]),
      { width: terminalWidth(io), giveWay: schedulesGiveWay(rows) },
    );
  } else if (file.errors.length === 0) {
    io.stdout.write(`No schedules in ${file.file}.\n`);
  }
  for (const error of file.errors) io.stderr.write(`${formatSourceError(error)}\n`);
}

/**
 * How the list fits a terminal: what the job does and the cron in words are cut first, the next ticks down to the
 * first one, then both go, and the last run keeps its outcome word; the name, the cron, the zone and a paused
 * schedule's `paused` are never cut.
 */
function schedulesGiveWay(rows: ScheduleRow[]): GiveWay[] {
  // `2025-06-01 10:15…`: the first tick whole (with seconds for a 6-field cron).
  const firstTick = rows.some(({ schedule: s }) => hasSeconds(s.cron)) ? 20 : 17;
  return [
    { column: 'JOB', min: 24 },
    { column: 'WHEN', min: 16 },
    { column: 'NEXT', min: firstTick },
    { column: 'JOB', min: 12 },
    { column: 'WHEN', hide: true },
    { column: 'JOB', hide: true },
    { column: 'LAST', min: 10 },
  ];
}

/** `completed 4 min ago`, `skipped 1 min ago`, `running`. */
export function lastText(run: ScheduleRun, now: number): string {
  const at = run.finishedAt ?? run.startedAt;
  const when = at !== undefined ? ` ${formatAgo(now - at)}` : '';
  return `${run.outcome}${when}${run.manual ? ' (run now)' : ''}`;
}

function schedulesJson(
  file: SchedulesFile,
  rows: ScheduleRow[],
  invalid: SchedulesFile['invalid'],
  runs: { jobs: JobView[] } | { error: string },
) {
  return {
    file: file.file,
    exists: file.exists,
    schedules: rows.map(({ schedule: s, next, runs: list, last }) => ({
      name: s.name,
      cron: s.cron,
      description: describeCron(s.cron),
      timezone: s.timezone,
      enabled: s.enabled,
      overlap: s.overlap,
      catchUp: s.catchUp,
      job: { kind: s.job.kind, payload: s.job.payload, summary: describeJob(s.job.kind, s.job.payload) },
      next: next.map((t) => new Date(t).toISOString()),
      last: last ?? null,
      runs: list.slice(0, 20),
    })),
    invalid: invalid.map((i) => ({
      index: i.index,
      ...(i.name ? { name: i.name } : {}),
      errors: sourceErrorsJson(i.errors),
    })),
    errors: sourceErrorsJson(file.errors),
    ...('error' in runs ? { runsUnknown: runs.error } : {}),
  };
}
