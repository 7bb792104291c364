import { hostname } from 'node:os';
import {
  DelayedError,
  type Job,
  UnrecoverableError,
  WaitingChildrenError,
  WaitingError,
  Worker,
} from 'bullmq';
import type { Redis } from 'ioredis';
import type { NewAuditEntry } from '../../domain/audit';
import type { NewEvent } from '../../domain/event';
import { describeJob, type JobLogLine, type WorkerPresence } from '../../domain/job';
import { endedWords } from '../../domain/jobText';
import { requestFacts } from '../../domain/signature';
import { sleep } from '../cloud/retry';
import { redisNonceStore } from '../identity/redisNonces';
import type { ParentVerdicts, VerifiableJob } from '../identity/verifyRequest';
import { scheduleRepeatStrategy } from '../scheduler/repeatStrategy';
import type {
  BusStateObservable,
  ConsumeOptions,
  JobAbort,
  JobConsumer,
  SomeHandlers,
  Unsubscribe,
} from './contracts';
import {
  type ClaimedJob,
  type ExecutionOutcome,
  type ExecutionSink,
  errorMessage,
  executeJob,
} from './executeJob';
import type { Suspension } from './jobFlow';
import type { DeckKeys, PubSubHub, RedisEventBus } from './redisEvents';
import { saveFlowState } from './redisFlowScripts';
import { redisParentFlow } from './redisParentFlow';
import {
  endedChildField,
  endedChildView,
  failedResultField,
  flowStateField,
  type JobData,
  parseMarker,
  queueName,
  type RedisJobQueue,
  readJobData,
} from './redisQueue';
import { appendRun, endRun, parseRuns, runEnded, runStarted, runsField, withRunAppended } from './redisRuns';
import { isStallLimit, stallLimitError } from './stallLimit';

export interface RedisConsumerDeps {
  /** A connection for this consumer alone (BullMQ needs `maxRetriesPerRequest: null`; it duplicates it). */
  workerConn: Redis;
  /** The copies BullMQ made of `workerConn` (its blocking connection): cut on a stop that Redis cannot answer. */
  workerCopies?: readonly Redis[];
  cmd: Redis;
  hub: PubSubHub;
  keys: DeckKeys;
  prefix: string;
  events: RedisEventBus;
  state: BusStateObservable;
  /** Where a parent's children are queued and read. */
  jobs: RedisJobQueue;
  version?: string;
}

/** How long past its grace period a stopping worker waits for BullMQ's close before it cuts the connections. */
const stopMarginMs = 5_000;

/** Parents whose stored requests a worker keeps for their children. */
/** Runs of a handler in this process, to name each run's output lines (`publishLogLine`). */
let executions = 0;
const parentsKept = 32;

/**
 * A paused parent sleeps in BullMQ's delayed set in steps of a day (delayed scores are `ms * 4096`: far dates lose
 * precision); each time it wakes still paused, it goes back to sleep without running its handler.
 */
const pausedNapMs = 24 * 3600_000;

interface ActiveJob {
  job: Job;
  token: string;
  controller: AbortController;
  startedAt: number;
}

let consumersInProcess = 0;

/**
 * Runs jobs from the BullMQ queue with the given handlers. BullMQ gives at-least-once: the job is locked while
 * it runs (the lock is renewed); a worker that dies stops renewing, and after `lockDurationMs` another
 * worker's stalled check puts the job back in the queue (not counted as an attempt).
 */
export class RedisConsumer implements JobConsumer {
  readonly id: string;
  private readonly worker: Worker;
  private readonly concurrency: number;
  private readonly active = new Map<string, ActiveJob>();
  /**
   * `job.completed` events sent ahead, one per job that returned here, until BullMQ reports the completion:
   * `published` says whether Redis took it (if not, the `completed` listener publishes it).
   */
  private readonly completions = new Map<
    string,
    { event: NewEvent; published: Promise<boolean>; expiry: NodeJS.Timeout }
  >();
  /** How jobs that ended here should be reported by the BullMQ `failed` listener. */
  /** Verdicts on the parents of this worker's children, with signed requests required (`verifyRequest`). */
  private readonly parentVerdicts: ParentVerdicts = new Map();
  /** Parents' stored requests read by this worker's children, a few kept (siblings ask for the same one). */
  private readonly parents = new Map<string, Promise<VerifiableJob | undefined>>();
  private readonly endings = new Map<string, { kind: 'cancelled'; message: string; quiet: boolean }>();
  private readonly startedAt = Date.now();
  private readonly heartbeatMs: number;
  private done = 0;
  private failed = 0;
  private lastBeat = 0;
  private presenceTimer: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private cancelPoll: NodeJS.Timeout | undefined;
  private offControl: Unsubscribe | undefined;

