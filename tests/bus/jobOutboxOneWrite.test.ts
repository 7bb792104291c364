import { describe, expect, it } from 'vitest';
import type { NewEvent } from '../../src/domain/event';
import type { JobLogLine } from '../../src/domain/job';
import { BusStateCell } from '../../src/services/bus/busState';
import { JobOutbox } from '../../src/services/bus/jobOutbox';
import { alice, waitFor } from './contractSuite';

/** A transport that publishes a line and stores it in one write (both or neither), like the Redis one. */
function oneWriteRedis() {
  const state = new BusStateCell('connected');
  const sent: string[] = [];
  const separately: string[] = [];
  let failNext = 0;
  return {
    state,
    sent,
    separately,
    failNextWrites: (n: number) => {
      failNext = n;
    },
    publish: async (event: NewEvent) => {
      separately.push(`publish ${event.message}`);
    },
    appendLog: async (line: JobLogLine) => {
      separately.push(`append ${line.text}`);
    },
    publishLine: async (event: NewEvent, line: JobLogLine) => {
      if (state.get().state !== 'connected') throw new Error('Redis is unreachable');
      if (failNext > 0) {
        failNext--;
        throw new Error('READONLY: a replica');
      }
      sent.push(`${event.message}|${line.text}`);
    },
  };
}

function line(seq: number): [NewEvent, JobLogLine] {
  const text = `line ${seq}`;
  return [
    { level: 'info', type: 'job.log', source: alice, message: text, data: { attempt: 1, seq } },
    { attempt: 1, seq, stream: 'stdout', text, at: 0 },
  ];
}

describe('a job outbox over a transport that writes a line once', () => {
  it('sends each line as one write, never as a publish and an append', async () => {
    const redis = oneWriteRedis();
    const outbox = new JobOutbox(redis, () => {});
    for (let i = 1; i <= 3; i++) await outbox.send(...line(i));
    await outbox.drain(1000);
    expect(redis.sent).toEqual(['line 1|line 1', 'line 2|line 2', 'line 3|line 3']);
    expect(redis.separately).toEqual([]);
    expect(outbox.lost).toBe(0);
  });

  it('a write that failed is sent again, whole, in order; so is one held while Redis was away', async () => {
    const redis = oneWriteRedis();
    const outbox = new JobOutbox(redis, () => {});
    redis.failNextWrites(1);
    await outbox.send(...line(1));
    redis.state.set('reconnecting', 'restarting');
    await outbox.send(...line(2));
    redis.state.set('connected');
    await outbox.send(...line(3));
    await waitFor('every line sent', () => redis.sent.length === 3);
    await outbox.drain(1000);
    expect(redis.sent).toEqual(['line 1|line 1', 'line 2|line 2', 'line 3|line 3']);
    expect(redis.separately).toEqual([]);
    expect(outbox.lost).toBe(0);
  });
});
