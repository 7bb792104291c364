// DataTable with 50,000 rows, scrolled: what one frame costs.
//
// A 120x35 DataTable (useTable + DataTable, as screens use them) is rendered by Ink into a fake terminal of
// the same size, then driven with table actions, the calls a key handler makes: `nav.down` with a
// `nav.pageDown` every 8th action, after a warm-up, for a fixed number of actions or a time budget,
// whichever ends first (the count is printed).
//
// What "frame" means here: from the action call to Ink's write of the end of the finished frame (the
// synchronized-update end marker Ink writes after every frame on a TTY). That spans useTable's state change,
// React's render and commit of the changed rows (React schedules an update made outside its own event
// handlers as a task right away), Yoga layout, Ink turning the tree into text (the part Ink's own
// `onRender` metric reports, printed separately), Ink's diff against the previous frame and the write.
// An action whose frame does not come within 250 ms is counted, not timed.
//
// Ink throttles frames to maxFps (leading edge immediate, later calls within the window deferred). The
// console uses maxFps 30; here maxFps is 1000 and the bench waits 2 ms between actions, so every action
// gets its own leading-edge frame and the numbers are render cost, not throttle wait (the keypress bench
// measures the wait).
//
// The table is as tall as the terminal, as the console's frame is. Two renderers: Ink's incremental one, which
// the console uses (src/app/runConsole.tsx: rewrite only the changed lines; the bundle carries the console's
// fix to Ink, scripts/inkPatch.mjs, so a full-height frame is not repainted whole), and Ink's standard one
// (erase and rewrite the whole frame). While scrolling nearly every line changes, so the difference is
// small; the comparison shows how small.
import { render } from 'ink';
import { type ReactNode, useRef } from 'react';
import { DataTable } from '../src/components/DataTable';
import { type Column, Priority } from '../src/components/tableModel';
import { type TableState, useTable } from '../src/components/useTable';
import { type Resource, ResourceIndex, resourceKey } from '../src/domain/resource';
import { resourceColumns } from '../src/screens/resources/resourceColumns';
import { DemoCloud } from '../src/services/cloud/demoCloud';
import { benchTerminal, nextFrameWritten } from './lib/fakeTerminal';
import { heading, ms, seededRandom, sleep, statsLine, summarize, targetLine } from './lib/stats.mjs';

const COLUMNS = 120;
const ROWS = 35;
const ROW_COUNT = 50_000;
const WARM_UP = 200;
const ACTIONS = 2_300;
/** Seconds of scrolling per layout, at most: keeps the bench near a minute on a slow machine. */
const BUDGET_S = { console: 22, other: 12 };
/** runConsole's renderer choice; keep in step with src/app/runConsole.tsx. */
const CONSOLE_INCREMENTAL = true;

interface Instance {
  id: string;
  name: string;
  region: string;
  type: string;
  state: 'running' | 'stopped' | 'pending';
  cpu: number;
  launchedAt: number;
  owner: string;
}

const NOW = Date.UTC(2025, 0, 15, 12);

const columns: Column<Instance>[] = [
  { key: 'name', title: 'NAME', priority: Priority.identity, flex: true, min: 16, value: (r) => r.name },
  { key: 'id', title: 'ID', priority: Priority.identity, min: 19, cut: 'middle', value: (r) => r.id },
  { key: 'region', title: 'REGION', priority: Priority.identity, whole: true, value: (r) => r.region },
  { key: 'type', title: 'TYPE', priority: Priority.main, whole: true, value: (r) => r.type },
  {
    key: 'state',
    title: 'STATE',
    priority: Priority.identity,
    whole: true,
    value: (r) => r.state,
    color: (r) => (r.state === 'running' ? 'green' : r.state === 'stopped' ? 'red' : 'yellow'),
  },
  {
    key: 'cpu',
    title: 'CPU%',
    priority: Priority.detail,
    width: 5,
    align: 'right',
    value: (r) => String(r.cpu),
    sortValue: (r) => r.cpu,
  },
  {
    key: 'age',
    title: 'AGE',
    priority: Priority.extra,
    width: 5,
    align: 'right',
    value: (r) => `${Math.floor((NOW - r.launchedAt) / 86_400_000)}d`,
    sortValue: (r) => NOW - r.launchedAt,
  },
  { key: 'owner', title: 'OWNER', priority: Priority.detail, max: 10, value: (r) => r.owner },
];

