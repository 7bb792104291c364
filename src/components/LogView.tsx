import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import { fitWidth, stripControl } from '../domain/text';
import { sliceColumns, widestLine } from '../domain/textColumns';
import { type ColumnRange, matchesIn, rowSegments } from './searchMatches';
import { earlierRow, keptPlace, lastPageTop, movedRows, type RowPlace, wrappedRows } from './wrapRows';

/**
 * Lines a log view shows: an array, a RingBuffer (whose `dropped` counts the lines it evicted), or anything
 * else that can say how many it keeps and give one by index (a log with a summary after it).
 */
export interface LogLines {
  readonly length: number;
  at(index: number): string | undefined;
  /** Lines evicted before the first kept one (a RingBuffer); 0 when absent. */
  readonly dropped?: number;
}

/**
 * Where a log view is. `offset` is the first visible line counted from the first line EVER pushed
 * (RingBuffer.dropped + index), so a view scrolled back stays on the same text while new lines evict old ones.
 * For a plain array it is simply the index.
 */
export interface LogScroll {
  follow: boolean;
  offset: number;
}

export const LOG_FOLLOW: LogScroll = { follow: true, offset: 0 };

function droppedOf(lines: LogLines): number {
  return lines.dropped ?? 0;
}

/** The visible window: kept-line indices [start, end) and how many kept lines lie below it. */
export function logWindow(
  total: number,
  height: number,
  scroll: LogScroll,
  dropped = 0,
): { start: number; end: number; below: number } {
  const h = Math.max(0, Math.floor(height));
  const maxStart = Math.max(0, total - h);
  const start = scroll.follow ? maxStart : Math.min(Math.max(0, scroll.offset - dropped), maxStart);
  const end = Math.min(total, start + h);
  return { start, end, below: total - end };
}

const SCROLL_ACTIONS: ReadonlySet<string> = new Set([
  'nav.down',
  'nav.up',
  'nav.pageDown',
  'nav.pageUp',
  'nav.top',
  'nav.bottom',
]);

/** True for the `nav.*` ids that `logScroll` handles. */
export function isLogScrollAction(action: string): boolean {
  return SCROLL_ACTIONS.has(action);
}

/**
 * Apply a `nav.*` action to a log's scroll state (`total` kept lines, `height` visible lines, `dropped` lines
 * evicted so far by a RingBuffer). Any other action returns `state` itself, so it fits a setState updater.
 * Scrolling up leaves follow mode; reaching the bottom (or `nav.bottom`) re-enters it.
 */
export function logScroll(
  state: LogScroll,
  action: string,
  total: number,
  height: number,
  dropped = 0,
): LogScroll {
  const page = Math.max(1, Math.floor(height));
  const maxStart = Math.max(0, total - page);
  const { start } = logWindow(total, page, state, dropped);
  let next: number;
  switch (action) {
    case 'nav.down':
      next = start + 1;
      break;
    case 'nav.pageDown':
      next = start + page;
      break;
    case 'nav.up':
      next = start - 1;
      break;
    case 'nav.pageUp':
      next = start - page;
      break;
    case 'nav.top':
      next = 0;
      break;
    case 'nav.bottom':
      return { follow: true, offset: maxStart + dropped };
    default:
      return state;
  }
  next = Math.min(Math.max(0, next), maxStart);
  const upward = action === 'nav.up' || action === 'nav.pageUp' || action === 'nav.top';
  // Nothing to scroll to (a log shorter than the view): keep following rather than freeze.
  if (upward && next === start) return state;
  return { follow: !upward && next >= maxStart, offset: next + dropped };
}

/**
 * Where a text view is: its vertical scroll, whether long lines wrap, and how far right it is scrolled. Wrapped,
 * the top row is row `rowInLine` of the line `offset` names, so j/k and PgUp/PgDn move rows, not lines.
 */
export interface TextViewState extends LogScroll {
  wrap: boolean;
  scrollX: number;
  /** While wrapping: the row of the top line that is the view's top row (0, its first, when absent). */
  rowInLine?: number;
}

const TEXT_VIEW_ACTIONS: ReadonlySet<string> = new Set([
  ...SCROLL_ACTIONS,
  'view.wrap',
  'view.scrollLeft',
  'view.scrollRight',
]);

/** True for the actions `textViewStep` handles: the `nav.*` scroll keys, `view.wrap`, `view.scrollLeft/Right`. */
export function isTextViewAction(action: string): boolean {
  return TEXT_VIEW_ACTIONS.has(action);
}

/**
 * Apply a key's action to a text view of `lines` shown `width`x`height`: scroll (as `logScroll`; wrapped, by the
 * rows the lines take), `w` wraps or cuts long lines with the same line on top, ←/→ move a quarter of the view
 * sideways (not while wrapping: nothing is cut then).
 */
