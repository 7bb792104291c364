import { renderTimeAxis } from './timelineAxis';
import type { LaneColumns } from './timelineBuckets';
import { laneCellWidth, laneTitleWidth, markerLabels, renderLaneLine } from './timelineLane';
import { type TimelineLaneId, timelineLaneIds, timelineLaneTitles } from './timelineLanes';
import type { TimelineStore } from './timelineStore';

export interface FrameLane {
  lane: TimelineLaneId;
  /** Exactly the frame's width. */
  line: string;
  columns: LaneColumns;
  /** Nothing in the window: the tab folds it away. */
  empty: boolean;
}

export interface TimelineFrame {
  /** The time axis under the lanes, as wide as a lane line (blank under the titles). */
  axis: string;
  lanes: FrameLane[];
  /** Cell columns (the width minus the title column). */
  cells: number;
  /** ms a column stands for. */
  columnMs: number;
}

/** Marker labels are looked up among this many of a lane's latest events in the window. */
const labelEvents = 500;

/**
 * The lanes of `[start, end)` drawn `width` columns wide, each one line, plus the axis: what the CLI prints
 * and the tab draws. Costs O(width × lanes) plus the buckets the window spans at its level — never O(events).
 */
export function timelineFrame(
  store: TimelineStore,
  start: number,
  end: number,
  width: number,
  lanes: readonly TimelineLaneId[] = timelineLaneIds,
): TimelineFrame {
  const w = Math.max(0, Math.floor(width));
  const cells = laneCellWidth(w);
  const titleWidth = laneTitleWidth(w);
  const pad = titleWidth > 0 ? ' '.repeat(titleWidth + 1) : '';
  const out: FrameLane[] = [];
  for (const lane of lanes) {
    const columns = store.columns(lane, start, end, cells);
    let empty = true;
    for (let i = 0; i < cells && empty; i++) if (columns.counts[i] > 0) empty = false;
    const labels =
      lane === 'deploys' && !empty
        ? markerLabels(store.events(lane, start, end, labelEvents), start, end, cells)
        : undefined;
    out.push({
      lane,
      line: renderLaneLine(timelineLaneTitles[lane], columns, w, { labels }),
      columns,
      empty,
    });
  }
  return {
    axis: pad + renderTimeAxis(start, end, cells),
    lanes: out,
    cells,
    columnMs: cells > 0 ? (end - start) / cells : 0,
  };
}
