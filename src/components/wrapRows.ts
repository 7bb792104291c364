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

/** How many lines from `start` begin within `height` wrapped rows (a scroll note's range while wrapping). */
export function linesIn(lines: readonly string[], start: number, height: number, width: number): number {
  let rows = 0;
  let i = start;
  while (i < lines.length && rows < height) rows += rowsOf(lines[i++], width);
  return i - start;
}

/**
 * The rows a wrapping view shows: from the first visible line (`start`) down, or, while following, the last
 * `height` rows (so the newest line is always whole on screen).
 */
export function wrappedRows(
  lines: LogLines,
  height: number,
  width: number,
  follow: boolean,
  start: number,
): WrappedRow[] {
  const rows: WrappedRow[] = [];
  if (follow) {
    for (let i = lines.length - 1; i >= 0 && rows.length < height; i--)
      rows.unshift(...wrapLine(lines, i, width));
    return rows.slice(-height);
  }
  for (let i = start; i < lines.length && rows.length < height; i++) rows.push(...wrapLine(lines, i, width));
  return rows.slice(0, height);
}
