import { describe, expect, it } from 'vitest';
import { createDeck } from '../../src/app/createDeck';
import { runConsole } from '../../src/app/runConsole';
import { enterAltScreen, leaveAltScreen } from '../../src/app/terminal';
import { defaultConfig } from '../../src/domain/config';
import type { DeckServices } from '../../src/state/deckServices';
import type { Screen } from '../../src/ui/screen';
import { fakeTerminal } from '../harness/fakeTerminal';
import { tick } from '../harness/startDeck';

function Exploding(): never {
  throw new Error('boom: the resource index is corrupt');
}

const explodingScreen: Screen = {
  id: 'boom',
  title: 'Boom',
  aliases: [],
  actions: [],
  scopes: [],
  hints: [],
  Component: Exploding,
};

const calmScreen: Screen = { ...explodingScreen, id: 'calm', title: 'Calm', Component: () => null };

const services: DeckServices = {
  repos: {
    list: async () => ({ rows: [], errors: [] }),
    details: async (entry) => ({ entry, status: [], log: [] }),
  },
};

function deckWith(screens: Screen[]) {
  return createDeck({
    services,
    config: defaultConfig,
    screens,
    dataDir: '/data',
    configPath: '/config.yaml',
    readOnly: false,
    noColor: true,
  });
}

describe('the terminal is given back on every way out', () => {
  it('leaves the alternate screen and explains when a screen throws', async () => {
    const term = fakeTerminal();
    const logged: unknown[] = [];
    const code = await runConsole({
      deck: deckWith([explodingScreen]),
      screens: [explodingScreen],
      ...term,
      guardProcess: false,
      logFile: '/var/log/infradeck.log',
      logError: (_what, error) => logged.push(error),
    });
    expect(code).toBe(1);
    const out = term.stdout.text();
    expect(out.startsWith(enterAltScreen)).toBe(true);
    expect(out.lastIndexOf(leaveAltScreen)).toBeGreaterThan(0);
    expect(term.stderr.text()).toContain('infradeck stopped: boom: the resource index is corrupt');
    expect(term.stderr.text()).toContain('/var/log/infradeck.log');
    expect(term.stderr.text()).not.toMatch(/\n\s+at /); // the stack goes to the log, not the screen
    expect((logged[0] as Error).message).toContain('boom');
  });

  it('leaves the alternate screen on q and on Ctrl-C', async () => {
    for (const key of ['q', '\x03']) {
      const term = fakeTerminal();
      const running = runConsole({
        deck: deckWith([calmScreen]),
        screens: [calmScreen],
        ...term,
        guardProcess: false,
        logFile: '/dev/null',
        logError: () => {},
      });
      await tick(50);
      term.stdin.press(key);
      expect(await running).toBe(0);
      expect(term.stdout.text().endsWith(leaveAltScreen)).toBe(true);
    }
  });
});
