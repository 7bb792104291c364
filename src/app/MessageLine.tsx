import { Text } from 'ink';
import { useEffect, useState } from 'react';
import { fitCell } from '../components/fitCell';
import { displayWidth, fitWidth } from '../domain/text';
import type { Toast } from '../state/slices/ui';
import { useActions, useDeck, useDeckContext } from '../ui/deckContext';
import { fitHintLine, type HintLine } from '../ui/keyHints';
import { allowedHints, deniedKeyLabels, useAccessGate } from './accessGate';

/** How long a toast stays on the message line: a problem longer, it has more to read. */
export const toastMs = 5000;
export const problemToastMs = 10_000;

const lifetime = (t: Toast) => (t.level === 'info' ? toastMs : problemToastMs);

/**
 * The toast to show at `now`: the newest still up, so the answer to the key just pressed is never hidden behind an
 * older problem. A problem outlives a note: it shows again when a later note goes, and the status bar keeps the last
 * error (or the count of problems) until `:messages` is opened.
 */
export function shownToast(toasts: readonly Toast[], now: number): Toast | undefined {
  return toasts.findLast((t) => now - t.at < lifetime(t));
}

/**
 * A problem's text for one line: a leading file path shortened to its name (`config.yaml:4:10: …`), the rest as
 * it is. `:messages` has the whole path.
 */
export function compactProblem(text: string): string {
  return text.replace(/^(?:~|\.{0,2})?\/(?:[^\s:/]+\/)*([^\s:/]+:[\d ])/, '$1');
}

/**
 * A problem as one line of `width`: as much of its text as fits, then where to read the rest
 * (`✗ config.yaml:4:10: theme: unknown key "x"… (+2 more: :messages)`).
 */
export function problemLine(toast: Toast, unread: number, width: number): string {
  const mark = toast.level === 'error' ? '✗' : '!';
  const text = `${mark} ${compactProblem(toast.text)}`;
  const others = Math.max(0, unread - 1);
  if (others === 0 && displayWidth(text) <= width) return fitWidth(text, width);
  const pointer = others > 0 ? ` (+${others} more: :messages)` : ' (:messages)';
  // Cut before a word with a digit rather than in it: an id or a region cut short reads as another one.
  return fitWidth(
    fitCell(text, Math.max(1, width - pointer.length), 'left', 'word').trimEnd() + pointer,
    width,
  );
}

/** The line above the status bar: the toast of the moment while it lasts, else the key hints (from the keymap). */
export function MessageLine({ screen, hints, width }: { screen: string; hints: HintLine; width: number }) {
  const { theme, keymap } = useDeckContext();
  // Keys of actions the user's role does not allow: their hints are left out and a press says why.
  const access = useDeck((s) => s.access);
  useAccessGate(screen);
  const actions = useActions();
  const toasts = useDeck((s) => s.ui.toasts);
  const unread = useDeck((s) => s.ui.unreadMessages);
  // The kept filter of the list in view: none while an overlay (the help) covers it.
  const filter = useDeck((s) => (s.ui.overlay === null ? (s.ui.filters[screen] ?? '') : ''));
  const [now, setNow] = useState(() => Date.now());
  const toast = shownToast(toasts, now);

  // Wakes up when the toast shown (or the newest one, which may be waiting behind a problem) is due to go.
  const newest = toasts[toasts.length - 1];
  useEffect(() => {
    const due = [toast, newest].filter((t) => t !== undefined).map((t) => t.at + lifetime(t));
    if (due.length === 0) return;
    const wake = Math.min(...due);
    const timer = setTimeout(
      () => {
        // Not Date.now() alone: a timer can fire a millisecond before the clock reaches `wake`, and the toast
        // would then stay up with no timer left to take it down.
        setNow(Math.max(Date.now(), wake));
        actions.ui.dismissToasts(problemToastMs);
      },
      Math.max(0, wake - Date.now()),
    );
    return () => clearTimeout(timer);
  }, [toast, newest, actions]);
  // A toast that arrives is shown at once, whatever time the last wake-up left in `now`.
  useEffect(() => {
    if (newest) setNow(Date.now());
  }, [newest]);

  if (toast) {
    const color = toast.level === 'error' ? theme.error : toast.level === 'warn' ? theme.warn : theme.ok;
    const line =
      toast.level === 'info'
        ? fitCell(`✓ ${toast.text}`, width, 'left', 'word')
        : problemLine(toast, unread, width);
    return (
      <Text color={color} bold>
        {line}
      </Text>
    );
  }
  const filterNote = filter ? `filter: ${filter} (/ to change, Esc clears)  ` : '';
  const allowed = { ...hints, screen: allowedHints(hints.screen, deniedKeyLabels(screen, keymap, access)) };
  return <Text color={theme.muted}>{fitWidth(fitHintLine(allowed, width, filterNote), width)}</Text>;
}
