import * as z from 'zod';
import type { JobApproval } from './approval';
import {
  type JobKind,
  jobKindByName,
  jobKindDeclarations,
  type PayloadInputs,
  type Payloads,
} from './jobKinds';
import type { JobPolicy } from './jobKinds/jobKindDeclaration';
import { type RequestSignature, requestSignatureSchema } from './signature';

export type { JobKind, JobResults, PayloadInputs, Payloads } from './jobKinds';
export type { CommandPayload, CommandResult } from './jobKinds/command';
export { commandPayloadSchema } from './jobKinds/command';
export type { JobPolicy } from './jobKinds/jobKindDeclaration';

/**
 * Who asked for something: the OS user, the host they were on, and `SSH_CLIENT` when they came in over SSH.
 * Every job, event and audit entry carries one.
 */
export const requesterSchema = z
  .object({
    user: z.string().min(1).max(200),
    host: z.string().min(1).max(300),
    /** The `SSH_CLIENT` value (`client-ip client-port server-port`) when the request came over SSH. */
    sshClient: z.string().max(300).optional(),
    /** The user's OS groups where they asked: `access.yaml` may give a group a role, and the worker may be elsewhere. */
    groups: z.array(z.string().min(1).max(200)).max(1000).optional(),
  })
  .strict();
export type Requester = z.infer<typeof requesterSchema>;

export const jobKinds = jobKindDeclarations.map((d) => d.kind) as JobKind[];

/** Every job kind with its payload schema. */
export const payloadSchemas = Object.fromEntries(jobKindDeclarations.map((d) => [d.kind, d.payload])) as {
  [K in JobKind]: (typeof jobKindByName)[K]['payload'];
};

export function isJobKind(kind: unknown): kind is JobKind {
  return typeof kind === 'string' && Object.hasOwn(jobKindByName, kind);
}

/** Retry policy per kind; a spec may override attempts and timeout. */
export const jobPolicies = Object.fromEntries(jobKindDeclarations.map((d) => [d.kind, d.policy])) as {
  [K in JobKind]: JobPolicy;
};

/** Whether a job of each kind can change something outside infradeck, so read-only mode refuses it. */
export const jobChanges = Object.fromEntries(jobKindDeclarations.map((d) => [d.kind, d.changes])) as {
  [K in JobKind]: boolean;
};

/** A kind this version does not know is treated as one that changes things. */
export function canChange(kind: string): boolean {
  return isJobKind(kind) ? jobChanges[kind] : true;
}

export interface JobSpecOf<K extends JobKind> {
  kind: K;
  payload: PayloadInputs[K];
  /** Two enqueues with the same key give one job (the second returns the first one's id). */
  idempotencyKey?: string;
  requestedBy: Requester;
  /** Cancel the job (status failed, "timed out") after this long; default per kind. */
  timeoutMs?: number;
  /** Override the kind's attempts (1 = no retry). */
  attempts?: number;
  /**
   * The asker runs read-only (`--readonly`, `INFRADECK_READONLY`): a kind that can change something
   * (`jobChanges`) is refused at enqueue, audited, and nothing is queued.
   */
  readOnly?: boolean;
  /** The schedule (`schedules.yaml`) and tick, epoch ms, this job runs for. */
  schedule?: ScheduleTick;
  /** The requester's SSH signature of this spec (`services/identity`), checked by the worker before it runs. */
  signature?: RequestSignature;
}

/** A schedule's name and one of its ticks (epoch ms). */
export interface ScheduleTick {
  name: string;
  tick: number;
}

export type JobSpec = { [K in JobKind]: JobSpecOf<K> }[JobKind];

/**
 * `waiting`: a parent job suspended until its children end; `paused`: a parent suspended until someone resumes it
 * (`JobQueue.resume`); a parent that sleeps until a time is `delayed`. None of the three holds a worker slot.
 */
export const jobStatuses = [
  'queued',
  'active',
  'waiting',
  'paused',
  'delayed',
  'completed',
  'failed',
  'cancelled',
  'approval_pending',
  'rejected',
] as const;
export type JobStatus = (typeof jobStatuses)[number];

