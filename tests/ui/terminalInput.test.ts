import type { Key } from 'ink';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { pasteEnd, pasteReader, pasteStart, terminalKeyName } from '../../src/ui/terminalInput';

afterEach(() => vi.useRealTimers());

describe('bracketed paste', () => {
  it('hands over what comes between the markers as one text, line breaks and all', () => {
    const pastes: string[] = [];
    const reader = pasteReader((text) => pastes.push(text));
    expect(reader.take('j')).toBe(false);
    expect(reader.take(pasteStart)).toBe(true);
    expect(reader.take('web')).toBe(true);
    expect(reader.take('\r')).toBe(true);
    expect(reader.take('\x1b[A')).toBe(true);
    expect(pastes).toEqual([]);
    expect(reader.take(pasteEnd)).toBe(true);
    expect(pastes).toEqual(['web\r\x1b[A']);
    expect(reader.take('\r')).toBe(false);
    reader.dispose();
  });

  it('hands over a paste whose end marker never comes after a quiet second', () => {
    vi.useFakeTimers();
    const pastes: string[] = [];
    const reader = pasteReader((text) => pastes.push(text));
    reader.take(pasteStart);
    reader.take('web\r');
    vi.advanceTimersByTime(999);
    expect(pastes).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(pastes).toEqual(['web\r']);
    expect(reader.take('x')).toBe(false);
  });
});

describe('key names from the bytes', () => {
  const key = (flags: Partial<Key>) => ({ ...flags }) as Key;
  it('tells Backspace (DEL) from Delete (ESC [3~), which Ink reports alike', () => {
    expect(terminalKeyName('\x7f', '', key({ delete: true }))).toBe('backspace');
    expect(terminalKeyName('\x1b[3~', '', key({ delete: true }))).toBe('delete');
    expect(terminalKeyName('\x1b\x7f', '', key({ delete: true, meta: true }))).toBe('meta-backspace');
    expect(terminalKeyName(undefined, '', key({ delete: true }))).toBe('backspace');
    expect(terminalKeyName('j', 'j', key({}))).toBe('j');
  });
});