  constructor(
    private readonly deps: RedisConsumerDeps,
    private readonly handlers: SomeHandlers,
    private readonly opts: ConsumeOptions = {},
  ) {
    const n = consumersInProcess++;
    this.id = `${hostname()}:${process.pid}${n > 0 ? `#${n}` : ''}`;
    this.concurrency = Math.max(1, Math.floor(opts.concurrency ?? 1));
    this.heartbeatMs = opts.heartbeatMs ?? 5_000;
    this.worker = new Worker(queueName, (job, token, signal) => this.process(job, token ?? '', signal), {
      connection: deps.workerConn,
      prefix: deps.prefix,
      name: this.id,
      concurrency: this.concurrency,
      autorun: true,
      lockDuration: opts.lockDurationMs ?? 30_000,
      stalledInterval: opts.stalledIntervalMs ?? 30_000,
      maxStalledCount: opts.maxStalledCount ?? 1,
      // The worker that takes a schedule's tick computes the next one: with the schedules' own cron reading.
      settings: { repeatStrategy: scheduleRepeatStrategy },
    });
    this.worker.on('error', () => {
      // connection trouble: the bus state reports it; BullMQ reconnects by itself
    });
    this.worker.on('completed', (job, result) => void this.onCompleted(job, result));
    this.worker.on('failed', (job, error) => void this.onFailed(job, error));
    this.worker.on('stalled', (jobId) => {
      // Past the stall limit BullMQ marks the job to fail as the next worker takes it (field `defa`): it is not
      // taken over, and the event must not say it will be.
      void deps.cmd
        .hget(`${deps.prefix}:${queueName}:${jobId}`, 'defa')
        .catch(() => null)
        .then((doomed) =>
          this.publishReliably({
            level: 'warn',
            type: 'job.stalled',
            jobId,
            source: { worker: this.id },
            message: doomed
              ? `job ${jobId} lost its worker (no lock renewal) again: it fails, not started again`
              : `job ${jobId} lost its worker (no lock renewal); back in the queue`,
            data: { worker: this.id },
          }),
        );
    });
    this.offControl = deps.hub.listen(deps.keys.control, (message) => this.onControl(message));
    this.heartbeat = setInterval(() => void this.beat(), this.heartbeatMs);
    this.heartbeat.unref?.();
    void this.beat().then(() =>
      this.publishReliably({
        level: 'info',
        type: 'worker.online',
        source: { worker: this.id },
        message: `worker ${this.id} online (concurrency ${this.concurrency})`,
        data: { worker: this.id, concurrency: this.concurrency },
      }),
    );
    this.cancelPoll = setInterval(() => void this.pollCancels(), 1000);
    this.cancelPoll.unref?.();
  }

  presence(): WorkerPresence {
    return {
      id: this.id,
      host: hostname(),
      pid: process.pid,
      startedAt: this.startedAt,
      lastSeenAt: Date.now(),
      concurrency: this.concurrency,
      jobsDone: this.done,
      jobsFailed: this.failed,
      current: [...this.active.values()].map((a) => ({
        id: a.job.id!,
        kind: a.job.name,
        startedAt: a.startedAt,
      })),
      transport: 'redis',
      ...(this.deps.version ? { version: this.deps.version } : {}),
    };
  }

  close(opts: { graceMs?: number } = {}): Promise<void> {
    const graceMs = opts.graceMs ?? 10_000;
    if (this.closing) {
      // asked again (a second Ctrl-C): hand the running jobs back now
      if (graceMs === 0) this.releaseAll();
      return this.closing;
    }
    this.closing = this.shutdown(graceMs);
    return this.closing;
  }

