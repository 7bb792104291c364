import * as z from 'zod';
import { projectNameSchema, regionSchema } from './blueprint';
import type { DeployPlan } from './plan';
import { isRefusal } from './refusal';
import { resourceTypes } from './resource';

/**
 * What a project's jobs did, kept in `<dataDir>/state/<project>.json`: every resource a deploy made (written the
 * moment it exists), creates in flight, and the last job. The cloud's tags are the other half of the truth:
 * a plan reads both, so a lost state file still finds the project's resources, and a resource whose tags were
 * removed is still known by its id.
 */

/** Per project and per resource: `provision -> provisioned -> destroy -> destroyed`. */
export const lifecycles = ['provision', 'provisioned', 'destroy', 'destroyed'] as const;
export type Lifecycle = (typeof lifecycles)[number];

export const projectStatuses = [
  'ready',
  'queued',
  'in_progress',
  'done',
  'error',
  'approval_pending',
  'pending',
  'rejected',
  'unknown',
  /** Never deployed, and its blueprint does not read: nothing to deploy until it is fixed (never stored). */
  'invalid',
] as const;
export type ProjectStatus = (typeof projectStatuses)[number];

/**
 * Blueprint against what exists (derived by the plan, never stored). `vanished`: the state file lists resources
 * a deploy made and none of them exists any more (deleted outside infradeck) — not the same as never deployed.
 */
export const syncStatuses = ['not deployed', 'in sync', 'drifted', 'partial', 'vanished'] as const;
export type SyncStatus = (typeof syncStatuses)[number];

const epochMs = z.number().int().nonnegative();

export const stateResourceSchema = z
  .object({
    /** The blueprint resource it is: `vpc`, `subnet:public-a`, `instances:web`, `bucket:assets`. */
    logicalId: z.string().min(1).max(200),
    type: z.enum(resourceTypes),
    /** The cloud's id (a bucket's name). */
    id: z.string().min(1).max(300),
    region: regionSchema,
    /** The deploy that created it: a rollback of that deploy removes it. */
    deployId: z.string().min(1).max(200),
    createdAt: epochMs,
    lifecycle: z.enum(lifecycles).default('provisioned'),
  })
  .strict();
export type StateResource = z.output<typeof stateResourceSchema>;

/**
 * A create that was sent and may or may not have happened (the worker died, the call timed out). A resumed
 * deploy repeats it with the same ClientToken and count, which returns the first call's resources instead of
 * making new ones; a bucket named here that already exists in the account is ours.
 */
export const pendingCreateSchema = z
  .object({
    logicalId: z.string().min(1).max(200),
    deployId: z.string().min(1).max(200),
    clientToken: z.string().min(1).max(64).optional(),
    count: z.number().int().min(1).max(100).optional(),
    /** The bucket name for a bucket create. */
    name: z.string().min(1).max(300).optional(),
    startedAt: epochMs,
  })
  .strict();
export type PendingCreate = z.output<typeof pendingCreateSchema>;

export const lastJobSchema = z
  .object({
    jobId: z.string().min(1).max(200),
    kind: z.enum(['deploy', 'destroy']),
    /** Deploy: the deploy's id (kept by resume). Destroy: the deploy rolled back, when it is a rollback. */
    deployId: z.string().min(1).max(200).optional(),
    rollback: z.boolean().optional(),
    startedAt: epochMs,
    finishedAt: epochMs.optional(),
    error: z.string().max(4000).optional(),
    step: z.number().int().nonnegative().optional(),
    total: z.number().int().nonnegative().optional(),
    /** The blueprint snapshot the job worked from. */
    blueprintSha256: z.string().max(64).optional(),
    blueprintFile: z.string().max(4096).optional(),
  })
  .strict();
export type LastJob = z.output<typeof lastJobSchema>;

