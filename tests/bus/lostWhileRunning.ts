import { expect } from 'vitest';
import type { Bus, ConsumeOptions, JobConsumer, JobContext } from '../../src/services/bus/contracts';
import { alice, waitFor, waitForStatus } from './contractSuite';
import { deletePrefix } from './redisTestEnv';

export type JobChange = Parameters<NonNullable<ConsumeOptions['onJob']>>[0];

type Step = (ctx: JobContext) => Promise<void>;

export interface LostScene {
  consumer: JobConsumer;
  /** The first job queued: the held job itself, or the parent of the held child. */
  lost: string;
  /** The new job queued after Redis lost its data (when `fresh` was given): it got `lost`'s id back. */
  fresh?: string;
  /** Every job's start and end on the worker, in order. */
  changes: JobChange[];
}

/**
 * Redis loses its data (as a restart without persistence does: every key of `prefix` deleted) while a job runs:
 * the held job (`held: 'child'`: a parent's child) does `before`, waits for the loss, then does `after` and ends.
 * With `fresh`, a new job queued after the loss (job ids start again: it gets the first job's id) runs and
 * completes before the held job goes on.
 */
export async function loseRedisWhileRunning(
  bus: Bus,
  prefix: string,
  scene: { held: 'job' | 'child'; before?: Step; after?: Step; fresh?: Step },
): Promise<LostScene> {
  let goOn: () => void = () => {};
  const lossDone = new Promise<void>((resolve) => {
    goOn = resolve;
  });
  let heldStarted = false;
  const changes: JobChange[] = [];
  const done = { exitCode: 0, lines: 0, droppedLines: 0 };
  const command = (program: string) => ({
    kind: 'command' as const,
    payload: { program, args: [] },
    requestedBy: alice,
  });
  const consumer = bus.consume(
    {
      command: async (payload, ctx) => {
        if (payload.program === 'fresh') {
          await scene.fresh?.(ctx);
          return done;
        }
        if (payload.program === 'parent') {
          await ctx.flow.addChildren([{ key: 'a', spec: command('held') }]);
          return ctx.flow.waitForChildren();
        }
        await scene.before?.(ctx);
        heldStarted = true;
        await lossDone;
        await scene.after?.(ctx);
        return done;
      },
    },
    { concurrency: 2, onJob: (change) => changes.push(change) },
  );
  try {
    const lost = await bus.queue.enqueue(command(scene.held === 'child' ? 'parent' : 'held'));
    await waitFor('the held job to start', () => heldStarted);
    await deletePrefix(prefix);
    let fresh: string | undefined;
    if (scene.fresh) {
      fresh = await bus.queue.enqueue(command('fresh'));
      expect(fresh).toBe(lost);
      await waitForStatus(bus, fresh, 'completed');
    }
    goOn();
    const heldEnded = () =>
      scene.held === 'child'
        ? changes.some((c) => c.phase === 'end' && c.jobId !== lost)
        : changes.filter((c) => c.phase === 'end').length >= (scene.fresh ? 2 : 1);
    await waitFor('the held job to end on its worker', heldEnded);
    return { consumer, lost, fresh, changes };
  } catch (error) {
    goOn();
    await consumer.close({ graceMs: 0 });
    throw error;
  }
}
