import { createHash } from 'node:crypto';
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

export function policyFor(
  kind: JobKind,
  overrides?: Partial<Record<JobKind, Partial<JobPolicy>>>,
): JobPolicy {
  return { ...jobPolicies[kind], ...overrides?.[kind] };
}
