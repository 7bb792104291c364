// The Scheduler tab with 1,000 schedules (issue 12): the whole console (createDeck + App with the real screens,
// rendered by Ink with runConsole's options but throttling off, maxFps 0) at 120x35, its schedules from
// `deckSchedulesFor` over a temp folder whose schedules.yaml holds 1,000 varied entries (every minute, every
// 15 minutes, daily in eight IANA zones, 6-field every-second ones, weekday ones; 1 in 13 paused; 5 invalid),
// and ~2,000 finished runs of them. The runs are put into the store's jobs (`mergeJobList` over `jobs.byId`)
// rather than run on a memory bus: a bus cannot backdate a job's tick, start and end, and without a bus the
// jobs slice has no queue to refresh them from, so they stay as given. One schedule in nine has ten runs (a
// full RUNS sparkline), the others one (a LAST cell).
//
// Measured, each from the action to Ink's write of the end of the first frame that shows its effect:
//   show (first)    showTab('scheduler') on a console that never showed it: the screen mounts, measures its
//                   columns over the 1,000 rows, draws the first page (a fresh console each time);
//   show (again)    back to the tab from the Dashboard (the screen stays mounted, hidden);
//   j, pgdn         the header's cursor hint moves (`12/1000` → `13/1000`, a page);
//   clock           the tab's 1-second clock (its setInterval callback, told from the other intervals by
//                   where it was set) to the frame that redraws the NEXT and LAST cells;
//   filter          `/`, each typed character (the 1,000 rows filtered in the same frame), Esc;
//   sort by NEXT    `o` until NEXT carries the marker, then `O` flipping its direction (each one a sort of
//                   the 1,000 rows by their next tick); the other `o` presses are printed as `sort (o)`.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { render } from 'ink';
import { App } from '../src/app/App';
import type { JobView } from '../src/domain/job';
import { scheduleRequester } from '../src/domain/scheduleRequester';
import { screens } from '../src/screens';
import { deckSchedulesFor } from '../src/services/scheduler/deckSchedules';
import type { DeckServices } from '../src/state/deckServices';
import { mergeJobList } from '../src/state/reducers/jobs';
import { benchDeck, THROTTLE_OFF } from './lib/benchDeck';
import { type BenchStdout, FRAME_END, keyBytes } from './lib/fakeTerminal';
import { heading, seededRandom, sleep, statsLine, stripAnsi, summarize, targetLine } from './lib/stats.mjs';

const COLUMNS = 120;
const ROWS = 35;
const SCHEDULE_COUNT = 1_000;
const INVALID_AT = new Set([137, 421, 666, 808, 950]);
const FIRST_SHOWS = 5;
const CYCLES = 12;
const CLOCK_FRAMES = 20;
const KEY_TIMEOUT_MS = 3_000;

const zones = [
  'UTC',
  'Europe/Berlin',
  'America/New_York',
  'Asia/Tokyo',
  'Australia/Sydney',
  'America/Sao_Paulo',
  'Asia/Kolkata',
  'Europe/London',
];
const teams = ['payments', 'search', 'platform', 'growth', 'data', 'infra', 'mobile', 'identity'];
const tasks = ['scan', 'backup', 'report', 'rotate', 'sync', 'prune', 'health', 'digest'];

interface Cadence {
  cron: string;
  /** Roughly how far apart its ticks are, for the runs' ticks. */
  periodMs: number;
}

function cadenceOf(i: number): Cadence {
  switch (i % 10) {
    case 0:
    case 1:
    case 2:
      return { cron: '* * * * *', periodMs: 60_000 };
    case 3:
    case 4:
      return { cron: `${i % 15}-59/15 * * * *`, periodMs: 900_000 };
    case 5:
    case 6:
    case 7:
      return { cron: `${i % 60} ${i % 24} * * *`, periodMs: 86_400_000 };
    case 8:
      return i % 20 === 8
        ? { cron: '* * * * * *', periodMs: 1_000 }
        : { cron: `${i % 10}-59/10 * * * * *`, periodMs: 10_000 };
    default:
      return { cron: `${i % 60} 9-17 * * 1-5`, periodMs: 3_600_000 };
  }
}

const nameOf = (i: number) => `${teams[i % 8]}-${tasks[(i >> 3) % 8]}-${String(i).padStart(4, '0')}`;

