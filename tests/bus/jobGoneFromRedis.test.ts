import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { Bus, JobConsumer } from '../../src/services/bus/contracts';
import { openBus } from '../../src/services/bus/openBus';
import { alice, waitFor } from './contractSuite';
import { type JobChange, loseRedisWhileRunning } from './lostWhileRunning';
import { deletePrefix, redisUrl, skipRedis, uniquePrefix } from './redisTestEnv';

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
    const scene = await loseRedisWhileRunning(bus, prefix, { held: 'job' });
    consumer = scene.consumer;
    const { changes, lost: id } = scene;
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
    const scene = await loseRedisWhileRunning(bus, prefix, { held: 'child' });
    consumer = scene.consumer;
    const { changes, lost: parent } = scene;
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
    const scene = await loseRedisWhileRunning(bus, prefix, {
      held: 'job',
      before: (ctx) => ctx.log('the old job, before'),
      after: (ctx) => ctx.log('the old job, after'),
      fresh: (ctx) => ctx.log('the new job'),
    });
    consumer = scene.consumer;
    const { changes } = scene;
    const fresh = scene.fresh!;
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
