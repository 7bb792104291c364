import { describe, expect, it } from 'vitest';
import type { Requester } from '../../src/domain/job';
import { statusOf } from '../../src/services/bus/redisQueue';

const by: Requester = { user: 'ann', host: 'jump' };
const marker = (final: boolean) => ({ by, at: 1, message: 'cancelled by ann@jump', final });

describe('a Redis job’s status', () => {
  it('stays cancelled while a worker takes a job cancelled before it ran, only to drop it', () => {
    // BullMQ moves a cancelled parent to the wait list once its children end; a worker takes it and drops it.
    expect(statusOf('active', marker(true))).toBe('cancelled');
  });

  it('is active while a job cancelled as it ran winds down, then cancelled once it ended', () => {
    expect(statusOf('active', marker(false))).toBe('active');
    expect(statusOf('failed', marker(false))).toBe('cancelled');
    expect(statusOf('active', undefined)).toBe('active');
  });
});
