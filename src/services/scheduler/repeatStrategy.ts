import type { RepeatOptions } from 'bullmq';
import { hostTimeZone, nextTick } from '../../domain/scheduleCron';

/**
 * BullMQ's repeat strategy, on croner instead of BullMQ's own cron-parser: the job schedulers then tick at
 * exactly the instants `schedule next`, the Scheduler tab and the in-process scheduler compute, DST rule
 * included. BullMQ calls it with the later of the last tick and now; the answer is the first tick after it.
 * Set on the Queue that registers schedules and on every Worker (a worker computes the next tick when it takes
 * the current one).
 */
export function scheduleRepeatStrategy(millis: number, opts: RepeatOptions): number | undefined {
  if (!opts.pattern) return undefined;
  return nextTick(opts.pattern, opts.tz ?? hostTimeZone(), millis);
}
