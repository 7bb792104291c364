import type { LaneColumns } from '../../domain/timelineBuckets';
import { emptyColumns } from '../../domain/timelineBuckets';
import {
  bothMark,
  deployMark,
  destroyMark,
  failureMark,
  laneCellWidth,
  renderLaneLine,
} from '../../domain/timelineLane';
import { markDeploy, markDestroy } from '../../domain/timelineLanes';
import type { TimelineStore } from '../../domain/timelineStore';
import { timeColumn } from '../../domain/timelineWindow';

/** How the Timeline tab splits its height: the lanes one line each at 80x24, taller from this many rows on. */
export const tallFromRows = 30;
/** A lane never grows taller than this. */
const maxLaneHeight = 4;
/** Rows the latest-events list keeps (its title and a few events) before tall lanes take the rest. */
const recentKept = 5;

export interface TimelineLayout {
  /** Columns of the header, overview, lanes, axis and footer. */
  mainWidth: number;
  /** The pin list beside them (0: none), after a one-column gap. */
  sideWidth: number;
  /** Lanes that fit (the rest are named in the header). */
  lanesShown: number;
  laneHeight: number;
  footerRows: number;
  /** Rows under the footer for the latest events up to the cursor (0: none). */
  recentRows: number;
}

/**
 * The tab's rows: header, overview, the lanes, the axis, then the cursor footer (its first line the time and
 * the metrics, then one line per lane with events: `footerLanes`, default all), then the latest events up to
 * the cursor. Lanes come first; the footer takes what is left up to a line a lane. What is left after them is
 * what happened, as text: the latest events; from `tallFromRows` rows on, once that list has a few rows, the lanes
 * grow (up to 4 rows) and the list takes the rest.
 */
export function timelineLayout(
  width: number,
  height: number,
  lanes: number,
  opts: {
    pins: number;
    pinsFocused: boolean;
    footerLanes?: number;
    /** Which lanes, in order, grow on a tall terminal (default all; the deploys and metric lanes stay one row). */
    grows?: readonly boolean[];
  },
): TimelineLayout {
  const w = Math.max(0, Math.floor(width));
  let sideWidth = 0;
  if (opts.pinsFocused && w < 60) sideWidth = w;
  else if (opts.pins > 0 && w >= 60) sideWidth = Math.min(36, Math.max(20, Math.floor(w * 0.28)));
  const mainWidth = sideWidth >= w ? 0 : Math.max(0, w - (sideWidth > 0 ? sideWidth + 1 : 0));
  const avail = Math.max(0, Math.floor(height) - 3);
  const lanesShown = Math.min(lanes, Math.max(0, avail - 1));
  const footerRows = Math.max(0, Math.min(1 + (opts.footerLanes ?? lanes), avail - lanesShown));
  const spare = Math.max(0, avail - lanesShown - footerRows);
  // A list with a title and no room for an event says nothing: two rows at least, else the lanes keep them.
  const kept = spare >= 2 ? Math.min(spare, recentKept) : 0;
  const growing = opts.grows ? opts.grows.slice(0, lanesShown).filter(Boolean).length : lanesShown;
  const laneHeight =
    height >= tallFromRows && growing > 0
      ? Math.min(maxLaneHeight, 1 + Math.floor((spare - kept) / growing))
      : 1;
  const recentRows = spare - growing * (laneHeight - 1);
  return {
    mainWidth,
    sideWidth,
    lanesShown,
    laneHeight,
    footerRows,
    recentRows: recentRows >= 2 ? recentRows : 0,
  };
}

const bars = '▁▂▃▄▅▆▇█';

/**
 * A lane `height` rows tall (top row first), from the one-line rendering `line` (its title part is kept on the
 * bottom row) and its columns: bars stacked over the rows on the same logarithmic scale as one row, failures
 * and deploy markers on the bottom row.
 */
