import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { NewAuditEntry } from '../../src/domain/audit';
import type { NewEvent } from '../../src/domain/event';
import type { Bus } from '../../src/services/bus/contracts';
import { openBus } from '../../src/services/bus/openBus';
import type { CompletedJobCheck, RedisEventBus } from '../../src/services/bus/redisEvents';
import { command } from '../../src/worker/handlers/command';
import { alice, waitFor, waitForStatus } from './contractSuite';
import { deletePrefix, redisUrl, skipRedis, uniquePrefix } from './redisTestEnv';

const event: NewEvent = {
  level: 'info',
  type: 'job.completed',
  jobId: '7',
  source: { worker: 'w1' },
  message: 'done',
};
const finish: NewAuditEntry = {
  who: alice,
  action: 'job.finish',
  jobId: '7',
  kind: 'command',
  what: 'true',
  outcome: 'completed',
};

describe.skipIf(skipRedis)('job.completed sent right behind the completion (Redis)', () => {
  const prefix = uniquePrefix('completion');
  let bus: Bus | undefined;
  let conn: Redis | undefined;

  afterEach(async () => {
    await bus?.close();
    conn?.disconnect();
    await deletePrefix(prefix);
  });

  async function open(): Promise<{ events: RedisEventBus; conn: Redis }> {
    bus = await openBus({ redisUrl, prefix, requester: alice });
    await bus.state.whenConnected(5000);
    conn = new Redis(redisUrl);
    return { events: bus.events as RedisEventBus, conn };
  }

  it('publishes only when BullMQ holds the job as completed by this worker', async () => {
    const { events, conn } = await open();
    const check: CompletedJobCheck = {
      completedSet: `${prefix}:jobs:completed`,
      jobHash: `${prefix}:jobs:7`,
      jobId: '7',
      worker: 'w1',
    };
    await conn.hset(check.jobHash, 'pb', 'w1');
    expect(await events.publishIfCompleted(conn, check, event, finish)).toBeNull(); // still active
    await conn.zadd(check.completedSet, Date.now(), '7');
    await conn.hset(check.jobHash, 'pb', 'w2');
    expect(await events.publishIfCompleted(conn, check, event, finish)).toBeNull(); // another worker's completion
    expect(await events.recent(10)).toEqual([]);
    expect(await bus!.audit.list()).toEqual([]);

    await conn.hset(check.jobHash, 'pb', 'w1');
    const id = await events.publishIfCompleted(conn, check, event, finish);
    expect(id).toMatch(/^\d+-\d+$/);
    expect((await events.recent(10)).map((e) => [e.id, e.type, e.jobId])).toEqual([
      [id, 'job.completed', '7'],
    ]);
    expect((await bus!.audit.list()).map((a) => [a.action, a.jobId, a.outcome])).toEqual([
      ['job.finish', '7', 'completed'],
    ]);
  });

  it('a worker announces its completions that way, once each', async () => {
    const { events } = await open();
    const ahead: Array<string | null> = [];
    const publishIfCompleted = events.publishIfCompleted.bind(events);
    events.publishIfCompleted = async (...args) => {
      const streamId = await publishIfCompleted(...args);
      ahead.push(streamId);
      return streamId;
    };
    bus!.consume({ command }, { concurrency: 2 });
    const ids = await Promise.all(
      [1, 2, 3].map(() =>
        bus!.queue.enqueue({ kind: 'command', payload: { program: 'true' }, requestedBy: alice }),
      ),
    );
    for (const id of ids) await waitForStatus(bus!, id, 'completed');
    await waitFor('three announcements', () => ahead.length === 3);
    expect(ahead.every((streamId) => streamId !== null)).toBe(true);
    const completed = (await events.recent(100)).filter((e) => e.type === 'job.completed');
    expect(completed.map((e) => e.jobId).sort()).toEqual([...ids].sort());
    const finished = (await bus!.audit.list()).filter((a) => a.action === 'job.finish');
    expect(finished.map((a) => [a.jobId, a.outcome]).sort()).toEqual(
      ids.map((id) => [id, 'completed']).sort(),
    );
  });
});
