import { afterEach, describe, expect, it } from 'vitest';
import type { RepoStatus } from '../../src/domain/repo';
import { reposScreen } from '../../src/screens/repos/ReposScreen';
import type { PaletteCommand } from '../../src/ui/paletteCommand';
import { type DeckSession, startDeck } from '../harness/startDeck';
import { textScreen } from './testScreens';

const repo = (name: string, subject: string): RepoStatus => ({
  kind: 'ok',
  entry: { name, path: `/src/${name}`, source: 'repos.yaml' },
  branch: 'main',
  detached: false,
  changed: 0,
  ahead: 0,
  behind: 0,
  last: { hash: 'abc1234', time: Math.floor(Date.now() / 1000) - 3600, author: 'ada', subject },
});
const rows = [repo('api', 'fix login'), repo('web', 'new header'), repo('infra', 'bump terraform')];
const repos = {
  list: async () => ({ rows, errors: [] }),
  details: async () => ({ entry: rows[0].entry, status: [], log: [] }),
};
const screens = [
  reposScreen,
  textScreen('jobs', 'Jobs', 'the jobs body'),
  textScreen('servers', 'Servers', 'the servers body'),
  textScreen('boxes', 'Boxes', 'the boxes body'),
];

/** `:destroy NAME` asks for NAME to be typed, as deleting a project does. */
function destroyCommand(destroyed: string[]): PaletteCommand {
  return {
    name: 'destroy',
    aliases: [],
    args: '<name>',
    description: 'Destroy a project (type its name)',
    run: ([name], ctx) => {
      ctx.actions.ui.confirm({
        title: `Destroy ${name}?`,
        lines: ['Everything of it goes.'],
        typed: name,
        onYes: () => destroyed.push(name),
      });
      return undefined;
    },
  };
}

let deck: DeckSession | undefined;
afterEach(() => deck?.unmount());

/** The `:` line at the bottom of the palette. */
const promptLine = (frame: string) => frame.split('\n').find((l) => l.startsWith(':')) ?? '';

describe('the palette', () => {
  it('lists more than five commands and runs the one selected with ↓', async () => {
    const destroyed: string[] = [];
    deck = await startDeck({ screens, services: { repos }, commands: [destroyCommand(destroyed)] });
    await deck.waitFor('fix login');
    await deck.press(':');
    const f = await deck.waitFor('destroy <name>');
    for (const name of ['repos', 'jobs', 'servers', 'boxes', 'help', 'quit', 'destroy'])
      expect(f).toMatch(new RegExp(`^[ >]${name}\\b`, 'm'));
    await deck.press('down', 'down', 'down', 'down');
    const selected = await deck.waitFor(/^>boxes/m);
    expect(selected.match(/^>.* — /gm)).toHaveLength(1);
    await deck.press('up');
    await deck.waitFor(/^>servers/m);
    await deck.press('enter');
    await deck.waitFor('the servers body');
    expect(deck.store.getState().ui.tab).toBe('servers');
  });

  it('completes the selected suggestion with Tab and scrolls to a selection past the last row', async () => {
    deck = await startDeck({ screens, services: { repos }, size: { columns: 100, rows: 15 } });
    await deck.press(':');
    // 15 rows: five suggestion rows, the last one counting them.
    let f = await deck.waitFor(/1–4 of \d+ · ↑↓ select/);
    expect(f).not.toMatch(/^ quit/m);
    for (let i = 0; i < 10 && !/^>quit/m.test(deck.frame()); i++) await deck.press('ctrl-n');
    f = await deck.waitFor(/^>quit/m);
    expect(f).toMatch(/\d–\d of \d+ · ↑↓ select/);
    expect(f).not.toMatch(/^ repos/m);
    while (!/^>help/m.test(deck.frame())) await deck.press('ctrl-p');
    await deck.press('tab');
    f = await deck.waitFor(':help █');
    expect(promptLine(f).trimEnd()).toBe(':help █');
  });

  it('recalls earlier commands with ↑ on an empty line', async () => {
    deck = await startDeck({ screens, services: { repos } });
    await deck.press(':');
    await deck.type('jobs');
    await deck.press('enter');
    await deck.waitFor('the jobs body');
    await deck.press(':');
    await deck.type('repo');
    await deck.press('enter');
    await deck.waitFor('fix login');
    await deck.press(':', 'up');
    expect(promptLine(await deck.waitFor(':repo█'))).toMatch(/^:repo█/);
    await deck.press('up');
    expect(promptLine(await deck.waitFor(':jobs█'))).toMatch(/^:jobs█/);
    await deck.press('down', 'down');
    await deck.waitFor((f) => /^:█/.test(promptLine(f)));
  });

  it('edits where the cursor is: ←, Ctrl-W, Ctrl-A, Ctrl-K', async () => {
    deck = await startDeck({ screens, services: { repos } });
    await deck.press(':');
    await deck.type('run sleep 30');
    await deck.press('ctrl-w');
    await deck.waitFor((f) => promptLine(f).startsWith(':run sleep █'));
    await deck.type('5');
    await deck.press('left', 'left', 'ctrl-w');
    // The cursor is on the space before `5`: no colour here, so the frame shows the text without it.
    await deck.waitFor((f) => promptLine(f).startsWith(':run  5'));
    await deck.press('ctrl-a', 'ctrl-k');
    await deck.waitFor((f) => promptLine(f).startsWith(':█'));
  });

  it('takes a bracketed paste as text: its line break runs nothing', async () => {
    deck = await startDeck({ screens, services: { repos } });
    await deck.press(':');
    await deck.paste('\x1b[200~jobs\r\x1b[201~');
    const f = await deck.waitFor((frame) => promptLine(frame).startsWith(':jobs█'));
    expect(deck.store.getState().ui.overlay).toBe('palette');
    expect(f).not.toContain('the jobs body');
    await deck.press('enter');
    await deck.waitFor('the jobs body');
  });

  it('tells an unknown command with the one probably meant', async () => {
    deck = await startDeck({ screens, services: { repos } });
    await deck.press(':');
    await deck.type('jbos');
    await deck.press('enter');
    await deck.waitFor('unknown command ":jbos" (did you mean :jobs?');
  });
});

