import * as z from 'zod';
import { blueprintSchema, projectNameSchema } from './blueprint';

/**
 * The `deploy` and `destroy` jobs. A deploy carries the blueprint itself (a snapshot taken when it was
 * queued): an edit, rename or delete of the file while the job waits or runs changes nothing for that job.
 *
 * Resume is a deploy queued again with the same payload (same `deployId`): it plans again against the state
 * file and the cloud and does what is left. Rollback is a destroy with `rollbackOf`: it removes only what
 * that deploy created.
 */

const id = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9._:-]+$/, 'only letters, digits and . _ : - are allowed');

export const deployPayloadSchema = z
  .object({
    project: projectNameSchema,
    blueprint: blueprintSchema,
    /** Where the snapshot came from and its SHA-256, for the log and the state file. */
    source: z
      .object({ file: z.string().min(1).max(4096), sha256: z.string().regex(/^[0-9a-f]{64}$/) })
      .strict(),
    /** Names the deploy across resumes and retries; default `job-<jobId>`. Set by `newDeployId()` at enqueue. */
    deployId: id.optional(),
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
    rollbackOf: id.optional(),
    readOnly: z.boolean().default(false),
  })
  .strict();

export type DeployPayload = z.output<typeof deployPayloadSchema>;
export type DeployPayloadInput = z.input<typeof deployPayloadSchema>;
export type DestroyPayload = z.output<typeof destroyPayloadSchema>;
export type DestroyPayloadInput = z.input<typeof destroyPayloadSchema>;

export interface RecordedResourceView {
  logicalId: string;
  type: string;
  id: string;
}

export interface DeployResult {
  project: string;
  deployId: string;
  /** Created by this run (a resumed run lists only what it made itself). */
  created: RecordedResourceView[];
  /** Deleted by this run: servers replaced, resources no longer in the blueprint. */
  deleted: RecordedResourceView[];
  unchanged: number;
  /** Actions carried out. */
  actions: number;
  stateFile: string;
}

export interface DestroyResult {
  project: string;
  /** Set for a rollback. */
  rollbackOf?: string;
  deleted: RecordedResourceView[];
  /** Already gone when the destroy came to them. */
  gone: RecordedResourceView[];
  stateFile: string;
}

/** A deploy id unique across hosts and restarts: `d-<time>-<random>`. */
export function newDeployId(now: number = Date.now(), random: () => number = Math.random): string {
  const rand = Math.floor(random() * 36 ** 6)
    .toString(36)
    .padStart(6, '0');
  return `d-${now.toString(36)}-${rand}`;
}

/** One line for the job table and the audit trail: `deploy shop (d-…)`, `rollback of d-… (shop)`. */
export function describeProjectJob(kind: 'deploy' | 'destroy', payload: unknown): string {
  const p = (typeof payload === 'object' && payload !== null ? payload : {}) as Record<string, unknown>;
  const project = typeof p.project === 'string' ? p.project : '?';
  if (kind === 'deploy') {
    const id = typeof p.deployId === 'string' ? ` (${p.deployId})` : '';
    return `${typeof p.resumeOf === 'string' ? 'resume deploy' : 'deploy'} ${project}${id}`;
  }
  return typeof p.rollbackOf === 'string' ? `rollback of ${p.rollbackOf} (${project})` : `destroy ${project}`;
}