function schedulesYaml(): string {
  const entries = Array.from({ length: SCHEDULE_COUNT }, (_, i) => {
    const name = nameOf(i);
    const zone = zones[(i >> 1) % zones.length];
    if (INVALID_AT.has(i)) {
      const bad = [
        `    cron: "*/0 * * * *"\n    job: { run: [echo, "${i}"] }`,
        `    cron: "0 3 * * *"\n    timezone: Mars/Olympus_Mons\n    job: { run: [echo, "${i}"] }`,
        `    cron: "0 3 * * *"\n    job: { kind: teleport, to: moon }`,
      ][i % 3];
      return `  - name: ${name}\n${bad}\n`;
    }
    const job =
      i % 3 === 0
        ? `{ kind: scan, regions: [eu-west-1, us-east-1], buckets: false }`
        : `{ run: [sh, -c, "echo ${tasks[(i >> 3) % 8]} ${i}"] }`;
    const paused = i % 13 === 5 ? '    enabled: false\n' : '';
    return `  - name: ${name}\n    cron: "${cadenceOf(i).cron}"\n    timezone: ${zone}\n${paused}    job: ${job}\n`;
  });
  return `# ${SCHEDULE_COUNT} schedules for bench/schedulerTab.bench.tsx\nschedules:\n${entries.join('')}`;
}

/** Finished runs of the valid schedules, ticks going back from now at each one's cadence, mixed outcomes. */
function scheduleRuns(now: number): JobView[] {
  const random = seededRandom(12);
  const views: JobView[] = [];
  for (let i = 0; i < SCHEDULE_COUNT; i++) {
    if (INVALID_AT.has(i)) continue;
    const name = nameOf(i);
    const { periodMs } = cadenceOf(i);
    const count = i % 9 === 0 ? 10 : 1;
    const lastTick = Math.floor(now / periodMs) * periodMs;
    for (let k = 0; k < count; k++) {
      const tick = lastTick - (k + 1) * periodMs;
      const startedAt = tick + Math.floor(random() * 400);
      const roll = random();
      const status = roll < 0.12 ? 'failed' : roll < 0.15 ? 'cancelled' : 'completed';
      const skipped = roll > 0.97 ? 'missed' : roll > 0.9 ? 'overlap' : undefined;
      const took = skipped ? 2 : 200 + Math.floor(random() * Math.min(periodMs * 0.8, 90_000));
      views.push({
        id: `bench-${i}-${k}`,
        kind: 'command',
        status,
        step: 1,
        total: 1,
        attempts: 1,
        maxAttempts: 1,
        requestedBy: scheduleRequester(name, 'bench-host'),
        createdAt: tick,
        startedAt,
        finishedAt: startedAt + took,
        payload: { program: 'sh', args: ['-c', `echo ${i}`], shell: false },
        schedule: { name, tick },
        ...(status === 'failed' ? { error: 'exit code 1' } : {}),
        ...(skipped && status === 'completed'
          ? { result: { skipped, reason: skipped === 'missed' ? 'no worker at the tick' : 'still running' } }
          : status === 'completed'
            ? { result: { code: 0 } }
            : {}),
      });
    }
  }
  return views;
}

// The tab's clock is a setInterval of 1 s set by SchedulerScreen; its callbacks are stamped here, so its frame
// can be timed from its cause. Other intervals (other screens, the bus) pass through untouched.
let clockFiredAt: number | undefined;
let onClock: (() => void) | undefined;
const realSetInterval = globalThis.setInterval;
globalThis.setInterval = ((fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => {
  if (ms !== 1_000 || !new Error().stack?.includes('SchedulerScreen'))
    return realSetInterval(fn, ms, ...args);
  return realSetInterval(() => {
    clockFiredAt = performance.now();
    onClock?.();
    fn(...args);
  }, ms);
}) as typeof setInterval;

const dir = mkdtempSync(join(tmpdir(), 'infradeck-bench-scheduler-'));
writeFileSync(join(dir, 'schedules.yaml'), schedulesYaml());
const runs = scheduleRuns(Date.now());
const services: DeckServices = {
  repos: {
    list: async () => ({ rows: [], errors: [] }),
    details: async (entry) => ({ entry, status: [], log: [] }),
  },
  schedules: deckSchedulesFor(dir, { TZ: 'UTC', EDITOR: 'true' }),
};

/**
 * The last `n/1000`-style cursor hint on the screen text (not a cron's `3-59/15`), as [cursor (1-based), rows
 * shown]. Ink's incremental frames move the cursor between the lines they change: no line ends to go by.
 */
function cursorHint(text: string): [number, number] | undefined {
  const all = [...text.matchAll(/(?<![\d-])(\d+)\/(\d+)/g)];
  const last = all[all.length - 1];
  return last ? [Number(last[1]), Number(last[2])] : undefined;
}

let lastFrame = '';

/** The time of the first frame whose own text satisfies `done`, or undefined after KEY_TIMEOUT_MS. */
function frameShowing(stdout: BenchStdout, done: (text: string) => boolean): Promise<number | undefined> {
  stdout.mark();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      stdout.onWrite = undefined;
      resolve(undefined);
    }, KEY_TIMEOUT_MS);
    stdout.onWrite = (chunk) => {
      if (!chunk.includes(FRAME_END)) return;
      const frame = stripAnsi(stdout.recent);
      lastFrame = frame;
      stdout.mark();
      if (!done(frame)) return;
      clearTimeout(timer);
      stdout.onWrite = undefined;
      resolve(stdout.lastWriteAt);
    };
  });
}

