import { describe, expect, it } from 'vitest';
import type { JobView, WorkerPresence } from '../../src/domain/job';
import { startDeck } from '../harness/startDeck';
import { stubDeckBus } from '../harness/stubServices';

describe('the Dashboard job counts', () => {
  it('come from the queue when it holds more jobs than the console lists', async () => {
    const deck = await startDeck({
      bus: stubDeckBus({
        queue: {
          counts: async () => ({
            queued: 3,
            active: 1,
            waiting: 0,
            paused: 0,
            delayed: 0,
            completed: 12_000,
            failed: 7,
            cancelled: 2,
            approval_pending: 0,
            rejected: 0,
          }),
        },
      }),
    });
    const f = await deck.waitFor('completed 12000');
    expect(f).toMatch(/queued 3 {2}active 1 {2}delayed 0 {2}completed 12000 {2}failed 7 {2}cancelled 2/);
    deck.unmount();
  });
});

describe('the Dashboard’s failures', () => {
  it('are counted one way on the worker line, the jobs line and the failures heading', async () => {
    const job = (id: string, status: JobView['status'], attempts = 1): JobView => ({
      id,
      kind: 'command',
      status,
      step: 0,
      total: 0,
      attempts,
      maxAttempts: 3,
      requestedBy: { user: 'ada', host: 'jump1' },
      createdAt: 1_000 + Number(id),
      finishedAt: 2_000 + Number(id),
      payload: { program: 'make', args: [] },
      worker: 'ci-1:42',
      ...(status === 'failed' ? { error: 'exit 2' } : {}),
    });
    // The worker's own counters count attempts (two failed before a success) and the cancel as failures.
    const worker: WorkerPresence = {
      id: 'ci-1:42',
      host: 'ci-1',
      pid: 42,
      startedAt: Date.now() - 60_000,
      lastSeenAt: Date.now(),
      concurrency: 1,
      jobsDone: 1,
      jobsFailed: 4,
      current: [],
      transport: 'redis',
    };
    const jobs = [job('1', 'completed', 3), job('2', 'failed'), job('3', 'cancelled')];
    const deck = await startDeck({
      bus: stubDeckBus({
        workers: async () => [worker],
        queue: {
          list: async () => jobs,
          counts: async () => ({
            queued: 0,
            active: 0,
            waiting: 0,
            paused: 0,
            delayed: 0,
            completed: 1,
            failed: 1,
            cancelled: 1,
            approval_pending: 0,
            rejected: 0,
          }),
        },
      }),
    });
    const f = await deck.waitFor('ci-1:42');
    expect(f).toMatch(/ci-1:42 +up \S+ +1 done +1 failed +idle/);
    expect(f).toMatch(/completed 1 {2}failed 1 {2}cancelled 1/);
    expect(f).toContain('Recent failures (1)');
    deck.unmount();
  });
});
