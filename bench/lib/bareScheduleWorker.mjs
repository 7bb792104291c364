// A bare BullMQ worker for bench/schedules.bench.mjs: `node bareScheduleWorker.mjs REDIS_URL PREFIX`.
// Its processor does what the infradeck schedule's job does (spawn `sh -c 'date +%s%3N'` detached, stdout and
// stderr piped) and returns the program's own clock, so both sides are measured the same way.
import { spawn } from 'node:child_process';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';

const [redisUrl, prefix] = process.argv.slice(2);
const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
const worker = new Worker(
  'jobs',
  () =>
    new Promise((resolve, reject) => {
      const child = spawn('sh', ['-c', 'date +%s%3N'], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
      });
      child.once('error', reject);
      // 'close', not 'exit': the program may exit before its output has been read.
      child.once('close', () => resolve({ programStartedAt: Number(out.trim()) }));
    }),
  { connection, prefix, concurrency: 2 },
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
