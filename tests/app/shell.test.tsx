import stringWidth from 'string-width';
import { afterEach, describe, expect, it } from 'vitest';
import type { RepoStatus } from '../../src/domain/repo';
import { reposScreen } from '../../src/screens/repos/ReposScreen';
import { type DeckSession, startDeck } from '../harness/startDeck';
import { fragileScreen, textScreen } from './testScreens';

const repo = (name: string, branch: string, subject: string): RepoStatus => ({
  kind: 'ok',
  entry: { name, path: `/src/${name}`, source: 'repos.yaml' },
  branch,
  detached: false,
  changed: 0,
  ahead: 0,
  behind: 0,
  last: { hash: 'abc1234', time: Math.floor(Date.now() / 1000) - 3600, author: 'ada', subject },
});

const rows = [
  repo('api', 'main', 'fix login'),
  repo('web', 'develop', 'new header'),
  repo('infra', 'main', 'bump terraform'),
];
const repos = {
  list: async () => ({ rows, errors: [] }),
  details: async () => ({ entry: rows[0].entry, status: [], log: [] }),
};
const screens = [
  reposScreen,
  textScreen('jobs', 'Jobs', 'the jobs body'),
  textScreen('servers', 'Servers', 'the servers body'),
];

let deck: DeckSession | undefined;
afterEach(() => deck?.unmount());

