import type { ApprovalPolicy } from '../../domain/approval';
import type { AuditEntry, NewAuditEntry } from '../../domain/audit';
import type { BusState, BusStatus } from '../../domain/busStatus';
import type { DeckEvent, NewEvent } from '../../domain/event';
import type {
  JobFilter,
  JobKind,
  JobLogLine,
  JobPolicy,
  JobResults,
  JobRun,
  JobSpec,
  JobStatus,
  JobView,
  Payloads,
  Requester,
  WorkerPresence,
} from '../../domain/job';

export { JobFailure } from './jobFailure';

export type JobId = string;
export type Unsubscribe = () => void;

/**
 * Commands: durable (Redis) and at-least-once. Every method rejects with a `BusError`:
 * `unavailable` while the bus is not connected (nothing is queued behind your back), `invalid` for a spec
 * that fails validation, `not-found`, or `conflict` (e.g. retrying a job that is still running).
 */
export interface JobQueue {
  /** Validate, queue, audit. The same `idempotencyKey` gives the same id and no second job. */
  enqueue(spec: JobSpec): Promise<JobId>;
  /** Abort a running job (its handler's signal) or drop a queued one; it ends `cancelled`, never retried. */
  cancel(id: JobId, by?: Requester): Promise<void>;
  /** Queue a `failed` or `cancelled` job again, with a fresh set of attempts. */
  retry(id: JobId, by?: Requester): Promise<void>;
  /** Wake a `paused` parent job (or one sleeping until a time) now: its handler runs again. Audited. */
  resume(id: JobId, by?: Requester): Promise<void>;
  /**
   * Approve an `approval_pending` job (an admin other than its requester, per the bus's `ApprovalPolicy`): it is
   * queued and runs as any job. Refused (`BusError` `refused`, audited) for the requester, a non-admin, an expired
   * or unknown job.
   */
  approve(id: JobId, by?: Requester): Promise<void>;
  /** Reject an `approval_pending` job with a reason: it ends `rejected`. Refused as `approve` is. */
  reject(id: JobId, by: Requester | undefined, reason: string): Promise<void>;
  /** Newest first. */
  list(filter?: JobFilter): Promise<JobView[]>;
  get(id: JobId): Promise<JobView | undefined>;
  counts(): Promise<Record<JobStatus, number>>;
  /** The job's recent output (the last 1,000 lines are kept per job), oldest first. */
  logs(id: JobId, opts?: { tail?: number }): Promise<JobLogLine[]>;
}

/** Something the subscriber should tell the user about the stream itself. */
export interface BusNotice {
  /**
   * `reset`: Redis lost the stream (restarted without persistence): events published before it that this
   * subscriber had not yet received are gone. `trimmed`: the subscriber was away so long that the capped
   * stream dropped events it had not seen.
   */
  kind: 'reset' | 'trimmed';
  message: string;
}

export interface SubscribeOptions {
  onNotice?: (notice: BusNotice) => void;
  /** Called each time the replay is done and events arrive live (again after every reconnect). */
  onLive?: () => void;
}

/** Everything that happened, in order. */
export interface EventBus {
  /** Append (and deliver live). Resolves with the event's id once it is stored. */
  publish(event: NewEvent): Promise<string>;
  /**
   * Every event after `fromId` (exclusive; `'0'` = from the start of the capped stream), then live ones,
   * each exactly once and in id order, across reconnects. `'live'` = only events published from now on.
   * To replay a time window use `eventIdAt(ms)` from `domain/event`.
   */
  subscribe(
    fromId: string | 'live',
    onEvent: (event: DeckEvent) => void,
    opts?: SubscribeOptions,
  ): Unsubscribe;
  /**
   * The last `count` events, oldest first (a first paint before subscribing from the last one's id); with `before`,
   * the last `count` older than that id (a page further back).
   */
  recent(count: number, opts?: { before?: string }): Promise<DeckEvent[]>;
}

export interface JobContext {
  jobId: JobId;
  /** 1 for the first attempt. */
  attempt: number;
  /**
   * The job's runs before this one, oldest first: none on its first. A run taken over from a killed worker, handed
   * back, resumed or retried has some; what the job reports (its counts, its last line) covers theirs too.
   */
  earlierRuns?: readonly JobRun[];
  requestedBy: Requester;
  /** Aborted on cancel, timeout, or when the worker hands the job back (shutdown); `reason` is a `JobAbort`. */
  signal: AbortSignal;
  /** Report progress: always a `step` of a `total`. */
  progress(step: number, total: number, message?: string): void;
  /** One line of output. Await it when producing many lines: it resolves once published (backpressure). */
  log(line: string, stream?: JobLogLine['stream']): Promise<void>;
  /** Any other event about this job (jobId and source are filled in). */
  emit(event: Pick<NewEvent, 'level' | 'type' | 'message' | 'data'>): Promise<void>;
  /** Children, saved state and suspension: what a parent job (a batch, a pipeline run) is made of. */
  flow: JobFlow;
}

