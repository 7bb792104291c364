import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { Bus, ConsumeOptions, JobConsumer } from '../../src/services/bus/contracts';
import { childJobId } from '../../src/services/bus/jobIds';
import { openBus } from '../../src/services/bus/openBus';
import { flowChildrenField, flowStateField } from '../../src/services/bus/redisQueue';
import { alice, waitFor, waitForStatus } from './contractSuite';
import { deletePrefix, redisUrl, skipRedis, uniquePrefix } from './redisTestEnv';

type JobChange = Parameters<NonNullable<ConsumeOptions['onJob']>>[0];

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
    let finish: () => void = () => {};
    const running = new Promise<void>((resolve) => {
      finish = resolve;
    });
    let oldStarted = false;
    let oldSaved = false;
    const changes: JobChange[] = [];
    consumer = bus.consume(
      {
        command: async (payload, ctx) => {
          if (payload.program === 'new') {
            ctx.progress(1, 3, 'the new job');
            await ctx.flow.save({ by: 'the new job' });
            return { exitCode: 0, lines: 0, droppedLines: 0 };
          }
          oldStarted = true;
          await running;
          ctx.progress(7, 9, 'the old job');
          await ctx.flow.save({ by: 'the old job' });
          oldSaved = true;
          return { exitCode: 0, lines: 0, droppedLines: 0 };
        },
      },
      { concurrency: 2, onJob: (change) => changes.push(change) },
    );
    const old = await bus.queue.enqueue({
      kind: 'command',
      payload: { program: 'old', args: [] },
      requestedBy: alice,
    });
    await waitFor('the old job to start', () => oldStarted);
    await deletePrefix(prefix);
    const fresh = await bus.queue.enqueue({
      kind: 'command',
      payload: { program: 'new', args: [] },
      requestedBy: alice,
    });
    expect(fresh).toBe(old);
    await waitForStatus(bus, fresh, 'completed');
    finish();
    await waitFor(
      'the old job to end on its worker',
      () => changes.filter((c) => c.phase === 'end').length >= 2,
    );
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
    let finish: () => void = () => {};
    const running = new Promise<void>((resolve) => {
      finish = resolve;
    });
    let childStarted = false;
    const changes: JobChange[] = [];
    consumer = bus.consume(
      {
        command: async (payload, ctx) => {
          if (payload.program === 'new') {
            ctx.progress(1, 3, 'the new job');
            return { exitCode: 0, lines: 0, droppedLines: 0 };
          }
          if (payload.program === 'child') {
            childStarted = true;
            await running;
            ctx.flow.parent?.progress(7, 9, 'the old child');
            return { exitCode: 0, lines: 0, droppedLines: 0 };
          }
          await ctx.flow.addChildren([
            {
              key: 'a',
              spec: { kind: 'command', payload: { program: 'child', args: [] }, requestedBy: alice },
            },
          ]);
          return ctx.flow.waitForChildren();
        },
      },
      { concurrency: 2, onJob: (change) => changes.push(change) },
    );
    const parent = await bus.queue.enqueue({
      kind: 'command',
      payload: { program: 'parent', args: [] },
      requestedBy: alice,
    });
    await waitFor('the child to start', () => childStarted);
    await deletePrefix(prefix);
    const fresh = await bus.queue.enqueue({
      kind: 'command',
      payload: { program: 'new', args: [] },
      requestedBy: alice,
    });
    expect(fresh).toBe(parent);
    await waitForStatus(bus, fresh, 'completed');
    finish();
    await waitFor('the child to end on its worker', () =>
      changes.some((c) => c.phase === 'end' && c.jobId !== parent),
    );
    expect(await bus.queue.get(fresh)).toMatchObject({ step: 1, total: 3, message: 'the new job' });
    const progress = (await bus.events.recent(1000))
      .filter((e) => e.jobId === fresh && e.type === 'job.progress')
      .map((e) => e.message);
    expect(progress).toEqual(['the new job']);
  });

  it('keeps none of its notes nor children on its parent, when the new job got the parent’s id', async () => {
    bus = await openBus({ redisUrl, prefix, requester: alice });
    await bus.state.whenConnected(5000);
    let finish: () => void = () => {};
    const running = new Promise<void>((resolve) => {
      finish = resolve;
    });
    let childStarted = false;
    let wrote: { note: unknown; added: unknown } | undefined;
    const changes: JobChange[] = [];
    consumer = bus.consume(
      {
        command: async (payload, ctx) => {
          if (payload.program === 'new' || payload.program === 'grandchild') {
            return { exitCode: 0, lines: 0, droppedLines: 0 };
          }
          if (payload.program === 'child') {
            childStarted = true;
            await running;
            const parent = ctx.flow.parent!;
            const note = await parent.note('passed', { by: 'the old child' }, ['passed']).catch(String);
            const added = await parent
              .addChildren([
                {
                  key: 'b',
                  spec: { kind: 'command', payload: { program: 'grandchild', args: [] }, requestedBy: alice },
                },
              ])
              .catch(String);
            wrote = { note, added };
            return { exitCode: 0, lines: 0, droppedLines: 0 };
          }
          await ctx.flow.addChildren([
            {
              key: 'a',
              spec: { kind: 'command', payload: { program: 'child', args: [] }, requestedBy: alice },
            },
          ]);
          return ctx.flow.waitForChildren();
        },
      },
      { concurrency: 2, onJob: (change) => changes.push(change) },
    );
    const parent = await bus.queue.enqueue({
      kind: 'command',
      payload: { program: 'parent', args: [] },
      requestedBy: alice,
    });
    await waitFor('the child to start', () => childStarted);
    await deletePrefix(prefix);
    const fresh = await bus.queue.enqueue({
      kind: 'command',
      payload: { program: 'new', args: [] },
      requestedBy: alice,
    });
    expect(fresh).toBe(parent);
    await waitForStatus(bus, fresh, 'completed');
    finish();
    await waitFor('the child to end on its worker', () =>
      changes.some((c) => c.phase === 'end' && c.jobId !== parent),
    );
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
