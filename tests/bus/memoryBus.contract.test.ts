import { openMemoryBus } from '../../src/services/bus/memoryBus';
import { contractSuite } from './contractSuite';

contractSuite({
  name: 'memory',
  open: async (opts) => openMemoryBus(opts),
});
