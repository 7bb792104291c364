import * as z from 'zod';
import { resourceChangedEvent } from './cloudEvents';
import { accountField, type InstanceOutcome, readOnlyField, regionSchema } from './cloudJobFields';
import { carries, declareJobKind } from './jobKindDeclaration';

export const powerPayloadSchema = z
  .object({
    /** The `infradeck:project` tag value. */
    project: z.string().min(1).max(256),
    on: z.boolean(),
    /** Regions to look in; all enabled regions when absent. */
    regions: z.array(regionSchema).min(1).max(64).optional(),
    /** Wait until every instance is running (stopped) before the job completes. */
    wait: z.boolean().default(true),
    readOnly: readOnlyField,
    account: accountField,
  })
  .strict();

export type PowerPayload = z.output<typeof powerPayloadSchema>;

export interface PowerResult {
  account: string;
  project: string;
  on: boolean;
  instances: InstanceOutcome[];
}

/** `power`: start or stop every live instance of a project. */
export const powerJob = declareJobKind({
  kind: 'power',
  payload: powerPayloadSchema,
  result: carries<PowerResult>(),
  // Starting a running instance (stopping a stopped one) changes nothing: safe to run again.
  policy: { attempts: 3, backoffMs: 10_000, timeoutMs: 30 * 60_000 },
  changes: true,
  describe: (p) => `power ${p.on ? 'on' : 'off'} project ${String(p.project)}`,
  events: [resourceChangedEvent],
});
