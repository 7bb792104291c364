import { downsample } from '../../domain/downsample';
import {
  addToSummary,
  type Checkpoint,
  type MetricPoint,
  type MetricSeries,
  type MetricSummary,
  type MetricsChunk,
} from '../../domain/experimentMetrics';
import type { AiMetricsEventData } from '../../domain/jobKinds/experimentRun';
import {
  addSkips,
  type MetricSkipKind,
  type MetricSkips,
  metricSkipKinds,
  parseMetricLine,
  skipText,
} from '../../domain/metricLine';
import type { JobContext } from '../bus/contracts';
import type { RunMetricsStore } from './runMetrics';

export interface RunMetricsIngestOptions {
  /** Between `ai.metrics` events (and store writes, unless a burst fills `writeEvery` first). Default 250 ms. */
  flushMs?: number;
  /** Points written at once when a burst comes faster than `flushMs`. Default 5,000. */
  writeEvery?: number;
  /** Points a run may store; past it points are counted, not kept. Default 1,000,000. */
  maxPoints?: number;
  /** Points held for the store while it is away (Redis down); past it they are counted, not kept. Default 200,000. */
  maxHeld?: number;
  /** Points per metric in one event: a burst is thinned to this (min/max kept). Default 500. */
  eventPointsPerMetric?: number;
  now?: () => number;
}

/** Kinds the ingest adds to the parser's: points it could not keep. */
type IngestSkipKind = MetricSkipKind | 'overCap' | 'notStored';

const ingestSkipText: Record<'overCap' | 'notStored', [string, string]> = {
  overCap: ['point over the run’s cap', 'points over the run’s cap'],
  notStored: ['point lost while the store was away', 'points lost while the store was away'],
};

function describeSkip(kind: IngestSkipKind, n: number): string {
  if (kind === 'overCap' || kind === 'notStored') {
    const [one, many] = ingestSkipText[kind];
    return `${n} ${n === 1 ? one : many}`;
  }
  return skipText(kind, n);
}

/**
 * Turns a run's output lines into metrics: `take` reads each line (`parseMetricLine`) and says whether it was a
 * metric line (then it is not a log line). Points are written to the run's store in chunks and streamed as one
 * `ai.metrics` event per `flushMs` with the points since the last one, so a run printing 100,000 lines a second
 * costs a few writes and four events a second, not a write and an event per line.
 *
 * Bad input is counted, not logged line by line: the first time a kind of problem shows up the log says so once
 * (with the line number), and `finish` logs the totals. Memory stays bounded: a metric's summary is kept, not its
 * series; what waits for the store is capped (`maxHeld`) and a burst held for an event is thinned as it grows.
 */
export class RunMetricsIngest {
  readonly summaries = new Map<string, MetricSummary>();
  readonly checkpoints: Checkpoint[] = [];
  readonly skipped: Partial<Record<IngestSkipKind, number>> = {};
  points = 0;
  /** Output lines seen, and those of them that carried metrics. */
  lines = 0;
  metricLines = 0;

  private readonly flushMs: number;
  private readonly writeEvery: number;
  private readonly maxPoints: number;
  private readonly maxHeld: number;
  private readonly eventPointsPerMetric: number;
  private readonly now: () => number;
  /** Steps of metrics whose lines carry none: each counts its own points. */
  private readonly nextStep = new Map<string, number>();
  private held: MetricsChunk['p'] = [];
  private heldCheckpoints: Checkpoint[] = [];
  private eventSeries = new Map<string, MetricPoint[]>();
  private eventCheckpoints: Checkpoint[] = [];
  private eventPoints = 0;
  private thinned = false;
  private readonly firstSeen = new Map<IngestSkipKind, number>();
  private readonly announced = new Set<IngestSkipKind>();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private writeFailure: string | undefined;
  private finished = false;

