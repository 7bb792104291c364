import { describe, expect, it } from 'vitest';
import type { DeckEvent } from '../../src/domain/event';
import { applyJobEvents } from '../../src/state/reducers/jobs';

const event = (type: string, data: Record<string, unknown>, at = 1_000): DeckEvent => ({
  id: `${at}-0`,
  at,
  level: 'info',
  type,
  jobId: '412.web-1',
  source: { worker: 'w1' },
  message: type,
  data,
});

describe('the events of a child job', () => {
  it('name its parent and key when queued, keep a failed target its result, and end a suspended attempt', () => {
    const jobs = applyJobEvents(new Map(), [
      event('job.queued', {
        kind: 'batchTarget',
        summary: 'x',
        maxAttempts: 1,
        parentId: '412',
        childKey: 'web-1',
      }),
      event('job.failed', {
        kind: 'batchTarget',
        error: 'exit 3',
        attempt: 1,
        maxAttempts: 1,
        willRetry: false,
        result: { exitCode: 3, durationMs: 40, lastLine: 'disk full', timedOut: false },
      }),
    ]);
    const job = jobs.get('412.web-1');
    expect(job).toMatchObject({ parentId: '412', childKey: 'web-1', status: 'failed', error: 'exit 3' });
    expect(job?.result).toEqual({ exitCode: 3, durationMs: 40, lastLine: 'disk full', timedOut: false });

    const parent = applyJobEvents(new Map(), [
      event('job.started', { kind: 'batch', attempt: 1, maxAttempts: 3, worker: 'w1', startedAt: 1_000 }),
      event('job.paused', {}, 1_500),
    ]).get('412.web-1');
    expect(parent?.status).toBe('paused');
    expect(parent?.runs?.map((r) => r.outcome)).toEqual(['suspended']);
  });
});