function makeInstances(count: number): Instance[] {
  const random = seededRandom(50_000);
  const pick = <T,>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)];
  const regions = ['eu-west-1', 'eu-central-1', 'us-east-1', 'us-west-2', 'ap-southeast-1'];
  const types = ['t3.micro', 't3.large', 'm7g.xlarge', 'c7i.2xlarge', 'r6i.large'];
  const roles = ['web', 'api', 'worker', 'cache', 'db', 'batch', 'edge', 'search'];
  const owners = ['platform', 'payments', 'search', 'data', 'growth', 'infra'];
  const states = ['running', 'running', 'running', 'stopped', 'pending'] as const;
  return Array.from({ length: count }, (_, i) => ({
    id: `i-${(0x1000000000000 + i * 7919).toString(16).slice(-17)}`,
    name: `${pick(roles)}-${pick(owners)}-${String(i).padStart(5, '0')}`,
    region: pick(regions),
    type: pick(types),
    state: pick(states),
    cpu: Math.floor(random() * 100),
    launchedAt: NOW - Math.floor(random() * 400) * 86_400_000,
    owner: pick(owners),
  }));
}

/** What one table bench runs on: rows, the columns a screen would give them, and how to recognize a row. */
interface Dataset<T> {
  rows: readonly T[];
  columns: Column<T>[];
  rowKey: (row: T) => string;
  /** Text of a row that the frame must show once the cursor is on it. */
  label: (row: T) => string;
  /** Typed into the filter one character at a time (then deleted back to 3 characters). */
  filterWord: string;
}

function BenchTable<T>({
  data,
  height,
  filterText,
  handle,
}: {
  data: Dataset<T>;
  height: number;
  filterText: string;
  handle: { current?: TableState<T> };
}): ReactNode {
  const rowKey = useRef(data.rowKey).current;
  const table = useTable({ rows: data.rows, columns: data.columns, rowKey, filterText, height });
  handle.current = table;
  return <DataTable table={table} columns={data.columns} width={COLUMNS} height={height} />;
}

interface LayoutResult {
  mount: number;
  frames: number[];
  inkOutput: number[];
  bytesPerFrame: number;
  missing: number;
  filter: number[];
  sort: number[];
}

async function runLayout<T>(
  data: Dataset<T>,
  height: number,
  incrementalRendering: boolean,
  budgetSeconds: number,
): Promise<LayoutResult> {
  const { stdout, stdin, stderr } = benchTerminal(COLUMNS, ROWS);
  const { rows } = data;
  const handle: { current?: TableState<T> } = {};
  const inkOutput: number[] = [];
  let recording = false;
  const view = (filterText = '') => (
    <BenchTable data={data} height={height} filterText={filterText} handle={handle} />
  );

  const mountStart = performance.now();
  const instance = render(view(), {
    stdout,
    stdin,
    stderr,
    exitOnCtrlC: false,
    patchConsole: false,
    incrementalRendering,
    maxFps: 1000,
    onRender: ({ renderTime }) => {
      if (recording) inkOutput.push(renderTime);
    },
  });
  const mount = performance.now() - mountStart;
  if (!stdout.recent.includes(data.columns[0].title))
    throw new Error('table: the first frame has no table header');
  await sleep(5);

  /** Runs one action; returns the time until its frame was written, or undefined if none came. */
  const timed = async (run: () => void): Promise<number | undefined> => {
    stdout.mark();
    const written = nextFrameWritten(stdout);
    const start = performance.now();
    run();
    const end = await written;
    return end === undefined ? undefined : end - start;
  };

  const table = () => {
    if (!handle.current) throw new Error('table: not rendered');
    return handle.current;
  };
  for (let i = 0; i < WARM_UP; i++) {
    table().act(i % 10 === 9 ? 'nav.pageDown' : 'nav.down');
    await sleep(2);
  }
  table().act('nav.top');
  await sleep(5);

  const frames: number[] = [];
  let missing = 0;
  let expected = 0;
  let bytes = 0;
  recording = true;
  const deadline = performance.now() + budgetSeconds * 1000;
  for (let i = 0; i < ACTIONS && performance.now() < deadline; i++) {
    const action = i % 8 === 7 ? 'nav.pageDown' : 'nav.down';
    expected = Math.min(rows.length - 1, expected + (action === 'nav.pageDown' ? height - 1 : 1));
    const before = stdout.bytes;
    const t = await timed(() => table().act(action));
    bytes += stdout.bytes - before;
    if (t === undefined) missing++;
    else frames.push(t);
    await sleep(2);
  }
  recording = false;
  const bytesPerFrame = bytes / (frames.length + missing);

  // The frame on screen must show where the actions took the cursor, or nothing above means anything.
  const state = table();
  const cursorName = data.label(rows[expected]);
  if (state.cursor !== expected || !stdout.recent.includes(cursorName))
    throw new Error(`table: cursor ${state.cursor} (expected ${expected}); last frame lacks ${cursorName}`);

  // Typing a filter: each keystroke re-filters 50,000 rows (the first one also builds the search text).
  const filter: number[] = [];
  // Type the filter word, then delete back to its first 3 characters. A keystroke that leaves the visible rows
  // as they were gets no frame (Ink writes nothing when the text is unchanged) and no sample.
  const word = data.filterWord;
  const lengths = [
    ...Array.from({ length: word.length }, (_, i) => i + 1),
    ...Array.from({ length: word.length - 3 }, (_, i) => word.length - 1 - i),
  ];
  for (const text of lengths.map((n) => word.slice(0, n))) {
    const t = await timed(() => instance.rerender(view(text)));
    if (t !== undefined) filter.push(t);
    await sleep(2);
  }
  const matches = table().view.length;
  if (!(matches > 0 && matches < rows.length))
    throw new Error(`table: filter "${word.slice(0, 3)}" matched ${matches} rows`);
  instance.rerender(view(''));
  await sleep(5);

  // Sorting 50,000 rows by the next column, five times.
  const sort: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = await timed(() => table().act('table.sortNext'));
    if (t !== undefined) sort.push(t);
    await sleep(2);
  }

  instance.unmount();
  return { mount, frames, inkOutput, bytesPerFrame, missing, filter, sort };
}

