import { stripControl } from '../domain/text';
import { horizontalStep, type LogLines, maxScrollX, shownRows, type TextViewState } from './LogView';
import { type ColumnRange, matchesIn } from './searchMatches';
import { earlierRow, lastPageTop, wrapLine } from './wrapRows';

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
 * log's end allows) — wrapped, the row the match starts on, however deep into a long line; cut long lines
 * scroll sideways to put the match a quarter of the view in from the left.
 */
export function showMatch(
  view: TextViewState,
  lines: LogLines,
  match: LineMatch,
  height: number,
  width: number,
): TextViewState {
  const dropped = lines.dropped ?? 0;
  const shown = shownRows(lines, width, height, view);
  const top = shown[0] ?? { index: 0, part: 0 };
  const here: TextViewState = { ...view, follow: false, offset: dropped + top.index };
  if (view.wrap) {
    // Wrapped, the match is in sight when the row it starts on is.
    const row = wrapLine(lines, match.index, width).findLast((r) => r.from <= match.from)?.part ?? 0;
    const at = shown.some((r) => r.index === match.index && r.part === row)
      ? { index: top.index, row: top.part }
      : earlierRow({ index: match.index, row }, lastPageTop(lines, height, width));
    return { ...here, offset: dropped + at.index, rowInLine: at.row };
  }
  const maxStart = Math.max(0, lines.length - height);
  const next = shown.some((r) => r.index === match.index)
    ? here
    : { ...here, offset: dropped + Math.min(match.index, maxStart) };
  // The last column of a cut line is its `…`: a match is in sight left of it.
  const inSight = match.from >= next.scrollX && match.to <= next.scrollX + width - 1;
  if (inSight) return next;
  const scrollX = Math.min(
    Math.max(0, match.from - horizontalStep(width)),
    maxScrollX(lines, height, next, width),
  );
  return { ...next, scrollX };
}
