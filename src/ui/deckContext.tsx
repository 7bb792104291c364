import { createContext, type ReactNode, useContext, useRef } from 'react';
import { useStore } from 'zustand';
import type { DeckConfig } from '../domain/config';
import type { DeckState, DeckStore } from '../state/store';
import type { Keymap } from './keymap';
import type { Theme } from './theme';

/** Hands the terminal to another program (ssh, $EDITOR) and takes it back; resolves with its exit code. */
export type RunInTerminal = (program: string, args: string[]) => Promise<number>;

export interface Deck {
  store: DeckStore;
  keymap: Keymap;
  config: DeckConfig;
  theme: Theme;
  /** Set by the console once it owns a terminal; tests set their own. */
  runInTerminal?: RunInTerminal;
}

const DeckContext = createContext<Deck | null>(null);

export function DeckProvider({ deck, children }: { deck: Deck; children: ReactNode }) {
  return <DeckContext.Provider value={deck}>{children}</DeckContext.Provider>;
}

export function useDeckContext(): Deck {
  const deck = useContext(DeckContext);
  if (!deck) throw new Error('useDeckContext outside <DeckProvider>');
  return deck;
}

/**
 * Whether the screen around a component is in view. A tab stays mounted when another is shown (its cursor, sort
 * and open view survive), but while hidden it has nothing to draw: `useDeck` under a hidden screen keeps what it
 * last read, so a stream of events re-renders only what shows them. Shown again, it reads the store afresh.
 */
export const ScreenShownContext = createContext(true);

/**
 * Subscribes to a slice of the store; re-renders only when the slice changes (and, under a hidden screen, not
 * until the screen is shown again).
 */
export function useDeck<T>(selector: (s: DeckState) => T): T {
  const shown = useContext(ScreenShownContext);
  const last = useRef<{ value: T }>(undefined);
  return useStore(useDeckContext().store, (s) => {
    if (!shown && last.current) return last.current.value;
    const value = selector(s);
    last.current = { value };
    return value;
  });
}

export function useActions(): DeckState['actions'] {
  return useDeckContext().store.getState().actions;
}
