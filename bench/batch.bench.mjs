// Batch benchmark (issue 13): `node bench/batch.bench.mjs` (needs dist/ built and Redis at REDIS_URL, default
// redis://127.0.0.1:6379). Prints numbers; asserts nothing about time.
//
// A `local` batch of 1,000 targets running `true`, serial 100 (10 waves), run by two real `infradeck worker`
// processes (the built CLI, `--data` an empty temp workspace, `--concurrency` BENCH_BATCH_CONCURRENCY each,
// default 50, so a wave of 100 runs at once over the two). The batch is planned by the CLI's own functions
// (adHocBatch, resolveTargets, planBatch, batchPayload: what `infradeck batch run --targets host-1.invalid,…
// --local --serial 100 --yes -- true` queues) and queued on the infradeck bus from this process, as the console
// does; its end is the batch's `job.completed` event as the console sees it.
//
// Against it, in the same run (the two sides alternate, ABBA, BENCH_BATCH_RUNS times each), two bare BullMQ
// workers (bench/lib/bareBatchWorker.mjs, same concurrency) and a bare parent here: 10 waves of 100 jobs, each
// wave one `Queue.addBulk` whose end is the last of its 100 `completed` events (QueueEvents), then the next.
// How alike they are:
//   - the same program (`true`) started the same way: no shell, detached (own process group), stdout and stderr
//     piped and read to the end, INFRADECK_TARGET and INFRADECK_TARGET_HOST set; the bare one's environment is
//     PATH and those two, infradeck's the `command` kind's allowed list;
//   - the same job data (the `batchTarget` payload: batch, wave, target, action, timeout) and the same retention
//     (kept by age), one attempt;
//   - what only infradeck does: the batch is a BullMQ parent job that a worker runs again after every wave (reads
//     all its children, logs a line per ended target, saves its state, adds the next wave as BullMQ children with
//     a `job.queued` event and an audit entry each); every target saves a start mark (never twice on a host),
//     reports progress, publishes `job.started`/`job.completed` and appends to the job's run record, and sweeps
//     its process group when the program ends. That is the work the ratio prices.
// Wall time: from the enqueue (infradeck) / the first addBulk (bare) to the moment this process sees the end.
// Per-target latency: BullMQ's own stamps of each target's job, queued (`timestamp`) → finished (`finishedOn`).
// Per wave (from the same stamps, median over the 10 waves): adding the wave's jobs (first to last `timestamp`),
// the last add to the wave's last end, and the wave's last end to the next wave's first add.
//
// The Batch tab's frame time while a batch runs is bench/batchTab.bench.tsx.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { importSources } from './lib/importSources.mjs';
import { deletePrefix } from './lib/redisKeys.mjs';
import { heading, sleep, statsLine, summarize } from './lib/stats.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// BENCH_BATCH_CLI: another build of the CLI for the infradeck workers (a fix measured before it is merged).
const cli = process.env.BENCH_BATCH_CLI || join(root, 'dist', 'cli.js');
const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const targetCount = Number(process.env.BENCH_BATCH_TARGETS || 1000);
const serial = Number(process.env.BENCH_BATCH_SERIAL || 100);
const concurrency = Number(process.env.BENCH_BATCH_CONCURRENCY || 50);
const runs = Number(process.env.BENCH_BATCH_RUNS || 2);
const cpuProfDir = process.env.BENCH_BATCH_CPU_PROF; // a folder: the infradeck workers run with --cpu-prof
const work = mkdtempSync(join(tmpdir(), 'infradeck-bench-batch-'));
const children = new Set();
const requester = { user: 'bench', host: 'bench' };

const { openBus, adHocBatch, resolveTargets, planBatch, batchPayload, targetWords } = await importSources(
  'batch',
  [
    "export { openBus } from '../src/services/bus/openBus';",
    "export { adHocBatch, targetWords } from '../src/domain/batch';",
    "export { resolveTargets } from '../src/domain/batchTargets';",
    "export { planBatch } from '../src/domain/batchPlan';",
    "export { batchPayload } from '../src/domain/batchRun';",
  ],
);
const deckPrefix = `bench-batch-${randomBytes(3).toString('hex')}`;
const barePrefix = `bench-batchbare-${randomBytes(3).toString('hex')}`;

