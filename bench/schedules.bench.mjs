// Scheduler benchmarks: `node bench/schedules.bench.mjs` (needs dist/ built and Redis at REDIS_URL, default
// redis://127.0.0.1:6379). Prints numbers; asserts nothing about time.
//   1. Tick lateness over Redis: two real `infradeck worker` processes running three schedules of schedules.yaml,
//      against two bare BullMQ workers running three bare job schedulers, at the same time, one side on even
//      seconds and the other on odd ones (swapped every block). Both run the same program (`sh -c 'date +%s%3N'`)
//      the same way (spawned detached, stdout and stderr piped); the bare worker passes its environment on as it
//      is, where the `command` kind builds a clean one. Lateness of a tick = when its job was taken (BullMQ's
//      processedOn) and when its program started (the program prints its own clock) minus the tick; and the
//      time between the two, which is the worker's own part. Target: p50 ≤ 1.2× bare BullMQ.
//   2. 1,000 schedules: parsing and validating the file, the next three runs of each (what the Scheduler tab
//      shows), and the console's start-up with them against the example workspace.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { consoleFrameDrawn } from './lib/consoleFrame.mjs';
import { importSources } from './lib/importSources.mjs';
import { runInPty, shellQuote } from './lib/pty.mjs';
import { deletePrefix } from './lib/redisKeys.mjs';
import { heading, ms, sleep, statsLine, stripAnsi, summarize } from './lib/stats.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'cli.js');
const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const blockSeconds = Number(process.env.BENCH_SCHEDULE_BLOCK_S || 18);
const blocks = Number(process.env.BENCH_SCHEDULE_BLOCKS || 4);
const startupRuns = Number(process.env.BENCH_SCHEDULE_STARTUP_RUNS || 5);
const perTick = 3;
const work = mkdtempSync(join(tmpdir(), 'infradeck-bench-schedules-'));
const children = new Set();

try {
  await lateness();
  await thousandSchedules();
} finally {
  for (const child of children) child.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
}

// --- 1. tick lateness ------------------------------------------------------------------------------

