import { isDeepStrictEqual } from 'node:util';
import type { DeckEvent } from '../../domain/event';
import type { JobStatus, JobView } from '../../domain/job';
import { RingBuffer } from '../../domain/ringBuffer';
import { maskSecrets } from '../../domain/secretMask';
import {
  applyJobEvents,
  applyJobSummaries,
  type JobSummaries,
  type JobsById,
  mergeJobList,
  unlistedJobs,
  withoutJobs,
  withoutReadSummaries,
} from '../reducers/jobs';
import { jobWhat } from '../selectors/jobs';
import { errorText, type Slice } from '../slice';

export const jobLogLines = 5_000;
/** Jobs read by id per flush of events at most (a replay of the last hour can name thousands). */
const readAtOnce = 200;

/** The open job's output. History and live events overlap: a live line the history gave already is left out. */
export interface JobLog {
  jobId: string;
  /** Which opening of a log this is (a job's log opened again is a new one). */
  opened: number;
  lines: RingBuffer<string>;
  /** Bumped on every change, so subscribers see a new object while the buffer itself is reused. */
  version: number;
  /**
   * The history's lines by attempt, `seq` and time. Not by number alone: a retried job counts its attempts and lines
   * from 1 and 0 again, so its new run's lines carry the numbers of the first run's.
   */
  fromHistory: Set<string>;
  /** Live lines that arrived before the history was loaded; undefined once it is. */
  early?: DeckEvent[];
  /**
   * Why the job is not shown, once the queue answered without it (removed, a wrong id) or could not be asked;
   * undefined while it is being read, and once found.
   */
  missing?: string;
}

export interface JobsState {
  byId: JobsById;
  /** What the jobs whose payload is not read yet do, as their `job.queued` said (`jobWhat` reads it). */
  summaries: JobSummaries;
  /** From the queue: all jobs by status, not only those in `byId`. */
  counts?: Record<JobStatus, number>;
  loadedAt?: number;
  statusFilter?: JobStatus;
  /** Only the runs of this schedule (Enter on the Scheduler tab). */
  scheduleFilter?: string;
  log?: JobLog;
  /**
   * The job `:run` queued last in this console, until the Jobs tab puts its cursor on it (it may be listed after the
   * queue answers, over Redis) or a key moves the cursor first.
   */
  lastQueued?: string;
}

export interface JobsActions {
  run(program: string, args: string[], opts?: { shell?: boolean }): Promise<string | undefined>;
  cancel(id: string): Promise<void>;
  retry(id: string): Promise<void>;
  /** Decide on an `approval_pending` job; a refusal (the requester, not an admin, expired) says why. */
  approve(id: string): Promise<void>;
  reject(id: string, reason: string): Promise<void>;
  openLog(id: string): Promise<void>;
  closeLog(): void;
  refresh(): Promise<void>;
  /** Reads these jobs by id (those known only from events, without their payload); one read per job at a time. */
  read(ids: readonly string[]): Promise<void>;
  /** The Jobs tab's cursor went onto `lastQueued`, or a key moved it first: nothing left to put it on. */
  forgetLastQueued(): void;
  setStatusFilter(status: JobStatus | undefined): void;
  /** Shows only the runs of `schedule` (undefined: every job again). */
  setScheduleFilter(schedule: string | undefined): void;
  /**
   * Says on the message line when a job this console's user asked for (not a child of another job) failed for
   * good or was rejected: whichever tab is open, at once, and kept in `:messages`.
   */
  tellEnds(events: readonly DeckEvent[]): void;
}

