/** A point of a series: x (a run's step) and y (the metric's value). */
export interface SeriesPoint {
  x: number;
  y: number;
}

/**
 * A long series cut down for a chart `width` columns wide without losing its peaks: the points are split into
 * `width` buckets of consecutive points and each bucket keeps its lowest and its highest point (one when they are
 * the same), in their original order; the first and the last point are always kept. So a chart drawn from the
 * result has every bucket's real min and max (a loss spike stays a spike), with at most `2 * width + 2` points.
 * A series that already fits is returned as it is. Pure; linear in the series' length.
 */
export function downsample<P extends SeriesPoint>(points: readonly P[], width: number): P[] {
  const buckets = Math.max(1, Math.floor(width));
  if (points.length <= 2 * buckets) return [...points];
  const out: P[] = [];
  const size = points.length / buckets;
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor(b * size);
    const to = Math.min(points.length, Math.floor((b + 1) * size));
    if (to <= from) continue;
    let low = from;
    let high = from;
    for (let i = from + 1; i < to; i++) {
      if (points[i].y < points[low].y) low = i;
      if (points[i].y > points[high].y) high = i;
    }
    // The first and last points of the series anchor the chart's x range.
    const keep = new Set([low, high]);
    if (b === 0) keep.add(0);
    if (b === buckets - 1) keep.add(points.length - 1);
    for (const i of [...keep].sort((a, c) => a - c)) out.push(points[i]);
  }
  return out;
}
