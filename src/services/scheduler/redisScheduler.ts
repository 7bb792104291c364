import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { rootCertificates } from 'node:tls';
import { type JobSchedulerJson, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { describeJob, isJobKind } from '../../domain/job';
import { overlapModes, type Schedule, type TickRules, tickRulesOf } from '../../domain/schedule';
import { scheduleRequester } from '../../domain/scheduleRequester';
import type { SchedulesFile } from '../../domain/scheduleSource';
import { tickOfJobId } from '../../domain/scheduleTickId';
import { maskSecrets } from '../../domain/secretMask';
import type { EventBus } from '../bus/contracts';
import { policyFor } from '../bus/jobIds';
import { auditEntryJson } from '../bus/redisAudit';
import { deckKeys } from '../bus/redisEvents';
import { type JobData, keepFinished, keepLogLines, queueName } from '../bus/redisQueue';
import { parseRedisUrl } from '../bus/redisUrl';
import { mapLimit } from '../cloud/mapLimit';
import { scheduleRepeatStrategy } from './repeatStrategy';
import { scheduleTickOf } from './scheduledJob';
import type { Scheduler, StartingJob, SyncReport, TickInfo, TickStart } from './scheduler';

/** The BullMQ job scheduler of a schedule; its jobs are `repeat:schedule:NAME:<tick ms>` (BullMQ's own ids). */
export const schedulerIdPrefix = 'schedule:';
/** Registrations written at once: a thousand schedules take a few round trips' time, not a thousand. */
const lanes = 32;

/** What a tick's job carries besides the usual job data: the rules any worker applies when it starts. */
export type ScheduledJobData = JobData & { schedule: TickRules };

/** Set in a tick's job hash when it first starts: a later start is a take-over, not a new tick. */
const admittedField = 'deck:admitted';

/** Marks the job started (HSETNX) and, the first time, appends its enqueue to the audit stream; 1 the first time. */
const admitLua = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('XADD', KEYS[2], '*', 'e', ARGV[3])
return 1
`;

/**
 * `admitLua` for a job whose audit entry the caller could write without reading it, and in the same step what
 * the gate reads next: the job's data (the tick's rules) and the active list. Nil when the job is gone.
 */
const startTickLua = `
local data = redis.call('HGET', KEYS[1], 'data')
if not data then return false end
local first = 0
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 then
  redis.call('XADD', KEYS[2], '*', 'e', ARGV[3])
  first = 1
end
return {first, data, redis.call('LRANGE', KEYS[3], 0, -1)}
`;

type StartTickRedis = Redis & {
  deckStartTick(
    jobKey: string,
    auditKey: string,
    activeKey: string,
    field: string,
    now: number,
    entry: string,
  ): Promise<[number, string, string[]] | null>;
};

function parseData(raw: unknown): { schedule?: unknown } | undefined {
  if (typeof raw !== 'string') return undefined;
  try {
    return JSON.parse(raw) as { schedule?: unknown };
  } catch {
    return undefined;
  }
}

export interface RedisSchedulerOptions {
  redisUrl: string;
  prefix: string;
  redisCaFile?: string;
  /**
   * Where a tick's job is announced (`job.queued`, asked for by the schedule) when it first starts: BullMQ's job
   * scheduler made it, so no enqueue said it. Without it (a command that only registers), nothing is announced.
   */
  events?: Pick<EventBus, 'publish'>;
}

/**
 * Schedules as BullMQ job schedulers on the queue the workers take jobs from. BullMQ keeps one delayed job per
 * scheduler, whose id is the scheduler and the tick (`repeat:schedule:NAME:<ms>`); the worker that takes it
 * makes the next one. However many processes register the same schedule, and however often, there is one job
 * per tick. A registration is rewritten only when the schedule changed: rewriting drops the pending tick, which
 * is the one a recovery must run (missed ticks: see `TickGate`).
 */
export class RedisScheduler implements Scheduler {
  readonly transport = 'redis';
  private readonly conn: Redis;
  private readonly queue: Queue;
  private readonly auditKey: string;
  private readonly host = hostname();
  private readonly events: Pick<EventBus, 'publish'> | undefined;

  constructor(opts: RedisSchedulerOptions) {
    this.events = opts.events;
    const target = parseRedisUrl(opts.redisUrl);
    if (opts.redisCaFile && target.options.tls) {
      const ca = readFileSync(opts.redisCaFile, 'utf8');
      target.options.tls = { ...target.options.tls, ca: [...rootCertificates, ca] };
    }
    this.conn = new Redis({
      ...target.options,
      connectTimeout: 5_000,
      maxRetriesPerRequest: 1,
      retryStrategy: (times) => Math.min(250 * times, 2_000),
      connectionName: `infradeck-schedules-${process.pid}`,
    });
    this.conn.on('error', () => {
      // the bus reports Redis trouble; a sync that fails says why
    });
    this.queue = new Queue(queueName, {
      connection: this.conn,
      prefix: opts.prefix,
      settings: { repeatStrategy: scheduleRepeatStrategy },
    });
    this.queue.on('error', () => {});
    this.auditKey = deckKeys(opts.prefix).audit;
    this.conn.defineCommand('deckStartTick', { numberOfKeys: 3, lua: startTickLua });
  }

  async sync(file: SchedulesFile): Promise<SyncReport> {
    const report: SyncReport = {
      registered: [],
      unchanged: [],
      removed: [],
      invalid: file.invalid.map((i) => i.name ?? `schedules[${i.index}]`),
    };
    if (!file.exists) return { ...report, notRunning: `no ${file.file}: registrations left as they are` };
    if (!file.readable) return { ...report, notRunning: `${file.file} cannot be read; nothing was changed` };
    const existing = new Map((await this.ours()).map((s) => [s.key.slice(schedulerIdPrefix.length), s]));
    const wanted = file.schedules.filter((s) => s.enabled);
    const keep = new Set([
      ...wanted.map((s) => s.name),
      ...file.invalid.flatMap((i) => (i.name ? [i.name] : [])),
    ]);
    const gone = [...existing.keys()].filter((name) => !keep.has(name));
    await mapLimit(gone, lanes, (name) => this.queue.removeJobScheduler(`${schedulerIdPrefix}${name}`));
    report.removed.push(...gone);
    const changed = wanted.filter((schedule) => {
      const current = existing.get(schedule.name);
      const same = current && sameRegistration(current, schedule, this.template(schedule).data);
      if (same) report.unchanged.push(schedule.name);
      return !same;
    });
    await mapLimit(changed, lanes, (schedule) =>
      this.queue.upsertJobScheduler(
        `${schedulerIdPrefix}${schedule.name}`,
        { pattern: schedule.cron, tz: schedule.timezone },
        this.template(schedule),
      ),
    );
    report.registered.push(...changed.map((s) => s.name));
    return report;
  }

  async registered(): Promise<Map<string, number | undefined>> {
    const out = new Map<string, number | undefined>();
    for (const s of await this.ours()) out.set(s.key.slice(schedulerIdPrefix.length), s.next ?? undefined);
    return out;
  }

  async tickOf(jobId: string): Promise<TickInfo | undefined> {
    const ref = tickOfJobId(jobId);
    if (!ref) return undefined;
    const key = this.queue.toKey(jobId);
    const [json, kind] = await this.conn.hmget(key, 'data', 'name');
    if (!json || !kind) return undefined;
    let data: Partial<ScheduledJobData>;
    try {
      data = JSON.parse(json);
    } catch {
      return undefined;
    }
    const rules = readRules(data.schedule);
    if (!rules || !data.requestedBy) return undefined;
    // BullMQ made the job in Redis: its first start is the moment infradeck first sees it, so its enqueue is
    // audited then, in the same step as the mark (kept in the job's own hash, so it goes with the job) that
    // tells a later start, on a worker taking over, from the first.
    const entry = auditEntryJson({
      at: ref.tick,
      who: data.requestedBy,
      action: 'job.enqueue',
      jobId,
      kind,
      what: describeJob(kind, data.payload),
      outcome: 'accepted',
    });
    const first =
      (await this.conn.eval(admitLua, 2, key, this.auditKey, admittedField, Date.now(), entry)) === 1;
    if (first) this.announce({ jobId, kind, payload: data.payload, requestedBy: data.requestedBy });
    return { ref, rules, firstStart: first };
  }

  /**
   * `tickOf` and the active list in one script: the audit entry is made from what the handler was given (the
   * kind, the payload as validated, who asked) instead of from the job read back from Redis, so nothing has to
   * be read before the script runs.
   */
  async startTick(job: StartingJob): Promise<TickStart | undefined> {
    const ref = tickOfJobId(job.jobId);
    if (!ref) return undefined;
    const entry = auditEntryJson({
      at: ref.tick,
      who: job.requestedBy,
      action: 'job.enqueue',
      jobId: job.jobId,
      kind: job.kind,
      what: describeJob(job.kind, job.payload),
      outcome: 'accepted',
    });
    const reply = await (this.conn as StartTickRedis).deckStartTick(
      this.queue.toKey(job.jobId),
      this.auditKey,
      this.queue.keys.active,
      admittedField,
      Date.now(),
      entry,
    );
    if (!reply) return undefined;
    const [first, json, active] = reply;
    const rules = readRules(parseData(json)?.schedule);
    if (!rules) return undefined;
    if (first === 1) this.announce(job);
    const tick: TickInfo = { ref, rules, firstStart: first === 1 };
    return { ...tick, runningBefore: () => this.earlierAmong(active, tick, job.jobId) };
  }

  /**
   * The runs of the same schedule for earlier ticks that are active now. A tick's job says its schedule and tick
   * in its id, so the active list alone answers for them; only other active jobs (a "run now") are read.
   */
  async runningBefore(tick: TickInfo, jobId: string): Promise<{ id: string; tick: number }[]> {
    return this.earlierAmong(await this.conn.lrange(this.queue.keys.active, 0, -1), tick, jobId);
  }

  private async earlierAmong(
    ids: string[],
    tick: TickInfo,
    jobId: string,
  ): Promise<{ id: string; tick: number }[]> {
    const earlier: { id: string; tick: number }[] = [];
    const others: string[] = [];
    for (const id of ids) {
      if (id === jobId) continue;
      const ref = tickOfJobId(id);
      if (!ref) others.push(id);
      else if (ref.name === tick.ref.name && ref.tick < tick.ref.tick) earlier.push({ id, tick: ref.tick });
    }
    if (others.length > 0) {
      const pipeline = this.conn.pipeline();
      for (const id of others) pipeline.hget(this.queue.toKey(id), 'data');
      const results = (await pipeline.exec()) ?? [];
      for (const [i, id] of others.entries()) {
        const ref = scheduleTickOf(id, parseData(results[i]?.[1])?.schedule);
        if (ref?.name === tick.ref.name && ref.tick < tick.ref.tick) earlier.push({ id, tick: ref.tick });
      }
    }
    return earlier.sort((a, b) => a.tick - b.tick);
  }

  /**
   * The `job.queued` of a tick's job, said once: at its first start (the moment its enqueue is audited), never
   * at a take-over or a retry. An enqueued job has it from `enqueue`; without it a tick over Redis showed on no
   * lane that counts queued jobs (schedules, deploys, batches) and had no summary in the Jobs tab until read.
   * Not awaited: the program starts without waiting for it (readers take a `job.queued` after a `job.started`).
   */
  private announce(job: StartingJob): void {
    if (!this.events) return;
    const what = maskSecrets(describeJob(job.kind, job.payload));
    this.events
      .publish({
        level: 'info',
        type: 'job.queued',
        jobId: job.jobId,
        source: job.requestedBy,
        message: `queued ${what}`,
        data: {
          kind: job.kind,
          summary: what,
          maxAttempts: isJobKind(job.kind) ? policyFor(job.kind).attempts : 1,
        },
      })
      .catch(() => {
        // Redis went away between the start's mark and now: the tick still runs; its lane misses one mark
      });
  }

  async close(): Promise<void> {
    await this.queue.close().catch(() => {});
    if (this.conn.status === 'ready') await this.conn.quit().catch(() => this.conn.disconnect());
    else this.conn.disconnect();
  }

  private async ours(): Promise<JobSchedulerJson[]> {
    const all = await this.queue.getJobSchedulers(0, -1, true);
    return all.filter((s) => s.key.startsWith(schedulerIdPrefix));
  }

  /** The job each tick makes: the kind, its payload, who asks (`schedule:NAME`) and the rules of the tick. */
  private template(schedule: Schedule) {
    const { kind, payload } = schedule.job;
    const policy = policyFor(kind);
    const data: ScheduledJobData = {
      v: 1,
      payload,
      requestedBy: scheduleRequester(schedule.name, this.host),
      ...(policy.timeoutMs ? { timeoutMs: policy.timeoutMs } : {}),
      schedule: tickRulesOf(schedule),
    };
    return {
      name: kind,
      data,
      opts: {
        attempts: policy.attempts,
        backoff: { type: 'exponential', delay: policy.backoffMs },
        removeOnComplete: { count: keepFinished.completed, age: keepFinished.ageSeconds },
        removeOnFail: { count: keepFinished.failed, age: keepFinished.ageSeconds },
        keepLogs: keepLogLines,
      },
    };
  }
}

/** The same cron, zone, kind, payload and rules: leave the registration (and its pending tick) as it is. */
function sameRegistration(current: JobSchedulerJson, schedule: Schedule, data: ScheduledJobData): boolean {
  const stored = current.template?.data as Partial<ScheduledJobData> | undefined;
  return (
    current.pattern === schedule.cron &&
    current.tz === schedule.timezone &&
    current.name === schedule.job.kind &&
    JSON.stringify(stored?.payload) === JSON.stringify(data.payload) &&
    JSON.stringify(stored?.schedule) === JSON.stringify(data.schedule) &&
    stored?.timeoutMs === data.timeoutMs
  );
}

function readRules(raw: unknown): TickRules | undefined {
  const r = raw as Partial<TickRules> | undefined;
  if (
    typeof r?.name !== 'string' ||
    typeof r.cron !== 'string' ||
    typeof r.timezone !== 'string' ||
    !overlapModes.includes(r.overlap as never) ||
    typeof r.catchUp !== 'boolean'
  )
    return undefined;
  return { name: r.name, cron: r.cron, timezone: r.timezone, overlap: r.overlap!, catchUp: r.catchUp };
}
