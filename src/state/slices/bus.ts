import type { BusStatus } from '../../domain/busStatus';
import { eventIdAt } from '../../domain/event';
import type { DeckBus } from '../services/bus';
import { type Slice, sharedConnection } from '../slice';

const pollMs = 5_000;

export interface BusSliceState {
  transport?: 'redis' | 'memory';
  target?: string;
  status?: BusStatus;
}

export interface BusActions {
  /**
   * Subscribes to the bus (replaying the last hour), loads jobs and workers, polls; returns the disconnect.
   * Calls share one connection (start-up connects before the first frame, the console again when it mounts);
   * it ends with the last disconnect.
   */
  connect(): () => void;
}

/** The connection to the worker layer: its state, and the event stream every slice's reducers read. */
export const busSlice: Slice<'bus', BusSliceState, BusActions> = {
  name: 'bus',
  initial: ({ services }) => ({
    transport: services.bus?.transport,
    target: services.bus?.target,
    status: services.bus?.state.get(),
  }),
  actions: ({ services, get, patch, notify, now, ingest, dropPending }) => {
    const bus = services.bus;
    const refresh = () => {
      void get().actions.jobs.refresh();
      void get().actions.workers.refresh();
    };

    const connect = (bus: DeckBus): (() => void) => {
      patch({ status: bus.state.get() });
      const offState = bus.state.subscribe((status) => {
        patch({ status });
        if (status.state === 'connected') refresh();
      });
      const offEvents = bus.events.subscribe(eventIdAt(now() - 60 * 60_000), ingest, {
        onNotice: (notice) => notify('warn', notice.message),
      });
      refresh();
      const poll = setInterval(() => {
        get().actions.events.advance();
        if (bus.state.get().state !== 'connected') return;
        void get().actions.workers.refresh();
        void get().actions.jobs.refresh();
      }, pollMs);
      return () => {
        clearInterval(poll);
        dropPending();
        offEvents();
        offState();
      };
    };

    return { connect: bus ? sharedConnection(() => connect(bus)) : () => () => {} };
  },
};
