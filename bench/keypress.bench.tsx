// Keypress to frame: the whole console (createDeck + App with the real screens) on the Repositories tab,
// fed 5,000 repository rows by a DeckServices whose `repos.list` returns them at once, rendered by Ink into
// a 120x35 fake terminal. A key's bytes are pushed into stdin the way a TTY delivers them; the time runs
// until Ink writes the end of the first frame that shows the key's effect:
//   j       the header's cursor hint moves one row (`12/5000` → `13/5000`),
//   pgdn    the hint moves a page,
//   filter  `/` opens the prompt, each typed character shows in it (and the table is re-filtered in the
//           same frame), Esc clears it (Ink holds a lone Esc for one event-loop turn to tell it from an
//           escape sequence: that wait is part of the number).
// Frames that only redraw the clock do not count as the key's frame.
//
// Runs:
//   console         through runConsole itself, so with the console's own Ink options (maxFps 30 caps
//                   frames: Ink draws at once unless it drew in the last 34 ms, else at the end of that
//                   window, so the throttle adds 0–34 ms depending on when the key lands);
//   throttle off    App rendered directly with THROTTLE_OFF (maxFps 0: every change is drawn at once,
//                   the rest as runConsole renders): what is left is the cost of the work;
//   held j          through runConsole, `j` auto-repeating every 33 ms (30/s) without waiting for frames;
//                   each key's time runs to the first frame showing its row or a later one.
// In the two paced runs the next key comes 30–120 ms (seeded random) after the previous key's frame.
import { render } from 'ink';
import { App } from '../src/app/App';
import type { RepoStatus } from '../src/domain/repo';
import { screens } from '../src/screens';
import type { DeckServices } from '../src/state/deckServices';
import { benchDeck, runBenchConsole, THROTTLE_OFF } from './lib/benchDeck';
import { type BenchStdout, FRAME_END, keyBytes } from './lib/fakeTerminal';
import { heading, seededRandom, sleep, statsLine, stripAnsi, summarize, targetLine } from './lib/stats.mjs';

const COLUMNS = 120;
const ROWS = 35;
const REPO_COUNT = 5_000;
const CYCLES = 20;
const HELD_KEYS = 150;
const KEY_TIMEOUT_MS = 2_000;

type KeyKind = 'j' | 'pgdn' | 'filter';
interface RunResult {
  samples: Record<KeyKind, number[]>;
  all: number[];
  missed: number;
}

function makeRepos(count: number): RepoStatus[] {
  const random = seededRandom(5_000);
  const pick = <T,>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)];
  const teams = ['payments', 'search', 'platform', 'growth', 'data', 'infra', 'mobile', 'identity'];
  const kinds = ['api', 'web', 'worker', 'infra', 'sdk', 'jobs', 'proxy', 'docs'];
  const authors = ['ana', 'bo', 'chen', 'dara', 'eli', 'femi', 'gus', 'hana'];
  const subjects = ['Fix flaky retry in client', 'Bump dependencies', 'Add health check', 'Tidy logging'];
  const now = Math.floor(Date.UTC(2025, 0, 15) / 1000);
  return Array.from({ length: count }, (_, i): RepoStatus => {
    const name = `${pick(teams)}-${pick(kinds)}-${String(i).padStart(4, '0')}`;
    const entry = { name, path: `/srv/src/${name}`, source: 'repos.yaml' as const };
    if (i % 97 === 13) return { kind: 'error', entry, error: `${entry.path}: not a git repository` };
    return {
      kind: 'ok',
      entry,
      branch: pick(['main', 'main', 'develop', 'feature/retry', 'release/2.4']),
      detached: false,
      changed: random() < 0.7 ? 0 : Math.floor(random() * 40),
      ahead: Math.floor(random() * 3),
      behind: Math.floor(random() * 5),
      upstream: 'origin/main',
      last: {
        hash: Math.floor(random() * 0xfffffff)
          .toString(16)
          .padStart(7, '0'),
        time: now - Math.floor(random() * 90 * 86_400),
        author: pick(authors),
        subject: pick(subjects),
      },
    };
  });
}

const repos = makeRepos(REPO_COUNT);
const services: DeckServices = {
  repos: {
    list: async () => ({ rows: repos, errors: [] }),
    details: async (entry) => ({ entry, status: ['## main...origin/main'], log: [] }),
  },
};

/** The last `n/5000`-style cursor hint on the screen text, as [cursor (1-based), rows shown]. */
function cursorHint(text: string): [number, number] | undefined {
  const all = [...text.matchAll(/(\d+)\/(\d+)/g)];
  const last = all[all.length - 1];
  return last ? [Number(last[1]), Number(last[2])] : undefined;
}

/** The text of the latest frame `frameShowing` looked at, for error messages. */
let lastFrame = '';

/**
 * Resolves with the time of the first frame whose text satisfies `done`, or undefined after KEY_TIMEOUT_MS.
 * Each frame is judged on its own (the whole screen from the standard renderer, the changed lines from the
 * incremental one), so a frame drawn before the key took effect cannot count for it.
 */
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

