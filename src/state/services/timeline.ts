import type { TimelineCommit } from '../../domain/timelineLanes';
import type { MetricPoint } from '../../domain/timelineNearest';
import type { TimelinePin } from '../../domain/timelinePins';
import type { TimelineStore } from '../../domain/timelineStore';
import type { DeckBus } from './bus';

/** A feed filling a store: the replay first (`replayed` resolves with how many events it held), then live. */
export interface TimelineFeedHandle {
  replayed: Promise<{ events: number; from: 'stream' | 'job history' }>;
  stop(): void;
}

/** The job output lines of a window, for the log pattern shift. */
export interface TimelineLogLines {
  lines: string[];
  from: 'stream' | 'job history';
  truncated: boolean;
}

/**
 * The Timeline tab's outside world (`openWorkspace` wires the real one): the bus's events replayed into a store
 * and then live, the repositories' commits, job output, the pins file, and the AI runs' metrics.
 */
export interface DeckTimeline {
  /**
   * Fills `store` with every event since `since`: with Redis the stream by its ids' time, without it the job
   * history plus the console's in-memory events; then live. Never rejects: problems go to `onError`.
   */
  feed(
    store: TimelineStore,
    bus: DeckBus,
    since: number,
    on: { onError(message: string): void; onNotice(message: string): void },
  ): TimelineFeedHandle;
  /** The repositories' commits in `[start, end)` (`errors`: a repository that could not be read). */
  commits(start: number, end: number): Promise<{ commits: TimelineCommit[]; errors: string[] }>;
  logLines(bus: DeckBus, start: number, end: number): Promise<TimelineLogLines>;
  /** Where the pins are kept, for people. */
  pinsFile: string;
  /** The kept pins (none before the first `p`); `skipped`: entries that did not read. */
  loadPins(): Promise<{ pins: TimelinePin[]; skipped: number }>;
  savePins(pins: readonly TimelinePin[]): Promise<void>;
  /** The metrics store of AI runs; absent where there is none. */
  aiMetrics?: {
    where: string;
    /** A run's metrics, each with its points by the time the worker read them. */
    read(run: string): Promise<{ name: string; points: MetricPoint[] }[]>;
  };
}
