import type { FC } from 'react';
import type { DeckActions } from '../state/store';
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
  /** Palette commands this screen adds (`:run`). */
  commands?: PaletteCommand[];
}
