// The AI tab's run view with a 200,000-point run (issue 15): the whole console (createDeck + App with the real
// screens, rendered by Ink with runConsole's options but throttling off, maxFps 0, as pipelinesTab.bench does) at
// 120x35, on the embedded memory bus with the console's own handlers in this same process. An experiment prints
// BIG_STEPS steps of `loss` and `acc` (2 x BIG_STEPS points, 200,000 by default) into the workspace's metrics
// store; then its run view is opened, the chart visible. Measured:
//   m        keypress → the end of its frame: the other metric charted (its 100,000 points fitted to the pane);
//   j/k      keypress → frame: the log scrolled under the chart (the chart is not computed again);
//   live     a second run streaming STREAM_STEPS steps, its view open: a chart update in the store (its points,
//            at most every 250 ms) → the end of the next frame, the fitted series growing to 2 x STREAM_STEPS points.
// Target: frame p99 ≤ 16 ms.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { render } from 'ink';
import { App } from '../src/app/App';
import { deckBusOf } from '../src/openWorkspace';
import { screens } from '../src/screens';
import { deckAiFor } from '../src/services/ai/deckAi';
import { openBus } from '../src/services/bus/openBus';
import { jobHandlersFor } from '../src/worker/jobHandlers';
import { benchDeck, THROTTLE_OFF } from './lib/benchDeck';
import { FRAME_END, nextFrameWritten } from './lib/fakeTerminal';
import { heading, sleep, statsLine, summarize, targetLine } from './lib/stats.mjs';

const COLUMNS = 120;
const ROWS = 35;
const BIG_STEPS = Number(process.env.BENCH_AI_STEPS || 100_000);
const STREAM_STEPS = Number(process.env.BENCH_AI_STREAM_STEPS || 100_000);
const PRESSES = 40;
const requester = { user: 'bench', host: 'bench' };

const dir = mkdtempSync(join(tmpdir(), 'infradeck-bench-aitab-'));
mkdirSync(join(dir, 'ai', 'experiments'), { recursive: true });
// `steps` lines of two metrics, written in 64 KB chunks; `pace` ms between chunks (0: as fast as it can).
writeFileSync(
  join(dir, 'ai', 'train.mjs'),
  `const steps = Number(process.argv[2]); const pace = Number(process.argv[3]);
let chunk = '';
const flush = () => new Promise((r) => { process.stdout.write(chunk, r); chunk = ''; });
for (let step = 1; step <= steps; step++) {
  chunk += JSON.stringify({ step, loss: 2 / Math.sqrt(step) + (step % 997 === 0 ? 1 : 0), acc: 1 - 1 / Math.sqrt(step) }) + '\\n';
  if (step % 100 === 0) chunk += 'step ' + step + ' of ' + steps + '\\n';
  if (chunk.length > 65536) { await flush(); if (pace) await new Promise((r) => setTimeout(r, pace)); }
}
await flush();
console.log('done');
`,
);
writeFileSync(
  join(dir, 'ai', 'experiments', 'big.yaml'),
  'command: [node, ai/train.mjs, "{steps}", "{pace}"]\nparams: { steps: 1, pace: 0 }\nmetric: loss\n',
);
writeFileSync(join(dir, 'repos.yaml'), 'repos: []\n');

