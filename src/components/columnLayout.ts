import { displayWidth } from '../domain/text';
import { type Column, Priority } from './tableModel';

export const COLUMN_GAP = 1;

/** Values are measured up to this width: wider than any column that is not flex. */
const MEASURE_CAP = 240;

/** Past this many rows, columns that are not `whole` are measured on an even sample of this many. */
const SAMPLE_ROWS = 4000;
/** Distinct values remembered per column while measuring. */
const SEEN_LIMIT = 512;

/**
 * The natural width of each column: its widest value or its title, whichever is wider (at most MEASURE_CAP);
 * 0 for a `hideWhenEmpty` column when no row has a value in it (`layoutColumns` hides it then).
 * A fixed-width column is not measured. On a table longer than SAMPLE_ROWS, columns read an even sample of the
 * rows, except `whole` ones (regions, states: short values that must not be cut), which read every row unless
 * `quick` (a first frame, before the full measure). Meant to run once per rows array, not per frame.
 */
export function measureColumns<T>(
  rows: readonly T[],
  columns: readonly Column<T>[],
  { quick = false }: { quick?: boolean } = {},
): number[] {
  const widths = columns.map((c) => fixedWidth(c) ?? Math.min(MEASURE_CAP, displayWidth(c.title)));
  const measured = columns.map((_, i) => i).filter((i) => fixedWidth(columns[i]) === undefined);
  if (rows.length <= SAMPLE_ROWS) {
    widen(rows, columns, measured, widths, 1);
    return withoutEmpty(rows, columns, widths);
  }
  const every = quick ? [] : measured.filter((i) => columns[i].whole);
  widen(rows, columns, every, widths, 1);
  widen(
    rows,
    columns,
    measured.filter((i) => !every.includes(i)),
    widths,
    rows.length / SAMPLE_ROWS,
  );
  return withoutEmpty(rows, columns, widths);
}

/** `widths` with 0 for each `hideWhenEmpty` column that no row has a value in (every row read: one is enough). */
function withoutEmpty<T>(rows: readonly T[], columns: readonly Column<T>[], widths: number[]): number[] {
  for (const [i, c] of columns.entries())
    if (c.hideWhenEmpty && !rows.some((r) => c.value(r) !== '')) widths[i] = 0;
  return widths;
}

/** Whether `measureColumns` reads only a sample of these rows when `quick`. */
export function measuresQuickly(rows: readonly unknown[]): boolean {
  return rows.length > SAMPLE_ROWS;
}

function widen<T>(
  rows: readonly T[],
  columns: readonly Column<T>[],
  which: readonly number[],
  widths: number[],
  stride: number,
): void {
  const open = [...which];
  // Most columns repeat a few values (regions, states, kinds): each distinct one is measured once.
  const seen = open.map(() => new Set<string>());
  for (let at = 0; at < rows.length && open.length > 0; at += stride) {
    const row = rows[Math.floor(at)];
    for (let k = open.length - 1; k >= 0; k--) {
      const i = open[k];
      const value = columns[i].value(row);
      // A character takes at most 2 columns: a value this short cannot be the widest.
      if (value.length * 2 <= widths[i] || seen[k].has(value)) continue;
      if (seen[k].size < SEEN_LIMIT) seen[k].add(value);
      const w = displayWidth(value);
      if (w <= widths[i]) continue;
      widths[i] = Math.min(MEASURE_CAP, w);
      if (widths[i] === MEASURE_CAP) {
        open.splice(k, 1);
        seen.splice(k, 1);
      }
    }
  }
}

interface Spec {
  priority: number;
  min: number;
  natural: number;
  max: number;
  flex: boolean;
  whole: boolean;
}

/** A column's width is fixed when it gives a number and no minimum (with one, the number is its maximum). */
function fixedWidth<T>(c: Column<T>): number | undefined {
  if (typeof c.width !== 'number' || c.min !== undefined || c.minWidth !== undefined) return undefined;
  return Math.max(1, Math.floor(c.width));
}

