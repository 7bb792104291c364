import { describeExpiry } from '../../domain/approval';
import type { JobView } from '../../domain/job';
import type { JobSummaries } from '../../state/reducers/jobs';
import { jobWhat } from '../../state/selectors/jobs';
import type { DeckActions } from '../../state/store';

/** Who asked and why it waits, as both questions show it. */
function heldLines(job: JobView, now: number, summaries?: JobSummaries): string[] {
  const who = `${job.requestedBy.user}@${job.requestedBy.host}`;
  const approval = job.approval;
  return [
    jobWhat(job, summaries),
    `asked by ${who}${approval ? `; ${approval.why}` : ''}`,
    ...(approval ? [describeExpiry(approval.expiresAt, now)] : []),
  ];
}

function notPending(job: JobView, actions: DeckActions): boolean {
  if (job.status === 'approval_pending') return false;
  actions.ui.notify(
    'warn',
    `job ${job.id} is ${job.status}: only a job waiting for an approval can be approved or rejected`,
  );
  return true;
}

/** `a` on a pending job: approve it (asks first); the bus refuses the requester, non-admins and expired jobs. */
export function askApprove(
  job: JobView,
  actions: DeckActions,
  summaries?: JobSummaries,
  now = Date.now(),
): void {
  if (notPending(job, actions)) return;
  actions.ui.confirm({
    title: `Approve job ${job.id}?`,
    lines: [
      ...heldLines(job, now, summaries),
      'it is queued and runs on a worker; the audit trail records your approval',
    ],
    onYes: () => void actions.jobs.approve(job.id),
  });
}

/** `x` on a pending job: reject it with a reason (a form; an empty reason is not taken). */
export function askReject(
  job: JobView,
  actions: DeckActions,
  summaries?: JobSummaries,
  now = Date.now(),
): void {
  if (notPending(job, actions)) return;
  actions.ui.openForm({
    title: `Reject job ${job.id}?`,
    note: `${heldLines(job, now, summaries).join(' · ')}. Why? The requester and the audit trail see it; Enter rejects, Esc keeps it.`,
    fields: [{ label: 'reason' }],
    onSubmit: async ([reason]) => {
      if (!reason?.trim()) return 'a rejection needs a reason';
      await actions.jobs.reject(job.id, reason.trim());
      return undefined;
    },
  });
}
