import cronstrue from 'cronstrue';

const nicknames: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** A cron expression in plain English (`Every 15 minutes`, `At 02:30, only on Monday`), 24-hour clock. */
export function describeCron(expression: string): string {
  const text = expression.trim();
  try {
    return cronstrue.toString(nicknames[text.toLowerCase()] ?? text, {
      use24HourTimeFormat: true,
      throwExceptionOnParseError: true,
    });
  } catch {
    return text;
  }
}

const formats = new Map<string, Intl.DateTimeFormat>();

/** `2025-06-01 10:15` (with `:SS` when `seconds`) as the clock on the wall of `timezone` reads. */
export function formatInZone(ms: number, timezone: string, seconds = false): string {
  const key = `${timezone}|${seconds}`;
  let format = formats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone: timezone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      ...(seconds ? { second: '2-digit' } : {}),
      hourCycle: 'h23',
    });
    formats.set(key, format);
  }
  const parts = Object.fromEntries(format.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  const time = `${parts.hour}:${parts.minute}${seconds ? `:${parts.second}` : ''}`;
  return `${parts.year}-${parts.month}-${parts.day} ${time}`;
}

/** Whether an expression ticks on seconds (6 fields): its times are then shown with seconds. */
export function hasSeconds(expression: string): boolean {
  return expression.trim().split(/\s+/).length === 6;
}

/**
 * Several ticks of one schedule, short: the first with its date, the next ones with only what changed
 * (`2025-06-01 10:15, 10:30, 10:45`, `2025-06-01 02:30, 06-02 02:30`, `2027-01-01 00:00, 2028-01-01 00:00`).
 */
export function formatTicks(ticks: readonly number[], timezone: string, seconds = false): string {
  let day = '';
  return ticks
    .map((tick, i) => {
      const [date, time] = formatInZone(tick, timezone, seconds).split(' ');
      const sameYear = date.slice(0, 4) === day.slice(0, 4);
      const shown =
        i === 0 || !sameYear ? `${date} ${time}` : date === day ? time : `${date.slice(5)} ${time}`;
      day = date;
      return shown;
    })
    .join(', ');
}
