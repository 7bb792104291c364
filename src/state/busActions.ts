import { applyCloudEvent } from '../domain/cloudJobs';
import { type DeckEvent, eventIdAt } from '../domain/event';
import { RingBuffer } from '../domain/ringBuffer';
import type { DeckBus } from './deckServices';
import { applyJobEvents, mergeJobList } from './jobsReducer';
import type { DeckState, DeckStoreTools } from './store';
import { addToTimeline, advanceTimeline } from './timeline';

/**
 * Events are applied to the store at most once per this many ms: a quiet stream's event shows at once (on the
 * next turn of the event loop, so a synchronous burst such as a replay is one update), a burst costs at most
 * ten updates a second.
 */
export const eventFlushMs = 100;
export const latestEventsKept = 200;
export const jobLogLines = 5_000;
const pollMs = 5_000;

export interface BusActions {
  /**
   * Subscribes to the bus (replaying the last hour), loads jobs and workers, polls; returns the disconnect.
   * Calls share one connection (start-up connects before the first frame, the console again when it mounts);
   * it ends with the last disconnect.
   */
  connectBus(): () => void;
  runCommand(program: string, args: string[], opts?: { shell?: boolean }): Promise<string | undefined>;
  cancelJob(id: string): Promise<void>;
  retryJob(id: string): Promise<void>;
  openJobLog(id: string): Promise<void>;
  closeJobLog(): void;
  refreshJobs(): Promise<void>;
  refreshWorkers(): Promise<void>;
}