/** The queue's jobs as events and `list()` tell them, and the log of the job that is open. */
export const jobsSlice: Slice<'jobs', JobsState, JobsActions> = {
  name: 'jobs',
  initial: () => ({ byId: new Map(), summaries: new Map() }),
  actions: ({ services, get, patch, notify, now }) => {
    const bus = services.bus;
    /** When this console opened: `tellEnds` tells only the ends that came since. */
    const openedAt = now();
    let logsOpened = 0;
    const reading = new Set<string>();
    /** The queue's views of `ids`, and the ids it does not have (a read that failed is neither). */
    const readViews = async (ids: readonly string[]) => {
      const found: JobView[] = [];
      const missing: string[] = [];
      const queue = bus?.queue;
      if (!queue?.get) return { found, missing };
      await Promise.all(
        ids.map(async (id) => {
          const view = await queue.get!(id).catch(() => null);
          if (view) found.push(view);
          else if (view === undefined) missing.push(id);
        }),
      );
      return { found, missing };
    };
    /** The queue's views merged over the table; the summaries of the jobs they bring a payload for go. */
    const merged = (views: readonly JobView[]) => {
      const held = get().jobs;
      const byId = mergeJobList(held.byId, views, held.log?.jobId);
      return { byId, summaries: withoutReadSummaries(held.summaries, byId) };
    };
    const refusal = (what: string): string | undefined => {
      if (!bus) return `${what}: no worker layer in this console`;
      if (get().workspace.readOnly) return `${what}: refused, infradeck runs read-only (--readonly)`;
      return undefined;
    };
    const actions: JobsActions = {
      run: async (program, args, opts = {}) => {
        if (!bus) {
          notify('error', 'run: no worker layer in this console');
          return undefined;
        }
        try {
          // Read-only: the queue refuses it (a command can change anything) and records the refusal in the audit.
          const id = await bus.queue.enqueue({
            kind: 'command',
            payload: { program, args, shell: opts.shell ?? false },
            requestedBy: bus.requester,
            ...(get().workspace.readOnly ? { readOnly: true } : {}),
          });
          notify('info', `queued job ${id}: ${maskSecrets([program, ...args].join(' '))}`);
          patch({ lastQueued: id });
          return id;
        } catch (error) {
          notify('error', `run ${program}: ${errorText(error)}`);
          return undefined;
        }
      },

      cancel: async (id) => {
        const refused = refusal('cancel');
        if (refused || !bus) return notify('error', refused ?? 'cancel: refused');
        try {
          await bus.queue.cancel(id, bus.requester);
          notify('info', `cancelled job ${id}`);
        } catch (error) {
          notify('error', `cancel ${id}: ${errorText(error)}`);
        }
      },

      retry: async (id) => {
        const refused = refusal('retry');
        if (refused || !bus) return notify('error', refused ?? 'retry: refused');
        try {
          await bus.queue.retry(id, bus.requester);
          notify('info', `job ${id} queued again`);
        } catch (error) {
          notify('error', `retry ${id}: ${errorText(error)}`);
        }
      },

      approve: async (id) => {
        const refused = refusal('approve');
        if (refused || !bus?.queue.approve)
          return notify('error', refused ?? 'approve: this bus holds no approvals');
        try {
          await bus.queue.approve(id, bus.requester);
          notify('info', `approved job ${id}: it is queued`);
        } catch (error) {
          notify('error', `approve ${id}: ${errorText(error)}`);
        }
      },

      reject: async (id, reason) => {
        const refused = refusal('reject');
        if (refused || !bus?.queue.reject)
          return notify('error', refused ?? 'reject: this bus holds no approvals');
        try {
          await bus.queue.reject(id, bus.requester, reason);
          notify('info', `rejected job ${id}`);
        } catch (error) {
          notify('error', `reject ${id}: ${errorText(error)}`);
        }
      },

      openLog: async (id) => {
        const log: JobLog = {
          jobId: id,
          opened: ++logsOpened,
          lines: new RingBuffer<string>(jobLogLines),
          version: 0,
          fromHistory: new Set(),
          early: [],
        };
        patch({ log });
        /** Says why the log has no job, while it is still the one open. */
        const notFound = (why: string) => {
          const current = get().jobs.log;
          if (current?.opened === log.opened && !get().jobs.byId.has(id))
            patch({ log: { ...current, missing: why, version: current.version + 1 } });
        };
        if (!bus) return notFound('this console has no worker layer to read it from');
        try {
          // The job as the queue has it now (its attempts, its whole result), beside what events told.
          const [history, view] = await Promise.all([bus.queue.logs(id), bus.queue.get?.(id)]);
          if (view) patch(merged([view]));
          // Lines that arrived meanwhile made new copies of the log object; `opened` tells it is still this one.
          const current = get().jobs.log;
          if (current?.opened !== log.opened) return;
          for (const line of history) {
            current.lines.push(line.text);
            current.fromHistory.add(lineKey(line.attempt, line.seq, line.at));
          }
          const early = current.early ?? [];
          current.early = undefined;
          for (const e of early) appendLogLine(current, e);
          const gone = bus.queue.get !== undefined && !view && !get().jobs.byId.has(id);
          patch({
            log: {
              ...current,
              version: current.version + 1,
              // A finished job leaves the queue after a while (it keeps the newest); an id can also be mistyped.
              ...(gone ? { missing: 'not in the queue (finished jobs are removed after a while)' } : {}),
            },
          });
        } catch (error) {
          notify('error', `log of ${id}: ${errorText(error)}`);
          notFound(`the queue could not be read: ${errorText(error)}`);
        }
      },

      closeLog: () => patch({ log: undefined }),

      refresh: async () => {
        if (!bus) return;
        try {
          const [listed, counts] = await Promise.all([bus.queue.list({ limit: 500 }), bus.queue.counts()]);
          // Jobs that went without an event (a schedule's pending tick dropped by a pause or a new cron): asked for
          // by id, the views found merged, the others dropped. Usually none: a few reads when there are.
          const before = get().jobs;
          const unlisted = bus.queue.get
            ? unlistedJobs(before.byId, listed, counts, before.log?.jobId).slice(0, readAtOnce)
            : [];
          const { found, missing } = await readViews(unlisted);
          const gone = new Map(missing.map((id) => [id, before.byId.get(id)!]));
          const held = get().jobs;
          const byId = withoutJobs(mergeJobList(held.byId, [...listed, ...found], held.log?.jobId), gone);
          patch({
            byId,
            summaries: withoutReadSummaries(held.summaries, byId),
            counts: held.counts && isDeepStrictEqual(held.counts, counts) ? held.counts : counts,
            loadedAt: now(),
          });
        } catch (error) {
          if (bus.state.get().state === 'connected') notify('error', `jobs: ${errorText(error)}`);
        }
      },

      read: async (ids) => {
        if (!bus?.queue.get) return actions.refresh();
        const wanted = ids.filter((id) => !reading.has(id)).slice(0, readAtOnce);
        if (wanted.length === 0) return;
        for (const id of wanted) reading.add(id);
        try {
          const { found } = await readViews(wanted);
          if (found.length > 0) patch(merged(found));
        } finally {
          for (const id of wanted) reading.delete(id);
        }
      },

      forgetLastQueued: () => {
        if (get().jobs.lastQueued !== undefined) patch({ lastQueued: undefined });
      },
      setStatusFilter: (status) => patch({ statusFilter: status }),
      setScheduleFilter: (schedule) => patch({ scheduleFilter: schedule }),

      tellEnds: (events) => {
        const me = bus?.requester;
        if (!me) return;
        for (const e of events) {
          // The bus replays what it kept when the console subscribes: an end from before it opened is history (the
          // Jobs tab and the Dashboard list it), not news for the message line and `:messages` at this time.
          if (e.at < openedAt) continue;
          if (e.type === 'job.failed' && (e.data as { willRetry?: unknown } | undefined)?.willRetry === true)
            continue;
          const job = e.jobId ? get().jobs.byId.get(e.jobId) : undefined;
          if (!job || job.parentId !== undefined) continue;
          if (job.requestedBy.user !== me.user || job.requestedBy.host !== me.host) continue;
          const what = jobWhat(job, get().jobs.summaries);
          if (e.type === 'job.failed')
            notify('error', `job ${job.id} failed: ${what}: ${job.error ?? e.message}`);
          else notify('warn', `job ${job.id} rejected: ${what}: ${e.message}`);
        }
      },
    };
    return actions;
  },
  reducers: {
    'job.*': (jobs, events) => {
      const byId = applyJobEvents(jobs.byId, events, jobs.log?.jobId);
      const summaries = applyJobSummaries(jobs.summaries, byId, events);
      return byId === jobs.byId && summaries === jobs.summaries ? jobs : { ...jobs, byId, summaries };
    },
    'job.log': (jobs, events) => {
      const log = jobs.log;
      if (!log) return jobs;
      let changed = false;
      for (const e of events) if (e.jobId === log.jobId) changed = appendLogLine(log, e) || changed;
      return changed ? { ...jobs, log: { ...log, version: log.version + 1 } } : jobs;
    },
  },
  effects: {
    'job.failed job.rejected': (events, deck) => deck.actions.jobs.tellEnds(events),
    // Events carry no payload: a job first seen through an event gets its full view from the queue, by its id (the
    // list has only the newest 500: reading it again for an older job's every event would never bring it).
    // Before the first list (a replay of the last hour at start) that list brings them.
    '*': (events, deck) => {
      const { byId, loadedAt } = deck.jobs;
      if (loadedAt === undefined) return;
      const ids = new Set<string>();
      for (const e of events) if (e.jobId && byId.get(e.jobId)?.payload === undefined) ids.add(e.jobId);
      if (ids.size > 0) void deck.actions.jobs.read([...ids]);
    },
  },
};

function appendLogLine(log: JobLog, e: DeckEvent): boolean {
  if (log.early) {
    log.early.push(e);
    return false;
  }
  const data = (e.data ?? {}) as { attempt?: number; seq?: number };
  if (log.fromHistory.has(lineKey(data.attempt, data.seq, e.at))) return false;
  log.lines.push(e.message);
  return true;
}

function lineKey(attempt: unknown, seq: unknown, at: unknown): string {
  return `${attempt}:${seq}:${at}`;
}
