/** A value of a metric at a time (events per second, an AI run's loss). */
export interface MetricPoint {
  t: number;
  v: number;
}

/**
 * The index of the item nearest to `t` in `items` sorted by time (ties: the earlier one), or -1 when empty or
 * when the nearest is further than `maxDistance`. O(log n).
 */
export function nearestIndex<T>(
  items: readonly T[],
  t: number,
  timeOf: (item: T) => number,
  maxDistance = Number.POSITIVE_INFINITY,
): number {
  if (items.length === 0 || !Number.isFinite(t)) return -1;
  let lo = 0;
  let hi = items.length; // first index with time >= t
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (timeOf(items[mid]) < t) lo = mid + 1;
    else hi = mid;
  }
  let best = -1;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const i of [lo - 1, lo]) {
    if (i < 0 || i >= items.length) continue;
    const d = Math.abs(timeOf(items[i]) - t);
    if (d < bestDistance) {
      best = i;
      bestDistance = d;
    }
  }
  return bestDistance <= maxDistance ? best : -1;
}

export function nearestItem<T>(
  items: readonly T[],
  t: number,
  timeOf: (item: T) => number,
  maxDistance?: number,
): T | undefined {
  const i = nearestIndex(items, t, timeOf, maxDistance);
  return i < 0 ? undefined : items[i];
}

/** A metric's value at a cursor time: its nearest point (sorted by `t`), or undefined with no point near. */
export function nearestPoint(
  points: readonly MetricPoint[],
  t: number,
  maxDistance?: number,
): MetricPoint | undefined {
  return nearestItem(points, t, (p) => p.t, maxDistance);
}

/** Index of the first item with time ≥ `t` in `items` sorted by time (items.length if none). */
export function firstAtOrAfter<T>(items: readonly T[], t: number, timeOf: (item: T) => number): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (timeOf(items[mid]) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