  private releaseAll(): void {
    const reason: JobAbort = { kind: 'release', message: `worker ${this.id} is stopping` };
    for (const a of this.active.values()) a.controller.abort(reason);
  }

  private async shutdown(graceMs: number): Promise<void> {
    this.offControl?.();
    const closed = this.worker.close().catch(() => {});
    const timer = setTimeout(() => this.releaseAll(), graceMs);
    // BullMQ's close waits for its blocking connection to end, which a client reconnecting to a Redis that does not
    // answer never does (taskforcesh/bullmq#4656): the worker would never stop. With Redis away and no job left
    // running, or past the grace period and a little more, the connections are cut instead; that ends the wait.
    let stuck: NodeJS.Timeout | undefined;
    const started = Date.now();
    await Promise.race([
      closed,
      new Promise<void>((resolve) => {
        const check = () => {
          const away = this.deps.state.get().state !== 'connected';
          if ((away && this.active.size === 0) || Date.now() - started > graceMs + stopMarginMs) resolve();
          else stuck = setTimeout(check, 100);
        };
        check();
      }),
    ]);
    clearTimeout(stuck);
    if (this.deps.state.get().state === 'connected') await closed;
    else {
      for (const conn of [...(this.deps.workerCopies ?? []), this.deps.workerConn]) conn.disconnect();
      // BullMQ may still wait on a promise that nothing settles now; nothing of it holds the process.
      await Promise.race([closed, sleep(1_000)]);
    }
    clearTimeout(timer);
    clearInterval(this.heartbeat);
    clearInterval(this.cancelPoll);
    clearTimeout(this.presenceTimer);
    const { cmd, keys } = this.deps;
    if (this.deps.state.get().state === 'connected') {
      await cmd
        .multi()
        .del(keys.worker(this.id))
        .zrem(keys.workers, this.id)
        .exec()
        .catch(() => {});
      await this.deps.events
        .publish({
          level: 'info',
          type: 'worker.offline',
          source: { worker: this.id },
          message: `worker ${this.id} stopped (${this.done} jobs done)`,
          data: { worker: this.id, reason: 'stopped' },
        })
        .catch(() => {});
    }
    this.deps.workerConn.disconnect();
  }

  /**
   * A parent's stored request (kind, payload, requester, signature), read once for its children here: what a step
   * reads of its run (`ctx.flow.parent.job`) and what the signature check reads of a child's parent.
   */
  private readonly parentRequest = (id: string): Promise<VerifiableJob | undefined> => {
    let read = this.parents.get(id);
    if (!read) {
      read = this.deps.jobs.requestOf(id);
      this.parents.set(id, read);
      if (this.parents.size > parentsKept) this.parents.delete(this.parents.keys().next().value!);
      read.catch(() => this.parents.delete(id));
    }
    return read;
  };

