import { hostname } from 'node:os';
import type { JobSpec } from '../../domain/job';
import { type Schedule, tickRulesOf } from '../../domain/schedule';
import { nextTick, ticksBetween } from '../../domain/scheduleCron';
import { scheduleRequester } from '../../domain/scheduleRequester';
import type { SchedulesFile } from '../../domain/scheduleSource';
import type { JobQueue } from '../bus/contracts';
import { jobIdForKey } from '../bus/jobIds';
import type { Scheduler, SyncReport, TickInfo } from './scheduler';
import { acquireSchedulerLock, type SchedulerLock } from './schedulerLock';
import { readTickState, type TickStateFile, TickStateWriter, tickStatePath } from './tickState';

export interface MemorySchedulerDeps {
  queue: JobQueue;
  /** The workspace: its state file keeps the ticks handled (catch-up) and its lock keeps a second process out. */
  dataDir?: string;
  /** The process runs read-only: ticks of kinds that change something are refused at enqueue (and audited). */
  readOnly?: boolean;
  now?: () => number;
  /** Something went wrong that no caller waits for (a tick's job refused, the state file unwritable). */
  onError?: (what: string, error: unknown) => void;
  /** Longest single timer wait; the target is checked again after it (a clock changed, a laptop slept). */
  maxWaitMs?: number;
}

interface Armed {
  schedule: Schedule;
  /** `cron|timezone`: a change re-arms the timer; anything else only updates `schedule`. */
  definition: string;
  next?: number;
  timer?: NodeJS.Timeout;
}

/** Jobs whose tick this process still remembers, for the gate (only ever one per running tick or so). */
const rememberedJobs = 10_000;

/**
 * Schedules in this process (the embedded default without Redis): one timer per enabled schedule, aimed at its
 * next tick (croner's maths, our timer: the job needs the tick's instant, not the moment the timer fired).
 * Each tick is enqueued with the idempotency key `schedule:NAME:TICK`, so its id is deterministic. The ticks
 * handled are kept in the workspace's state file: at start, a tick missed while no process ran is enqueued
 * once (the gate then runs it or records it missed, by `catchUp`). One process per workspace ticks (a lock
 * file); the others report who does.
 */
export class MemoryScheduler implements Scheduler {
  readonly transport = 'memory';
  private readonly armed = new Map<string, Armed>();
  private readonly ticks = new Map<string, TickInfo>();
  private readonly host = hostname();
  private readonly now: () => number;
  private readonly maxWaitMs: number;
  private state: TickStateFile | undefined;
  private writer: TickStateWriter | undefined;
  private lock: SchedulerLock | undefined;
  private running = false;
  private closed = false;

  constructor(private readonly deps: MemorySchedulerDeps) {
    this.now = deps.now ?? Date.now;
    this.maxWaitMs = deps.maxWaitMs ?? 30_000;
  }

  async sync(file: SchedulesFile): Promise<SyncReport> {
    const report: SyncReport = {
      registered: [],
      unchanged: [],
      removed: [],
      invalid: file.invalid.map((i) => i.name ?? `schedules[${i.index}]`),
    };
    if (this.closed) return { ...report, notRunning: 'the scheduler is closed' };
    if (!file.readable) return { ...report, notRunning: `${file.file} cannot be read; nothing was changed` };
    const running = await this.start();
    if (running) return { ...report, notRunning: running };
    const now = this.now();
    const wanted = new Map(file.schedules.filter((s) => s.enabled).map((s) => [s.name, s]));
    const keep = new Set(file.invalid.flatMap((i) => (i.name ? [i.name] : [])));
    for (const [name, armed] of this.armed) {
      if (wanted.has(name) || keep.has(name)) continue;
      this.disarm(name, armed);
      report.removed.push(name);
    }
    for (const schedule of wanted.values()) {
      const armed = this.armed.get(schedule.name);
      const definition = `${schedule.cron}|${schedule.timezone}`;
      if (armed?.definition === definition) {
        const changed = JSON.stringify(armed.schedule) !== JSON.stringify(schedule);
        armed.schedule = schedule;
        (changed ? report.registered : report.unchanged).push(schedule.name);
        continue;
      }
      if (armed) this.disarm(schedule.name, armed);
      this.arm(schedule, definition, now);
      report.registered.push(schedule.name);
    }
    // A schedule disabled or removed while no process ran: its ticks were not missed, they were not wanted.
    for (const name of Object.keys(this.state!.schedules))
      if (!wanted.has(name) && !keep.has(name)) delete this.state!.schedules[name];
    this.writer?.changed();
    return report;
  }

  async registered(): Promise<Map<string, number | undefined>> {
    return new Map([...this.armed].map(([name, a]) => [name, a.next]));
  }

  async tickOf(jobId: string): Promise<TickInfo | undefined> {
    const tick = this.ticks.get(jobId);
    // Asked when the job starts: a later start (a retry) is the same run going on.
    if (tick?.firstStart) this.ticks.set(jobId, { ...tick, firstStart: false });
    return tick;
  }

