import { DataTable } from './DataTable';
import type { Column } from './tableModel';
import type { TableState } from './useTable';

/**
 * A screen's usual body: one line saying what is shown (counts, freshness, filters), then the table. The
 * table's `height` in useTable is this height minus the summary line.
 */
export function SummaryTable<T>(props: {
  summary: string;
  summaryColor?: string;
  table: TableState<T>;
  columns: Column<T>[];
  width: number;
  height: number;
  noColor?: boolean;
  /** What the empty table says once read: that it is empty and how to fill it. */
  emptyMessage: string;
  /** What the list is still reading while it has no row: the empty table says so instead (DataTable). */
  loading?: string;
}) {
  const { summary, summaryColor, ...table } = props;
  return <DataTable {...table} caption={summary} captionColor={summaryColor} />;
}