/** The tab drawn in full: its summary, the first page's names and the cursor hint over every row. */
const tabComplete = (text: string) =>
  /\d+ schedules · \d+ paused · 5 with errors/.test(text) &&
  text.includes(nameOf(0)) &&
  text.includes(`1/${SCHEDULE_COUNT}`);

/** A console on the Dashboard with the schedules read and the runs in its store, throttle off. */
async function openConsole() {
  const opened = benchDeck(services, COLUMNS, ROWS);
  const { deck, stdout, stdin, stderr } = opened;
  const store = deck.store;
  store.setState((s) => ({ jobs: { ...s.jobs, byId: mergeJobList(s.jobs.byId, runs) } }));
  const instance = render(<App deck={deck} screens={screens} />, { stdout, stdin, stderr, ...THROTTLE_OFF });
  const deadline = performance.now() + 15_000;
  while (!store.getState().schedules.file) {
    if (performance.now() > deadline) throw new Error(`schedulerTab: ${dir}/schedules.yaml was never read`);
    await sleep(20);
  }
  const file = store.getState().schedules.file;
  if (file?.schedules.length !== SCHEDULE_COUNT - INVALID_AT.size || file.invalid.length !== INVALID_AT.size)
    throw new Error(
      `schedulerTab: expected ${SCHEDULE_COUNT - INVALID_AT.size} valid and ${INVALID_AT.size} invalid schedules, read ${file?.schedules.length} and ${file?.invalid.length}:\n${file?.errors.map((e) => e.message).join('\n')}`,
    );
  await sleep(300);
  const close = async () => {
    store.getState().actions.ui.quit();
    await instance.waitUntilExit();
  };
  return { deck, stdout, stdin, close };
}

async function firstShow(): Promise<number> {
  const { deck, stdout, close } = await openConsole();
  const shown = frameShowing(stdout, tabComplete);
  const start = performance.now();
  deck.store.getState().actions.ui.showTab('scheduler');
  const end = await shown;
  await close();
  if (end === undefined)
    throw new Error(`schedulerTab: the tab never drew in full; the last frame:\n${lastFrame}`);
  return end - start;
}

interface Samples {
  showAgain: number[];
  j: number[];
  pgdn: number[];
  filter: number[];
  sortNext: number[];
  sortOther: number[];
  clock: number[];
  all: number[];
  /** What drew no expected frame. */
  missed: string[];
}

