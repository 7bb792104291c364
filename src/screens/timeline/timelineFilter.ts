import { type Column, filterRows } from '../../components/tableModel';
import { parseFilter, type TableFilter } from '../../domain/tableFilter';
import { stripControl } from '../../domain/text';
import { emptyColumns } from '../../domain/timelineBuckets';
import type { FrameLane } from '../../domain/timelineFrame';
import { laneCellWidth, markerLabels, renderLaneLine } from '../../domain/timelineLane';
import { type TimelineEvent, type TimelineLaneId, timelineLaneTitles } from '../../domain/timelineLanes';
import { nearestItem } from '../../domain/timelineNearest';
import { defaultKeepPerLane, type TimelineStore } from '../../domain/timelineStore';
import { timeColumn } from '../../domain/timelineWindow';

/**
 * An event's cells for the `/` filter, as a table's columns: the same language as every table (`web`,
 * `re:^deploy`, `eu-*`, `who:ada*`, `lane:errors`, `job:42`, `!scan`; see `parseFilter`).
 */
export const timelineEventColumns: Column<TimelineEvent>[] = [
  { key: 'lane', title: 'lane', value: (e) => e.lane },
  { key: 'type', title: 'type', value: (e) => e.type },
  { key: 'what', title: 'what', value: (e) => stripControl(e.what) },
  { key: 'who', title: 'who', value: (e) => stripControl(e.who) },
  { key: 'job', title: 'job', value: (e) => e.jobId ?? '' },
  { key: 'project', title: 'project', value: (e) => e.subject ?? '' },
];

export interface FilteredLanes {
  /** The lanes as the frame has them, drawn from the events that pass (the `events` lane: those, per second). */
  lanes: FrameLane[];
  /** Each counting lane's passing events in the window, oldest first. */
  events: Map<TimelineLaneId, TimelineEvent[]>;
  /** Events in the window on the lanes shown, an event on two lanes once: those that pass, and all. */
  shown: number;
  total: number;
  /** A lane had more events in the window than the store keeps: the filter saw only its newest. */
  partial: boolean;
}

/** The `/` text read as a table's filter; undefined when it lets everything through (or does not parse yet). */
export function timelineFilterOf(text: string): TableFilter | undefined {
  const f = parseFilter(text);
  return f.ok && !f.matchesAll ? f : undefined;
}

/**
 * The lanes of `[start, end)` drawn from the kept events that `filter` lets through, in place of the buckets:
 * O(events kept in the window), at most 5,000 a lane. Deploy markers keep their labels; failures their ✖.
 */
export function filteredLanes(
  store: TimelineStore,
  start: number,
  end: number,
  width: number,
  lanes: readonly TimelineLaneId[],
  filter: TableFilter,
): FilteredLanes {
  const events = new Map<TimelineLaneId, TimelineEvent[]>();
  const all = new Set<string>();
  const passed = new Map<string, TimelineEvent>();
  let partial = false;
  for (const lane of lanes) {
    if (lane === 'events') continue;
    const inWindow = store.events(lane, start, end);
    if (inWindow.length >= defaultKeepPerLane && (store.keptFrom(lane) ?? start) > start) partial = true;
    for (const e of inWindow) all.add(e.id);
    const through = filterRows(inWindow, filter, timelineEventColumns) as TimelineEvent[];
    events.set(lane, through);
    for (const e of through) passed.set(e.id, e);
  }
  const out: FrameLane[] = [];
  for (const lane of lanes) {
    const list = lane === 'events' ? [...passed.values()] : (events.get(lane) ?? []);
    out.push(laneOf(lane, list, start, end, width));
  }
  return { lanes: out, events, shown: passed.size, total: all.size, partial };
}

function laneOf(
  lane: TimelineLaneId,
  list: readonly TimelineEvent[],
  start: number,
  end: number,
  width: number,
): FrameLane {
  const cells = laneCellWidth(width);
  const columns = emptyColumns(cells);
  for (const e of list) {
    if (cells <= 0 || e.time < start || e.time >= end) continue;
    const col = timeColumn(start, end, cells, e.time);
    columns.counts[col] += 1;
    // The events lane is a rate: it marks no failure nor deploy, filtered or not.
    if (lane === 'events') continue;
    if (e.failed) columns.failed[col] += 1;
    if (e.mark) columns.marks[col] |= e.mark;
  }
  const labels = lane === 'deploys' && list.length ? markerLabels(list, start, end, cells) : undefined;
  return {
    lane,
    line: renderLaneLine(timelineLaneTitles[lane], columns, width, { labels }),
    columns,
    empty: list.length === 0,
  };
}

/** The event of `list` (oldest first) nearest to `t`, within `maxDistance` ms (ties: the earlier one). */
export function nearestEvent(
  list: readonly TimelineEvent[] | undefined,
  t: number,
  maxDistance = Number.POSITIVE_INFINITY,
): TimelineEvent | undefined {
  return nearestItem(list ?? [], t, (e) => e.time, maxDistance);
}

/** The newest `count` events of `lists` before `until`, newest first, an event on two lanes once. */
export function latestEvents(
  lists: Iterable<readonly TimelineEvent[]>,
  until: number,
  count: number,
): TimelineEvent[] {
  const byId = new Map<string, TimelineEvent>();
  for (const list of lists) {
    let taken = 0;
    for (let i = list.length - 1; i >= 0 && taken < count; i--) {
      const e = list[i];
      if (e.time >= until) continue;
      taken++;
      if (!byId.has(e.id)) byId.set(e.id, e);
    }
  }
  return [...byId.values()].sort((a, b) => b.time - a.time).slice(0, Math.max(0, count));
}
