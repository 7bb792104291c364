import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'react';
import { parseFilter } from '../domain/tableFilter';
import { measureColumns, measuresQuickly } from './columnLayout';
import { type Column, filterRows, rowCells, scrollWindow, sortRows, type TableSort } from './tableModel';

export type TableAction =
  | 'nav.down'
  | 'nav.up'
  | 'nav.pageDown'
  | 'nav.pageUp'
  | 'nav.top'
  | 'nav.bottom'
  | 'table.select'
  | 'table.selectAll'
  | 'table.sortNext'
  | 'table.sortReverse';

const TABLE_ACTIONS: ReadonlySet<string> = new Set<TableAction>([
  'nav.down',
  'nav.up',
  'nav.pageDown',
  'nav.pageUp',
  'nav.top',
  'nav.bottom',
  'table.select',
  'table.selectAll',
  'table.sortNext',
  'table.sortReverse',
]);

export function isTableAction(id: string): id is TableAction {
  return TABLE_ACTIONS.has(id);
}

export interface UseTableOptions<T> {
  /** Keep this array stable between renders (from the store): a new array re-runs filter and sort. */
  rows: readonly T[];
  /** Keep stable too (module constant or useMemo). */
  columns: readonly Column<T>[];
  rowKey: (row: T) => string;
  filterText?: string;
  /** The DataTable's height in lines, header included: a page is `height - 1` rows. */
  height: number;
  initialSort?: TableSort;
  /**
   * Until a key acts on the table the cursor stays on its first row, whatever comes in above it (a table that
   * fills in its own order as answers arrive); an emptied table starts so again.
   */
  topUntilMoved?: boolean;
  /**
   * The rows the column widths are measured on, when not `rows` (keep it stable too): a list narrowed before the
   * table (a status filter) keeps the columns of the whole list, as the `/` filter does, and an empty one does not
   * measure titles alone (every heading would fit and show).
   */
  measureRows?: readonly T[];
}

export interface TableState<T> {
  view: readonly T[];
  cursor: number;
  cursorRow: T | undefined;
  offset: number;
  selected: ReadonlySet<string>;
  /** Selected rows that the current filter shows, in view order: what a bulk action should act on. */
  selectedRows: T[];
  sort: TableSort | undefined;
  filterText: string;
  filterError?: string;
  /** Rows before filtering. */
  total: number;
  /** Rows per page (height minus the header). */
  pageSize: number;
  /** Each column's widest value or title (`measureColumns`), measured once per `rows` and `columns`. */
  naturalWidths: readonly number[];
  rowKey: (row: T) => string;
  act(action: string): boolean;
  /** Puts the cursor on the row with this key, as a key press would; false when the view does not show it. */
  focus(key: string): boolean;
  clearSelection(): void;
}

interface Cursor {
  key: string | undefined;
  index: number;
}

interface Derived<T> {
  view: readonly T[];
  keys: string[];
}

/**
 * State of one table: filter, sort, cursor (follows the row key across refreshes of `rows`), scroll offset
 * and selection (by key; keys that vanish from `rows` are dropped). `act(id)` takes keymap action ids and
 * returns true for the ones it handles; it reads the latest state, so several keys in one tick all count.
 */