  private async process(job: Job, token: string, bullSignal?: AbortSignal): Promise<unknown> {
    const id = job.id!;
    const marker = (job.data as JobData | undefined)?.cancel;
    if (marker && typeof marker.message === 'string') {
      // Cancelled while it waited (or while a worker that died ran it): drop it without running it. (A cancel
      // that lands just after this check reaches the job through the control channel or the marker poll.)
      this.endings.set(id, { kind: 'cancelled', message: marker.message, quiet: marker.final });
      throw new UnrecoverableError(marker.message);
    }
    const jobHash = `${job.queueQualifiedName}:${id}`;
    // What every write of this run checks first (`isRunningJob`): the hash is still this job's, not a new job's under
    // its id (ids start again after Redis lost its data).
    const running = { hash: jobHash, timestamp: job.timestamp };
    // BullMQ counts every take of a job (`attemptsStarted`; `retry` keeps the count): on its first, nothing of it
    // can be saved yet (no state, attempts, failed result nor sleep: a handler writes them while it runs), so the
    // program starts a round trip sooner. A failure's stack trace marks a job retried by a version that reset it.
    const firstTake = job.attemptsStarted === 1 && !job.stacktrace?.length;
    const {
      asleep,
      savedState,
      runs: runsAtStart,
      fields,
    } = firstTake
      ? { asleep: null, savedState: undefined, runs: null, fields: undefined }
      : await this.flowOf(jobHash, id);
    // A parent taken again reads its children first: from the hash read just now, not a second time (until it
    // adds children: then its list is read again).
    let takenFields = fields;
    if (asleep === 'manual') {
      await job.moveToDelayed(Date.now() + pausedNapMs, token);
      throw new DelayedError();
    }
    if (asleep) void this.deps.workerConn.hdel(this.deps.keys.sleeping, id).catch(() => {});
    const controller = new AbortController();
    if (bullSignal) {
      bullSignal.addEventListener('abort', () => controller.abort(bullSignal.reason), { once: true });
    }
    const startedAt = Date.now();
    this.active.set(id, { job, token, controller, startedAt });
    this.opts.onJob?.({ jobId: id, kind: job.name, phase: 'start' });
    const data = readJobData(job);
    const claimed: ClaimedJob = {
      id,
      kind: job.name,
      payload: data.payload,
      attempt: (job.attemptsMade ?? 0) + 1,
      maxAttempts: job.opts.attempts ?? 1,
      requestedBy: data.requestedBy,
      timeoutMs: data.timeoutMs,
      request: requestFacts({ ...data, createdAt: job.timestamp, parentId: job.parent?.id }),
    };
    const start = runStarted(claimed.attempt, this.id);
    // The job's attempts as Redis has them, kept here as they are appended: its last view is made without a read.
    let runs = withRunAppended(runsAtStart, start);
    const recordRun = (entry: Parameters<typeof appendRun>[2]) => {
      runs = withRunAppended(runs, entry);
      void appendRun(this.deps.workerConn, jobHash, entry, job.timestamp).catch(() => {});
    };
    // The attempt's start and `job.started` in one write on the worker's BullMQ connection, not awaited: Redis runs
    // one connection's commands in order, so they are stored before whatever the job writes there next (a step's
    // start mark, which the step awaits before its program starts; its progress; its end and BullMQ's move to
    // completed, which `job.completed` follows). While Redis is away the connection holds them until it is back.
    const started = this.deps.events
      .startedOn(this.deps.workerConn, jobHash, start, {
        level: 'info',
        type: 'job.started',
        jobId: id,
        source: { worker: this.id },
        message: `started on ${this.id} (attempt ${claimed.attempt}/${claimed.maxAttempts})`,
        data: {
          kind: job.name,
          attempt: claimed.attempt,
          maxAttempts: claimed.maxAttempts,
          worker: this.id,
          startedAt: start.at,
        },
      })
      // Events of the job sent on the command connection (its output lines) wait for that write: none precedes
      // `job.started`. A program prints long after one round trip, so this costs nothing in the usual case.
      .then(
        () => {},
        () => {},
      );
    this.refreshPresenceSoon();
    let execution = 0;
    const sink: ExecutionSink = {
      worker: this.id,
      state: this.deps.state,
      nonces: redisNonceStore(this.deps.workerConn, this.deps.prefix),
      requests: this.parentRequest,
      parentVerdicts: this.parentVerdicts,
      ...(this.opts.scheduledJob ? { schedules: this.opts.scheduledJob } : {}),
      publish: (event) => started.then(() => this.deps.events.publish(event)),
      saveProgress: (step, total, message) =>
        job.updateProgress({ step, total, ...(message !== undefined ? { message } : {}) }),
      sendProgress: (progress, event) => {
        // As `job.updateProgress` does: the job's last view on its parent is made from it.
        job.progress = progress;
        void this.deps.events
          .progressOn(this.deps.workerConn, jobHash, progress, event, running)
          .catch(() => {});
      },
      appendLog: async (line) => {
        await job.log(JSON.stringify(line));
      },
      publishLine: (event, line) =>
        started.then(() =>
          this.deps.events.publishLogLine(event, {
            jobHash,
            row: JSON.stringify(line),
            keepLogs: job.opts.keepLogs,
            run: `${this.id}#${execution}`,
            seq: line.seq,
            timestamp: job.timestamp,
          }),
        ),
      flow: {
        state: savedState,
        save: async (state) => {
          await saveFlowState(this.deps.workerConn, running, flowStateField, state);
        },
        addChildren: async (children) => {
          // A cancelled parent adds nothing more: its cancel has already gone through the children it had.
          if (controller.signal.aborted) throw new Error(`job ${id} is no longer running`);
          takenFields = undefined; // its list of children changes: read afresh from now on
          return this.deps.jobs.addChildren({ id, queue: job.queueQualifiedName }, children);
        },
        output: async () =>
          (await this.deps.workerConn.lrange(`${jobHash}:logs`, 0, -1)).flatMap((row) => {
            const line = parseLogRow(row);
            return line ? [line] : [];
          }),
        children: () => {
          const known = takenFields;
          takenFields = undefined;
          return this.deps.jobs.childrenOf(id, known);
        },
        ...(job.parent?.id
          ? {
              parent: redisParentFlow(
                {
                  ...this.deps,
                  conn: this.deps.workerConn,
                  worker: this.id,
                  parentRequest: this.parentRequest,
                },
                { id: job.parent.id, queueKey: job.parent.queueKey },
                running,
              ),
            }
          : {}),
      },
      unapproved: (claimed) => this.deps.jobs.unapproved(claimed, job.parent?.id),
      approvalsEnforced: this.deps.jobs.approvalsEnforced,
    };
    let outcome: ExecutionOutcome;
    for (;;) {
      // Each run of the handler is told apart by its name; its lines are numbered past an earlier run's of the same
      // attempt (`firstLineSeq`).
      execution = ++executions;
      // Its runs so far (this one, the last entry, left out) as a reader of the job would list them; a job's first
      // run has one entry, its start (one line), and nothing to parse.
      claimed.earlierRuns = runs.includes('\n') ? parseRuns(runs, { status: 'active' }).slice(0, -1) : [];
      outcome = await executeJob(this.handlers, claimed, sink, controller.signal);
      if (outcome.kind !== 'suspended' || outcome.suspension.kind !== 'children') break;
      // BullMQ parks it only if a child is still pending; if all ended while it ran, it goes on at once, here.
      const parked = await job.moveToWaitingChildren(token).catch((error: unknown) => {
        outcome = {
          kind: 'failed',
          permanent: false,
          error: `cannot wait for its children: ${errorMessage(error)}`,
        };
        return true;
      });
      if (parked) break;
      takenFields = undefined;
      recordRun(runEnded('suspended'));
      recordRun(runStarted(claimed.attempt, this.id));
    }
    this.active.delete(id);
    this.refreshPresenceSoon();
    // The attempt's end, a failed job's result and a child's last view on its parent go in one write, not awaited:
    // BullMQ's move of the job (to completed, failed, waiting-children, …) follows on the same connection, and
    // Redis runs one connection's commands in order, so nobody sees the job moved without them.
    const end = runEnded(
      outcome.kind,
      outcome.kind === 'failed' ? outcome.error : outcome.kind === 'cancelled' ? outcome.message : undefined,
    );
    runs = withRunAppended(runs, end);
    const last = endedChildView(job, outcome, claimed, runs);
    const ended = outcome.kind;
    void endRun(this.deps.workerConn, jobHash, end, {
      resultField: failedResultField,
      timestamp: job.timestamp,
      ...(outcome.kind === 'failed' && outcome.result !== undefined
        ? { result: JSON.stringify(outcome.result) }
        : {}),
      ...(last && job.parentKey
        ? { parent: { hash: job.parentKey, field: endedChildField(id), view: JSON.stringify(last) } }
        : {}),
    }).then(
      (kept) => {
        // The job's hash is gone (Redis came back without its data, or was flushed): its end cannot be stored,
        // so the job is not reported as having ended one way or the other, only as gone (nor counted as done).
        if (kept === 0 && ended === 'completed') this.done--;
        if (kept === 0 && (ended === 'failed' || ended === 'cancelled')) this.failed--;
        this.opts.onJob?.(
          kept === 0
            ? {
                jobId: id,
                kind: job.name,
                phase: 'end',
                outcome: 'gone',
                gone: `is gone from Redis (restarted without its data, or flushed): its run ${endedWords[ended]} but its result could not be stored`,
              }
            : { jobId: id, kind: job.name, phase: 'end', outcome: ended },
        );
      },
      () => this.opts.onJob?.({ jobId: id, kind: job.name, phase: 'end', outcome: ended }),
    );
    switch (outcome.kind) {
      case 'suspended':
        return this.suspend(job, token, outcome.suspension);
      case 'completed':
        this.done++;
        this.announceCompletion(job, outcome.result, claimed.attempt);
        return outcome.result;
      case 'failed':
        this.failed++;
        throw Object.assign(
          outcome.permanent ? new UnrecoverableError(outcome.error) : new Error(outcome.error),
          outcome.result !== undefined ? { result: outcome.result } : {},
        );
      case 'cancelled': {
        this.failed++;
        const now = parseMarker(await this.deps.cmd.hget(this.deps.keys.cancelled, id).catch(() => null));
        this.endings.set(id, { kind: 'cancelled', message: outcome.message, quiet: now?.final ?? false });
        throw new UnrecoverableError(outcome.message);
      }
      case 'released':
        // Back to the wait list without counting an attempt; WaitingError tells BullMQ we moved it ourselves.
        await job.moveToWait(token);
        void this.deps.events
          .publish({
            level: 'info',
            type: 'job.released',
            jobId: id,
            source: { worker: this.id },
            message: `handed back by worker ${this.id} (stopping)`,
            data: { kind: job.name, worker: this.id },
          })
          .catch(() => {});
        throw new WaitingError();
    }
  }

