import { Text } from 'ink';
import { useEffect } from 'react';
import { fitWidth } from '../domain/text';
import { useActions, useDeck, useDeckContext } from '../ui/deckContext';

export const toastMs = 5000;

/** The line above the status bar: the newest toast while it lasts, else the key hints (from the keymap). */
export function MessageLine({ screen, hints, width }: { screen: string; hints: string; width: number }) {
  const { theme } = useDeckContext();
  const actions = useActions();
  const toasts = useDeck((s) => s.ui.toasts);
  const filter = useDeck((s) => s.ui.filters[screen] ?? '');
  const toast = toasts[toasts.length - 1];

  useEffect(() => {
    if (!toast) return;
    const timer = setTimeout(
      () => actions.ui.dismissToasts(toastMs),
      Math.max(0, toast.at + toastMs - Date.now()),
    );
    return () => clearTimeout(timer);
  }, [toast, actions]);

  if (toast) {
    const color = toast.level === 'error' ? theme.error : toast.level === 'warn' ? theme.warn : theme.ok;
    const mark = toast.level === 'error' ? '✗' : toast.level === 'warn' ? '!' : '✓';
    return (
      <Text color={color} bold>
        {fitWidth(`${mark} ${toast.text}`, width)}
      </Text>
    );
  }
  const filterNote = filter ? `filter: ${filter} (/ to change, Esc in prompt clears)  ` : '';
  return <Text color={theme.muted}>{fitWidth(`${filterNote}${hints}`, width)}</Text>;
}
