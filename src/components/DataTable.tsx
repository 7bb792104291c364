import { Box, Text } from 'ink';
import { memo, type ReactNode, useMemo } from 'react';
import { displayWidth, fitWidth } from '../domain/text';
import { wrapText } from '../domain/wrapText';
import { useTableFocus } from '../ui/tableFocus';
import { COLUMN_GAP, layoutColumns } from './columnLayout';
import { fitCell } from './fitCell';
import { readingText } from './listReading';
import { type Column, scrollWindow, type TableSort } from './tableModel';
import type { TableState } from './useTable';

/** Columns left of the first column: `● ` marks a selected row, `> ` the cursor row (readable without colour). */
export const GUTTER_WIDTH = 2;

export interface DataTableProps<T> {
  table: TableState<T>;
  columns: readonly Column<T>[];
  width: number;
  /** Lines, caption and header included. The table always renders exactly this many. */
  height: number;
  /** A line above the header saying what is shown (counts, freshness, filters). */
  caption?: string;
  captionColor?: string;
  /** What the empty table says once its rows are read: that it is empty and how to fill it. */
  emptyMessage?: string;
  /**
   * What the list is still reading while it has no row (`servers.yaml`, as `loadingWhile` gives it): the empty
   * table says `reading servers.yaml…` instead of `emptyMessage`, which would say nothing is there.
   */
  loading?: string;
  noColor?: boolean;
}

/**
 * A virtualized table: renders the caption, the header and only the rows that fit, exactly `height` lines of
 * at most `width` columns. Columns get their widths from `layoutColumns` over the widths measured by useTable.
 * The header carries the sort marker (▲/▼); `cursor/total` stands at the right end of the header when the
 * space after the last title holds it, else at the right end of the caption, else nowhere.
 */
export function DataTable<T>({
  table,
  columns,
  width,
  height,
  caption,
  captionColor,
  emptyMessage = 'nothing here yet',
  loading,
  noColor = false,
}: DataTableProps<T>): ReactNode {
  const w = Math.max(0, Math.floor(width));
  const h = Math.max(0, Math.floor(height));
  useTableFocus(table, columns);
  const measured = table.naturalWidths.length === columns.length ? table.naturalWidths : undefined;
  const sortKey = table.sort?.key;
  // The sorted column's title needs room for its marker (`NAME ▲`) too.
  const natural = useMemo(() => {
    const i = columns.findIndex((c) => c.key === sortKey);
    // A column measured empty (0: `hideWhenEmpty`) stays hidden, sorted or not.
    if (!measured || i < 0 || (columns[i].hideWhenEmpty && measured[i] === 0)) return measured;
    const widths = [...measured];
    widths[i] = Math.max(widths[i], displayWidth(columns[i].title) + 2);
    return widths;
  }, [measured, columns, sortKey]);
  // Stable identities keep TableRow's memo effective while scrolling.
  const { shown, widths } = useMemo(() => {
    const all = layoutColumns(columns, w - GUTTER_WIDTH, natural);
    const kept = columns.map((_, i) => i).filter((i) => all[i] > 0);
    return { shown: kept.map((i) => columns[i]), widths: kept.map((i) => all[i]) };
  }, [columns, w, natural]);
  if (h === 0 || w === 0) return null;

  const { view, cursor, selected, rowKey } = table;
  const captionRows = caption === undefined ? 0 : 1;
  const bodyRows = h - 1 - captionRows;
  const offset = scrollWindow(cursor, table.offset, bodyRows, view.length);

  const header = headerLine(shown, widths, table.sort, w);
  const counter = view.length > 0 ? `${cursor + 1}/${view.length}` : '';
  const headerRoom = w - displayWidth(header.trimEnd()) - 1;
  const counterInHeader = counter !== '' && counter.length <= headerRoom;
  const captionText = caption === undefined ? '' : ` ${caption.trimStart()}`;
  const counterInCaption =
    !counterInHeader && caption !== undefined && displayWidth(captionText) + 2 + counter.length <= w;

  const lines: ReactNode[] = [];
  if (caption !== undefined && h > 1)
    lines.push(
      <Text key="caption" color={captionColor} wrap="truncate-end">
        {counterInCaption ? withCounter(captionText, counter, w) : fitWidth(captionText, w)}
        {counterInCaption ? <Text dimColor>{counter}</Text> : null}
      </Text>,
    );
  lines.push(
    <Text key="header" bold wrap="truncate-end">
      {counterInHeader ? withCounter(header, counter, w) : header}
      {counterInHeader ? <Text dimColor>{counter}</Text> : null}
    </Text>,
  );

  if (view.length === 0 && bodyRows > 0) {
    const filter = table.filterText.trim();
    const message =
      table.total > 0 && filter !== ''
        ? `no rows match ${JSON.stringify(filter)}`
        : loading !== undefined
          ? readingText(loading)
          : emptyMessage;
    // Wrapped, not cut: the message often says what to do (press s to scan).
    const wrapped = wrapText(message, w - GUTTER_WIDTH).slice(0, bodyRows);
    for (const [i, text] of wrapped.entries())
      lines.push(
        <Text key={`empty:${i}`} dimColor wrap="truncate-end">
          {fitWidth(`${' '.repeat(GUTTER_WIDTH)}${text}`, w)}
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
    const value = c.value(row);
    const cell =
      c.fit && displayWidth(value) > widths[j]
        ? fitCell(c.fit(row, widths[j]), widths[j], c.align)
        : fitCell(value, widths[j], c.align, c.cut);
    const sep = j < columns.length - 1 ? ' '.repeat(COLUMN_GAP) : '';
    const colors = noColor ? undefined : c.colors?.(row);
    const color = noColor ? undefined : c.color?.(row);
    if (colors) {
      parts.push(plain, ...colouredRuns(c.key, cell, colors));
      plain = sep;
    } else if (color) {
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

/** `cell` cut into runs of one colour each, its characters coloured in order by `colors` (uncoloured past its end). */
function colouredRuns(key: string, cell: string, colors: readonly (string | undefined)[]): ReactNode[] {
  const chars = [...cell];
  const runs: ReactNode[] = [];
  for (let i = 0; i < chars.length; ) {
    const color = colors[i];
    let j = i + 1;
    while (j < chars.length && colors[j] === color) j++;
    const text = chars.slice(i, j).join('');
    runs.push(
      color ? (
        <Text key={`${key}:${i}`} color={color}>
          {text}
        </Text>
      ) : (
        text
      ),
    );
    i = j;
  }
  return runs;
}

function headerCell<T>(c: Column<T>, width: number, sort: TableSort | undefined): string {
  if (sort?.key !== c.key) return fitWidth(c.title, width, c.align);
  const marker = sort.dir === 'asc' ? '▲' : '▼';
  if (width < 3) return fitWidth(marker, width);
  if (displayWidth(c.title) <= width - 2) return fitWidth(`${c.title} ${marker}`, width, c.align);
  // A fixed-width column (AGE in 3) has no room for its title, a space and the marker: its first letters and the
  // marker (`AG▲`) still say which column sorts; `… ▲` said nothing of it.
  return fitWidth(`${[...c.title].slice(0, width - 1).join('')}${marker}`, width, c.align);
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

/** `line` (which leaves room for it) padded so that `counter`, written after it, ends at `width`. */
function withCounter(line: string, counter: string, width: number): string {
  return fitWidth(line.trimEnd(), width - counter.length);
}
