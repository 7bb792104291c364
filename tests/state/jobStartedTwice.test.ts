import { describe, expect, it } from 'vitest';
import type { DeckEvent } from '../../src/domain/event';
import type { JobView } from '../../src/domain/job';
import { applyJobEvents } from '../../src/state/reducers/jobs';

const started = (at: number, startedAt: number): DeckEvent => ({
  id: `e${at}`,
  at,
  level: 'info',
  type: 'job.started',
  jobId: '7',
  source: { worker: 'w1' },
  message: 'started',
  data: { kind: 'command', attempt: 1, maxAttempts: 1, worker: 'w1', startedAt },
});

const failedJob: JobView = {
  id: '7',
  kind: 'command',
  status: 'failed',
  step: 0,
  total: 0,
  attempts: 1,
  maxAttempts: 1,
  requestedBy: { user: 'ada', host: 'jump1' },
  createdAt: 1_000,
  payload: { argv: ['false'] },
  runs: [
    { attempt: 1, startedAt: 1_000, finishedAt: 1_050, outcome: 'failed', worker: 'w1' },
    { attempt: 1, startedAt: 2_000, finishedAt: 2_040, outcome: 'failed', worker: 'w1' },
  ],
};

describe('job.started on a view read from the queue', () => {
  it('adds nothing when the view already lists that attempt (the read came after it began)', () => {
    const jobs = applyJobEvents(new Map([['7', failedJob]]), [started(2_003, 2_000)]);
    expect(jobs.get('7')?.runs).toHaveLength(2);
    expect(jobs.get('7')?.status).toBe('failed');
  });

  it('adds an attempt the view does not have yet', () => {
    const jobs = applyJobEvents(new Map([['7', failedJob]]), [started(3_001, 3_000)]);
    expect(jobs.get('7')?.runs?.map((r) => r.outcome)).toEqual(['failed', 'failed', 'running']);
    expect(jobs.get('7')?.status).toBe('active');
  });
});