/**
 * A parent job's handler is a re-entrant state machine: it saves where it is, adds children, and suspends
 * (`waitForChildren`, `sleep`) without holding a worker slot; it is then called again from the top with its saved
 * state, on whichever worker takes it. A worker that dies costs a re-run from the last `save`, nothing more.
 */
export interface JobFlow {
  /** What `save` stored last (undefined on the first run). Kept across suspensions, worker deaths and retries. */
  state<T>(): T | undefined;
  save<T>(state: T): Promise<void>;
  /**
   * Queue children (each a normal job: validated, audited, logged, its own retry policy). The id of a child comes
   * from this job's id and its `key`: adding the same key again returns the same job, never a second one.
   */
  addChildren(children: { key: string; spec: JobSpec }[]): Promise<JobId[]>;
  /** This job's children, in the order they were added, with status, result and error. */
  children(): Promise<JobView[]>;
  /** Suspend until every child has ended (completed, failed or cancelled); the handler is then called again. */
  waitForChildren(): Promise<never>;
  /** Suspend until a time (epoch ms; status `delayed`) or until `JobQueue.resume` (status `paused`). */
  sleep(until: number | 'manual'): Promise<never>;
  /** A child's parent, shared with its siblings; undefined for a job that has none. */
  parent?: ParentFlow;
  /**
   * This job's output as its transport keeps it now (the last 1,000 lines over Redis): the lines of its earlier runs
   * (a worker killed, a failed attempt), and of this one what is stored so far. Empty outside a queue.
   */
  output(): Promise<JobLogLine[]>;
}

/**
 * What a child may do with its parent while it runs, without waking it: a pipeline step that passed queues the
 * steps it was the last need of, so they start at once instead of when every running sibling has ended.
 */
export interface ParentFlow {
  id: JobId;
  /** The parent's kind and payload, as it was queued (read once per parent on a worker). */
  job(): Promise<{ kind: string; payload: unknown } | undefined>;
  /**
   * Keep `value` under `name` on the parent and read the notes under `read`, in one atomic step: of two siblings
   * noting at once, the later reads the earlier's note. `count`: the notes the parent holds now. Undefined when
   * the parent is gone or was cancelled (nothing is kept then).
   */
  note(
    name: string,
    value: unknown,
    read: readonly string[],
  ): Promise<{ notes: Map<string, unknown>; count: number } | undefined>;
  /** The note under `name`, if one was kept (a child delivered again finds what it noted before its worker died). */
  noted(name: string): Promise<unknown>;
  /**
   * Queue children of the parent, as its own `addChildren` does (same ids for the same keys). None are queued once
   * the parent was cancelled; one cancelled just as they were queued cancels them.
   */
  addChildren(children: { key: string; spec: JobSpec }[]): Promise<JobId[]>;
  /** Report the parent's progress, as its own `ctx.progress` would. */
  progress(step: number, total: number, message?: string): void;
}

/**
 * A handler knows nothing of Redis, React or the CLI. Throw to fail the job (it is retried per policy); throw a
 * `JobFailure` to fail it and keep a result with the error.
 */
export type Handler<K extends JobKind> = (payload: Payloads[K], ctx: JobContext) => Promise<JobResults[K]>;
/** A handler for every declared kind (`jobHandlersFor`): a kind without one does not compile. */
export type Handlers = { [K in JobKind]: Handler<K> };
/**
 * What a consumer may be given: every handler, or only some (a test worker that runs commands). A job of a kind
 * it has no handler for fails at once, naming the worker.
 */
export type SomeHandlers = Partial<Handlers>;

/** Why a job's signal was aborted. */
export interface JobAbort {
  kind: 'cancel' | 'timeout' | 'release';
  message: string;
}

export type { BusState, BusStatus };

export interface BusStateObservable {
  get(): BusStatus;
  /** Called on every change (not with the current value: read `get()` first). */
  subscribe(listener: (status: BusStatus) => void): Unsubscribe;
  /** Resolves true once connected, false after `timeoutMs`. */
  whenConnected(timeoutMs: number): Promise<boolean>;
}

