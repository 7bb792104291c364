import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import { fitWidth, stripControl } from '../domain/text';

export interface CursorRow {
  key: string;
  text: string;
  color?: string;
  bold?: boolean;
}

/**
 * Lines with a cursor: exactly `height` lines from `offset`, the cursor's line marked by `>` and inverse video
 * (both readable without colour). Text is stripped of control sequences: tags and attributes come from outside.
 */
export function CursorList({
  rows,
  cursor,
  offset,
  width,
  height,
}: {
  rows: readonly CursorRow[];
  /** Index into `rows`, or -1 when the cursor is elsewhere. */
  cursor: number;
  offset: number;
  width: number;
  height: number;
}): ReactNode {
  const h = Math.max(0, Math.floor(height));
  const lines: ReactNode[] = [];
  for (let i = offset; i < Math.min(rows.length, offset + h); i++) {
    const row = rows[i];
    const focused = i === cursor;
    lines.push(
      <Text key={row.key} inverse={focused} bold={row.bold} color={row.color} wrap="truncate-end">
        {fitWidth(`${focused ? '>' : ' '} ${stripControl(row.text)}`, width)}
      </Text>,
    );
  }
  for (let i = lines.length; i < h; i++) lines.push(<Text key={`pad:${i}`}> </Text>);
  return (
    <Box flexDirection="column" width={width} height={h} overflowY="hidden">
      {lines}
    </Box>
  );
}

/**
 * Where a `nav.*` action moves a cursor over `count` rows, stopping only on rows `stops` accepts (headings and
 * blank lines are passed over). Undefined for any other action.
 */
export function moveCursor(
  action: string,
  at: number,
  count: number,
  pageSize: number,
  stops: (index: number) => boolean = () => true,
): number | undefined {
  const page = Math.max(1, pageSize);
  const target: Record<string, number> = {
    'nav.down': at + 1,
    'nav.up': at - 1,
    'nav.pageDown': at + page,
    'nav.pageUp': at - page,
    'nav.top': 0,
    'nav.bottom': count - 1,
  };
  if (!(action in target) || count === 0) return action in target ? at : undefined;
  const wanted = Math.max(0, Math.min(count - 1, target[action]));
  const forward = wanted >= at;
  // The nearest stop in the direction of travel, else the nearest the other way, else where the cursor is.
  for (let i = wanted; forward ? i < count : i >= 0; i += forward ? 1 : -1) if (stops(i)) return i;
  for (let i = wanted; forward ? i >= 0 : i < count; i += forward ? -1 : 1) if (stops(i)) return i;
  return at;
}
