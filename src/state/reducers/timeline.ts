import type { DeckEvent, EventLevel } from '../../domain/event';

export const timelineMinutes = 60;

/** Events per minute for the last hour, per level: the Dashboard's sparklines. */
export interface Timeline {
  /** Start (epoch ms, whole minute) of the newest bucket. */
  newestMinute: number;
  counts: Record<EventLevel, number[]>;
}

const minute = 60_000;

export function emptyTimeline(now: number): Timeline {
  const zeros = () => Array.from({ length: timelineMinutes }, () => 0);
  return {
    newestMinute: Math.floor(now / minute) * minute,
    counts: { info: zeros(), warn: zeros(), error: zeros() },
  };
}

/** Moves the window so its newest bucket is the minute of `now` (older buckets fall off the left). */
export function advanceTimeline(t: Timeline, now: number): Timeline {
  const target = Math.floor(now / minute) * minute;
  const shift = Math.round((target - t.newestMinute) / minute);
  if (shift <= 0) return t;
  if (shift >= timelineMinutes) return emptyTimeline(now);
  const move = (values: number[]) => [...values.slice(shift), ...Array.from({ length: shift }, () => 0)];
  return {
    newestMinute: target,
    counts: { info: move(t.counts.info), warn: move(t.counts.warn), error: move(t.counts.error) },
  };
}

export function addToTimeline(t: Timeline, events: readonly DeckEvent[], now: number): Timeline {
  let next = advanceTimeline(
    t,
    events.reduce((latest, e) => Math.max(latest, e.at), now),
  );
  let copied = false;
  for (const e of events) {
    const index =
      timelineMinutes - 1 - Math.floor((next.newestMinute - Math.floor(e.at / minute) * minute) / minute);
    if (index < 0 || index >= timelineMinutes) continue;
    if (!copied) {
      next = {
        newestMinute: next.newestMinute,
        counts: { info: [...next.counts.info], warn: [...next.counts.warn], error: [...next.counts.error] },
      };
      copied = true;
    }
    next.counts[e.level][index] += 1;
  }
  return next;
}
