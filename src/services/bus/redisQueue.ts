import type { Job, JobType, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { NewAuditEntry } from '../../domain/audit';
import type { NewEvent } from '../../domain/event';
import {
  checkJobSpec,
  describeJob,
  type JobFilter,
  type JobKind,
  type JobLogLine,
  type JobPolicy,
  type JobSpec,
  type JobStatus,
  type JobView,
  jobStatuses,
  type Requester,
  requesterSchema,
  type ScheduleTick,
} from '../../domain/job';
import { scheduleTickOf } from '../scheduler/scheduledJob';
import { BusError } from './busError';
import type { BusStateObservable, JobQueue } from './contracts';
import { jobIdForKey, policyFor } from './jobIds';
import { accepted, readOnlyRefusal, refusal } from './jobRequests';
import type { RedisAuditLog } from './redisAudit';
import type { DeckKeys, RedisEventBus } from './redisEvents';
import { parseRuns, runsField } from './redisRuns';
import { describeRequester } from './requester';

/**
 * What a BullMQ job carries (`job.name` is the kind). This is the wire format between infradeck versions:
 * add fields, never change their meaning; readers validate it.
 */
export interface JobData {
  v: 1;
  payload: unknown;
  requestedBy: Requester;
  timeoutMs?: number;
  idempotencyKey?: string;
  /** Set by a cancel (also kept in the `cancelled` hash): the next worker to take the job drops it. */
  cancel?: CancelMarker;
  /** A schedule's job: `{ name, tick }`, or (made by a job scheduler) the schedule's rules, the tick in the id. */
  schedule?: unknown;
}

/** Stored in the `cancelled` hash by whoever cancels. `final`: the job was not running, it is over already. */
export interface CancelMarker {
  by: Requester;
  at: number;
  message: string;
  final: boolean;
}

export const queueName = 'jobs';
export const keepFinished = { completed: 1000, failed: 5000, ageSeconds: 7 * 24 * 3600 };
export const keepLogLines = 1000;
const requestTimeoutMs = 5000;

export interface RedisQueueDeps {
  queue: Queue;
  cmd: Redis;
  keys: DeckKeys;
  events: RedisEventBus;
  audit: RedisAuditLog;
  state: BusStateObservable;
  target: string;
  requester: Requester;
  policies?: Partial<Record<JobKind, Partial<JobPolicy>>>;
}

/** Commands as BullMQ jobs. See `RedisConsumer` for the running side. */
export class RedisJobQueue implements JobQueue {
  constructor(private readonly deps: RedisQueueDeps) {}

  async enqueue(spec: JobSpec): Promise<string> {
    const check = checkJobSpec(spec);
    const raw = spec as Partial<JobSpec> | undefined;
    if (!check.ok) {
      await this.auditQuietly({
        who: requesterSchema.safeParse(raw?.requestedBy).data ?? this.deps.requester,
        action: 'job.enqueue',
        kind: typeof raw?.kind === 'string' ? raw.kind : undefined,
        what: describeJob(String(raw?.kind), raw?.payload),
        outcome: 'rejected',
        reason: check.error,
      });
      throw new BusError('invalid', `job refused: ${check.error}`);
    }
    const readOnly = readOnlyRefusal(check.spec);
    if (readOnly) {
      await this.auditQuietly(readOnly.audit);
      throw readOnly.error;
    }
    this.ensureUp('job not queued');
    const valid = check.spec;
    const what = describeJob(valid.kind, valid.payload);
    const policy = policyFor(valid.kind, this.deps.policies);
    const jobId = valid.idempotencyKey ? jobIdForKey(valid.idempotencyKey) : undefined;
    const { queue } = this.deps;
    return this.withTimeout(
      'queueing the job (it may or may not be queued: check `infradeck jobs`)',
      async () => {
        if (jobId && (await queue.getJob(jobId))) {
          await this.deps.audit.append({
            who: valid.requestedBy,
            action: 'job.enqueue',
            jobId,
            kind: valid.kind,
            what,
            outcome: 'deduplicated',
          });
          return jobId;
        }
        const timeoutMs = valid.timeoutMs ?? (policy.timeoutMs || undefined);
        const data: JobData = {
          v: 1,
          payload: valid.payload,
          requestedBy: valid.requestedBy,
          ...(timeoutMs ? { timeoutMs } : {}),
          ...(valid.idempotencyKey ? { idempotencyKey: valid.idempotencyKey } : {}),
          ...(valid.schedule ? { schedule: valid.schedule } : {}),
        };
        const maxAttempts = valid.attempts ?? policy.attempts;
        const job = await queue.add(valid.kind, data, {
          ...(jobId ? { jobId } : {}),
          attempts: maxAttempts,
          backoff: { type: 'exponential', delay: policy.backoffMs },
          removeOnComplete: { count: keepFinished.completed, age: keepFinished.ageSeconds },
          removeOnFail: { count: keepFinished.failed, age: keepFinished.ageSeconds },
          keepLogs: keepLogLines,
        });
        const id = job.id!;
        await this.publish(
          {
            level: 'info',
            type: 'job.queued',
            jobId: id,
            source: valid.requestedBy,
            message: `queued ${what}`,
            data: { kind: valid.kind, summary: what, maxAttempts },
          },
          {
            who: valid.requestedBy,
            action: 'job.enqueue',
            jobId: id,
            kind: valid.kind,
            what,
            outcome: 'accepted',
          },
        );
        return id;
      },
    );
  }

  async cancel(id: string, by: Requester = this.deps.requester): Promise<void> {
    this.ensureUp('job not cancelled');
    const { cmd, keys } = this.deps;
    const { job, view } = await this.admit('job.cancel', id, by);
    const what = describeJob(view.kind, view.payload);
    const message = `cancelled by ${describeRequester(by)}`;
    const running = view.status === 'active';
    const marker: CancelMarker = { by, at: Date.now(), message, final: !running };
    await cmd.hset(keys.cancelled, id, JSON.stringify(marker));
    // In the job's data too: a worker that takes it next sees it with the job, without asking Redis again.
    await job.updateData({ ...(job.data as JobData), cancel: marker }).catch(() => {});
    // Whoever runs it aborts at once; a worker that misses the message finds the marker within a second.
    await cmd.publish(keys.control, JSON.stringify({ type: 'cancel', jobId: id, message }));
    await this.audit(accepted('job.cancel', id, by, view));
    if (running) return;
    // Not running: it is over now. It stays in BullMQ's wait list until a worker takes it and drops it at once
    // (the marker says so); a delayed one is promoted so that happens soon.
    if (view.status === 'delayed') await job.promote().catch(() => {});
    await this.publish(
      { level: 'warn', type: 'job.cancelled', jobId: id, source: by, message, data: { kind: view.kind, by } },
      {
        who: view.requestedBy,
        action: 'job.finish',
        jobId: id,
        kind: view.kind,
        what,
        outcome: 'cancelled',
        reason: message,
      },
    );
  }

  async retry(id: string, by: Requester = this.deps.requester): Promise<void> {
    this.ensureUp('job not retried');
    const { cmd, keys } = this.deps;
    const { job, view, state } = await this.admit('job.retry', id, by);
    await cmd.hdel(keys.cancelled, id);
    const { cancel: _dropped, ...data } = job.data as JobData;
    await job.updateData(data as JobData);
    if (state === 'failed') {
      await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    }
    // else: cancelled while waiting, still in the wait list: removing the marker is all it takes.
    await this.publish({
      level: 'info',
      type: 'job.retried',
      jobId: id,
      source: by,
      message: `retry requested by ${describeRequester(by)}`,
      data: { kind: view.kind, by },
    });
    await this.audit(accepted('job.retry', id, by, view));
  }

  async list(filter: JobFilter = {}): Promise<JobView[]> {
    this.ensureUp('cannot list jobs');
    const limit = filter.limit ?? 200;
    const wanted = filter.status === undefined ? undefined : new Set([filter.status].flat());
    const types = new Set<JobType>();
    for (const status of wanted ?? jobStatuses) for (const t of bullTypesFor(status)) types.add(t);
    const markers = await this.markers();
    const views: JobView[] = [];
    await this.withTimeout('listing jobs', async () => {
      const byType = await Promise.all(
        [...types].map(
          async (type) =>
            [type, (await this.deps.queue.getJobs([type], 0, limit - 1, false)) as Job[]] as const,
        ),
      );
      const found: Array<{ job: Job; type: JobType }> = [];
      for (const [type, jobs] of byType) for (const job of jobs) if (job?.id) found.push({ job, type });
      // Every job's attempts in one round trip.
      const runs = found.length
        ? ((await this.deps.cmd
            .pipeline(found.map(({ job }) => ['hget', this.deps.queue.toKey(job.id!), runsField]))
            .exec()) ?? [])
        : [];
      for (const [i, { job, type }] of found.entries()) {
        const view = toView(job, type, markers.get(job.id!), runs[i]?.[1] as string | null | undefined);
        if (wanted && !wanted.has(view.status)) continue;
        if (filter.kind && view.kind !== filter.kind) continue;
        views.push(view);
      }
    });
    const seen = new Set<string>();
    return views
      .sort((a, b) => b.createdAt - a.createdAt)
      .filter((v) => !seen.has(v.id) && seen.add(v.id))
      .slice(0, limit);
  }

  async get(id: string): Promise<JobView | undefined> {
    this.ensureUp('cannot read the job');
    return (await this.load(id))?.view;
  }

  async counts(): Promise<Record<JobStatus, number>> {
    this.ensureUp('cannot count jobs');
    const { queue, cmd, keys } = this.deps;
    const raw = await queue.getJobCounts(
      'waiting',
      'prioritized',
      'waiting-children',
      'active',
      'delayed',
      'completed',
      'failed',
    );
    const counts: Record<JobStatus, number> = {
      queued: (raw.waiting ?? 0) + (raw.prioritized ?? 0) + (raw['waiting-children'] ?? 0),
      active: raw.active ?? 0,
      delayed: raw.delayed ?? 0,
      completed: raw.completed ?? 0,
      failed: raw.failed ?? 0,
      cancelled: 0,
    };
    const ids = [...(await this.markers()).keys()];
    const states = await Promise.all(ids.map((id) => queue.getJobState(id)));
    for (const [i, id] of ids.entries()) {
      const state = states[i];
      const status = state === 'unknown' ? undefined : statusOf(state, undefined);
      if (!status) {
        await cmd.hdel(keys.cancelled, id); // the job is gone (retention): the marker goes too
        continue;
      }
      if (status === 'active' || status === 'completed') continue;
      counts[status]--;
      counts.cancelled++;
    }
    return counts;
  }

  async logs(id: string, opts: { tail?: number } = {}): Promise<JobLogLine[]> {
    this.ensureUp('cannot read the job log');
    const tail = Math.min(opts.tail ?? keepLogLines, keepLogLines);
    if (tail <= 0) return [];
    const { logs } = await this.deps.queue.getJobLogs(id, -tail, -1, true);
    return logs.map(parseLogLine).filter((l): l is JobLogLine => l !== undefined);
  }

  private async load(id: string): Promise<{ job: Job; view: JobView; state: string } | undefined> {
    const { queue, cmd, keys } = this.deps;
    return this.withTimeout('reading the job', async () => {
      // The job hash and its state are two reads: read the state on both sides of the hash and retry if the
      // job moved in between, so a view never mixes two moments (e.g. "completed" with the attempts of "active").
      for (let tries = 0; ; tries++) {
        const before = await queue.getJobState(id);
        const job = (await queue.getJob(id)) as Job | undefined;
        if (!job) return undefined;
        const [state, marker, runs] = await Promise.all([
          job.getState(),
          cmd.hget(keys.cancelled, id),
          cmd.hget(queue.toKey(id), runsField),
        ]);
        if (state !== before && tries < 5) continue;
        return { job, state, view: toView(job, state, parseMarker(marker), runs) };
      }
    });
  }

  private async markers(): Promise<Map<string, CancelMarker>> {
    const all = await this.deps.cmd.hgetall(this.deps.keys.cancelled);
    const out = new Map<string, CancelMarker>();
    for (const [id, json] of Object.entries(all)) {
      const marker = parseMarker(json);
      if (marker) out.set(id, marker);
    }
    return out;
  }

  private ensureUp(what: string): void {
    const status = this.deps.state.get();
    if (status.state !== 'connected') {
      const why = status.detail ? ` (${status.detail})` : '';
      throw new BusError('unavailable', `${what}: Redis at ${this.deps.target} is ${status.state}${why}`);
    }
  }

  private async withTimeout<T>(what: string, run: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new BusError(
              'unavailable',
              `Redis at ${this.deps.target} did not answer within 5 s while ${what}`,
            ),
          ),
        requestTimeoutMs,
      );
    });
    try {
      return await Promise.race([run(), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** An event, and with it (in the same step) the audit entry it goes with. */
  private async publish(event: NewEvent, audit?: NewAuditEntry): Promise<void> {
    await this.deps.events.publish(event, audit);
  }

  /** The job a cancel or retry may act on; a refused request is audited and thrown. */
  private async admit(action: 'job.cancel' | 'job.retry', id: string, by: Requester) {
    const found = await this.load(id);
    const refused = refusal(action, id, by, found?.view);
    if (refused) {
      await this.audit(refused.audit);
      throw refused.error;
    }
    return found as NonNullable<typeof found>;
  }

  private async audit(entry: NewAuditEntry): Promise<void> {
    await this.deps.audit.append(entry);
  }

  private async auditQuietly(entry: NewAuditEntry): Promise<void> {
    if (this.deps.state.get().state !== 'connected') return;
    await this.deps.audit.append(entry).catch(() => {});
  }
}

function bullTypesFor(status: JobStatus): JobType[] {
  switch (status) {
    case 'queued':
      return ['waiting', 'prioritized', 'waiting-children'];
    case 'active':
      return ['active'];
    case 'delayed':
      return ['delayed'];
    case 'completed':
      return ['completed'];
    case 'failed':
      return ['failed'];
    case 'cancelled':
      // cancelled jobs end in BullMQ's failed set, or wait in the queue until a worker drops them
      return ['failed', 'waiting', 'prioritized', 'delayed'];
  }
}

export function statusOf(state: string, marker: CancelMarker | undefined): JobStatus {
  switch (state) {
    case 'active':
      return 'active';
    case 'completed':
      return 'completed';
    case 'failed':
      return marker ? 'cancelled' : 'failed';
    case 'delayed':
      return marker ? 'cancelled' : 'delayed';
    default:
      return marker ? 'cancelled' : 'queued';
  }
}

export function parseMarker(json: string | null | undefined): CancelMarker | undefined {
  if (!json) return undefined;
  try {
    const m = JSON.parse(json) as CancelMarker;
    return typeof m.message === 'string' ? m : undefined;
  } catch {
    return undefined;
  }
}

export function readJobData(job: Job): {
  payload: unknown;
  requestedBy: Requester;
  timeoutMs?: number;
  idempotencyKey?: string;
  schedule?: ScheduleTick;
} {
  const data = (job.data ?? {}) as Partial<JobData>;
  const who = requesterSchema.safeParse(data.requestedBy);
  return {
    payload: data.payload,
    requestedBy: who.success ? who.data : { user: 'unknown', host: 'unknown' },
    ...(typeof data.timeoutMs === 'number' && data.timeoutMs > 0 ? { timeoutMs: data.timeoutMs } : {}),
    ...(typeof data.idempotencyKey === 'string' ? { idempotencyKey: data.idempotencyKey } : {}),
    ...(data.schedule ? { schedule: scheduleTickOf(job.id, data.schedule) } : {}),
  };
}

function toView(job: Job, state: string, marker: CancelMarker | undefined, runs?: string | null): JobView {
  const data = readJobData(job);
  const status = statusOf(state, marker);
  const progress = (typeof job.progress === 'object' && job.progress !== null ? job.progress : {}) as {
    step?: unknown;
    total?: unknown;
    message?: unknown;
  };
  const finished = status === 'completed' || status === 'failed' || status === 'cancelled';
  const view: JobView = {
    id: job.id!,
    kind: job.name,
    status,
    step: typeof progress.step === 'number' ? progress.step : 0,
    total: typeof progress.total === 'number' ? progress.total : 0,
    // attemptsMade counts finished attempts (not stalls, not hand-backs); add the one running now
    attempts: (job.attemptsMade ?? 0) + (state === 'active' ? 1 : 0),
    maxAttempts: job.opts?.attempts ?? 1,
    requestedBy: data.requestedBy,
    createdAt: job.timestamp,
    payload: data.payload,
  };
  if (typeof progress.message === 'string') view.message = progress.message;
  if (job.processedOn) view.startedAt = job.processedOn;
  if (finished) view.finishedAt = job.finishedOn ?? marker?.at;
  if (status === 'completed') view.result = job.returnvalue;
  if (status === 'cancelled') view.error = marker?.message;
  else if (status === 'failed' || (status === 'delayed' && job.failedReason)) view.error = job.failedReason;
  if (data.idempotencyKey) view.idempotencyKey = data.idempotencyKey;
  if (data.timeoutMs) view.timeoutMs = data.timeoutMs;
  if (job.processedBy) view.worker = job.processedBy;
  if (data.schedule) view.schedule = data.schedule;
  if (runs) view.runs = parseRuns(runs, view);
  return view;
}

function parseLogLine(row: string): JobLogLine | undefined {
  try {
    const line = JSON.parse(row) as JobLogLine;
    return typeof line.text === 'string' ? line : undefined;
  } catch {
    return { attempt: 0, seq: 0, stream: 'info', text: row, at: 0 };
  }
}