async function lateness() {
  const deck = `bench-sched-${randomBytes(3).toString('hex')}`;
  const bare = `bench-bare-${randomBytes(3).toString('hex')}`;
  const dataDir = join(work, 'lateness');
  mkdirSync(dataDir);
  const file = join(dataDir, 'schedules.yaml');
  // Both sides tick in the same run, one on even seconds and the other on odd ones, swapped every block: they
  // see the same machine and the same Redis. Redis ends a blocking wait (the one BullMQ's worker uses until a
  // delayed job is due) only on its own timer, every 1/hz s (100 ms by default) unless other traffic wakes it
  // first, so "job taken" carries a 0-100 ms offset that drifts slowly: sides measured in separate blocks of
  // seconds see different offsets, and their ratio says more about Redis's timer than about either side.
  const cronOn = (parity) => (parity === 0 ? '*/2 * * * * *' : '1-59/2 * * * * *');
  const writeSchedules = (cron) =>
    writeFileSync(
      file,
      `schedules:\n${Array.from(
        { length: perTick },
        (_, i) =>
          `  - name: tick-${i}\n    cron: "${cron ?? '* * * * * *'}"\n    enabled: ${cron !== undefined}\n    job: { run: [sh, -c, "date +%s%3N"] }\n`,
      ).join('')}`,
    );
  writeSchedules(undefined);
  const env = { ...process.env, REDIS_URL: redisUrl, INFRADECK_REDIS_PREFIX: deck, TZ: 'UTC' };
  const conn = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const deckQueue = new Queue('jobs', { connection: conn, prefix: deck });
  const bareQueue = new Queue('jobs', { connection: conn, prefix: bare });
  /** Ticks counted: from `settleMs` after both sides run their block's schedules to the block's end. */
  const windows = [];
  try {
    const workers = [0, 1].map(() =>
      start(
        process.execPath,
        [cli, 'worker', '--data', dataDir, '--concurrency', '2'],
        env,
        / worker \S+ on /,
      ),
    );
    const bareWorkers = [0, 1].map(() =>
      start(
        process.execPath,
        [join(root, 'bench', 'lib', 'bareScheduleWorker.mjs'), redisUrl, bare],
        env,
        /ready/,
      ),
    );
    await Promise.all([...workers, ...bareWorkers].map((w) => w.ready));
    const patterns = async (queue) => (await queue.getJobSchedulers(0, -1)).map((s) => s.pattern);
    const settleMs = 2000;
    for (let block = 0; block < blocks; block++) {
      const ours = cronOn(block % 2);
      const theirs = cronOn((block + 1) % 2);
      // infradeck: the workers register the file's schedules when it changes (they watch it)
      writeSchedules(ours);
      await until(async () => {
        const p = await patterns(deckQueue);
        return p.length === perTick && p.every((x) => x === ours);
      }, 'the schedules registered');
      // The bare jobs carry what infradeck's carry (kind, payload, requester, rules; attempts, retention, log
      // lines kept), so BullMQ stores, reads and trims the same jobs on both sides.
      const { template } = (await deckQueue.getJobSchedulers(0, 0))[0];
      for (let i = 0; i < perTick; i++)
        await bareQueue.upsertJobScheduler(
          `tick-${i}`,
          { pattern: theirs },
          { name: 'command', data: template?.data, opts: template?.opts },
        );
      const from = Date.now() + settleMs;
      await sleep(blockSeconds * 1000);
      windows.push([from, Date.now()]);
    }
    writeSchedules(undefined);
    for (let i = 0; i < perTick; i++) await bareQueue.removeJobScheduler(`tick-${i}`);
    await until(async () => (await patterns(deckQueue)).length === 0, 'the schedules removed');
    await sleep(2000);
    const counted = (tick) => windows.some(([from, to]) => tick >= from && tick < to);
    const ours = await samples(deckQueue, counted, async (job) => {
      const { logs } = await deckQueue.getJobLogs(job.id, 0, 5, true);
      const line = logs.map((l) => JSON.parse(l)).find((l) => l.stream === 'stdout');
      return Number(line?.text);
    });
    const theirs = await samples(bareQueue, counted, async (job) => job.returnvalue?.programStartedAt);
    console.log(
      heading(
        `tick lateness over Redis · two workers each · ${perTick} schedules each side, every other second, interleaved (one side on even seconds, the other on odd, swapped every block) · ${blocks} blocks of ${blockSeconds} s, the first ${settleMs / 1000} s of each not counted`,
      ),
    );
    const keys = ['min', 'p50', 'p90', 'p99', 'max'];
    const figures = [
      ['tick → job taken (processedOn)', 'taken'],
      ['job taken → program started', 'handover'],
      ['tick → program started', 'started'],
    ];
    for (const [label, key] of figures) {
      console.log(statsLine(`infradeck: ${label}`, ours[key], keys));
      console.log(statsLine(`bare BullMQ: ${label}`, theirs[key], keys));
    }
    const ratio = (a, b, key) => summarize(a)[key] / summarize(b)[key];
    for (const [label, key] of figures) {
      console.log(
        `  ratio infradeck / bare BullMQ, ${label}: p50 ${ratio(ours[key], theirs[key], 'p50').toFixed(2)}×, p99 ${ratio(ours[key], theirs[key], 'p99').toFixed(2)}×`,
      );
    }
    for (const [label, key] of [figures[0], figures[2]]) {
      const p50 = ratio(ours[key], theirs[key], 'p50');
      console.log(
        `  target: ${label} p50 ≤ 1.2× bare BullMQ (${p50.toFixed(2)}×) — ${p50 <= 1.2 ? 'met' : 'missed'}`,
      );
    }
    const lost = ours.missing + theirs.missing;
    if (lost) console.log(`  (${lost} jobs without a program clock were left out)`);
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await sleep(500);
    await deckQueue.close();
    await bareQueue.close();
    conn.disconnect();
    await deletePrefix(redisUrl, deck);
    await deletePrefix(redisUrl, bare);
  }
}

/** Lateness of every completed job a job scheduler made (`repeat:<scheduler>:<tick ms>`) for a counted tick. */
async function samples(queue, counted, programStart) {
  const jobs = await queue.getJobs(['completed'], 0, -1);
  const taken = [];
  const started = [];
  const handover = [];
  let missing = 0;
  for (const job of jobs) {
    const tick = Number(/:(\d+)$/.exec(job.id ?? '')?.[1]);
    if (!Number.isFinite(tick) || !job.processedOn || !counted(tick)) continue;
    taken.push(job.processedOn - tick);
    const at = await programStart(job);
    // A clock reading from before the tick is no reading (the program printed nothing).
    if (Number.isFinite(at) && at >= tick) {
      started.push(at - tick);
      handover.push(at - job.processedOn);
    } else missing++;
  }
  return { taken, started, handover, missing };
}

/**
 * A worker process whose output goes to a file, not to a pipe this process reads: an infradeck worker prints a
 * line per job and the bare one nothing, and a reader woken on every line would take CPU from one side only, at
 * the very moment its jobs start.
 */
function start(command, args, env, readyLine) {
  const log = join(work, `worker-${children.size}.log`);
  const fd = openSync(log, 'w');
  const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  children.add(child);
  child.on('exit', () => children.delete(child));
  const ready = (async () => {
    const deadline = Date.now() + 20_000;
    while (!readyLine.test(readFileSync(log, 'utf8'))) {
      if (Date.now() > deadline || child.exitCode !== null)
        throw new Error(`${args.join(' ')} did not start:\n${readFileSync(log, 'utf8')}`);
      await sleep(50);
    }
  })();
  return { child, ready };
}

