import { describe, expect, it } from 'vitest';
import type { JobView } from '../../src/domain/job';
import { approvalsLine } from '../../src/screens/dashboard/approvalsLine';

const now = Date.parse('2026-12-07T09:00:00Z');

/** Job 17 held for an approval, seen only through its events: no payload, its message the approval's reason. */
const held: JobView = {
  id: '17',
  kind: 'deploy',
  status: 'approval_pending',
  step: 0,
  total: 0,
  payload: undefined,
  message: 'deploys need an approval (access.yaml)',
  attempts: 0,
  maxAttempts: 3,
  requestedBy: { user: 'bob', host: 'jump2' },
  createdAt: now,
  approval: {
    state: 'pending',
    why: 'deploys need an approval',
    requestedAt: now,
    expiresAt: now + 3_600_000,
  },
};

describe('the Dashboard approvals line', () => {
  it('names a job not read yet as its job.queued said, not by the reason it waits', () => {
    const line = approvalsLine([held], now, new Map([['17', 'deploy shop (d-shop-3)']]));
    expect(line).toContain('17 deploy shop (d-shop-3) by bob, expires in 1 h');
  });

  it('falls back to the kind when nothing says more', () => {
    expect(approvalsLine([held], now)).toContain('17 deploy by bob');
  });
});
