import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { Bus, JobConsumer } from '../../src/services/bus/contracts';
import { childJobId } from '../../src/services/bus/jobIds';
import { openBus } from '../../src/services/bus/openBus';
import { flowChildrenField, flowStateField } from '../../src/services/bus/redisQueue';
import { alice } from './contractSuite';
import { loseRedisWhileRunning } from './lostWhileRunning';
import { deletePrefix, redisUrl, skipRedis, uniquePrefix } from './redisTestEnv';

/**
 * Redis lost its data while a job ran (a restart without persistence): job ids start again, and a new job gets the
 * running one's id. Whatever the old job still writes — its progress, its saved flow state, its progress, notes and
 * children on its parent — must not land on the new job.
 */
describe.skipIf(skipRedis)('a job Redis lost while it ran, on the new job under its id', () => {
  const prefix = `hw-${uniquePrefix('reusedid')}`;
  let bus: Bus | undefined;
  let consumer: JobConsumer | undefined;

  afterEach(async () => {
    await consumer?.close({ graceMs: 0 });
    await bus?.close();
    await deletePrefix(prefix);
  });

  it('stores and tells none of its progress, and saves none of its flow state', async () => {
    bus = await openBus({ redisUrl, prefix, requester: alice });
    await bus.state.whenConnected(5000);
    let oldSaved = false;
    const scene = await loseRedisWhileRunning(bus, prefix, {
      held: 'job',
      after: async (ctx) => {
        ctx.progress(7, 9, 'the old job');
        await ctx.flow.save({ by: 'the old job' });
        oldSaved = true;
      },
      fresh: async (ctx) => {
        ctx.progress(1, 3, 'the new job');
        await ctx.flow.save({ by: 'the new job' });
      },
    });
    consumer = scene.consumer;
    const { changes } = scene;
    const fresh = scene.fresh!;
    expect(oldSaved).toBe(true);
    expect(changes.filter((c) => c.phase === 'end').map((c) => c.outcome)).toEqual(['completed', 'gone']);

    const view = await bus.queue.get(fresh);
    expect(view).toMatchObject({ status: 'completed', step: 1, total: 3, message: 'the new job' });
    const conn = new Redis(redisUrl);
    try {
      expect(JSON.parse((await conn.hget(`${prefix}:jobs:${fresh}`, flowStateField)) ?? 'null')).toEqual({
        by: 'the new job',
      });
    } finally {
      conn.disconnect();
    }
    // Nor told under the new job's id: a follower would show the old job's progress as the new one's.
    // (The old job's progress goes out ahead of its end, on the same connection: it is on the stream by now if ever.)
    const progress = (await bus.events.recent(1000))
      .filter((e) => e.jobId === fresh && e.type === 'job.progress')
      .map((e) => e.message);
    expect(progress).toEqual(['the new job']);
  });

  it('stores and tells none of its progress on its parent, when the new job got the parent’s id', async () => {
    bus = await openBus({ redisUrl, prefix, requester: alice });
    await bus.state.whenConnected(5000);
    const scene = await loseRedisWhileRunning(bus, prefix, {
      held: 'child',
      after: async (ctx) => ctx.flow.parent?.progress(7, 9, 'the old child'),
      fresh: async (ctx) => ctx.progress(1, 3, 'the new job'),
    });
    consumer = scene.consumer;
    const fresh = scene.fresh!;
    expect(await bus.queue.get(fresh)).toMatchObject({ step: 1, total: 3, message: 'the new job' });
    const progress = (await bus.events.recent(1000))
      .filter((e) => e.jobId === fresh && e.type === 'job.progress')
      .map((e) => e.message);
    expect(progress).toEqual(['the new job']);
  });

  it('keeps none of its notes nor children on its parent, when the new job got the parent’s id', async () => {
    bus = await openBus({ redisUrl, prefix, requester: alice });
    await bus.state.whenConnected(5000);
    let wrote: { note: unknown; added: unknown } | undefined;
    const scene = await loseRedisWhileRunning(bus, prefix, {
      held: 'child',
      after: async (ctx) => {
        const parent = ctx.flow.parent!;
        const note = await parent.note('passed', { by: 'the old child' }, ['passed']).catch(String);
        const added = await parent
          .addChildren([
            {
              key: 'b',
              spec: { kind: 'command', payload: { program: 'fresh', args: [] }, requestedBy: alice },
            },
          ])
          .catch(String);
        wrote = { note, added };
      },
      fresh: async () => {},
    });
    consumer = scene.consumer;
    const fresh = scene.fresh!;
    // Nothing kept, as for a parent that is gone: the note is not there to read, no child was queued.
    expect(wrote).toEqual({ note: undefined, added: [] });
    const conn = new Redis(redisUrl);
    try {
      const fields = await conn.hkeys(`${prefix}:jobs:${fresh}`);
      expect(fields.filter((f) => f.startsWith('deck:flow:'))).toEqual([]);
      expect(fields).not.toContain(flowChildrenField);
    } finally {
      conn.disconnect();
    }
    expect(await bus.queue.get(childJobId(fresh, 'b'))).toBeUndefined();
  });
});
