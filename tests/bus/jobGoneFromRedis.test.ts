import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { Bus, ConsumeOptions, JobConsumer } from '../../src/services/bus/contracts';
import { openBus } from '../../src/services/bus/openBus';
import { alice, waitFor } from './contractSuite';
import { deletePrefix, redisUrl, skipRedis, uniquePrefix } from './redisTestEnv';

type JobChange = Parameters<NonNullable<ConsumeOptions['onJob']>>[0];

describe.skipIf(skipRedis)('a job Redis lost while a worker ran it', () => {
  const prefix = uniquePrefix('jobgone');
  let bus: Bus | undefined;
  let consumer: JobConsumer | undefined;

  afterEach(async () => {
    await consumer?.close({ graceMs: 0 });
    await bus?.close();
    await deletePrefix(prefix);
  });

  it('its worker says the job is gone from Redis, not that it completed, and stores nothing of it', async () => {
    bus = await openBus({ redisUrl, prefix, requester: alice });
    await bus.state.whenConnected(5000);
    let finish: () => void = () => {};
    const running = new Promise<void>((resolve) => {
      finish = resolve;
    });
    let started = false;
    const changes: JobChange[] = [];
    consumer = bus.consume(
      {
        command: async () => {
          started = true;
          await running;
          return { exitCode: 0, lines: 0, droppedLines: 0 };
        },
      },
      { onJob: (change) => changes.push(change) },
    );
    const id = await bus.queue.enqueue({
      kind: 'command',
      payload: { program: 'true', args: [] },
      requestedBy: alice,
    });
    await waitFor('the job to start', () => started);

    // Redis loses everything of this bus (as a restart without persistence does) while the job runs.
    await deletePrefix(prefix);
    finish();

    await waitFor('the job to end on its worker', () => changes.some((c) => c.phase === 'end'));
    const end = changes.find((c) => c.phase === 'end')!;
    expect(end).toMatchObject({ jobId: id, kind: 'command', outcome: 'gone' });
    expect(end.gone).toMatch(/gone from Redis .*its run completed but its result could not be stored/);
    // Nothing made it up again: no job hash holding only the run's end; the worker does not count it as done.
    expect(await bus.queue.get(id)).toBeUndefined();
    expect(consumer.presence()).toMatchObject({ jobsDone: 0, jobsFailed: 0 });
  });

  it('a child that ends after Redis lost it and its parent makes up no parent from its last view', async () => {
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
          if (payload.program === 'child') {
            childStarted = true;
            await running;
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
    finish();
    await waitFor('the child to end on its worker', () =>
      changes.some((c) => c.phase === 'end' && c.jobId !== parent),
    );
    expect(changes.find((c) => c.phase === 'end' && c.jobId !== parent)).toMatchObject({ outcome: 'gone' });
    expect(await bus.queue.get(parent)).toBeUndefined();
    const conn = new Redis(redisUrl);
    try {
      expect(await conn.exists(`${prefix}:jobs:${parent}`)).toBe(0);
    } finally {
      conn.disconnect();
    }
  });

  it("a new job that got the lost job's id (ids start again) gets none of its lines nor its end", async () => {
    bus = await openBus({ redisUrl, prefix, requester: alice });
    await bus.state.whenConnected(5000);
    let finish: () => void = () => {};
    const running = new Promise<void>((resolve) => {
      finish = resolve;
    });
    let oldStarted = false;
    const changes: JobChange[] = [];
    consumer = bus.consume(
      {
        command: async (payload, ctx) => {
          if (payload.program === 'new') {
            await ctx.log('the new job');
            return { exitCode: 0, lines: 1, droppedLines: 0 };
          }
          oldStarted = true;
          await ctx.log('the old job, before');
          await running;
          await ctx.log('the old job, after');
          return { exitCode: 0, lines: 2, droppedLines: 0 };
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
    await waitFor('the new job to end', async () => (await bus!.queue.get(fresh))?.status === 'completed');
    finish();
    await waitFor(
      'the old job to end on its worker',
      () => changes.filter((c) => c.phase === 'end').length >= 2,
    );
    expect(changes.filter((c) => c.phase === 'end').map((c) => c.outcome)).toEqual(['completed', 'gone']);
    const view = await bus.queue.get(fresh);
    expect(view?.status).toBe('completed');
    expect(view?.runs?.map((r) => r.outcome)).toEqual(['completed']);
    expect((await bus.queue.logs(fresh)).map((l) => l.text)).toEqual(['the new job']);
  });

  it('a job still in Redis ends with its outcome', async () => {
    bus = await openBus({ redisUrl, prefix, requester: alice });
    await bus.state.whenConnected(5000);
    const changes: JobChange[] = [];
    consumer = bus.consume(
      { command: async () => ({ exitCode: 0, lines: 0, droppedLines: 0 }) },
      { onJob: (change) => changes.push(change) },
    );
    const id = await bus.queue.enqueue({
      kind: 'command',
      payload: { program: 'true', args: [] },
      requestedBy: alice,
    });
    await waitFor('the job to end on its worker', () => changes.some((c) => c.phase === 'end'));
    expect(changes.find((c) => c.phase === 'end')).toEqual({
      jobId: id,
      kind: 'command',
      phase: 'end',
      outcome: 'completed',
    });
  });
});