  /**
   * Whether the job sleeps (`sleeping` hash), its saved state, its attempts so far and the rest of its hash (a
   * parent's children and their last views), in one round trip that also drops a result kept by an earlier attempt's
   * failure (it is not this attempt's).
   */
  private async flowOf(
    jobHash: string,
    id: string,
  ): Promise<{
    asleep: string | null;
    savedState: unknown;
    runs: string | null;
    fields: Record<string, string> | undefined;
  }> {
    const replies = await this.deps.workerConn
      .multi()
      .hget(this.deps.keys.sleeping, id)
      .hdel(jobHash, failedResultField)
      .hgetall(jobHash)
      .exec();
    const asleep = (replies?.[0]?.[1] as string | null) ?? null;
    const fields = (replies?.[2]?.[1] as Record<string, string> | null) ?? undefined;
    const text = fields?.[flowStateField];
    let savedState: unknown;
    try {
      savedState = text ? JSON.parse(text) : undefined;
    } catch {
      savedState = undefined; // written by something else: the handler starts over
    }
    return { asleep, savedState, runs: fields?.[runsField] ?? null, fields };
  }

  /** Park a parent that stepped aside; the BullMQ error tells the worker it was moved already. */
  private async suspend(job: Job, token: string, suspension: Suspension): Promise<never> {
    const id = job.id!;
    const source = { worker: this.id };
    if (suspension.kind === 'children') {
      const pending = await job
        .getDependenciesCount({ unprocessed: true })
        .then((c) => c.unprocessed ?? 0)
        .catch(() => 0);
      void this.publishReliably({
        level: 'info',
        type: 'job.waiting',
        jobId: id,
        source,
        message: `waiting for ${pending} of its children`,
        data: { kind: job.name, pending },
      });
      throw new WaitingChildrenError();
    }
    const { until } = suspension;
    await this.deps.workerConn.hset(this.deps.keys.sleeping, id, String(until));
    await job.moveToDelayed(until === 'manual' ? Date.now() + pausedNapMs : until, token);
    void this.publishReliably(
      until === 'manual'
        ? {
            level: 'info',
            type: 'job.paused',
            jobId: id,
            source,
            message: 'paused until resumed',
            data: { kind: job.name },
          }
        : {
            level: 'info',
            type: 'job.sleeping',
            jobId: id,
            source,
            message: `sleeping until ${new Date(until).toISOString()}`,
            data: { kind: job.name, until },
          },
    );
    throw new DelayedError();
  }