  async close(): Promise<void> {
    this.closed = true;
    const now = this.now();
    for (const [name, armed] of this.armed) {
      // Up to now this process ran every tick that was due: none of them is missed at the next start.
      this.record(name, { handledUntil: Math.min(now, (armed.next ?? now + 1) - 1) });
      this.disarm(name, armed, false);
    }
    await this.writer?.flush();
    await this.lock?.release();
  }

  /** Undefined once this process runs the schedules; else why not (another process holds the lock). */
  private async start(): Promise<string | undefined> {
    if (this.running) return undefined;
    const { dataDir } = this.deps;
    if (dataDir) {
      const taken = await acquireSchedulerLock(dataDir);
      if ('heldBy' in taken) {
        const who = taken.heldBy;
        // Asked again at the next sync: the holder may have gone by then.
        return `schedules run in another process${who ? ` (pid ${who.pid} on ${who.host})` : ''}`;
      }
      this.lock = taken.lock;
      taken.lock.lost.addEventListener('abort', () => {
        for (const [name, armed] of this.armed) this.disarm(name, armed, false);
        this.running = false;
        this.lock = undefined;
        this.deps.onError?.('schedules', taken.lock.lost.reason);
      });
      const file = tickStatePath(dataDir);
      this.state = await readTickState(file);
      this.writer = new TickStateWriter(
        file,
        () => this.state!,
        1_000,
        (e) => this.deps.onError?.(`writing ${file}`, e),
      );
    } else {
      this.state = { v: 1, schedules: {} };
    }
    this.running = true;
    return undefined;
  }

  private arm(schedule: Schedule, definition: string, now: number): void {
    const armed: Armed = { schedule, definition };
    this.armed.set(schedule.name, armed);
    const state = this.state!.schedules[schedule.name];
    this.state!.schedules[schedule.name] = { ...state, definition, handledUntil: now };
    if (state?.definition === definition && state.handledUntil < now) {
      // Ticks that came while no process ran: one job for the first of them; the gate runs it or records it
      // missed (catchUp), counting the others.
      const missed = ticksBetween(schedule.cron, schedule.timezone, state.handledUntil, now);
      if (missed.first !== undefined) this.fire(armed, missed.first);
    }
    this.aim(armed, now);
  }

  private disarm(name: string, armed: Armed, forget = true): void {
    if (armed.timer) clearTimeout(armed.timer);
    this.armed.delete(name);
    if (forget && this.state) {
      delete this.state.schedules[name];
      this.writer?.changed();
    }
  }

  /** Set the timer for the first tick after `after`. */
  private aim(armed: Armed, after: number): void {
    const { cron, timezone } = armed.schedule;
    armed.next = nextTick(cron, timezone, after);
    if (armed.next === undefined) return;
    const target = armed.next;
    const wait = () => {
      const left = target - this.now();
      if (left > 0) {
        armed.timer = setTimeout(wait, Math.min(left, this.maxWaitMs));
        armed.timer.unref?.();
        return;
      }
      if (this.armed.get(armed.schedule.name) !== armed) return;
      this.fire(armed, target);
      // From now, not from the tick: after a sleep the ticks in between are one late job, not a burst of them.
      const now = this.now();
      this.record(armed.schedule.name, { handledUntil: Math.max(target, now) });
      this.aim(armed, Math.max(target, now));
    };
    wait();
  }

  /** One job for one tick. Its id follows from the tick, so a tick enqueued twice is one job. */
  private fire(armed: Armed, tick: number): void {
    const { schedule } = armed;
    const key = `schedule:${schedule.name}:${tick}`;
    const id = jobIdForKey(key);
    // Known before the enqueue: the in-process consumer may start the job before `enqueue` returns.
    this.ticks.set(id, {
      ref: { name: schedule.name, tick },
      rules: tickRulesOf(schedule),
      firstStart: true,
    });
    if (this.ticks.size > rememberedJobs) this.ticks.delete(this.ticks.keys().next().value as string);
    const spec = {
      kind: schedule.job.kind,
      payload: schedule.job.payload,
      requestedBy: scheduleRequester(schedule.name, this.host),
      idempotencyKey: key,
      schedule: { name: schedule.name, tick },
      ...(this.deps.readOnly ? { readOnly: true } : {}),
    } as JobSpec;
    this.deps.queue.enqueue(spec).catch((error) => {
      this.ticks.delete(id);
      this.deps.onError?.(
        `schedule ${schedule.name}: the job of the tick ${new Date(tick).toISOString()}`,
        error,
      );
    });
    this.record(schedule.name, { handledUntil: tick });
  }

  private record(name: string, change: { handledUntil: number }): void {
    const entry = this.state?.schedules[name];
    if (!entry) return;
    entry.handledUntil = Math.max(entry.handledUntil, change.handledUntil);
    this.writer?.changed();
  }
}
