// A bare BullMQ worker for bench/batch.bench.mjs: `node bareBatchWorker.mjs REDIS_URL PREFIX CONCURRENCY`.
// Its processor does what a `batchTarget` job's `local` action does to run its program: spawn it with no shell,
// detached (its own process group), stdout and stderr piped and read to their end, INFRADECK_TARGET and
// INFRADECK_TARGET_HOST in its environment; and returns what the target's result holds. Nothing else: no start
// mark, no progress, no log lines, no events, no process-group sweep.
import { spawn } from 'node:child_process';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';

const [redisUrl, prefix, concurrency] = process.argv.slice(2);
const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
const worker = new Worker(
  'jobs',
  (job) =>
    new Promise((resolve, reject) => {
      const { target, action } = job.data.payload;
      const started = performance.now();
      const env = {
        PATH: process.env.PATH,
        INFRADECK_TARGET: target.name,
        INFRADECK_TARGET_HOST: target.host,
      };
      const child = spawn(action.program, action.args, {
        env,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let lastLine = '';
      const take = (chunk) => {
        const line = chunk.toString().trim().split('\n').at(-1);
        if (line) lastLine = line;
      };
      child.stdout.on('data', take);
      child.stderr.on('data', take);
      child.once('error', reject);
      // 'close', not 'exit': the program may exit before its output has been read.
      child.once('close', (code) =>
        resolve({
          exitCode: code,
          durationMs: Math.round(performance.now() - started),
          lastLine,
          timedOut: false,
        }),
      );
    }),
  { connection, prefix, concurrency: Number(concurrency) },
);
worker.on('error', () => {});
await worker.waitUntilReady();
process.stdout.write('ready\n');
const stop = async () => {
  await worker.close();
  connection.disconnect();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
