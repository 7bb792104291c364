import type { NextTicks } from '../../domain/scheduleNext';
import { formatInZone, hasSeconds } from '../../domain/scheduleReading';
import type { SchedulesFile } from '../../domain/scheduleSource';
import { displayWidth, formatAge } from '../../domain/text';

/**
 * The Dashboard's line about schedules: which runs next and when, or why nothing will. Narrower than `width`, the
 * clock time and zone go (`in 9m` says when) rather than being cut to `(2026-12-07 07:15 Eur…`.
 */
export function nextRunLine(
  file: SchedulesFile | undefined,
  next: NextTicks | undefined,
  now: number,
  width = Number.POSITIVE_INFINITY,
): string {
  if (!file) return 'Next scheduled run: reading schedules.yaml…';
  if (!file.exists) return 'Next scheduled run: none (no schedules.yaml in the workspace; see 7 Scheduler)';
  const problems = file.errors.length
    ? ` · ${file.errors.length} problem${file.errors.length === 1 ? '' : 's'} in schedules.yaml`
    : '';
  const first = next?.earliest(now);
  if (!first) {
    const paused = file.schedules.filter((s) => !s.enabled).length;
    return `Next scheduled run: none (${file.schedules.length} schedules, ${paused} paused)${problems}`;
  }
  const { schedule, tick } = first;
  const at = formatInZone(tick, schedule.timezone, hasSeconds(schedule.cron));
  const when = `Next scheduled run: ${schedule.name} in ${formatAge(tick - now)}`;
  const full = `${when} (${at} ${schedule.timezone})${problems}`;
  return displayWidth(full) <= width ? full : `${when}${problems}`;
}
