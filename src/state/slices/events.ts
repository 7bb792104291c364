import type { DeckEvent } from '../../domain/event';
import { addToTimeline, advanceTimeline, emptyTimeline, type Timeline } from '../reducers/timeline';
import type { Slice } from '../slice';

export const latestEventsKept = 200;

export interface EventsState {
  /** The newest events, oldest first. */
  latest: DeckEvent[];
  timeline: Timeline;
  received: number;
  lastId?: string;
}

export interface EventsActions {
  /** Moves the timeline to the current minute (the bus connection calls it on its poll). */
  advance(): void;
}

/** Everything that happened: the newest events and the per-minute timeline of the Dashboard. */
export const eventsSlice: Slice<'events', EventsState, EventsActions> = {
  name: 'events',
  initial: ({ now }) => ({ latest: [], timeline: emptyTimeline(now()), received: 0 }),
  actions: ({ get, patch, now }) => ({
    advance: () => patch({ timeline: advanceTimeline(get().events.timeline, now()) }),
  }),
  reducers: {
    '*': (events, batch, { now }) => ({
      latest: [...events.latest, ...batch.slice(-latestEventsKept)].slice(-latestEventsKept),
      timeline: addToTimeline(events.timeline, batch, now),
      received: events.received + batch.length,
      lastId: batch[batch.length - 1].id,
    }),
  },
};