describe('a typed confirmation', () => {
  it('is never confirmed by a pasted line break, only by Enter typed after it', async () => {
    const destroyed: string[] = [];
    deck = await startDeck({ screens, services: { repos }, commands: [destroyCommand(destroyed)] });
    await deck.press(':');
    await deck.type('destroy web');
    await deck.press('enter');
    await deck.waitFor('Type web and press Enter');
    await deck.paste('\x1b[200~web\r\n\x1b[201~');
    await deck.waitFor('> web█');
    expect(destroyed).toEqual([]);
    expect(deck.store.getState().ui.overlay).toBe('confirm');
    await deck.press('enter');
    await deck.waitFor('fix login');
    expect(destroyed).toEqual(['web']);
  });

  it('is edited like any line: Backspace, Ctrl-U', async () => {
    const destroyed: string[] = [];
    deck = await startDeck({ screens, services: { repos }, commands: [destroyCommand(destroyed)] });
    await deck.press(':');
    await deck.type('destroy web');
    await deck.press('enter');
    await deck.type('wbe');
    await deck.press('enter');
    await deck.waitFor('that is not "web"');
    await deck.press('ctrl-u');
    await deck.type('weeb');
    await deck.press('left', 'left', 'backspace', 'enter');
    await deck.waitFor('fix login');
    expect(destroyed).toEqual(['web']);
  });
});

describe('the filter prompt', () => {
  it('shows a kept filter selected: typing replaces it, → keeps it to edit', async () => {
    deck = await startDeck({ screens, services: { repos } });
    await deck.waitFor('fix login');
    await deck.press('/');
    await deck.type('api');
    await deck.press('enter');
    await deck.waitFor((f) => !f.includes('new header'));
    await deck.press('/');
    await deck.type('web');
    let f = await deck.waitFor('new header');
    expect(f).not.toContain('fix login');
    expect(deck.store.getState().ui.filters.repos).toBe('web');
    await deck.press('enter', '/', 'right', 'backspace');
    expect(deck.store.getState().ui.filters.repos).toBe('we');
    await deck.press('ctrl-u');
    await deck.type('!re:^(web|infra)');
    await deck.press('enter');
    f = await deck.waitFor((frame) => !frame.includes('new header'));
    expect(f).toContain('fix login');
  });

  it('recalls earlier filters with ↑, and Esc on the table clears a kept filter', async () => {
    deck = await startDeck({ screens, services: { repos } });
    await deck.waitFor('fix login');
    await deck.press('/');
    await deck.type('infra');
    await deck.press('enter');
    await deck.waitFor((f) => !f.includes('fix login'));
    await deck.press('esc');
    await deck.waitFor('fix login');
    expect(deck.store.getState().ui.filters.repos).toBe('');
    await deck.press('/', 'up');
    await deck.waitFor((f) => !f.includes('fix login') && f.includes('bump terraform'));
    expect(deck.store.getState().ui.filters.repos).toBe('infra');
  });

  it('keeps nothing on Enter for a filter that does not parse: the prompt stays with its error', async () => {
    deck = await startDeck({ screens, services: { repos } });
    await deck.waitFor('new header');
    await deck.press('/');
    await deck.type('re:(');
    await deck.waitFor(/invalid regex/);
    await deck.press('enter');
    // Not closed into `filter: re:( (/ to change…` over a table that shows every row as if it matched.
    expect(deck.store.getState().ui.overlay).toBe('filter');
    expect(deck.frame()).toMatch(/invalid regex/);
    expect(deck.frame()).not.toContain('filter: re:(');
    // Fixed, it is kept as any filter is.
    await deck.press('ctrl-u');
    await deck.type('re:^fix');
    await deck.press('enter');
    const f = await deck.waitFor('filter: re:^fix');
    expect(deck.store.getState().ui.overlay).toBeNull();
    expect(f).not.toContain('new header');
  });
});
