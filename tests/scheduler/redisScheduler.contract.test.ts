import { describe } from 'vitest';
import { openBus } from '../../src/services/bus/openBus';
import { RedisScheduler } from '../../src/services/scheduler/redisScheduler';
import { deletePrefix, redisUrl, skipRedis, uniquePrefix } from '../bus/redisTestEnv';
import { schedulerContract } from './schedulerContract';

let prefix = uniquePrefix('schedules');

describe.skipIf(skipRedis)('redis scheduler', () => {
  schedulerContract({
    name: 'redis',
    openBus: async () => openBus({ redisUrl, prefix }),
    openScheduler: async (bus) => new RedisScheduler({ redisUrl, prefix, events: bus.events }),
    jobIdOf: (name, tick) => `repeat:schedule:${name}:${tick}`,
    cleanup: async () => {
      await deletePrefix(prefix);
      prefix = uniquePrefix('schedules');
    },
  });
});
