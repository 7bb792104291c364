import type { KeyPress } from './keyDispatcher';

/**
 * Applies a key press to a one-line text input. Returns the new text, or undefined when the key is not an edit
 * (Enter, Esc, Tab and arrows are left to the caller).
 */
export function editLine(value: string, press: KeyPress): string | undefined {
  const { name, input, key } = press;
  if (name === 'backspace' || name === 'delete') return value.slice(0, -1);
  if (name === 'ctrl-u') return '';
  if (name === 'ctrl-w') return value.replace(/\S+\s*$/, '');
  if (name === 'space') return `${value} `;
  if (key.ctrl || key.meta || key.escape || key.return || key.tab) return undefined;
  if (key.upArrow || key.downArrow || key.leftArrow || key.rightArrow) return undefined;
  if (key.pageUp || key.pageDown || key.home || key.end) return undefined;
  // Pasted text arrives as one string; keep only printable characters.
  const printable = input.replace(/[\u0000-\u001f\u007f-\u009f]/g, '');
  return printable ? value + printable : undefined;
}
