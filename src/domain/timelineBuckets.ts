/** One resolution of the aggregation: `slots` buckets of `ms` each, in a ring. */
export interface BucketLevel {
  ms: number;
  slots: number;
}

/**
 * Fine to coarse, each kept as long as the zoom levels that read it need: 1 minute at 80–200 columns reads
 * 250 ms buckets; 7 days reads 15-minute ones. What a level no longer holds the coarser ones still do.
 */
export const defaultBucketLevels: readonly BucketLevel[] = [
  { ms: 250, slots: 4 * 3600 }, // 1 hour
  { ms: 5_000, slots: 12 * 24 * 60 }, // 24 hours
  { ms: 60_000, slots: 8 * 24 * 60 }, // 8 days
  { ms: 15 * 60_000, slots: 4 * 24 * 32 }, // 32 days
];

/** Per-column sums of one lane over a window: what a lane line is drawn from. */
export interface LaneColumns {
  /** Events in each column. */
  counts: Float64Array;
  /** Failures in each column. */
  failed: Float64Array;
  /** `markDeploy | markDestroy` bits of each column. */
  marks: Uint8Array;
  /** The resolution the columns were summed from. */
  bucketMs: number;
}

class Level {
  readonly counts: Float64Array;
  readonly failed: Float64Array;
  readonly marks: Uint8Array;
  /** The absolute bucket number (time / ms) each slot holds now; -1 = empty. */
  readonly owner: Float64Array;
  /** The newest bucket number written. */
  head = -1;

  constructor(
    readonly ms: number,
    readonly slots: number,
    readonly lanes: number,
  ) {
    this.counts = new Float64Array(slots * lanes);
    this.failed = new Float64Array(slots * lanes);
    this.marks = new Uint8Array(slots * lanes);
    this.owner = new Float64Array(slots).fill(-1);
  }

  /** The first bucket number this level still holds all of. */
  firstHeld(): number {
    return this.head - this.slots + 1;
  }

  add(bucket: number, lane: number, count: number, failed: number, mark: number): void {
    if (bucket <= this.head - this.slots) return; // older than this level keeps: the coarser ones have it
    const slot = bucket % this.slots;
    if (this.owner[slot] !== bucket) {
      // The slot still holds a bucket one lap older: it is out of this level's range now.
      this.owner[slot] = bucket;
      const base = slot * this.lanes;
      this.counts.fill(0, base, base + this.lanes);
      this.failed.fill(0, base, base + this.lanes);
      this.marks.fill(0, base, base + this.lanes);
    }
    if (bucket > this.head) this.head = bucket;
    const i = slot * this.lanes + lane;
    this.counts[i] += count;
    if (failed) this.failed[i] += failed;
    if (mark) this.marks[i] |= mark;
  }

  /** Adds bucket `bucket` of `lane` into column `col` of `out` (nothing if the level no longer holds it). */
  read(bucket: number, lane: number, out: LaneColumns, col: number): void {
    const slot = bucket % this.slots;
    if (this.owner[slot] !== bucket) return;
    const i = slot * this.lanes + lane;
    out.counts[col] += this.counts[i];
    out.failed[col] += this.failed[i];
    out.marks[col] |= this.marks[i];
  }
}

/**
 * Counts of every lane in time buckets at several resolutions, filled as events arrive: adding an event is a
 * few array writes per level, and reading a window at any width costs O(width + buckets in the window at the
 * chosen level) — never O(events). Counts are float64: exact up to 2^53 events in a bucket.
 *
 * Times must be ≥ 0. A time far ahead of the rest moves every level's head and pushes the past out, so the
 * store refuses times ahead of its clock before they get here (see `TimelineStore`).
 */
export class TimelineBuckets {
  private readonly levels: Level[];

  constructor(
    readonly lanes: number,
    levels: readonly BucketLevel[] = defaultBucketLevels,
  ) {
    if (levels.length === 0) throw new RangeError('TimelineBuckets needs at least one level');
    this.levels = [...levels].sort((a, b) => a.ms - b.ms).map((l) => new Level(l.ms, l.slots, lanes));
  }

  /** The oldest time the coarsest level still holds (undefined before the first event). */
  heldFrom(): number | undefined {
    const coarsest = this.levels[this.levels.length - 1];
    if (coarsest.head < 0) return undefined;
    return Math.max(0, coarsest.firstHeld()) * coarsest.ms;
  }

  /** Whether a time is older than every level keeps (it would be counted nowhere). */
  tooOld(time: number): boolean {
    const coarsest = this.levels[this.levels.length - 1];
    return Math.floor(time / coarsest.ms) <= coarsest.head - coarsest.slots;
  }

  add(time: number, lane: number, count = 1, failed = 0, mark = 0): void {
    for (const level of this.levels) level.add(Math.floor(time / level.ms), lane, count, failed, mark);
  }

  /**
   * Sums of `lane` over `[start, end)` in `width` equal columns. Reads the coarsest level whose buckets are
   * no wider than a column and that still holds the window's start, so every bucket falls in exactly one
   * column (the one its start is in) and the sums are exact; when only a coarser level holds the window, its
   * buckets land in the column of their start (exact counts, a sparser picture).
   */
  columns(lane: number, start: number, end: number, width: number, out?: LaneColumns): LaneColumns {
    const w = Math.max(0, Math.floor(width));
    const cols = out && out.counts.length === w ? resetColumns(out) : emptyColumns(w);
    if (w === 0 || !(end > start)) return cols;
    const span = (end - start) / w;
    const level = this.levelFor(start, span);
    cols.bucketMs = level.ms;
    const first = Math.max(Math.floor(start / level.ms), level.firstHeld(), 0);
    const last = Math.min(Math.ceil(end / level.ms) - 1, level.head);
    for (let b = first; b <= last; b++) {
      const t = b * level.ms;
      // A bucket that starts before the window but overlaps it is drawn in the first column.
      const col = t < start ? 0 : Math.floor((t - start) / span);
      if (col >= w) break;
      level.read(b, lane, cols, col);
    }
    return cols;
  }

  private levelFor(start: number, span: number): Level {
    let chosen: Level | undefined;
    for (const level of this.levels) {
      const holds = level.head < 0 || Math.floor(start / level.ms) >= level.firstHeld();
      if (level.ms <= span && holds) chosen = level;
      if (!chosen && holds) return level; // nothing fine enough holds it: the finest one that does
    }
    return chosen ?? this.levels[this.levels.length - 1];
  }
}

export function emptyColumns(width: number): LaneColumns {
  return {
    counts: new Float64Array(width),
    failed: new Float64Array(width),
    marks: new Uint8Array(width),
    bucketMs: 0,
  };
}

function resetColumns(c: LaneColumns): LaneColumns {
  c.counts.fill(0);
  c.failed.fill(0);
  c.marks.fill(0);
  c.bucketMs = 0;
  return c;
}
