import type { Keymap } from './keymap';
import { keyLabel } from './keyName';

/** One item of a screen's hint line: an action named by its id (shown with its key), or plain text. */
export type KeyHint = { action: string; label: string } | string;

/**
 * The hint line under a screen, from the effective keymap: each action with its first key as the user bound
 * it (`c cancel`, or `x cancel` after `keys: { job.cancel: x }`); an action bound to no key is left out.
 */
export function keyHintLine(
  hints: readonly KeyHint[],
  keymap: Keymap,
  /** Where the actions are looked up: the screen's id, then its extra scopes (`table`). */
  scopes: readonly string[],
): string {
  const parts: string[] = [];
  for (const hint of hints) {
    if (typeof hint === 'string') {
      parts.push(hint);
      continue;
    }
    const key = scopes.map((scope) => keymap.keysFor(hint.action, scope)[0]).find((k) => k !== undefined);
    if (key !== undefined) parts.push(`${keyLabel(key)} ${hint.label}`);
  }
  return parts.join('  ');
}
