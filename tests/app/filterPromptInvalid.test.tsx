import { afterEach, describe, expect, it } from 'vitest';
import type { RepoStatus } from '../../src/domain/repo';
import { reposScreen } from '../../src/screens/repos/ReposScreen';
import { type DeckSession, startDeck } from '../harness/startDeck';

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
const rows = [repo('api', 'fix login'), repo('web', 'new header')];
const repos = {
  list: async () => ({ rows, errors: [] }),
  details: async () => ({ entry: rows[0].entry, status: [], log: [] }),
};

let deck: DeckSession | undefined;
afterEach(() => deck?.unmount());

describe('the / prompt with a filter that does not parse', () => {
  it('keeps nothing on Enter: the prompt stays with its error, and Esc leaves every row', async () => {
    deck = await startDeck({ screens: [reposScreen], services: { repos } });
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