async function until(check, what, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

// --- 2. 1,000 schedules ----------------------------------------------------------------------------

async function thousandSchedules() {
  const count = 1000;
  const text = `schedules:\n${Array.from({ length: count }, (_, i) => {
    const minute = i % 60;
    const zone = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Tokyo'][i % 4];
    const job = i % 2 ? `{ kind: scan, regions: [eu-west-1], buckets: false }` : `{ run: [echo, "${i}"] }`;
    return `  - name: s${i}\n    cron: "${minute} */2 * * *"\n    timezone: ${zone}\n    job: ${job}\n`;
  }).join('')}`;
  const { parseSchedulesFile, nextTicks } = await importSources('schedules', [
    "export { parseSchedulesFile } from '../src/domain/scheduleSource';",
    "export { nextTicks } from '../src/domain/scheduleCron';",
  ]);
  const parse = [];
  let parsed;
  for (let i = 0; i < 6; i++) {
    const t0 = performance.now();
    parsed = parseSchedulesFile('schedules.yaml', text, 'UTC');
    if (i > 0) parse.push(performance.now() - t0);
  }
  if (parsed.schedules.length !== count)
    throw new Error(`parsed ${parsed.schedules.length} of ${count} schedules`);
  const next = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    for (const s of parsed.schedules) nextTicks(s.cron, s.timezone, Date.now(), 3);
    next.push(performance.now() - t0);
  }
  console.log(heading(`${count} schedules (four time zones, half commands, half scans)`));
  console.log(statsLine('parse and validate schedules.yaml', parse, ['min', 'median', 'max']));
  console.log(statsLine('next 3 runs of every schedule', next, ['min', 'median', 'max']));
  console.log(
    `  per visible row of the Scheduler tab (next 3 runs): ${ms(summarize(next).median / count)}; the tab's frames are schedulerTab.bench.tsx's`,
  );

  const plain = join(work, 'startup-example');
  const many = join(work, 'startup-1000');
  cpSync(join(root, 'data'), plain, { recursive: true });
  cpSync(join(root, 'data'), many, { recursive: true });
  writeFileSync(join(many, 'schedules.yaml'), text);
  const home = join(work, 'home');
  mkdirSync(home, { recursive: true });
  const env = {
    ...process.env,
    TERM: 'xterm-256color',
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
    XDG_STATE_HOME: join(home, '.local', 'state'),
  };
  for (const name of ['CI', 'CONTINUOUS_INTEGRATION', 'INFRADECK_DATA', 'NO_COLOR', 'REDIS_URL'])
    delete env[name];
  const results = { plain: { first: [], settled: [] }, many: { first: [], settled: [] } };
  for (let i = 0; i <= startupRuns; i++) {
    for (const [key, dir] of [
      ['plain', plain],
      ['many', many],
    ]) {
      const run = await consoleStart(dir, env);
      if (i === 0) continue; // warm-up
      results[key].first.push(run.first);
      results[key].settled.push(run.settled);
    }
  }
  console.log(heading(`console start-up, 120x35 pty, ${startupRuns} runs each after a warm-up, alternating`));
  console.log(statsLine('example workspace: first frame', results.plain.first, ['min', 'median', 'max']));
  console.log(statsLine('1,000 schedules: first frame', results.many.first, ['min', 'median', 'max']));
  console.log(
    statsLine('example workspace: still for 1.5 s after', results.plain.settled, ['min', 'median', 'max']),
  );
  console.log(
    statsLine('1,000 schedules: still for 1.5 s after', results.many.settled, ['min', 'median', 'max']),
  );
  const ratio = summarize(results.many.first).median / summarize(results.plain.first).median;
  console.log(
    `  first frame with 1,000 schedules / without: ${ratio.toFixed(2)}× (schedules register 1 s after start)`,
  );
}

/** Time to the first frame (tab bar and clock drawn), and to the last frame with new content. */
async function consoleStart(dataDir, env) {
  const pty = runInPty(
    `exec ${shellQuote(process.execPath)} ${shellQuote(cli)} --data ${shellQuote(dataDir)}`,
    {
      env,
      columns: 120,
      rows: 35,
    },
  );
  let first;
  let last;
  let previous = '';
  pty.onChunk((output, at, chunk) => {
    const screen = stripAnsi(output);
    if (first === undefined && consoleFrameDrawn(screen)) first = at;
    const text = stripAnsi(chunk).replace(/\d+/g, '#').trim();
    if (text && text !== previous) {
      previous = text;
      last = at;
    }
  });
  try {
    const deadline = performance.now() + 20_000;
    // Still for 1.5 s: past the moment (1 s after start) the schedules are registered.
    while (first === undefined || performance.now() - last < 1500) {
      if (performance.now() > deadline)
        throw new Error(
          `${first === undefined ? 'no first frame (tab bar and clock) in 20 s' : 'the console did not settle'}:\n${stripAnsi(pty.output()).slice(-800)}`,
        );
      await sleep(20);
    }
    pty.write('q');
    await Promise.race([pty.exited, sleep(10_000)]);
    return { first: first - pty.startedAt, settled: last - pty.startedAt };
  } finally {
    pty.stop();
  }
}
