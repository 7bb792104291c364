import type { FC } from 'react';
import type { DeckActions, DeckState } from '../state/store';
import type { KeyHint } from './keyHints';
import type { ActionDef } from './keymap';
import type { PaletteCommand } from './paletteCommand';

export interface ScreenProps {
  width: number;
  height: number;
  /** Only the active screen receives keys; inactive screens stay mounted so they keep their place. */
  active: boolean;
}

/** A tab of the console: what it is called, the keys it adds, and what it draws. */
export interface Screen {
  id: string;
  title: string;
  /** What the tab bar calls it when the terminal is too narrow for every title (`Repos`). */
  short?: string;
  /** Other names accepted by the `:` palette (`:git` for repos). */
  aliases: string[];
  /** The screen's own actions (scope = the screen id). */
  actions: ActionDef[];
  /** Extra scopes whose keys work on this screen and appear in its help, e.g. `table`. */
  scopes: string[];
  /** The key hints of the message line, written from the keymap so a rebound key shows as the user bound it. */
  hints: readonly KeyHint[];
  Component: FC<ScreenProps>;
  /** `:<id> args…` in the palette: what the arguments do (e.g. `:jobs failed`). Returns an error message. */
  open?(args: string[], actions: DeckActions): string | undefined;
  /** The synopsis of those arguments (`[status]`), and what the last one may be: the palette lists and completes it. */
  args?: string;
  complete?(argPrefix: string, state: DeckState, before: readonly string[]): string[];
  /** Palette commands this screen adds (`:run`). */
  commands?: PaletteCommand[];
  /**
   * The view open over the screen's list now (a resource's details, a commit), read from the store; `?`, the hint
   * line and `/` then follow that view. Return one of the screen's constant views, never a new object.
   */
  view?(state: DeckState): ScreenView | undefined;
}

/** A view a screen opens over its list: its own keys (declared in the screen's `actions` under `id`) and hints. */
export interface ScreenView {
  /** The scope of the view's own actions, and the key of its `/` filter. */
  id: string;
  title: string;
  /** Extra scopes whose keys work in the view (`list`, `log`, `table`). */
  scopes: string[];
  hints: readonly KeyHint[];
  /**
   * The view takes every key (a form): `?` and `:` are typed into it, so the hint line leaves out `? help` and
   * `: command`.
   */
  takesKeys?: boolean;
}

/** What `?`, the hint line and the filter prompt describe: the screen, or the view open over it. */
export function screenFace(screen: Screen, view: ScreenView | undefined): Screen {
  if (!view) return screen;
  return {
    ...screen,
    id: view.id,
    title: `${screen.title}: ${view.title}`,
    scopes: view.scopes,
    hints: view.hints,
  };
}
