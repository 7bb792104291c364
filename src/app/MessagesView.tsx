import { Box, Text } from 'ink';
import { useMemo, useState } from 'react';
import { isLogScrollAction, LOG_FOLLOW, logScroll, logWindow } from '../components/LogView';
import { fitWidth } from '../domain/text';
import { wrapText } from '../domain/wrapText';
import type { Toast } from '../state/slices/ui';
import { useActions, useDeck, useDeckContext } from '../ui/deckContext';
import { useKeys } from '../ui/keyDispatcher';
import { keyHintLine } from '../ui/keyHints';
import type { ActionDef, Keymap } from '../ui/keymap';
import { HelpOverlay } from './HelpOverlay';

interface MessageRow {
  text: string;
  level: Toast['level'];
}

/** `09:04:30 error ` before the first line of a message; its other lines are indented as far. */
const prefixWidth = 15;

/** A message's lines at `width`: time and level, then the whole text wrapped, never cut. */
export function messageRows(message: Toast, width: number): MessageRow[] {
  const time = new Date(message.at).toTimeString().slice(0, 8);
  const head = `${time} ${message.level.padEnd(5)} `;
  const body = wrapText(message.text, Math.max(10, width - prefixWidth));
  return body.map((line, i) => ({
    text: `${i === 0 ? head : ' '.repeat(prefixWidth)}${line}`,
    level: message.level,
  }));
}

/** What `?` lists on `:messages`: the log's scrolling keys as the keymap has them, and what closes it. */
export function messagesKeys(keymap: Keymap): ActionDef[] {
  const close = [...new Set([...keymap.keysFor('view.back', 'log'), 'esc', 'q'])];
  return [
    { id: 'view.back', keys: close, description: 'Close the messages (not the console)', scope: 'messages' },
    ...keymap
      .actionsIn('log')
      .filter((a) => a.id.startsWith('nav.'))
      .map((a) => ({ ...a, scope: 'messages' })),
  ];
}

const messagesFace = { id: 'messages', title: 'Messages (:messages)', scopes: [] };

/**
 * `:messages`: every warning and error of the session, oldest first, each with its time, level and whole text
 * (positions included) wrapped to the width. Opens at the newest; the log keys scroll, Esc or q closes; `?` lists
 * these keys over it (not those of the tab under it), and Esc from there comes back here.
 */
export function MessagesView({ width, height }: { width: number; height: number }) {
  const { theme, keymap } = useDeckContext();
  const actions = useActions();
  const messages = useDeck((s) => s.ui.messages);
  const [scroll, setScroll] = useState(LOG_FOLLOW);
  const [help, setHelp] = useState(false);
  const textWidth = width - 2;
  const rows = useMemo(() => messages.flatMap((m) => messageRows(m, textWidth)), [messages, textWidth]);
  const bodyHeight = Math.max(0, height - 2);

  useKeys(
    'overlay',
    (press) => {
      const action = press.action(['log']);
      if (action === 'view.back' || press.name === 'esc' || press.name === 'q') actions.ui.closeOverlay();
      else if (action && isLogScrollAction(action))
        setScroll((s) => logScroll(s, action, rows.length, bodyHeight));
      else if (press.action(['global']) === 'app.help') setHelp(true);
      // Anything else (a tab key, `:`) goes on to the global keys, which close this view.
      else return false;
      return true;
    },
    !help,
  );
  const own = useMemo(() => messagesKeys(keymap), [keymap]);
  if (help)
    return (
      <HelpOverlay
        screen={messagesFace}
        own={own}
        width={width}
        height={height}
        onClose={() => setHelp(false)}
      />
    );

  const errors = messages.filter((m) => m.level === 'error').length;
  const warnings = messages.length - errors;
  const counts = `${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`;
  const { start, end, below } = logWindow(rows.length, bodyHeight, scroll);
  const more = below > 0 ? `  ${below} more lines below` : '';
  const hints = keyHintLine(
    [
      { action: 'view.back', label: 'close' },
      { action: 'nav.down', label: 'down' },
      { action: 'nav.up', label: 'up' },
      { action: 'nav.pageDown', label: 'page' },
      { action: 'nav.bottom', label: 'newest' },
    ],
    keymap,
    ['log'],
  );
  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden" paddingX={1}>
      <Text bold color={theme.accent}>
        {fitWidth(`Messages: ${counts}, oldest first${more}`, textWidth)}
      </Text>
      <Box flexDirection="column" height={bodyHeight} overflow="hidden">
        {rows.length === 0 ? (
          <Text color={theme.muted}>{fitWidth('No warnings or errors in this session.', textWidth)}</Text>
        ) : (
          rows.slice(start, end).map((row, i) => (
            <Text key={start + i} color={row.level === 'error' ? theme.error : theme.warn}>
              {fitWidth(row.text, textWidth)}
            </Text>
          ))
        )}
      </Box>
      <Text color={theme.muted}>{fitWidth(hints, textWidth)}</Text>
    </Box>
  );
}
