import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDeck } from '../../src/app/createDeck';
import { formatSourceError } from '../../src/domain/sourceError';
import { screens } from '../../src/screens';
import { loadConfig } from '../../src/services/storage/configFile';
import type { DeckServices } from '../../src/state/deckServices';

const services = {
  repos: {
    list: async () => ({ rows: [], errors: [] }),
    details: async () => ({ entry: {}, status: [], log: [] }),
  },
} as unknown as DeckServices;

describe('a config file with problems, as the console starts with it', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'infradeck-config-problems-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('applies the good values, keeps the default keys, and locates every problem', async () => {
    const file = join(dir, 'config.yaml');
    writeFileSync(
      file,
      [
        'theme:',
        '  accent: magenta',
        '  x: 1',
        'keys:',
        '  app.quitt: x',
        '  nav.down: ctrl+shift+Q',
        '  tab.1: "?"',
        '  nav.up: [k, up, ctrl-p]',
        '',
      ].join('\n'),
    );
    const loaded = await loadConfig(file, { explicit: true });
    const deck = createDeck({
      services,
      config: loaded.config,
      screens,
      dataDir: dir,
      configPath: file,
      readOnly: false,
      noColor: false,
      startupErrors: loaded.errors.map(formatSourceError),
      configErrorAt: loaded.errorAt,
    });

    expect(deck.theme.accent).toBe('magenta');
    expect(deck.keymap.resolve('j', ['table'])).toBe('nav.down');
    expect(deck.keymap.resolve('down', ['table'])).toBe('nav.down');
    expect(deck.keymap.resolve('ctrl-p', ['table'])).toBe('nav.up');
    expect(deck.keymap.resolve('?', ['global'])).toBe('app.help');
    expect(deck.keymap.resolve('1', ['global'])).toBe('tab.1');

    const messages = deck.store.getState().ui.messages.map((m) => m.text);
    expect(messages).toEqual([
      `${file}:3:3: theme.x: unknown key "x" (allowed: accent, noColor)`,
      `${file}:5:14: keys["app.quitt"]: unknown action id "app.quitt" (did you mean "app.quit"? ? lists the actions of each screen)`,
      `${file}:6:13: keys["nav.down"]: "ctrl+shift+Q" is not a key name; did you mean "ctrl-q"? (terminals send Ctrl-Shift-Q as Ctrl-Q); nav.down keeps j, down`,
      `${file}:7:10: keys["tab.1"]: "?" is already bound to app.help (Keys of this screen); tab.1 keeps 1`,
    ]);
    expect(deck.store.getState().ui.unreadMessages).toBe(4);
  });
});
