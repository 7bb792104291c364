import { parseFilter, rowPasses, type TableFilter } from '../domain/tableFilter';
import { displayWidth } from '../domain/text';

export interface Column<T> {
  key: string;
  title: string;
  /** Columns of display width, or 'flex' to share what the fixed columns leave. */
  width: number | 'flex';
  /** Narrowest a column may shrink to on a narrow terminal (flex default: its title, at least 3). */
  minWidth?: number;
  align?: 'left' | 'right';
  value: (row: T) => string;
  sortValue?: (row: T) => string | number;
  /** `text`: compare character by character (ids like `i-0b3a…`, whose digit runs are not numbers). */
  sortAs?: 'natural' | 'text';
  /** An Ink colour name for the cell; ignored with NO_COLOR. */
  color?: (row: T) => string | undefined;
}

export interface TableSort {
  key: string;
  dir: 'asc' | 'desc';
}

export const COLUMN_GAP = 1;

/** The cells a filter is matched against: every column's value, in column order. */
export function rowCells<T>(row: T, columns: readonly Column<T>[]): string[] {
  return columns.map((c) => c.value(row));
}

/**
 * Rows that pass `filter` (the `/` text or an already parsed filter), matched cell by cell (see `rowPasses`).
 * A filter that matches everything, or one that does not parse, returns `rows` itself (the caller reports the
 * parse error). `cells`, if given, are the precomputed `rowCells` of each row.
 */
export function filterRows<T>(
  rows: readonly T[],
  filter: string | TableFilter,
  columns: readonly Column<T>[],
  cells?: readonly (readonly string[])[],
): readonly T[] {
  const f = typeof filter === 'string' ? parseFilter(filter) : filter;
  if (!f.ok || f.matchesAll) return rows;
  const out: T[] = [];
  for (let i = 0; i < rows.length; i++) {
    if (rowPasses(f, cells ? cells[i] : rowCells(rows[i], columns), columns)) out.push(rows[i]);
  }
  return out;
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

function compareKeys(a: string | number, b: string | number, asText = false): number {
  if (typeof a === 'number' && typeof b === 'number') {
    if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1;
    if (Number.isNaN(b)) return -1;
    return a - b;
  }
  // Numbers sort before text so a column of mostly numbers keeps its "-" / "n/a" rows together at the end.
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  if (asText) return a < b ? -1 : a > b ? 1 : 0;
  return collator.compare(a, b);
}

/**
 * A stable sort by one column (`sortValue`, else `value`; text compares naturally, `i-9` < `i-10`, unless the
 * column sorts as plain text).
 * Rows with equal keys keep their input order in both directions. Unknown column or no sort: `rows` itself.
 */
export function sortRows<T>(
  rows: readonly T[],
  columns: readonly Column<T>[],
  sort: TableSort | undefined,
): readonly T[] {
  if (!sort) return rows;
  const col = columns.find((c) => c.key === sort.key);
  if (!col) return rows;
  const keyOf = col.sortValue ?? col.value;
  const keys = rows.map((r) => keyOf(r));
  const order = rows.map((_, i) => i);
  const sign = sort.dir === 'desc' ? -1 : 1;
  const asText = col.sortAs === 'text';
  order.sort((a, b) => sign * compareKeys(keys[a], keys[b], asText) || a - b);
  return order.map((i) => rows[i]);
}

function minWidthOf<T>(c: Column<T>): number {
  if (c.width === 'flex') return Math.max(1, c.minWidth ?? Math.max(3, displayWidth(c.title)));
  return Math.max(1, Math.min(c.minWidth ?? c.width, c.width));
}

/**
 * Concrete widths for the first N columns that fit in `width` (one space between columns):
 * fixed columns get their width, flex columns share the rest (earlier ones get the remainder).
 * When that does not fit, flex columns shrink to their minWidth, then fixed columns that declare a smaller
 * minWidth shrink to it, then trailing columns are dropped. The result may be shorter than `columns`;
 * its sum plus gaps is never more than `width`.
 */
export function layoutColumns<T>(columns: readonly Column<T>[], width: number): number[] {
  const total = Math.floor(width);
  if (!(total > 0)) return [];
  for (let n = columns.length; n > 0; n--) {
    const cols = columns.slice(0, n);
    const gaps = (n - 1) * COLUMN_GAP;
    const fixed = cols.reduce((sum, c) => sum + (c.width === 'flex' ? 0 : c.width), 0);
    const flex = cols.filter((c) => c.width === 'flex');
    const flexMin = flex.reduce((sum, c) => sum + minWidthOf(c), 0);
    if (fixed + flexMin + gaps <= total) {
      const share = total - fixed - gaps;
      const each = flex.length ? Math.floor(share / flex.length) : 0;
      let extra = flex.length ? share - each * flex.length : 0;
      let flexSeen = 0;
      const widths = cols.map((c) => {
        if (c.width !== 'flex') return c.width;
        flexSeen++;
        const w = each + (extra > 0 ? 1 : 0);
        if (extra > 0) extra--;
        return w;
      });
      // Flex columns below their minimum would mean share < flexMin, which the check above rules out;
      // but an even split may starve one with a large minWidth: give it its minimum from the others.
      return flexSeen ? balanceMinimums(cols, widths) : widths;
    }
    const allMin = cols.reduce((sum, c) => sum + minWidthOf(c), 0);
    if (allMin + gaps <= total) {
      // Fixed columns shrink from the last one backwards, each as far as its minWidth allows.
      const widths = cols.map((c) => (c.width === 'flex' ? minWidthOf(c) : c.width));
      let over = widths.reduce((a, b) => a + b, 0) + gaps - total;
      for (let i = cols.length - 1; i >= 0 && over > 0; i--) {
        const c = cols[i];
        if (c.width === 'flex') continue;
        const cut = Math.min(over, widths[i] - minWidthOf(c));
        widths[i] -= cut;
        over -= cut;
      }
      return widths;
    }
    if (n === 1) return [total];
  }
  return [];
}

function balanceMinimums<T>(cols: readonly Column<T>[], widths: number[]): number[] {
  for (let i = 0; i < cols.length; i++) {
    const c = cols[i];
    if (c.width !== 'flex') continue;
    let need = minWidthOf(c) - widths[i];
    for (let j = 0; j < cols.length && need > 0; j++) {
      const d = cols[j];
      if (j === i || d.width !== 'flex') continue;
      const give = Math.min(need, widths[j] - minWidthOf(d));
      if (give > 0) {
        widths[j] -= give;
        widths[i] += give;
        need -= give;
      }
    }
  }
  return widths;
}

/** The first visible row so that `cursor` is on screen, moving as little as possible from `offset`. */
export function scrollWindow(cursor: number, offset: number, visibleRows: number, total: number): number {
  const rows = Math.floor(visibleRows);
  if (!(rows > 0) || total <= 0) return 0;
  const maxOffset = Math.max(0, total - rows);
  const c = Math.min(Math.max(0, cursor), total - 1);
  let o = Math.min(Math.max(0, offset), maxOffset);
  if (c < o) o = c;
  else if (c >= o + rows) o = c - rows + 1;
  return Math.min(o, maxOffset);
}
