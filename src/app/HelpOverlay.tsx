import { Box, Text } from 'ink';
import { useState } from 'react';
import { fitParts } from '../components/fitParts';
import { scrollNote } from '../components/LogView';
import { displayWidth, fitWidth } from '../domain/text';
import { wrapText } from '../domain/wrapText';
import { useActions, useDeck, useDeckContext } from '../ui/deckContext';
import { useKeys } from '../ui/keyDispatcher';
import type { HintLine } from '../ui/keyHints';
import { type ActionDef, collapseTabActions } from '../ui/keymap';
import { keyLabel } from '../ui/keyName';
import type { PaletteCommand } from '../ui/paletteCommand';
import type { Screen } from '../ui/screen';
import { actionDenied } from './accessGate';
import { commandHelpLines } from './commands';

interface Section {
  title: string;
  actions: ActionDef[];
}

/** A heading, a key with what it does, or a line of text (a command). */
interface HelpEntry {
  text: string;
  keys?: string;
  heading?: boolean;
}

interface HelpLine {
  text: string;
  heading?: boolean;
}

/**
 * The global actions as they work on this screen: a key the screen binds itself hides the global one there (the
 * Timeline's `0` is "back to now", not tab 10), so it is not listed; an action left with no key goes.
 */
function unshadowed(globals: readonly ActionDef[], local: readonly Section[]): ActionDef[] {
  const taken = new Set(local.flatMap((section) => section.actions.flatMap((a) => a.keys)));
  const shown = globals.flatMap((a) => {
    if (a.keys.length === 0) return [a];
    const keys = a.keys.filter((k) => !taken.has(k));
    return keys.length === 0 ? [] : [{ ...a, keys }];
  });
  return collapseTabActions(shown);
}

/** The message line under the help: its own keys, not those of the screen it covers. */
export const helpHints: HintLine = { screen: ['j/k scroll', 'Esc close'], global: [] };

/** Keys take this many columns; longer ones get a line of their own. */
const KEYS_WIDTH = 11;
const KEYS_INDENT = ' '.repeat(KEYS_WIDTH + 2);
/** Below this, a column wraps too much to be worth a second one. */
const MIN_COLUMN = 38;

/**
 * The `?` overlay: every key that works on the current screen, read from the effective keymap; then the `:` commands.
 * A view that is not a screen (`:messages`) draws it itself, over itself: it names its `own` keys, and Esc goes
 * back to it (`onClose`).
 */
export function HelpOverlay({
  screen,
  commands = [],
  width,
  height,
  own,
  onClose,
}: {
  screen: Pick<Screen, 'id' | 'title' | 'scopes'>;
  commands?: readonly PaletteCommand[];
  width: number;
  height: number;
  /** The view's keys, in place of those of `screen.id` and its scopes in the keymap. */
  own?: readonly ActionDef[];
  /** What closing the help does (default: close the overlay). */
  onClose?: () => void;
}) {
  const { keymap, theme } = useDeckContext();
  const actions = useActions();
  const access = useDeck((s) => s.access);
  const [scroll, setScroll] = useState(0);
  const local: Section[] = own
    ? [{ title: screen.title, actions: [...own] }]
    : [
        { title: screen.title, actions: keymap.actionsIn(screen.id) },
        ...screen.scopes.map((scope) => ({ title: scopeTitle(scope), actions: keymap.actionsIn(scope) })),
      ];
  const sections: Section[] = [
    ...local,
    { title: 'Global', actions: unshadowed(keymap.actionsIn('global'), local) },
  ];
  const entries: HelpEntry[] = [];
  for (const section of sections) {
    if (section.actions.length === 0) continue;
    entries.push({ text: section.title, heading: true });
    for (const a of section.actions) {
      const keys = a.keys.map(keyLabel).join(' ') || '(unbound)';
      // An action the user's role does not allow says so: `— needs operator (you are viewer)`.
      const denied = actionDenied(a.id, access);
      entries.push({ keys, text: `${a.description} [${a.id}]${denied ? ` — ${denied}` : ''}` });
    }
  }
  if (commands.length) {
    entries.push({ text: 'Commands (:)', heading: true });
    for (const text of commandHelpLines(commands)) entries.push({ text });
  }
  entries.push({
    text: 'Esc, ? or q closes, j/k scroll. Keys are rebound in config.yaml under keys: <action id>.',
  });

  const { columns, columnWidth } = helpLayout(entries, width - 2, height);
  const total = Math.max(...columns.map((c) => c.length));
  // What does not fit scrolls, and the last row says so (the message line below may hold a toast, not hints).
  const note = total > height && height > 1;
  const bodyHeight = note ? height - 1 : height;
  const maxScroll = Math.max(0, total - bodyHeight);
  const top = Math.min(scroll, maxScroll);

  useKeys('overlay', (press) => {
    if (press.name === 'esc' || press.name === '?' || press.name === 'q') {
      if (onClose) onClose();
      else actions.ui.closeOverlay();
    } else {
      // The moves every scrolled view has (`?` lists them for the screen under it): a row, a page, the ends.
      const page = Math.max(1, bodyHeight - 1);
      const moves: Record<string, number> = { j: 1, down: 1, k: -1, up: -1, pgdn: page, pgup: -page };
      const to =
        press.name === 'g' || press.name === 'home'
          ? 0
          : press.name === 'G' || press.name === 'end'
            ? maxScroll
            : top + (moves[press.name] ?? 0);
      setScroll(Math.max(0, Math.min(to, maxScroll)));
    }
    return true;
  });
  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden" paddingX={1}>
      <Box>
        {columns.map((lines, c) => (
          <Box key={c} flexDirection="column" width={columnWidth}>
            {lines.slice(top, top + bodyHeight).map((l, i) => (
              <Text key={i} bold={l.heading} color={l.heading ? theme.accent : undefined}>
                {fitWidth(l.text, columnWidth - 1)}
              </Text>
            ))}
          </Box>
        ))}
      </Box>
      {note ? <Text color={theme.muted}>{helpScrollNote(top, bodyHeight, total, width - 2)}</Text> : null}
    </Box>
  );
}

