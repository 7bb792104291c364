import { createDeck } from '../../src/app/createDeck';
import { runConsole } from '../../src/app/runConsole';
import { configSchema } from '../../src/domain/config';
import { screens } from '../../src/screens';
import type { DeckServices } from '../../src/state/deckServices';
import { benchTerminal } from './fakeTerminal';

/** runConsole's Ink options (src/app/runConsole.tsx) with the frame cap off; keep in step with it. */
export const THROTTLE_OFF = {
  exitOnCtrlC: false,
  patchConsole: false,
  incrementalRendering: true,
  maxFps: 0,
};

/** The whole console (createDeck with the real screens and the default config) on a fake terminal. */
export function benchDeck(services: DeckServices, columns: number, rows: number) {
  const deck = createDeck({
    services,
    config: configSchema.parse({}),
    screens,
    dataDir: '/srv/infradeck',
    configPath: '/srv/infradeck/config.yaml',
    readOnly: false,
    noColor: false,
  });
  return { deck, ...benchTerminal(columns, rows) };
}

/** Runs a bench deck through runConsole itself (the console's Ink options); errors go to `errors`. */
export function runBenchConsole(console: ReturnType<typeof benchDeck>, errors: string[]): Promise<number> {
  const { deck, stdout, stdin, stderr } = console;
  return runConsole({
    deck,
    screens,
    stdout,
    stdin,
    stderr,
    guardProcess: false,
    logFile: '(benchmark)',
    logError: (what, error) => errors.push(`${what}: ${error instanceof Error ? error.stack : error}`),
  });
}
