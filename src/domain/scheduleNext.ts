import type { Schedule } from './schedule';
import { nextTick, nextTicks } from './scheduleCron';

/**
 * The next tick of each enabled schedule of a file, kept current cheaply: asked at `now`, only the schedules whose
 * kept tick has passed are computed again, so a thousand schedules cost one pass when the file is read and then a
 * few look-ups a second (the Dashboard asks on every refresh, the Scheduler tab for its NEXT column). Ticks are
 * kept per cron and zone, not per schedule: schedules that share both tick together, so the hundreds of
 * `* * * * *` ones of a large file cost one computation at each minute, not one each.
 */
export class NextTicks {
  private readonly ticks = new Map<string, number | undefined>();
  private readonly lists = new Map<string, number[]>();

  constructor(private readonly schedules: readonly Schedule[]) {}

  /** The schedule's first tick after `now`; undefined when paused or when it never ticks again. */
  of(schedule: Schedule, now: number): number | undefined {
    if (!schedule.enabled) return undefined;
    const key = keyOf(schedule);
    let tick = this.ticks.get(key);
    if (!this.ticks.has(key) || (tick !== undefined && tick <= now)) {
      tick = nextTick(schedule.cron, schedule.timezone, now);
      this.ticks.set(key, tick);
    }
    return tick;
  }

  /** The schedule's next `count` ticks after `now` (none when paused), kept until the first of them has passed. */
  upcoming(schedule: Schedule, now: number, count: number): number[] {
    if (!schedule.enabled) return [];
    const key = keyOf(schedule);
    const kept = this.lists.get(key);
    if (kept && kept.length >= count && (kept.length === 0 || kept[0] > now)) return kept.slice(0, count);
    const ticks = nextTicks(schedule.cron, schedule.timezone, now, count);
    this.lists.set(key, ticks);
    return ticks;
  }

  /** The schedule that ticks first after `now`, and when. */
  earliest(now: number): { schedule: Schedule; tick: number } | undefined {
    let first: { schedule: Schedule; tick: number } | undefined;
    for (const schedule of this.schedules) {
      const tick = this.of(schedule, now);
      if (tick !== undefined && (!first || tick < first.tick)) first = { schedule, tick };
    }
    return first;
  }
}

/** Two schedules with the same cron and zone have the same ticks. */
function keyOf(schedule: Schedule): string {
  return `${schedule.timezone} ${schedule.cron}`;
}
