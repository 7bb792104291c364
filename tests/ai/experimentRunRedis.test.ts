import { Redis } from 'ioredis';
import { describe } from 'vitest';
import { RedisRunMetrics } from '../../src/services/ai/redisRunMetrics';
import { openBus } from '../../src/services/bus/openBus';
import { deletePrefix, redisUrl, skipRedis, uniquePrefix } from '../bus/redisTestEnv';
import { experimentRunSuite } from './experimentRunSuite';

let prefix = uniquePrefix('experiment-run');

describe.skipIf(skipRedis)('redis', () => {
  experimentRunSuite({
    name: 'Redis (metrics in a list per run under the bus prefix)',
    open: (opts) => openBus({ ...opts, redisUrl, prefix }),
    store: async () => new RedisRunMetrics({ redisUrl, prefix }),
    entries: async (_dir, run) => {
      const conn = new Redis(redisUrl);
      try {
        return await conn.llen(`${prefix}:metrics:${run}`);
      } finally {
        conn.disconnect();
      }
    },
    cleanup: async () => {
      await deletePrefix(prefix);
      prefix = uniquePrefix('experiment-run');
    },
  });
});
