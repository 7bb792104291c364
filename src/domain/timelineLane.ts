import { stripControl } from './text';
import type { LaneColumns } from './timelineBuckets';
import { markDeploy, markDestroy, type TimelineEvent } from './timelineLanes';
import { timeColumn } from './timelineWindow';

const bars = '▁▂▃▄▅▆▇█';
export const failureMark = '✖';
export const deployMark = '▲';
export const destroyMark = '▼';
/** A column with both a deploy and a destroy. */
export const bothMark = '◆';

/**
 * The bar for `count` on a scale up to `peak`: logarithmic, so one event beside a million in one bucket is
 * still visible (`▁`), and only the peak is a full block.
 */
export function barFor(count: number, peak: number): string {
  if (!(count > 0)) return ' ';
  if (!(peak > count)) return bars[bars.length - 1];
  const ratio = Math.log1p(count) / Math.log1p(peak);
  return bars[Math.min(bars.length - 1, Math.max(0, Math.ceil(ratio * bars.length) - 1))];
}

/** Width of the lane's title column: 10 at 80 columns, less on a narrow terminal, none below 12. */
export function laneTitleWidth(width: number): number {
  const w = Math.floor(width);
  if (!(w >= 12)) return 0;
  return Math.min(10, Math.max(3, Math.floor(w / 5)));
}

export interface LaneCellsOptions {
  /** Scale top for the bars (default: the largest column): lanes compared side by side share one. */
  peak?: number;
  /** Text to write after a marker in blank columns: a deploy's project, by column. */
  labels?: ReadonlyMap<number, string>;
}

/**
 * Exactly `counts.length` one-column cells: `✖` where something failed, `▲`/`▼`/`◆` for deploys and destroys,
 * else a bar for the count (blank for none). Marker labels are written only over blank columns, with a blank
 * before the next mark, so they never hide a failure or a count.
 */
export function renderLaneCells(cols: LaneColumns, opts: LaneCellsOptions = {}): string {
  const w = cols.counts.length;
  let peak = opts.peak ?? 0;
  if (opts.peak === undefined) for (let i = 0; i < w; i++) if (cols.counts[i] > peak) peak = cols.counts[i];
  const cells = new Array<string>(w);
  for (let i = 0; i < w; i++) {
    const m = cols.marks[i];
    if (cols.failed[i] > 0) cells[i] = failureMark;
    else if (m & markDeploy && m & markDestroy) cells[i] = bothMark;
    else if (m & markDeploy) cells[i] = deployMark;
    else if (m & markDestroy) cells[i] = destroyMark;
    else cells[i] = barFor(cols.counts[i], peak);
  }
  if (opts.labels) {
    for (const [col, text] of [...opts.labels].sort((a, b) => a[0] - b[0])) {
      const label = safeLabel(text);
      if (col < 0 || col >= w || label.length === 0) continue;
      const from = col + 1;
      const to = from + label.length; // exclusive; cells[to] must stay blank (or be the edge)
      let fits = to <= w;
      for (let i = from; fits && i < Math.min(w, to + 1); i++) if (cells[i] !== ' ') fits = false;
      if (!fits) continue;
      for (let i = 0; i < label.length; i++) cells[from + i] = label[i];
    }
  }
  return cells.join('');
}

/** A label as one-column printable characters only: whatever an event carried cannot move the cursor. */
function safeLabel(text: string): string {
  return stripControl(text)
    .replace(/[^\x21-\x7e]/g, '')
    .slice(0, 24);
}

/**
 * One lane as one line of exactly `width` columns: its title (cut to fit; dropped below 12 columns) and its
 * cells. The CLI prints it; the Timeline tab draws the same string.
 */
export function renderLaneLine(
  title: string,
  cols: LaneColumns,
  width: number,
  opts: LaneCellsOptions = {},
): string {
  const w = Math.max(0, Math.floor(width));
  const titleWidth = laneTitleWidth(w);
  const cellWidth = w - (titleWidth > 0 ? titleWidth + 1 : 0);
  if (cols.counts.length !== cellWidth) {
    throw new RangeError(`lane ${title}: ${cols.counts.length} columns for ${cellWidth} cells`);
  }
  const head = titleWidth > 0 ? `${fitTitle(title, titleWidth)} ` : '';
  return head + renderLaneCells(cols, opts);
}

/** How many cell columns a lane line of `width` has (what to ask the store for). */
export function laneCellWidth(width: number): number {
  const w = Math.max(0, Math.floor(width));
  const titleWidth = laneTitleWidth(w);
  return w - (titleWidth > 0 ? titleWidth + 1 : 0);
}

function fitTitle(title: string, width: number): string {
  const t = safeLabel(title.replace(/\s+/g, '-'));
  return t.length > width ? t.slice(0, width) : t.padEnd(width);
}

/** Marker labels by column from a lane's events (the newest one of a column wins). */
export function markerLabels(
  events: readonly TimelineEvent[],
  start: number,
  end: number,
  width: number,
): Map<number, string> {
  const labels = new Map<number, string>();
  for (const e of events) {
    if (!e.mark || !e.subject || e.time < start || e.time >= end) continue;
    labels.set(timeColumn(start, end, width, e.time), e.subject);
  }
  return labels;
}
