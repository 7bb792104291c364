import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { NewEvent } from '../../src/domain/event';
import { BusStateCell } from '../../src/services/bus/busState';
import { deckKeys, type PubSubHub, RedisEventBus } from '../../src/services/bus/redisEvents';
import { alice } from './contractSuite';
import { deletePrefix, redisUrl, skipRedis, uniquePrefix } from './redisTestEnv';

describe.skipIf(skipRedis)("a job's output line over Redis", () => {
  const prefix = uniquePrefix('logonce');
  const cmd = new Redis(redisUrl, { maxRetriesPerRequest: null });
  afterAll(async () => {
    await deletePrefix(prefix);
    cmd.disconnect();
  });

  it('is stored and published once when sent again (its reply lost when Redis went away after running it)', async () => {
    const keys = deckKeys(prefix);
    const events = new RedisEventBus({
      cmd,
      hub: {} as PubSubHub,
      keys,
      state: new BusStateCell('connected'),
      target: redisUrl,
      maxLen: 1000,
    });
    const jobHash = `${prefix}:jobs:7`;
    await cmd.hset(jobHash, 'name', 'command');
    const send = (run: string, seq: number) => {
      const text = `line ${seq}`;
      const event: NewEvent = { level: 'info', type: 'job.log', jobId: '7', source: alice, message: text };
      return events.publishLogLine(event, { jobHash, row: JSON.stringify({ seq, text }), run, seq });
    };
    await send('w1#1', 0);
    await send('w1#1', 1);
    expect(await send('w1#1', 1)).toBeNull();
    await send('w1#1', 2);
    // Another run of the handler (a parent woken again, a retry) numbers its lines from 0 again.
    await send('w1#2', 0);
    const rows = (await cmd.lrange(`${jobHash}:logs`, 0, -1)).map((r) => JSON.parse(r).text);
    expect(rows).toEqual(['line 0', 'line 1', 'line 2', 'line 0']);
    expect(await cmd.xlen(keys.events)).toBe(4);
  });
});
