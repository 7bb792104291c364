import { describe, expect, it } from 'vitest';
import { reposScreen } from '../../src/screens/repos/ReposScreen';
import {
  globalActions,
  Keymap,
  type KeyOverrides,
  logActions,
  tabActions,
  tableActions,
} from '../../src/ui/keymap';

const defs = [...globalActions, ...tabActions(6), ...tableActions, ...logActions, ...reposScreen.actions];
const keymap = (overrides: KeyOverrides) => new Keymap(defs, overrides);
const onRepos = ['repos', 'table', 'global'];

describe('the keymap with the config file’s keys', () => {
  it('applies good overrides and unbinding, with no problems (the README example included)', () => {
    const k = keymap({
      'nav.down': ['j', 'down', 'ctrl-n'],
      'app.quit': null,
      'repo.refresh': 'R',
      'nav.top': [],
    });
    expect(k.problems).toEqual([]);
    expect(k.resolve('ctrl-n', onRepos)).toBe('nav.down');
    expect(k.resolve('q', onRepos)).toBeUndefined();
    expect(k.resolve('R', onRepos)).toBe('repo.refresh');
    expect(k.resolve('r', onRepos)).toBeUndefined();
    expect(k.keysFor('nav.top', 'table')).toEqual([]);
  });

  it('n and N belong to the log search in a log view: a move bound to them there is a clash, reported', () => {
    const k = keymap({ 'nav.down': ['j', 'n'] });
    expect(k.problems).toEqual([
      {
        path: ['nav.down', 1],
        message: expect.stringMatching(
          /^"n" is already bound to log\.searchNext \(Next match.*\); nav\.down keeps j, down$/,
        ),
      },
    ]);
    expect(k.resolve('n', ['log'])).toBe('log.searchNext');
    expect(k.resolve('N', ['log'])).toBe('log.searchPrev');
    expect(k.resolve('/', ['log'])).toBe('log.search');
  });

  it('names an unknown action id and the one probably meant, and applies nothing for it', () => {
    const k = keymap({ 'app.quitt': 'x' });
    expect(k.problems).toEqual([
      {
        path: ['app.quitt'],
        message:
          'unknown action id "app.quitt" (did you mean "app.quit"? ? lists the actions of each screen)',
      },
    ]);
    expect(k.resolve('x', onRepos)).toBeUndefined();
    expect(k.resolve('q', onRepos)).toBe('app.quit');
  });

  it('keeps the default keys of an action given a key no terminal sends (j and Down still move)', () => {
    const k = keymap({ 'nav.down': 'ctrl+shift+Q' });
    expect(k.problems).toHaveLength(1);
    expect(k.problems[0].path).toEqual(['nav.down']);
    expect(k.problems[0].message).toBe(
      '"ctrl+shift+Q" is not a key name; did you mean "ctrl-q"? (terminals send Ctrl-Shift-Q as Ctrl-Q); nav.down keeps j, down',
    );
    expect(k.resolve('j', onRepos)).toBe('nav.down');
    expect(k.resolve('down', onRepos)).toBe('nav.down');
    expect(k.resolve('ctrl+shift+Q', onRepos)).toBeUndefined();
  });

  it('points at the bad item of a list, and keeps the whole default binding', () => {
    const k = keymap({ 'nav.up': ['k', 'Up'] });
    expect(k.problems.map((p) => p.path)).toEqual([['nav.up', 1]]);
    expect(k.problems[0].message).toMatch(/did you mean "up"\?.*; nav\.up keeps k, up$/);
    expect(k.keysFor('nav.up', 'table')).toEqual(['k', 'up']);
  });

  it('refuses a key another action of the scope has: both keep their defaults', () => {
    const k = keymap({ 'tab.1': '?' });
    expect(k.problems).toEqual([
      { path: ['tab.1'], message: '"?" is already bound to app.help (Keys of this screen); tab.1 keeps 1' },
    ]);
    expect(k.resolve('?', ['global'])).toBe('app.help');
    expect(k.resolve('1', ['global'])).toBe('tab.1');
  });

  it('refuses a screen key that would hide a global one, and points at the list item', () => {
    const k = keymap({ 'repo.refresh': ['r', 'q'] });
    expect(k.problems).toEqual([
      {
        path: ['repo.refresh', 1],
        message: '"q" is already bound to app.quit (Quit (Ctrl-C always quits)); repo.refresh keeps r',
      },
    ]);
    expect(k.resolve('q', onRepos)).toBe('app.quit');
  });

  it('allows swapping two keys, and of two overrides taking one key refuses the later one', () => {
    const swapped = keymap({ 'tab.1': '?', 'app.help': '1' });
    expect(swapped.problems).toEqual([]);
    expect(swapped.resolve('?', ['global'])).toBe('tab.1');

    const k = keymap({ 'tab.1': 'x', 'tab.2': 'x' });
    expect(k.problems).toEqual([
      { path: ['tab.2'], message: '"x" is already bound to tab.1 (Tab 1); tab.2 keeps 2' },
    ]);
    expect(k.resolve('x', ['global'])).toBe('tab.1');
    expect(k.resolve('2', ['global'])).toBe('tab.2');
  });

  it('checks again after giving way: a default that comes back may push out another override', () => {
    // tab.1 gives way to app.help and takes its `1` back, which tab.2 had taken.
    const k = keymap({ 'tab.2': '1', 'tab.1': '?' });
    expect(k.problems.map((p) => p.path)).toEqual([['tab.1'], ['tab.2']]);
    expect(k.resolve('1', ['global'])).toBe('tab.1');
    expect(k.resolve('2', ['global'])).toBe('tab.2');
  });

  it('lets one key do different things in scopes never looked up together', () => {
    const k = new Keymap([...globalActions, ...tableActions, ...logActions], { 'view.back': 'o' });
    expect(k.problems).toEqual([]);
    expect(k.resolve('o', ['log'])).toBe('view.back');
    expect(k.resolve('o', ['table'])).toBe('table.sortNext');
  });
});
