import type { WorkerPresence } from '../../domain/job';
import type { Slice } from '../slice';

export interface WorkersState {
  list: WorkerPresence[];
  refreshedAt?: number;
}

export interface WorkersActions {
  refresh(): Promise<void>;
}

/** The worker processes the bus knows of; asked again whenever a worker comes or goes. */
export const workersSlice: Slice<'workers', WorkersState, WorkersActions> = {
  name: 'workers',
  initial: () => ({ list: [] }),
  actions: ({ services, set, now }) => ({
    refresh: async () => {
      const bus = services.bus;
      if (!bus) return;
      try {
        const list = await bus.workers();
        set({ workers: { list, refreshedAt: now() } });
      } catch {
        // The bus state already tells the user Redis is unreachable.
      }
    },
  }),
  effects: {
    'worker.*': (_events, deck) => void deck.actions.workers.refresh(),
  },
};
