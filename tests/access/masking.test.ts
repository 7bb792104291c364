import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeckEvent } from '../../src/domain/event';
import type { JobView } from '../../src/domain/job';
import type { Bus } from '../../src/services/bus/contracts';
import { openMemoryBus } from '../../src/services/bus/memoryBus';
import { openBus } from '../../src/services/bus/openBus';
import { alice, waitFor, waitForStatus } from '../bus/contractSuite';
import { deletePrefix, redisUrl, skipRedis, uniquePrefix } from '../bus/redisTestEnv';
import {
  payloadEnv,
  probeHandler,
  type SecretShape,
  shapes,
  workerEnvName,
  workerEnvValue,
} from './maskingShapes';

// The worker works out its own secret values once, at its first job: set before any job of this file runs.
process.env[workerEnvName] = workerEnvValue;

/** One transport as the test reads it back: what it stored, not what a subscriber was shown. */
interface Transport {
  name: string;
  skip: boolean;
  open(): Promise<{ bus: Bus; stored: () => Promise<string>; cleanup: () => Promise<void> }>;
}

const transports: Transport[] = [
  {
    name: 'memory (on a workspace)',
    skip: false,
    open: async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'infradeck-masking-'));
      const bus = openMemoryBus({ requester: alice, dataDir });
      return {
        bus,
        // The job history files (each record without its payload: the request itself carries the job's env) and
        // the audit file, once the bus has written them.
        stored: async () => {
          await bus.close();
          const jobs = join(dataDir, 'jobs');
          const files = readdirSync(jobs).filter((f) => /\.(json|log)$/.test(f));
          const texts = files.map((f) => {
            const text = readFileSync(join(jobs, f), 'utf8');
            if (!f.endsWith('.json')) return text;
            const record = JSON.parse(text) as { view: Partial<JobView> };
            delete record.view.payload;
            return JSON.stringify(record);
          });
          return [...texts, readFileSync(join(dataDir, 'audit', 'audit.jsonl'), 'utf8')].join('\n');
        },
        cleanup: async () => {
          await bus.close();
          rmSync(dataDir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'redis',
    skip: skipRedis,
    open: async () => {
      const prefix = uniquePrefix('masking');
      const bus = await openBus({ redisUrl, prefix, requester: alice });
      return {
        bus,
        stored: () => dumpRedis(prefix),
        cleanup: async () => {
          await bus.close();
          await deletePrefix(prefix);
        },
      };
    },
  },
];

/**
 * Every key under the prefix, whatever its type, as text. A BullMQ job's `data` field is skipped: it is the request
 * (the payload with its own `env`), which the worker needs to run the job.
 */
async function dumpRedis(prefix: string): Promise<string> {
  const conn = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  const out: string[] = [];
  try {
    for (const key of await conn.keys(`${prefix}:*`)) {
      const type = await conn.type(key);
      if (type === 'string') out.push(`${key} ${await conn.get(key)}`);
      else if (type === 'list') out.push(`${key} ${(await conn.lrange(key, 0, -1)).join('\n')}`);
      else if (type === 'set') out.push(`${key} ${(await conn.smembers(key)).join('\n')}`);
      else if (type === 'zset') out.push(`${key} ${(await conn.zrange(key, 0, -1)).join('\n')}`);
      else if (type === 'stream') out.push(`${key} ${JSON.stringify(await conn.xrange(key, '-', '+'))}`);
      else if (type === 'hash') {
        const fields = await conn.hgetall(key);
        delete fields.data;
        out.push(`${key} ${JSON.stringify(fields)}`);
      }
    }
  } finally {
    conn.disconnect();
  }
  return out.join('\n');
}

/** The shape's secret is gone from `text` and its masked form is there (so the text really held the shape). */
function expectMasked(text: string, shape: SecretShape, where: string): void {
  expect(text.includes(shape.secret), `${shape.name}: the secret is in the ${where}`).toBe(false);
  expect(text.includes(shape.masked), `${shape.name}: "${shape.masked}" is not in the ${where}`).toBe(true);
}

for (const transport of transports) {
  describe.skipIf(transport.skip)(`secrets leave a worker masked: ${transport.name}`, () => {
    let cleanup: (() => Promise<void>) | undefined;
    let dir: string | undefined;

    afterEach(async () => {
      await cleanup?.();
      cleanup = undefined;
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('masks each shape in command output, ctx.log, event data, progress, failure message and result', async () => {
      const opened = await transport.open();
      cleanup = opened.cleanup;
      const { bus } = opened;
      expect(await bus.state.whenConnected(5000)).toBe(true);
      bus.consume({ command: probeHandler() }, { concurrency: 1, heartbeatMs: 200 });

      // The program finds the secrets some other way than its arguments (a file on the worker, its own env), so
      // the request and the audit trail never held them: whatever of them is stored came out of the job.
      dir = mkdtempSync(join(tmpdir(), 'infradeck-masking-leak-'));
      const leak = join(dir, 'leak.txt');
      const envNames = Object.keys(payloadEnv).filter((n) => n !== 'GREETING');
      writeFileSync(
        leak,
        `${shapes
          .filter((s) => !s.name.startsWith('payload env'))
          .map((s) => s.line)
          .join('\n')}\n`,
      );
      const script = [
        'cat "$1"',
        ...envNames.map((n) => `printf 'env ${n} holds %s\\n' "$${n}"`),
        'echo "$GREETING"',
      ];
      const command = await bus.queue.enqueue({
        kind: 'command',
        payload: { program: script.join('; '), args: [leak], shell: true, env: payloadEnv },
        requestedBy: alice,
      });
      const probe = await bus.queue.enqueue({
        kind: 'command',
        payload: { program: 'probe', args: [], env: payloadEnv },
        requestedBy: alice,
      });
      const fail = await bus.queue.enqueue({
        kind: 'command',
        payload: { program: 'fail', args: [], env: payloadEnv },
        requestedBy: alice,
      });
      await waitForStatus(bus, command, 'completed', 15_000);
      const probed = await waitForStatus(bus, probe, 'completed', 15_000);
      const failed = await waitForStatus(bus, fail, 'failed', 15_000);

      const commandOutput = (await bus.queue.logs(command)).map((l) => l.text).join('\n');
      // Not a secret: left as it was (masking goes by names and shapes, not everything).
      expect(commandOutput).toContain(payloadEnv.GREETING);
      const probeLogs = (await bus.queue.logs(probe)).map((l) => l.text).join('\n');
      let events: DeckEvent[] = [];
      await waitFor('the probe events', async () => {
        events = await bus.events.recent(5000);
        return events.filter((e) => e.jobId === probe && e.type === 'masking.probe').length === shapes.length;
      });
      const eventData = JSON.stringify(
        events.filter((e) => e.jobId === probe && e.type === 'masking.probe').map((e) => e.data),
      );
      const progress = [
        probed.message ?? '',
        ...events.filter((e) => e.jobId === probe && e.type === 'job.progress').map((e) => e.message),
      ].join('\n');
      const failedEvent = events.find((e) => e.jobId === fail && e.type === 'job.failed');
      expect(failedEvent).toBeDefined();

      for (const shape of shapes) {
        expectMasked(commandOutput, shape, 'command output');
        expectMasked(probeLogs, shape, "handler's ctx.log");
        expectMasked(eventData, shape, "event's data");
        expectMasked(progress, shape, 'progress message');
        expectMasked(failed.error ?? '', shape, 'failure message');
        expectMasked(JSON.stringify(failedEvent?.data), shape, 'job.failed event');
        expectMasked(JSON.stringify(failed.result), shape, "failed job's result");
        expectMasked(JSON.stringify(probed.result), shape, 'result');
      }

      // What the transport keeps (history files and audit file / every Redis key): no secret anywhere in it.
      const stored = await opened.stored();
      expect(stored).toContain('env DEPLOY_SECRET holds ***');
      for (const shape of shapes) {
        expect(
          stored.includes(shape.secret),
          `${shape.name}: the secret is stored by ${transport.name}`,
        ).toBe(false);
      }
    });
  });
}