  constructor(
    private readonly store: RunMetricsStore,
    private readonly run: string,
    private readonly experiment: string,
    private readonly ctx: Pick<JobContext, 'log' | 'emit'>,
    opts: RunMetricsIngestOptions = {},
  ) {
    this.flushMs = opts.flushMs ?? 250;
    this.writeEvery = opts.writeEvery ?? 5_000;
    this.maxPoints = opts.maxPoints ?? 1_000_000;
    this.maxHeld = opts.maxHeld ?? 200_000;
    this.eventPointsPerMetric = opts.eventPointsPerMetric ?? 500;
    this.now = opts.now ?? Date.now;
  }

  /** Starts the periodic writes and events. */
  start(): void {
    this.timer ??= setInterval(() => this.tick(), this.flushMs);
    this.timer.unref?.();
  }

  /** One output line: true when it carried metrics (or a checkpoint) and is not a log line. */
  take(line: string): boolean {
    this.lines++;
    const reading = parseMetricLine(line);
    if (!reading.metric) {
      if (reading.skipped) this.count(reading.skipped, 1);
      return false;
    }
    this.metricLines++;
    for (const kind of metricSkipKinds) {
      const n = reading.skipped[kind];
      if (n) this.count(kind, n);
    }
    const time = this.now();
    if (reading.checkpoint !== undefined) {
      const checkpoint: Checkpoint = {
        uri: reading.checkpoint,
        ...(reading.step !== undefined ? { step: reading.step } : {}),
        time,
      };
      this.checkpoints.push(checkpoint);
      this.heldCheckpoints.push(checkpoint);
      this.eventCheckpoints.push(checkpoint);
    }
    for (const { name, value } of reading.values) {
      if (this.points >= this.maxPoints) {
        this.count('overCap', 1);
        continue;
      }
      const step = reading.step ?? this.nextStep.get(name) ?? 0;
      this.nextStep.set(name, step + 1);
      if (this.held.length >= this.maxHeld) {
        this.count('notStored', 1);
      } else {
        this.held.push([name, step, value, time]);
      }
      this.points++;
      this.summaries.set(name, addToSummary(this.summaries.get(name), name, step, value));
      this.forEvent(name, { step, value, time });
    }
    if (this.held.length >= this.writeEvery) this.write();
    return true;
  }

  /** The last writes and event, then the totals of what was skipped in the log. Resolves once stored. */
  async finish(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    if (this.timer) clearInterval(this.timer);
    this.write();
    await this.writing;
    // Written once more: a store that was away at the last tick gets one more chance before the run ends.
    if (this.held.length > 0 || this.heldCheckpoints.length > 0) {
      this.write();
      await this.writing;
    }
    const lost = this.held.length;
    if (lost > 0) {
      this.held = [];
      this.count('notStored', lost);
    }
    await this.emitEvent();
    await this.announce();
    const totals = (Object.keys(this.skipped) as IngestSkipKind[])
      .map((kind) => describeSkip(kind, this.skipped[kind] ?? 0))
      .join(', ');
    const metrics = [...this.summaries.keys()];
    const parts = [
      `${this.points} point${this.points === 1 ? '' : 's'} of ${metrics.length} metric${metrics.length === 1 ? '' : 's'}${metrics.length ? ` (${metrics.slice(0, 8).join(', ')}${metrics.length > 8 ? ', …' : ''})` : ''}`,
    ];
    if (this.checkpoints.length) {
      parts.push(
        `${this.checkpoints.length} checkpoint${this.checkpoints.length === 1 ? '' : 's'} (last ${this.checkpoints[this.checkpoints.length - 1].uri})`,
      );
    }
    await this.ctx.log(`metrics: ${parts.join('; ')}`, 'info').catch(() => {});
    if (totals) await this.ctx.log(`metrics skipped: ${totals}`, 'info').catch(() => {});
  }

  /** What was left out, with the parser's kinds only (the job's result). */
  parserSkips(): MetricSkips {
    const out: MetricSkips = {};
    addSkips(out, this.skipped as MetricSkips);
    return out;
  }

