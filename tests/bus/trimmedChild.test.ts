import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { Bus, Handler } from '../../src/services/bus/contracts';
import { openBus } from '../../src/services/bus/openBus';
import { queueName } from '../../src/services/bus/redisQueue';
import { waitForStatus } from './contractSuite';
import { deletePrefix, redisUrl, skipRedis, uniquePrefix } from './redisTestEnv';
import { alice } from './scriptedHandler';

let prefix = uniquePrefix('trimmed');
let bus: Bus | undefined;
afterEach(async () => {
  await bus?.close();
  await deletePrefix(prefix);
  prefix = uniquePrefix('trimmed');
});

describe.skipIf(skipRedis)('a parent whose ended child was trimmed from the queue', () => {
  it('still reads how the child ended, and adding it again runs nothing twice', async () => {
    const conn = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    let runs = 0;
    // BullMQ trims the finished sets by count for the whole queue: a later job's completion may remove a
    // finished child. Here the parent removes it itself, between its child's end and its own next look.
    const parent: Handler<'command'> = async (payload, ctx) => {
      if (payload.program === 'child') {
        runs++;
        return { exitCode: 0, lines: 0, droppedLines: 0 };
      }
      const spec = { kind: 'command' as const, payload: { program: 'child', args: [] }, requestedBy: alice };
      if (ctx.flow.state<string>() === undefined) {
        const [id] = await ctx.flow.addChildren([{ key: 'a', spec }]);
        await ctx.flow.save(id);
        return ctx.flow.waitForChildren();
      }
      const childId = ctx.flow.state<string>()!;
      await conn.del(`${prefix}:${queueName}:${childId}`);
      await conn.zrem(`${prefix}:${queueName}:completed`, childId);
      await ctx.flow.addChildren([{ key: 'a', spec }]);
      const children = await ctx.flow.children();
      return {
        exitCode: 0,
        lines: children.length,
        droppedLines: children[0]?.status === 'completed' ? 0 : 1,
      };
    };
    try {
      bus = await openBus({ redisUrl, prefix, requester: alice });
      await bus.state.whenConnected(5_000);
      const worker = bus.consume({ command: parent });
      const id = await bus.queue.enqueue({
        kind: 'command',
        payload: { program: 'parent', args: [] },
        requestedBy: alice,
      });
      const done = await waitForStatus(bus, id, 'completed', 15_000);
      // The child was read back ended (from the parent), and its second add found it instead of running it again.
      expect(done.result).toMatchObject({ lines: 1, droppedLines: 0 });
      await new Promise((r) => setTimeout(r, 300));
      expect(runs).toBe(1);
      await worker.close();
    } finally {
      conn.disconnect();
    }
  }, 30_000);
});
