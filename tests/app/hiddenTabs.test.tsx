import { Text } from 'ink';
import { afterEach, describe, expect, it } from 'vitest';
import { useDeck } from '../../src/ui/deckContext';
import type { Screen } from '../../src/ui/screen';
import { type DeckSession, startDeck } from '../harness/startDeck';
import { textScreen } from './testScreens';

let deck: DeckSession | undefined;
afterEach(() => deck?.unmount());

/** A tab that shows how many toasts the store holds, and counts how often it is drawn. */
function toastCountScreen(draws: { count: number }): Screen {
  function ToastCount() {
    const toasts = useDeck((s) => s.ui.toasts.length);
    draws.count++;
    return <Text>{`toasts so far: ${toasts}`}</Text>;
  }
  return { ...textScreen('count', 'Count', ''), Component: ToastCount };
}

describe('a tab kept mounted behind another', () => {
  it('is not drawn for store changes while hidden, and shows them all when shown again', async () => {
    const draws = { count: 0 };
    deck = await startDeck({
      screens: [toastCountScreen(draws), textScreen('other', 'Other', 'other body')],
    });
    await deck.waitFor('toasts so far: 0');
    await deck.press('2');
    await deck.waitFor('other body');
    const hiddenAt = draws.count;
    const { ui } = deck.store.getState().actions;
    for (const text of ['one', 'two', 'three']) {
      ui.notify('info', text);
      await deck.waitFor(text);
    }
    expect(draws.count).toBe(hiddenAt);
    await deck.press('1');
    await deck.waitFor('toasts so far: 3');
  });
});