const generateStart = performance.now();
const rows = makeInstances(ROW_COUNT);
const generated = performance.now() - generateStart;

const instances: Dataset<Instance> = {
  rows,
  columns,
  rowKey: (r) => r.id,
  label: (r) => r.name,
  filterWord: 'web-pay',
};
const drawn = await runLayout(instances, ROWS, CONSOLE_INCREMENTAL, BUDGET_S.console);
const other = await runLayout(instances, ROWS, !CONSOLE_INCREMENTAL, BUDGET_S.other);
const rendererName = (incremental: boolean) => (incremental ? 'incremental renderer' : 'standard renderer');

console.log(
  heading(
    `DataTable · ${ROW_COUNT.toLocaleString('en')} rows · ${COLUMNS}x${ROWS} terminal · nav.down, nav.pageDown every 8th action`,
  ),
);
console.log(
  `  (rows generated in ${ms(generated)}; times are action → frame written, see the header comment)`,
);
const stats = ['min', 'median', 'p90', 'p99', 'max'] as const;
for (const [name, r, mountNote] of [
  [`${ROWS} lines, ${rendererName(CONSOLE_INCREMENTAL)}, as the console draws`, drawn, 'cold process'],
  [`${ROWS} lines, ${rendererName(!CONSOLE_INCREMENTAL)}, for comparison`, other, 'warm'],
] as const) {
  console.log(`  ${name}: ${Math.round(r.bytesPerFrame).toLocaleString('en')} bytes written per frame`);
  console.log(statsLine('  frame while scrolling', r.frames, stats));
  console.log(statsLine("  of which Ink's output step (onRender)", r.inkOutput, stats));
  console.log(statsLine(`  first frame, 50,000 rows (${mountNote})`, [r.mount], ['median']));
  console.log(statsLine('  filter keystroke that changed the screen', r.filter, ['min', 'median', 'max']));
  console.log(statsLine('  sort by next column (50,000 rows)', r.sort, ['min', 'median', 'max']));
  if (r.missing) console.log(`    ${r.missing} actions got no frame within 250 ms and are not counted`);
}
const s = summarize(drawn.frames);
console.log(targetLine('frame while scrolling, as the console draws', s.median, 8, 'median'));
console.log(`  p99 frame while scrolling, as the console draws: ${ms(s.p99)}`);

// The Resources screen's own table: ~50,000 resources of the demo cloud (16 regions, scale 150) in a
// ResourceIndex, shown with the screen's columns. Memory is the heap the resources and the index add.
{
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const cloud = new DemoCloud({ regions: 16, scale: 150, latencyScale: 0 });
  const byRegion = new Map<string, Resource[]>();
  for (const r of cloud.snapshot()) byRegion.set(r.region, [...(byRegion.get(r.region) ?? []), r]);
  const index = ResourceIndex.fromScans(
    [...byRegion].map(([region, resources]) => ({
      account: '000000000000',
      region,
      scannedAt: NOW,
      resources,
    })),
  );
  const resources = index.query({});
  global.gc?.();
  const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024;
  const data: Dataset<Resource> = {
    rows: resources,
    columns: resourceColumns(() => NOW),
    rowKey: resourceKey,
    label: (r) => r.id,
    filterWord: 'web-web',
  };
  const r = await runLayout(data, ROWS, CONSOLE_INCREMENTAL, BUDGET_S.other);
  console.log(
    heading(
      `Resources table · ${resources.length.toLocaleString('en')} demo resources in a ResourceIndex · ${COLUMNS}x${ROWS}`,
    ),
  );
  console.log(
    `  heap for the resources and the index: ${heapMb.toFixed(0)} MB${global.gc ? '' : ' (no --expose-gc: rough)'}`,
  );
  console.log(statsLine('  frame while scrolling', r.frames, stats));
  console.log(statsLine('  filter keystroke that changed the screen', r.filter, ['min', 'median', 'max']));
  console.log(statsLine('  sort by next column', r.sort, ['min', 'median', 'max']));
}
