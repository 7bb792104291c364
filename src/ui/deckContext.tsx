import { createContext, type ReactNode, useContext } from 'react';
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

/** Subscribes to a slice of the store; re-renders only when the slice changes. */
export function useDeck<T>(selector: (s: DeckState) => T): T {
  return useStore(useDeckContext().store, selector);
}

export function useActions(): DeckState['actions'] {
  return useDeckContext().store.getState().actions;
}
