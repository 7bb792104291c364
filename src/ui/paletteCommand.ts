import type { DeckActions, DeckState } from '../state/store';
import type { Screen } from './screen';

export interface CommandContext {
  actions: DeckActions;
  screens: readonly Screen[];
  /** The store as it is now, for arguments checked against what the console knows (the account's regions). */
  state(): DeckState;
}

/** A `:` palette command. `run` returns an error message for bad arguments, or nothing. */
export interface PaletteCommand {
  name: string;
  aliases: string[];
  /** Argument synopsis shown in the palette, e.g. `<program> [args…]`. */
  args?: string;
  description: string;
  /**
   * What the last argument may be, from what the console knows now (`state`): listed and completed by Tab.
   * `before`: the arguments typed before it, for a command whose arguments differ by place (`:resources ec2 web`).
   */
  complete?(argPrefix: string, state: DeckState, before: readonly string[]): string[];
  run(args: string[], ctx: CommandContext): string | undefined;
}
