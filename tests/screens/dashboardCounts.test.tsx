import { describe, expect, it } from 'vitest';
import type { JobStatus } from '../../src/domain/job';
import type { DeckBus } from '../../src/state/deckServices';
import { startDeck } from '../harness/startDeck';

function busHolding(counts: Record<JobStatus, number>): DeckBus {
  return {
    transport: 'redis',
    target: 'redis://127.0.0.1:6379',
    requester: { user: 'ada', host: 'jump1' },
    queue: {
      enqueue: async () => 'x',
      cancel: async () => {},
      retry: async () => {},
      list: async () => [],
      logs: async () => [],
      counts: async () => counts,
    },
    events: { subscribe: () => () => {} },
    state: { get: () => ({ state: 'connected', since: Date.now() }), subscribe: () => () => {} },
    workers: async () => [],
  };
}

describe('the Dashboard job counts', () => {
  it('come from the queue when it holds more jobs than the console lists', async () => {
    const deck = await startDeck({
      bus: busHolding({ queued: 3, active: 1, delayed: 0, completed: 12_000, failed: 7, cancelled: 2 }),
    });
    const f = await deck.waitFor('completed 12000');
    expect(f).toMatch(/queued 3 {2}active 1 {2}delayed 0 {2}completed 12000 {2}failed 7 {2}cancelled 2/);
    deck.unmount();
  });
});
