import type { DeckEvent } from './event';
import { type BucketLevel, defaultBucketLevels, type LaneColumns, TimelineBuckets } from './timelineBuckets';
import {
  classifyEvent,
  commitEvent,
  describeEvent,
  describeSource,
  type LaneHit,
  laneIndex,
  projectOfEvent,
  resourceOfEvent,
  type TimelineCommit,
  type TimelineEvent,
  type TimelineLaneId,
  timelineLaneIds,
  timelineTime,
} from './timelineLanes';
import { firstAtOrAfter, nearestItem } from './timelineNearest';

/** Events a lane keeps for the cursor, the newest (`keepPerLane`'s default). */
export const defaultKeepPerLane = 5_000;

export interface TimelineStoreOptions {
  levels?: readonly BucketLevel[];
  /** Events kept per lane for the cursor and `--json` (counts are kept for all of them regardless). */
  keepPerLane?: number;
  /**
   * How far ahead of `clock()` a time may be and still be drawn. Further ahead (a host or a commit with its
   * clock set wrong) it is counted in `outside.future`, not drawn: drawing it would move the buckets' "now"
   * ahead and push the real past out.
   */
  futureToleranceMs?: number;
  /** The host's clock (tests pass their own). */
  clock?: () => number;
}

/** Events counted but not drawn, so nothing is silently dropped from the totals. */
export interface TimelineOutside {
  /** Ahead of this host's clock by more than the tolerance. */
  future: number;
  /** Older than the coarsest buckets keep (or no usable time at all). */
  tooOld: number;
}

interface Kept {
  time: number;
  source: DeckEvent | TimelineEvent;
  failed: boolean;
  mark: number;
}

/**
 * Everything the Timeline has seen: bucketed counts per lane (see `TimelineBuckets`) plus the latest events of
 * each lane for the cursor. `add` is O(levels × lanes hit); a frame reads `columns` per lane, O(width).
 * `version` changes on every add, so a screen can tell whether to draw again.
 */
export class TimelineStore {
  readonly buckets: TimelineBuckets;
  readonly outside: TimelineOutside = { future: 0, tooOld: 0 };
  /** Events taken (drawn or counted apart). */
  total = 0;
  version = 0;
  /** Earliest and latest drawn time. */
  from = Number.POSITIVE_INFINITY;
  to = Number.NEGATIVE_INFINITY;
  private readonly kept: Kept[][] = timelineLaneIds.map(() => []);
  private readonly keepPerLane: number;
  private readonly futureToleranceMs: number;
  private readonly maxAgeMs: number;
  private readonly clock: () => number;
  private readonly hits: LaneHit[] = [];

  constructor(opts: TimelineStoreOptions = {}) {
    const levels = opts.levels ?? defaultBucketLevels;
    this.buckets = new TimelineBuckets(timelineLaneIds.length, levels);
    this.keepPerLane = Math.max(1, opts.keepPerLane ?? defaultKeepPerLane);
    this.futureToleranceMs = opts.futureToleranceMs ?? 15 * 60_000;
    this.maxAgeMs = Math.max(...levels.map((l) => l.ms * (l.slots - 1)));
    this.clock = opts.clock ?? Date.now;
  }

  /** Take a bus event (at its stream id's time). */
  add(e: DeckEvent): void {
    this.total++;
    this.version++;
    const time = timelineTime(e);
    if (!this.drawable(time)) return;
    const n = classifyEvent(e, this.hits);
    for (let i = 0; i < n; i++) {
      const h = this.hits[i];
      this.buckets.add(time, h.lane, 1, h.failed ? 1 : 0, h.mark);
      if (h.keep) this.keep(h.lane, { time, source: e, failed: h.failed, mark: h.mark });
    }
  }

  /** Take a repository's commit (at its committer time). */
  addCommit(c: TimelineCommit): void {
    this.total++;
    this.version++;
    if (!this.drawable(c.time)) return;
    const lane = laneIndex.commits;
    this.buckets.add(c.time, lane);
    this.keep(lane, { time: c.time, source: commitEvent(c), failed: false, mark: 0 });
  }

  columns(lane: TimelineLaneId, start: number, end: number, width: number, out?: LaneColumns): LaneColumns {
    return this.buckets.columns(laneIndex[lane], start, end, width, out);
  }

  /** The kept events of a lane in `[start, end)`, oldest first, at most `limit` (the newest ones). */
  events(
    lane: TimelineLaneId,
    start: number,
    end: number,
    limit = Number.POSITIVE_INFINITY,
  ): TimelineEvent[] {
    const kept = this.kept[laneIndex[lane]];
    const from = firstAtOrAfter(kept, start, timeOfKept);
    const to = firstAtOrAfter(kept, end, timeOfKept);
    const first = Math.max(from, to - Math.max(0, limit));
    const out: TimelineEvent[] = [];
    for (let i = first; i < to; i++) out.push(toTimelineEvent(kept[i], lane));
    return out;
  }

  /** The kept event of a lane nearest to `t` (within `maxDistance` ms). */
  nearest(lane: TimelineLaneId, t: number, maxDistance?: number): TimelineEvent | undefined {
    const k = nearestItem(this.kept[laneIndex[lane]], t, timeOfKept, maxDistance);
    return k ? toTimelineEvent(k, lane) : undefined;
  }

  /** Whether a lane kept events older than its oldest one now (it shows only its latest `keepPerLane`). */
  keptFrom(lane: TimelineLaneId): number | undefined {
    return this.kept[laneIndex[lane]][0]?.time;
  }

  private drawable(time: number): boolean {
    const now = this.clock();
    if (time > now + this.futureToleranceMs) {
      this.outside.future++;
      return false;
    }
    if (!(time > 0) || time < now - this.maxAgeMs || this.buckets.tooOld(time)) {
      this.outside.tooOld++;
      return false;
    }
    if (time < this.from) this.from = time;
    if (time > this.to) this.to = time;
    return true;
  }

  private keep(lane: number, k: Kept): void {
    const list = this.kept[lane];
    const last = list[list.length - 1];
    if (!last || last.time <= k.time) list.push(k);
    else {
      // Out of order (a commit, a replay behind live): keep the list sorted for the binary searches.
      let i = firstAtOrAfter(list, k.time, timeOfKept);
      while (i < list.length && list[i].time === k.time) i++;
      list.splice(i, 0, k);
    }
    // Amortized: drop the oldest half-cap at once instead of shifting on every event.
    if (list.length > this.keepPerLane * 1.5) list.splice(0, list.length - this.keepPerLane);
  }
}

function timeOfKept(k: Kept): number {
  return k.time;
}

function isDeckEvent(s: DeckEvent | TimelineEvent): s is DeckEvent {
  return 'level' in s;
}

function toTimelineEvent(k: Kept, lane: TimelineLaneId): TimelineEvent {
  const s = k.source;
  if (!isDeckEvent(s)) return s;
  const subject = lane === 'deploys' ? projectOfEvent(s) : undefined;
  const resource = resourceOfEvent(s);
  return {
    time: k.time,
    lane,
    id: s.id,
    type: s.type,
    what: describeEvent(s),
    who: describeSource(s.source),
    ...(s.jobId ? { jobId: s.jobId, opens: { job: s.jobId } } : {}),
    ...(resource ? { opens: resource } : {}),
    ...(subject ? { subject } : {}),
    ...(k.failed ? { failed: true } : {}),
    ...(k.mark ? { mark: k.mark } : {}),
  };
}
