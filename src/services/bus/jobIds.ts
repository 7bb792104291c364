import { createHash, randomInt } from 'node:crypto';
import { type JobKind, type JobPolicy, jobPolicies } from '../../domain/job';

/**
 * The job id for an idempotency key: the same key always gives the same id, on any host and transport, so
 * a second enqueue finds the first job instead of adding another. Hashed because keys are free text and
 * BullMQ ids must not contain `:` nor be plain integers.
 */
export function jobIdForKey(key: string): string {
  // 40 bits: ids stay short enough to read in a table; a team's keys never come near a collision.
  return `idem-${createHash('sha256').update(key).digest('hex').slice(0, 10)}`;
}

/**
 * A fresh id for a job of the in-process (memory) transport: 8 random digits, e.g. `48213907`. Random rather
 * than counted from 1: two processes without Redis (two CLIs, a console started again) must never both call a
 * job "1", or the project lock would take one job for the other's earlier attempt. A number, like the ids of
 * the Redis transport, so ids look the same whichever transport ran the job.
 */
export function newJobId(): string {
  return String(randomInt(10_000_000, 100_000_000));
}

export function policyFor(
  kind: JobKind,
  overrides?: Partial<Record<JobKind, Partial<JobPolicy>>>,
): JobPolicy {
  return { ...jobPolicies[kind], ...overrides?.[kind] };
}
