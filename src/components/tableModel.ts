import { parseFilter, rowPasses, type TableFilter } from '../domain/tableFilter';

export interface Column<T> {
  key: string;
  title: string;
  value: (row: T) => string;
  /**
   * How much the column matters on a narrow terminal: columns hide from the lowest priority up (between equal
   * priorities, the rightmost first). `Priority` names the usual tiers; the default is `Priority.main`.
   */
  priority?: number;
  /**
   * Values that mean nothing cut (a region, a state, an address, a kind): the column gets its widest value before
   * any lower-priority column is shown. When the columns above leave too little room, an identifying column
   * (`Priority.identity`) is cut to what is left; any other hides.
   */
  whole?: boolean;
  /**
   * Every value fits this many columns (an age, a bar, a value read from outside the rows): the column is this
   * wide or hidden, and its values are not measured. With a `min`, it is a `max` instead. `'flex'`: `flex: true`.
   */
  width?: number | 'flex';
  /** Narrowest the column is shown (default: its title, at least 3, or its widest value if less). */
  min?: number;
  /** @deprecated the same as `min` */
  minWidth?: number;
  /** Past this width the column takes more only once the flex columns show their values whole. */
  max?: number;
  /**
   * A value only some lists have (a run's branch: local pipelines have none): when no row has one, the column
   * hides and its width goes to the others, instead of a heading over blank cells.
   */
  hideWhenEmpty?: boolean;
  /** Takes the width the other columns leave (a detail, a subject): at least `min`. `width: 'flex'` says the same. */
  flex?: boolean;
  /**
   * Where a value too long for its column is cut: at the end (default), in the middle (ids keep both ends), or
   * at the end before a word with digits it would split (a description shows the id it names whole or not at all).
   */
  cut?: 'end' | 'middle' | 'word';
  /**
   * The value of `row` in `width` columns when it is wider, where `cut` cannot say which part must stay whole (a
   * schedule's tick id keeps its time and loses the middle of its name). The filter still sees the whole value.
   */
  fit?: (row: T, width: number) => string;
  align?: 'left' | 'right';
  sortValue?: (row: T) => string | number;
  /** `text`: compare character by character (ids like `i-0b3a…`, whose digit runs are not numbers). */
  sortAs?: 'natural' | 'text';
  /** An Ink colour name for the cell; ignored with NO_COLOR. */
  color?: (row: T) => string | undefined;
  /**
   * A colour per character of the value (a sparkline coloured by outcome); wins over `color`. For left-aligned
   * values of one-column characters, cut at the end.
   */
  colors?: (row: T) => readonly (string | undefined)[];
}

/**
 * The usual priority tiers. `identity`: what names a row and what it is (id, name, kind, region, state,
 * address); `main`: what a person scans the list for (status, progress, the last job); `detail`: a description
 * that helps (detail, subject, project); `extra`: nice on a wide terminal (age, owner, attempts).
 */
export const Priority = { identity: 100, main: 70, detail: 40, extra: 10 } as const;

export interface TableSort {
  key: string;
  dir: 'asc' | 'desc';
}

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
