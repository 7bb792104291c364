import * as z from 'zod';
import { canChange, type JobView, type Requester, requesterSchema } from './job';

/** What a policy is asked about: a job as it is queued (or as a worker finds it). */
export interface ApprovalSubject {
  kind: string;
  payload: unknown;
  requestedBy: Requester;
}

export type ApprovalNeed = { needed: false } | { needed: true; why: string };
export type ApproverCheck = { ok: true } | { ok: false; reason: string };

/**
 * Who must wait for whom. The bus asks it at enqueue (hold the job as `approval_pending`), at approve/reject (may
 * this person decide), and the worker asks it again before it runs a job (a job put straight into Redis that
 * needs an approval and has none is refused there).
 */
export interface ApprovalPolicy {
  /**
   * Whether this job must wait for an approval (a protected project, or a kind listed under `access.approve`) when
   * asked by this requester (an admin's own jobs do not wait).
   */
  needsApproval(spec: ApprovalSubject): ApprovalNeed;
  /** Whether this person may approve or reject the job: an admin, and never its requester. */
  mayApprove(who: Requester, job: ApprovalSubject): ApproverCheck;
  /** A pending job not decided within this long ends `rejected` ("expired"). */
  expiresAfterMs: number;
}

export const defaultApprovalExpiryMs = 24 * 60 * 60_000;

/** No `access.yaml`: everyone is admin, nothing waits; a job held by another console is decided by anyone else. */
export const noApprovals: ApprovalPolicy = {
  needsApproval: () => ({ needed: false }),
  mayApprove: (who, job) => notTheRequester(who, job) ?? { ok: true },
  expiresAfterMs: defaultApprovalExpiryMs,
};

function notTheRequester(who: Requester, job: ApprovalSubject): ApproverCheck | undefined {
  if (who.user !== job.requestedBy.user) return undefined;
  return { ok: false, reason: `${who.user} asked for this job and cannot approve it: another admin must` };
}

/** What a policy is made of; the roles of `access.yaml` supply `isAdmin`. */
export interface ApprovalRules {
  /** Whether this person is an admin (of `project`, when the job names one: roles may be per project). */
  isAdmin(who: Requester, project?: string): boolean;
  /** Projects whose jobs wait for an approval (`protected:` in `access.yaml` or a blueprint). */
  protectedProjects: readonly string[];
  /** Job kinds that always wait for an approval (`access.approve`). */
  approveKinds: readonly string[];
  expiresAfterMs?: number;
}

/** The project a job's payload names (`deploy`, `destroy`, `power` …), if any. */
export function projectOf(payload: unknown): string | undefined {
  const project = (payload as { project?: unknown } | null)?.project;
  return typeof project === 'string' && project ? project : undefined;
}

/** The blueprint a job carries says `protected: true` (a deploy's or a destroy's snapshot). */
function blueprintProtected(payload: unknown): boolean {
  return (payload as { blueprint?: { protected?: unknown } } | null)?.blueprint?.protected === true;
}

/** The policy of a set of rules: protected projects and listed kinds wait unless an admin asks. */
export function approvalPolicyFrom(rules: ApprovalRules): ApprovalPolicy {
  return {
    expiresAfterMs: rules.expiresAfterMs ?? defaultApprovalExpiryMs,
    needsApproval: ({ kind, payload, requestedBy }) => {
      const project = projectOf(payload);
      const reasons: string[] = [];
      // Reading a protected project (a plan, a scan) changes nothing: only changes wait.
      const isProtected =
        project && (rules.protectedProjects.includes(project) || blueprintProtected(payload));
      if (isProtected && canChange(kind)) reasons.push(`project ${project} is protected`);
      if (rules.approveKinds.includes(kind)) reasons.push(`${kind} jobs need an approval (access.approve)`);
      if (reasons.length === 0 || rules.isAdmin(requestedBy, project)) return { needed: false };
      return { needed: true, why: reasons.join('; ') };
    },
    mayApprove: (who, job) => {
      const own = notTheRequester(who, job);
      if (own) return own;
      const project = projectOf(job.payload);
      if (!rules.isAdmin(who, project))
        return { ok: false, reason: `${who.user} is not an admin${project ? ` of ${project}` : ''}` };
      return { ok: true };
    },
  };
}

/** Where a job stands with its approval (kept beside the job; `JobView.approval`). */
export const approvalStates = ['pending', 'approved', 'rejected', 'cancelled'] as const;
export type ApprovalState = (typeof approvalStates)[number];

/** A job's approval as every screen and command sees it. */
export interface JobApproval {
  state: ApprovalState;
  /** Why it waits: `project shop is protected`. */
  why: string;
  requestedAt: number;
  /** Epoch ms: after this a pending job ends `rejected` ("expired"). */
  expiresAt: number;
  /** Who approved, rejected or cancelled it, when, and (rejected) why. */
  decidedBy?: Requester;
  decidedAt?: number;
  reason?: string;
}

/** A job's approval as stored with it (a job history record read back): what `JobApproval` says, checked. */
export const jobApprovalSchema: z.ZodType<JobApproval> = z.object({
  state: z.enum(approvalStates),
  why: z.string(),
  requestedAt: z.number(),
  expiresAt: z.number(),
  decidedBy: requesterSchema.optional(),
  decidedAt: z.number().optional(),
  reason: z.string().optional(),
});

/** `expires in 23 h 59 min`, `expired 5 min ago` */
export function describeExpiry(expiresAt: number, now: number): string {
  const left = expiresAt - now;
  const span = formatSpan(Math.abs(left));
  return left > 0 ? `expires in ${span}` : `expired ${span} ago`;
}

function formatSpan(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return `${Math.max(1, Math.round(ms / 1000))} s`;
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest ? `${hours} h ${rest} min` : `${hours} h`;
}

/** Jobs waiting for an approval, the one expiring first first. */
export function pendingApprovals(jobs: Iterable<JobView>): JobView[] {
  return [...jobs]
    .filter((j) => j.status === 'approval_pending')
    .sort((a, b) => (a.approval?.expiresAt ?? a.createdAt) - (b.approval?.expiresAt ?? b.createdAt));
}

/** The status bar's badge: ` 2 approvals pending `, or nothing. */
export function approvalsBadge(pending: number): string {
  if (pending <= 0) return '';
  return ` ${pending} approval${pending === 1 ? '' : 's'} pending `;
}
