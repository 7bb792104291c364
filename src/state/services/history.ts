/** What was entered at the console's prompts (`:` commands, `/` filters), kept from one session to the next. */
export interface DeckHistory {
  /** A prompt's lines, oldest first ([] when there are none yet or they cannot be read). */
  load(kind: string): string[];
  /** Keeps a prompt's lines, oldest first; a line that holds a secret is left out. Never throws. */
  save(kind: string, lines: readonly string[]): void;
}
