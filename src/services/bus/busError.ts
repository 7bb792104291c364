import type { NewAuditEntry } from '../../domain/audit';
import { describeJob, type ValidJobSpec } from '../../domain/job';
import { refusedPrefix } from '../../domain/refusal';

/**
 * What went wrong with a bus request, for people and for code:
 * `unavailable` (Redis unreachable: nothing was done), `invalid` (bad spec: nothing was done),
 * `not-found`, `conflict` (the job is in a state that does not allow it), `refused` (read-only mode: a job
 * that can change something was not queued).
 */
export type BusErrorCode = 'unavailable' | 'invalid' | 'not-found' | 'conflict' | 'refused';

export class BusError extends Error {
  override readonly name = 'BusError';
  constructor(
    readonly code: BusErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function isBusError(error: unknown, code?: BusErrorCode): error is BusError {
  return error instanceof BusError && (code === undefined || error.code === code);
}

/** A refused enqueue (`why` it is refused) as the error to throw and the audit entry to keep: nothing was queued. */
export function enqueueRefusal(spec: ValidJobSpec, why: string): { error: BusError; audit: NewAuditEntry } {
  const what = describeJob(spec.kind, spec.payload);
  const reason = `${refusedPrefix} ${spec.kind} job "${what}": ${why}; nothing was queued`;
  return {
    error: new BusError('refused', reason),
    audit: {
      who: spec.requestedBy,
      action: 'job.enqueue',
      kind: spec.kind,
      what,
      outcome: 'rejected',
      reason,
    },
  };
}
