import type { SchedulesFile } from '../../domain/scheduleSource';
import { busSettings } from '../bus/busFromEnv';
import type { Bus, SomeHandlers } from '../bus/contracts';
import { sleep } from '../cloud/retry';
import type { Scheduler, SyncReport } from './scheduler';
import { TickGate } from './tickGate';

export interface ScheduleRunnerOptions {
  /** The workspace whose `schedules.yaml` is registered; without one only the gate works (ticks made elsewhere). */
  dataDir?: string;
  env: NodeJS.ProcessEnv;
  /** The process is read-only: in-process ticks of kinds that change something are refused (and audited). */
  readOnly?: boolean;
  /** Follow edits of `schedules.yaml` (default true). */
  watch?: boolean;
  /** After a sync that changed something or found other problems than the last: what, and the file's problems. */
  onReport?: (report: SyncReport, file: SchedulesFile) => void;
  onError?: (what: string, error: unknown) => void;
  /** Tests: another scheduler than the bus's transport would give. */
  scheduler?: (bus: Bus) => Promise<Scheduler>;
}

const retryMs = 5_000;
/** How long a stop waits for a registration in flight, before and after closing the scheduler under it. */
const stopWaitMs = 500;
const lockRetryMs = 15_000;

/**
 * Schedules in a process that runs or queues jobs (`infradeck worker`, the console): the gate its job handlers
 * go through, the scheduler of its bus's transport, the workspace's `schedules.yaml` registered at start and
 * again after every edit of it. A sync that fails (Redis away) is tried again every few seconds.
 */
export class ScheduleRunner {
  readonly gate = new TickGate();
  private scheduler: Scheduler | undefined;
  private watcher: { close(): Promise<void> } | undefined;
  private syncing: Promise<SyncReport | undefined> = Promise.resolve(undefined);
  private retry: NodeJS.Timeout | undefined;
  private delayed: NodeJS.Timeout | undefined;
  private stopped = false;
  private offState: (() => void) | undefined;
  private reported: string | undefined;
  /** `schedules.yaml` as the last sync read it. */
  private file: SchedulesFile | undefined;

  constructor(private readonly opts: ScheduleRunnerOptions) {}

  /** The handlers with the gate in front (a schedule's tick is checked for overlap and lateness first). */
  wrap<H extends SomeHandlers>(handlers: H): H {
    return this.gate.wrap(handlers);
  }

  /**
   * Open the scheduler on this bus and put it behind the gate; then, without waiting, register the schedules
   * and follow the file (`synced()` resolves with the first registration). Call it before the process takes
   * jobs, so no tick's job starts without the gate knowing it.
   */
  async start(bus: Bus): Promise<void> {
    if (this.stopped || this.scheduler) return;
    const scheduler = await (this.opts.scheduler ?? ((b) => openScheduler(b, this.opts)))(bus);
    if (this.stopped) {
      await scheduler.close();
      return;
    }
    this.scheduler = scheduler;
    this.gate.attach(scheduler, bus.queue, () => bus.workers());
    if (this.opts.dataDir === undefined) return;
    void this.sync().then(() => this.follow());
    // A Redis that comes back may have come back empty (restarted without persistence, flushed, failed over to a
    // replica that never had them): its job schedulers are gone and nothing would tick until the file changed or
    // the process restarted. Every reconnect syncs again; with the registrations intact that only reads them.
    let away = bus.state.get().state !== 'connected';
    this.offState = bus.state.subscribe((status) => {
      if (status.state !== 'connected') away = true;
      else if (away) {
        away = false;
        void this.sync();
      }
    });
  }

  /** Resolves with the outcome of the registration in progress (or the last one). */
  synced(): Promise<SyncReport | undefined> {
    return this.syncing;
  }

  private async follow(): Promise<void> {
    if (this.opts.watch === false || this.stopped) return;
    const { watchSchedules } = await import('./schedulesFile');
    this.watcher = await watchSchedules(this.opts.dataDir!, () => void this.sync(), {
      onError: (e) => this.opts.onError?.('watching schedules.yaml', e),
    }).catch((error) => {
      this.opts.onError?.('watching schedules.yaml', error);
      return undefined;
    });
    if (this.stopped) await this.watcher?.close();
    // An edit between the first read and the watcher's start would otherwise wait for the next one.
    else void this.sync();
  }

