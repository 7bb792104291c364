import { displayWidth } from '../domain/text';
import type { Keymap } from './keymap';
import { keyLabel } from './keyName';

/** One item of a screen's hint line: an action named by its id (shown with its key), or plain text. */
export type KeyHint = { action: string; label: string } | string;

/** The hint line's two parts: the screen's hints, then the global ones (`? help`, `: command`). */
export interface HintLine {
  screen: readonly string[];
  global: readonly string[];
}

const SEPARATOR = '  ';

/**
 * The hints as the user sees them, from the effective keymap: each action with its first key as the user bound
 * it (`c cancel`, or `x cancel` after `keys: { job.cancel: x }`); an action bound to no key is left out.
 */
export function keyHintItems(
  hints: readonly KeyHint[],
  keymap: Keymap,
  /** Where the actions are looked up: the screen's id, then its extra scopes (`table`). */
  scopes: readonly string[],
): string[] {
  const parts: string[] = [];
  for (const hint of hints) {
    if (typeof hint === 'string') {
      parts.push(hint);
      continue;
    }
    const key = scopes.map((scope) => keymap.keysFor(hint.action, scope)[0]).find((k) => k !== undefined);
    if (key !== undefined) parts.push(`${keyLabel(key)} ${hint.label}`);
  }
  return parts;
}

/** The hint line under a screen as one string (see `keyHintItems`). */
export function keyHintLine(hints: readonly KeyHint[], keymap: Keymap, scopes: readonly string[]): string {
  return keyHintItems(hints, keymap, scopes).join(SEPARATOR);
}

/**
 * The hint line in `width` columns, after `lead` (a note such as the active filter): whole hints only, never a
 * cut one. When they do not all fit, the screen's hints drop from the right (all but its `Esc` one), then the global
 * ones after `? help` (which lists everything that dropped), then the `Esc` one. A lead too long on its own is left
 * for the caller to cut.
 */
export function fitHintLine(hints: HintLine, width: number, lead = ''): string {
  const screen = [...hints.screen];
  const global = [...hints.global];
  const line = () => lead + [...screen, ...global].join(SEPARATOR);
  // The way back goes last: without it a narrow pane hides how to leave the view.
  const isBack = (h: string) => h.startsWith('Esc ');
  const dropLast = (keep: (h: string) => boolean) => {
    const at = screen.findLastIndex((h) => !keep(h));
    if (at < 0) return false;
    screen.splice(at, 1);
    return true;
  };
  while (displayWidth(line()) > width && dropLast(isBack));
  while (global.length > 1 && displayWidth(line()) > width) global.pop();
  while (displayWidth(line()) > width && dropLast(() => false));
  return line();
}
