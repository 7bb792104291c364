import { useInput } from 'ink';
import { DataTable } from '../../src/components/DataTable';
import { type Column, Priority, type TableSort } from '../../src/components/tableModel';
import { type TableState, useTable } from '../../src/components/useTable';

export interface Server {
  id: string;
  name: string;
  region: string;
  state: 'running' | 'stopped';
}

export const serverColumns: Column<Server>[] = [
  { key: 'name', title: 'NAME', priority: Priority.identity, flex: true, min: 8, value: (s) => s.name },
  { key: 'region', title: 'REGION', priority: Priority.identity, whole: true, value: (s) => s.region },
  {
    key: 'state',
    title: 'STATE',
    priority: Priority.identity,
    whole: true,
    value: (s) => s.state,
    color: (s) => (s.state === 'running' ? 'green' : 'red'),
  },
];

/** The same columns with the flex column last, as the screens have them. */
export const flexLastColumns: Column<Server>[] = [serverColumns[1], serverColumns[2], serverColumns[0]];

export function makeServers(n: number, prefix = 'srv'): Server[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `${prefix}-${i}`,
    name: `${prefix}-${String(i).padStart(5, '0')}`,
    region: i % 2 ? 'us-east-1' : 'eu-west-1',
    state: i % 3 ? 'running' : 'stopped',
  }));
}

// The keys a user presses, mapped to keymap action ids the way the app's dispatcher does.
const keys: Record<string, string> = {
  j: 'nav.down',
  k: 'nav.up',
  g: 'nav.top',
  G: 'nav.bottom',
  ' ': 'table.select',
  a: 'table.selectAll',
  o: 'table.sortNext',
  O: 'table.sortReverse',
  f: 'nav.pageDown',
  b: 'nav.pageUp',
};

export interface HarnessProps {
  rows: readonly Server[];
  filterText?: string;
  width?: number;
  height?: number;
  initialSort?: TableSort;
  noColor?: boolean;
  emptyMessage?: string;
  /** Receives the table state after every render, so a test can check what the screen would act on. */
  probe?: { current?: TableState<Server> };
  handled?: string[];
  /** The line above the header (a screen's summary). */
  caption?: string;
  /** Instead of `serverColumns`; keep the array stable. */
  columns?: Column<Server>[];
  topUntilMoved?: boolean;
}

export function TableHarness({
  rows,
  filterText = '',
  width = 60,
  height = 8,
  initialSort,
  noColor,
  emptyMessage = 'no servers',
  probe,
  handled,
  caption,
  columns = serverColumns,
  topUntilMoved,
}: HarnessProps) {
  const table = useTable({
    rows,
    columns,
    rowKey: (s) => s.id,
    filterText,
    height,
    initialSort,
    topUntilMoved,
  });
  if (probe) probe.current = table;
  useInput((input, key) => {
    if (key.downArrow) table.act('nav.down');
    for (const ch of input) {
      const action = keys[ch] ?? `unknown.${ch}`;
      if (table.act(action)) handled?.push(action);
    }
  });
  return (
    <DataTable
      table={table}
      columns={columns}
      caption={caption}
      width={width}
      height={height}
      emptyMessage={emptyMessage}
      noColor={noColor}
    />
  );
}

export const tick = (ms = 20) => new Promise((r) => setTimeout(r, ms));
