import type { ApprovalPolicy, ApprovalState } from '../../domain/approval';
import { describeJob, type Requester } from '../../domain/job';
import { refusedPrefix } from '../../domain/refusal';

/** A job as the worker found it: what it is, who asked, and the parent that added it (a batch's target). */
export interface GateSubject {
  id: string;
  kind: string;
  payload: unknown;
  requestedBy: Requester;
  parentId?: string;
}

/** What the gate reads from the transport. */
export interface GateLookup {
  /** The job's approval and what was approved (kind and payload), if it ever waited for one. */
  approval(id: string): Promise<{ state: ApprovalState; kind: string; payload: unknown } | undefined>;
  /** A parent job as it was queued. */
  job(id: string): Promise<GateSubject | undefined>;
}

/** Parents deeper than this are not followed (a pipeline's step's target is two). */
const maxDepth = 8;

/**
 * Why the worker must not run this job, or undefined when it may. A job that needs an approval runs only once an
 * admin approved exactly that job (same kind, same payload: a job put straight into Redis, or one whose payload was
 * changed after the approval, is refused). A child runs when its parent could: the parent's approval covers the work
 * it adds.
 */
export async function unapprovedReason(
  policy: ApprovalPolicy | undefined,
  job: GateSubject,
  lookup: GateLookup,
): Promise<string | undefined> {
  if (!policy) return undefined;
  let subject: GateSubject | undefined = job;
  for (let depth = 0; subject && depth < maxDepth; depth++) {
    const need = policy.needsApproval(subject);
    if (!need.needed) return undefined;
    const approval = await lookup.approval(subject.id);
    if (
      approval?.state === 'approved' &&
      approval.kind === subject.kind &&
      sameJson(approval.payload, subject.payload)
    )
      return undefined;
    if (approval?.state === 'approved') {
      return `${refusedPrefix} job ${subject.id} is not the job that was approved (its kind or payload changed); nothing ran`;
    }
    if (!subject.parentId) {
      const what = describeJob(subject.kind, subject.payload);
      const state = approval ? `is ${approval.state}` : 'was never approved';
      return `${refusedPrefix} ${subject.kind} job "${what}": needs an approval (${need.why}) and ${state}; nothing ran`;
    }
    subject = await lookup.job(subject.parentId);
  }
  return `${refusedPrefix} job ${job.id} needs an approval and its parents could not be checked; nothing ran`;
}

/** Equal as JSON, whatever the order of object keys (a payload read back from Redis). */
export function sameJson(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)),
        )
      : v,
  );
}
