import * as z from 'zod';
import { blueprintSchema, projectNameSchema } from '../blueprint';
import { resourceChangedEvent } from './cloudEvents';
import { deployIdSchema, projectOf, type RecordedResourceView } from './deploy';
import { carries, declareJobKind } from './jobKindDeclaration';

export const destroyPayloadSchema = z
  .object({
    project: projectNameSchema,
    /** The blueprint snapshot, when there is one: its region and `protected` flag count with the state file's. */
    blueprint: blueprintSchema.optional(),
    /** Required (equal to `project`) when the project is protected. */
    confirmName: z.string().max(100).optional(),
    /** The user confirmed that buckets are emptied (every object version) and deleted. */
    emptyBuckets: z.boolean().default(false),
    /** Roll back this deploy: remove only what it created, newest dependants first. */
    rollbackOf: deployIdSchema.optional(),
    readOnly: z.boolean().default(false),
  })
  .strict();

export type DestroyPayload = z.output<typeof destroyPayloadSchema>;
export type DestroyPayloadInput = z.input<typeof destroyPayloadSchema>;

export interface DestroyResult {
  project: string;
  /** Set for a rollback. */
  rollbackOf?: string;
  /** Deleted by this job, in all its attempts. */
  deleted: RecordedResourceView[];
  /** Already gone when the destroy came to them. */
  gone: RecordedResourceView[];
  stateFile: string;
}

/** `destroy` (and rollback: a destroy with `rollbackOf` removes only what that deploy created). */
export const destroyJob = declareJobKind({
  kind: 'destroy',
  payload: destroyPayloadSchema,
  result: carries<DestroyResult>(),
  policy: { attempts: 3, backoffMs: 10_000, timeoutMs: 0 },
  changes: true,
  describe: (p) =>
    typeof p.rollbackOf === 'string'
      ? `rollback of ${p.rollbackOf} (${projectOf(p)})`
      : `destroy ${projectOf(p)}`,
  // Each resource as it is stopped and deleted: every console's index follows the job.
  events: [resourceChangedEvent],
});