  /**
   * Send `job.completed` right behind the move to completed that BullMQ sends on the same connection once this
   * returns (setImmediate runs after the promise callbacks that send it). The script publishes only if the job
   * is completed by this worker, so the event never precedes the state; when it is too early or fails, the
   * `completed` listener publishes the same event instead.
   */
  private announceCompletion(job: Job, result: unknown, attempt: number): void {
    const id = job.id!;
    const event = completedEvent(job, this.id, result, Date.now() - (job.processedOn ?? Date.now()), attempt);
    const audit = finishEntry(job, 'completed');
    const check = {
      completedSet: `${job.queueQualifiedName}:completed`,
      jobHash: `${job.queueQualifiedName}:${id}`,
      jobId: id,
      worker: this.id,
    };
    const published = new Promise<boolean>((resolve) => {
      setImmediate(() => {
        this.deps.events.publishIfCompleted(this.deps.workerConn, check, event, audit).then(
          (streamId) => resolve(streamId !== null),
          () => resolve(false),
        );
      });
    });
    // BullMQ reports the completion within moments; should it never (its reply lost), do not keep the entry.
    const expiry = setTimeout(() => this.completions.delete(id), 60_000);
    expiry.unref?.();
    this.completions.set(id, { event, published, expiry });
  }

  private async onCompleted(job: Job, result: unknown): Promise<void> {
    const ahead = this.completions.get(job.id!);
    if (ahead) clearTimeout(ahead.expiry);
    this.completions.delete(job.id!);
    if (ahead && (await ahead.published)) return;
    const event =
      ahead?.event ??
      completedEvent(
        job,
        this.id,
        result,
        (job.finishedOn ?? Date.now()) - (job.processedOn ?? Date.now()),
        job.attemptsMade,
      );
    await this.publishReliably(event, finishEntry(job, 'completed'));
  }

