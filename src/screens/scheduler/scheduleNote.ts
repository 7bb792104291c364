import { formatDuration } from '../../domain/jobText';
import type { NextTicks } from '../../domain/scheduleNext';
import { describeCron, formatTicks, hasSeconds } from '../../domain/scheduleReading';
import { formatSourceError } from '../../domain/sourceError';
import { formatAge, formatAgo, stripControl } from '../../domain/text';
import { lateBy } from './scheduleColumns';
import type { SchedulerRow } from './schedulerRows';

export interface ScheduleNote {
  text: string;
  tone: 'muted' | 'warn' | 'error';
}

/**
 * The line under the table: the cursor row in full, its name first (the NAME column may have cut it), then its
 * reading, zone, next three times and last run, or its error.
 */
export function scheduleNote(
  row: SchedulerRow | undefined,
  next: NextTicks | undefined,
  now: number,
  /** Over Redis: how many `infradeck worker` processes are up (a late tick with none up says why). */
  workersUp?: number,
): ScheduleNote {
  if (!row) return { text: '', tone: 'muted' };
  if (!row.schedule) {
    const [first, ...more] = row.errors ?? [];
    // The file's own row: its error starts with the file's path, which is its name. A schedule's row names the
    // schedule first, and its file without the folder the header names (at 80 columns the place still fits).
    const ofFile = row.key === 'file';
    const where =
      first && !ofFile ? { ...first, file: first.file.slice(first.file.lastIndexOf('/') + 1) } : first;
    const text = where ? formatSourceError(where) : 'cannot run';
    const name = ofFile ? '' : `${stripControl(row.name)} · `;
    return {
      text: `${name}${text}${more.length ? ` (and ${more.length} more)` : ''} · E edits the file`,
      tone: 'error',
    };
  }
  const s = row.schedule;
  const late = lateBy(row, now);
  if (late !== undefined && row.waiting) {
    const why =
      workersUp === 0
        ? 'no worker is up (infradeck worker runs the ticks)'
        : workersUp === undefined
          ? 'no process has taken it yet'
          : `no worker has taken it yet (${workersUp} up)`;
    return {
      text: `${s.name} · the tick of ${formatTicks([row.waiting.tick], s.timezone, true)} is ${formatAge(late)} late: ${why} · ${describeCron(s.cron)}`,
      tone: 'warn',
    };
  }
  const zone = s.timezoneGiven ? s.timezone : `${s.timezone} (the host's; give timezone: to pin it)`;
  const ticks = next?.upcoming(s, now, 3) ?? [];
  const when = s.enabled
    ? ticks.length
      ? `next ${formatTicks(ticks, s.timezone, hasSeconds(s.cron))}`
      : 'never runs again'
    : 'paused (e enables it)';
  const last = row.last;
  const lastText = last
    ? ` · last ${last.outcome}${last.finishedAt !== undefined ? ` ${formatAgo(now - last.finishedAt)}` : ''}${last.durationMs !== undefined ? ` (took ${formatDuration(last.durationMs)})` : ''}`
    : ' · no runs yet';
  return {
    text: `${s.name} · ${describeCron(s.cron)} · ${zone} · ${when}${lastText}`,
    tone: s.enabled ? 'muted' : 'warn',
  };
}
