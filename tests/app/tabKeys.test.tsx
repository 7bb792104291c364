import { afterEach, describe, expect, it } from 'vitest';
import { collapseTabActions, tabActions } from '../../src/ui/keymap';
import { type DeckSession, startDeck } from '../harness/startDeck';
import { textScreen } from './testScreens';

let deck: DeckSession | undefined;
afterEach(() => deck?.unmount());

describe('the tab keys', () => {
  it('exist for the tabs there are, and ? says 1-3 for three tabs', async () => {
    const screens = [
      textScreen('a', 'Alpha', 'alpha body'),
      textScreen('b', 'Beta', 'beta body'),
      textScreen('c', 'Gamma', 'gamma body'),
    ];
    deck = await startDeck({ screens });
    await deck.press('3');
    await deck.waitFor('gamma body');
    await deck.press('7');
    expect(deck.frame()).toContain('gamma body');
    await deck.press('?');
    const help = await deck.waitFor('Switch tab');
    expect(help).toMatch(/1-3\s+Switch tab/);
    expect(help).not.toMatch(/1-9|Tab [4-9]/);
  });

  it('keep a line each in ? once one of them is rebound', async () => {
    deck = await startDeck({ config: { keys: { 'tab.2': 'z' } } });
    await deck.press('?');
    const help = await deck.waitFor('Tab 2');
    expect(help).toMatch(/z\s+Tab 2/);
    expect(help).toMatch(/3\s+Tab 3/);
    expect(help).not.toContain('Switch tab');
  });

  it('collapse only a run bound to their own numbers from 1', () => {
    expect(collapseTabActions(tabActions(6)).map((a) => a.keys[0])).toEqual(['1-6']);
    // 1…9, then 0 for the tenth; none for the eleventh on.
    expect(tabActions(12).map((a) => a.keys[0])).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '0']);
    expect(collapseTabActions(tabActions(12)).map((a) => a.keys[0])).toEqual(['1-9', '0']);
    const rebound = tabActions(4).map((a) => (a.id === 'tab.3' ? { ...a, keys: ['z'] } : a));
    expect(collapseTabActions(rebound).map((a) => a.keys[0])).toEqual(['1-2', 'z', '4']);
  });
});
