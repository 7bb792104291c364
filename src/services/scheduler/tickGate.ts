import type { WorkerPresence } from '../../domain/job';
import type { SkippedTick } from '../../domain/schedule';
import { scheduleOfRequester } from '../../domain/scheduleRequester';
import type { JobContext, JobQueue, SomeHandlers } from '../bus/contracts';
import type { Scheduler, TickInfo, TickStart } from './scheduler';

export type Admission = { run: true } | { run: false; result: SkippedTick };

export interface GateOptions {
  now?: () => number;
  /** How often a queued tick looks whether the run before it has ended. */
  pollMs?: number;
}

/**
 * Applies a schedule's rules to a tick's job when it starts, on whichever worker takes it:
 *
 * - `catchUp: false`, and the tick's job starts after the schedule's next tick was already due, and no worker up
 *   now was up at the tick (no process was there to run it): it is not run; its result says `missed` and how
 *   many ticks went by. A tick that only waited for a free worker slot is not missed: it runs late.
 * - An earlier run of the same schedule still running: `overlap: skip` ends this one at once as `skipped`;
 *   `overlap: queue` waits until that run has ended, then runs (a queued tick holds its worker slot meanwhile).
 *
 * Only the first start of a tick is checked: a job taken over from a worker that died, or a retry after a
 * failure, is the same run going on.
 */
export class TickGate {
  private source: TickSource | undefined;
  private queue: JobQueue | undefined;
  private workers: (() => Promise<Pick<WorkerPresence, 'startedAt'>[]>) | undefined;
  private readonly now: () => number;
  private readonly pollMs: number;

  constructor(opts: GateOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.pollMs = opts.pollMs ?? 250;
  }

  /**
   * The scheduler that knows the ticks, the queue to look for earlier runs in, and the workers up now (to tell a
   * tick nobody was there for from one that waited for a slot); set once they exist.
   */
  attach(
    source: TickSource,
    queue: JobQueue,
    workers?: () => Promise<Pick<WorkerPresence, 'startedAt'>[]>,
  ): void {
    this.source = source;
    this.queue = queue;
    this.workers = workers;
  }

  /** The same handlers, each first asking the gate when its job is a schedule's tick. */
  wrap<H extends SomeHandlers>(handlers: H): H {
    type AnyHandler = (payload: unknown, ctx: JobContext) => Promise<unknown>;
    const wrapped: Record<string, AnyHandler> = {};
    for (const [kind, handler] of Object.entries(handlers) as [string, AnyHandler | undefined][]) {
      if (!handler) continue;
      wrapped[kind] = async (payload, ctx) => {
        const admission = await this.admit(ctx, { kind, payload });
        if (!admission.run) {
          const { skipped, reason } = admission.result;
          await ctx.log(`${skipped === 'missed' ? 'missed' : 'skipped'}: ${reason}`, 'info');
          // The result type is the kind's; a tick that did not run has this one instead (`isSkippedTick`).
          return admission.result;
        }
        return handler(payload, ctx);
      };
    }
    return wrapped as unknown as H;
  }

  /**
   * Whether this job may run now; waits while `overlap: queue` says so. `job`, the handler's kind and payload,
   * lets a scheduler that can (`startTick`) answer in one step.
   */
  async admit(
    ctx: Pick<JobContext, 'jobId' | 'attempt' | 'requestedBy' | 'signal'>,
    job?: { kind: string; payload: unknown },
  ): Promise<Admission> {
    if (ctx.attempt !== 1 || !scheduleOfRequester(ctx.requestedBy) || !this.source || !this.queue)
      return { run: true };
    const tick = await this.start(ctx, job);
    if (!tick?.firstStart) return { run: true };
    const missed = await this.missed(tick);
    if (missed) return { run: false, result: missed };
    const earlier = await tick.runningBefore();
    if (earlier.length === 0) return { run: true };
    if (tick.rules.overlap === 'skip') {
      const previous = earlier[0];
      return {
        run: false,
        result: {
          skipped: 'overlap',
          previous: previous.id,
          reason: `the previous run (job ${previous.id}) was still running (overlap: skip)`,
        },
      };
    }
    await this.waitForEnd(
      earlier.map((v) => v.id),
      ctx.signal,
    );
    return { run: true };
  }

