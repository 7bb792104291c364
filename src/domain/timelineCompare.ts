import {
  type TimelineEvent,
  type TimelineLaneId,
  timelineLaneIds,
  timelineLaneTitles,
} from './timelineLanes';
import { type MetricLane, metricLaneTitle, metricValueAt } from './timelineMetricLane';
import type { TimelineStore } from './timelineStore';

/** What a rate is averaged over: a minute around the moment (a single bucket would read 0 or a spike). */
export const rateSpanMs = 60_000;

/** Events per second over `rateSpanMs` around `t` (the `events/s` metric lane's value there). */
export function eventRateAt(store: TimelineStore, t: number, spanMs = rateSpanMs): number {
  const cols = store.columns('events', t - spanMs / 2, t + spanMs / 2, 1);
  return cols.counts[0] / (spanMs / 1000);
}

export interface LaneBetween {
  lane: TimelineLaneId;
  title: string;
  count: number;
  failed: number;
  /** The newest kept events between the two moments (at most `eventsPerLane`). */
  events: TimelineEvent[];
}

export interface MetricDelta {
  name: string;
  a?: number;
  b?: number;
  /** `b - a`, when both are known. */
  delta?: number;
}

export interface PinComparison {
  from: number;
  to: number;
  lanes: LaneBetween[];
  metrics: MetricDelta[];
}

/**
 * Two moments compared: what happened between them on each lane (counts from the buckets, so exact however
 * many events; the newest few kept events to read), and each metric's value at one and at the other.
 * `a` and `b` may come in either order.
 */
export function comparePins(
  store: TimelineStore,
  a: number,
  b: number,
  metricLanes: readonly MetricLane[] = [],
  eventsPerLane = 5,
): PinComparison {
  const from = Math.min(a, b);
  const to = Math.max(a, b);
  const lanes: LaneBetween[] = [];
  for (const lane of timelineLaneIds) {
    if (lane === 'events') continue;
    // Both pinned moments are inside: `[from, to]`, so the second pin's own event counts.
    const cols = store.columns(lane, from, to + 1, 1);
    const count = cols.counts[0] ?? 0;
    if (count === 0) continue;
    lanes.push({
      lane,
      title: timelineLaneTitles[lane],
      count,
      failed: cols.failed[0] ?? 0,
      events: store.events(lane, from, to + 1, eventsPerLane),
    });
  }
  const metrics: MetricDelta[] = [
    delta(timelineLaneTitles.events, eventRateAt(store, from), eventRateAt(store, to)),
  ];
  for (const m of metricLanes) {
    metrics.push(delta(metricLaneTitle(m), metricValueAt(m, from)?.v, metricValueAt(m, to)?.v));
  }
  return { from, to, lanes, metrics };
}

function delta(name: string, a: number | undefined, b: number | undefined): MetricDelta {
  return {
    name,
    ...(a !== undefined ? { a } : {}),
    ...(b !== undefined ? { b } : {}),
    ...(a !== undefined && b !== undefined ? { delta: b - a } : {}),
  };
}
