import { Text } from 'ink';
import { parseFilter } from '../domain/tableFilter';
import { displayWidth, fitWidth } from '../domain/text';
import { useActions, useDeck, useDeckContext } from '../ui/deckContext';
import { useKeys } from '../ui/keyDispatcher';
import { LineInput } from '../ui/LineInput';
import { editLineState, type LineState, lineOf } from '../ui/lineEditor';
import { type HistoryWalk, walkHistory } from '../ui/lineHistory';
import { useKeyState } from '../ui/useKeyState';

/**
 * The `/` prompt: edits the focused screen's filter live. Enter keeps it, Esc clears it, ↑/↓ recall the
 * filters used before. A kept filter comes back selected: typing replaces it, ←/→ keep it to edit.
 */
export function FilterPrompt({ screen, width }: { screen: string; width: number }) {
  const { theme, store } = useDeckContext();
  const actions = useActions();
  const history = actions.ui.history('filter');
  const text = useDeck((s) => s.ui.filters[screen] ?? '');
  const [line, getLine, setLine] = useKeyState<LineState>(() =>
    lineOf(store.getState().ui.filters[screen] ?? '', true),
  );
  const [, getWalk, setWalk] = useKeyState<HistoryWalk | undefined>(undefined);
  const show = (next: LineState) => {
    setLine(next);
    if (next.text !== (store.getState().ui.filters[screen] ?? '')) actions.ui.setFilter(screen, next.text);
  };

  useKeys('overlay', (press) => {
    if (press.name === 'enter') {
      // A filter that does not parse filters nothing: kept, the table would show every row under `filter: re:(`.
      // The prompt stays, its error beside it, as `/` in a log does.
      if (!parseFilter(getLine().text).ok) return true;
      history.add(getLine().text);
      actions.ui.closeOverlay();
    } else if (press.name === 'esc') {
      actions.ui.setFilter(screen, '');
      actions.ui.closeOverlay();
    } else if (
      press.name === 'up' ||
      press.name === 'down' ||
      press.name === 'ctrl-p' ||
      press.name === 'ctrl-n'
    ) {
      const step = press.name === 'up' || press.name === 'ctrl-p' ? -1 : 1;
      const recalled = walkHistory(history.entries, getWalk(), step, getLine().text);
      if (recalled) {
        setWalk(recalled.walk);
        show(lineOf(recalled.text));
      }
    } else {
      const next = editLineState(getLine(), press);
      if (next) {
        if (next.text !== getLine().text) setWalk(undefined);
        show(next);
      }
    }
    return true;
  });

  const parsed = parseFilter(text);
  const hint = parsed.ok
    ? `   text · re:… · glob* · col:value · !not · Enter keep · Esc clear${history.entries.length ? ' · ↑ earlier' : ''}`
    : `   ${parsed.error}`;
  // The line as typed: the store's text is the same, but a screen may clear it (`:jobs`) while the prompt is shut.
  const shown = line.text === text ? line : lineOf(text);
  const inputWidth = Math.max(1, Math.min(width - 2, displayWidth(shown.text) + 1));
  return (
    <Text>
      <Text color={theme.accent}>/</Text>
      <LineInput line={shown} width={inputWidth} />
      <Text color={parsed.ok ? theme.muted : theme.error}>
        {fitWidth(hint, Math.max(0, width - inputWidth - 1))}
      </Text>
    </Text>
  );
}
