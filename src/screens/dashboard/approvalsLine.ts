import { describeExpiry } from '../../domain/approval';
import { describeJob, type JobView } from '../../domain/job';

/**
 * The Dashboard's line of jobs waiting for an approval, the one expiring first first:
 * `Approvals  2 pending: 17 deploy shop by bob, expires in 23 h · 18 … (Jobs tab: a approve, x reject)`.
 * Undefined when none waits (the line is not shown).
 */
export function approvalsLine(pending: readonly JobView[], now: number): string | undefined {
  if (pending.length === 0) return undefined;
  const each = pending.map((j) => {
    const expiry = j.approval ? `, ${describeExpiry(j.approval.expiresAt, now)}` : '';
    // A job first seen through its event has no payload yet: the event's summary says what it is.
    const what = j.payload === undefined ? (j.message ?? j.kind) : describeJob(j.kind, j.payload);
    return `${j.id} ${what} by ${j.requestedBy.user}${expiry}`;
  });
  return `Approvals  ${pending.length} pending: ${each.join(' · ')} (Jobs tab: a approve, x reject)`;
}
