// The Pipelines tab with many rows while a run streams (issue 14): the whole console (createDeck + App with the real
// screens, rendered by Ink with runConsole's options but throttling off, maxFps 0, as batchTab.bench does) at
// 120x35, on the embedded memory bus with the console's own handlers in this same process. The table holds
// PIPELINES local pipelines (pipelines/*.yaml, one `true` step each) and REPOS remote repositories with 30 runs
// each (a GitHub-shaped source answered from memory: the table's cost, not a provider's), and one local pipeline,
// `stream`, whose step prints STREAM_LINES lines (one every 4 ms). Measured while it runs:
//   j        keypress → Ink's write of the end of the first frame whose cursor hint moved (`12/760` → `13/760`),
//            pressed every 60–180 ms, on the table;
//   lines    the step's log open (Enter on the run, Enter on the step, following): a new line in the store →
//            the end of the next frame.
// Target: frame p99 ≤ 33 ms (30 fps).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { render } from 'ink';
import { App } from '../src/app/App';
import { configSchema } from '../src/domain/config';
import type { PipelineRun } from '../src/domain/pipelineClient';
import type { RemoteRunsRow } from '../src/domain/remoteRepo';
import { deckBusOf } from '../src/openWorkspace';
import { screens } from '../src/screens';
import { openBus } from '../src/services/bus/openBus';
import { deckPipelinesFor } from '../src/services/pipelines/deckPipelines';
import { jobHandlersFor } from '../src/worker/jobHandlers';
import { benchDeck, THROTTLE_OFF } from './lib/benchDeck';
import { FRAME_END } from './lib/fakeTerminal';
import { heading, seededRandom, sleep, statsLine, stripAnsi, summarize, targetLine } from './lib/stats.mjs';

const COLUMNS = 120;
const ROWS = 35;
const PIPELINES = Number(process.env.BENCH_PIPELINES || 250);
const REPOS = Number(process.env.BENCH_PIPELINE_REPOS || 500);
const STREAM_LINES = Number(process.env.BENCH_PIPELINE_LINES || 2000);
const KEY_TIMEOUT_MS = 3_000;
const requester = { user: 'bench', host: 'bench' };

const dir = mkdtempSync(join(tmpdir(), 'infradeck-bench-pipelinestab-'));
mkdirSync(join(dir, 'pipelines'));
writeFileSync(join(dir, 'repos.yaml'), 'repos: []\n');
for (let i = 0; i < PIPELINES; i++)
  writeFileSync(
    join(dir, 'pipelines', `p${String(i).padStart(4, '0')}.yaml`),
    'steps:\n  - name: check\n    run: ["true"]\n',
  );
// `0stream` sorts first: the table opens on it.
const streamScript = `let i=0;const t=setInterval(()=>{console.log("line "+(++i)+" of the build output");if(i>=${STREAM_LINES})clearInterval(t)},4)`;
writeFileSync(
  join(dir, 'pipelines', '0stream.yaml'),
  `name: stream\nsteps:\n  - name: lines\n    run: [${JSON.stringify(process.execPath)}, -e, ${JSON.stringify(streamScript)}]\n`,
);

/** REPOS repositories on github.com, 30 runs each, as `remoteRuns` returns them. */
function remoteRows(): RemoteRunsRow[] {
  const now = Date.now();
  const random = seededRandom(7);
  const statuses = ['passed', 'passed', 'passed', 'failed', 'cancelled'] as const;
  return Array.from({ length: REPOS }, (_, r) => {
    const path = `acme/service-${r}`;
    const runs: PipelineRun[] = Array.from({ length: 30 }, (_, k) => ({
      source: 'github',
      repo: path,
      id: String(100_000 + r * 100 + k),
      workflow: 'CI',
      workflowFile: 'ci.yml',
      branch: 'main',
      commit: 'c'.repeat(40),
      event: 'push',
      status: statuses[Math.floor(random() * statuses.length)],
      who: 'octocat',
      startedAt: now - (k + 1) * 3_600_000,
      durationMs: 60_000 + random() * 240_000,
      url: `https://github.com/${path}/actions/runs/${k}`,
    }));
    return { name: `service-${r}`, remote: { provider: 'github', host: 'github.com', path }, runs };
  });
}

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

function cursorHint(text: string, total: number): number | undefined {
  const all = [...text.matchAll(/(?<![\d-])(\d+)\/(\d+)/g)].filter((m) => Number(m[2]) === total);
  const last = all[all.length - 1];
  return last ? Number(last[1]) : undefined;
}

