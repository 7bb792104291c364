import type { Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { coalesceWrites } from '../../src/services/bus/redisWrites';
import { waitFor } from './contractSuite';
import { deletePrefix, redisUrl, skipRedis, uniquePrefix } from './redisTestEnv';

type Counted = Socket & { _write: (...a: unknown[]) => void; _writev: (...a: unknown[]) => void };

/** Counts the socket's writes: single ones (`_write`) and gathered ones (`_writev`, with their chunk counts). */
function countWrites(conn: Redis): { single: number; gathered: number[] } {
  const stream = (conn as unknown as { stream: Counted }).stream;
  const counts = { single: 0, gathered: [] as number[] };
  const write = stream._write.bind(stream);
  const writev = stream._writev.bind(stream);
  stream._write = (...args) => {
    counts.single++;
    write(...args);
  };
  stream._writev = (...args) => {
    counts.gathered.push((args[0] as unknown[]).length);
    writev(...args);
  };
  return counts;
}

describe.skipIf(skipRedis)('coalesced writes to Redis', () => {
  const conns: Redis[] = [];
  const prefix = uniquePrefix('writes');
  afterEach(async () => {
    for (const c of conns.splice(0)) c.disconnect();
    await deletePrefix(prefix);
  });

  async function open(coalesce: boolean): Promise<Redis> {
    const conn = new Redis(redisUrl, { maxRetriesPerRequest: null });
    conns.push(conn);
    if (coalesce) coalesceWrites(conn);
    await conn.ping();
    return conn;
  }

  it('commands sent in one burst leave in one write, in order', async () => {
    const conn = await open(true);
    const counts = countWrites(conn);
    const key = `${prefix}:list`;
    const replies = await Promise.all([
      conn.rpush(key, 'a'),
      conn.rpush(key, 'b'),
      Promise.resolve().then(() => conn.rpush(key, 'c')),
      conn.lrange(key, 0, -1),
    ]);
    // The third is sent from a promise reaction of the same burst: still in the same write, and still third.
    expect(counts).toEqual({ single: 0, gathered: [4] });
    expect(replies.at(-1)).toEqual(['a', 'b']);
    expect(await conn.lrange(key, 0, -1)).toEqual(['a', 'b', 'c']);
  });

  it('without it, each command is a write of its own (what the coalescing saves)', async () => {
    const conn = await open(false);
    const counts = countWrites(conn);
    await Promise.all([conn.ping(), conn.ping(), conn.ping()]);
    expect(counts.single + counts.gathered.length).toBe(3);
  });

  it('keeps coalescing on the new socket after a reconnect', async () => {
    const conn = await open(true);
    const id = await conn.client('ID');
    const killer = await open(false);
    await killer.client('KILL', 'ID', String(id));
    await waitFor('reconnected', async () => (await conn.ping().catch(() => null)) === 'PONG');
    const counts = countWrites(conn);
    await Promise.all([conn.ping(), conn.ping(), conn.ping()]);
    expect(counts).toEqual({ single: 0, gathered: [3] });
  });
});
