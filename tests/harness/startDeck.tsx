import { render } from 'ink-testing-library';
import { App } from '../../src/app/App';
import { createDeck } from '../../src/app/createDeck';
import { configSchema, type DeckConfig } from '../../src/domain/config';
import { screens as allScreens } from '../../src/screens';
import type { DeckServices } from '../../src/state/deckServices';
import type { DeckBus } from '../../src/state/services/bus';
import type { PaletteCommand } from '../../src/ui/paletteCommand';
import type { Screen } from '../../src/ui/screen';
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

/** One turn of the event loop: React runs passive effects, and Ink flushes a pending Esc, in an immediate. */
const turn = () => new Promise((r) => setImmediate(r));

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

  // ink-testing-library runs Ink in debug mode: one whole frame is written for every React commit, unthrottled.
  let drawn = 0;
  const onDraw = new Set<() => void>();
  const write = app.stdout.write;
  // Operating system commands (OSC 52 from `y`) go to the terminal between frames: kept apart, not as a frame.
  const osc: string[] = [];
  app.stdout.write = (f: string) => {
    if (f.startsWith('\x1b]')) {
      osc.push(f);
      return;
    }
    write(f);
    drawn++;
    for (const notify of onDraw) notify();
  };
  /** Resolves at the next frame, or after `ms` when nothing is drawn. */
  const nextFrame = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        onDraw.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      onDraw.add(done);
    });
  /**
   * After input: waits for the frame it caused, then until nothing more is drawn for two turns of the event
   * loop (what the commit set off: passive effects, settled promises, their renders). A key's frame comes
   * just after `stdin.write` returns (React flushes the update after the handler; Ink holds a lone Esc for one
   * immediate to see whether a sequence follows). Input that changes nothing on screen draws no frame: then
   * this returns after `noFrameMs`, the fixed pause every key used to get.
   */
  async function settled(before: number, noFrameMs: number) {
    if (drawn === before) await nextFrame(noFrameMs);
    if (drawn === before) return;
    const deadline = Date.now() + 1000;
    for (let seen = -1; seen !== drawn && Date.now() < deadline; ) {
      seen = drawn;
      await turn();
      await turn();
    }
  }

  const session = {
    deck,
    store: deck.store,
    frame,
    lines: () => frame().split('\n'),
    /** The OSC sequences the console wrote (`ESC ] 52 ; c ; <base64> BEL` for a copy), oldest first. */
    osc: () => [...osc],
    /** Presses each key and waits until its frame is drawn (see `settled`). */
    async press(...keys: string[]) {
      for (const k of keys) {
        const before = drawn;
        app.stdin.write(keySequence(k));
        await settled(before, 15);
      }
    },
    async type(text: string) {
      for (const ch of text) {
        const before = drawn;
        app.stdin.write(ch);
        await settled(before, 5);
      }
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
        // Looks again at each new frame; every 20 ms anyway, for a predicate that reads more than the frame.
        await nextFrame(20);
      }
    },
    /**
     * Waits until a toast with this text was shown: it may be gone from the message line already (a newer one, a
     * job's quick failure say, took it).
     */
    toasted(pattern: string | RegExp, timeoutMs = 4000): Promise<string> {
      const text = () =>
        deck.store
          .getState()
          .ui.toasts.map((t) => t.text)
          .find((t) => (typeof pattern === 'string' ? t.includes(pattern) : pattern.test(t)));
      return session.waitFor(() => text() !== undefined, timeoutMs).then(() => text()!);
    },
    async resize(columns: number, rows: number) {
      size.columns = columns;
      size.rows = rows;
      const before = drawn;
      app.stdout.emit('resize');
      await settled(before, 30);
    },
    unmount: () => app.unmount(),
  };
  return session;
}

export type DeckSession = Awaited<ReturnType<typeof startDeck>>;
