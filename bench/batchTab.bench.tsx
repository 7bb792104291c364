// The Batch tab while a batch runs (issue 13): the whole console (createDeck + App with the real screens,
// rendered by Ink with runConsole's options but throttling off, maxFps 0, as schedulerTab.bench does) at 120x35,
// on the embedded memory bus with the console's own handlers (jobHandlersFor, the bus's default concurrency) in
// this same process: a `local` batch of 1,000 targets running `true`, serial 100, planned by the CLI's functions
// and queued on the bus. Its run is opened (Enter on a run: the wave lines and the per-target table), and while it
// runs:
//   j        keypress → Ink's write of the end of the first frame whose cursor hint moved (`12/1000` → `13/1000`),
//            pressed every 60–180 ms;
//   events   a change of the store's jobs (the run's events, batched by the store) → the end of the next frame,
//            or, for a change that alters nothing on screen (the queue's fresh views of the jobs a wave's events
//            added), → Ink's render that found nothing to write (bench/lib/changeFrames.ts);
//   j after  60 more `j` on the finished run: the tab's own frame cost, without the batch's work beside it.
// Both include the time the batch's own work (spawning 1,000 programs, running their jobs) takes from the
// renderer, as it does in the console without REDIS_URL. Then the same over Redis (when it answers): two
// `infradeck worker` processes (the built CLI, concurrency 50 each) run the batch and the console only listens,
// as with REDIS_URL. Target: frame p99 ≤ 33 ms (30 fps).
// The batch's wall time over Redis against bare BullMQ is bench/batch.bench.mjs.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { render } from 'ink';
import { App } from '../src/app/App';
import { adHocBatch, targetWords } from '../src/domain/batch';
import { planBatch } from '../src/domain/batchPlan';
import { batchPayload } from '../src/domain/batchRun';
import { resolveTargets } from '../src/domain/batchTargets';
import { deckBusOf } from '../src/openWorkspace';
import { screens } from '../src/screens';
import { deckBatchesFor } from '../src/services/batch/deckBatches';
import type { Bus } from '../src/services/bus/contracts';
import { openBus } from '../src/services/bus/openBus';
import { batchRunsOf } from '../src/state/slices/batches';
import { jobHandlersFor } from '../src/worker/jobHandlers';
import { benchDeck, THROTTLE_OFF } from './lib/benchDeck';
import { changeFrames } from './lib/changeFrames';
import { cpuWaitMs } from './lib/cpuWait';
import { FRAME_END } from './lib/fakeTerminal';
import { deletePrefix } from './lib/redisKeys.mjs';
import {
  heading,
  ms,
  seededRandom,
  sleep,
  statsLine,
  stripAnsi,
  summarize,
  targetLine,
} from './lib/stats.mjs';

const COLUMNS = 120;
const ROWS = 35;
const TARGETS = Number(process.env.BENCH_BATCH_TARGETS || 1000);
const SERIAL = Number(process.env.BENCH_BATCH_SERIAL || 100);
const KEY_TIMEOUT_MS = 3_000;
const requester = { user: 'bench', host: 'bench' };

const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const dir = mkdtempSync(join(tmpdir(), 'infradeck-bench-batchtab-'));
mkdirSync(join(dir, 'batches'));

try {
  const bus = await openBus({ handlers: jobHandlersFor({ dataDir: dir }), requester, env: {} });
  try {
    await session(bus, 'on the embedded memory bus, its targets run in this same process');
  } finally {
    await bus.close();
  }
  await overRedis();
} finally {
  rmSync(dir, { recursive: true, force: true });
}

