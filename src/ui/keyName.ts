import type { Key } from 'ink';

/**
 * The one spelling of a key press used by the keymap and config file:
 * `j`, `G`, `?`, `enter`, `esc`, `tab`, `shift-tab`, `space`, `backspace`, `delete`,
 * `up`, `down`, `left`, `right`, `pgup`, `pgdn`, `home`, `end`, `ctrl-c`, `meta-x`.
 */
export function keyName(input: string, key: Key): string {
  if (key.upArrow) return 'up';
  if (key.downArrow) return 'down';
  if (key.leftArrow) return 'left';
  if (key.rightArrow) return 'right';
  if (key.pageUp) return 'pgup';
  if (key.pageDown) return 'pgdn';
  if (key.home) return 'home';
  if (key.end) return 'end';
  if (key.return) return 'enter';
  if (key.escape) return 'esc';
  if (key.tab) return key.shift ? 'shift-tab' : 'tab';
  if (key.backspace) return 'backspace';
  if (key.delete) return 'delete';
  if (input === ' ') return 'space';
  if (key.ctrl && input) return `ctrl-${input.toLowerCase()}`;
  if (key.meta && input) return `meta-${input}`;
  return input;
}

/** How a key is written in help and hints. */
export function keyLabel(name: string): string {
  const labels: Record<string, string> = {
    up: '↑',
    down: '↓',
    left: '←',
    right: '→',
    enter: 'Enter',
    esc: 'Esc',
    tab: 'Tab',
    'shift-tab': 'S-Tab',
    space: 'Space',
    pgup: 'PgUp',
    pgdn: 'PgDn',
    home: 'Home',
    end: 'End',
    backspace: 'Bksp',
  };
  if (labels[name]) return labels[name];
  if (name.startsWith('ctrl-')) return `^${name.slice(5).toUpperCase()}`;
  return name;
}