/** `approval_pending`: held until an admin approves (then `queued`) or rejects it (`rejected`, also on expiry). */
export function isFinished(status: JobStatus): boolean {
  return status === 'completed' || status === 'failed' || status === 'cancelled' || status === 'rejected';
}

/** A job as every screen and command sees it, whatever transport runs it. */
export interface JobView {
  id: string;
  /** A kind this version knows, or the raw name sent by another version (such a job fails). */
  kind: JobKind | (string & {});
  status: JobStatus;
  /** Progress: `step` of `total` (0 of 0 until the handler reports). */
  step: number;
  total: number;
  message?: string;
  /** Attempts started so far (1 while the first runs). */
  attempts: number;
  maxAttempts: number;
  requestedBy: Requester;
  /** Epoch ms. */
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  result?: unknown;
  /** Why it failed or who cancelled it. */
  error?: string;
  payload: unknown;
  idempotencyKey?: string;
  timeoutMs?: number;
  /** The worker running it (or that ran it last): `host:pid`. */
  worker?: string;
  /** Set when a schedule's tick (or a "run now" of a schedule) made this job. */
  schedule?: ScheduleTick;
  /** Every attempt so far, oldest first, also those before a retry (the newest `maxRuns` are kept). */
  runs?: JobRun[];
  /** Set on a child job (a batch's target, a pipeline's step): the parent job that added it. */
  parentId?: string;
  /** A child's key among its parent's children (a batch's target key, a pipeline's step name). */
  childKey?: string;
  /** The requester's signature of the spec, when it was signed (`services/identity`). */
  signature?: RequestSignature;
  /** Set when the job waited (or waits) for an approval: why, until when, who decided. */
  approval?: JobApproval;
}

/**
 * How an attempt ended. `released`: handed back by a stopping worker (not counted; another runs the job);
 * `lost`: its worker died without a word (another worker took the job over); `suspended`: a parent job's handler
 * stepped aside to wait for its children, a time or a resume (the attempt goes on when it runs again).
 */
export const runOutcomes = [
  'running',
  'completed',
  'failed',
  'cancelled',
  'released',
  'lost',
  'suspended',
] as const;
export type RunOutcome = (typeof runOutcomes)[number];

/** One attempt at a job, as its view lists them. */
export interface JobRun {
  /** The attempt's number as the worker counted it (1 for the first; a retry starts again at 1). */
  attempt: number;
  startedAt: number;
  finishedAt?: number;
  worker?: string;
  outcome: RunOutcome;
  /** Why it failed, or who cancelled it. */
  error?: string;
}

/** Attempts kept per job: a job retried over and over does not grow without bound. */
export const maxRuns = 50;

/** One line of a job's output. `seq` counts lines within an attempt, so a follower can drop duplicates. */
export interface JobLogLine {
  attempt: number;
  seq: number;
  stream: 'stdout' | 'stderr' | 'info';
  text: string;
  at: number;
}

export interface JobFilter {
  status?: JobStatus | JobStatus[];
  kind?: string;
  /** Newest first; default 200. */
  limit?: number;
}

const idempotencyKeySchema = z
  .string()
  .min(1, 'idempotencyKey is empty')
  .max(200, 'idempotencyKey is longer than 200 characters');

/** A spec that passed `checkJobSpec`: payload parsed, defaults applied. */
export type ValidJobSpec = {
  [K in JobKind]: Omit<JobSpecOf<K>, 'payload'> & { payload: Payloads[K] };
}[JobKind];

export type SpecCheck = { ok: true; spec: ValidJobSpec } | { ok: false; error: string };