try {
  await compare();
} finally {
  for (const child of children) child.kill('SIGKILL');
  await deletePrefix(redisUrl, deckPrefix);
  await deletePrefix(redisUrl, barePrefix);
  rmSync(work, { recursive: true, force: true });
}

async function compare() {
  const dataDir = join(work, 'data');
  mkdirSync(dataDir);
  const env = { ...process.env, REDIS_URL: redisUrl, INFRADECK_REDIS_PREFIX: deckPrefix };
  const profile = cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : [];
  const workers = [0, 1].map(() =>
    start(
      process.execPath,
      [...profile, cli, 'worker', '--data', dataDir, '--concurrency', String(concurrency)],
      env,
      / worker \S+ on /,
    ),
  );
  const bareWorkers = [0, 1].map(() =>
    start(
      process.execPath,
      [join(root, 'bench', 'lib', 'bareBatchWorker.mjs'), redisUrl, barePrefix, String(concurrency)],
      env,
      /ready/,
    ),
  );
  await Promise.all([...workers, ...bareWorkers].map((w) => w.ready));

  const bus = await openBus({ redisUrl, prefix: deckPrefix, requester, env: {} });
  if (!(await bus.state.whenConnected(10_000)))
    throw new Error(`batch: Redis at ${redisUrl} does not answer`);
  const conns = [0, 1, 2].map(() => new Redis(redisUrl, { maxRetriesPerRequest: null }));
  const bareQueue = new Queue('jobs', { connection: conns[0], prefix: barePrefix });
  const bareEvents = new QueueEvents('jobs', { connection: conns[1], prefix: barePrefix });
  await bareEvents.waitUntilReady();
  const payload = plannedPayload();

  const ours = [];
  const theirs = [];
  try {
    // A warm-up of each (one wave's worth) so neither side pays for its first spawn, script load or JIT.
    await deckRun(bus, conns[2], { ...payload, targets: payload.targets.slice(0, serial) });
    await bareRun(bareQueue, bareEvents, conns[2], payload.targets.slice(0, serial), 'warm');
    for (let i = 0; i < runs; i++) {
      const order = i % 2 === 0 ? ['deck', 'bare'] : ['bare', 'deck'];
      for (const side of order) {
        if (side === 'deck') ours.push(await deckRun(bus, conns[2], payload));
        else theirs.push(await bareRun(bareQueue, bareEvents, conns[2], payload.targets, `r${i}`));
      }
    }
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await sleep(500);
    await bus.close();
    await bareQueue.close();
    await bareEvents.close();
    for (const c of conns) c.disconnect();
  }
  report(ours, theirs);
}

/** The payload `infradeck batch run --targets … --local --serial N --yes -- true` queues, from the same functions. */
function plannedPayload() {
  const names = Array.from({ length: targetCount }, (_, i) => `host-${i + 1}.invalid`).join(',');
  const checked = adHocBatch({
    name: 'bench',
    targets: [{ names: targetWords(names) }],
    action: { type: 'local', program: 'true', args: [] },
    serial: String(serial),
  });
  if (!checked.ok)
    throw new Error(`batch: ${checked.errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`);
  const resolved = resolveTargets(checked.batch.targets, { servers: [], resources: [] });
  if (!resolved.ok || resolved.targets.length !== targetCount)
    throw new Error(`batch: the ${targetCount} addresses did not resolve`);
  return batchPayload(planBatch(checked.batch, resolved.targets));
}

