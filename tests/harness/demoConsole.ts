import { consoleCloud } from '../../src/consoleCloud';
import { deckBusOf } from '../../src/openWorkspace';
import type { Bus } from '../../src/services/bus/contracts';
import { openMemoryBus } from '../../src/services/bus/memoryBus';
import { type JobHandlerDeps, jobHandlersFor } from '../../src/worker/jobHandlers';
import { operator } from './memoryDeckBus';
import { type DeckSession, type StartDeckOptions, startDeck } from './startDeck';

export type ConsoleCloud = ReturnType<typeof consoleCloud>;

/**
 * The console as `npm start` opens workspace `dir`: the DEMO cloud, connected, and in-process workers that act on
 * that same cloud. `cloud` when the caller needs it before (a service built on its provider); `handlers` adds to
 * the workers' dependencies; the rest is startDeck's.
 */
export async function startDemoConsole(
  dir: string,
  opts: Omit<StartDeckOptions, 'bus'> & { cloud?: ConsoleCloud; handlers?: JobHandlerDeps } = {},
): Promise<{ deck: DeckSession; bus: Bus; cloud: ConsoleCloud }> {
  const { cloud = consoleCloud(dir, {}), handlers, ...deckOptions } = opts;
  const bus = openMemoryBus({
    handlers: jobHandlersFor({ cloud: cloud.provider, dataDir: dir, ...handlers }),
    requester: operator,
  });
  const deck = await startDeck({
    ...deckOptions,
    bus: deckBusOf(bus, operator),
    services: { cloud: cloud.deckCloud, ...deckOptions.services },
  });
  await deck.store.getState().actions.cloud.connect({ demo: true });
  return { deck, bus, cloud };
}
