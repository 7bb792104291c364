import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import { RingBuffer } from '../domain/ringBuffer';
import { fitWidth, stripControl } from '../domain/text';

export type LogLines = RingBuffer<string> | readonly string[];

/**
 * Where a log view is. `offset` is the first visible line counted from the first line EVER pushed
 * (RingBuffer.dropped + index), so a view scrolled back stays on the same text while new lines evict old ones.
 * For a plain array it is simply the index.
 */
export interface LogScroll {
  follow: boolean;
  offset: number;
}

export const LOG_FOLLOW: LogScroll = { follow: true, offset: 0 };

function droppedOf(lines: LogLines): number {
  return lines instanceof RingBuffer ? lines.dropped : 0;
}

/** The visible window: kept-line indices [start, end) and how many kept lines lie below it. */
export function logWindow(
  total: number,
  height: number,
  scroll: LogScroll,
  dropped = 0,
): { start: number; end: number; below: number } {
  const h = Math.max(0, Math.floor(height));
  const maxStart = Math.max(0, total - h);
  const start = scroll.follow ? maxStart : Math.min(Math.max(0, scroll.offset - dropped), maxStart);
  const end = Math.min(total, start + h);
  return { start, end, below: total - end };
}

const SCROLL_ACTIONS: ReadonlySet<string> = new Set([
  'nav.down',
  'nav.up',
  'nav.pageDown',
  'nav.pageUp',
  'nav.top',
  'nav.bottom',
]);

/** True for the `nav.*` ids that `logScroll` handles. */
export function isLogScrollAction(action: string): boolean {
  return SCROLL_ACTIONS.has(action);
}

/**
 * Apply a `nav.*` action to a log's scroll state (`total` kept lines, `height` visible lines, `dropped` lines
 * evicted so far by a RingBuffer). Any other action returns `state` itself, so it fits a setState updater.
 * Scrolling up leaves follow mode; reaching the bottom (or `nav.bottom`) re-enters it.
 */
export function logScroll(
  state: LogScroll,
  action: string,
  total: number,
  height: number,
  dropped = 0,
): LogScroll {
  const page = Math.max(1, Math.floor(height));
  const maxStart = Math.max(0, total - page);
  const { start } = logWindow(total, page, state, dropped);
  let next: number;
  switch (action) {
    case 'nav.down':
      next = start + 1;
      break;
    case 'nav.pageDown':
      next = start + page;
      break;
    case 'nav.up':
      next = start - 1;
      break;
    case 'nav.pageUp':
      next = start - page;
      break;
    case 'nav.top':
      next = 0;
      break;
    case 'nav.bottom':
      return { follow: true, offset: maxStart + dropped };
    default:
      return state;
  }
  next = Math.min(Math.max(0, next), maxStart);
  const upward = action === 'nav.up' || action === 'nav.pageUp' || action === 'nav.top';
  // Nothing to scroll to (a log shorter than the view): keep following rather than freeze.
  if (upward && next === start) return state;
  return { follow: !upward && next >= maxStart, offset: next + dropped };
}

export interface LogViewProps {
  lines: LogLines;
  width: number;
  height: number;
  follow: boolean;
  /** First visible line, counted as in LogScroll (ignored while following). */
  offset?: number;
  emptyMessage?: string;
}

/** Exactly `height` lines: the visible part of the log, each stripped of control sequences and cut to `width`. */
export function LogView({ lines, width, height, follow, offset = 0, emptyMessage }: LogViewProps): ReactNode {
  const w = Math.max(0, Math.floor(width));
  const h = Math.max(0, Math.floor(height));
  if (h === 0 || w === 0) return null;
  const dropped = droppedOf(lines);
  const { start, end } = logWindow(lines.length, h, { follow, offset }, dropped);
  const out: ReactNode[] = [];
  if (lines.length === 0 && emptyMessage) {
    out.push(
      <Text key="empty" dimColor wrap="truncate-end">
        {fitWidth(emptyMessage, w)}
      </Text>,
    );
  }
  for (let i = start; i < end; i++) {
    out.push(
      <Text key={`l:${dropped + i}`} wrap="truncate-end">
        {fitWidth(stripControl(lines.at(i) ?? ''), w)}
      </Text>,
    );
  }
  for (let i = out.length; i < h; i++) out.push(<Text key={`pad:${i}`}> </Text>);
  // Vertical clip only, as in DataTable: the lines are cut to `width` already.
  return (
    <Box flexDirection="column" width={w} height={h} overflowY="hidden">
      {out}
    </Box>
  );
}