async function session(seed: number): Promise<Samples> {
  const { deck, stdout, stdin, close } = await openConsole();
  const actions = deck.store.getState().actions;
  const random = seededRandom(seed);
  const out: Samples = {
    showAgain: [],
    j: [],
    pgdn: [],
    filter: [],
    sortNext: [],
    sortOther: [],
    clock: [],
    all: [],
    missed: [],
  };
  let cursor = 1;
  type Kind = 'showAgain' | 'j' | 'pgdn' | 'filter' | 'sortNext' | 'sortOther' | 'setup';
  const act = async (kind: Kind, what: string, go: () => void, done: (text: string) => boolean) => {
    await sleep(30 + random() * 90);
    const shown = frameShowing(stdout, done);
    const start = performance.now();
    go();
    const end = await shown;
    if (end === undefined) {
      out.missed.push(what);
      if (out.missed.length > 5)
        throw new Error(
          `schedulerTab: ${what} at row ${cursor} drew no expected frame; the last frame:\n${lastFrame.slice(-3000)}`,
        );
      return;
    }
    if (kind === 'setup') return;
    out[kind].push(end - start);
    if (kind !== 'showAgain') out.all.push(end - start);
  };
  const press = (kind: Kind, bytes: string, done: (text: string) => boolean) =>
    act(kind, `${kind} ${JSON.stringify(bytes)}`, () => stdin.press(bytes), done);
  const moved = (check: (at: number) => boolean) => (text: string) => {
    const hint = cursorHint(text);
    if (!hint || hint[1] !== SCHEDULE_COUNT || !check(hint[0])) return false;
    cursor = hint[0];
    return true;
  };
  const sortedBy = (title: string, marker: string) => (text: string) => text.includes(`${title} ${marker}`);

  await act('setup', 'showTab', () => actions.ui.showTab('scheduler'), tabComplete);
  for (let cycle = 0; cycle < CYCLES; cycle++) {
    await act(
      'setup',
      'showTab(dashboard)',
      () => actions.ui.showTab('dashboard'),
      (t) => !t.includes('1/1000'),
    );
    await act(
      'showAgain',
      'showTab(scheduler)',
      () => actions.ui.showTab('scheduler'),
      (t) => moved(() => true)(t),
    );
    if (cursor > SCHEDULE_COUNT - 100)
      await press(
        'setup',
        'g',
        moved((at) => at === 1),
      );
    for (let i = 0; i < 5; i++) {
      const from = cursor;
      await press(
        'j',
        'j',
        moved((at) => at === from + 1),
      );
    }
    for (let i = 0; i < 2; i++) {
      const from = cursor;
      await press(
        'pgdn',
        keyBytes.pgdn,
        moved((at) => at > from + 1),
      );
    }
    if (cycle % 3 === 0) {
      let typed = '';
      await press('filter', '/', (text) => text.includes('/█'));
      for (const ch of ['pay', '*/15', 'Tokyo', 'fail'][(cycle / 3) % 4]) {
        typed += ch;
        const prompt = `/${typed}█`;
        await press('filter', ch, (text) => text.includes(prompt));
      }
      // The prompt gone and every row back (the RUNS sparklines draw `█` too: the prompt is `/text█`).
      await press('filter', keyBytes.esc, (text) => !/\/\S*█/.test(text) && moved(() => true)(text));
    }
    if (cycle % 3 === 1) {
      // Unsorted → NAME → STATE → CRON → NEXT, flipped a few times, then on round to unsorted.
      for (const title of ['NAME', 'STATE', 'CRON']) await press('sortOther', 'o', sortedBy(title, '▲'));
      await press('sortNext', 'o', sortedBy('NEXT', '▲'));
      for (let i = 0; i < 4; i++) await press('sortNext', 'O', sortedBy('NEXT', i % 2 ? '▲' : '▼'));
      for (const title of ['LAST', 'RUNS', 'ZONE', 'WHEN'])
        await press('sortOther', 'o', sortedBy(title, '▲'));
      // NEXT 3 and JOB are hidden at 120 columns: on NEXT 3 the header loses its marker; JOB and unsorted
      // change only the order, which a clock frame cannot be told from, so they are pressed, not timed.
      await press('sortOther', 'o', (text) => /^ *NAME +STATE .*WHEN/m.test(text) && !text.includes('▲'));
      stdin.press('o');
      stdin.press('o');
      await sleep(300);
    }
  }

  // The clock: the tab shown, nothing pressed; each tick of its interval to the frame after it.
  await sleep(1_500);
  for (let i = 0; i < CLOCK_FRAMES; i++) {
    // Watched from inside the tick, before its callback runs: an earlier frame (the status bar) cannot count.
    const frame = await new Promise<Promise<number | undefined>>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error("schedulerTab: the tab's clock did not tick for 3 s")),
        3_000,
      );
      onClock = () => {
        clearTimeout(timer);
        onClock = undefined;
        resolve(frameShowing(stdout, () => true));
      };
    });
    const start = clockFiredAt ?? Number.NaN;
    const end = await frame;
    if (end === undefined || end < start) out.missed.push('clock');
    else out.clock.push(end - start);
  }
  await close();
  return out;
}

try {
  const first: number[] = [];
  for (let i = 0; i < FIRST_SHOWS; i++) first.push(await firstShow());
  const result = await session(1);
  const line = (label: string, samples: number[]) =>
    console.log(statsLine(label, samples, ['p50', 'p90', 'p99', 'max']));

  const valid = SCHEDULE_COUNT - INVALID_AT.size;
  console.log(
    heading(
      `Scheduler tab · ${valid} valid + ${INVALID_AT.size} invalid schedules, ${runs.length.toLocaleString('en')} runs · full console, throttle off · ${COLUMNS}x${ROWS}`,
    ),
  );
  line('showTab → complete frame (first, fresh console)', first);
  line('showTab → complete frame (from the Dashboard)', result.showAgain);
  line('j (next row)', result.j);
  line('pgdn (next page)', result.pgdn);
  line('filter (/, typing, Esc) over 1,000 rows', result.filter);
  line('sort by NEXT (o onto NEXT, O flips)', result.sortNext);
  line('sort (o, the other columns)', result.sortOther);
  line('1-second clock → frame (NEXT, LAST cells)', result.clock);
  line('all keys', result.all);
  if (result.missed.length)
    console.log(
      `    ${result.missed.length} actions showed no expected frame within ${KEY_TIMEOUT_MS} ms: ${result.missed.join(', ')}`,
    );
  const frames = [...result.all, ...result.clock, ...result.showAgain];
  console.log(targetLine('frame (keys, clock, show again) at 30 fps', summarize(frames).p99, 33, 'p99'));
} catch (error) {
  // A console left open (the error came mid-session) would keep the process alive until the runner's timeout.
  console.error(error instanceof Error ? error.stack : error);
  process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
  process.exit();
}