/**
 * The help's last row when it scrolls, in `width`: `↓ more below · lines 1–20 of 63 · j/k PgDn/PgUp g/G scroll ·
 * Esc closes`, the keys whole or left out (the message line under it says them too).
 */
export function helpScrollNote(top: number, rows: number, total: number, width: number): string {
  return fitParts([scrollNote(top, rows, total), 'j/k PgDn/PgUp g/G scroll', 'Esc closes'], width);
}

/** An entry's lines in `width` columns: wrapped, never cut; what a key does continues under its description. */
export function helpLines(entry: HelpEntry, width: number): HelpLine[] {
  if (entry.heading) return wrapText(entry.text, width).map((text) => ({ text, heading: true }));
  if (entry.keys === undefined) {
    // A command line: ` :name <args>  what it does`; its continuation lines indent past the colon.
    const [first, ...rest] = wrapText(entry.text.trimStart(), width - 1);
    return [
      ` ${first}`,
      ...wrapText(rest.join(' '), width - 3)
        .filter(Boolean)
        .map((t) => `   ${t}`),
    ].map((text) => ({ text }));
  }
  const body = wrapText(entry.text, Math.max(8, width - KEYS_INDENT.length)).map((t) => KEYS_INDENT + t);
  if (displayWidth(entry.keys) > KEYS_WIDTH)
    return [...wrapText(entry.keys, width - 1).map((t) => ` ${t}`), ...body].map((text) => ({ text }));
  body[0] = ` ${fitWidth(entry.keys, KEYS_WIDTH)} ${body[0].slice(KEYS_INDENT.length)}`;
  return body.map((text) => ({ text }));
}

/**
 * One column, or two when there is room for them and they take fewer rows; entries are wrapped to the column and
 * never split between the two.
 */
export function helpLayout(
  entries: readonly HelpEntry[],
  width: number,
  height: number,
): { columns: HelpLine[][]; columnWidth: number } {
  const one = entries.flatMap((e) => helpLines(e, width - 1));
  let best = { columns: [one], columnWidth: width };
  const half = Math.floor(width / 2);
  if (one.length > height && half >= MIN_COLUMN) {
    const blocks = entries.map((e) => helpLines(e, half - 1));
    const total = blocks.reduce((n, b) => n + b.length, 0);
    let split = 0;
    let left = 0;
    while (split < blocks.length && left + blocks[split].length <= Math.ceil(total / 2))
      left += blocks[split++].length;
    const columns = [blocks.slice(0, split).flat(), blocks.slice(split).flat()];
    const perColumn = Math.max(columns[0].length, columns[1].length);
    if (perColumn < one.length) best = { columns, columnWidth: half };
  }
  return best;
}

function scopeTitle(scope: string): string {
  return { table: 'Table', log: 'Log', list: 'List' }[scope] ?? scope;
}