  private async start(
    ctx: Pick<JobContext, 'jobId' | 'requestedBy'>,
    job: { kind: string; payload: unknown } | undefined,
  ): Promise<TickStart | undefined> {
    const source = this.source!;
    if (job && source.startTick)
      return source.startTick({
        jobId: ctx.jobId,
        kind: job.kind,
        payload: job.payload,
        requestedBy: ctx.requestedBy,
      });
    const tick = await source.tickOf(ctx.jobId);
    if (!tick) return undefined;
    const queue = this.queue!;
    return {
      ...tick,
      runningBefore: () =>
        source.runningBefore ? source.runningBefore(tick, ctx.jobId) : runningBefore(queue, tick, ctx.jobId),
    };
  }

  /** `catchUp: false`: the tick's result when it comes too late to run, else undefined. */
  async missed(tick: TickInfo): Promise<SkippedTick | undefined> {
    const { rules, ref } = tick;
    if (rules.catchUp) return undefined;
    const now = this.now();
    // Ticks fall on whole seconds: until the first one after this tick's, no later tick can have come, and a
    // job that starts on time (nearly all of them) skips the cron maths on its way to its program.
    if (now < Math.floor(ref.tick / 1000) * 1000 + 1000) return undefined;
    // Loaded with the first late tick: a process that never runs one never loads the cron library.
    const { nextTick, ticksBetween } = await import('../../domain/scheduleCron');
    const next = nextTick(rules.cron, rules.timezone, ref.tick);
    if (next === undefined || next > now) return undefined;
    const upSince = await this.upSince();
    if (upSince !== undefined && upSince <= ref.tick) return undefined;
    const went = ticksBetween(rules.cron, rules.timezone, ref.tick - 1, now);
    const count = `${went.count}${went.more ? '+' : ''} tick${went.count === 1 ? '' : 's'}`;
    return {
      skipped: 'missed',
      ticks: went.count,
      reason: `no process ran the tick of ${new Date(ref.tick).toISOString()} in time (${count} went by, the last at ${new Date(went.last ?? ref.tick).toISOString()}); catchUp: false drops them`,
    };
  }

  /** When the longest-running worker up now started; undefined when that cannot be told. */
  private async upSince(): Promise<number | undefined> {
    try {
      const up = (await this.workers?.()) ?? [];
      return up.length ? Math.min(...up.map((w) => w.startedAt)) : undefined;
    } catch {
      return undefined;
    }
  }

  private async waitForEnd(ids: string[], signal: AbortSignal): Promise<void> {
    const queue = this.queue!;
    for (const id of ids) {
      for (;;) {
        signal.throwIfAborted();
        // Only a run that is running holds the next one back: one handed back to the queue (its worker died)
        // is run again later, and waiting for it could take every worker slot.
        if ((await queue.get(id))?.status !== 'active') break;
        await pause(this.pollMs, signal);
      }
    }
  }
}

/** What the gate asks of a scheduler. */
export type TickSource = Pick<Scheduler, 'tickOf' | 'runningBefore' | 'startTick'>;

/** The runs of the same schedule, for earlier ticks, running now: the ones this tick would overlap. */
async function runningBefore(
  queue: JobQueue,
  tick: TickInfo,
  jobId: string,
): Promise<{ id: string; tick: number }[]> {
  const active = await queue.list({ status: 'active', limit: 1000 });
  return active
    .filter((v) => v.id !== jobId && v.schedule?.name === tick.ref.name && v.schedule.tick < tick.ref.tick)
    .map((v) => ({ id: v.id, tick: v.schedule!.tick }))
    .sort((a, b) => a.tick - b.tick);
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done() {
      signal.removeEventListener('abort', abort);
      resolve();
    }
    function abort() {
      clearTimeout(timer);
      reject(signal.reason);
    }
    signal.addEventListener('abort', abort, { once: true });
  });
}