function specOf<T>(c: Column<T>, measured: number | undefined): Spec {
  const flex = c.flex === true || c.width === 'flex';
  const fixed = fixedWidth(c);
  const title = displayWidth(c.title);
  let min = Math.max(1, fixed ?? c.min ?? c.minWidth ?? Math.max(3, title));
  // A column whose values are all narrower than its minimum needs no more than they do.
  if (measured !== undefined && fixed === undefined) min = Math.max(1, Math.min(min, measured));
  const max = fixed ?? c.max ?? (typeof c.width === 'number' ? c.width : Number.POSITIVE_INFINITY);
  return {
    priority: c.priority ?? Priority.main,
    min,
    natural: Math.max(min, fixed ?? measured ?? title),
    max: Math.max(min, max),
    flex,
    whole: c.whole === true,
  };
}

/**
 * The width of each column in `width` terminal columns (one space between shown columns); 0 hides a column.
 *
 * Columns are taken from the highest priority down (on equal priority, left first). Each needs its minimum,
 * a `whole` column its natural width (its widest value); an identifying one (`Priority.identity`) takes its
 * minimum when the columns above leave less, any other hides. A column that does not fit hides, and lower ones
 * may still fit. What is left goes, in order: to cut columns up
 * to their natural width bounded by `max`, then to flex columns up to their natural width. Only then are the
 * columns of the `extra` tier taken, from what is left: they never cut the values of the others. Then cut columns
 * grow past `max` to their natural width, and the rest goes to the flex columns, shared evenly (with none, it
 * stays blank at the right).
 *
 * `natural` holds the measured widths (`measureColumns`); without it a column's natural width is its title. A
 * `hideWhenEmpty` column measured 0 (no row has a value) hides: the others share its width.
 */
export function layoutColumns<T>(
  columns: readonly Column<T>[],
  width: number,
  natural?: readonly number[],
): number[] {
  const total = Math.floor(width);
  const widths = columns.map(() => 0);
  if (!(total > 0) || columns.length === 0) return widths;
  const specs = columns.map((c, i) => specOf(c, natural?.[i]));
  const order = specs.map((_, i) => i).sort((a, b) => specs[b].priority - specs[a].priority || a - b);
  const isExtra = (i: number) => specs[i].priority <= Priority.extra;

  let used = -COLUMN_GAP;
  const admit = (candidates: readonly number[]) => {
    for (const i of candidates) {
      const s = specs[i];
      const want = s.whole ? Math.min(s.natural, s.max) : s.min;
      const room = total - used - COLUMN_GAP;
      // Only an identifying column is cut to what is left; a lower one with whole values hides instead.
      const cuttable = s.whole && s.priority >= Priority.identity && s.min <= room;
      const w = want <= room ? want : cuttable ? room : 0;
      if (w === 0) continue;
      widths[i] = w;
      used += w + COLUMN_GAP;
    }
  };
  const grow = (i: number, to: number) => {
    const add = Math.min(total - used, Math.max(0, to - widths[i]));
    widths[i] += add;
    used += add;
  };
  const growShown = (flex: boolean, bounded: boolean) => {
    for (const i of order) {
      const s = specs[i];
      if (widths[i] > 0 && s.flex === flex) grow(i, bounded ? Math.min(s.natural, s.max) : s.natural);
    }
  };

  const empty = (i: number) => columns[i].hideWhenEmpty === true && natural?.[i] === 0;
  admit(order.filter((i) => !isExtra(i) && !empty(i)));
  if (used >= 0) {
    growShown(false, true);
    growShown(true, false);
  }
  admit(order.filter((i) => isExtra(i) && !empty(i)));
  if (used < 0) {
    // Not even the first column's minimum fits: it gets what there is.
    widths[order[0]] = total;
    return widths;
  }
  growShown(false, true);
  growShown(true, false);
  growShown(false, false);
  const flex = order.filter((i) => widths[i] > 0 && specs[i].flex).sort((a, b) => a - b);
  for (let k = 0; k < flex.length && used < total; k++) {
    const share = Math.ceil((total - used) / (flex.length - k));
    widths[flex[k]] += share;
    used += share;
  }
  return widths;
}
