import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobView } from '../../src/domain/job';
import type { Bus, Handler } from '../../src/services/bus/contracts';
import { openBus } from '../../src/services/bus/openBus';
import {
  appendRun,
  runEnded,
  runStarted,
  runsField,
  withRunAppended,
} from '../../src/services/bus/redisRuns';
import { record, waitForStatus } from './contractSuite';
import { deletePrefix, redisUrl, skipRedis, uniquePrefix } from './redisTestEnv';
import { alice } from './scriptedHandler';

// A child that ends leaves its last view on its parent, made by its worker from what it holds (no read back), and a
// job's first take reads nothing it could have saved: these check both against what Redis itself says.

let prefix = uniquePrefix('childend');
let bus: Bus | undefined;
afterEach(async () => {
  await bus?.close();
  bus = undefined;
  await deletePrefix(prefix);
  prefix = uniquePrefix('childend');
});

/** What a view says about a job, without the moment it ended (the worker's clock against BullMQ's). */
function comparable(view: JobView | undefined) {
  if (!view) return undefined;
  const { finishedAt: _finishedAt, runs, ...rest } = view;
  return { ...rest, runs: runs?.map(({ finishedAt: _f, ...run }) => run) };
}

describe.skipIf(skipRedis)('a child job ending under its parent, over Redis', () => {
  it('leaves on the parent the view `get` gives of it: progress, attempts with their runs, worker, result', async () => {
    const seen: JobView[][] = [];
    const handler: Handler<'command'> = async (payload, ctx) => {
      if (payload.program === 'flaky') {
        if (ctx.attempt === 1) throw new Error('the first attempt fails');
        ctx.progress(2, 2, 'flaky done');
        return { exitCode: 0, lines: 2, droppedLines: 0 };
      }
      if (payload.program === 'steady') {
        ctx.progress(1, 3, 'one of three');
        return { exitCode: 0, lines: 1, droppedLines: 0 };
      }
      if (ctx.flow.state() === undefined) {
        await ctx.flow.save('added');
        const child = (program: string, attempts: number) => ({
          key: program,
          spec: { kind: 'command' as const, payload: { program, args: [] }, requestedBy: alice, attempts },
        });
        await ctx.flow.addChildren([child('steady', 1), child('flaky', 2)]);
        return ctx.flow.waitForChildren();
      }
      seen.push(await ctx.flow.children());
      return { exitCode: 0, lines: 0, droppedLines: 0 };
    };
    bus = await openBus({ redisUrl, prefix, requester: alice, policies: { command: { backoffMs: 50 } } });
    await bus.state.whenConnected(5_000);
    const worker = bus.consume({ command: handler }, { concurrency: 2 });
    const id = await bus.queue.enqueue({
      kind: 'command',
      payload: { program: 'parent', args: [] },
      requestedBy: alice,
    });
    await waitForStatus(bus, id, 'completed', 20_000);
    const fromParent = seen.at(-1) ?? [];
    expect(fromParent.map((c) => c.childKey)).toEqual(['steady', 'flaky']);
    for (const child of fromParent) {
      const live = await bus.queue.get(child.id);
      expect(comparable(child)).toEqual(comparable(live));
    }
    const flaky = fromParent[1];
    expect(flaky).toMatchObject({
      status: 'completed',
      attempts: 2,
      step: 2,
      total: 2,
      message: 'flaky done',
    });
    expect(flaky.runs?.map((r) => r.outcome)).toEqual(['failed', 'completed']);
    await worker.close();
  }, 30_000);

  it('keeps the attempts text as the script in Redis does, past its 16 KB cut too', async () => {
    const conn = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    try {
      const hash = `${prefix}:jobs:runs-text`;
      await conn.hset(hash, 'name', 'command');
      let local: string | null = null;
      // Multi-byte errors, so a cut counted in characters instead of bytes would land elsewhere.
      for (let i = 0; i < 120; i++) {
        const entry =
          i % 2 === 0
            ? runStarted(i, 'wörker')
            : runEnded('failed', `attempt ${i} failed: ✗ ${'é'.repeat(90)}`);
        await appendRun(conn, hash, entry);
        local = withRunAppended(local, entry);
      }
      const stored = await conn.hget(hash, runsField);
      expect(Buffer.byteLength(stored ?? '')).toBeLessThan(20_000);
      expect(local).toBe(stored);
    } finally {
      conn.disconnect();
    }
  });
});

