import { describe } from 'vitest';
import { openBus } from '../../src/services/bus/openBus';
import { deletePrefix, redisUrl, skipRedis, uniquePrefix } from '../bus/redisTestEnv';
import { batchRunSuite } from './batchRunSuite';

let prefix = uniquePrefix('batch-run');

describe.skipIf(skipRedis)('redis', () => {
  batchRunSuite({
    name: 'Redis (BullMQ flows)',
    open: (opts) => openBus({ ...opts, redisUrl, prefix }),
    cleanup: async () => {
      await deletePrefix(prefix);
      prefix = uniquePrefix('batch-run');
    },
  });
});