  private async onFailed(job: Job | undefined, error: Error): Promise<void> {
    if (!job?.id) return;
    const ending = this.endings.get(job.id);
    this.endings.delete(job.id);
    if (ending?.kind === 'cancelled') {
      if (ending.quiet) return; // whoever cancelled it while it waited has reported it already
      const by = parseMarker(
        await this.deps.cmd.hget(this.deps.keys.cancelled, job.id).catch(() => null),
      )?.by;
      await this.publishReliably(
        {
          level: 'warn',
          type: 'job.cancelled',
          jobId: job.id,
          source: { worker: this.id },
          message: ending.message,
          data: { kind: job.name, ...(by ? { by } : {}) },
        },
        finishEntry(job, 'cancelled', ending.message),
      );
      return;
    }
    const maxAttempts = job.opts.attempts ?? 1;
    const permanent = error instanceof UnrecoverableError || error.name === 'UnrecoverableError';
    const willRetry = !permanent && (job.attemptsMade ?? 0) < maxAttempts;
    let message = errorMessage(error);
    if (isStallLimit(message)) {
      // BullMQ failed it as this worker took it: its words become what happened, read from the job's runs.
      const runs = await this.deps.cmd
        .hget(`${job.queueQualifiedName}:${job.id}`, runsField)
        .catch(() => null);
      message = stallLimitError(parseRuns(runs, { status: 'queued' }));
    }
    await this.publishReliably(
      {
        level: willRetry ? 'warn' : 'error',
        type: 'job.failed',
        jobId: job.id,
        source: { worker: this.id },
        message: `failed: ${message}${willRetry ? ' (will retry)' : ''}`,
        data: {
          kind: job.name,
          error: message,
          attempt: job.attemptsMade,
          maxAttempts,
          willRetry,
          ...('result' in error && error.result !== undefined ? { result: error.result } : {}),
        },
      },
      willRetry ? undefined : finishEntry(job, 'failed', message),
    );
  }

  private onControl(message: string): void {
    let parsed: { type?: string; jobId?: string; message?: string };
    try {
      parsed = JSON.parse(message);
    } catch {
      return;
    }
    if (parsed.type !== 'cancel' || !parsed.jobId) return;
    this.abortCancelled(parsed.jobId, parsed.message ?? 'cancelled');
  }

  private abortCancelled(jobId: string, message: string): void {
    const active = this.active.get(jobId);
    if (!active || active.controller.signal.aborted) return;
    const reason: JobAbort = { kind: 'cancel', message };
    active.controller.abort(reason);
  }

