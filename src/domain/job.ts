import * as z from 'zod';
import {
  describeCloudJob,
  type InstancesResult,
  instancesPayloadSchema,
  type PowerResult,
  powerPayloadSchema,
  type ScanResult,
  scanPayloadSchema,
  type TerminateResult,
  terminatePayloadSchema,
} from './cloudJobs';
import {
  type DeployResult,
  type DestroyResult,
  deployPayloadSchema,
  describeProjectJob,
  destroyPayloadSchema,
} from './projectJobs';

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
  })
  .strict();
export type Requester = z.infer<typeof requesterSchema>;

/**
 * `command`: run a program on a worker.
 * With `shell: false` (the default) `program` is spawned directly with `args` as its argument array: nothing
 * is interpreted by a shell. With `shell: true` (explicit) `program` is a `/bin/sh -c` script line and
 * `args` become its positional parameters `$1…$n`.
 */
export const commandPayloadSchema = z
  .object({
    program: z.string().min(1, 'program is empty').max(4096),
    args: z.array(z.string().max(65_536)).max(4096).default([]),
    shell: z.boolean().default(false),
    /** Working directory on the worker (default: the worker's own). */
    cwd: z.string().min(1).optional(),
    /** Extra environment variables, added to the worker's environment. */
    env: z
      .record(z.string(), z.string())
      .superRefine((env, ctx) => {
        for (const name of Object.keys(env)) {
          if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
            ctx.addIssue({ code: 'custom', path: [name], message: `"${name}" is not a variable name` });
          }
        }
      })
      .optional(),
  })
  .strict();
export type CommandPayload = z.output<typeof commandPayloadSchema>;

export interface CommandResult {
  exitCode: number;
  /** Lines of output seen (stdout + stderr). */
  lines: number;
  /** Lines not published as log events because the job went over its log budget (the tail is kept). */
  droppedLines: number;
}

/**
 * Every job kind with its payload schema. To add a kind: define its payload schema and result type in
 * `domain/` (own file), add one entry here and one in `JobResults`, then a handler in `worker/handlers/`.
 */
export const payloadSchemas = {
  command: commandPayloadSchema,
  scan: scanPayloadSchema,
  terminate: terminatePayloadSchema,
  power: powerPayloadSchema,
  instances: instancesPayloadSchema,
  deploy: deployPayloadSchema,
  destroy: destroyPayloadSchema,
} as const;

export type JobKind = keyof typeof payloadSchemas;
export const jobKinds = Object.keys(payloadSchemas) as JobKind[];

/** Payload of each kind as a handler receives it (defaults applied). */
export type Payloads = { [K in JobKind]: z.output<(typeof payloadSchemas)[K]> };
/** Payload of each kind as a caller may write it (defaulted fields optional). */
export type PayloadInputs = { [K in JobKind]: z.input<(typeof payloadSchemas)[K]> };

/** What a handler of each kind returns (stored as the job's result). */
export interface JobResults {
  command: CommandResult;
  scan: ScanResult;
  terminate: TerminateResult;
  power: PowerResult;
  instances: InstancesResult;
  deploy: DeployResult;
  destroy: DestroyResult;
}

export function isJobKind(kind: unknown): kind is JobKind {
  return typeof kind === 'string' && Object.hasOwn(payloadSchemas, kind);
}

/** Retry policy per kind. A `command` is not assumed idempotent: it runs once unless the spec asks for more. */
export interface JobPolicy {
  attempts: number;
  /** Exponential backoff: the n-th retry waits `backoffMs * 2^(n-1)`. */
  backoffMs: number;
  /** Default timeout when the spec gives none; 0 = none. */
  timeoutMs: number;
}

export const jobPolicies: { [K in JobKind]: JobPolicy } = {
  command: { attempts: 1, backoffMs: 2_000, timeoutMs: 0 },
  // A scan only reads: running it again is always safe.
  scan: { attempts: 3, backoffMs: 5_000, timeoutMs: 15 * 60_000 },
  // Idempotent: a second attempt re-reads what is left; what the first deleted is reported `gone`, and a
  // DependencyViolation that outlived the first attempt's own retries gets one more chance.
  terminate: { attempts: 2, backoffMs: 30_000, timeoutMs: 60 * 60_000 },
  // Starting a running instance (stopping a stopped one) changes nothing: safe to run again.
  power: { attempts: 3, backoffMs: 10_000, timeoutMs: 30 * 60_000 },
  instances: { attempts: 3, backoffMs: 5_000, timeoutMs: 20 * 60_000 },
  // Idempotent: every create looks its resource up by tags first and servers reuse their ClientToken, so a
  // retry (or another worker taking a dead one's job) continues where the first attempt stopped.
  deploy: { attempts: 3, backoffMs: 10_000, timeoutMs: 0 },
  destroy: { attempts: 3, backoffMs: 10_000, timeoutMs: 0 },
};

/**
 * Whether a job of each kind can change something outside infradeck, so read-only mode refuses it. A command
 * always can: nobody can tell what a program does. A scan only reads the cloud (it writes its own cache).
 */
export const jobChanges: { [K in JobKind]: boolean } = {
  command: true,
  scan: false,
  terminate: true,
  power: true,
  instances: true,
  deploy: true,
  destroy: true,
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
}

export type JobSpec = { [K in JobKind]: JobSpecOf<K> }[JobKind];

export const jobStatuses = ['queued', 'active', 'delayed', 'completed', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof jobStatuses)[number];

export function isFinished(status: JobStatus): boolean {
  return status === 'completed' || status === 'failed' || status === 'cancelled';
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
}

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
  if (raw.readOnly !== undefined && typeof raw.readOnly !== 'boolean') {
    return { ok: false, error: `readOnly: ${JSON.stringify(raw.readOnly)} is not true or false` };
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

/** One line for tables and audit: `command: make deploy`. */
export function describeJob(kind: string, payload: unknown): string {
  const cloud = describeCloudJob(kind, payload);
  if (cloud !== undefined) return cloud;
  if (kind === 'deploy' || kind === 'destroy') return describeProjectJob(kind, payload);
  if (kind === 'command' && typeof payload === 'object' && payload !== null) {
    const p = payload as { program?: unknown; args?: unknown; shell?: unknown };
    const args = Array.isArray(p.args) ? p.args.map(String) : [];
    const line = [String(p.program), ...args.map(quoteArg)].join(' ');
    return `${p.shell === true ? 'sh -c ' : ''}${line}`;
  }
  return kind;
}

function quoteArg(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
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