export const projectStateSchema = z
  .object({
    version: z.literal(1),
    project: projectNameSchema,
    region: regionSchema,
    /** Copied from the blueprint at deploy: a destroy still needs the confirmation when the file is gone. */
    protected: z.boolean().default(false),
    lifecycle: z.enum(lifecycles),
    status: z.enum(projectStatuses),
    updatedAt: epochMs,
    lastJob: lastJobSchema.optional(),
    resources: z.array(stateResourceSchema).default([]),
    pending: z.array(pendingCreateSchema).default([]),
  })
  .strict()
  .superRefine((state, ctx) => {
    const seen = new Map<string, number>();
    state.resources.forEach((r, i) => {
      const key = `${r.region}/${r.id}`;
      const first = seen.get(key);
      if (first !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['resources', i, 'id'],
          message: `${r.id} is listed twice (also resources[${first}])`,
        });
      else seen.set(key, i);
    });
  });
export type ProjectState = z.output<typeof projectStateSchema>;

export function emptyProjectState(
  project: string,
  region: string,
  isProtected: boolean,
  now: number,
): ProjectState {
  return {
    version: 1,
    project,
    region,
    protected: isProtected,
    lifecycle: 'destroyed',
    status: 'ready',
    updatedAt: now,
    resources: [],
    pending: [],
  };
}

/** Resources that still exist as far as the state knows (not yet destroyed). */
export function liveStateResources(state: ProjectState | undefined): StateResource[] {
  return state ? state.resources.filter((r) => r.lifecycle !== 'destroyed') : [];
}

/** The last job as a list or a screen needs it: its status in the queue, and its error. */
export interface JobSummary {
  status:
    | 'queued'
    | 'active'
    | 'delayed'
    | 'completed'
    | 'failed'
    | 'cancelled'
    | 'approval_pending'
    | 'rejected';
  error?: string;
}

/**
 * The status a project row shows. A job in the queue wins (queued / in_progress); then what the state file
 * says the last job ended with; a refused job (protection, read-only, another deploy running) is `rejected`;
 * a project never deployed is `ready`; a state file that cannot be read is `unknown`.
 */
export function projectStatusOf(input: {
  state?: ProjectState;
  stateInvalid?: boolean;
  /** The blueprint has errors (it is not read). */
  blueprintInvalid?: boolean;
  job?: JobSummary;
  /** A change is waiting for the user's confirmation (a protected project's delete). */
  awaitingApproval?: boolean;
}): ProjectStatus {
  const { state, job } = input;
  if (input.awaitingApproval || job?.status === 'approval_pending') return 'approval_pending';
  if (job?.status === 'queued') return 'queued';
  if (job?.status === 'delayed') return 'pending';
  if (job?.status === 'active') return 'in_progress';
  if (job?.status === 'rejected' || (job?.status === 'failed' && job.error && isRefusal(job.error)))
    return 'rejected';
  if (input.stateInvalid) return 'unknown';
  if (!state) return input.blueprintInvalid ? 'invalid' : 'ready';
  // A state file left `in_progress` with no job running: the worker died; resume or roll back.
  if (state.status === 'in_progress' && job) return 'error';
  return state.status;
}

export { isRefusal };

/** A line of the Deployments screen / `infradeck projects`. */
export interface ProjectRow {
  name: string;
  file: string;
  environment?: string;
  region?: string;
  owner?: string;
  protected: boolean;
  /** From the state file; undefined when never deployed. */
  lifecycle?: Lifecycle;
  status: ProjectStatus;
  /**
   * Against the resources given (the index); undefined when the blueprint is not valid, or when the state file
   * records resources and those given cannot tell (the region never scanned, the project never looked up).
   */
  sync?: SyncStatus;
  /** `file:line:col: path: message` for the blueprint and the state file. */
  errors: string[];
  /** Resources the state file lists. */
  recorded: number;
  plan?: DeployPlan;
  /** The last job as the state file remembers it. */
  lastJob?: LastJob;
}
