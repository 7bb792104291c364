import { describe, expect, it } from 'vitest';
import type { RegionScan } from '../../src/domain/resource';
import type { DeckCloud } from '../../src/state/services/cloud';
import { memoryDeckBus } from '../harness/memoryDeckBus';
import { startDeck } from '../harness/startDeck';
import { stubDeckCloud } from '../harness/stubServices';

function cloudWithCache(scannedAt: number): DeckCloud {
  const scan: RegionScan = { account: '123456789012', region: 'eu-west-1', scannedAt, resources: [] };
  return stubDeckCloud({ cachedScans: async () => ({ scans: [scan], unread: [] }) });
}

describe('opening the cloud', () => {
  it('scans again when the cache is older than cloud.staleMinutes, and not when it is fresh', async () => {
    for (const [ageMinutes, expected] of [
      [45, 1],
      [5, 0],
    ] as const) {
      const { bus, deckBus } = memoryDeckBus();
      const deck = await startDeck({
        bus: deckBus,
        services: { cloud: cloudWithCache(Date.now() - ageMinutes * 60_000) },
        config: { cloud: { staleMinutes: 30 } },
      });
      await deck.store.getState().actions.cloud.connect();
      const scans = (await bus.queue.list()).filter((j) => j.kind === 'scan');
      expect(scans.length, `cache ${ageMinutes} min old`).toBe(expected);
      deck.unmount();
      await bus.close();
    }
  });
});
