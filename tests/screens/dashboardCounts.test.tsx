import { describe, expect, it } from 'vitest';
import { startDeck } from '../harness/startDeck';
import { stubDeckBus } from '../harness/stubServices';

describe('the Dashboard job counts', () => {
  it('come from the queue when it holds more jobs than the console lists', async () => {
    const deck = await startDeck({
      bus: stubDeckBus({
        queue: {
          counts: async () => ({
            queued: 3,
            active: 1,
            delayed: 0,
            completed: 12_000,
            failed: 7,
            cancelled: 2,
          }),
        },
      }),
    });
    const f = await deck.waitFor('completed 12000');
    expect(f).toMatch(/queued 3 {2}active 1 {2}delayed 0 {2}completed 12000 {2}failed 7 {2}cancelled 2/);
    deck.unmount();
  });
});
