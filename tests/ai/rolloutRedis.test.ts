import { describe } from 'vitest';
import { openBus } from '../../src/services/bus/openBus';
import { deletePrefix, redisUrl, skipRedis, uniquePrefix } from '../bus/redisTestEnv';
import { rolloutSuite } from './rolloutSuite';

let prefix = uniquePrefix('rollout');

describe.skipIf(skipRedis)('redis', () => {
  rolloutSuite({
    name: 'Redis (each target a child job of the rollout’s batch)',
    open: async () => {
      const bus = await openBus({ redisUrl, prefix });
      await bus.state.whenConnected(5000);
      return bus;
    },
    cleanup: async () => {
      await deletePrefix(prefix);
      prefix = uniquePrefix('rollout');
    },
  });
});
