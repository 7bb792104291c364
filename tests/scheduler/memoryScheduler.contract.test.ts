import { jobIdForKey } from '../../src/services/bus/jobIds';
import { openMemoryBus } from '../../src/services/bus/memoryBus';
import { MemoryScheduler } from '../../src/services/scheduler/memoryScheduler';
import { schedulerContract } from './schedulerContract';

schedulerContract({
  name: 'memory',
  openBus: async () => openMemoryBus({}),
  openScheduler: async (bus, dataDir) => new MemoryScheduler({ queue: bus.queue, dataDir }),
  jobIdOf: (name, tick) => jobIdForKey(`schedule:${name}:${tick}`),
});
