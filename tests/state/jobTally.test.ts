import { describe, expect, it } from 'vitest';
import type { JobStatus, JobView } from '../../src/domain/job';
import { jobTally } from '../../src/state/selectors/jobs';

function job(id: string, status: JobStatus, worker?: string, attempts = 1): JobView {
  return {
    id,
    kind: 'command',
    status,
    step: 0,
    total: 0,
    attempts,
    maxAttempts: 3,
    requestedBy: { user: 'ada', host: 'jump1' },
    createdAt: Number(id),
    payload: { program: 'true', args: [] },
    ...(worker ? { worker } : {}),
  };
}

const byId = (jobs: JobView[]) => new Map(jobs.map((j) => [j.id, j]));

describe('the job tally (one count for the Dashboard’s every line)', () => {
  it('counts a job once, by its status now: a retried success is done, a cancel is not a failure', () => {
    const jobs = byId([
      job('1', 'completed', 'w1', 3), // failed twice, then worked
      job('2', 'failed', 'w1', 3),
      job('3', 'cancelled', 'w1'),
      job('4', 'completed', 'w2'),
      job('5', 'active', 'w2'),
      job('6', 'queued'),
    ]);
    const tally = jobTally({ byId: jobs });
    expect(tally.counts).toEqual({
      queued: 1,
      active: 1,
      waiting: 0,
      paused: 0,
      delayed: 0,
      completed: 2,
      failed: 1,
      cancelled: 1,
      approval_pending: 0,
      rejected: 0,
    });
    expect(tally.failures.map((j) => j.id)).toEqual(['2']);
    expect(tally.byWorker.get('w1')).toEqual({ done: 1, failed: 1, cancelled: 1 });
    expect(tally.byWorker.get('w2')).toEqual({ done: 1, failed: 0, cancelled: 0 });
    // The per-worker failures add up to the jobs line's.
    const failed = [...tally.byWorker.values()].reduce((n, w) => n + w.failed, 0);
    expect(failed).toBe(tally.counts.failed);
  });

  it('takes the queue’s counts when the queue holds more jobs than the console lists', () => {
    const queue = {
      queued: 0,
      active: 0,
      waiting: 0,
      paused: 0,
      delayed: 0,
      completed: 900,
      failed: 40,
      cancelled: 2,
      approval_pending: 0,
      rejected: 0,
    };
    const tally = jobTally({ byId: byId([job('1', 'failed', 'w1')]), counts: queue });
    expect(tally.counts).toBe(queue);
    expect(tally.failures).toHaveLength(1);
  });

  it('is the same object while the jobs do not change (a store selector must be stable)', () => {
    const jobs = byId([job('1', 'failed', 'w1')]);
    expect(jobTally({ byId: jobs })).toBe(jobTally({ byId: jobs }));
    expect(jobTally({ byId: jobs })).not.toBe(jobTally({ byId: new Map(jobs) }));
  });
});
