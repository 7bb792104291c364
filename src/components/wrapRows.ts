import { displayWidth, stripControl } from '../domain/text';
import { wrapColumns } from '../domain/textColumns';
import type { LogLines } from './LogView';

/** One terminal row of a wrapping view: part `part` of the kept line `index`, from display column `from`. */
export interface WrappedRow {
  index: number;
  part: number;
  from: number;
  text: string;
}

/**
 * A row of a wrapping view named by its line: row `row` (0-based) of the kept line `index`. Moving by rows walks
 * only the lines it passes, so a view of a long log never wraps the whole log.
 */
export interface RowPlace {
  index: number;
  row: number;
}

/** The rows the kept line `index` takes wrapped at `width`, stripped of control sequences as a view draws it. */
export function wrapLine(lines: LogLines, index: number, width: number): WrappedRow[] {
  let from = 0;
  return wrapColumns(stripControl(lines.at(index) ?? ''), width).map((text, part) => {
    const row = { index, part, from, text };
    from += displayWidth(text);
    return row;
  });
}

/** How many rows a line takes wrapped at `width`. */
export function rowsOf(line: string, width: number): number {
  return wrapColumns(stripControl(line), width).length;
}

function rowsAt(lines: LogLines, index: number, width: number): number {
  return rowsOf(lines.at(index) ?? '', width);
}

/** `place` made a row that exists: its line among the kept ones, its row within that line's. */
export function keptPlace(lines: LogLines, place: RowPlace, width: number): RowPlace {
  if (place.index < 0 || lines.length === 0) return { index: 0, row: 0 };
  const index = Math.min(place.index, lines.length - 1);
  if (index < place.index) return { index, row: rowsAt(lines, index, width) - 1 };
  return { index, row: Math.min(Math.max(0, place.row), rowsAt(lines, index, width) - 1) };
}

/** The row `by` rows below `place` (above when negative), stopping at the first and the last row. */
export function movedRows(lines: LogLines, place: RowPlace, by: number, width: number): RowPlace {
  let { index, row } = place;
  let left = by;
  while (left > 0) {
    const rows = rowsAt(lines, index, width);
    if (row + left < rows) return { index, row: row + left };
    if (index + 1 >= lines.length) return { index, row: rows - 1 };
    left -= rows - row;
    index++;
    row = 0;
  }
  while (left < 0) {
    if (row + left >= 0) return { index, row: row + left };
    if (index === 0) return { index, row: 0 };
    left += row + 1;
    index--;
    row = rowsAt(lines, index, width) - 1;
  }
  return { index, row };
}

/** The top row of the last `height` rows: the furthest down a wrapping view's top goes. */
export function lastPageTop(lines: LogLines, height: number, width: number): RowPlace {
  let need = Math.max(1, Math.floor(height));
  for (let index = lines.length - 1; index >= 0; index--) {
    const rows = rowsAt(lines, index, width);
    if (rows >= need) return { index, row: rows - need };
    need -= rows;
  }
  return { index: 0, row: 0 };
}

/** Whichever of two rows comes first. */
export function earlierRow(a: RowPlace, b: RowPlace): RowPlace {
  return a.index < b.index || (a.index === b.index && a.row <= b.row) ? a : b;
}

/** Up to `height` rows of a wrapping view, from `top` down. */
export function wrappedRows(lines: LogLines, height: number, width: number, top: RowPlace): WrappedRow[] {
  const rows: WrappedRow[] = [];
  for (let i = Math.max(0, top.index); i < lines.length && rows.length < height; i++) {
    const wrapped = wrapLine(lines, i, width);
    rows.push(...(i === top.index ? wrapped.slice(top.row) : wrapped));
  }
  return rows.slice(0, height);
}