/** One batch on the infradeck workers: enqueue → the batch's end as its event, and its children's stamps. */
async function deckRun(bus, conn, payload) {
  let id;
  const early = [];
  let ended;
  const end = new Promise((resolve) => {
    ended = resolve;
  });
  let events = 0;
  const onEvent = (e) => {
    if (e.jobId !== id && !e.jobId?.startsWith(`${id}.`)) return;
    events++;
    const final = e.type === 'job.completed' || e.type === 'job.cancelled' || e.type === 'job.failed';
    if (e.jobId === id && final && !e.data?.willRetry) ended({ at: performance.now(), type: e.type });
  };
  const stop = bus.events.subscribe('live', (e) => (id === undefined ? early.push(e) : onEvent(e)));
  await sleep(200);
  const t0 = performance.now();
  id = await bus.queue.enqueue({ kind: 'batch', payload, requestedBy: requester });
  for (const e of early.splice(0)) onEvent(e);
  let timer;
  const timeout = new Promise((resolve) => {
    timer = setTimeout(() => resolve({ at: Number.NaN, type: 'timeout' }), 300_000);
  });
  const done = await Promise.race([end, timeout]);
  clearTimeout(timer);
  stop();
  if (done.type !== 'job.completed') throw new Error(`batch: run ${id} ended ${done.type}`);
  // The parent keeps its children's ids (src/services/bus/redisQueue.ts, flowChildrenField).
  const ids = ((await conn.hget(`${deckPrefix}:jobs:${id}`, 'deck:flow:children')) ?? '').split('\n');
  const stamps = await stampsOf(conn, deckPrefix, ids.filter(Boolean));
  // BullMQ trims the queue's whole completed set to the newest 1,000 when a job kept by count (the batch itself)
  // completes: with 1,001 finished jobs the oldest target's job is gone by the time the batch's end is seen
  // (src/services/bus/redisQueue.ts keepFinished; see bench/README.md). Those are counted, not measured.
  const trimmed = payload.targets.length - stamps.length;
  if (trimmed > payload.targets.length / 100)
    throw new Error(`batch: run ${id} has ${stamps.length} of ${payload.targets.length} targets' jobs`);
  // Each run starts from an empty completed set, so each loses the same (one, at 1,000 targets).
  const queue = new Queue('jobs', { connection: conn, prefix: deckPrefix });
  await queue.clean(0, 1_000_000, 'completed');
  await queue.close();
  return { wallMs: done.at - t0, stamps, events, trimmed };
}

/** The same targets on the bare workers: a wave is one addBulk, waited for through QueueEvents. */
async function bareRun(queue, queueEvents, conn, targets, tag) {
  const waiting = new Map();
  const onCompleted = ({ jobId }) => waiting.get(jobId)?.();
  const onFailed = ({ jobId, failedReason }) => {
    if (waiting.has(jobId)) throw new Error(`batch: bare job ${jobId} failed: ${failedReason}`);
  };
  queueEvents.on('completed', onCompleted);
  queueEvents.on('failed', onFailed);
  const t0 = performance.now();
  const action = { type: 'local', program: 'true', args: [] };
  for (let w = 0; w * serial < targets.length; w++) {
    const wave = targets.slice(w * serial, (w + 1) * serial);
    const jobs = wave.map((target) => ({
      name: 'batchTarget',
      data: {
        v: 1,
        payload: { batch: 'bench', wave: w + 1, target, action, timeoutMs: 600_000 },
        requestedBy: requester,
        timeoutMs: 630_000,
        childKey: target.key,
      },
      opts: {
        jobId: `${tag}-${w + 1}-${target.key}`,
        attempts: 1,
        removeOnComplete: { age: 3600 },
        removeOnFail: { age: 3600 },
      },
    }));
    const all = Promise.all(jobs.map((j) => new Promise((resolve) => waiting.set(j.opts.jobId, resolve))));
    await queue.addBulk(jobs);
    await all;
    waiting.clear();
  }
  const wallMs = performance.now() - t0;
  queueEvents.off('completed', onCompleted);
  queueEvents.off('failed', onFailed);
  const stamps = await stampsOf(
    conn,
    barePrefix,
    targets.flatMap((t, i) => (t ? [`${tag}-${Math.floor(i / serial) + 1}-${t.key}`] : [])),
  );
  if (stamps.length !== targets.length)
    throw new Error(`batch: bare run ${tag} has ${stamps.length} of ${targets.length} jobs`);
  return { wallMs, stamps };
}

