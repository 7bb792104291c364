import type { DeckConfig } from '../../domain/config';
import { eventIdAt } from '../../domain/event';
import { JobSummaries, timelineTime } from '../../domain/timelineLanes';
import type { TimelineStore } from '../../domain/timelineStore';
import type { DeckBus } from '../../state/services/bus';
import type { DeckTimeline, TimelineFeedHandle } from '../../state/services/timeline';
import { runMetricsOpener } from '../ai/runMetrics';
import { busSettings } from '../bus/busFromEnv';
import type { EventBus } from '../bus/contracts';
import { loadRepoEntries } from '../storage/workspace';
import { readCommitLog } from './commitLog';
import { jobHistoryEvents } from './jobHistoryEvents';
import { readJobLogLines } from './jobLogLines';
import { loadPinsFile, pinsFilePath, savePinsFile } from './pinsFile';
import { openStreamSource } from './streamWindow';
import { feedTimeline } from './timelineFeed';

export interface DeckTimelineOptions {
  dataDir: string;
  config: DeckConfig;
  env: NodeJS.ProcessEnv;
}

/** Jobs of the history read into the Timeline without Redis (newest first, as the queue lists them). */
const historyJobs = 10_000;

/** The console's Timeline: `feedTimeline` with Redis, the job history and the in-memory bus without it. */
export function deckTimelineFor(opts: DeckTimelineOptions): DeckTimeline {
  const { dataDir, config, env } = opts;
  const pinsFile = pinsFilePath(dataDir);
  const openMetrics = runMetricsOpener({ ...busSettings(env), dataDir });
  return {
    feed: (store, bus, since, on) =>
      bus.transport === 'redis'
        ? feedFromStream(store, bus, since, on, env)
        : feedFromHistory(store, bus, since, on),
    commits: async (start, end) => {
      const found = await loadRepoEntries(dataDir, config, env);
      return readCommitLog(found.entries, start, end);
    },
    logLines: async (bus, start, end) => {
      if (bus.transport === 'redis') {
        const stream = openStreamSource(env);
        if (stream) {
          try {
            return await readJobLogLines({ stream }, start, end);
          } finally {
            stream.close();
          }
        }
      }
      return readJobLogLines({ queue: bus.queue }, start, end);
    },
    pinsFile,
    loadPins: () => loadPinsFile(pinsFile),
    savePins: (pins) => savePinsFile(pinsFile, pins),
    ...(openMetrics
      ? {
          aiMetrics: {
            where: 'the AI run metrics store',
            read: async (run: string) => {
              const metrics = await openMetrics();
              try {
                const data = await metrics.read(run);
                return data.series.map((s) => ({
                  name: s.name,
                  points: s.points.map((p) => ({ t: p.time, v: p.value })).sort((a, b) => a.t - b.t),
                }));
              } finally {
                await metrics.close();
              }
            },
          },
        }
      : {}),
  };
}

type FeedHandlers = { onError(message: string): void; onNotice(message: string): void };

/** With Redis: the stream since `since` in large pages (by its ids' time), then the bus live after the last id. */
function feedFromStream(
  store: TimelineStore,
  bus: DeckBus,
  since: number,
  on: FeedHandlers,
  env: NodeJS.ProcessEnv,
): TimelineFeedHandle {
  let stream: ReturnType<typeof openStreamSource>;
  try {
    stream = openStreamSource(env);
  } catch (error) {
    on.onError(`timeline: ${(error as Error).message}`);
  }
  let events = 0;
  const feed = feedTimeline(store, bus.events as EventBus, {
    since,
    stream,
    onNotice: (n) => on.onNotice(n.message),
    onError: (m) => on.onError(`timeline: ${m}`),
    onReplayed: (r) => {
      events = r.events;
    },
  });
  const replayed = feed.replayed.then(() => {
    stream?.close();
    stream = undefined;
    return { events, from: 'stream' as const };
  });
  return {
    replayed,
    stop: () => {
      feed.stop();
      stream?.close();
      stream = undefined;
    },
  };
}

/**
 * Without Redis the bus holds only this console's events (in memory): the jobs of earlier sessions come from the
 * job history, as the events their lives produced. A job change the bus already delivered is not added again
 * from the history (same job, same event type).
 */
function feedFromHistory(
  store: TimelineStore,
  bus: DeckBus,
  since: number,
  on: FeedHandlers,
): TimelineFeedHandle {
  const delivered = new Set<string>();
  // This console's jobs: their later events carry the summary their `job.queued` said (the history's say it).
  const summaries = new JobSummaries();
  let historyRead = false;
  let replayedFromBus = 0;
  const unsubscribe = bus.events.subscribe(
    eventIdAt(since),
    (e) => {
      if (!historyRead) {
        replayedFromBus++;
        if (e.jobId && e.type !== 'job.log' && e.type !== 'job.progress')
          delivered.add(`${e.jobId} ${e.type}`);
      }
      store.add(summaries.note(e));
    },
    { onNotice: (n) => on.onNotice(n.message) },
  );
  const replayed = (async () => {
    let added = 0;
    try {
      const views = await bus.queue.list({ limit: historyJobs });
      for (const e of jobHistoryEvents(views)) {
        if (timelineTime(e) < since || delivered.has(`${e.jobId} ${e.type}`)) continue;
        store.add(e);
        added++;
      }
    } catch (error) {
      on.onError(`timeline: reading the job history: ${(error as Error).message}`);
    } finally {
      historyRead = true;
      delivered.clear();
    }
    return { events: replayedFromBus + added, from: 'job history' as const };
  })();
  return { replayed, stop: unsubscribe };
}
