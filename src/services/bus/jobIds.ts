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
 * An id for a job of a memory transport that has no workspace (tests, a library user): 8 random digits, e.g.
 * `48213907`, so two such processes are unlikely ever to share one. With a workspace the ids are counted in it
 * (`JobHistory`): 1, 2, 3… for every process sharing the workspace, never twice.
 */
export function newJobId(): string {
  return String(randomInt(10_000_000, 100_000_000));
}

const plainChildKey = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The id of a parent job's child: the parent's id and the child's key (`412.web-1`), so adding the same key again,
 * after a worker died between adding and saving, finds the first child instead of running a second one. Keys are
 * free text; one that is not plain is hashed (`412.~3f2a…`). A key never holds a `.`, so ids of grandchildren
 * (`412.web-1.check`) cannot collide with a child's.
 */
export function childJobId(parentId: string, key: string): string {
  if (plainChildKey.test(key)) return `${parentId}.${key}`;
  return `${parentId}.~${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
}

export function policyFor(
  kind: JobKind,
  overrides?: Partial<Record<JobKind, Partial<JobPolicy>>>,
): JobPolicy {
  return { ...jobPolicies[kind], ...overrides?.[kind] };
}