export function textViewStep(
  state: TextViewState,
  action: string,
  lines: LogLines,
  height: number,
  width: number,
): TextViewState {
  if (state.wrap && isLogScrollAction(action)) return wrappedScroll(state, action, lines, height, width);
  switch (action) {
    case 'view.wrap': {
      const toggled = { ...state, wrap: !state.wrap, scrollX: 0, rowInLine: 0 };
      if (state.follow) return toggled;
      const top = state.wrap
        ? wrappedTop(lines, height, width, state).index
        : logWindow(lines.length, height, state, droppedOf(lines)).start;
      return { ...toggled, offset: droppedOf(lines) + top };
    }
    case 'view.scrollLeft':
    case 'view.scrollRight': {
      if (state.wrap) return state;
      const step = horizontalStep(width) * (action === 'view.scrollLeft' ? -1 : 1);
      const scrollX = scrollColumns(state.scrollX, step, maxScrollX(lines, height, state, width));
      return scrollX === state.scrollX ? state : { ...state, scrollX };
    }
    default: {
      const next = logScroll(state, action, lines.length, height, droppedOf(lines));
      return next === state ? state : { ...state, ...next };
    }
  }
}

/**
 * The top row of a wrapping view: the row `view` names, or, following (or named below the last page, as a
 * search's match near the end can be), the top of the last page. Walks only the last page's lines.
 */
function wrappedTop(
  lines: LogLines,
  height: number,
  width: number,
  view: LogScroll & { rowInLine?: number },
): RowPlace {
  const last = lastPageTop(lines, height, width);
  if (view.follow) return last;
  const named = { index: view.offset - droppedOf(lines), row: view.rowInLine ?? 0 };
  return earlierRow(keptPlace(lines, named, width), last);
}

/** `logScroll` for a wrapping view: it moves rows, walking only the lines a step passes. */
function wrappedScroll(
  state: TextViewState,
  action: string,
  lines: LogLines,
  height: number,
  width: number,
): TextViewState {
  const page = Math.max(1, Math.floor(height));
  const dropped = droppedOf(lines);
  const last = lastPageTop(lines, page, width);
  const top = wrappedTop(lines, page, width, state);
  let next: RowPlace;
  switch (action) {
    case 'nav.down':
      next = movedRows(lines, top, 1, width);
      break;
    case 'nav.pageDown':
      next = movedRows(lines, top, page, width);
      break;
    case 'nav.up':
      next = movedRows(lines, top, -1, width);
      break;
    case 'nav.pageUp':
      next = movedRows(lines, top, -page, width);
      break;
    case 'nav.top':
      next = { index: 0, row: 0 };
      break;
    case 'nav.bottom':
      return { ...state, follow: true, offset: dropped + last.index, rowInLine: last.row };
    default:
      return state;
  }
  next = earlierRow(next, last);
  const upward = action === 'nav.up' || action === 'nav.pageUp' || action === 'nav.top';
  const atLast = next.index === last.index && next.row === last.row;
  if (upward && next.index === top.index && next.row === top.row) return state;
  return { ...state, follow: !upward && atLast, offset: dropped + next.index, rowInLine: next.row };
}

/** How a line is drawn (a heading, an error); plain when undefined. */
export interface LogLineStyle {
  bold?: boolean;
  dim?: boolean;
  color?: string;
}

export interface LogViewProps {
  lines: LogLines;
  width: number;
  height: number;
  follow: boolean;
  /** First visible line, counted as in LogScroll (ignored while following). */
  offset?: number;
  /** While wrapping: the row of the first visible line at the top (`TextViewState.rowInLine`). */
  rowInLine?: number;
  emptyMessage?: string;
  /** Long lines continue on the next rows instead of being cut at `width`. */
  wrap?: boolean;
  /** Display columns scrolled to the right (ignored while wrapping). */
  scrollX?: number;
  /** The style of the kept line at `index`. */
  lineStyle?: (index: number) => LogLineStyle | undefined;
  /** A search whose matches to show. */
  search?: LogHighlight;
}

/** A search as a log view shows it: every match of `pattern` inverse, `current` (where `n` went) also bold. */
export interface LogHighlight {
  /** A global regex (`searchPattern`). */
  pattern: RegExp;
  /** The current match: its line counted as `LogScroll.offset` counts, and its first column. */
  current?: { line: number; from: number };
  currentColor?: string;
}

/** Columns one `view.scrollLeft` / `view.scrollRight` moves: a quarter of the view, at least 8. */
export function horizontalStep(width: number): number {
  return Math.max(8, Math.floor(width / 4));
}

/**
 * The furthest a view can scroll right: until the widest line in view ends at the right edge (0 when every
 * line fits).
 */
export function maxScrollX(lines: LogLines, height: number, scroll: LogScroll, width: number): number {
  const { start, end } = logWindow(lines.length, height, scroll, droppedOf(lines));
  const visible: string[] = [];
  for (let i = start; i < end; i++) visible.push(stripControl(lines.at(i) ?? ''));
  return Math.max(0, widestLine(visible) - Math.floor(width) + 1);
}