/** Validate a spec at enqueue: unknown kind or bad payload is refused with what and where. */
export function checkJobSpec(spec: unknown): SpecCheck {
  if (typeof spec !== 'object' || spec === null) return { ok: false, error: 'job spec is not an object' };
  const raw = spec as Record<string, unknown>;
  if (!isJobKind(raw.kind)) {
    return {
      ok: false,
      error: `unknown job kind ${JSON.stringify(raw.kind)} (known: ${jobKinds.join(', ')})`,
    };
  }
  const kind = raw.kind;
  const who = requesterSchema.safeParse(raw.requestedBy);
  if (!who.success) return { ok: false, error: `requestedBy: ${describeIssues(who.error)}` };
  const payload = payloadSchemas[kind].safeParse(raw.payload);
  if (!payload.success) return { ok: false, error: `${kind} payload: ${describeIssues(payload.error)}` };
  if (raw.idempotencyKey !== undefined) {
    const key = idempotencyKeySchema.safeParse(raw.idempotencyKey);
    if (!key.success) return { ok: false, error: describeIssues(key.error) };
  }
  if (raw.timeoutMs !== undefined && !(Number.isInteger(raw.timeoutMs) && (raw.timeoutMs as number) > 0)) {
    return { ok: false, error: `timeoutMs: ${JSON.stringify(raw.timeoutMs)} is not a positive whole number` };
  }
  if (
    raw.attempts !== undefined &&
    !(Number.isInteger(raw.attempts) && (raw.attempts as number) >= 1 && (raw.attempts as number) <= 50)
  ) {
    return {
      ok: false,
      error: `attempts: ${JSON.stringify(raw.attempts)} is not a whole number from 1 to 50`,
    };
  }
  const schedule = raw.schedule as Partial<ScheduleTick> | undefined;
  if (
    schedule !== undefined &&
    !(typeof schedule?.name === 'string' && schedule.name && Number.isInteger(schedule.tick))
  ) {
    return { ok: false, error: 'schedule: expected { name, tick }' };
  }
  if (raw.readOnly !== undefined && typeof raw.readOnly !== 'boolean') {
    return { ok: false, error: `readOnly: ${JSON.stringify(raw.readOnly)} is not true or false` };
  }
  const signature = raw.signature === undefined ? undefined : requestSignatureSchema.safeParse(raw.signature);
  if (signature && !signature.success) {
    return { ok: false, error: `signature: ${describeIssues(signature.error)}` };
  }
  return {
    ok: true,
    spec: {
      kind,
      payload: payload.data as Payloads[typeof kind],
      requestedBy: who.data,
      idempotencyKey: raw.idempotencyKey as string | undefined,
      timeoutMs: raw.timeoutMs as number | undefined,
      attempts: raw.attempts as number | undefined,
      ...(raw.readOnly === true ? { readOnly: true } : {}),
      ...(schedule ? { schedule: { name: schedule.name, tick: schedule.tick } } : {}),
      ...(signature ? { signature: signature.data } : {}),
      // The payload was parsed by this kind's own schema; TypeScript cannot follow `kind` into the union.
    } as ValidJobSpec,
  };
}

/** `args.0: expected string, received number; program: program is empty` */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.map(String).join('.');
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');
}

/**
 * One line for tables and audit: `make deploy`, `scan eu-west-1`. A kind this version does not know, or a
 * payload that is not an object (written by another version or by hand), reads as the kind's name.
 */
export function describeJob(kind: string, payload: unknown): string {
  if (!isJobKind(kind) || typeof payload !== 'object' || payload === null) return kind;
  // The declaration reads every field defensively: `payload` is only known to be an object.
  return (jobKindByName[kind].describe as (p: object) => string)(payload);
}

/** A worker as `infradeck workers` and the Dashboard see it; refreshed by its heartbeat. */
export interface WorkerPresence {
  /** `host:pid`, unique per process. */
  id: string;
  host: string;
  pid: number;
  /** Epoch ms. */
  startedAt: number;
  lastSeenAt: number;
  concurrency: number;
  jobsDone: number;
  jobsFailed: number;
  /** Jobs running right now. */
  current: Array<{ id: string; kind: string; startedAt: number }>;
  /** `memory` for the in-process runner of the embedded console. */
  transport: 'redis' | 'memory';
  version?: string;
}

/** The payload fields a kind accepts (its schema is an object; anything else lists none). */
export function payloadKeys(kind: JobKind): string[] {
  let schema: unknown = payloadSchemas[kind];
  // A superRefine'd object is still the object underneath in zod 4; a pipe keeps it as its input.
  for (let i = 0; i < 5; i++) {
    const def = (schema as { _zod?: { def?: { type?: string; shape?: object; in?: unknown } } })?._zod?.def;
    if (def?.type === 'object' && def.shape) return Object.keys(def.shape);
    if (def?.type === 'pipe') schema = def.in;
    else return [];
  }
  return [];
}