export function useTable<T>({
  rows,
  columns,
  rowKey,
  filterText = '',
  height,
  initialSort,
  topUntilMoved = false,
  measureRows,
}: UseTableOptions<T>): TableState<T> {
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const cursorRef = useRef<Cursor>({ key: undefined, index: 0 });
  const offsetRef = useRef(0);
  const selectedRef = useRef<ReadonlySet<string>>(new Set());
  const sortRef = useRef<TableSort | undefined>(initialSort);
  const movedRef = useRef(false);
  const pageSize = Math.max(1, Math.floor(height) - 1);

  const filter = useMemo(() => parseFilter(filterText), [filterText]);
  // Over the rows, not the visible ones: columns keep their widths while scrolling, filtering and sorting. A long
  // table is measured on a sample for its first frame, then in full (every region, every state) right after.
  const measured = measureRows ?? rows;
  const quickWidths = useMemo(
    () => measureColumns(measured, columns, { quick: measuresQuickly(measured) }),
    [measured, columns],
  );
  const [full, setFull] = useState<{ rows: readonly T[]; columns: readonly Column<T>[]; widths: number[] }>();
  useEffect(() => {
    if (!measuresQuickly(measured)) return;
    const timer = setTimeout(() => {
      const widths = measureColumns(measured, columns);
      if (widths.some((w, i) => w !== quickWidths[i])) setFull({ rows: measured, columns, widths });
    });
    return () => clearTimeout(timer);
  }, [measured, columns, quickWidths]);
  const naturalWidths = full?.rows === measured && full.columns === columns ? full.widths : quickWidths;

  // Cells depend on rows and columns only, so typing in the filter does not rebuild them.
  const cellCache = useRef<{ rows: readonly T[]; columns: readonly Column<T>[]; cells: string[][] }>(
    undefined,
  );
  const filtered = useMemo(() => {
    if (!filter.ok || filter.matchesAll) return rows;
    let cache = cellCache.current;
    if (!cache || cache.rows !== rows || cache.columns !== columns) {
      cache = { rows, columns, cells: rows.map((r) => rowCells(r, columns)) };
      cellCache.current = cache;
    }
    return filterRows(rows, filter, columns, cache.cells);
  }, [rows, columns, filter]);

  // Sorted view cached by inputs so `act('table.sortNext')` and the render that follows share one sort.
  // New columns may sort differently (a countdown column rebuilt every second): they are part of the key.
  const derivedCache = useRef<{
    filtered: readonly T[];
    columns: readonly Column<T>[];
    sort: TableSort | undefined;
    derived: Derived<T>;
  }>(undefined);
  const derive = useCallback(
    (sort: TableSort | undefined): Derived<T> => {
      const c = derivedCache.current;
      if (c && c.filtered === filtered && c.columns === columns && c.sort === sort) return c.derived;
      const view = sortRows(filtered, columns, sort);
      const derived = { view, keys: view.map(rowKey) };
      derivedCache.current = { filtered, columns, sort, derived };
      return derived;
    },
    [filtered, columns, rowKey],
  );

  const { view, keys } = derive(sortRef.current);

  // Reconcile with the latest view. Writing refs here is idempotent, so a double render is harmless.
  if (keys.length === 0) movedRef.current = false;
  const cursor = topUntilMoved && !movedRef.current ? 0 : locate(cursorRef.current, keys);
  cursorRef.current = { key: keys[cursor], index: cursor };
  offsetRef.current = scrollWindow(cursor, offsetRef.current, pageSize, keys.length);

  // Selection drops keys that vanished from `rows`; the key set is only built while something is selected.
  const keySetCache = useRef<{ rows: readonly T[]; keys: Set<string> }>(undefined);
  const pruneCache = useRef<{ rows: readonly T[]; sel: ReadonlySet<string> }>(undefined);
  let selected = selectedRef.current;
  if (selected.size > 0 && !(pruneCache.current?.rows === rows && pruneCache.current.sel === selected)) {
    if (keySetCache.current?.rows !== rows) keySetCache.current = { rows, keys: new Set(rows.map(rowKey)) };
    const present = keySetCache.current.keys;
    if ([...selected].some((k) => !present.has(k)))
      selected = new Set([...selected].filter((k) => present.has(k)));
    selectedRef.current = selected;
    pruneCache.current = { rows, sel: selected };
  }

  const selectedRows = useMemo(() => {
    if (selected.size === 0) return [];
    return view.filter((_, i) => selected.has(keys[i]));
  }, [view, keys, selected]);

  const act = useCallback(
    (action: string): boolean => {
      if (!TABLE_ACTIONS.has(action)) return false;
      movedRef.current = true;
      let d = derive(sortRef.current);
      const at = locate(cursorRef.current, d.keys);
      const last = d.keys.length - 1;
      let next = at;
      switch (action as TableAction) {
        case 'nav.down':
          next = at + 1;
          break;
        case 'nav.up':
          next = at - 1;
          break;
        case 'nav.pageDown':
          next = at + pageSize;
          break;
        case 'nav.pageUp':
          next = at - pageSize;
          break;
        case 'nav.top':
          next = 0;
          break;
        case 'nav.bottom':
          next = last;
          break;
        case 'table.select': {
          const key = d.keys[at];
          if (key === undefined) return true;
          const sel = new Set(selectedRef.current);
          if (sel.has(key)) sel.delete(key);
          else sel.add(key);
          selectedRef.current = sel;
          next = at + 1;
          break;
        }
        case 'table.selectAll': {
          const sel = new Set(selectedRef.current);
          const all = d.keys.length > 0 && d.keys.every((k) => sel.has(k));
          for (const k of d.keys) {
            if (all) sel.delete(k);
            else sel.add(k);
          }
          selectedRef.current = sel;
          break;
        }
        case 'table.sortNext':
        case 'table.sortReverse': {
          sortRef.current = nextSort(sortRef.current, columns, action === 'table.sortReverse');
          d = derive(sortRef.current);
          // The cursor stays on its row, wherever the new order puts it.
          const moved = d.keys.indexOf(cursorRef.current.key as string);
          next = moved >= 0 ? moved : at;
          break;
        }
      }
      const index = Math.max(0, Math.min(next, d.keys.length - 1));
      cursorRef.current = { key: d.keys[index], index };
      offsetRef.current = scrollWindow(index, offsetRef.current, pageSize, d.keys.length);
      rerender();
      return true;
    },
    [derive, columns, pageSize],
  );

  const focus = useCallback(
    (key: string): boolean => {
      const { keys } = derive(sortRef.current);
      const index = keys.indexOf(key);
      if (index < 0) return false;
      movedRef.current = true;
      cursorRef.current = { key, index };
      offsetRef.current = scrollWindow(index, offsetRef.current, pageSize, keys.length);
      rerender();
      return true;
    },
    [derive, pageSize],
  );

  const clearSelection = useCallback(() => {
    if (selectedRef.current.size === 0) return;
    selectedRef.current = new Set();
    rerender();
  }, []);

  return {
    view,
    cursor,
    cursorRow: view[cursor],
    offset: offsetRef.current,
    selected,
    selectedRows,
    sort: sortRef.current,
    filterText,
    filterError: filter.ok ? undefined : filter.error,
    total: rows.length,
    pageSize,
    naturalWidths,
    rowKey,
    act,
    focus,
    clearSelection,
  };
}

/** Where the cursor is in `keys`: on its key if the row is still there, else the same index, clamped. */
function locate(cursor: Cursor, keys: readonly string[]): number {
  if (keys.length === 0) return 0;
  if (cursor.key !== undefined) {
    if (keys[cursor.index] === cursor.key) return cursor.index;
    const found = keys.indexOf(cursor.key);
    if (found >= 0) return found;
  }
  return Math.max(0, Math.min(cursor.index, keys.length - 1));
}

/** Sort cycle: unsorted -> each column ascending -> unsorted. Reverse flips the direction (unsorted: first column, descending). */
function nextSort<T>(
  sort: TableSort | undefined,
  columns: readonly Column<T>[],
  reverse: boolean,
): TableSort | undefined {
  if (columns.length === 0) return undefined;
  if (reverse) {
    if (!sort) return { key: columns[0].key, dir: 'desc' };
    return { key: sort.key, dir: sort.dir === 'asc' ? 'desc' : 'asc' };
  }
  const i = sort ? columns.findIndex((c) => c.key === sort.key) : -1;
  if (i + 1 >= columns.length) return undefined;
  return { key: columns[i + 1].key, dir: 'asc' };
}
