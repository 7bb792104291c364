import { displayWidth, stripControl } from '../domain/text';
import {
  horizontalStep,
  type LogLines,
  type LogScroll,
  logWindow,
  maxScrollX,
  shownRows,
  type TextViewState,
} from './LogView';
import { type ColumnRange, matchesIn } from './searchMatches';
import { type WrappedRow, wrapLine } from './wrapRows';

/** A match of a search: in the kept line `index`, display columns [from, to). */
export interface LineMatch extends ColumnRange {
  index: number;
}

/** Where a search starts or stands: a kept line and a display column in it. */
export interface SearchPoint {
  index: number;
  column: number;
}

/**
 * The next match of `pattern` from `at` in `direction` (1: down the log, -1: up), going round the end (or the
 * top) once: `wrapped` says it did. Forward, a match at `at` itself counts only when `inclusive` (the first
 * search from the top of the view); backward it never does. Undefined when nothing in the log matches.
 */
export function findMatch(
  lines: LogLines,
  pattern: RegExp,
  at: SearchPoint,
  direction: 1 | -1,
  inclusive = false,
): (LineMatch & { wrapped: boolean }) | undefined {
  const total = lines.length;
  if (total === 0) return undefined;
  const start = Math.min(Math.max(0, at.index), total - 1);
  const inLine = (index: number) => matchesIn(stripControl(lines.at(index) ?? ''), pattern);
  const pick = (index: number, ranges: ColumnRange[], wrapped: boolean) => {
    const range = direction === 1 ? ranges[0] : ranges[ranges.length - 1];
    return range ? { index, ...range, wrapped } : undefined;
  };
  // The line of `at` first (what lies beyond `at` in it), then every other line, then `at`'s line whole again.
  const here = inLine(start).filter((r) =>
    direction === 1 ? r.from > at.column || (inclusive && r.from === at.column) : r.from < at.column,
  );
  const first = pick(start, here, false);
  if (first) return first;
  for (let step = 1; step <= total; step++) {
    const raw = start + direction * step;
    const index = ((raw % total) + total) % total;
    const found = pick(index, inLine(index), raw < 0 || raw >= total);
    if (found) return found;
  }
  return undefined;
}

/** Where the view's top row is: a search from the top starts there. */
export function viewTop(lines: LogLines, view: TextViewState, height: number, width: number): SearchPoint {
  const top = shownRows(lines, width, height, view)[0];
  if (!top) return { index: 0, column: 0 };
  return { index: top.index, column: view.wrap ? top.from : 0 };
}

/**
 * The view moved so `match` is on screen, no longer following (as scrolling up leaves follow mode): it stays
 * where it is when the match is in sight already, else the match's line goes to the top (or as near as the
 * log's end allows); cut long lines scroll sideways to put the match a quarter of the view in from the left.
 */
export function showMatch(
  view: TextViewState,
  lines: LogLines,
  match: LineMatch,
  height: number,
  width: number,
): TextViewState {
  const dropped = lines.dropped ?? 0;
  // Wrapped, the match is in sight when the row it starts on is.
  const part = view.wrap
    ? (wrapLine(lines, match.index, width).findLast((r) => r.from <= match.from)?.part ?? 0)
    : 0;
  const seen = (v: TextViewState) =>
    shownRows(lines, width, height, v).some((r) => r.index === match.index && r.part === part);
  const top = viewTop(lines, view, height, width).index;
  let next: TextViewState = { ...view, follow: false, offset: dropped + top };
  if (!seen(next)) {
    const maxStart = Math.max(0, lines.length - height);
    next = { ...next, offset: dropped + Math.min(match.index, maxStart) };
    // Wrapped lines near the end can take more rows than the view: the line itself at the top then.
    if (!seen(next)) next = { ...next, offset: dropped + match.index };
  }
  if (next.wrap) return next;
  // The last column of a cut line is its `…`: a match is in sight left of it.
  const inSight = match.from >= next.scrollX && match.to <= next.scrollX + width - 1;
  if (inSight) return next;
  const scrollX = Math.min(
    Math.max(0, match.from - horizontalStep(width)),
    maxScrollX(lines, height, next, width),
  );
  return { ...next, scrollX };
}

/*
 * A view that wraps its lines itself (TextDetails) scrolls the rows they make: its offset counts `rows`, not
 * lines. It searches the lines (a match may go on from one row to the next) and shows the row a match starts on.
 */

/** Where such a view's top row is: its line, and the column the row starts at. */
export function rowsTop(rows: readonly WrappedRow[], view: LogScroll, height: number): SearchPoint {
  const top = rows[logWindow(rows.length, height, view).start];
  return top ? { index: top.index, column: top.from } : { index: 0, column: 0 };
}

/** The row `match` starts on (-1 when no row holds it). */
export function rowOfMatch(rows: readonly WrappedRow[], match: SearchPoint): number {
  return rows.findLastIndex((r) => r.index === match.index && r.from <= match.column);
}

/** `showMatch` for a view of `rows`: it stays when the match's row is in sight, else that row goes to the top. */
export function showMatchRow(
  view: TextViewState,
  rows: readonly WrappedRow[],
  match: LineMatch,
  height: number,
): TextViewState {
  const row = rowOfMatch(rows, { index: match.index, column: match.from });
  const { start, end } = logWindow(rows.length, height, view);
  if (row < 0 || (row >= start && row < end)) return { ...view, follow: false, offset: start };
  return { ...view, follow: false, offset: Math.min(row, Math.max(0, rows.length - height)) };
}

/** What of `ranges` (matches in a line) lies on `row` of it, in the row's own columns. */
export function rangesOnRow(row: WrappedRow, ranges: readonly ColumnRange[]): ColumnRange[] {
  const end = row.from + displayWidth(row.text);
  return ranges
    .filter((r) => r.to > row.from && r.from < end)
    .map((r) => ({ from: Math.max(r.from, row.from) - row.from, to: Math.min(r.to, end) - row.from }));
}