  private count(kind: IngestSkipKind, n: number): void {
    this.skipped[kind] = (this.skipped[kind] ?? 0) + n;
    if (!this.firstSeen.has(kind)) this.firstSeen.set(kind, this.lines);
  }

  private forEvent(name: string, point: MetricPoint): void {
    let points = this.eventSeries.get(name);
    if (!points) {
      points = [];
      this.eventSeries.set(name, points);
    }
    points.push(point);
    this.eventPoints++;
    // A burst between two events is thinned as it grows: memory stays at a few thousand points per metric.
    if (points.length >= this.eventPointsPerMetric * 8) {
      this.eventSeries.set(name, thin(points, this.eventPointsPerMetric));
      this.thinned = true;
    }
  }

  private tick(): void {
    this.write();
    void this.writing.then(() => this.emitEvent()).then(() => this.announce());
  }

  /** Queues a write of what is held (writes run one after another, in order). */
  private write(): void {
    if (this.held.length === 0 && this.heldCheckpoints.length === 0) return;
    const chunk: MetricsChunk = {
      p: this.held,
      ...(this.heldCheckpoints.length ? { c: this.heldCheckpoints } : {}),
    };
    this.held = [];
    this.heldCheckpoints = [];
    this.writing = this.writing.then(async () => {
      try {
        await this.store.append(this.run, chunk);
        if (this.writeFailure) {
          this.writeFailure = undefined;
          await this.ctx.log('metrics store is back: held points written', 'info').catch(() => {});
        }
      } catch (error) {
        // Held again, ahead of newer points, for the next write; the cap counts what no longer fits.
        const room = Math.max(0, this.maxHeld - this.held.length);
        const keep = chunk.p.slice(0, room);
        if (chunk.p.length > keep.length) this.count('notStored', chunk.p.length - keep.length);
        this.held = [...keep, ...this.held];
        this.heldCheckpoints = [...(chunk.c ?? []), ...this.heldCheckpoints];
        const message = error instanceof Error ? error.message : String(error);
        if (!this.writeFailure) {
          this.writeFailure = message;
          await this.ctx
            .log(`${message}; points are held and written again (up to ${this.maxHeld})`, 'info')
            .catch(() => {});
        }
      }
    });
  }

  private async emitEvent(): Promise<void> {
    if (this.eventPoints === 0 && this.eventCheckpoints.length === 0) return;
    let thinned = this.thinned;
    const series: MetricSeries[] = [...this.eventSeries].map(([name, points]) => {
      if (points.length <= this.eventPointsPerMetric) return { name, points };
      thinned = true;
      return { name, points: thin(points, this.eventPointsPerMetric) };
    });
    const data: AiMetricsEventData = {
      run: this.run,
      experiment: this.experiment,
      series,
      checkpoints: this.eventCheckpoints,
      points: this.eventPoints,
      total: this.points,
      thinned,
    };
    this.eventSeries = new Map();
    this.eventCheckpoints = [];
    this.eventPoints = 0;
    this.thinned = false;
    await this.ctx
      .emit({
        level: 'info',
        type: 'ai.metrics',
        message: `${this.experiment}: ${data.points} point${data.points === 1 ? '' : 's'} (${this.points} in all)`,
        data,
      })
      .catch(() => {});
  }

  /** Says once per kind that something was skipped, where it was first seen; the totals come at the end. */
  private async announce(): Promise<void> {
    for (const [kind, line] of this.firstSeen) {
      if (this.announced.has(kind)) continue;
      this.announced.add(kind);
      await this.ctx
        .log(
          `metrics: skipping ${describeSkip(kind, 1).replace(/^1 /, '')} (first at output line ${line}); counted, totals at the end`,
          'info',
        )
        .catch(() => {});
    }
  }
}

/** Down to about `perMetric` points, min and max of each stretch kept. */
function thin(points: MetricPoint[], perMetric: number): MetricPoint[] {
  const asXY = points.map((p) => ({ x: p.step, y: p.value, p }));
  return downsample(asXY, Math.max(1, Math.floor(perMetric / 2))).map((q) => q.p);
}
