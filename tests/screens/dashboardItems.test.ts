import { describe, expect, it } from 'vitest';
import type { DeckEvent } from '../../src/domain/event';
import { targetOf } from '../../src/screens/dashboard/dashboardItems';

const event = (e: Partial<DeckEvent>): DeckEvent => ({
  id: '1-0',
  at: 0,
  level: 'info',
  type: 'job.log',
  source: { worker: 'w1' },
  message: '',
  ...e,
});

describe('what a Dashboard row opens', () => {
  it("an event's job, or the resource a job changed, or says it names neither", () => {
    expect(targetOf({ kind: 'event', event: event({ type: 'job.failed', jobId: '42' }) })).toEqual({
      kind: 'job',
      id: '42',
    });
    const changed = event({
      type: 'resource.changed',
      jobId: '7',
      data: {
        account: '0',
        changes: [{ kind: 'state', region: 'eu-west-1', id: 'i-0abc', state: 'stopped' }],
      },
    });
    expect(targetOf({ kind: 'event', event: changed })).toEqual({
      kind: 'resource',
      region: 'eu-west-1',
      id: 'i-0abc',
    });
    // A deleted resource cannot be opened: its job can.
    const deleted = event({
      type: 'resource.changed',
      jobId: '8',
      data: { account: '0', changes: [{ kind: 'deleted', region: 'eu-west-1', id: 'vpc-1' }] },
    });
    expect(targetOf({ kind: 'event', event: deleted })).toEqual({ kind: 'job', id: '8' });
    // Data from another version (no changes array) does not throw.
    expect(
      targetOf({ kind: 'event', event: event({ type: 'resource.changed', data: { odd: 1 } }) }),
    ).toMatchObject({
      kind: 'none',
    });
    expect(targetOf({ kind: 'event', event: event({ type: 'worker.online' }) })).toEqual({
      kind: 'none',
      why: 'worker.online names no job or resource',
    });
  });
});