/** The same with REDIS_URL: two `infradeck worker` processes (the built CLI) run it, the console only listens. */
async function overRedis() {
  const prefix = `bench-batchtab-${randomBytes(3).toString('hex')}`;
  const bus = await openBus({ redisUrl, prefix, requester, env: {} });
  const workers: ChildProcess[] = [];
  try {
    if (!(await bus.state.whenConnected(3_000))) {
      console.log(`\n(no Redis at ${redisUrl}: the Batch tab over Redis not measured)`);
      return;
    }
    const env = { ...process.env, REDIS_URL: redisUrl, INFRADECK_REDIS_PREFIX: prefix };
    for (const i of [0, 1]) {
      const log = join(dir, `worker-${i}.log`);
      const fd = openSync(log, 'w');
      const cli = join(process.cwd(), 'dist', 'cli.js');
      workers.push(
        spawn(process.execPath, [cli, 'worker', '--data', dir, '--concurrency', '50'], {
          env,
          stdio: ['ignore', fd, fd],
        }),
      );
      closeSync(fd);
      const deadline = performance.now() + 20_000;
      while (!/ worker \S+ on /.test(readFileSync(log, 'utf8'))) {
        if (performance.now() > deadline)
          throw new Error(`batchTab: a worker did not start:\n${readFileSync(log, 'utf8')}`);
        await sleep(50);
      }
    }
    await session(bus, 'over Redis, run by two `infradeck worker` processes (concurrency 50 each)');
  } finally {
    for (const w of workers) w.kill('SIGTERM');
    await sleep(500);
    await bus.close();
    await deletePrefix(redisUrl, prefix);
  }
}

function payload() {
  const names = Array.from({ length: TARGETS }, (_, i) => `host-${i + 1}.invalid`).join(',');
  const checked = adHocBatch({
    name: 'bench',
    targets: [{ names: targetWords(names) }],
    action: { type: 'local', program: 'true', args: [] },
    serial: String(SERIAL),
  });
  if (!checked.ok) throw new Error(`batchTab: ${checked.errors.map((e) => e.message).join('; ')}`);
  const resolved = resolveTargets(checked.batch.targets, { servers: [], resources: [] });
  if (!resolved.ok) throw new Error('batchTab: the addresses did not resolve');
  return batchPayload(planBatch(checked.batch, resolved.targets));
}

/** The last `n/1000` cursor hint on the frame's text, as [cursor (1-based), rows]. */
function cursorHint(text: string): [number, number] | undefined {
  const all = [...text.matchAll(/(?<![\d-])(\d+)\/(\d+)/g)].filter((m) => Number(m[2]) === TARGETS);
  const last = all[all.length - 1];
  return last ? [Number(last[1]), Number(last[2])] : undefined;
}

