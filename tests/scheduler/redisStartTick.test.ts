import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeckEvent } from '../../src/domain/event';
import { parseSchedulesFile } from '../../src/domain/scheduleSource';
import type { Bus } from '../../src/services/bus/contracts';
import { openBus } from '../../src/services/bus/openBus';
import { queueName } from '../../src/services/bus/redisQueue';
import { RedisScheduler } from '../../src/services/scheduler/redisScheduler';
import { waitFor } from '../bus/contractSuite';
import { deletePrefix, redisUrl, skipRedis, uniquePrefix } from '../bus/redisTestEnv';

describe.skipIf(skipRedis)('a tick starting on a worker over Redis (one round trip)', () => {
  const prefix = uniquePrefix('starttick');
  const toClose: Array<() => Promise<unknown>> = [];

  afterEach(async () => {
    for (const close of toClose.splice(0).reverse()) await close().catch(() => {});
    await deletePrefix(prefix);
  });

  async function registered(): Promise<{ bus: Bus; scheduler: RedisScheduler; conn: Redis; jobId: string }> {
    const bus = await openBus({ redisUrl, prefix });
    toClose.push(() => bus.close());
    const scheduler = new RedisScheduler({ redisUrl, prefix, events: bus.events });
    toClose.push(() => scheduler.close());
    const conn = new Redis(redisUrl);
    toClose.push(async () => conn.disconnect());
    // Hourly, so no worker takes it during the test: the pending job is the one started by hand below.
    const file = parseSchedulesFile(
      'schedules.yaml',
      'schedules:\n  - name: nightly\n    cron: "0 * * * *"\n    overlap: skip\n    job: { run: [echo, hi] }\n',
      'UTC',
    );
    expect((await scheduler.sync(file)).registered).toEqual(['nightly']);
    const delayed = await conn.zrange(`${prefix}:${queueName}:delayed`, 0, -1);
    const jobId = delayed.find((id) => id.startsWith('repeat:schedule:nightly:'));
    expect(jobId).toBeDefined();
    return { bus, scheduler, conn, jobId: jobId! };
  }

  const starting = (jobId: string) => ({
    jobId,
    kind: 'command',
    payload: { program: 'echo', args: ['hi'] },
    requestedBy: { user: 'schedule:nightly', host: 'here' },
  });

  it('marks the first start and audits the enqueue once, with the rules of the schedule; a second start is a take-over', async () => {
    const { bus, scheduler, jobId } = await registered();
    const tick = Number(jobId.split(':').at(-1));
    const first = await scheduler.startTick(starting(jobId));
    expect(first).toMatchObject({
      ref: { name: 'nightly', tick },
      rules: { name: 'nightly', cron: '0 * * * *', overlap: 'skip', catchUp: false },
      firstStart: true,
    });
    expect(await first!.runningBefore()).toEqual([]);
    const again = await scheduler.startTick(starting(jobId));
    expect(again?.firstStart).toBe(false);
    const enqueues = (await bus.audit.list()).filter((e) => e.action === 'job.enqueue' && e.jobId === jobId);
    expect(enqueues).toHaveLength(1);
    // BullMQ made the job: its `job.queued` is said at the first start, as its enqueue is audited, and only then.
    const seen: DeckEvent[] = [];
    const off = bus.events.subscribe('0', (e) => seen.push(e));
    toClose.push(async () => off());
    const queued = await waitFor('the tick said queued', () => {
      const found = seen.filter((e) => e.type === 'job.queued');
      return found.length ? found : undefined;
    });
    // Said before the second start was asked: a duplicate would be on the stream by now.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(seen.filter((e) => e.type === 'job.queued').map((e) => e.jobId)).toEqual([jobId]);
    expect(queued[0]).toMatchObject({ source: { user: 'schedule:nightly' }, data: { kind: 'command' } });
    expect(enqueues[0]).toMatchObject({ who: { user: 'schedule:nightly' }, kind: 'command', at: tick });
    expect(enqueues[0].what).toContain('echo');
  });

  it('answers with the runs of the same schedule for earlier ticks that were active at that moment', async () => {
    const { scheduler, conn, jobId } = await registered();
    const tick = Number(jobId.split(':').at(-1));
    const active = `${prefix}:${queueName}:active`;
    const earlier = `repeat:schedule:nightly:${tick - 3_600_000}`;
    await conn.lpush(active, earlier, `repeat:schedule:other:${tick - 3_600_000}`, jobId);
    const start = await scheduler.startTick(starting(jobId));
    // Ended after the start was marked: the answer is what was running then.
    await conn.lrem(active, 0, earlier);
    expect(await start!.runningBefore()).toEqual([{ id: earlier, tick: tick - 3_600_000 }]);
  });

  it('a job that is gone, or not a tick, has no tick', async () => {
    const { scheduler } = await registered();
    expect(await scheduler.startTick(starting('repeat:schedule:nightly:1000'))).toBeUndefined();
    expect(await scheduler.startTick(starting('42'))).toBeUndefined();
  });
});
