import { sparkline } from '../../components/Sparkline';
import { type Column, Priority } from '../../components/tableModel';
import { describeJob } from '../../domain/job';
import type { Schedule } from '../../domain/schedule';
import { nextTick } from '../../domain/scheduleCron';
import type { NextTicks } from '../../domain/scheduleNext';
import { describeCron, formatTicks, hasSeconds } from '../../domain/scheduleReading';
import type { ScheduleRun, ScheduleRunOutcome } from '../../domain/scheduleRows';
import { formatAge, stripControl } from '../../domain/text';
import type { SchedulerRow } from './schedulerRows';

export const sparkWidth = 10;

/** LAST's width: its longest value (`cancelled 59m`), so a run that ends does not push a column out. */
const lastWidth = 13;

const outcomeColor: Partial<Record<ScheduleRunOutcome, string>> = {
  completed: 'green',
  failed: 'red',
  cancelled: 'yellow',
  active: 'cyan',
  skipped: 'gray',
  missed: 'gray',
};

/**
 * A tick's job not taken this long after its time is late: a worker takes a tick within Redis's timer (100 ms),
 * and the store hears of it a moment later; the clock redraws NEXT every second.
 */
export const lateAfterMs = 2_000;

/** Whether `tick` is one of the schedule's ticks as its cron reads now. */
function isTickOf(s: Schedule, tick: number): boolean {
  return nextTick(s.cron, s.timezone, tick - 1) === tick;
}

/**
 * How late the schedule's untaken tick is (ms), when it is. A tick its cron no longer makes is a job the schedule's
 * rewrite dropped, whose view the store may keep: not late, gone.
 */
export function lateBy(row: SchedulerRow, now: number): number | undefined {
  const { waiting, schedule } = row;
  if (!waiting || !schedule?.enabled || now - waiting.tick < lateAfterMs) return undefined;
  return isTickOf(schedule, waiting.tick) ? now - waiting.tick : undefined;
}

/**
 * WHEN of a row with errors: what is wrong, in a word or two (`invalid cron`, `invalid timezone`); the line under
 * the table, Enter and the message line give the whole error with its place.
 */
export function invalidReading(row: SchedulerRow): string {
  if (row.key === 'file') return 'file cannot be read';
  const fields = [
    ...new Set(
      (row.errors ?? []).map((e) => e.path.replace(/^schedules\[\d+\]\.?/, '').replace(/\[\d+\].*$/, '')),
    ),
  ].filter(Boolean);
  return fields.length ? `invalid ${fields.join(', ')}` : 'invalid';
}

/** `enabled`, `paused`, or `invalid` (an error row). */
function stateOf(row: SchedulerRow): string {
  if (!row.schedule) return 'invalid';
  return row.schedule.enabled ? 'enabled' : 'paused';
}

/** A run's cell in the sparkline: its duration as a bar; a run that did no work (skipped, missed) a dot. */
function didWork(run: ScheduleRun): boolean {
  return run.outcome !== 'skipped' && run.outcome !== 'missed';
}

/** The newest runs that fit, oldest first (the newest on the right). */
function recentRuns(row: SchedulerRow, width: number): ScheduleRun[] {
  return row.runs.slice(0, width).reverse();
}

/**
 * The durations of recent runs, drawn with the Dashboard's sparkline; a run that did no work is `·`. Without
 * colour a failed run is `✖` (its outcome cannot be read from a bar's colour then).
 */
export function runSparkline(row: SchedulerRow, width: number, noColor: boolean): string {
  const runs = recentRuns(row, width);
  const bars = [
    ...sparkline(
      runs.map((r) => (didWork(r) ? (r.durationMs ?? 0) : 0)),
      width,
    ),
  ];
  const pad = width - runs.length;
  runs.forEach((run, i) => {
    if (!didWork(run)) bars[pad + i] = '·';
    else if (noColor && run.outcome === 'failed') bars[pad + i] = '✖';
  });
  return bars.join('');
}

function runColors(row: SchedulerRow, width: number): (string | undefined)[] {
  const runs = recentRuns(row, width);
  return [...Array(width - runs.length).fill(undefined), ...runs.map((r) => outcomeColor[r.outcome])];
}

// The columns are made anew each second (the NEXT and LAST cells count down), and the table measures, filters
// and sorts new columns over every row: the cells that do not change with the clock are kept.
const readings = new Map<string, string>();
const upcomingTexts = new Map<string, string>();
const jobTexts = new WeakMap<Schedule, string>();
const keptMost = 10_000;

function kept(texts: Map<string, string>, key: string, make: () => string): string {
  let text = texts.get(key);
  if (text === undefined) {
    if (texts.size >= keptMost) texts.clear();
    text = make();
    texts.set(key, text);
  }
  return text;
}

