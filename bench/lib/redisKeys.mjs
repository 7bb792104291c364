import { Redis } from 'ioredis';

/** Deletes every key under `<prefix>:` at `redisUrl`: what a benchmark leaves in Redis. */
export async function deletePrefix(redisUrl, prefix) {
  const conn = new Redis(redisUrl);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await conn.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await conn.del(...keys);
    } while (cursor !== '0');
  } finally {
    conn.disconnect();
  }
}
