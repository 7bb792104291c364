import { type AccessState, type AccessVerdict, accessRequestOf, accessVerdict } from '../../domain/access';
import type { ApprovalPolicy } from '../../domain/approval';
import type { NewAuditEntry } from '../../domain/audit';
import { canChange, describeJob, type JobView, type Requester, type ValidJobSpec } from '../../domain/job';
import { refusedPrefix } from '../../domain/refusal';
import { BusError, enqueueRefusal } from '../bus/busError';
import { enforcedAccess } from './accessPolicy';

/** The verdict of `access.yaml` on a job of `kind` with `payload` asked by `who`. */
export function jobVerdict(
  state: AccessState,
  kind: string,
  payload: unknown,
  who: Requester,
): AccessVerdict {
  return accessVerdict(state, who, accessRequestOf(kind, payload, canChange(kind)));
}

/**
 * The refusal of an enqueue the asker's role does not allow (or any change while `access.yaml` is broken), with its
 * audit entry; undefined when it may be queued. Both transports ask it next to `readOnlyRefusal`.
 */
export function roleRefusal(
  spec: ValidJobSpec,
  /** The queue's approvals: an operator's change of a protected project it will hold for an admin is let through. */
  approvals?: Pick<ApprovalPolicy, 'needsApproval'>,
  state: AccessState = enforcedAccess(),
): { error: BusError; audit: NewAuditEntry } | undefined {
  const verdict = jobVerdict(state, spec.kind, spec.payload, spec.requestedBy);
  if (verdict.ok) return undefined;
  if (verdict.approvable && approvals?.needsApproval(spec).needed) return undefined;
  return enqueueRefusal(spec, verdict.reason);
}

/**
 * Checked by the worker before a handler runs, whoever put the job in the queue (a console, or a script writing
 * to Redis directly): the reason the job must fail at once, or undefined. The failure is audited with the job's end.
 */
export function workerRoleRefusal(
  job: { kind: string; payload: unknown; requestedBy: Requester },
  /**
   * The worker's approvals gate holds a policy and checked the job before this (`ExecutionSink.approvalsEnforced`):
   * an operator's change of a protected project that got past it was approved by an admin.
   */
  approvalChecked = false,
  state: AccessState = enforcedAccess(),
): string | undefined {
  const verdict = jobVerdict(state, job.kind, job.payload, job.requestedBy);
  if (verdict.ok || (verdict.approvable && approvalChecked)) return undefined;
  return `${refusedPrefix} ${job.kind} job "${describeJob(job.kind, job.payload)}": ${verdict.reason}; this worker did not run it`;
}

/**
 * A cancel, retry or resume by `by` of a job their role does not allow: a retry or resume runs the job again, so it
 * needs what its enqueue needs; a cancel stops a change, so an operator may cancel any job. Undefined when allowed.
 */
export function requestRoleRefusal(
  action: 'job.cancel' | 'job.retry' | 'job.resume',
  view: JobView,
  by: Requester,
  state: AccessState = enforcedAccess(),
): { error: BusError; audit: NewAuditEntry } | undefined {
  let verdict = jobVerdict(state, view.kind, view.payload, by);
  if (!verdict.ok && action === 'job.cancel' && verdict.role && verdict.role !== 'viewer')
    verdict = { ok: true, role: verdict.role };
  if (verdict.ok) return undefined;
  const what = describeJob(view.kind, view.payload);
  const verb = action.slice(4);
  const reason = `${refusedPrefix} ${verb} of job ${view.id} "${what}": ${verdict.reason}`;
  return {
    error: new BusError('refused', reason),
    audit: { who: by, action, jobId: view.id, kind: view.kind, what, outcome: 'rejected', reason },
  };
}