/** Scroll `x` by `step` columns (negative: left), kept within 0 and `max`. */
export function scrollColumns(x: number, step: number, max: number): number {
  return Math.min(Math.max(0, x + step), Math.max(0, max, x));
}

/** A row a text view draws: what it shows (cut or padded to the width) of the kept line `index`, from column `from`. */
export interface ShownRow {
  index: number;
  part: number;
  from: number;
  text: string;
}

/**
 * The rows a text view of `lines` shows at `width`x`height` in `view`: lines cut at the width from column
 * `scrollX`, or wrapped from the row `wrappedTop` gives.
 */
export function shownRows(
  lines: LogLines,
  width: number,
  height: number,
  view: LogScroll & { wrap?: boolean; scrollX?: number; rowInLine?: number },
): ShownRow[] {
  const w = Math.max(0, Math.floor(width));
  const h = Math.max(0, Math.floor(height));
  if (h === 0 || w === 0) return [];
  if (view.wrap) {
    const rows = wrappedRows(lines, h, w, wrappedTop(lines, h, w, view));
    return rows.map((r) => ({ ...r, text: fitWidth(r.text, w) }));
  }
  const { start, end } = logWindow(lines.length, h, view, droppedOf(lines));
  const scrollX = view.scrollX ?? 0;
  const rows: ShownRow[] = [];
  for (let i = start; i < end; i++)
    rows.push({
      index: i,
      part: 0,
      from: scrollX,
      text: sliceColumns(stripControl(lines.at(i) ?? ''), scrollX, w),
    });
  return rows;
}

/**
 * Exactly `height` rows: the visible part of the log, each line stripped of control sequences and either cut to
 * `width` (from column `scrollX`) or wrapped onto as many rows as it needs (from row `rowInLine` of the first).
 * A search's matches in them show inverse, the current one also bold (and in `search.currentColor`).
 */
export function LogView({
  lines,
  width,
  height,
  follow,
  offset = 0,
  rowInLine = 0,
  emptyMessage,
  wrap = false,
  scrollX = 0,
  lineStyle,
  search,
}: LogViewProps): ReactNode {
  const w = Math.max(0, Math.floor(width));
  const h = Math.max(0, Math.floor(height));
  if (h === 0 || w === 0) return null;
  const dropped = droppedOf(lines);
  const out: ReactNode[] = [];
  if (lines.length === 0 && emptyMessage) {
    out.push(
      <Text key="empty" dimColor wrap="truncate-end">
        {fitWidth(emptyMessage, w)}
      </Text>,
    );
  }
  const matches = new Map<number, readonly ColumnRange[]>();
  const matchesOf = (index: number, on: LogHighlight) => {
    let found = matches.get(index);
    if (!found) {
      found = matchesIn(stripControl(lines.at(index) ?? ''), on.pattern);
      matches.set(index, found);
    }
    return found;
  };
  for (const r of shownRows(lines, w, h, { follow, offset, rowInLine, wrap, scrollX })) {
    const style = lineStyle?.(r.index);
    const ranges = search ? matchesOf(r.index, search) : [];
    const current = search?.current?.line === dropped + r.index ? search.current : undefined;
    out.push(
      <Text
        key={`l:${dropped + r.index}:${r.part}`}
        wrap="truncate-end"
        bold={style?.bold}
        dimColor={style?.dim}
        color={style?.color}
      >
        {ranges.length === 0
          ? r.text
          : rowSegments(r.text, r.from, ranges).map((piece) => {
              if (!piece.range) return piece.text;
              // Bold where the current match starts: a match a wrap cut goes on inverse on the next row.
              const isCurrent = current?.from === piece.range.from && piece.range.from >= r.from;
              return (
                <Text
                  key={`m:${piece.range.from}`}
                  inverse
                  bold={isCurrent}
                  color={isCurrent ? search?.currentColor : undefined}
                >
                  {piece.text}
                </Text>
              );
            })}
      </Text>,
    );
  }
  for (let i = out.length; i < h; i++) out.push(<Text key={`pad:${i}`}> </Text>);
  // Vertical clip only, as in DataTable: the lines are cut to `width` already.
  return (
    <Box flexDirection="column" width={w} height={h} overflowY="hidden">
      {out}
    </Box>
  );
}

/**
 * What a view shows of its `total` lines from line `top` (0-based) in `rows` rows (the help, a details view):
 * `↓ more below · lines 1–20 of 58`, `↑ more above · …`, `↑↓ more above and below · …`.
 */
export function scrollNote(top: number, rows: number, total: number): string {
  const last = Math.min(top + rows, total);
  const more =
    top > 0 && last < total ? '↑↓ more above and below' : top > 0 ? '↑ more above' : '↓ more below';
  return `${more} · lines ${top + 1}–${last} of ${total}`;
}
