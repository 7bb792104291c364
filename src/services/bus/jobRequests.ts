import type { NewAuditEntry } from '../../domain/audit';
import {
  canChange,
  describeJob,
  isFinished,
  type JobView,
  type Requester,
  type ValidJobSpec,
} from '../../domain/job';
import { requestRoleRefusal } from '../access/roleRefusal';
import { BusError, enqueueRefusal } from './busError';

type Request = 'job.cancel' | 'job.retry' | 'job.resume';

/**
 * Why a cancel or a retry of this job is refused, with the audit entry that records it; undefined when the
 * request may go ahead. One set of rules for both transports.
 */
export function refusal(
  action: Request,
  id: string,
  by: Requester,
  view: JobView | undefined,
): { error: BusError; audit: NewAuditEntry } | undefined {
  if (!view) {
    return {
      error: new BusError('not-found', `job ${id} not found`),
      audit: { who: by, action, jobId: id, what: `job ${id}`, outcome: 'rejected', reason: 'no such job' },
    };
  }
  const denied = requestRoleRefusal(action, id === view.id ? view : { ...view, id }, by);
  if (denied) return denied;
  const reason =
    action === 'job.cancel'
      ? isFinished(view.status)
        ? `job ${id} is already ${view.status}`
        : undefined
      : action === 'job.resume'
        ? view.status !== 'paused' && view.status !== 'delayed'
          ? `job ${id} is ${view.status}; only a paused job can be resumed`
          : undefined
        : view.status !== 'failed' && view.status !== 'cancelled'
          ? `job ${id} is ${view.status}; only failed or cancelled jobs can be retried`
          : undefined;
  if (!reason) return undefined;
  return {
    error: new BusError('conflict', reason),
    audit: { ...accepted(action, id, by, view), outcome: 'rejected', reason },
  };
}

/** The audit entry of a cancel or retry that goes ahead. */
export function accepted(action: Request, id: string, by: Requester, view: JobView): NewAuditEntry {
  return {
    who: by,
    action,
    jobId: id,
    kind: view.kind,
    what: describeJob(view.kind, view.payload),
    outcome: 'accepted',
  };
}

/**
 * The refusal of an enqueue asked in read-only mode for a kind that can change something, with its audit
 * entry; undefined when it may be queued. One rule for both transports.
 */
export function readOnlyRefusal(spec: ValidJobSpec): { error: BusError; audit: NewAuditEntry } | undefined {
  if (spec.readOnly !== true || !canChange(spec.kind)) return undefined;
  return enqueueRefusal(
    spec,
    `read-only mode (--readonly or INFRADECK_READONLY) and a ${spec.kind} job can change things`,
  );
}
