import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { noSchedulesFile, parseSchedulesFile } from '../../src/domain/scheduleSource';
import type { Bus } from '../../src/services/bus/contracts';
import { openMemoryBus } from '../../src/services/bus/memoryBus';
import { openBus } from '../../src/services/bus/openBus';
import { MemoryScheduler } from '../../src/services/scheduler/memoryScheduler';
import { RedisScheduler } from '../../src/services/scheduler/redisScheduler';
import type { Scheduler } from '../../src/services/scheduler/scheduler';
import { deletePrefix, redisUrl, skipRedis, uniquePrefix } from '../bus/redisTestEnv';

const file = parseSchedulesFile(
  'schedules.yaml',
  `schedules:
  - name: nightly
    cron: "30 2 * * *"
    job: { run: [echo, hi] }
  - name: hourly
    cron: "@hourly"
    job: { run: [echo, tick] }
`,
  'UTC',
);

let dir: string | undefined;
let bus: Bus | undefined;
let scheduler: Scheduler | undefined;
let prefix: string | undefined;
afterEach(async () => {
  await scheduler?.close();
  await bus?.close();
  if (prefix) await deletePrefix(prefix);
  if (dir) rmSync(dir, { recursive: true, force: true });
  scheduler = bus = prefix = dir = undefined;
});

// What the Scheduler tab says when schedules.yaml is deleted rests on this difference between the transports.
describe('schedules.yaml deleted', () => {
  it('in-process: the scheduler drops every schedule it ran', async () => {
    dir = mkdtempSync(join(tmpdir(), 'infradeck-gone-'));
    bus = openMemoryBus({});
    scheduler = new MemoryScheduler({ queue: bus.queue, dataDir: dir });
    await scheduler.sync(file);
    expect([...(await scheduler.registered()).keys()].sort()).toEqual(['hourly', 'nightly']);
    const report = await scheduler.sync(noSchedulesFile('schedules.yaml'));
    expect(report.removed.sort()).toEqual(['hourly', 'nightly']);
    expect((await scheduler.registered()).size).toBe(0);
  });

  it.skipIf(skipRedis)(
    'over Redis: the job schedulers stay, each with a pending tick the queue lists as repeat:schedule:NAME:TICK',
    async () => {
      prefix = uniquePrefix('sched-gone');
      bus = await openBus({ redisUrl, prefix });
      scheduler = new RedisScheduler({ redisUrl, prefix });
      await scheduler.sync(file);
      const report = await scheduler.sync(noSchedulesFile('schedules.yaml'));
      expect(report.notRunning).toMatch(/registrations left as they are/);
      expect([...(await scheduler.registered()).keys()].sort()).toEqual(['hourly', 'nightly']);
      // What the tab reads (read-only): the pending ticks, one per registration.
      const pending = await bus.queue.list({ status: ['queued', 'waiting', 'delayed'], limit: 100 });
      expect(
        pending
          .map((j) => /^repeat:schedule:(.+):\d+$/.exec(j.id)?.[1])
          .filter(Boolean)
          .sort(),
      ).toEqual(['hourly', 'nightly']);
    },
  );
});
