import { Text } from 'ink';
import { parseFilter } from '../domain/tableFilter';
import { fitWidth } from '../domain/text';
import { useActions, useDeck, useDeckContext } from '../ui/deckContext';
import { useKeys } from '../ui/keyDispatcher';
import { editLine } from '../ui/lineEditor';

/** The `/` prompt: edits the focused screen's filter live. Enter keeps it, Esc clears it. */
export function FilterPrompt({ screen, width }: { screen: string; width: number }) {
  const { theme, store } = useDeckContext();
  const actions = useActions();
  const text = useDeck((s) => s.ui.filters[screen] ?? '');

  useKeys('overlay', (press) => {
    if (press.name === 'enter') actions.ui.closeOverlay();
    else if (press.name === 'esc') {
      actions.ui.setFilter(screen, '');
      actions.ui.closeOverlay();
    } else {
      const next = editLine(store.getState().ui.filters[screen] ?? '', press);
      if (next !== undefined) actions.ui.setFilter(screen, next);
    }
    return true;
  });

  const parsed = parseFilter(text);
  const hint = parsed.ok
    ? '   text · re:… · glob* · col:value · !not · Enter keep · Esc clear'
    : `   ${parsed.error}`;
  return (
    <Text>
      <Text color={theme.accent}>/</Text>
      {text}█
      <Text color={parsed.ok ? theme.muted : theme.error}>
        {fitWidth(hint, Math.max(0, width - text.length - 2))}
      </Text>
    </Text>
  );
}