  /**
   * The job the schedule `name` makes as this process's `schedules.yaml` reads (after the sync in progress), for the
   * check of an unsigned tick when signed requests are required; undefined when the file has no such schedule.
   */
  readonly scheduledJob = async (name: string): Promise<{ kind: string; payload: unknown } | undefined> => {
    await this.syncing;
    // Not synced here (another process runs the schedules, or they could not start): no watcher keeps the file read,
    // so it is read at each such check (a tick is rare, the file small), and an edit counts at once.
    if (!this.scheduler && this.opts.dataDir !== undefined) await this.load(this.opts.dataDir);
    const schedule = this.file?.schedules.find((s) => s.name === name);
    return schedule && { kind: schedule.job.kind, payload: schedule.job.payload };
  };

  /** `start` a moment later, off the path to the console's first frame. */
  startLater(bus: Bus, delayMs: number): void {
    this.delayed = setTimeout(() => {
      this.delayed = undefined;
      this.start(bus).catch((error) => this.opts.onError?.('starting the schedules', error));
    }, delayMs);
    this.delayed.unref?.();
  }

  /** Read the file and make the registrations match it (one sync at a time). */
  sync(): Promise<SyncReport | undefined> {
    this.syncing = this.syncing.then(async () => {
      const scheduler = this.scheduler;
      if (!scheduler || this.stopped || this.opts.dataDir === undefined) return undefined;
      if (this.retry) clearTimeout(this.retry);
      this.retry = undefined;
      const file = await this.load(this.opts.dataDir);
      try {
        const report = await scheduler.sync(file);
        const key = JSON.stringify([
          report.notRunning,
          file.errors,
          file.schedules.filter((s) => s.enabled).length,
        ]);
        if (report.registered.length || report.removed.length || key !== this.reported) {
          this.reported = key;
          this.opts.onReport?.(report, file);
        }
        // Another process runs the workspace's schedules: take over when it goes away.
        if (report.notRunning && scheduler.transport === 'memory' && file.readable) this.later(lockRetryMs);
        return report;
      } catch (error) {
        this.opts.onError?.('registering the schedules', error);
        this.later(retryMs);
        return undefined;
      }
    });
    return this.syncing;
  }

  /** `schedules.yaml` read now, and kept as the file this process knows. */
  private async load(dataDir: string): Promise<SchedulesFile> {
    const { loadSchedules } = await import('./schedulesFile');
    this.file = await loadSchedules(dataDir, this.opts.env);
    return this.file;
  }

  private later(ms: number): void {
    if (this.stopped) return;
    this.retry = setTimeout(() => void this.sync(), ms);
    this.retry.unref?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.offState?.();
    if (this.delayed) clearTimeout(this.delayed);
    if (this.retry) clearTimeout(this.retry);
    await this.watcher?.close().catch(() => {});
    // A registration in flight ends by itself while Redis answers; with Redis away it would wait for ever (a quit
    // console hung on it), so it gets a moment, then the scheduler closes under it and its commands fail.
    const settled = this.syncing.then(
      () => {},
      () => {},
    );
    await Promise.race([settled, sleep(stopWaitMs)]);
    await this.scheduler?.close();
    await Promise.race([settled, sleep(stopWaitMs)]);
  }
}

/** The scheduler of a bus's transport: BullMQ job schedulers over Redis, timers in this process otherwise. */
export async function openScheduler(
  bus: Bus,
  opts: Pick<ScheduleRunnerOptions, 'dataDir' | 'env' | 'readOnly' | 'onError'>,
): Promise<Scheduler> {
  if (bus.transport === 'redis') {
    const settings = busSettings(opts.env);
    if (!settings.redisUrl) throw new Error('the bus is on Redis but REDIS_URL is not set');
    const { RedisScheduler } = await import('./redisScheduler');
    return new RedisScheduler({ ...settings, redisUrl: settings.redisUrl, events: bus.events });
  }
  const { MemoryScheduler } = await import('./memoryScheduler');
  return new MemoryScheduler({
    queue: bus.queue,
    dataDir: opts.dataDir,
    readOnly: opts.readOnly,
    onError: opts.onError,
  });
}
