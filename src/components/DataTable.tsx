import { Box, Text } from 'ink';
import { memo, type ReactNode, useMemo } from 'react';
import { fitWidth } from '../domain/text';
import { COLUMN_GAP, type Column, layoutColumns, scrollWindow, type TableSort } from './tableModel';
import type { TableState } from './useTable';

/** Columns left of the first column: `● ` marks a selected row, `> ` the cursor row (readable without colour). */
export const GUTTER_WIDTH = 2;

export interface DataTableProps<T> {
  table: TableState<T>;
  columns: readonly Column<T>[];
  width: number;
  /** Lines, header included. The table always renders exactly this many. */
  height: number;
  emptyMessage?: string;
  noColor?: boolean;
}

/**
 * A virtualized table: renders the header and only the rows that fit, exactly `height` lines of at most
 * `width` columns. The header carries the sort marker (▲/▼) and, where its spaces allow, `cursor/total`.
 */
export function DataTable<T>({
  table,
  columns,
  width,
  height,
  emptyMessage = 'nothing here yet',
  noColor = false,
}: DataTableProps<T>): ReactNode {
  const w = Math.max(0, Math.floor(width));
  const h = Math.max(0, Math.floor(height));
  const widths = useMemo(() => layoutColumns(columns, w - GUTTER_WIDTH), [columns, w]);
  // Stable identities keep TableRow's memo effective while scrolling.
  const shown = useMemo(() => columns.slice(0, widths.length), [columns, widths]);
  if (h === 0 || w === 0) return null;

  const { view, cursor, selected, rowKey } = table;
  const bodyRows = h - 1;
  const offset = scrollWindow(cursor, table.offset, bodyRows, view.length);

  const header = headerLine(shown, widths, table.sort, w);
  const hint = view.length > 0 ? `${cursor + 1}/${view.length}` : '';
  const [before, hinted, after] = placeHint(header, hint);

  const lines: ReactNode[] = [
    <Text key="header" bold wrap="truncate-end">
      {before}
      {hinted ? <Text dimColor>{hinted}</Text> : null}
      {after}
    </Text>,
  ];

  if (view.length === 0 && bodyRows > 0) {
    const filter = table.filterText.trim();
    const message =
      table.total > 0 && filter !== '' ? `no rows match ${JSON.stringify(filter)}` : emptyMessage;
    lines.push(
      <Text key="empty" dimColor wrap="truncate-end">
        {fitWidth(`${' '.repeat(GUTTER_WIDTH)}${message}`, w)}
      </Text>,
    );
  }
  const end = Math.min(view.length, offset + bodyRows);
  for (let i = offset; i < end; i++) {
    const row = view[i];
    const key = rowKey(row);
    lines.push(
      <TableRow
        key={`r:${key}`}
        row={row}
        columns={shown}
        widths={widths}
        isCursor={i === cursor}
        isSelected={selected.has(key)}
        noColor={noColor}
      />,
    );
  }
  for (let i = lines.length; i < h; i++) lines.push(<Text key={`pad:${i}`}> </Text>);

  // Clipped vertically only: every line is already cut to `width`, and a horizontally clipped box makes Ink
  // re-slice each of its lines through slice-ansi on every frame (a third of a frame's time while scrolling).
  return (
    <Box flexDirection="column" width={w} height={h} overflowY="hidden">
      {lines}
    </Box>
  );
}

interface TableRowProps<T> {
  row: T;
  columns: readonly Column<T>[];
  widths: readonly number[];
  isCursor: boolean;
  isSelected: boolean;
  noColor: boolean;
}

// Memoized on the row object: scrolling one line re-renders only the rows whose cursor/selection changed.
const TableRow = memo(function TableRow<T>({
  row,
  columns,
  widths,
  isCursor,
  isSelected,
  noColor,
}: TableRowProps<T>): ReactNode {
  const gutter = isSelected ? '● ' : isCursor ? '> ' : '  ';
  const parts: ReactNode[] = [];
  let plain = gutter;
  for (let j = 0; j < columns.length; j++) {
    const c = columns[j];
    const cell = fitWidth(c.value(row), widths[j], c.align);
    const sep = j < columns.length - 1 ? ' '.repeat(COLUMN_GAP) : '';
    const color = noColor ? undefined : c.color?.(row);
    if (color) {
      parts.push(plain);
      parts.push(
        <Text key={c.key} color={color}>
          {cell}
        </Text>,
      );
      plain = sep;
    } else {
      plain += cell + sep;
    }
  }
  // Ink's cost grows with the characters it lays out: only the cursor's inverse bar needs the padding.
  parts.push(isCursor ? plain : plain.trimEnd());
  return (
    <Text inverse={isCursor} bold={isSelected} wrap="truncate-end">
      {parts}
    </Text>
  );
}) as <T>(props: TableRowProps<T> & { key?: string }) => ReactNode;

function headerCell<T>(c: Column<T>, width: number, sort: TableSort | undefined): string {
  if (sort?.key !== c.key) return fitWidth(c.title, width, c.align);
  const marker = sort.dir === 'asc' ? '▲' : '▼';
  if (width < 3) return fitWidth(marker, width);
  const title = fitWidth(c.title, width - 2).trimEnd();
  return fitWidth(`${title} ${marker}`, width, c.align);
}

function headerLine<T>(
  columns: readonly Column<T>[],
  widths: readonly number[],
  sort: TableSort | undefined,
  width: number,
): string {
  const cells = columns.map((c, j) => headerCell(c, widths[j], sort));
  return fitWidth(' '.repeat(GUTTER_WIDTH) + cells.join(' '.repeat(COLUMN_GAP)), width);
}

/**
 * Put `hint` into the rightmost run of spaces of `line` that holds it with a space either side,
 * so it never shifts or hides a title. Returns [before, hint, after]; the hint is '' when it does not fit.
 */
export function placeHint(line: string, hint: string): [string, string, string] {
  if (!hint) return [line, '', ''];
  let end = line.length;
  while (end > 0) {
    while (end > 0 && line[end - 1] !== ' ') end--;
    let start = end;
    while (start > 0 && line[start - 1] === ' ') start--;
    const atEnd = end === line.length;
    const room = end - start - (atEnd ? 1 : 2);
    if (room >= hint.length && start > 0) {
      const at = (atEnd ? end : end - 1) - hint.length;
      return [line.slice(0, at), hint, line.slice(at + hint.length)];
    }
    end = start;
  }
  return [line, '', ''];
}
