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

describe('job.queued after the job started (a parent queues a child on another connection than its events)', () => {
  const queued = (at: number): DeckEvent => ({
    id: `q${at}`,
    at,
    level: 'info',
    type: 'job.queued',
    jobId: '7',
    source: { user: 'ada', host: 'jump1' },
    message: 'queued',
    data: { kind: 'pipelineStep', maxAttempts: 2, parentId: '6', childKey: 'build' },
  });
  const completed = (at: number): DeckEvent => ({
    ...queued(at),
    id: `c${at}`,
    type: 'job.completed',
    data: {},
  });

  it('keeps the job running or ended, and takes what the queued event adds', () => {
    const running = applyJobEvents(new Map(), [started(1_001, 1_001), queued(1_002)]);
    expect(running.get('7')).toMatchObject({
      status: 'active',
      parentId: '6',
      childKey: 'build',
      maxAttempts: 2,
    });
    const ended = applyJobEvents(new Map(), [started(1_001, 1_001), completed(1_003), queued(1_004)]);
    expect(ended.get('7')?.status).toBe('completed');
    // In its usual place, first, it queues.
    expect(applyJobEvents(new Map(), [queued(1_000)]).get('7')?.status).toBe('queued');
  });
});
