import { Box, Text } from 'ink';
import { fitWidth } from '../domain/text';
import { DataTable } from './DataTable';
import type { Column } from './tableModel';
import type { TableState } from './useTable';

/** A screen's usual body: one line saying what is shown (counts, freshness, filters), then the table. */
export function SummaryTable<T>(props: {
  summary: string;
  summaryColor?: string;
  table: TableState<T>;
  columns: Column<T>[];
  width: number;
  height: number;
  noColor?: boolean;
  emptyMessage: string;
}) {
  const { summary, summaryColor, width, height, ...table } = props;
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text color={summaryColor}>{fitWidth(` ${summary.trimStart()}`, width)}</Text>
      <DataTable {...table} width={width} height={height - 1} />
    </Box>
  );
}
