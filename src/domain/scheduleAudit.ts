import type { NewAuditEntry } from './audit';
import type { Requester } from './job';

export type ScheduleChange = 'enable' | 'disable' | 'edit';

/** The audit entry of a person's change to `schedules.yaml`: carried out, or refused and why. */
export function scheduleAuditEntry(
  change: ScheduleChange,
  who: Requester,
  file: string,
  name: string | undefined,
  refused?: string,
): NewAuditEntry {
  return {
    who,
    action: `schedule.${change}`,
    what: name ? `${change} schedule ${name} in ${file}` : `edit ${file}`,
    outcome: refused ? 'rejected' : 'accepted',
    ...(refused ? { reason: refused } : {}),
  };
}
