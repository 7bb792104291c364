import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { describe } from 'vitest';
import { openBus } from '../../src/services/bus/openBus';
import { contractSuite } from './contractSuite';
import { deletePrefix, redisUrl, skipRedis, uniquePrefix } from './redisTestEnv';

let prefix = uniquePrefix('contract');

describe.skipIf(skipRedis)('redis transport', () => {
  contractSuite({
    name: 'redis',
    open: async (opts) => openBus({ ...opts, redisUrl, prefix }),
    // What an older or newer infradeck would put in the queue: a BullMQ job of a kind we do not know.
    injectForeignJob: async (_bus, kind, payload) => {
      const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
      const queue = new Queue('jobs', { connection, prefix });
      try {
        const job = await queue.add(
          kind,
          { v: 1, payload, requestedBy: { user: 'carol', host: 'ci' } },
          { attempts: 5 },
        );
        return job.id!;
      } finally {
        await queue.close();
        connection.disconnect();
      }
    },
    cleanup: async () => {
      await deletePrefix(prefix);
      prefix = uniquePrefix('contract');
    },
  });
});
