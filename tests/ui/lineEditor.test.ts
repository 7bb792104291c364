import type { Key } from 'ink';
import { describe, expect, it } from 'vitest';
import { type KeyPress, plainKey as noKey } from '../../src/ui/keyDispatcher';
import { editLineState, type LineState, lineOf, lineWindow, pastedText } from '../../src/ui/lineEditor';

/** A key press as the dispatcher hands it over: `a`, `left`, `ctrl-w`, `meta-b`, `ctrl+left`, `paste:…`. */
function press(name: string): KeyPress {
  const key = { ...noKey };
  let input = '';
  let keyName = name;
  if (name.startsWith('paste:')) return { name: 'paste', input: name.slice(6), key, action: () => undefined };
  const arrows: Record<string, keyof Key> = {
    left: 'leftArrow',
    right: 'rightArrow',
    up: 'upArrow',
    down: 'downArrow',
    home: 'home',
    end: 'end',
    enter: 'return',
    esc: 'escape',
    tab: 'tab',
  };
  const modified = /^(ctrl|meta)\+(\w+)$/.exec(name);
  if (modified) {
    key[modified[1] as 'ctrl' | 'meta'] = true;
    keyName = modified[2];
  }
  if (arrows[keyName]) (key as Record<string, unknown>)[arrows[keyName]] = true;
  else if (/^ctrl-/.test(name)) {
    key.ctrl = true;
    input = name.slice(5);
  } else if (/^meta-/.test(name)) {
    key.meta = true;
    input = name.slice(5);
  } else if (name === 'space') input = ' ';
  else if (name.length === 1) input = name;
  return { name: keyName, input, key, action: () => undefined };
}

/** Types keys into a line; `|` in the result marks the cursor. */
function run(start: string, ...keys: string[]): string {
  const at = start.indexOf('|');
  let line: LineState = at < 0 ? lineOf(start) : { text: start.replace('|', ''), cursor: at };
  for (const k of keys) line = editLineState(line, press(k)) ?? line;
  return `${line.text.slice(0, line.cursor)}|${line.text.slice(line.cursor)}`;
}

describe('the one-line editor', () => {
  it('inserts typed text at the cursor, not only at the end', () => {
    expect(run('jobs', 'left', 'left', 'left', 'X')).toBe('jX|obs');
    expect(run('run ls', 'home', ':')).toBe(':|run ls');
    expect(run('run ls', 'ctrl-a', 'ctrl-e', 'space', '-', 'l')).toBe('run ls -l|');
  });

  it('moves by character, to the ends, and by word', () => {
    expect(run('eu-west-1', 'left', 'left')).toBe('eu-west|-1');
    expect(run('eu-west-1', 'home', 'right', 'ctrl-f')).toBe('eu|-west-1');
    expect(run('eu-west-1', 'ctrl-b', 'end')).toBe('eu-west-1|');
    expect(run('run sh -c echo', 'meta-b')).toBe('run sh -c |echo');
    expect(run('run sh -c echo', 'meta-b', 'meta-b', 'meta-b')).toBe('run |sh -c echo');
    expect(run('run sh -c echo', 'ctrl+left', 'ctrl+left')).toBe('run sh -|c echo');
    expect(run('|run sh -c', 'meta-f', 'meta+right')).toBe('run sh| -c');
    expect(run('ab', 'left', 'left', 'left')).toBe('|ab');
    expect(run('ab', 'right')).toBe('ab|');
  });

  it('deletes a character either side, a word, to the start and to the end', () => {
    expect(run('jobs', 'backspace')).toBe('job|');
    expect(run('jo|bs', 'backspace')).toBe('j|bs');
    expect(run('jo|bs', 'delete')).toBe('jo|s');
    expect(run('jo|bs', 'ctrl-d')).toBe('jo|s');
    expect(run('|jobs', 'backspace')).toBe('|jobs');
    expect(run('jobs|', 'delete')).toBe('jobs|');
    expect(run('run sh -c "echo hi"  ', 'ctrl-w')).toBe('run sh -c "echo |');
    expect(run('run region:eu-west-1', 'ctrl-w')).toBe('run |');
    expect(run('run sh| -c', 'ctrl-w')).toBe('run | -c');
    expect(run('run sh| -c', 'meta-backspace')).toBe('run | -c');
    expect(run('run |sh -c', 'meta-d')).toBe('run | -c');
    expect(run('run sh| -c', 'ctrl-u')).toBe('| -c');
    expect(run('run sh| -c', 'ctrl-k')).toBe('run sh|');
  });

  it('leaves Enter, Esc, Tab and ↑/↓ to the prompt', () => {
    for (const k of ['enter', 'esc', 'tab', 'up', 'down', 'ctrl-x'])
      expect(editLineState(lineOf('jobs'), press(k))).toBeUndefined();
  });

  it('steps over a character made of two UTF-16 units as one', () => {
    expect(run('a😀', 'backspace')).toBe('a|');
    expect(run('a😀b', 'left', 'left', 'right')).toBe('a😀|b');
  });

  it('replaces a selected text when typing or pasting, clears it on a deletion, keeps it on a move', () => {
    const kept = lineOf('state:running', true);
    expect(editLineState(kept, press('w'))).toEqual({ text: 'w', cursor: 1 });
    expect(editLineState(kept, press('paste:web'))).toEqual({ text: 'web', cursor: 3 });
    expect(editLineState(kept, press('backspace'))).toEqual({ text: '', cursor: 0 });
    expect(editLineState(kept, press('left'))).toEqual({ text: 'state:running', cursor: 12 });
    expect(editLineState(kept, press('end'))).toEqual({ text: 'state:running', cursor: 13 });
  });

  it('inserts a paste as one line: a trailing line break never submits, inner ones become spaces', () => {
    expect(run('', 'paste:web\n')).toBe('web|');
    expect(run('', 'paste:web\r\n\r\n')).toBe('web|');
    expect(run('a|z', 'paste:b\nc\td')).toBe('ab c d|z');
    expect(pastedText('x\x1b[31my\x07z')).toBe('xyz');
  });
});

describe('what a one-line input shows', () => {
  it('shows all of a short text, the character under the cursor apart', () => {
    expect(lineWindow({ text: 'jobs', cursor: 1 }, 20)).toEqual({ before: 'j', at: 'o', after: 'bs' });
    expect(lineWindow({ text: 'jobs', cursor: 4 }, 20)).toEqual({ before: 'jobs', at: '', after: '' });
  });

  it('keeps the cursor in view in a long text, cut with … where it goes on', () => {
    const text = 'run sh -c "for i in 1 2 3; do echo $i; done"';
    const end = lineWindow(lineOf(text), 12);
    expect(end.before.startsWith('…')).toBe(true);
    expect(end.before.endsWith('done"')).toBe(true);
    expect(end.before.length + 1).toBeLessThanOrEqual(12);
    const start = lineWindow({ text, cursor: 0 }, 12);
    expect(start.before).toBe('');
    expect(start.at).toBe('r');
    expect(start.after.endsWith('…')).toBe(true);
    expect(1 + start.after.length).toBeLessThanOrEqual(12);
    const middle = lineWindow({ text, cursor: 20 }, 12);
    expect(`${middle.before}${middle.at}${middle.after}`).toMatch(/^….*…$/);
    expect(middle.at).toBe(text[20]);
  });
});
