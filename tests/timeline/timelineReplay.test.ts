import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeckEvent } from '../../src/domain/event';
import { TimelineStore } from '../../src/domain/timelineStore';
import type { Bus } from '../../src/services/bus/contracts';
import { openBus } from '../../src/services/bus/openBus';
import { deckKeys } from '../../src/services/bus/redisEvents';
import { readJobLogLines } from '../../src/services/timeline/jobLogLines';
import {
  openStreamSource,
  readStreamWindow,
  type StreamSource,
} from '../../src/services/timeline/streamWindow';
import { feedTimeline } from '../../src/services/timeline/timelineFeed';
import { deletePrefix, redisUrl, skipRedis, uniquePrefix } from '../bus/redisTestEnv';

const minute = 60_000;
const sum = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0);

describe.skipIf(skipRedis)('replay from the Redis event stream', () => {
  const prefix = uniquePrefix('timeline');
  const now = Date.now();
  // A round minute well in the past, so the stream ids we write sit before anything published live.
  const base = Math.floor((now - 40 * minute) / minute) * minute;
  let conn: Redis;
  let bus: Bus;
  let source: StreamSource;

  /** Store an event the way the bus does, at a chosen stream id time (`at`: the publisher's own clock). */
  const store = (ms: number, seq: number, e: Omit<DeckEvent, 'id'>) =>
    conn.xadd(deckKeys(prefix).events, `${ms}-${seq}`, 'e', JSON.stringify(e));

  beforeAll(async () => {
    conn = new Redis(redisUrl);
    // 10 minutes of events, one job started every 10 s, its output, and a failure at minute 5
    for (let i = 0; i < 60; i++) {
      const ms = base + i * 10_000;
      const source = { worker: `host-${i % 2}:1` };
      // host-1's clock runs 3 minutes behind: `at` lies, the id does not
      const at = i % 2 ? ms - 3 * minute : ms;
      await store(ms, 0, {
        at,
        level: 'info',
        type: 'job.started',
        jobId: `j${i}`,
        source,
        message: 'started',
        data: { kind: 'command' },
      });
      await store(ms, 1, {
        at,
        level: 'info',
        type: 'job.log',
        jobId: `j${i}`,
        source,
        message: `took ${i}ms for request ${1000 + i}`,
        data: { stream: 'stdout' },
      });
      if (i === 30) {
        await store(ms, 2, {
          at: 0,
          level: 'error',
          type: 'job.failed',
          jobId: 'j30',
          source,
          message: 'failed: exit 3',
          data: { kind: 'command' },
        });
      }
      // an entry another version wrote: still counted, as a warning
      if (i === 36) await conn.xadd(deckKeys(prefix).events, `${ms}-2`, 'e', '{not json');
    }
    bus = await openBus({ redisUrl, prefix });
    source = openStreamSource({ REDIS_URL: redisUrl, INFRADECK_REDIS_PREFIX: prefix })!;
  });

  afterAll(async () => {
    source?.close();
    await bus?.close();
    conn?.disconnect();
    await deletePrefix(prefix);
  });

  it('reads a window by the ids’ time, in pages, and nothing outside it', async () => {
    const seen: DeckEvent[] = [];
    const read = await readStreamWindow(
      source.conn,
      source.streamKey,
      base + 2 * minute,
      base + 4 * minute,
      (b) => seen.push(...b),
      { pageSize: 7 },
    );
    // 12 job starts and 12 log lines in [2 min, 4 min)
    expect(read.delivered).toBe(24);
    expect(seen[0].id).toBe(`${base + 2 * minute}-0`);
    expect(seen.at(-1)?.id).toBe(`${base + 4 * minute - 10_000}-1`);
    expect(read.lastId).toBe(seen.at(-1)?.id);
    const logs = await readStreamWindow(source.conn, source.streamKey, base, base + 10 * minute, () => {}, {
      types: ['job.log'],
    });
    expect(logs).toMatchObject({ read: 122, delivered: 60 });
  });

  it('fills the store from the replay, then live, with no gap and no duplicate', async () => {
    const timeline = new TimelineStore();
    const feed = feedTimeline(timeline, bus.events, { since: base, stream: source });
    await feed.replayed;
    expect(timeline.total).toBe(122);
    const jobs = timeline.columns('jobs', base, base + 10 * minute, 60);
    // one start per 10-second column, host-1's included at its stream time; the failure in minute 5
    expect(Array.from(jobs.counts).filter((c) => c > 0).length).toBe(60);
    expect(sum(jobs.counts)).toBe(61);
    expect(jobs.failed[30]).toBe(1);
    expect(sum(timeline.columns('errors', base, base + 10 * minute, 60).counts)).toBe(2); // failure + unreadable
    // live
    await bus.events.publish({
      level: 'info',
      type: 'job.started',
      jobId: 'live1',
      source: { worker: 'w:1' },
      message: 'started',
      data: { kind: 'command' },
    });
    await bus.events.publish({
      level: 'warn',
      type: 'worker.offline',
      source: { worker: 'w:1' },
      message: 'gone',
      data: { worker: 'w:1', reason: 'lost' },
    });
    await expect.poll(() => timeline.total, { timeout: 5000 }).toBe(124);
    feed.stop();
    const live = timeline.columns('jobs', Date.now() - minute, Date.now() + 1000, 10);
    expect(sum(live.counts)).toBe(1);
    expect(timeline.nearest('jobs', Date.now())?.jobId).toBe('live1');
  });

  it('reads the job output lines of a window for the pattern shift', async () => {
    const before = await readJobLogLines({ stream: source }, base, base + minute);
    expect(before).toMatchObject({ from: 'stream', truncated: false });
    expect(before.lines).toEqual(Array.from({ length: 6 }, (_, i) => `took ${i}ms for request ${1000 + i}`));
    const capped = await readJobLogLines({ stream: source }, base, base + 10 * minute, 5);
    expect(capped).toMatchObject({ truncated: true });
    expect(capped.lines).toHaveLength(5);
  });
});