export function busActions(bus: DeckBus | undefined, tools: DeckStoreTools): BusActions {
  const { set, get, notify, now } = tools;
  let pending: DeckEvent[] = [];
  let logsOpened = 0;
  let flushTimer: ReturnType<typeof setTimeout> | undefined;
  let lastFlushAt = Number.NEGATIVE_INFINITY;

  const refusal = (what: string): string | undefined => {
    if (!bus) return `${what}: no worker layer in this console`;
    if (get().workspace.readOnly) return `${what}: refused, infradeck runs read-only (--readonly)`;
    return undefined;
  };

  const flush = () => {
    flushTimer = undefined;
    lastFlushAt = performance.now();
    const batch = pending;
    pending = [];
    if (batch.length === 0) return;
    set((s) => {
      const log = s.jobs.log;
      let logChanged = false;
      if (log) {
        for (const e of batch) {
          if (e.type === 'job.log' && e.jobId === log.jobId) logChanged = appendLogLine(log, e) || logChanged;
        }
      }
      const latest = [...s.events.latest, ...batch.slice(-latestEventsKept)].slice(-latestEventsKept);
      return {
        jobs: {
          ...s.jobs,
          byId: applyJobEvents(s.jobs.byId, batch),
          log: log && logChanged ? { ...log, version: log.version + 1 } : log,
        },
        cloud: {
          ...s.cloud,
          index: batch.reduce((index, e) => applyCloudEvent(index, e, s.cloud.info?.account), s.cloud.index),
        },
        events: {
          latest,
          timeline: addToTimeline(s.events.timeline, batch, now()),
          received: s.events.received + batch.length,
          lastId: batch[batch.length - 1].id,
        },
      };
    });
    if (batch.some((e) => e.type.startsWith('worker.'))) void actions.refreshWorkers();
    // Events carry no payload: a job first seen through an event gets its full view from the queue.
    const byId = get().jobs.byId;
    if (batch.some((e) => e.jobId && byId.get(e.jobId)?.payload === undefined)) void actions.refreshJobs();
  };

  const ingest = (e: DeckEvent) => {
    pending.push(e);
    flushTimer ??= setTimeout(flush, Math.max(0, lastFlushAt + eventFlushMs - performance.now()));
  };

  let connections = 0;
  let disconnect: (() => void) | undefined;

  const connect = (bus: DeckBus): (() => void) => {
    set((s) => ({ bus: { ...s.bus, status: bus.state.get() } }));
    const offState = bus.state.subscribe((status) => {
      set((s) => ({ bus: { ...s.bus, status } }));
      if (status.state === 'connected') {
        void actions.refreshJobs();
        void actions.refreshWorkers();
      }
    });
    const offEvents = bus.events.subscribe(eventIdAt(now() - 60 * 60_000), ingest, {
      onNotice: (notice) => notify('warn', notice.message),
    });
    void actions.refreshJobs();
    void actions.refreshWorkers();
    const poll = setInterval(() => {
      set((s) => ({ events: { ...s.events, timeline: advanceTimeline(s.events.timeline, now()) } }));
      if (bus.state.get().state !== 'connected') return;
      void actions.refreshWorkers();
      void actions.refreshJobs();
    }, pollMs);
    return () => {
      clearInterval(poll);
      if (flushTimer) clearTimeout(flushTimer);
      offEvents();
      offState();
    };
  };

  const actions: BusActions = {
    connectBus: () => {
      if (!bus) return () => {};
      connections++;
      disconnect ??= connect(bus);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        connections--;
        if (connections === 0) {
          disconnect?.();
          disconnect = undefined;
        }
      };
    },

    runCommand: async (program, args, opts = {}) => {
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
        notify('info', `queued job ${id}: ${[program, ...args].join(' ')}`);
        return id;
      } catch (error) {
        notify('error', `run ${program}: ${errorMessage(error)}`);
        return undefined;
      }
    },

    cancelJob: async (id) => {
      const refused = refusal('cancel');
      if (refused || !bus) return notify('error', refused ?? 'cancel: refused');
      try {
        await bus.queue.cancel(id, bus.requester);
        notify('info', `cancelled job ${id}`);
      } catch (error) {
        notify('error', `cancel ${id}: ${errorMessage(error)}`);
      }
    },

    retryJob: async (id) => {
      const refused = refusal('retry');
      if (refused || !bus) return notify('error', refused ?? 'retry: refused');
      try {
        await bus.queue.retry(id, bus.requester);
        notify('info', `job ${id} queued again`);
      } catch (error) {
        notify('error', `retry ${id}: ${errorMessage(error)}`);
      }
    },

    openJobLog: async (id) => {
      const log: JobLog = {
        jobId: id,
        opened: ++logsOpened,
        lines: new RingBuffer<string>(jobLogLines),
        version: 0,
        high: new Map(),
        early: [],
      };
      set((s) => ({ jobs: { ...s.jobs, log } }));
      if (!bus) return;
      try {
        const history = await bus.queue.logs(id);
        // Lines that arrived meanwhile made new copies of the log object; `opened` tells it is still this one.
        const current = get().jobs.log;
        if (current?.opened !== log.opened) return;
        for (const line of history) {
          current.lines.push(line.text);
          current.high.set(line.attempt, Math.max(line.seq, current.high.get(line.attempt) ?? -1));
        }
        const early = current.early ?? [];
        current.early = undefined;
        for (const e of early) appendLogLine(current, e);
        set((s) => ({ jobs: { ...s.jobs, log: { ...current, version: current.version + 1 } } }));
      } catch (error) {
        notify('error', `log of ${id}: ${errorMessage(error)}`);
      }
    },

    closeJobLog: () => set((s) => ({ jobs: { ...s.jobs, log: undefined } })),

    refreshJobs: async () => {
      if (!bus) return;
      try {
        const [listed, counts] = await Promise.all([bus.queue.list({ limit: 500 }), bus.queue.counts()]);
        set((s) => ({
          jobs: { ...s.jobs, byId: mergeJobList(s.jobs.byId, listed), counts, loadedAt: now() },
        }));
      } catch (error) {
        if (bus.state.get().state === 'connected') notify('error', `jobs: ${errorMessage(error)}`);
      }
    },

    refreshWorkers: async () => {
      if (!bus) return;
      try {
        const list = await bus.workers();
        set({ workers: { list, refreshedAt: now() } } as Partial<DeckState>);
      } catch {
        // The bus state already tells the user Redis is unreachable.
      }
    },
  };
  return actions;
}

/** The open job's output. Lines are deduplicated by (attempt, seq): history and live events overlap. */
export interface JobLog {
  jobId: string;
  /** Which opening of a log this is (a job's log opened again is a new one). */
  opened: number;
  lines: RingBuffer<string>;
  /** Bumped on every change, so subscribers see a new object while the buffer itself is reused. */
  version: number;
  /** Highest line `seq` shown, per attempt. */
  high: Map<number, number>;
  /** Live lines that arrived before the history was loaded; undefined once it is. */
  early?: DeckEvent[];
}

function appendLogLine(log: JobLog, e: DeckEvent): boolean {
  if (log.early) {
    log.early.push(e);
    return false;
  }
  const data = (e.data ?? {}) as { attempt?: number; seq?: number };
  if (typeof data.attempt === 'number' && typeof data.seq === 'number') {
    if (data.seq <= (log.high.get(data.attempt) ?? -1)) return false;
    log.high.set(data.attempt, data.seq);
  }
  log.lines.push(e.message);
  return true;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
