import { randomBytes } from 'node:crypto';
import { createServer, Socket } from 'node:net';
import { Redis } from 'ioredis';

export const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** True when a Redis answers PING at `redisUrl` within a second. */
export async function redisReachable(url = redisUrl): Promise<boolean> {
  const conn = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  conn.on('error', () => {});
  try {
    await conn.connect();
    return (await conn.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    conn.disconnect();
  }
}

/**
 * Redis suites run when Redis answers; they are skipped only when it does not AND `CI` is not `true`
 * (in CI an unreachable Redis is a failure, not a skip).
 */
export const skipRedis = !(await redisReachable()) && process.env.CI !== 'true';

export function uniquePrefix(label: string): string {
  return `idtest-${label}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** Delete every key under `<prefix>:`. */
export async function deletePrefix(prefix: string, url = redisUrl): Promise<number> {
  const conn = new Redis(url, { maxRetriesPerRequest: 1 });
  conn.on('error', () => {});
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await conn.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await conn.del(...keys);
    } while (cursor !== '0');
  } finally {
    conn.disconnect();
  }
  return deleted;
}

export async function countKeys(prefix: string, url = redisUrl): Promise<number> {
  const conn = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    const keys = await conn.keys(`${prefix}:*`);
    return keys.length;
  } finally {
    conn.disconnect();
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.connect(port, '127.0.0.1');
  });
}
