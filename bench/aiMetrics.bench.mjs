// Experiment metrics ingest benchmark (issue 15): `node bench/aiMetrics.bench.mjs` (Redis at REDIS_URL, default
// redis://127.0.0.1:6379, for the Redis rows; they are skipped without it). Prints numbers; asserts nothing.
//
// A run printing 200,000 metric points (`{"step": i, "loss": …}`, one point a line, as fast as Node writes them) as a
// real `experimentRun` job: the command runner reads its output, every line is parsed (`domain/metricLine`), the
// points go to the run's store in chunks and out as one `ai.metrics` event per 250 ms. Timed from the enqueue to the
// job's `completed` (every point stored); the ingest rate is points / that time. Against it, in the same run and
// alternating (ABBA, BENCH_AI_RUNS times each), the floor: the same program spawned with its output piped and read
// to the end, nothing parsed or stored. And the parser alone on the same lines.
//   memory: the memory transport, points appended to <workspace>/.cache/ai/metrics/<run>.jsonl
//   redis:  the Redis transport, points RPUSHed to <prefix>:metrics:<run>
// The frame time of the run view with its chart comes with the AI tab.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { importSources } from './lib/importSources.mjs';
import { deletePrefix } from './lib/redisKeys.mjs';
import { heading, ms, summarize } from './lib/stats.mjs';

const _root = join(dirname(fileURLToPath(import.meta.url)), '..');
const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const points = 200_000;
const runs = Number(process.env.BENCH_AI_RUNS ?? 3);
const requestedBy = { user: 'bench', host: 'bench' };

const generator = `
let out = '';
for (let step = 0; step < ${points}; step++) {
  out += '{"step": ' + step + ', "loss": ' + (1 / (step + 1)) + '}\\n';
  if (out.length > 1 << 16) { process.stdout.write(out); out = ''; }
}
process.stdout.write(out);
`;

await main();
// The bus bundled from the sources keeps timers of its own after close: the run is over, so is the process.
process.exit(0);

async function main() {
  const src = await importSources('ai', [
    "export { openBus } from '../src/services/bus/openBus';",
    "export { parseMetricLine } from '../src/domain/metricLine';",
    "export { experimentRunHandler } from '../src/worker/handlers/experimentRun';",
    "export { FileRunMetrics, runMetricsFolder } from '../src/services/ai/runMetrics';",
    "export { RedisRunMetrics } from '../src/services/ai/redisRunMetrics';",
  ]);
  const dir = mkdtempSync(join(tmpdir(), 'infradeck-bench-ai-'));
  try {
    writeFileSync(join(dir, 'gen.mjs'), generator);
    console.log(
      heading(
        `A run printing ${points.toLocaleString('en')} metric points (${runs} runs per side, alternating)`,
      ),
    );

    const lines = Array.from({ length: points }, (_, step) => `{"step": ${step}, "loss": ${1 / (step + 1)}}`);
    const parseMs = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      for (const line of lines) src.parseMetricLine(line);
      parseMs.push(performance.now() - t0);
    }

    const redisReachable = await reachable(redisUrl);
    const sides = {
      floor: () => floor(dir),
      memory: () => runJob(src, dir, 'memory'),
      ...(redisReachable ? { redis: () => runJob(src, dir, 'redis') } : {}),
    };
    const samples = Object.fromEntries(Object.keys(sides).map((k) => [k, []]));
    const names = Object.keys(sides);
    for (let i = 0; i < runs; i++) {
      const order = i % 2 === 0 ? names : [...names].reverse();
      for (const name of order) samples[name].push(await sides[name]());
    }

    const rate = (msValue) => `${Math.round(points / (msValue / 1000)).toLocaleString('en')} points/s`;
    const row = (label, values) => {
      const s = summarize(values);
      console.log(
        `  ${label.padEnd(50)} median ${ms(s.median).padStart(9)}  min ${ms(s.min).padStart(9)}  ${rate(s.median).padStart(18)}`,
      );
    };
    row('parser alone (parseMetricLine)', parseMs);
    row('floor: spawn, pipe, read to the end', samples.floor);
    row('experimentRun job, memory transport + file store', samples.memory);
    if (samples.redis) row('experimentRun job, Redis transport + Redis store', samples.redis);
    else console.log(`  (Redis rows skipped: nothing answers at ${redisUrl})`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** True when a Redis answers PING within a second. */
async function reachable(url) {
  const conn = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  conn.on('error', () => {});
  try {
    await conn.connect();
    return (await conn.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    conn.disconnect();
  }
}

/** The program alone: spawned like the runner spawns it, output read and dropped. */
function floor(dir) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['gen.mjs'], {
      cwd: dir,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.resume();
    child.stderr.resume();
    child.once('error', reject);
    child.once('close', () => resolve(performance.now() - t0));
  });
}

/** One run as a job; ms from enqueue to completed. Checks every point arrived (a bench of lost points is no bench). */
async function runJob(src, dir, transport) {
  const prefix = `bench-ai-${process.pid}-${randomBytes(3).toString('hex')}`;
  const workspace = join(dir, `ws-${prefix}`);
  mkdirSync(workspace, { recursive: true });
  const openStore =
    transport === 'redis'
      ? async () => new src.RedisRunMetrics({ redisUrl, prefix })
      : async () => new src.FileRunMetrics(src.runMetricsFolder(workspace));
  const bus = await src.openBus(
    transport === 'redis' ? { redisUrl, prefix, requester: requestedBy } : { requester: requestedBy },
  );
  try {
    await bus.state.whenConnected(5_000);
    bus.consume({ experimentRun: src.experimentRunHandler({ metrics: openStore }) }, { concurrency: 1 });
    const payload = {
      experiment: 'bench',
      source: { file: join(dir, 'bench.yaml') },
      argv: [process.execPath, 'gen.mjs'],
      params: {},
      env: {},
      where: { type: 'worker' },
      cwd: dir,
    };
    let done;
    const ended = new Promise((resolve) => {
      done = resolve;
    });
    const t0 = performance.now();
    const id = await bus.queue.enqueue({ kind: 'experimentRun', payload, requestedBy });
    const stop = bus.events.subscribe('live', (e) => {
      if (e.jobId === id && (e.type === 'job.completed' || e.type === 'job.failed')) done(e);
    });
    const end = await ended;
    const took = performance.now() - t0;
    stop();
    if (end.type !== 'job.completed') throw new Error(`bench run failed: ${end.message}`);
    const store = await openStore();
    const data = await store.read(id);
    await store.close();
    const stored = data.series.reduce((n, s) => n + s.points.length, 0);
    if (stored !== points) throw new Error(`bench run stored ${stored} points, not ${points}`);
    return took;
  } finally {
    await bus.close();
    if (transport === 'redis') await deletePrefix(redisUrl, prefix);
  }
}