describe.skipIf(skipRedis)('what a job saved, over Redis', () => {
  it('is read again when a failed job is retried, and when another worker takes over a handed-back job', async () => {
    const handler: Handler<'command'> = async (payload, ctx) => {
      const before = ctx.flow.state<{ runs: number }>();
      await ctx.flow.save({ runs: (before?.runs ?? 0) + 1 });
      if (payload.program === 'fail-once' && !before) throw new Error('the first run fails');
      if (payload.program === 'hold' && !before) {
        await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
        throw new Error('handed back');
      }
      return { exitCode: 0, lines: before?.runs ?? 0, droppedLines: 0 };
    };
    bus = await openBus({ redisUrl, prefix, requester: alice });
    await bus.state.whenConnected(5_000);
    const first = bus.consume({ command: handler });
    const failing = await bus.queue.enqueue({
      kind: 'command',
      payload: { program: 'fail-once', args: [] },
      requestedBy: alice,
    });
    await waitForStatus(bus, failing, 'failed', 10_000);
    await bus.queue.retry(failing);
    expect((await waitForStatus(bus, failing, 'completed', 10_000)).result).toMatchObject({ lines: 1 });

    const held = await bus.queue.enqueue({
      kind: 'command',
      payload: { program: 'hold', args: [] },
      requestedBy: alice,
    });
    await waitForStatus(bus, held, 'active', 10_000);
    // Stopping without grace hands the running job back; the next worker takes it a second time.
    await first.close({ graceMs: 0 });
    const second = bus.consume({ command: handler });
    expect((await waitForStatus(bus, held, 'completed', 10_000)).result).toMatchObject({ lines: 1 });
    await second.close();
  }, 30_000);
});

describe.skipIf(skipRedis)("a parent's wave of children, over Redis", () => {
  it('is queued whole (each child once, with its event and audit entry) or, with a refused spec in it, not at all', async () => {
    const outcomes: string[] = [];
    const handler: Handler<'command'> = async (payload, ctx) => {
      if (payload.program !== 'parent') return { exitCode: 0, lines: 0, droppedLines: 0 };
      const wave = Array.from({ length: 12 }, (_, i) => ({
        key: `c${i}`,
        spec: { kind: 'command' as const, payload: { program: 'child', args: [] }, requestedBy: alice },
      }));
      const refused = [
        ...wave,
        { key: 'bad', spec: { kind: 'command' as const, payload: {}, requestedBy: alice } },
      ];
      await ctx.flow.addChildren(refused as Parameters<typeof ctx.flow.addChildren>[0]).then(
        () => outcomes.push('added'),
        (error: Error) => outcomes.push(error.message),
      );
      if (ctx.flow.state() === undefined) {
        await ctx.flow.save('waiting');
        await ctx.flow.addChildren(wave);
        return ctx.flow.waitForChildren();
      }
      return { exitCode: 0, lines: (await ctx.flow.children()).length, droppedLines: 0 };
    };
    bus = await openBus({ redisUrl, prefix, requester: alice });
    await bus.state.whenConnected(5_000);
    const rec = record(bus);
    const worker = bus.consume({ command: handler }, { concurrency: 4 });
    const id = await bus.queue.enqueue({
      kind: 'command',
      payload: { program: 'parent', args: [] },
      requestedBy: alice,
    });
    const done = await waitForStatus(bus, id, 'completed', 20_000);
    expect(done.result).toMatchObject({ lines: 12 });
    expect(outcomes).toHaveLength(2);
    for (const outcome of outcomes) expect(outcome).toMatch(/^job refused: /);
    const queued = rec.events.filter((e) => e.type === 'job.queued' && e.jobId !== id);
    expect(queued.map((e) => e.jobId).sort()).toEqual(
      Array.from({ length: 12 }, (_, i) => `${id}.c${i}`).sort(),
    );
    for (const e of queued)
      expect(e.data).toMatchObject({ parentId: id, childKey: e.jobId!.slice(id.length + 1) });
    const enqueues = (await bus.audit.list()).filter((e) => e.action === 'job.enqueue' && e.jobId !== id);
    // Nothing of the refused waves was queued: the good wave found none of its children there before it.
    expect(enqueues.map((e) => e.outcome).sort()).toEqual([
      ...Array(12).fill('accepted'),
      'rejected',
      'rejected',
    ]);
    rec.stop();
    await worker.close();
  }, 30_000);
});
