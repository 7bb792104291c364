import type { Key } from 'ink';
import { keyName } from './keyName';

/** Bracketed paste (DECSET 2004, turned on by app/terminal.ts): the terminal wraps pasted text in these. */
export const pasteStart = '\x1b[200~';
export const pasteEnd = '\x1b[201~';

/** A paste whose end marker never came (a terminal that dropped it) is handed over after this long quiet. */
const lostEndMs = 1000;

/**
 * Gathers the input sequences between the paste markers and hands them over as one text, so that nothing
 * pasted is taken for a key (a line break in it for Enter).
 */
export function pasteReader(onPaste: (text: string) => void): {
  /** True when `sequence` belongs to a paste (a marker or pasted text). */
  take(sequence: string): boolean;
  dispose(): void;
} {
  let buffer: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  const finish = () => {
    clearTimeout(timer);
    const text = buffer ?? '';
    buffer = undefined;
    onPaste(text);
  };
  return {
    take(sequence) {
      if (buffer === undefined) {
        if (sequence !== pasteStart) return false;
        buffer = '';
      } else if (sequence === pasteEnd) {
        finish();
        return true;
      } else buffer += sequence;
      clearTimeout(timer);
      timer = setTimeout(finish, lostEndMs);
      return true;
    },
    dispose: () => clearTimeout(timer),
  };
}

/**
 * keyName, told by the bytes what Ink's parsed key cannot tell: Backspace (DEL, `\x7f`) and Delete (`ESC [3~`)
 * both reach useInput as `delete`.
 */
export function terminalKeyName(sequence: string | undefined, input: string, key: Key): string {
  if (key.delete) {
    if (sequence?.startsWith('\x1b[3')) return 'delete';
    // Alt-Backspace is ESC DEL.
    return sequence === '\x1b\x7f' ? 'meta-backspace' : 'backspace';
  }
  return keyName(input, key);
}
