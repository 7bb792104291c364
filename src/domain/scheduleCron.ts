import { Cron } from 'croner';

/**
 * Cron maths for schedules, on croner (see the README's Scheduler section for why). One reading of a cron
 * expression everywhere: the in-process scheduler, BullMQ's job schedulers (as their repeat strategy), `schedule
 * next` and the Scheduler tab all tick at the same instants.
 *
 * DST (Vixie cron's rule, which croner follows): a fixed time of day (no `*` and no step in seconds, minutes and
 * hours) that does not exist on the spring-forward day runs once at the first instant after the gap (02:30 in
 * Europe/Berlin runs at 03:00); one that occurs twice on the fall-back day runs once, at its first occurrence.
 * Interval expressions (a `*` or a step in those fields) skip the hour that does not exist and run through the
 * repeated one.
 */

/** The nicknames a schedule may use instead of five fields. */
export const cronNicknames = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@hourly'] as const;

const fieldNames5 = ['minute', 'hour', 'day of month', 'month', 'day of week'];
const fieldNames6 = ['second', ...fieldNames5];
/** Plain numbers allowed in each field (months and weekdays may also be names: JAN, MON). */
const ranges: Record<string, [number, number]> = {
  second: [0, 59],
  minute: [0, 59],
  hour: [0, 23],
  'day of month': [1, 31],
  month: [1, 12],
  'day of week': [0, 7],
};

const problems = new Map<string, string | undefined>();

/** Why `expression` is not a cron expression a schedule can use; undefined when it is. */
export function cronProblem(expression: string): string | undefined {
  if (problems.has(expression)) return problems.get(expression);
  const problem = checkCron(expression);
  if (problems.size >= 5_000) problems.clear();
  problems.set(expression, problem);
  return problem;
}

function checkCron(expression: string): string | undefined {
  const text = expression.trim();
  if (text === '')
    return 'is empty; expected 5 fields (minute hour day-of-month month day-of-week), 6 with seconds first, or @hourly/@daily/@weekly/@monthly/@yearly';
  if (text.startsWith('@')) {
    if ((cronNicknames as readonly string[]).includes(text.toLowerCase())) return undefined;
    return `"${text}" is not a nickname schedules know (use ${cronNicknames.filter((n) => n !== '@annually').join(', ')})`;
  }
  const fields = text.split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) {
    return `has ${fields.length} fields; expected 5 (minute hour day-of-month month day-of-week) or 6 with seconds first`;
  }
  const names = fields.length === 6 ? fieldNames6 : fieldNames5;
  for (const [i, field] of fields.entries()) {
    const problem = fieldProblem(names[i], field);
    if (problem) return problem;
  }
  let cron: Cron;
  try {
    cron = newCron(text, undefined);
  } catch (error) {
    return plainCronError(error);
  }
  // Only a restricted day of month can name a date that never comes (February 30th).
  const dayOfMonth = fields[fields.length - 3];
  if (dayOfMonth !== '*' && dayOfMonth !== '?' && cron.nextRun(new Date(0)) === null) {
    return 'never matches a date (is the day of month in the month?)';
  }
  return undefined;
}

/** A clear message for the mistakes people make most: a step of 0, a number out of its field's range. */
function fieldProblem(name: string, field: string): string | undefined {
  if (/\/0*(?:,|$)/.test(field)) return `${name} "${field}": a step (after /) must be 1 or more`;
  const [min, max] = ranges[name];
  for (const part of field.split(',')) {
    // `5#2` (second Friday) and `15W` carry numbers that are not values of the field.
    const values = part.split('/')[0].split('#')[0].replace(/W$/i, '');
    for (const number of values.match(/\d+/g) ?? []) {
      const n = Number(number);
      if (n < min || n > max) return `${name} ${n} is out of range (${min}-${max})`;
    }
  }
  return undefined;
}

function plainCronError(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/^Cron\w*:\s*/, '');
}

const zones = new Map<string, boolean>();

/** Whether `timezone` is an IANA time zone name this Node knows (`Europe/Berlin`, `UTC`). */
export function isTimeZone(timezone: string): boolean {
  // Asked once per name: building a DateTimeFormat is most of the cost of checking a thousand schedules.
  let known = zones.get(timezone);
  if (known === undefined) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: timezone });
      known = true;
    } catch {
      known = false;
    }
    if (zones.size < 1_000) zones.set(timezone, known);
  }
  return known;
}

/** The host's time zone: `TZ` when set and valid, else what the system says, else UTC. */
export function hostTimeZone(env: { TZ?: string } = process.env): string {
  const tz = env.TZ?.replace(/^:/, '').trim();
  if (tz && isTimeZone(tz)) return tz;
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

function newCron(expression: string, timezone: string | undefined): Cron {
  return new Cron(expression.trim(), {
    paused: true,
    mode: '5-or-6-parts',
    // Vixie cron's classification: a list or range of hours (`30 2,14 * * *`) is a fixed time too.
    fixedTimeRule: 'no-wildcard',
    ...(timezone ? { timezone } : {}),
  });
}

const cache = new Map<string, Cron>();
const cacheLimit = 5_000;

/** A parsed expression in its zone, kept for reuse (parsing is most of the cost of one next tick). */
function cronFor(expression: string, timezone: string): Cron {
  const key = `${timezone} ${expression}`;
  let cron = cache.get(key);
  if (!cron) {
    if (cache.size >= cacheLimit) cache.clear();
    cron = newCron(expression, timezone);
    cache.set(key, cron);
  }
  return cron;
}

/** The first tick strictly after `after` (epoch ms), or undefined when there is none. */
export function nextTick(expression: string, timezone: string, after: number): number | undefined {
  return cronFor(expression, timezone).nextRun(new Date(after))?.getTime();
}

/** The next `count` ticks strictly after `after`. */
export function nextTicks(expression: string, timezone: string, after: number, count: number): number[] {
  if (count <= 0) return [];
  return cronFor(expression, timezone)
    .nextRuns(count, new Date(after))
    .map((d) => d.getTime());
}

/**
 * The ticks in `(after, until]`, counted up to `max` (a schedule every second down for a week is not
 * enumerated): the first one and how many.
 */
export function ticksBetween(
  expression: string,
  timezone: string,
  after: number,
  until: number,
  max = 10_000,
): { first?: number; last?: number; count: number; more: boolean } {
  let first: number | undefined;
  let last: number | undefined;
  let count = 0;
  let at = after;
  for (;;) {
    const next = nextTick(expression, timezone, at);
    if (next === undefined || next > until) return { first, last, count, more: false };
    if (count === max) return { first, last, count, more: true };
    first ??= next;
    last = next;
    count++;
    at = next;
  }
}
