/** The bytes a terminal sends for a key name (the keymap's spelling). */
export function keySequence(name: string): string {
  const sequences: Record<string, string> = {
    enter: '\r',
    esc: '\x1b',
    tab: '\t',
    'shift-tab': '\x1b[Z',
    up: '\x1b[A',
    down: '\x1b[B',
    right: '\x1b[C',
    left: '\x1b[D',
    pgup: '\x1b[5~',
    pgdn: '\x1b[6~',
    home: '\x1b[H',
    end: '\x1b[F',
    backspace: '\x7f',
    space: ' ',
  };
  if (sequences[name]) return sequences[name];
  const ctrl = /^ctrl-([a-z])$/.exec(name);
  if (ctrl) return String.fromCharCode(ctrl[1].charCodeAt(0) - 96);
  return name;
}
