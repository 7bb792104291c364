import type { ScheduleTick } from '../../domain/job';

/**
 * The `schedule: { name, tick }` of a job as the Redis transport stores it: a job enqueued for a schedule carries
 * both; a job a BullMQ job scheduler made carries the schedule's rules (no tick: one template serves every
 * tick), and its id ends with the tick (`repeat:schedule:NAME:<ms>`).
 */
export function scheduleTickOf(jobId: string | undefined, raw: unknown): ScheduleTick | undefined {
  const s = raw as { name?: unknown; tick?: unknown } | null | undefined;
  if (typeof s?.name !== 'string' || s.name === '') return undefined;
  const tick = typeof s.tick === 'number' ? s.tick : Number(/:(\d+)$/.exec(jobId ?? '')?.[1] ?? Number.NaN);
  return Number.isFinite(tick) ? { name: s.name, tick } : undefined;
}
