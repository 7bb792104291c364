import { downsample, type SeriesPoint } from './downsample';

/**
 * A series as one value per chart column (`columns` of them at most), for a line chart that draws a value per
 * column. A long series is cut down by `downsample` to the low and the high point of each stretch, in order, so
 * a spike stays a spike and the chart's y range is the series' real min..max. A short one is stretched: each
 * point lands on its own column (its value exact) and the columns between two points are interpolated.
 */
export function chartValues(points: readonly SeriesPoint[], columns: number): number[] {
  const w = Math.max(1, Math.floor(columns));
  const n = points.length;
  if (n === 0) return [];
  if (n === 1) return [points[0].y];
  if (n > w) {
    // downsample keeps up to 2 points a bucket plus the first and the last.
    const kept = downsample(points, Math.max(1, Math.floor((w - 2) / 2)));
    return kept.slice(0, w).map((p) => p.y);
  }
  if (w <= 1) return [points[n - 1].y];
  const out = new Array<number>(w);
  let prevCol = 0;
  out[0] = points[0].y;
  for (let i = 1; i < n; i++) {
    const col = Math.round((i * (w - 1)) / (n - 1));
    const from = points[i - 1].y;
    const to = points[i].y;
    for (let c = prevCol + 1; c <= col; c++) out[c] = from + ((to - from) * (c - prevCol)) / (col - prevCol);
    out[col] = to;
    prevCol = col;
  }
  return out;
}

/** The columns of `columns` a run ending at step `to` takes on an axis from `axisFrom` to `axisTo` (at least 2). */
export function spanColumns(to: number, axisFrom: number, axisTo: number, columns: number): number {
  const whole = axisTo - axisFrom;
  if (!(whole > 0)) return columns;
  const share = (to - axisFrom) / whole;
  return Math.max(2, Math.min(columns, Math.round(columns * share)));
}

/** `width` values for a sparkline of a series: the last value of each of `width` equal stretches. */
export function sparkValues(values: readonly number[], width: number): number[] {
  const w = Math.max(0, Math.floor(width));
  if (values.length <= w) return [...values];
  const out: number[] = [];
  for (let b = 1; b <= w; b++) out.push(values[Math.ceil((b * values.length) / w) - 1]);
  return out;
}

const bars = '▁▂▃▄▅▆▇█';

/**
 * Exactly `width` characters, scaled from the values' min (`▁`) to their max (`█`): a loss falling from 2.3 to
 * 0.01 and an accuracy creeping from 0.85 to 0.88 both use the whole height. Left padded with spaces.
 */
export function rangeSparkline(values: readonly number[], width: number): string {
  const w = Math.max(0, Math.floor(width));
  const shown = sparkValues(values, w).filter(Number.isFinite);
  if (shown.length === 0) return ' '.repeat(w);
  let low = shown[0];
  let high = shown[0];
  for (const v of shown) {
    if (v < low) low = v;
    if (v > high) high = v;
  }
  const range = high - low;
  let out = ' '.repeat(w - shown.length);
  for (const v of shown)
    out += range > 0 ? bars[Math.round(((v - low) / range) * (bars.length - 1))] : bars[3];
  return out;
}
