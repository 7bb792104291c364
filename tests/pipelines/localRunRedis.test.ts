import { describe } from 'vitest';
import { openBus } from '../../src/services/bus/openBus';
import { deletePrefix, redisUrl, skipRedis, uniquePrefix } from '../bus/redisTestEnv';
import { localRunSuite } from './localRunSuite';

let prefix = uniquePrefix('pipeline-run');

describe.skipIf(skipRedis)('redis', () => {
  localRunSuite({
    name: 'Redis (BullMQ flows)',
    open: (opts) => openBus({ ...opts, redisUrl, prefix }),
    cleanup: async () => {
      await deletePrefix(prefix);
      prefix = uniquePrefix('pipeline-run');
    },
  });
});