async function session(bus: Bus, where: string) {
  const opened = benchDeck(
    {
      repos: {
        list: async () => ({ rows: [], errors: [] }),
        details: async (entry) => ({ entry, status: [], log: [] }),
      },
      bus: deckBusOf(bus, requester),
      batches: deckBatchesFor(dir, {}),
    },
    COLUMNS,
    ROWS,
  );
  const { deck, stdout, stdin, stderr } = opened;
  const store = deck.store;
  const actions = store.getState().actions;
  const events = changeFrames();
  const instance = render(<App deck={deck} screens={screens} />, {
    stdout,
    stdin,
    stderr,
    ...THROTTLE_OFF,
    onRender: () => events.rendered(performance.now()),
  });

  // One writer hook: every frame end counts, settles the store changes waiting for it, and is offered to a key.
  let frames = 0;
  let lastFrame = '';
  let waitingKey: ((text: string, at: number) => boolean) | undefined;
  stdout.onWrite = (chunk) => {
    if (!chunk.includes(FRAME_END)) return;
    const at = stdout.lastWriteAt;
    frames++;
    events.frame(at);
    lastFrame = stripAnsi(stdout.recent);
    stdout.mark();
    if (waitingKey?.(lastFrame, at)) waitingKey = undefined;
  };
  const until = async (what: string, check: () => boolean, timeoutMs = 15_000) => {
    const deadline = performance.now() + timeoutMs;
    while (!check()) {
      if (performance.now() > deadline)
        throw new Error(`batchTab: ${what} never happened; the last frame:\n${lastFrame}`);
      await sleep(20);
    }
  };

  actions.ui.showTab('batch');
  await until('the tab', () => /No batch runs|\d+ runs?/.test(lastFrame));
  const t0 = performance.now();
  const id = await bus.queue.enqueue({ kind: 'batch', payload: payload(), requestedBy: requester });
  await until('the run in the store', () => batchRunsOf(store.getState().jobs.byId).has(id));
  actions.batches.openRun(id);
  await until('the run opened', () => cursorHint(lastFrame)?.[0] === 1);

  let byId = store.getState().jobs.byId;
  let updates = 0;
  const unsubscribe = store.subscribe((s) => {
    if (s.jobs.byId === byId) return;
    byId = s.jobs.byId;
    updates++;
    events.changed(performance.now());
  });
  const running = () => {
    const run = batchRunsOf(store.getState().jobs.byId).get(id);
    return !run || run.status === 'running' || run.status === 'paused';
  };
  const random = seededRandom(13);
  let cursor = 1;
  let missed = 0;
  /** `j` → the frame with the cursor moved, while `go()` holds; returns the samples. */
  const pressJ = async (go: () => boolean) => {
    const samples: number[] = [];
    while (go()) {
      await sleep(60 + random() * 120);
      if (cursor >= TARGETS - 1) {
        stdin.press('g');
        await sleep(100);
        cursor = 1;
      }
      const from = cursor;
      const shown = new Promise<number | undefined>((resolve) => {
        const timer = setTimeout(() => {
          waitingKey = undefined;
          resolve(undefined);
        }, KEY_TIMEOUT_MS);
        waitingKey = (text, at) => {
          const hint = cursorHint(text);
          if (!hint || hint[0] !== from + 1) return false;
          clearTimeout(timer);
          resolve(at);
          return true;
        };
      });
      const start = performance.now();
      stdin.press('j');
      const end = await shown;
      if (end === undefined) {
        if (++missed > 5)
          throw new Error(`batchTab: j drew no moved cursor 5 times; the last frame:\n${lastFrame}`);
        cursor = cursorHint(lastFrame)?.[0] ?? cursor;
        continue;
      }
      samples.push(end - start);
      cursor = from + 1;
    }
    return samples;
  };
  const measuredFrom = performance.now();
  const waitedBefore = cpuWaitMs();
  const framesBefore = frames;
  const keys = await pressJ(running);
  const wallMs = performance.now() - t0;
  const measuredS = (performance.now() - measuredFrom) / 1000;
  const waitedAfter = cpuWaitMs();
  const framesDuring = frames - framesBefore;
  unsubscribe();
  const run = batchRunsOf(store.getState().jobs.byId).get(id);
  // The same keys on the finished run: the tab's own frame cost, without the batch's work beside it.
  await sleep(500);
  let after = 0;
  const keysAfter = await pressJ(() => after++ < 60);
  store.getState().actions.ui.quit();
  await instance.waitUntilExit();
  console.log(
    heading(
      `the Batch tab, a run's details open, while a local batch of ${TARGETS} targets (\`true\`, serial ${SERIAL}) runs ${where} · 120x35, throttle off`,
    ),
  );
  console.log(
    `  the batch: ${run?.status} (${run?.counts.ok} ok, ${run?.counts.failed} failed) in ${ms(wallMs)}; ${updates} store updates of its jobs, ${framesDuring} frames in ${measuredS.toFixed(1)} s (${(framesDuring / measuredS).toFixed(0)} frames/s)`,
  );
  const pk = ['p50', 'p90', 'p99', 'max'] as const;
  console.log(statsLine('j → frame with the cursor moved', keys, pk));
  console.log(statsLine("the run's events → next frame", events.samples, pk));
  console.log(
    `    (${events.unchanged()} of them changed nothing on screen: to the render that found nothing to write)`,
  );
  console.log(statsLine('j after the run ended (1,000 rows)', keysAfter, pk));
  if (waitedBefore !== undefined && waitedAfter !== undefined)
    console.log(
      `  while the batch ran, the console's thread waited ${ms(waitedAfter - waitedBefore)} for a CPU (ready to run, the cores busy: /proc/thread-self/schedstat)`,
    );
  if (missed) console.log(`  (${missed} j presses drew no moved cursor within ${KEY_TIMEOUT_MS} ms)`);
  const p99 = summarize([...keys, ...events.samples]).p99;
  console.log(targetLine('frame p99 (keys and events)', p99, 33, 'p99'));
}
