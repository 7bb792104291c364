import * as z from 'zod';
import { resourceChangedEvent } from './cloudEvents';
import {
  accountField,
  type InstanceOutcome,
  listIds,
  readOnlyField,
  regionSchema,
  stringsOf,
} from './cloudJobFields';
import { carries, declareJobKind } from './jobKindDeclaration';

export const instanceActions = ['start', 'stop', 'reboot'] as const;
export type InstanceAction = (typeof instanceActions)[number];

export const instancesPayloadSchema = z
  .object({
    action: z.enum(instanceActions),
    region: regionSchema,
    ids: z
      .array(z.string().regex(/^i-[0-9a-f]{1,32}$/, 'not an instance id (i-…)'))
      .min(1, 'no instance given')
      .max(1000),
    /** Start/stop: wait until the instances are running (stopped). */
    wait: z.boolean().default(true),
    readOnly: readOnlyField,
    account: accountField,
  })
  .strict();

export type InstancesPayload = z.output<typeof instancesPayloadSchema>;

export interface InstancesResult {
  account: string;
  action: InstanceAction;
  region: string;
  instances: InstanceOutcome[];
  /** Ids the cloud does not know (any more). */
  missing: string[];
}

/** `instances`: the Servers screen's start, stop and reboot of instances in one region. */
export const instancesJob = declareJobKind({
  kind: 'instances',
  payload: instancesPayloadSchema,
  result: carries<InstancesResult>(),
  policy: { attempts: 3, backoffMs: 5_000, timeoutMs: 20 * 60_000 },
  changes: true,
  describe: (p) => {
    const ids = stringsOf(p.ids);
    return `${String(p.action)} ${ids.length === 1 ? 'instance' : `${ids.length} instances`} in ${String(p.region)}: ${listIds(ids)}`;
  },
  events: [resourceChangedEvent],
});
