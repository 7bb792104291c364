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

/** The keys with a name rather than a character, as `keyName` spells them. */
const namedKeys: ReadonlySet<string> = new Set([
  'up',
  'down',
  'left',
  'right',
  'pgup',
  'pgdn',
  'home',
  'end',
  'enter',
  'esc',
  'tab',
  'shift-tab',
  'space',
  'backspace',
  'delete',
]);

/** Ctrl with these letters reaches a program as another key: the terminal sends the same byte. */
const ctrlAsOtherKey: Record<string, string> = {
  h: 'backspace',
  i: 'tab',
  j: 'a line feed, which infradeck cannot bind',
  m: 'enter',
};

const spelling =
  'keys are written j, G, ?, enter, esc, tab, shift-tab, space, up, pgdn, home, ctrl-a, meta-x';

/**
 * Why `name` can never be pressed as `keyName` reports keys (a misspelling, a key no terminal sends apart from
 * another, Ctrl-C which always quits), or undefined when it can. For the keys of the config file.
 */
export function keyNameProblem(name: string): string | undefined {
  const shown = JSON.stringify(name);
  if (namedKeys.has(name)) return undefined;
  const ctrl = /^ctrl-(.)$/.exec(name);
  if (ctrl) {
    const letter = ctrl[1];
    if (letter === 'c') return `${shown} always quits and cannot be bound`;
    if (ctrlAsOtherKey[letter]) return `a terminal sends ${shown} as ${ctrlAsOtherKey[letter]}`;
    if (/^[a-z]$/.test(letter)) return undefined;
  } else if (/^meta-[a-zA-Z0-9]$/.test(name)) {
    return undefined;
  } else if (Array.from(name).length === 1 && !/[\s\p{C}]/u.test(name)) {
    return undefined;
  }
  const suggestion = likelyKeyName(name);
  if (suggestion && suggestion !== name && !keyNameProblem(suggestion)) {
    const letter = suggestion.slice(5).toUpperCase();
    const shift =
      /shift/i.test(name) && /^ctrl-/.test(suggestion)
        ? ` (terminals send Ctrl-Shift-${letter} as Ctrl-${letter})`
        : '';
    return `${shown} is not a key name; did you mean "${suggestion}"?${shift}`;
  }
  return `${shown} is not a key a terminal sends to infradeck (${spelling})`;
}

const otherSpellings: Record<string, string> = {
  return: 'enter',
  escape: 'esc',
  pagedown: 'pgdn',
  pgdown: 'pgdn',
  pageup: 'pgup',
  del: 'delete',
  bksp: 'backspace',
  backtab: 'shift-tab',
  arrowup: 'up',
  arrowdown: 'down',
  arrowleft: 'left',
  arrowright: 'right',
};

/** What a person probably meant by a key written another way: `Ctrl+Shift+Q` → `ctrl-q`, `PageDown` → `pgdn`. */
function likelyKeyName(name: string): string | undefined {
  const whitespace: Record<string, string> = { ' ': 'space', '\t': 'tab', '\r': 'enter', '\n': 'enter' };
  if (whitespace[name]) return whitespace[name];
  const trimmed = name.trim();
  const caret = /^\^([a-zA-Z])$/.exec(trimmed);
  if (caret) return `ctrl-${caret[1].toLowerCase()}`;
  const words = trimmed.split(/[-+_ ]+/).filter(Boolean);
  const last = words[words.length - 1] ?? '';
  const mods = new Set(words.slice(0, -1).map((w) => w.toLowerCase()));
  const ctrl = ['ctrl', 'control', 'c', 'ctl'].some((m) => mods.has(m));
  const meta = ['meta', 'alt', 'option', 'opt', 'm'].some((m) => mods.has(m));
  const shift = mods.has('shift') || mods.has('s');
  const lower = last.toLowerCase();
  if (ctrl && last.length === 1) return `ctrl-${lower}`;
  if (meta && last.length === 1) return `meta-${shift ? last.toUpperCase() : last}`;
  const named = otherSpellings[lower] ?? (namedKeys.has(lower) ? lower : undefined);
  if (named === 'tab' && shift) return 'shift-tab';
  if (named && mods.size === 0) return named;
  if (shift && last.length === 1) return last.toUpperCase();
  return undefined;
}
