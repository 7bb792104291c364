/** The metrics of an experiment run, as stored, streamed and shown. */

/** One value of a metric: `step` from the line (or the metric's own count), `time` when the worker read it (epoch ms). */
export interface MetricPoint {
  step: number;
  value: number;
  time: number;
}

/** A metric's points in the order the run printed them: `infradeck ai metrics --json` prints these. */
export interface MetricSeries {
  name: string;
  points: MetricPoint[];
}

/** A `{"checkpoint": "s3://…"}` line. */
export interface Checkpoint {
  uri: string;
  step?: number;
  time: number;
}

export interface RunMetricsData {
  series: MetricSeries[];
  checkpoints: Checkpoint[];
}

/**
 * What the store appends in one write: points as `[name, step, value, time]` (a quarter of the size of objects,
 * which matters at 200,000 points a run) and the checkpoints seen since the last write.
 */
export interface MetricsChunk {
  p: Array<[name: string, step: number, value: number, time: number]>;
  c?: Checkpoint[];
}

export type MetricGoal = 'min' | 'max';

/** A metric of a run in one row: for tables, the job's result and the `ai runs` best value. */
export interface MetricSummary {
  name: string;
  count: number;
  first: number;
  last: number;
  lastStep: number;
  min: number;
  max: number;
}

/** A stored chunk read back; undefined for one this version cannot read (a torn last line, another version's). */
export function readChunk(raw: string): MetricsChunk | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { p, c } = parsed as { p?: unknown; c?: unknown };
  if (!Array.isArray(p)) return undefined;
  const points: MetricsChunk['p'] = [];
  for (const item of p) {
    if (
      Array.isArray(item) &&
      typeof item[0] === 'string' &&
      Number.isFinite(item[1]) &&
      Number.isFinite(item[2]) &&
      Number.isFinite(item[3])
    )
      points.push([item[0], item[1], item[2], item[3]]);
  }
  const checkpoints: Checkpoint[] = [];
  if (Array.isArray(c)) {
    for (const item of c as Array<Partial<Checkpoint> | null>) {
      if (typeof item?.uri !== 'string' || !Number.isFinite(item.time)) continue;
      checkpoints.push({
        uri: item.uri,
        ...(Number.isFinite(item.step) ? { step: item.step } : {}),
        time: item.time as number,
      });
    }
  }
  return { p: points, ...(checkpoints.length ? { c: checkpoints } : {}) };
}

/** Chunks in the order they were written, as series (in order of each metric's first point) and checkpoints. */
export function metricsOfChunks(chunks: Iterable<MetricsChunk>): RunMetricsData {
  const byName = new Map<string, MetricPoint[]>();
  const checkpoints: Checkpoint[] = [];
  for (const chunk of chunks) {
    for (const [name, step, value, time] of chunk.p) {
      let points = byName.get(name);
      if (!points) {
        points = [];
        byName.set(name, points);
      }
      points.push({ step, value, time });
    }
    if (chunk.c) checkpoints.push(...chunk.c);
  }
  return { series: [...byName].map(([name, points]) => ({ name, points })), checkpoints };
}

export function summarize(series: MetricSeries): MetricSummary | undefined {
  const { points } = series;
  if (points.length === 0) return undefined;
  let min = points[0].value;
  let max = min;
  for (const p of points) {
    if (p.value < min) min = p.value;
    if (p.value > max) max = p.value;
  }
  const last = points[points.length - 1];
  return {
    name: series.name,
    count: points.length,
    first: points[0].value,
    last: last.value,
    lastStep: last.step,
    min,
    max,
  };
}

/** Keeps a summary up to date one point at a time (the run's handler: no series kept in memory). */
export function addToSummary(
  summary: MetricSummary | undefined,
  name: string,
  step: number,
  value: number,
): MetricSummary {
  if (!summary) return { name, count: 1, first: value, last: value, lastStep: step, min: value, max: value };
  summary.count++;
  summary.last = value;
  summary.lastStep = step;
  if (value < summary.min) summary.min = value;
  if (value > summary.max) summary.max = value;
  return summary;
}

export function bestOf(summary: Pick<MetricSummary, 'min' | 'max'>, goal: MetricGoal): number {
  return goal === 'min' ? summary.min : summary.max;
}

/** A value for a table: 4 significant digits, no exponent for everyday magnitudes. */
export function formatMetric(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs !== 0 && (abs >= 1e6 || abs < 1e-4)) return value.toExponential(3);
  return String(Number(value.toPrecision(4)));
}
