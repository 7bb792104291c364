import { render } from 'ink-testing-library';
import { App } from '../../src/app/App';
import type { PaletteCommand } from '../../src/app/commands';
import { createDeck } from '../../src/app/createDeck';
import type { Screen } from '../../src/app/screen';
import { configSchema, type DeckConfig } from '../../src/domain/config';
import { screens as allScreens } from '../../src/screens';
import type { DeckBus, DeckServices } from '../../src/state/deckServices';
import { keySequence } from './keys';

export interface StartDeckOptions {
  services?: Partial<DeckServices>;
  /** Raw config values, validated like config.yaml would be. */
  config?: unknown;
  screens?: readonly Screen[];
  commands?: readonly PaletteCommand[];
  size?: { columns: number; rows: number };
  readOnly?: boolean;
  noColor?: boolean;
  startupErrors?: string[];
  /** The worker layer (see `memoryDeckBus`); without it the console has no jobs. */
  bus?: DeckBus;
}

const noRepos: DeckServices['repos'] = {
  list: async () => ({ rows: [], errors: [] }),
  details: async (entry) => ({ entry, status: [], log: [] }),
};

export const tick = (ms = 15) => new Promise((r) => setTimeout(r, ms));

/** Renders the whole console like a user would see it, with a keyboard and a way to wait for the screen. */
export async function startDeck(opts: StartDeckOptions = {}) {
  const config: DeckConfig = configSchema.parse(opts.config ?? {});
  const screens = opts.screens ?? allScreens;
  const deck = createDeck({
    services: { repos: noRepos, bus: opts.bus, ...opts.services } as DeckServices,
    config,
    screens,
    dataDir: '/work/data',
    configPath: '/home/op/.config/infradeck/config.yaml',
    readOnly: opts.readOnly ?? false,
    noColor: opts.noColor ?? false,
    startupErrors: opts.startupErrors,
  });
  const app = render(<App deck={deck} screens={screens} commands={opts.commands} />);
  const size = { ...(opts.size ?? { columns: 100, rows: 30 }) };
  // ink-testing-library's stdout is 100 columns with no rows; give it a real terminal's size.
  Object.defineProperty(app.stdout, 'columns', { get: () => size.columns, configurable: true });
  Object.defineProperty(app.stdout, 'rows', { get: () => size.rows, configurable: true });
  app.stdout.emit('resize');
  await tick();

  const frame = () => app.lastFrame() ?? '';

  return {
    deck,
    store: deck.store,
    frame,
    lines: () => frame().split('\n'),
    async press(...keys: string[]) {
      for (const k of keys) {
        app.stdin.write(keySequence(k));
        await tick();
      }
    },
    async type(text: string) {
      for (const ch of text) {
        app.stdin.write(ch);
        await tick(5);
      }
      await tick();
    },
    /** Types text as one chunk, as a paste or keys over a slow link arrive: the console replays it key by key. */
    async paste(text: string) {
      app.stdin.write(text);
      await tick(Math.max(30, text.length * 5));
    },
    /** Waits until the screen shows the text, matches the pattern, or satisfies the predicate. */
    async waitFor(
      pattern: string | RegExp | ((frame: string) => boolean),
      timeoutMs = 4000,
    ): Promise<string> {
      const deadline = Date.now() + timeoutMs;
      const matches = (f: string) =>
        typeof pattern === 'string'
          ? f.includes(pattern)
          : pattern instanceof RegExp
            ? pattern.test(f)
            : pattern(f);
      for (;;) {
        const f = frame();
        if (matches(f)) return f;
        if (Date.now() > deadline)
          throw new Error(`timed out waiting for ${String(pattern)}; screen was:\n${f}`);
        await tick(20);
      }
    },
    async resize(columns: number, rows: number) {
      size.columns = columns;
      size.rows = rows;
      app.stdout.emit('resize');
      await tick(30);
    },
    unmount: () => app.unmount(),
  };
}

export type DeckSession = Awaited<ReturnType<typeof startDeck>>;
