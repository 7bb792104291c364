import { describe, expect, it } from 'vitest';
import type { NewEvent } from '../../src/domain/event';
import type { JobLogLine } from '../../src/domain/job';
import { BusStateCell } from '../../src/services/bus/busState';
import { JobOutbox } from '../../src/services/bus/jobOutbox';
import { alice, waitFor } from './contractSuite';

/** A transport that refuses everything while `state` is not connected, like the Redis one. */
function fakeRedis() {
  const state = new BusStateCell('connected');
  const published: string[] = [];
  const stored: string[] = [];
  const up = () => state.get().state === 'connected';
  return {
    state,
    published,
    stored,
    publish: async (event: NewEvent) => {
      if (!up()) throw new Error('Redis is unreachable');
      published.push(event.message);
    },
    appendLog: async (line: JobLogLine) => {
      if (!up()) throw new Error('Redis is unreachable');
      stored.push(line.text);
    },
  };
}

function line(seq: number, text = `line ${seq}`): [NewEvent, JobLogLine] {
  return [
    { level: 'info', type: 'job.log', source: alice, message: text, data: { attempt: 1, seq } },
    { attempt: 1, seq, stream: 'stdout', text, at: 0 },
  ];
}

describe('a job outbox', () => {
  it('holds output while Redis is away and sends it, in order, once it is back', async () => {
    const redis = fakeRedis();
    const outbox = new JobOutbox(redis, () => {});
    await outbox.send(...line(1));
    redis.state.set('reconnecting', 'restarting');
    // The job goes on: a send while Redis is away resolves at once.
    for (let i = 2; i <= 5; i++) await outbox.send(...line(i));
    expect(redis.published).toEqual(['line 1']);
    redis.state.set('connected');
    await outbox.send(...line(6));
    await waitFor('everything sent', () => redis.published.length === 6);
    await outbox.drain(1000);
    expect(redis.published).toEqual(['line 1', 'line 2', 'line 3', 'line 4', 'line 5', 'line 6']);
    expect(redis.stored).toEqual(redis.published);
    expect(outbox.lost).toBe(0);
  });

  it('is bounded: past its limit it drops newer output, counts it, and the log says so once sent', async () => {
    const redis = fakeRedis();
    const notes: string[] = [];
    const outbox = new JobOutbox(redis, (text) => notes.push(text), { maxItems: 3, maxChars: 1_000_000 });
    redis.state.set('down', 'gone');
    const outcomes = await Promise.allSettled([1, 2, 3, 4, 5].map((i) => outbox.send(...line(i))));
    expect(outcomes.map((o) => o.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'rejected',
      'rejected',
    ]);
    redis.state.set('connected');
    await waitFor('the note', () => notes.length === 1);
    expect(redis.published).toEqual(['line 1', 'line 2', 'line 3']);
    expect(notes[0]).toBe(
      '… 2 lines of output lost while Redis was unreachable (a worker holds at most 3 lines until it is back)',
    );
    expect(outbox.lost).toBe(2);
  });

  it('gives up on what Redis never takes back once the job is over, and counts it', async () => {
    const redis = fakeRedis();
    const outbox = new JobOutbox(redis, () => {});
    redis.state.set('down', 'gone');
    await outbox.send(...line(1));
    await outbox.drain(50);
    expect(outbox.lost).toBe(1);
    redis.state.set('connected');
    expect(redis.published).toEqual([]);
  });
});