/** The console on the Repositories tab with its rows drawn; `close()` quits it as `q` would. */
async function openConsole(how: 'console' | 'throttle off') {
  const opened = benchDeck(services, COLUMNS, ROWS);
  const { deck, stdout, stdin, stderr } = opened;
  if (!screens.some((s) => s.id === 'repos')) throw new Error('keypress: there is no Repositories screen');
  const errors: string[] = [];
  let closed: Promise<unknown>;
  if (how === 'console') {
    closed = runBenchConsole(opened, errors);
  } else {
    const instance = render(<App deck={deck} screens={screens} />, {
      stdout,
      stdin,
      stderr,
      ...THROTTLE_OFF,
    });
    closed = instance.waitUntilExit();
  }
  deck.store.getState().actions.ui.showTab('repos');
  const deadline = performance.now() + 10_000;
  while (!stripAnsi(stdout.recent).includes(`1/${REPO_COUNT}`)) {
    if (errors.length || performance.now() > deadline)
      throw new Error(
        `keypress: the Repositories table never showed 1/${REPO_COUNT}:\n${errors.join('\n')}${stdout.recent.slice(-2000)}`,
      );
    await sleep(20);
  }
  await sleep(100);
  const close = async () => {
    deck.store.getState().actions.ui.quit();
    await closed;
    if (errors.length) throw new Error(`keypress: the console reported errors:\n${errors.join('\n')}`);
  };
  return { stdout, stdin, close };
}

/** Keys pressed one at a time, each after the previous one's frame and a human pause. */
async function pacedRun(how: 'console' | 'throttle off', seed: number): Promise<RunResult> {
  const { stdout, stdin, close } = await openConsole(how);
  const random = seededRandom(seed);
  const result: RunResult = { samples: { j: [], pgdn: [], filter: [] }, all: [], missed: 0 };
  let cursor = 1;

  const press = async (kind: KeyKind | 'setup', bytes: string, done: (text: string) => boolean) => {
    await sleep(30 + random() * 90);
    const shown = frameShowing(stdout, done);
    const start = performance.now();
    stdin.press(bytes);
    const end = await shown;
    if (end === undefined) {
      result.missed++;
      if (result.missed > 5)
        throw new Error(
          `keypress: ${kind} ${JSON.stringify(bytes)} at row ${cursor} drew no expected frame; the last frame:\n${lastFrame.slice(-2000)}`,
        );
      return;
    }
    if (kind === 'setup') return;
    result.samples[kind].push(end - start);
    result.all.push(end - start);
  };
  const moved = (check: (at: number) => boolean) => (text: string) => {
    const hint = cursorHint(text);
    if (!hint || hint[1] !== REPO_COUNT || !check(hint[0])) return false;
    cursor = hint[0];
    return true;
  };

  for (let cycle = 0; cycle < CYCLES; cycle++) {
    // A filter can leave the cursor anywhere; at the last row `j` would change nothing to wait for.
    if (cursor > REPO_COUNT - 200)
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
    if (cycle % 4 === 3) {
      let typed = '';
      await press('filter', '/', (text) => text.includes('/█'));
      for (const ch of ['pay', 'api', 'ops', '-00'][(cycle >> 2) % 4]) {
        typed += ch;
        const prompt = `/${typed}█`;
        await press('filter', ch, (text) => text.includes(prompt));
      }
      // The cursor keeps its row through the filter when the row matches, else lands on a neighbour.
      await press('filter', keyBytes.esc, (text) => !text.includes('█') && moved(() => true)(text));
    }
  }
  await close();
  return result;
}

/** `j` held down: a key every 33 ms, whether or not the screen kept up. */
async function heldRun(): Promise<RunResult> {
  const { stdout, stdin, close } = await openConsole('console');
  const pressedAt: number[] = [];
  const latencies: number[] = [];
  let shownUpTo = 0; // keys whose row (or a later one) has been drawn
  stdout.mark();
  stdout.onWrite = (chunk) => {
    if (!chunk.includes(FRAME_END)) return;
    const hint = cursorHint(stripAnsi(stdout.recent));
    stdout.mark();
    if (!hint) return;
    const reached = hint[0] - 1; // the cursor started on row 1: row n means n-1 presses shown
    for (; shownUpTo < Math.min(reached, pressedAt.length); shownUpTo++)
      latencies.push(stdout.lastWriteAt - pressedAt[shownUpTo]);
  };
  const start = performance.now();
  for (let i = 0; i < HELD_KEYS; i++) {
    const due = start + i * 33;
    await sleep(Math.max(0, due - performance.now()));
    pressedAt.push(performance.now());
    stdin.press('j');
  }
  const deadline = performance.now() + KEY_TIMEOUT_MS;
  while (shownUpTo < HELD_KEYS && performance.now() < deadline) await sleep(10);
  stdout.onWrite = undefined;
  await close();
  return { samples: { j: latencies, pgdn: [], filter: [] }, all: latencies, missed: HELD_KEYS - shownUpTo };
}

const real = await pacedRun('console', 1);
const unthrottled = await pacedRun('throttle off', 1);
const held = await heldRun();

console.log(
  heading(
    `keypress → frame · full console, Repositories with ${REPO_COUNT.toLocaleString('en')} rows · ${COLUMNS}x${ROWS}`,
  ),
);
const line = (label: string, samples: number[]) =>
  console.log(statsLine(label, samples, ['p50', 'p90', 'p99', 'max']));
for (const [name, r] of [
  ['through runConsole (its render options: maxFps 30)', real],
  ['throttle off (maxFps 0, otherwise the same options)', unthrottled],
] as const) {
  console.log(`  ${name}, keys 30–120 ms after the previous frame:`);
  line('  j (next row)', r.samples.j);
  line('  pgdn (next page)', r.samples.pgdn);
  line('  filter (/, typing, Esc)', r.samples.filter);
  line('  all keys', r.all);
  if (r.missed) console.log(`    ${r.missed} keys showed no frame within ${KEY_TIMEOUT_MS} ms`);
}
console.log('  through runConsole, j held (a key every 33 ms, not waiting for frames):');
line('  j → its row (or a later one) drawn', held.all);
if (held.missed)
  console.log(`    ${held.missed} of ${HELD_KEYS} keys were not drawn within ${KEY_TIMEOUT_MS} ms`);
console.log(targetLine('keypress → frame, through runConsole, all keys', summarize(real.all).p99, 50, 'p99'));
