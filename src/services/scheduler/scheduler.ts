import type { Requester, ScheduleTick } from '../../domain/job';
import type { TickRules } from '../../domain/schedule';
import type { SchedulesFile } from '../../domain/scheduleSource';

/** What a sync did, for the worker's log and the console's status. */
export interface SyncReport {
  /** Registered now (new, or changed since the last registration). */
  registered: string[];
  /** Registered before and unchanged: left as they were (their pending tick kept). */
  unchanged: string[];
  /** Unregistered: gone from the file, or disabled. */
  removed: string[];
  /** Invalid in the file: their registration, if any, is left as it was. */
  invalid: string[];
  /**
   * Set when this process does not run schedules: another process does (memory: the workspace's scheduler
   * lock), or the file could not be read (nothing was changed).
   */
  notRunning?: string;
}

/** A scheduled job as the gate sees it when it starts: which tick, by which rules, for the first time or not. */
export interface TickInfo {
  ref: ScheduleTick;
  rules: TickRules;
  /**
   * False when this job started before (a worker died and another took it over): the tick was admitted then,
   * so it runs now without being checked again.
   */
  firstStart: boolean;
}

/** A job starting on a worker, as its handler knows it: enough to write its tick's audit entry without reading it. */
export interface StartingJob {
  jobId: string;
  kind: string;
  payload: unknown;
  requestedBy: Requester;
}

/** `tickOf` and `runningBefore` answered together, when the job starts. */
export interface TickStart extends TickInfo {
  /** The runs of the same schedule for earlier ticks that were active when this one was marked started. */
  runningBefore(): Promise<{ id: string; tick: number }[]>;
}

/**
 * Turns the schedules of a workspace into jobs, one per tick, on one transport: BullMQ job schedulers over
 * Redis (any number of processes register the same schedules; Redis makes one job per tick), or timers in
 * this process (memory). The jobs themselves are ordinary jobs of the bus; what makes them a schedule's is
 * their requester (`schedule:NAME`) and `schedule: { name, tick }`.
 */
export interface Scheduler {
  readonly transport: 'memory' | 'redis';
  /**
   * Make the registrations match the file: its valid, enabled schedules are registered (left as they are when
   * unchanged), the others unregistered, except invalid ones, whose registration is left alone (a typo does not
   * stop a schedule). An unreadable file or no file changes nothing.
   */
  sync(file: SchedulesFile): Promise<SyncReport>;
  /** The next tick of each registered schedule, as the transport holds it (epoch ms). */
  registered(): Promise<Map<string, number | undefined>>;
  /** The tick behind a job, when a tick of a schedule made it. */
  tickOf(jobId: string): Promise<TickInfo | undefined>;
  /**
   * The runs of the same schedule for earlier ticks (or asked for earlier) that are active now, oldest first;
   * without it the gate looks through the queue's active jobs.
   */
  runningBefore?(tick: TickInfo, jobId: string): Promise<{ id: string; tick: number }[]>;
  /**
   * `tickOf` with the start marked, and what `runningBefore` needs, in one step (over Redis: one round trip
   * instead of three, on the path from a tick to its program's start).
   */
  startTick?(job: StartingJob): Promise<TickStart | undefined>;
  /** Stop ticking here (registrations in Redis stay: they belong to the workspace, not to this process). */
  close(): Promise<void>;
}