async function session(bus: Awaited<ReturnType<typeof openBus>>) {
  const real = deckPipelinesFor({ dataDir: dir, config: configSchema.parse({}), env: {}, tableMs: 0 });
  const rows = remoteRows();
  const opened = benchDeck(
    {
      repos: {
        list: async () => ({ rows: [], errors: [] }),
        details: async (entry) => ({ entry, status: [], log: [] }),
      },
      bus: deckBusOf(bus, requester),
      pipelines: { ...real, loadRemote: async () => ({ rows, clones: {} }) },
    },
    COLUMNS,
    ROWS,
  );
  const { deck, stdout, stdin, stderr } = opened;
  const store = deck.store;
  const actions = store.getState().actions;
  const instance = render(<App deck={deck} screens={screens} />, { stdout, stdin, stderr, ...THROTTLE_OFF });
  const total = PIPELINES + 1 + REPOS;

  let lastFrame = '';
  let changedAt: number | undefined;
  const lineFrames: number[] = [];
  let waitingKey: ((text: string, at: number) => boolean) | undefined;
  stdout.onWrite = (chunk) => {
    if (!chunk.includes(FRAME_END)) return;
    const at = stdout.lastWriteAt;
    if (changedAt !== undefined) {
      lineFrames.push(at - changedAt);
      changedAt = undefined;
    }
    lastFrame = stripAnsi(stdout.recent);
    stdout.mark();
    if (waitingKey?.(lastFrame, at)) waitingKey = undefined;
  };
  const until = async (what: string, check: () => boolean, timeoutMs = 20_000) => {
    const deadline = performance.now() + timeoutMs;
    while (!check()) {
      if (performance.now() > deadline)
        throw new Error(`pipelinesTab: ${what} never happened; the last frame:\n${lastFrame}`);
      await sleep(20);
    }
  };

  const runs = () => store.getState().jobs.byId;
  const streaming = () => [...runs().values()].some((j) => j.kind === 'pipeline' && j.status !== 'completed');
  const streamingNow = () => [...runs().values()].some((j) => j.kind === 'pipeline');
  actions.ui.showTab('pipelines');
  await until('the table', () => cursorHint(lastFrame, total) !== undefined);
  stdin.press('g');
  await until('the cursor on stream', () => cursorHint(lastFrame, total) === 1);
  stdin.press('t');
  await until('the question', () => lastFrame.includes('Run pipeline stream now?'));
  stdin.press('y');
  await until('the run', streamingNow);

  const random = seededRandom(13);
  let cursor = 1;
  const keys: number[] = [];
  let missed = 0;
  for (let i = 0; i < 25 && streaming(); i++) {
    await sleep(60 + random() * 120);
    const from = cursor;
    const shown = new Promise<number | undefined>((resolve) => {
      const timer = setTimeout(() => {
        waitingKey = undefined;
        resolve(undefined);
      }, KEY_TIMEOUT_MS);
      waitingKey = (text, at) => {
        if (cursorHint(text, total) !== from + 1) return false;
        clearTimeout(timer);
        resolve(at);
        return true;
      };
    });
    const start = performance.now();
    stdin.press('j');
    const end = await shown;
    if (end === undefined) {
      missed++;
      cursor = cursorHint(lastFrame, total) ?? cursor;
      continue;
    }
    keys.push(end - start);
    cursor = from + 1;
  }

  // The streaming step's log, followed.
  stdin.press('g');
  await until('back on stream', () => cursorHint(lastFrame, total) === 1);
  // Frames are incremental (only changed lines are written): the views are told by the store.
  stdin.press('\r');
  await until('the run view', () => (store.getState().pipelines.open?.jobs?.length ?? 0) > 0);
  stdin.press('\r');
  await until('the log', () => (store.getState().jobs.log?.lines.length ?? 0) > 0);
  let version = store.getState().jobs.log?.version;
  const unsubscribe = store.subscribe((s) => {
    if (s.jobs.log?.version === version) return;
    version = s.jobs.log?.version;
    changedAt ??= performance.now();
  });
  await until('the stream to end', () => !streaming(), 60_000);
  unsubscribe();
  store.getState().actions.ui.quit();
  await instance.waitUntilExit();

  console.log(
    heading(
      `the Pipelines tab: ${total} rows (${PIPELINES + 1} local, ${REPOS} GitHub repositories with 30 runs each) while a step streams ${STREAM_LINES} lines · 120x35, throttle off`,
    ),
  );
  const pk = ['p50', 'p90', 'p99', 'max'] as const;
  console.log(statsLine('j on the table → frame with the cursor moved', keys, pk));
  console.log(statsLine("the step's log: a new line → next frame", lineFrames, pk));
  if (missed) console.log(`  (${missed} j presses drew no moved cursor within ${KEY_TIMEOUT_MS} ms)`);
  const p99 = summarize([...keys, ...lineFrames]).p99;
  console.log(targetLine('frame p99 (keys and lines)', p99, 33, 'p99'));
}