  /** The backstop for a missed control message (e.g. sent while this worker's connection was down). */
  private async pollCancels(): Promise<void> {
    if (this.active.size === 0 || this.deps.state.get().state !== 'connected') return;
    const ids = [...this.active.keys()];
    try {
      const markers = await this.deps.cmd.hmget(this.deps.keys.cancelled, ...ids);
      markers.forEach((json, i) => {
        const marker = parseMarker(json);
        if (marker) this.abortCancelled(ids[i], marker.message);
      });
    } catch {
      // next tick
    }
  }

  /** Presence shows the current jobs: refresh it now, or in a moment if it was refreshed less than 1 s ago. */
  private refreshPresenceSoon(): void {
    if (this.presenceTimer) return;
    const wait = this.lastBeat + 1000 - Date.now();
    if (wait <= 0) {
      void this.beat();
      return;
    }
    this.presenceTimer = setTimeout(() => {
      this.presenceTimer = undefined;
      void this.beat();
    }, wait);
    this.presenceTimer.unref?.();
  }

  /** Refresh this worker's presence, and retire workers whose presence expired (killed, host gone). */
  private async beat(): Promise<void> {
    if (this.closing || this.deps.state.get().state !== 'connected') return;
    this.lastBeat = Date.now();
    const { cmd, keys } = this.deps;
    try {
      await cmd
        .multi()
        .set(keys.worker(this.id), JSON.stringify(this.presence()), 'PX', this.heartbeatMs * 3)
        .zadd(keys.workers, Date.now(), this.id)
        .exec();
      const ids = (await cmd.zrange(keys.workers, 0, -1)).filter((id) => id !== this.id);
      if (ids.length === 0) return;
      const alive = await cmd.mget(...ids.map((id) => keys.worker(id)));
      for (const [i, id] of ids.entries()) {
        if (alive[i] !== null) continue;
        // ZREM answers 1 to exactly one of the workers racing here: that one reports it.
        if ((await cmd.zrem(keys.workers, id)) !== 1) continue;
        await this.deps.events.publish({
          level: 'warn',
          type: 'worker.offline',
          source: { worker: this.id },
          message: `worker ${id} stopped sending heartbeats (killed or unreachable); its jobs go back to the queue`,
          data: { worker: id, reason: 'lost' },
        });
      }
    } catch {
      // Redis trouble: the bus state shows it; the next beat tries again
    }
  }

  /** Lifecycle events (and their audit entries) must not be lost to a short outage: retry for up to 5 minutes. */
  private async publishReliably(event: NewEvent, audit?: NewAuditEntry): Promise<void> {
    const giveUpAt = Date.now() + 5 * 60_000;
    for (;;) {
      try {
        await this.deps.events.publish(event, audit);
        return;
      } catch {
        if (Date.now() > giveUpAt) return;
        await pause(250);
        await this.deps.state.whenConnected(10_000);
      }
    }
  }
}

/** The audit entry that closes a job's record: how it ended. */
function finishEntry(
  job: Job,
  outcome: 'completed' | 'failed' | 'cancelled',
  reason?: string,
): NewAuditEntry {
  const data = readJobData(job);
  return {
    who: data.requestedBy,
    action: 'job.finish',
    jobId: job.id,
    kind: job.name,
    what: describeJob(job.name, data.payload),
    outcome,
    ...(reason ? { reason } : {}),
  };
}

function completedEvent(
  job: Job,
  worker: string,
  result: unknown,
  durationMs: number,
  attempt: number,
): NewEvent {
  return {
    level: 'info',
    type: 'job.completed',
    jobId: job.id,
    source: { worker },
    message: `completed ${describeJob(job.name, readJobData(job).payload)}`,
    data: { kind: job.name, result, durationMs, attempt },
  };
}

/** One row of a BullMQ job log as the worker wrote it (a `JobLogLine` in JSON); undefined for anything else. */
function parseLogRow(row: string): JobLogLine | undefined {
  try {
    const line = JSON.parse(row) as JobLogLine;
    return typeof line.text === 'string' && typeof line.seq === 'number' ? line : undefined;
  } catch {
    return undefined;
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
