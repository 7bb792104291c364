import { stripControl } from './text';
import { laneCellWidth, laneTitleWidth } from './timelineLane';
import { firstAtOrAfter, type MetricPoint, nearestPoint } from './timelineNearest';

/** A metric lane the operator added (`a`): one metric of one AI run, its points sorted by time. */
export interface MetricLane {
  /** `<run>:<metric>`. */
  key: string;
  run: string;
  metric: string;
  points: MetricPoint[];
}

export function metricLaneKey(run: string, metric: string): string {
  return `${run}:${metric}`;
}

/** The lane's title: the metric, then its run (`loss#42`), for the title column. */
export function metricLaneTitle(lane: Pick<MetricLane, 'run' | 'metric'>): string {
  return `${lane.metric}#${lane.run}`;
}

const bars = '▁▂▃▄▅▆▇█';

/**
 * One metric lane as one line of exactly `width` columns: its title and, per column, the last value written in
 * that column as a bar between the window's smallest and largest value (blank where it wrote nothing).
 * O(width × log points): each column finds its last point by binary search.
 */
export function renderMetricLine(lane: MetricLane, start: number, end: number, width: number): string {
  const w = Math.max(0, Math.floor(width));
  const titleWidth = laneTitleWidth(w);
  const cells = laneCellWidth(w);
  const values = metricColumns(lane.points, start, end, cells);
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (Number.isNaN(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  let line = '';
  for (const v of values) {
    if (Number.isNaN(v)) line += ' ';
    else if (!(max > min)) line += bars[3];
    else line += bars[Math.min(bars.length - 1, Math.floor(((v - min) / (max - min)) * bars.length))];
  }
  if (titleWidth === 0) return line;
  const title = stripControl(metricLaneTitle(lane)).replace(/[^\x21-\x7e]/g, '');
  return `${title.length > titleWidth ? title.slice(0, titleWidth) : title.padEnd(titleWidth)} ${line}`;
}

/** Per column of `[start, end)`, the last value written in it; NaN where none was. */
export function metricColumns(
  points: readonly MetricPoint[],
  start: number,
  end: number,
  width: number,
): number[] {
  const out = new Array<number>(Math.max(0, width)).fill(Number.NaN);
  if (width <= 0 || !(end > start)) return out;
  const span = (end - start) / width;
  for (let col = 0; col < width; col++) {
    const to = firstAtOrAfter(points, start + (col + 1) * span, timeOfPoint);
    const last = to - 1;
    if (last >= 0 && points[last].t >= start + col * span) out[col] = points[last].v;
  }
  return out;
}

/** The lane's value at a time: its nearest point within `maxDistance` ms. */
export function metricValueAt(lane: MetricLane, t: number, maxDistance?: number): MetricPoint | undefined {
  return nearestPoint(lane.points, t, maxDistance);
}

/** Whether the lane has a point in `[start, end)` (a lane with none folds away like the others). */
export function metricLaneEmpty(lane: MetricLane, start: number, end: number): boolean {
  const i = firstAtOrAfter(lane.points, start, timeOfPoint);
  return !(i < lane.points.length && lane.points[i].t < end);
}

function timeOfPoint(p: MetricPoint): number {
  return p.t;
}
