import { type DeckEvent, eventIdAt } from '../../domain/event';
import { JobSummaries } from '../../domain/timelineLanes';
import type { TimelineStore } from '../../domain/timelineStore';
import type { BusNotice, EventBus } from '../bus/contracts';
import { readStreamWindow, type StreamSource } from './streamWindow';

export interface TimelineFeedOptions {
  /** Replay from this time (epoch ms). */
  since: number;
  /** With Redis: the stream read in large pages (faster than the bus's replay), then the bus goes on live. */
  stream?: StreamSource;
  onNotice?: (notice: BusNotice) => void;
  /** The replay is in the store (live events follow). */
  onReplayed?: (replayed: { events: number; lastId?: string }) => void;
  /** The replay failed (Redis unreachable): the store keeps what it had; live still starts. */
  onError?: (message: string) => void;
}

export interface TimelineFeed {
  /** Resolves once the replay is in the store. */
  replayed: Promise<void>;
  stop(): void;
}

/**
 * Fill a store from the bus: the window since `since` first, then every live event, without a gap or a
 * duplicate — the live subscription starts right after the last replayed id (or, with nothing replayed, at
 * `since` by the stream ids' time, `eventIdAt`). Counts land in the store as events arrive; the screen draws
 * from the buckets at its own pace (`store.version` says when there is something new).
 */
export function feedTimeline(
  store: TimelineStore,
  events: EventBus,
  opts: TimelineFeedOptions,
): TimelineFeed {
  let stopped = false;
  let unsubscribe: (() => void) | undefined;
  // A job's later events carry the summary its `job.queued` said (the replay's, then live).
  const summaries = new JobSummaries();
  const add = (e: DeckEvent) => store.add(summaries.note(e));
  const replayed = (async () => {
    let from = eventIdAt(opts.since);
    let count = 0;
    if (opts.stream) {
      try {
        const read = await readStreamWindow(
          opts.stream.conn,
          opts.stream.streamKey,
          opts.since,
          Number.POSITIVE_INFINITY,
          (batch) => {
            for (const e of batch) add(e);
          },
        );
        count = read.delivered;
        if (read.lastId) from = read.lastId;
      } catch (error) {
        opts.onError?.(`replaying the event stream: ${(error as Error).message}`);
      }
    }
    if (stopped) return;
    opts.onReplayed?.({ events: count, lastId: from });
    unsubscribe = events.subscribe(from, add, { onNotice: opts.onNotice });
  })();
  return {
    replayed,
    stop: () => {
      stopped = true;
      unsubscribe?.();
    },
  };
}
