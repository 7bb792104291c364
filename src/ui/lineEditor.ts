import { displayWidth, stripControl } from '../domain/text';
import type { KeyPress } from './keyDispatcher';

/** A one-line text input: its text and where the cursor is (a UTF-16 index, never inside a surrogate pair). */
export interface LineState {
  text: string;
  cursor: number;
  /**
   * The whole text is selected (a kept filter shown again): typing or pasting replaces it, a deletion clears
   * it, a movement keeps it and only drops the selection.
   */
  selected?: boolean;
}

export const emptyLine: LineState = { text: '', cursor: 0 };

/** `text` with the cursor at its end. */
/** The Alt keys a one-line input reads (the key dispatcher leaves them whole, never Esc and a letter). */
export const lineEditorMetaKeys: ReadonlySet<string> = new Set(['meta-b', 'meta-f', 'meta-d']);

export function lineOf(text: string, selected = false): LineState {
  return selected && text ? { text, cursor: text.length, selected } : { text, cursor: text.length };
}

/**
 * Applies a key press to a one-line input, readline-style:
 * `←`/`→` (`Ctrl-B`/`Ctrl-F`), `Home`/`End` (`Ctrl-A`/`Ctrl-E`), words with `Alt-B`/`Alt-F` or `Ctrl-←`/`Ctrl-→`;
 * `Backspace`, `Delete` (`Ctrl-D`), `Ctrl-W` (word before), `Alt-D` (word after), `Ctrl-U` (to the start),
 * `Ctrl-K` (to the end); typed or pasted text is inserted at the cursor. Returns undefined when the key is
 * not an edit (Enter, Esc, Tab, ↑/↓ are left to the caller).
 */
export function editLineState(line: LineState, press: KeyPress): LineState | undefined {
  const { name, key } = press;
  const { text, cursor } = line;
  const at = (next: number): LineState => ({ text, cursor: next });
  const cut = (from: number, to: number): LineState =>
    line.selected ? emptyLine : { text: text.slice(0, from) + text.slice(to), cursor: from };

  if (name === 'paste') return insert(line, pastedText(press.input));
  const wordMove = key.ctrl || key.meta;
  if (name === 'left' || name === 'ctrl-b')
    return at(wordMove && name === 'left' ? wordStart(text, cursor) : before(text, cursor));
  if (name === 'right' || name === 'ctrl-f')
    return at(wordMove && name === 'right' ? wordEnd(text, cursor) : after(text, cursor));
  if (name === 'meta-b') return at(wordStart(text, cursor)); // lineEditorMetaKeys: keep them in step
  if (name === 'meta-f') return at(wordEnd(text, cursor));
  if (name === 'home' || name === 'ctrl-a') return at(0);
  if (name === 'end' || name === 'ctrl-e') return at(text.length);
  if (name === 'backspace' || name === 'ctrl-h') return cut(before(text, cursor), cursor);
  if (name === 'delete' || name === 'ctrl-d') return cut(cursor, after(text, cursor));
  if (name === 'ctrl-w' || name === 'meta-backspace') return cut(blankWordStart(text, cursor), cursor);
  if (name === 'meta-d') return cut(cursor, wordEnd(text, cursor));
  if (name === 'ctrl-u') return cut(0, cursor);
  if (name === 'ctrl-k') return cut(cursor, text.length);
  if (name === 'space') return insert(line, ' ');
  if (key.ctrl || key.meta || key.escape || key.return || key.tab) return undefined;
  if (key.upArrow || key.downArrow || key.pageUp || key.pageDown) return undefined;
  const printable = stripControl(press.input);
  return printable ? insert(line, printable) : undefined;
}

/**
 * Text from a paste, made one line: a trailing line break is dropped (a copied `web⏎` must never confirm
 * anything), the others and tabs become spaces, escape sequences and other controls go.
 */
export function pastedText(text: string): string {
  return stripControl(
    text
      .replace(/\r\n?/g, '\n')
      .replace(/\n+$/, '')
      .replace(/[\n\t]/g, ' '),
  );
}

function insert(line: LineState, piece: string): LineState {
  if (line.selected) return { text: piece, cursor: piece.length };
  const { text, cursor } = line;
  return { text: text.slice(0, cursor) + piece + text.slice(cursor), cursor: cursor + piece.length };
}

const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff;

function before(text: string, i: number): number {
  if (i <= 0) return 0;
  return i >= 2 && isLowSurrogate(text.charCodeAt(i - 1)) ? i - 2 : i - 1;
}

function after(text: string, i: number): number {
  if (i >= text.length) return text.length;
  return isLowSurrogate(text.charCodeAt(i + 1)) ? i + 2 : i + 1;
}

const wordChar = /[\p{L}\p{N}_]/u;

/** Alt-B: back to the start of the word before the cursor (letters, digits, `_`). */
function wordStart(text: string, i: number): number {
  let j = i;
  while (j > 0 && !wordChar.test(text[j - 1])) j--;
  while (j > 0 && wordChar.test(text[j - 1])) j--;
  return j;
}

/** Alt-F: to the end of the word after the cursor. */
function wordEnd(text: string, i: number): number {
  let j = i;
  while (j < text.length && !wordChar.test(text[j])) j++;
  while (j < text.length && wordChar.test(text[j])) j++;
  return j;
}

/** Ctrl-W, as readline's unix-word-rubout: back over spaces, then over everything up to a space. */
function blankWordStart(text: string, i: number): number {
  let j = i;
  while (j > 0 && /\s/.test(text[j - 1])) j--;
  while (j > 0 && !/\s/.test(text[j - 1])) j--;
  return j;
}

/** What a one-line input shows in `width` columns: the part around the cursor, cut with `…` where it goes on. */
export interface LineWindow {
  before: string;
  /** The character under the cursor; empty at the end of the text (the cursor is then a block after it). */
  at: string;
  after: string;
}

export function lineWindow(line: LineState, width: number): LineWindow {
  const { text, cursor } = line;
  const atEnd = after(text, cursor);
  let start = 0;
  let end = text.length;
  const room = Math.max(1, width - 1); // one column for the cursor block at the end
  if (displayWidth(text) > room) {
    // Keep the cursor in view, with as much of what precedes it as fits (that is where the typing is).
    start = cursor;
    while (start > 0 && displayWidth(`…${text.slice(before(text, start), atEnd)}`) <= room)
      start = before(text, start);
    end = atEnd;
    while (
      end < text.length &&
      displayWidth(`${start > 0 ? '…' : ''}${text.slice(start, after(text, end))}…`) <= room
    )
      end = after(text, end);
  }
  return {
    before: (start > 0 ? '…' : '') + text.slice(start, cursor),
    at: text.slice(cursor, atEnd),
    after: text.slice(atEnd, end) + (end < text.length ? '…' : ''),
  };
}