function jobText(s: Schedule): string {
  let text = jobTexts.get(s);
  if (text === undefined) {
    text = stripControl(describeJob(s.job.kind, s.job.payload));
    jobTexts.set(s, text);
  }
  return text;
}

/** `completed 5m`, `failed 2h`, `active`; `-` before the first run. */
function lastCell(last: ScheduleRun | undefined, now: number): string {
  if (!last) return '-';
  const at = last.finishedAt ?? last.startedAt;
  return `${last.outcome}${at !== undefined && last.outcome !== 'active' ? ` ${formatAge(now - at)}` : ''}`;
}

/**
 * At 80 columns: name, state, cron, when it runs next, how the last run went and the recent runs; the reading in
 * words, the job, the next three times and the zone on wider terminals (and, for the cursor row, under the
 * table). The zone goes first: the line under the table says it for the cursor row, and the job it does not.
 */
export function scheduleColumns(
  next: () => NextTicks | undefined,
  now: () => number,
  noColor: boolean,
): Column<SchedulerRow>[] {
  const firstTick = (row: SchedulerRow) => (row.schedule ? next()?.of(row.schedule, now()) : undefined);
  return [
    // A long name gets 28 columns, as many as at 80 columns, then whatever the detail columns would grow into (WHEN
    // past its minimum, ZONE, JOB): it is what tells the rows apart. Cut, it loses its middle: names of one family
    // share their start and differ at the end.
    {
      key: 'name',
      title: 'NAME',
      priority: Priority.identity,
      min: 28,
      cut: 'middle',
      value: (r) => r.name,
    },
    {
      key: 'state',
      title: 'STATE',
      priority: Priority.identity,
      whole: true,
      value: stateOf,
      color: (r) => (!r.schedule ? 'red' : r.schedule.enabled ? undefined : 'yellow'),
    },
    {
      key: 'cron',
      title: 'CRON',
      priority: Priority.main,
      whole: true,
      max: 24,
      // An entry with errors shows the cron it was written with, dimmed (it does not run): the entry is told apart.
      value: (r) => r.schedule?.cron ?? r.cron ?? '',
      color: (r) => (r.schedule ? undefined : 'gray'),
    },
    {
      key: 'next',
      title: 'NEXT',
      priority: Priority.main,
      // `in 59m`, `late 59s`
      width: 8,
      align: 'right',
      // A tick nobody has taken yet is what comes next, and it is late: the countdown to the tick after it would
      // say all is well while no worker runs the schedule.
      value: (r) => {
        const late = lateBy(r, now());
        if (late !== undefined) return `late ${formatAge(late)}`;
        const tick = firstTick(r);
        return tick === undefined ? (r.schedule?.enabled ? 'never' : '-') : `in ${formatAge(tick - now())}`;
      },
      color: (r) => (lateBy(r, now()) !== undefined ? 'yellow' : undefined),
      sortValue: (r) =>
        lateBy(r, now()) !== undefined ? r.waiting!.tick : (firstTick(r) ?? Number.POSITIVE_INFINITY),
    },
    {
      key: 'last',
      title: 'LAST',
      priority: Priority.main,
      width: lastWidth,
      value: (r) => lastCell(r.last, now()),
      color: (r) => (r.last ? outcomeColor[r.last.outcome] : undefined),
      sortValue: (r) => -(r.last?.finishedAt ?? r.last?.startedAt ?? 0),
    },
    {
      key: 'runs',
      title: 'RUNS',
      priority: Priority.detail,
      width: sparkWidth,
      value: (r) => runSparkline(r, sparkWidth, noColor),
      colors: (r) => runColors(r, sparkWidth),
      sortValue: (r) => r.runs.length,
    },
    {
      key: 'zone',
      title: 'ZONE',
      priority: Priority.extra - 1,
      whole: true,
      value: (r) => r.schedule?.timezone ?? '',
    },
    {
      key: 'when',
      title: 'WHEN',
      priority: Priority.detail,
      flex: true,
      min: 16,
      value: (r) =>
        r.schedule
          ? kept(readings, r.schedule.cron, () => describeCron(r.schedule!.cron))
          : invalidReading(r),
    },
    {
      key: 'upcoming',
      title: 'NEXT 3',
      priority: Priority.extra,
      width: 42,
      value: (r) => {
        const s = r.schedule;
        if (!s) return '';
        const ticks = next()?.upcoming(s, now(), 3) ?? [];
        return kept(upcomingTexts, `${s.timezone} ${s.cron} ${ticks[0]}`, () =>
          formatTicks(ticks, s.timezone, hasSeconds(s.cron)),
        );
      },
      sortValue: (r) => firstTick(r) ?? Number.POSITIVE_INFINITY,
    },
    {
      key: 'job',
      title: 'JOB',
      priority: Priority.extra,
      flex: true,
      min: 12,
      value: (r) => (r.schedule ? jobText(r.schedule) : ''),
    },
  ];
}