describe('the console shell', () => {
  it('switches tabs with digits, Tab and Shift-Tab', async () => {
    deck = await startDeck({ screens, services: { repos } });
    await deck.waitFor('api');
    await deck.press('2');
    await deck.waitFor('the jobs body');
    await deck.press('tab');
    await deck.waitFor('the servers body');
    await deck.press('tab');
    await deck.waitFor('bump terraform');
    await deck.press('shift-tab');
    await deck.waitFor('the servers body');
    expect(deck.store.getState().ui.tab).toBe('servers');
  });

  it('runs palette commands by alias, with Tab completion', async () => {
    deck = await startDeck({ screens, services: { repos } });
    await deck.press('3');
    await deck.press(':');
    await deck.type('re');
    await deck.press('tab');
    await deck.waitFor(':repos █');
    await deck.press('enter');
    await deck.waitFor('fix login');
    expect(deck.store.getState().ui.tab).toBe('repos');

    await deck.press(':');
    await deck.type('jo');
    await deck.press('tab', 'enter');
    await deck.waitFor('the jobs body');

    await deck.press(':');
    await deck.type('git');
    await deck.press('enter');
    expect(deck.store.getState().ui.tab).toBe('repos');
  });

  it('lists matching commands while typing and reports an unknown one', async () => {
    deck = await startDeck({ screens, services: { repos } });
    await deck.press(':');
    await deck.type('h');
    await deck.waitFor('help (h) — Keys of the current screen');
    await deck.press('ctrl-u');
    await deck.type('nope');
    await deck.press('enter');
    await deck.waitFor('unknown command ":nope"');
  });

  it('takes keys that arrive in one read (a paste, a slow link) one by one', async () => {
    deck = await startDeck({ screens, services: { repos } });
    await deck.waitFor('fix login');
    await deck.paste(':help\r');
    await deck.waitFor('[repo.refresh]');
    await deck.press('esc');
    await deck.paste('/re:^w\r');
    const f = await deck.waitFor((frame) => frame.includes('filter: re:^w'));
    expect(f).toContain('new header');
    expect(f).not.toContain('fix login');
  });

  it('reports a key handler that throws and keeps going', async () => {
    deck = await startDeck({ screens: [fragileScreen, ...screens], services: { repos } });
    await deck.waitFor('the fragile body');
    await deck.press('x');
    await deck.waitFor('key: row 3 has no id');
    await deck.press('2');
    await deck.waitFor('fix login');
  });

  it('quits with :q', async () => {
    deck = await startDeck({ screens, services: { repos } });
    await deck.press(':');
    await deck.type('q');
    await deck.press('enter');
    expect(deck.store.getState().ui.quitting).toBe(true);
  });

  it('filters the table by substring, regex and inverse', async () => {
    deck = await startDeck({ screens, services: { repos } });
    await deck.waitFor('infra');
    await deck.press('/');
    await deck.type('MAIN');
    let f = await deck.waitFor((frame) => !frame.includes('new header'));
    expect(f).toContain('api');
    expect(f).toContain('infra');
    expect(f).not.toContain('new header');

    await deck.press('ctrl-u');
    await deck.type('re:^(web|api)');
    f = await deck.waitFor('new header');
    expect(f).toContain('fix login');
    expect(f).not.toContain('bump terraform');

    await deck.press('ctrl-u');
    await deck.type('!re:^(web|api)');
    await deck.press('enter');
    f = await deck.waitFor('bump terraform');
    expect(f).not.toContain('fix login');
    expect(f).toContain('filter: !re:^(web|api)');

    await deck.press('/');
    await deck.press('ctrl-u');
    await deck.type('re:[');
    await deck.waitFor(/invalid|Invalid|unterminated/);
    await deck.press('esc');
    f = await deck.waitFor('fix login');
    expect(f).toContain('bump terraform');
  });

  it('shows the keys of the current screen in the help overlay, from the keymap', async () => {
    deck = await startDeck({ screens, services: { repos } });
    await deck.press('?');
    const f = await deck.waitFor('Status and recent commits');
    expect(f).toContain('Repositories');
    expect(f).toContain('[repo.refresh]');
    expect(f).toContain('[nav.down]');
    expect(f).toMatch(/j ↓\s+Down/);
    expect(f).toContain('[app.quit]');
    await deck.press('esc');
    await deck.waitFor('fix login');
    await deck.press('2', '?');
    const jobsHelp = await deck.waitFor('Global');
    expect(jobsHelp).not.toContain('[repo.refresh]');
  });

  it("under the help overlay, the message line shows the help's keys, not the covered screen's", async () => {
    deck = await startDeck({ screens, services: { repos }, size: { columns: 80, rows: 24 } });
    const d = deck;
    await d.press('/');
    await d.type('web');
    await d.press('enter');
    await d.waitFor('filter: web');
    await d.press('?');
    await d.waitFor('Status and recent commits');
    // The line above the status bar.
    const messageLine = () => d.lines().at(-2);
    expect(messageLine()).toBe('j/k scroll  Esc close');
    await d.press('esc');
    await d.waitFor('new header');
    // Back on the list, its kept filter is said again.
    expect(messageLine()).toMatch(/^filter: web \(\/ to change/);
  });

  it('under a confirmation, the message line leaves out the covered screen’s keys (the box says its own)', async () => {
    deck = await startDeck({ screens, services: { repos }, size: { columns: 80, rows: 24 } });
    const d = deck;
    await d.waitFor('fix login');
    const messageLine = () => d.lines().at(-2) ?? '';
    expect(messageLine()).toContain('? help');
    d.store.getState().actions.ui.confirm({ title: 'Go ahead?', lines: ['a line'], onYes: () => {} });
    await d.waitFor('Go ahead?');
    expect(messageLine().trim()).toBe('');
    await d.press('n');
    await d.waitFor((f) => !f.includes('Go ahead?'));
    expect(messageLine()).toContain('? help');
  });

  it('applies key overrides from the config, including an unbound key', async () => {
    deck = await startDeck({
      screens,
      services: { repos },
      config: { keys: { 'nav.down': ['J'], 'app.quit': null } },
    });
    await deck.waitFor('fix login');
    await deck.press('q');
    expect(deck.store.getState().ui.quitting).toBe(false);
    await deck.press('?');
    const help = await deck.waitFor('[app.quit]');
    expect(help).toMatch(/\(unbound\)\s+Quit/);
    expect(help).toMatch(/J\s+Down/);
    await deck.press('esc');
    // `j` no longer moves the cursor; `J` does: Enter then opens the second row.
    await deck.press('j', 'j', 'J', 'enter');
    await deck.waitFor('/src/web');
    expect(deck.store.getState().repos.details?.entry.name).toBe('web');
  });

  it('writes the key hints from the keymap, so a key rebound in the config shows under the screen', async () => {
    deck = await startDeck({ screens, services: { repos } });
    await deck.waitFor('Enter details  r refresh  / filter  o sort  ? help  : command');
    deck.unmount();
    deck = await startDeck({
      screens,
      services: { repos },
      config: { keys: { 'repo.refresh': 'R', 'table.sortNext': null, 'app.help': 'h' } },
    });
    const frame = await deck.waitFor('Enter details  R refresh  / filter  h help  : command');
    expect(frame).not.toContain('o sort');
  });

  it('reports an unknown action id in the config instead of ignoring it', async () => {
    deck = await startDeck({ screens, services: { repos }, config: { keys: { 'nav.dwn': 'x' } } });
    await deck.waitFor('keys["nav.dwn"]: unknown action id "nav.dwn" (did you mean "nav.down"?');
  });

  it('fits 80x24 exactly and never draws wider', async () => {
    deck = await startDeck({ screens, services: { repos }, size: { columns: 80, rows: 24 } });
    await deck.waitFor('fix login');
    for (const view of [[], ['?'], ['esc', ':'], ['esc', '/']]) {
      await deck.press(...view);
      const lines = deck.lines();
      expect(lines.length).toBe(24);
      for (const l of lines) expect(stringWidth(l)).toBeLessThanOrEqual(80);
    }
  });

  it('re-lays out on resize and says when the terminal is too small', async () => {
    deck = await startDeck({ screens, services: { repos }, size: { columns: 120, rows: 40 } });
    await deck.waitFor('fix login');
    expect(deck.lines().length).toBe(40);
    await deck.resize(20, 5);
    await deck.waitFor('too small');
    expect(deck.lines().length).toBeLessThanOrEqual(5);
    for (const l of deck.lines()) expect(stringWidth(l)).toBeLessThanOrEqual(20);
    await deck.resize(90, 25);
    await deck.waitFor('fix login');
    expect(deck.lines().length).toBe(25);
  });

  it('shows start-up errors as a toast and keeps the last one in the status bar', async () => {
    deck = await startDeck({
      screens,
      services: { repos },
      startupErrors: ['config.yaml:3:10: refresh.repos: expected a number, got "soon"'],
    });
    const f = await deck.waitFor('expected a number');
    expect(f).toContain('config.yaml:3:10');
  });

  it('marks read-only mode in the status bar', async () => {
    deck = await startDeck({ screens, services: { repos }, readOnly: true });
    await deck.waitFor('READ-ONLY');
  });
});
