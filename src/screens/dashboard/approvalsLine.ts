import { describeExpiry } from '../../domain/approval';
import type { JobView } from '../../domain/job';
import type { JobSummaries } from '../../state/reducers/jobs';
import { jobWhat } from '../../state/selectors/jobs';

/**
 * The Dashboard's line of jobs waiting for an approval, the one expiring first first:
 * `Approvals  2 pending: 17 deploy shop by bob, expires in 23 h · 18 … (Jobs tab: a approve, x reject)`.
 * Undefined when none waits (the line is not shown).
 */
export function approvalsLine(
  pending: readonly JobView[],
  now: number,
  summaries?: JobSummaries,
): string | undefined {
  if (pending.length === 0) return undefined;
  const each = pending.map((j) => {
    const expiry = j.approval ? `, ${describeExpiry(j.approval.expiresAt, now)}` : '';
    return `${j.id} ${jobWhat(j, summaries)} by ${j.requestedBy.user}${expiry}`;
  });
  return `Approvals  ${pending.length} pending: ${each.join(' · ')} (Jobs tab: a approve, x reject)`;
}
