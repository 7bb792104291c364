import * as z from 'zod';
import { blueprintSchema, projectNameSchema } from '../blueprint';
import { resourceChangedEvent } from './cloudEvents';
import { carries, declareJobKind } from './jobKindDeclaration';

/** Names a deploy across resumes and retries; a rollback names the deploy it undoes by it. */
export const deployIdSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9._:-]+$/, 'only letters, digits and . _ : - are allowed');

/**
 * A deploy carries the blueprint itself (a snapshot taken when it was queued): an edit, rename or delete of the
 * file while the job waits or runs changes nothing for that job. Resume is a deploy queued again with the same
 * payload (same `deployId`): it plans again against the state file and the cloud and does what is left.
 */
export const deployPayloadSchema = z
  .object({
    project: projectNameSchema,
    blueprint: blueprintSchema,
    /** Where the snapshot came from and its SHA-256, for the log and the state file. */
    source: z
      .object({ file: z.string().min(1).max(4096), sha256: z.string().regex(/^[0-9a-f]{64}$/) })
      .strict(),
    /** Names the deploy across resumes and retries; default `job-<jobId>`. Set by `newDeployId()` at enqueue. */
    deployId: deployIdSchema.optional(),
    /** The job this one resumes (for the log; the work is the same: plan again, do what is left). */
    resumeOf: z.string().min(1).max(200).optional(),
    /** The project's name typed by the user: needed when a protected project's plan deletes or replaces. */
    confirmName: z.string().max(100).optional(),
    /** Set by a console in read-only mode: the worker refuses the job (it re-checks its own flag as well). */
    readOnly: z.boolean().default(false),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.blueprint.name !== p.project)
      ctx.addIssue({
        code: 'custom',
        path: ['project'],
        message: `the payload is for project "${p.project}" but its blueprint is "${p.blueprint.name}"`,
      });
  });

export type DeployPayload = z.output<typeof deployPayloadSchema>;
export type DeployPayloadInput = z.input<typeof deployPayloadSchema>;

export interface RecordedResourceView {
  logicalId: string;
  type: string;
  id: string;
}

export interface DeployResult {
  project: string;
  deployId: string;
  /** Created by this deploy (its deploy id) in all its attempts and resumes, earlier attempts' first. */
  created: RecordedResourceView[];
  /** Deleted by this run: servers replaced, resources no longer in the blueprint. */
  deleted: RecordedResourceView[];
  /** Blueprint resources that were there before this deploy. */
  unchanged: number;
  /** Actions carried out. */
  actions: number;
  stateFile: string;
}

/** `deploy` (and resume): make the cloud what the blueprint snapshot says. */
export const deployJob = declareJobKind({
  kind: 'deploy',
  payload: deployPayloadSchema,
  result: carries<DeployResult>(),
  // Idempotent: every create looks its resource up by tags first and servers reuse their ClientToken, so a
  // retry (or another worker taking a dead one's job) continues where the first attempt stopped.
  policy: { attempts: 3, backoffMs: 10_000, timeoutMs: 0 },
  changes: true,
  describe: (p) => {
    const id = typeof p.deployId === 'string' ? ` (${p.deployId})` : '';
    return `${typeof p.resumeOf === 'string' ? 'resume deploy' : 'deploy'} ${projectOf(p)}${id}`;
  },
  // Each resource as it is made, started or deleted: every console's index follows the job.
  events: [resourceChangedEvent],
});

/** The project a deploy or destroy payload names, `?` when it names none. */
export function projectOf(p: { readonly project?: unknown }): string {
  return typeof p.project === 'string' ? p.project : '?';
}
