import * as z from 'zod';
import { resourceChangedEvent } from './cloudEvents';
import {
  accountField,
  listIds,
  type ResourceSummary,
  readOnlyField,
  resourceRefSchema,
  stringsOf,
} from './cloudJobFields';
import { carries, declareJobKind } from './jobKindDeclaration';

export const terminatePayloadSchema = z
  .object({
    /** What the user selected: resource keys (`region/id`) or ids. */
    ids: z.array(resourceRefSchema).min(1, 'nothing selected').max(1000),
    /** The typed confirmation: the number of resources selected, or their project's name. */
    confirm: z.string().max(200),
    /** The user explicitly agreed that buckets are emptied (every object version) before they are deleted. */
    emptyBuckets: z.boolean().default(false),
    readOnly: readOnlyField,
    account: accountField,
  })
  .strict();

export type TerminatePayload = z.output<typeof terminatePayloadSchema>;

export interface TerminateResult {
  account: string;
  /** How many the user selected. */
  requested: number;
  deleted: ResourceSummary[];
  /** Gone before we came to them: not in the cloud any more when re-read, or gone when deleted. */
  gone: ResourceSummary[];
  /** Selected ids the cloud does not know (any more): vanished between the scan and the action. */
  missing: string[];
  skipped: { resource: ResourceSummary; reason: string }[];
  /** Left-behind warnings of the plan: something not selected still uses a selected resource. */
  warnings: string[];
}

/** `terminate`: delete the selected resources in dependency order. */
export const terminateJob = declareJobKind({
  kind: 'terminate',
  payload: terminatePayloadSchema,
  result: carries<TerminateResult>(),
  // Idempotent: a second attempt re-reads what is left; what the first deleted is reported `gone`, and a
  // DependencyViolation that outlived the first attempt's own retries gets one more chance.
  policy: { attempts: 2, backoffMs: 30_000, timeoutMs: 60 * 60_000 },
  changes: true,
  describe: (p) => {
    const ids = stringsOf(p.ids);
    return `terminate ${ids.length} resource${ids.length === 1 ? '' : 's'}: ${listIds(ids)}${p.emptyBuckets ? ' (emptying buckets)' : ''}`;
  },
  events: [resourceChangedEvent],
});