export function tallLaneRows(line: string, columns: LaneColumns, height: number): string[] {
  if (height <= 1) return [line];
  const cells = columns.counts.length;
  const head = line.slice(0, line.length - cells);
  const blankHead = ' '.repeat(head.length);
  let peak = 0;
  for (let i = 0; i < cells; i++) if (columns.counts[i] > peak) peak = columns.counts[i];
  const levels = height * bars.length;
  const rows: string[][] = Array.from({ length: height }, () => new Array<string>(cells).fill(' '));
  for (let i = 0; i < cells; i++) {
    const count = columns.counts[i];
    if (count > 0) {
      const ratio = peak > count ? Math.log1p(count) / Math.log1p(peak) : 1;
      const level = Math.max(1, Math.ceil(ratio * levels));
      for (let r = 0; r < height; r++) {
        const fill = level - r * bars.length;
        if (fill > 0) rows[height - 1 - r][i] = bars[Math.min(bars.length, fill) - 1];
      }
    }
    const m = columns.marks[i];
    const bottom = rows[height - 1];
    if (columns.failed[i] > 0) bottom[i] = failureMark;
    else if (m & markDeploy && m & markDestroy) bottom[i] = bothMark;
    else if (m & markDeploy) bottom[i] = deployMark;
    else if (m & markDestroy) bottom[i] = destroyMark;
  }
  return rows.map((r, i) => (i === height - 1 ? head : blankHead) + r.join(''));
}

export interface Overview {
  line: string;
  /** The brush: the columns of the line (title included) that the detail window covers, `[from, to)`. */
  brushFrom: number;
  brushTo: number;
  start: number;
  end: number;
}

/**
 * The overview strip: every event of the whole retained range (the store's oldest time to now) as bars, failures
 * and deploys marked, and where the detail window `[start, end)` lies on it.
 */
export function overviewLine(
  store: TimelineStore,
  start: number,
  end: number,
  now: number,
  width: number,
): Overview {
  const from = Math.min(Number.isFinite(store.from) ? store.from : start, start);
  const to = Math.max(now, end);
  const cells = laneCellWidth(width);
  const events = store.columns('events', from, to, cells);
  const errors = store.columns('errors', from, to, cells);
  const deploys = store.columns('deploys', from, to, cells);
  const cols = emptyColumns(cells);
  cols.counts.set(events.counts);
  cols.failed.set(errors.failed);
  cols.marks.set(deploys.marks);
  const line = renderLaneLine('overview', cols, width);
  const head = line.length - cells;
  if (cells <= 0) return { line, brushFrom: 0, brushTo: 0, start: from, end: to };
  const a = timeColumn(from, to, cells, start);
  const b = timeColumn(from, to, cells, Math.max(start, end - 1));
  return { line, brushFrom: head + a, brushTo: head + Math.max(a, b) + 1, start: from, end: to };
}

/** A run of one style within a line: the cursor column, a failure mark, the brush. */
export interface StyledRun {
  text: string;
  mark?: 'cursor' | 'failed' | 'brush';
}

/**
 * A line cut into runs so that the cursor column (`cursor`, a column of the line) is drawn inverse, failures in
 * the error colour, and `[brushFrom, brushTo)` inverse: O(width), a handful of runs.
 */
export function styledRuns(
  line: string,
  opts: { cursor?: number; brush?: [number, number]; failuresFrom?: number },
): StyledRun[] {
  const runs: StyledRun[] = [];
  let text = '';
  let mark: StyledRun['mark'];
  const failuresFrom = opts.failuresFrom ?? Number.POSITIVE_INFINITY;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    const m: StyledRun['mark'] =
      i === opts.cursor
        ? 'cursor'
        : opts.brush && i >= opts.brush[0] && i < opts.brush[1]
          ? 'brush'
          : ch === failureMark && i >= failuresFrom
            ? 'failed'
            : undefined;
    if (m !== mark && text) {
      runs.push(mark ? { text, mark } : { text });
      text = '';
    }
    mark = m;
    text += ch;
  }
  if (text) runs.push(mark ? { text, mark } : { text });
  return runs;
}