try {
  const bus = await openBus({ handlers: jobHandlersFor({ dataDir: dir }), requester, env: {} });
  try {
    await session(bus);
  } finally {
    await bus.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

async function session(bus: Awaited<ReturnType<typeof openBus>>) {
  const ai = deckAiFor({ dataDir: dir, env: {} });
  const opened = benchDeck(
    {
      repos: {
        list: async () => ({ rows: [], errors: [] }),
        details: async (entry) => ({ entry, status: [], log: [] }),
      },
      bus: deckBusOf(bus, requester),
      ai,
    },
    COLUMNS,
    ROWS,
  );
  const { deck, stdout, stdin, stderr } = opened;
  const store = deck.store;
  const actions = store.getState().actions;
  const instance = render(<App deck={deck} screens={screens} />, { stdout, stdin, stderr, ...THROTTLE_OFF });
  const until = async (what: string, check: () => boolean, timeoutMs = 120_000) => {
    const deadline = performance.now() + timeoutMs;
    while (!check()) {
      if (performance.now() > deadline) throw new Error(`aiTab: ${what} never happened`);
      await sleep(20);
    }
  };
  const status = (id: string) => store.getState().jobs.byId.get(id)?.status;
  const pressed = async (bytes: string) => {
    const frame = nextFrameWritten(stdout, 2_000);
    const start = performance.now();
    stdin.press(bytes);
    const end = await frame;
    return end === undefined ? undefined : end - start;
  };

  // The big run, to its end, before the tab opens.
  actions.ui.showTab('ai');
  await until('the experiment', () => (store.getState().ai.experiments?.length ?? 0) > 0);
  const started = performance.now();
  await actions.ai.start('big', { steps: String(BIG_STEPS) });
  await actions.ai.fetchRuns();
  const [big] = [...store.getState().jobs.byId.values()].filter((j) => j.kind === 'experimentRun');
  await until('the big run', () => status(big.id) === 'completed');
  const ranMs = performance.now() - started;

  actions.ai.openExperiment('big');
  // Open → the first frame written once the whole series is in the state (a frame can be written before this
  // process looks: waiting for the next one would time out).
  let chartAt: number | undefined;
  let drawnAt: number | undefined;
  const charted = (s = store.getState()) =>
    (s.ai.charts[big.id]?.series.get('loss')?.length ?? 0) === BIG_STEPS;
  const stopCharting = store.subscribe((s) => {
    if (chartAt === undefined && charted(s)) chartAt = performance.now();
  });
  stdout.onWrite = (chunk) => {
    if (chunk.includes(FRAME_END) && chartAt !== undefined) drawnAt ??= stdout.lastWriteAt;
  };
  const openStart = performance.now();
  await actions.ai.openRun(big.id);
  await until('the chart drawn', () => drawnAt !== undefined);
  stdout.onWrite = undefined;
  stopCharting();
  const openMs = (drawnAt ?? 0) - openStart;
  await sleep(200);

  const metricFrames: number[] = [];
  const scrollFrames: number[] = [];
  for (let i = 0; i < PRESSES; i++) {
    const m = await pressed('m');
    if (m !== undefined) metricFrames.push(m);
    await sleep(30);
    const j = await pressed(i % 2 ? 'j' : 'k');
    if (j !== undefined) scrollFrames.push(j);
    await sleep(30);
  }

  // A run streaming while its view is open: chart updates → frames.
  actions.ai.back();
  await actions.ai.start('big', { steps: String(STREAM_STEPS), pace: '50' });
  await actions.ai.fetchRuns();
  const live = [...store.getState().jobs.byId.values()].find(
    (j) => j.kind === 'experimentRun' && j.id !== big.id,
  );
  if (!live) throw new Error('aiTab: the streaming run was not listed');
  await actions.ai.openRun(live.id);
  const liveFrames: number[] = [];
  let changedAt: number | undefined;
  let version = store.getState().ai.charts[live.id]?.version;
  stdout.onWrite = (chunk) => {
    if (!chunk.includes(FRAME_END) || changedAt === undefined) return;
    liveFrames.push(stdout.lastWriteAt - changedAt);
    changedAt = undefined;
  };
  const unsubscribe = store.subscribe((s) => {
    const v = s.ai.charts[live.id]?.version;
    if (v === version) return;
    version = v;
    changedAt ??= performance.now();
  });
  await until('the streaming run', () => status(live.id) === 'completed');
  unsubscribe();
  stdout.onWrite = undefined;
  const livePoints = store.getState().ai.charts[live.id]?.series.get('loss')?.length ?? 0;
  store.getState().actions.ui.quit();
  await instance.waitUntilExit();

  const load = loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');
  console.log(
    heading(
      `the AI tab's run view: a run of ${2 * BIG_STEPS} metric points (loss, acc) charted at 120x35, throttle off · load average ${load}`,
    ),
  );
  console.log(
    `  the run: ${(ranMs / 1000).toFixed(1)} s; its view opened (store read, chart drawn) in ${Math.round(openMs)} ms`,
  );
  const pk = ['p50', 'p90', 'p99', 'max'] as const;
  console.log(statsLine('m: the other metric charted → frame', metricFrames, pk));
  console.log(statsLine('j/k: the log scrolled under the chart → frame', scrollFrames, pk));
  console.log(
    statsLine(
      `live: a chart update → frame (${liveFrames.length} updates; ${livePoints} points of loss streamed in)`,
      liveFrames,
      pk,
    ),
  );
  const p99 = summarize([...metricFrames, ...scrollFrames, ...liveFrames]).p99;
  console.log(targetLine('run view frame p99 (m, j/k, live)', p99, 16, 'p99'));
}
