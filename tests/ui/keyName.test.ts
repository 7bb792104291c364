import { describe, expect, it } from 'vitest';
import { keyNameProblem } from '../../src/ui/keyName';

describe('key names in the config file', () => {
  it('accepts every key as the keymap spells it', () => {
    for (const key of [
      'j',
      'G',
      '?',
      ':',
      '1',
      'é',
      'enter',
      'esc',
      'tab',
      'shift-tab',
      'space',
      'backspace',
    ]) {
      expect(keyNameProblem(key), key).toBeUndefined();
    }
    for (const key of [
      'up',
      'down',
      'left',
      'right',
      'pgup',
      'pgdn',
      'home',
      'end',
      'delete',
      'ctrl-a',
      'meta-x',
    ]) {
      expect(keyNameProblem(key), key).toBeUndefined();
    }
    expect(keyNameProblem('meta-X')).toBeUndefined();
  });

  it('refuses Ctrl-Shift and other spellings, saying which name was meant', () => {
    expect(keyNameProblem('ctrl+shift+Q')).toBe(
      '"ctrl+shift+Q" is not a key name; did you mean "ctrl-q"? (terminals send Ctrl-Shift-Q as Ctrl-Q)',
    );
    expect(keyNameProblem('Down')).toBe('"Down" is not a key name; did you mean "down"?');
    expect(keyNameProblem('Enter')).toMatch(/did you mean "enter"\?$/);
    expect(keyNameProblem('PageDown')).toMatch(/did you mean "pgdn"\?$/);
    expect(keyNameProblem('alt+x')).toMatch(/did you mean "meta-x"\?$/);
    expect(keyNameProblem('Shift+Tab')).toMatch(/did you mean "shift-tab"\?$/);
    expect(keyNameProblem('ctrl-A')).toMatch(/did you mean "ctrl-a"\?$/);
    expect(keyNameProblem('^D')).toMatch(/did you mean "ctrl-d"\?$/);
    expect(keyNameProblem(' ')).toMatch(/did you mean "space"\?$/);
  });

  it('refuses keys no terminal sends apart from another key, and Ctrl-C', () => {
    expect(keyNameProblem('ctrl-c')).toBe('"ctrl-c" always quits and cannot be bound');
    expect(keyNameProblem('ctrl-i')).toBe('a terminal sends "ctrl-i" as tab');
    expect(keyNameProblem('ctrl-m')).toBe('a terminal sends "ctrl-m" as enter');
    expect(keyNameProblem('f1')).toMatch(
      /^"f1" is not a key a terminal sends to infradeck \(keys are written/,
    );
    expect(keyNameProblem('jj')).toMatch(/^"jj" is not a key a terminal sends/);
    expect(keyNameProblem('')).toMatch(/^"" is not a key a terminal sends/);
    expect(keyNameProblem('ctrl-1')).toMatch(/is not a key a terminal sends/);
    expect(keyNameProblem('\t')).toBe('"\\t" is not a key name; did you mean "tab"?');
  });
});
