import { deckBusOf } from '../../src/openWorkspace';
import type { Bus } from '../../src/services/bus/contracts';
import { openMemoryBus } from '../../src/services/bus/memoryBus';
import type { DeckBus } from '../../src/state/services/bus';
import { command } from '../../src/worker/handlers/command';

export const operator = { user: 'ada', host: 'jump1' };

/** The embedded worker layer with the real handlers, as `npm start` runs it. */
export function memoryDeckBus(): { bus: Bus; deckBus: DeckBus } {
  const bus = openMemoryBus({ handlers: { command }, requester: operator });
  return { bus, deckBus: deckBusOf(bus, operator) };
}