/** [queued, taken, finished, wave] of these jobs (those that exist), in the order they were queued. */
async function stampsOf(conn, prefix, ids) {
  const pipeline = conn.pipeline();
  for (const id of ids)
    pipeline.hmget(`${prefix}:jobs:${id}`, 'timestamp', 'processedOn', 'finishedOn', 'data');
  const rows = (await pipeline.exec()).flatMap(([, [queued, taken, finished, data]]) =>
    data ? [[Number(queued), Number(taken), Number(finished), JSON.parse(data).payload.wave]] : [],
  );
  return rows.sort((a, b) => a[0] - b[0]);
}

/** Per wave, from the jobs' stamps: adding them, the last add to the last end, the last end to the next wave. */
function wavePhases(stamps) {
  const add = [];
  const tail = [];
  const gap = [];
  let previousEnd;
  const waves = Math.max(...stamps.map((s) => s[3]));
  for (let w = 1; w <= waves; w++) {
    const wave = stamps.filter((s) => s[3] === w);
    const first = Math.min(...wave.map((s) => s[0]));
    const last = Math.max(...wave.map((s) => s[0]));
    const end = Math.max(...wave.map((s) => s[2]));
    add.push(last - first);
    tail.push(end - last);
    if (previousEnd !== undefined) gap.push(first - previousEnd);
    previousEnd = end;
  }
  return { add, tail, gap };
}

function report(ours, theirs) {
  const waves = Math.ceil(targetCount / serial);
  console.log(
    heading(
      `a local batch of ${targetCount} targets running \`true\`, serial ${serial} (${waves} waves), two workers at concurrency ${concurrency} each · ${runs} runs each side, alternating`,
    ),
  );
  const keys = ['min', 'mean', 'max'];
  const wall = (rs) => rs.map((r) => r.wallMs);
  console.log(statsLine('infradeck: enqueue → batch completed', wall(ours), keys));
  console.log(statsLine('bare BullMQ: first addBulk → last completed', wall(theirs), keys));
  const latency = (rs) => rs.flatMap((r) => r.stamps.map((s) => s[2] - s[0]));
  const pk = ['p50', 'p90', 'p99', 'max'];
  console.log(statsLine('infradeck: target queued → finished', latency(ours), pk));
  console.log(statsLine('bare BullMQ: target queued → finished', latency(theirs), pk));
  const taken = (rs) => rs.flatMap((r) => r.stamps.map((s) => s[1] - s[0]));
  console.log(statsLine('infradeck: target queued → taken', taken(ours), pk));
  console.log(statsLine('bare BullMQ: target queued → taken', taken(theirs), pk));
  for (const [label, key] of [
    ["adding a wave's jobs", 'add'],
    ["last add → wave's last end", 'tail'],
    ["wave's end → next wave's first add", 'gap'],
  ]) {
    const of = (rs) => rs.flatMap((r) => wavePhases(r.stamps)[key]);
    console.log(statsLine(`infradeck: ${label}`, of(ours), ['min', 'median', 'max']));
    console.log(statsLine(`bare BullMQ: ${label}`, of(theirs), ['min', 'median', 'max']));
  }
  const events = summarize(ours.map((r) => r.events)).median;
  console.log(`  infradeck: ${events} events of the batch and its targets per run`);
  const trimmed = ours.reduce((n, r) => n + r.trimmed, 0);
  if (trimmed)
    console.log(
      `  (${trimmed} of ${ours.length * targetCount} infradeck targets' jobs were gone when the batch ended: BullMQ's count trim of the completed set; not measured)`,
    );
  // The machine's load moves both sides: each run is set against the other side's run next to it, and the
  // target is judged on the sums.
  const pairs = ours.map((r, i) => `${(r.wallMs / theirs[i].wallMs).toFixed(2)}×`);
  const sum = (rs) => rs.reduce((n, r) => n + r.wallMs, 0);
  const ratio = sum(ours) / sum(theirs);
  console.log(
    `  wall time, infradeck / bare BullMQ: ${ratio.toFixed(2)}× over all runs (each run against its neighbour: ${pairs.join(', ')})`,
  );
  console.log(
    `  target: batch wall time ≤ 1.5× bare BullMQ (${ratio.toFixed(2)}×) — ${ratio <= 1.5 ? 'met' : 'missed'}`,
  );
}

/** A process whose output goes to a file (an infradeck worker prints a line per job; reading it would cost CPU). */
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
