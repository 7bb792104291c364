import type { ApprovalPolicy, ApprovalSubject, JobApproval } from '../../domain/approval';
import { describeExpiry } from '../../domain/approval';
import type { NewAuditEntry } from '../../domain/audit';
import type { NewEvent } from '../../domain/event';
import { describeJob, type JobView, type Requester } from '../../domain/job';
import { refusedPrefix } from '../../domain/refusal';
import { BusError } from '../bus/busError';
import { describeRequester } from '../bus/requester';

/** An approval or a rejection: the two decisions an admin takes on a pending job. */
export type Decision = 'job.approve' | 'job.reject';

/** What `reject` records when nobody decided in time. */
export const expiredReason = 'expired';

/**
 * The approval a new job must wait for, or undefined when it may be queued now. Children of a running parent
 * never wait: the parent was approved (or needed none), and the worker checks the chain again.
 */
export function approvalFor(
  policy: ApprovalPolicy | undefined,
  spec: ApprovalSubject,
  now: number,
): JobApproval | undefined {
  if (!policy) return undefined;
  const need = policy.needsApproval(spec);
  if (!need.needed) return undefined;
  return { state: 'pending', why: need.why, requestedAt: now, expiresAt: now + policy.expiresAfterMs };
}

/**
 * Why `by` may not approve or reject job `id` (unknown, not pending, expired, the requester, not an admin), with
 * the audit entry that records the refusal; undefined when the decision may go ahead. One set of rules for both
 * transports. Every refusal is a `BusError` `refused` (the CLI exits 2).
 */
export function decisionRefusal(
  action: Decision,
  id: string,
  by: Requester,
  view: JobView | undefined,
  policy: ApprovalPolicy | undefined,
  now: number,
): { error: BusError; audit: NewAuditEntry } | undefined {
  const verb = action === 'job.approve' ? 'approve' : 'reject';
  const approval = view?.approval;
  let reason: string | undefined;
  if (!view) reason = `no job ${id} is waiting for an approval (no such job)`;
  else if (!approval) reason = `job ${id} never waited for an approval (it is ${view.status})`;
  else if (approval.state === 'rejected' && approval.reason === expiredReason)
    reason = `job ${id} expired ${describeExpiry(approval.expiresAt, now).replace('expired ', '')} unapproved; ask for it again`;
  else if (approval.state !== 'pending')
    reason = `job ${id} was already ${approval.state}${approval.decidedBy ? ` by ${describeRequester(approval.decidedBy)}` : ''}`;
  else if (now >= approval.expiresAt)
    reason = `job ${id} has expired (${describeExpiry(approval.expiresAt, now)}); ask for it again`;
  else if (!policy) reason = 'this bus has no approval policy';
  else {
    const check = policy.mayApprove(by, view);
    if (!check.ok) reason = check.reason;
  }
  if (reason === undefined) return undefined;
  const message = `${refusedPrefix} ${verb} job ${id}: ${reason}`;
  return {
    error: new BusError('refused', message),
    audit: {
      who: by,
      action,
      jobId: id,
      ...(view ? { kind: view.kind, what: describeJob(view.kind, view.payload) } : { what: `job ${id}` }),
      outcome: 'rejected',
      reason: message,
    },
  };
}

/**
 * Why a job that waited for an approval and never got one may not be retried (withdrawn, rejected, still pending):
 * a retry would run it unapproved. Undefined for any other job.
 */
export function unapprovedRetry(id: string, view: JobView): string | undefined {
  const state = view.approval?.state;
  if (!state || state === 'approved') return undefined;
  return state === 'cancelled'
    ? `job ${id} was cancelled before it was approved; ask for it again`
    : `job ${id} is ${view.status}; only failed or cancelled jobs can be retried`;
}

/** A rejection's reason as the user typed it: one line, not empty, at most 500 characters. */
export function checkReason(reason: unknown): string {
  const text = typeof reason === 'string' ? reason.replace(/\s+/g, ' ').trim() : '';
  if (!text) throw new BusError('invalid', 'a rejection needs a reason (--reason TEXT)');
  if (text.length > 500)
    throw new BusError('invalid', `the reason is ${text.length} characters; 500 at most`);
  return text;
}

/** The event and audit entry of a job held for an approval. */
export function heldRecords(view: JobView, approval: JobApproval): { event: NewEvent; audit: NewAuditEntry } {
  const what = describeJob(view.kind, view.payload);
  return {
    event: {
      level: 'warn',
      type: 'job.approval',
      jobId: view.id,
      source: view.requestedBy,
      message: `waiting for an approval: ${what} — ${approval.why}`,
      data: {
        kind: view.kind,
        summary: what,
        why: approval.why,
        expiresAt: approval.expiresAt,
        maxAttempts: view.maxAttempts,
        ...(view.idempotencyKey ? { idempotencyKey: view.idempotencyKey } : {}),
      },
    },
    audit: {
      who: view.requestedBy,
      action: 'job.enqueue',
      jobId: view.id,
      kind: view.kind,
      what,
      outcome: 'pending',
      reason: approval.why,
    },
  };
}

/** The event and audit entry of an approval: the job is queued now. */
export function approvedRecords(view: JobView, by: Requester): { event: NewEvent; audit: NewAuditEntry } {
  const what = describeJob(view.kind, view.payload);
  return {
    event: {
      level: 'info',
      type: 'job.approved',
      jobId: view.id,
      source: by,
      message: `approved by ${describeRequester(by)}: ${what} is queued`,
      data: { kind: view.kind, by, requestedBy: view.requestedBy },
    },
    audit: { who: by, action: 'job.approve', jobId: view.id, kind: view.kind, what, outcome: 'accepted' },
  };
}

/**
 * The event and audit entries of a rejection (by an admin, or on expiry: `by` is then the process that noticed):
 * the decision and how the job ended, so the trail reads who asked, who rejected, when and why.
 */
export function rejectedRecords(
  view: JobView,
  by: Requester,
  reason: string,
): { event: NewEvent; audit: NewAuditEntry[] } {
  const what = describeJob(view.kind, view.payload);
  const expired = reason === expiredReason;
  const message = expired ? `expired unapproved: ${what}` : `rejected by ${describeRequester(by)}: ${reason}`;
  return {
    event: {
      level: 'warn',
      type: 'job.rejected',
      jobId: view.id,
      source: by,
      message,
      data: { kind: view.kind, by, reason, expired },
    },
    audit: [
      ...(expired
        ? []
        : [
            {
              who: by,
              action: 'job.reject',
              jobId: view.id,
              kind: view.kind,
              what,
              outcome: 'accepted',
              reason,
            } as const,
          ]),
      {
        who: view.requestedBy,
        action: 'job.finish',
        jobId: view.id,
        kind: view.kind,
        what,
        outcome: 'rejected',
        reason: message,
      },
    ],
  };
}

/** How a rejected job's `error` reads: `rejected by bob@jump2: not during the freeze`, `expired unapproved`. */
export function rejectionError(by: Requester, reason: string): string {
  return reason === expiredReason ? 'expired unapproved' : `rejected by ${describeRequester(by)}: ${reason}`;
}
