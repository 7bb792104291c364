import { createContext, useContext, useEffect, useRef } from 'react';

/** What a table shows of its selection: the selected rows, or the row under the cursor when none is selected. */
export interface TableFocusRead {
  /** `2 selected rows`, `the row under the cursor`. */
  what: string;
  columns: string[];
  rows: string[][];
  cursorKey?: string;
}

/**
 * Where the tables of one tab say how to read their selection (`:ask` sends it along). The shell provides one
 * per tab; a table outside it (a test rendering one widget) reports nowhere.
 */
export interface TableFocusReporter {
  /** Returns the un-register. */
  register(read: () => TableFocusRead | undefined): () => void;
}

export const TableFocusContext = createContext<TableFocusReporter | null>(null);

/** The most selected rows read: the context caps them further. */
const readLimit = 200;

interface FocusTable<T> {
  selectedRows: readonly T[];
  cursorRow: T | undefined;
  rowKey(row: T): string;
}

/**
 * Lets the tab's `:ask` read this table's selection. The rows' cells are read only when asked, from the table as
 * last drawn: a moving cursor costs nothing.
 */
export function useTableFocus<T>(
  table: FocusTable<T>,
  columns: readonly { title: string; value(row: T): string }[],
): void {
  const reporter = useContext(TableFocusContext);
  const latest = useRef({ table, columns });
  latest.current = { table, columns };
  useEffect(() => {
    if (!reporter) return;
    return reporter.register(() => {
      const { table: t, columns: cols } = latest.current;
      const chosen = t.selectedRows.length > 0 ? t.selectedRows : t.cursorRow ? [t.cursorRow] : [];
      if (chosen.length === 0) return undefined;
      const n = t.selectedRows.length;
      return {
        what: n > 0 ? `${n} selected row${n === 1 ? '' : 's'}` : 'the row under the cursor',
        columns: cols.map((c) => c.title),
        rows: chosen.slice(0, readLimit).map((row) => cols.map((c) => c.value(row))),
        ...(t.cursorRow ? { cursorKey: t.rowKey(t.cursorRow) } : {}),
      };
    });
  }, [reporter]);
}
