// Bus benchmarks: `node bench/bus.bench.mjs` (needs Redis at REDIS_URL, default redis://127.0.0.1:6379).
// Self-contained: bundles the TypeScript it needs with esbuild into a temp folder under the repository (so
// node_modules resolve), then measures, side by side in one run:
//   1. enqueue -> completed round trip (p50/p99) and jobs/s of a trivial `command` job (`true`), infradeck bus
//      over Redis vs bare BullMQ Queue + Worker + QueueEvents doing the same spawn;
//   2. the same over the memory transport.
// Event fan-out into the console's store is bench/fanout.bench.tsx.
// Prints numbers; asserts nothing about time.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Queue, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { importSources } from './lib/importSources.mjs';
import { deletePrefix } from './lib/redisKeys.mjs';

const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const roundTrips = Number(process.env.BENCH_ROUND_TRIPS || 300);
const throughputJobs = Number(process.env.BENCH_JOBS || 1000);
const concurrency = 4;
const requester = { user: 'bench', host: 'bench' };

const { openBus, jobHandlers } = await importSources('bus', [
  "export { openBus } from '../src/services/bus/openBus';",
  "export { jobHandlers } from '../src/worker/jobHandlers';",
]);

const results = [];
function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
function report(name, latencies, jobsPerSecond) {
  const sorted = [...latencies].sort((a, b) => a - b);
  const row = {
    name,
    p50: percentile(sorted, 50).toFixed(2),
    p99: percentile(sorted, 99).toFixed(2),
    jobsPerSecond: jobsPerSecond.toFixed(0),
  };
  results.push(row);
  console.log(
    `${name.padEnd(34)} p50 ${row.p50.padStart(7)} ms   p99 ${row.p99.padStart(7)} ms   ${row.jobsPerSecond.padStart(6)} jobs/s`,
  );
}
const prefix = (label) => `bench-${label}-${randomBytes(3).toString('hex')}`;

/**
 * A runner of trivial `command` jobs through a Bus; completion is seen as the `job.completed` event, the way
 * the console sees it.
 */
async function busRig(bus) {
  const waiting = new Map();
  const early = new Set();
  let completed = 0;
  let onCompleted = () => {};
  const stop = bus.events.subscribe('live', (e) => {
    if (e.type !== 'job.completed' && e.type !== 'job.failed') return;
    completed++;
    onCompleted();
    const done = waiting.get(e.jobId);
    if (done) done();
    else early.add(e.jobId); // finished before enqueue() returned its id
  });
  await new Promise((r) => setTimeout(r, 200));
  const enqueue = () =>
    bus.queue.enqueue({ kind: 'command', payload: { program: 'true' }, requestedBy: requester });
  return {
    async roundTrip() {
      const t0 = performance.now();
      const id = await enqueue();
      if (!early.delete(id)) await new Promise((r) => waiting.set(id, r));
      waiting.delete(id);
      return performance.now() - t0;
    },
    async throughput(n) {
      const target = completed + n;
      const t0 = performance.now();
      const all = new Promise((resolve) => {
        onCompleted = () => completed >= target && resolve();
      });
      await Promise.all(Array.from({ length: n }, enqueue));
      await all;
      early.clear();
      return n / ((performance.now() - t0) / 1000);
    },
    close: async () => stop(),
  };
}

/** The same work on bare BullMQ: a Worker that spawns `true`, completion seen through QueueEvents. */
async function bareRig() {
  const p = prefix('bare');
  const conns = [0, 1, 2].map(() => new Redis(redisUrl, { maxRetriesPerRequest: null }));
  const queue = new Queue('jobs', { connection: conns[0], prefix: p });
  const worker = new Worker(
    'jobs',
    () =>
      new Promise((resolve, reject) => {
        const child = spawn('true', [], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
        child.once('error', reject);
        child.once('exit', (code) => resolve({ exitCode: code }));
      }),
    { connection: conns[1], prefix: p, concurrency },
  );
  const events = new QueueEvents('jobs', { connection: conns[2], prefix: p });
  await events.waitUntilReady();
  await worker.waitUntilReady();
  const waiting = new Map();
  const early = new Set();
  let completed = 0;
  let onCompleted = () => {};
  events.on('completed', ({ jobId }) => {
    completed++;
    onCompleted();
    const done = waiting.get(jobId);
    if (done) done();
    else early.add(jobId);
  });
  const add = () => queue.add('command', { program: 'true' }, { removeOnComplete: 1000 });
  return {
    async roundTrip() {
      const t0 = performance.now();
      const job = await add();
      if (!early.delete(job.id)) await new Promise((r) => waiting.set(job.id, r));
      waiting.delete(job.id);
      return performance.now() - t0;
    },
    async throughput(n) {
      const target = completed + n;
      const t0 = performance.now();
      const all = new Promise((resolve) => {
        onCompleted = () => completed >= target && resolve();
      });
      await Promise.all(Array.from({ length: n }, add));
      await all;
      early.clear();
      return n / ((performance.now() - t0) / 1000);
    },
    async close() {
      await worker.close();
      await events.close();
      await queue.close();
      for (const c of conns) c.disconnect();
      await deletePrefix(redisUrl, p);
    },
  };
}

/** Round trips interleaved one by one (machine noise hits every rig alike), then the throughput of each. */
async function compare(rigs) {
  const latencies = rigs.map(() => []);
  for (let i = 0; i < 20; i++) for (const rig of rigs) await rig.roundTrip(); // warm up
  for (let i = 0; i < roundTrips; i++) {
    for (const [k, rig] of rigs.entries()) latencies[k].push(await rig.roundTrip());
  }
  // throughput in 5 interleaved chunks too; jobs/s = all jobs over the time spent in that rig's chunks
  const seconds = rigs.map(() => 0);
  const chunk = Math.max(1, Math.round(throughputJobs / 5));
  for (let i = 0; i < 5; i++) {
    for (const [k, rig] of rigs.entries()) seconds[k] += chunk / (await rig.throughput(chunk));
  }
  return { latencies, rates: seconds.map((s) => (chunk * 5) / s) };
}

try {
  console.log(
    `round trips: ${roundTrips} each, interleaved; throughput: ${throughputJobs} jobs, concurrency ${concurrency}; Redis ${redisUrl}\n`,
  );
  const p = prefix('deck');
  const redisBus = await openBus({ redisUrl, prefix: p, requester, eventsMaxLen: 200_000 });
  if (!(await redisBus.state.whenConnected(5000)))
    throw new Error(`Redis unreachable: ${redisBus.state.get().detail}`);
  const consumer = redisBus.consume(jobHandlers, { concurrency });
  const memoryBus = await openBus({ handlers: jobHandlers, concurrency, requester });
  const rigs = [await busRig(redisBus), await bareRig(), await busRig(memoryBus)];
  const names = ['infradeck bus over Redis', 'bare BullMQ (Queue+Worker+Events)', 'infradeck bus in memory'];
  const { latencies, rates } = await compare(rigs);
  for (const [k, name] of names.entries()) report(name, latencies[k], rates[k]);
  const p50 = (k) =>
    percentile(
      [...latencies[k]].sort((a, b) => a - b),
      50,
    );
  console.log(`infradeck over Redis / bare BullMQ, p50 round trip: ${(p50(0) / p50(1)).toFixed(2)}x`);
  for (const rig of rigs) await rig.close();
  await consumer.close({ graceMs: 1000 });
  await redisBus.close();
  await memoryBus.close();
  await deletePrefix(redisUrl, p);

  if (process.env.BENCH_JSON) console.log(JSON.stringify(results));
} finally {
}
