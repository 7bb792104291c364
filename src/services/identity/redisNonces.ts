import type { Redis } from 'ioredis';
import type { NonceStore } from './verifyRequest';

/**
 * Nonces of signed jobs in Redis, shared by every worker of the bus: `SET NX` with an expiry, so the first job
 * to show a nonce holds it and a copy of that request run by any worker later finds it taken.
 */
export function redisNonceStore(conn: Redis, prefix: string): NonceStore {
  return {
    async claim(nonce, jobId, ttlMs) {
      const key = `${prefix}:deck:signature-nonce:${nonce}`;
      const set = await conn.set(key, jobId, 'PX', ttlMs, 'NX');
      if (set === 'OK') return jobId;
      return (await conn.get(key)) ?? jobId;
    },
  };
}
