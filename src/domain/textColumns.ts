import { displayWidth, fitWidth, graphemes, PRINTABLE_ASCII } from './text';

/**
 * `text` (already free of control sequences) from display column `from` on, exactly `width` columns: what a
 * view scrolled `from` columns to the right shows of a long line. Cut with '…' where more follows; a wide
 * character split by the left edge becomes a space.
 */
export function sliceColumns(text: string, from: number, width: number): string {
  const start = Math.max(0, Math.floor(from));
  if (start === 0) return fitWidth(text, width);
  if (PRINTABLE_ASCII.test(text)) return fitWidth(text.slice(start), width);
  let column = 0;
  let rest = '';
  let taking = false;
  for (const { segment } of graphemes.segment(text)) {
    if (taking) {
      rest += segment;
      continue;
    }
    const w = displayWidth(segment);
    if (column >= start) {
      taking = true;
      rest += segment;
    } else if (column + w > start) {
      taking = true;
      rest += ' '.repeat(column + w - start);
    }
    column += w;
  }
  return fitWidth(rest, width);
}

/** `text` cut into rows of at most `width` display columns (at least one row; wide characters never split). */
export function wrapColumns(text: string, width: number): string[] {
  const w = Math.max(1, Math.floor(width));
  if (PRINTABLE_ASCII.test(text)) {
    if (text.length <= w) return [text];
    const rows: string[] = [];
    for (let i = 0; i < text.length; i += w) rows.push(text.slice(i, i + w));
    return rows;
  }
  const rows: string[] = [];
  let row = '';
  let rowWidth = 0;
  for (const { segment } of graphemes.segment(text)) {
    const g = displayWidth(segment);
    if (rowWidth + g > w && row !== '') {
      rows.push(row);
      row = '';
      rowWidth = 0;
    }
    row += segment;
    rowWidth += g;
  }
  rows.push(row);
  return rows;
}

/** The widest of `lines` in display columns (how far a view can scroll right). */
export function widestLine(lines: Iterable<string>): number {
  let widest = 0;
  for (const line of lines) widest = Math.max(widest, displayWidth(line));
  return widest;
}