export interface AuditLog {
  /** Record a request that is not a job's (a schedule enabled in `schedules.yaml`); await it. */
  append(entry: NewAuditEntry): unknown;
  /** Oldest first; `limit` keeps the newest ones. */
  list(opts?: { limit?: number }): Promise<AuditEntry[]>;
}

export interface ConsumeOptions {
  concurrency?: number;
  /** How long a job's lock lives without renewal: a dead worker's job is taken over after about this. */
  lockDurationMs?: number;
  /** How often stalled (lock-expired) jobs are looked for. */
  stalledIntervalMs?: number;
  /** How many times a job may be taken over from a worker that stopped renewing its lock (default 1). */
  maxStalledCount?: number;
  /** Presence heartbeat period; presence expires after 3 missed beats. */
  heartbeatMs?: number;
  /**
   * The job the schedule of that name makes in this process's `schedules.yaml` (its `ScheduleRunner`): with signed
   * requests required, a tick runs only when it is that job. Without it, such ticks are refused.
   */
  scheduledJob?: (name: string) => Promise<{ kind: string; payload: unknown } | undefined>;
  /**
   * Called when a job starts/ends on this consumer (stats for the worker command). Over Redis, the end is told once
   * the run's end is stored: `outcome: 'gone'` (and `gone`, a sentence) when the job was no longer in Redis (it came
   * back without its data, or was flushed), so nothing of it could be stored, its result neither.
   */
  onJob?: (change: {
    jobId: string;
    kind: string;
    phase: 'start' | 'end';
    outcome?: string;
    gone?: string;
  }) => void;
}

/** A running consumer of the queue (one per worker process, or the embedded runner). */
export interface JobConsumer {
  /** `host:pid` (plus a suffix when one process runs several). */
  readonly id: string;
  presence(): WorkerPresence;
  /**
   * Stop taking jobs and wait up to `graceMs` (default 10 s) for running ones; jobs still running then are
   * aborted and handed back to the queue (not counted as an attempt) for another worker.
   */
  close(opts?: { graceMs?: number }): Promise<void>;
}

export interface Bus {
  transport: 'redis' | 'memory';
  /** Where it points, for people; never contains a password. */
  target: string;
  queue: JobQueue;
  events: EventBus;
  audit: AuditLog;
  state: BusStateObservable;
  /** Start running jobs in this process with these handlers. */
  consume(handlers: SomeHandlers, opts?: ConsumeOptions): JobConsumer;
  /** Workers with a live heartbeat. */
  workers(): Promise<WorkerPresence[]>;
  /** Stops consumers (handing back their jobs), subscriptions and connections. */
  close(): Promise<void>;
}

export interface OpenBusOptions {
  /** `redis://[user:password@]host[:port][/db]` or `rediss://…` (TLS). Without it: the memory transport. */
  redisUrl?: string;
  /** `rediss://` with a private CA: a PEM file of the CA(s) to trust (in addition to the system ones). */
  redisCaFile?: string;
  /** Every Redis key starts with `<prefix>:`. Default `infradeck`. */
  prefix?: string;
  /** Memory transport: run these handlers in-process (the embedded default). Ignored with Redis. */
  handlers?: SomeHandlers;
  /** With `handlers`: the jobs of this process's schedules (`ConsumeOptions.scheduledJob`). */
  scheduledJob?: ConsumeOptions['scheduledJob'];
  concurrency?: number;
  /** Who this process acts for (default: the OS user, host and `SSH_CLIENT`). */
  requester?: Requester;
  /** Memory transport: also append the audit trail to `<dataDir>/audit/audit.jsonl` (and read it back). */
  dataDir?: string;
  /** Cap of the event stream (approximate, Redis `MAXLEN ~`). Default 100,000. */
  eventsMaxLen?: number;
  /** After this long without Redis the state goes from `reconnecting` to `down`. Default 5 s. */
  downAfterMs?: number;
  /** Override retry/timeout policy per kind (tests use short backoffs). */
  policies?: Partial<Record<JobKind, Partial<JobPolicy>>>;
  /** Environment for `SSH_CLIENT`, `USER` (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  /**
   * Which jobs wait for an approval and who may give it (`domain/approval`). Without it nothing waits. Workers must
   * be given the same policy: they refuse a job that needs an approval it does not have.
   */
  approvals?: ApprovalPolicy;
}
