import * as z from 'zod';
import { requesterSchema } from './job';
import { maskSecrets } from './secretMask';

/**
 * The audit trail: an append-only record of every request that changes what runs (enqueue, cancel, retry)
 * and of how each job ended. Never trimmed, never rewritten.
 */
/**
 * `schedule.*`: a person enabled, disabled or edited a schedule (`schedules.yaml` is the workspace's, not a job's).
 * `unreadable`: an entry of the trail this version cannot read (shown, not skipped).
 */
export const auditActions = [
  'job.enqueue',
  'job.cancel',
  'job.retry',
  'job.resume',
  'job.approve',
  'job.reject',
  'job.finish',
  'schedule.enable',
  'schedule.disable',
  'schedule.edit',
  'unreadable',
] as const;
export type AuditAction = (typeof auditActions)[number];

/**
 * - `accepted`: the request was carried out; `deduplicated`: an enqueue that returned an existing job (same
 *   idempotency key); `rejected`: refused (bad payload, unknown job, wrong state) with `reason`.
 * - `pending`: an enqueue held for an approval (`reason` says why). For `job.finish`: how the job ended
 *   (`completed` / `failed` / `cancelled`, or `rejected` by an admin or on expiry).
 */
export const auditOutcomes = [
  'accepted',
  'deduplicated',
  'pending',
  'rejected',
  'completed',
  'failed',
  'cancelled',
] as const;
export type AuditOutcome = (typeof auditOutcomes)[number];

export const auditEntrySchema = z.object({
  /** Stream id (Redis) or `<ms>-<seq>` (memory/file): ordered like event ids. */
  id: z.string(),
  /** Epoch ms. */
  at: z.number(),
  /** Who: OS user, host, `SSH_CLIENT` if any. For `job.finish` it is the job's requester. */
  who: requesterSchema,
  action: z.enum(auditActions),
  jobId: z.string().optional(),
  kind: z.string().optional(),
  /** What, in one line: `command: make deploy`. */
  what: z.string(),
  outcome: z.enum(auditOutcomes),
  reason: z.string().optional(),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;
export type NewAuditEntry = Omit<AuditEntry, 'id' | 'at'> & { at?: number };

/**
 * An entry with `what` and `reason` masked: they quote what was asked (a command line, an error) and may hold a
 * token or a password a person typed. Entries are stored so (since session 7) and shown so (older ones too).
 */
export function maskedAuditEntry<E extends NewAuditEntry>(entry: E): E {
  const what = maskSecrets(entry.what);
  const reason = entry.reason === undefined ? undefined : maskSecrets(entry.reason);
  if (what === entry.what && reason === entry.reason) return entry;
  return { ...entry, what, ...(reason !== undefined ? { reason } : {}) };
}
