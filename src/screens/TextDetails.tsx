import { Box, Text } from 'ink';
import { useMemo, useState } from 'react';
import {
  isTextViewAction,
  type LogLineStyle,
  LogView,
  type TextViewState,
  textViewStep,
} from '../components/LogView';
import { useLogSearch } from '../components/useLogSearch';
import { type WrappedRow, wrapLine } from '../components/wrapRows';
import { fitWidth } from '../domain/text';
import { useDeckContext } from '../ui/deckContext';
import { useKeys } from '../ui/keyDispatcher';
import type { KeyHint } from '../ui/keyHints';

/**
 * The hints of a text view (for the `ScreenView` that shows one): a screen adds its own keys in front. The key
 * hint line is the console's one footer: a text view draws none of its own.
 */
export const textViewHints: readonly KeyHint[] = [
  { action: 'nav.down', label: 'scroll' },
  { action: 'view.wrap', label: 'wrap' },
  { action: 'view.scrollRight', label: 'scroll right' },
  { action: 'view.back', label: 'back' },
  { action: 'log.search', label: 'search' },
];

export const TEXT_VIEW_TOP: TextViewState = { follow: false, offset: 0, wrap: false, scrollX: 0 };

/**
 * A details view made of text: an optional title line and the lines, scrolled with the log keys (`log` scope:
 * j/k, PgUp/PgDn, g/G), `w` to wrap long lines (then j/k move a row), ←/→ to scroll sideways, `/` `n` `N` to
 * search (`useLogSearch`: wrapped, the lines are searched and a match shows on the rows it takes). Esc
 * (`view.back`) clears a search, then calls `onBack`. Its keys are listed by the screen's view (`textViewHints`)
 * on the console's hint line. Shared by the screens whose Enter shows "everything about this row".
 */
export function TextDetails({
  title,
  lines,
  width,
  height,
  active,
  onBack,
  lineStyle,
}: {
  title?: string;
  lines: readonly string[];
  width: number;
  height: number;
  active: boolean;
  onBack: () => void;
  /** How the line at an index is drawn (headings, errors); plain by default. */
  lineStyle?: (index: number) => LogLineStyle | undefined;
}) {
  const { theme } = useDeckContext();
  const [view, setView] = useState(TEXT_VIEW_TOP);
  const bodyHeight = Math.max(1, height - (title === undefined ? 0 : 1));
  // Wrapped, the view scrolls the rows the lines make (its offset counts rows), so that G, PgDn and j reach the
  // last row: counted in lines, the end of a text whose lines take several rows each was out of reach.
  const wrapped = useMemo(() => {
    if (!view.wrap) return undefined;
    const rows = wrapLines(lines, width);
    return { rows, texts: rows.map((r) => r.text) };
  }, [view.wrap, lines, width]);
  const search = useLogSearch({
    lines,
    view,
    setView,
    width,
    height: bodyHeight,
    active,
    rows: wrapped?.rows,
  });

  useKeys(
    'screen',
    (press) => {
      const action = press.action(['log']);
      if (search.act(action)) return true;
      if (action === 'view.back') onBack();
      else if (action === 'view.wrap') setView((s) => wrapToggled(s, lines, width));
      else if (action && isTextViewAction(action))
        setView((s) => {
          const shown = s.wrap ? (wrapped?.texts ?? wrapLines(lines, width).map((r) => r.text)) : lines;
          return textViewStep(s, action, shown, search.logHeight, width);
        });
      else return false;
      return true;
    },
    active,
  );

  return (
    <Box flexDirection="column" width={width} height={height}>
      {title === undefined ? null : (
        <Text bold color={theme.accent}>
          {fitWidth(` ${title}`, width)}
        </Text>
      )}
      <LogView
        lines={wrapped?.texts ?? lines}
        width={width}
        height={search.logHeight}
        follow={view.follow}
        offset={view.offset}
        scrollX={view.scrollX}
        lineStyle={wrapped && lineStyle ? (row) => lineStyle(wrapped.rows[row]?.index ?? row) : lineStyle}
        search={search.highlight}
      />
      {search.line}
    </Box>
  );
}

/** The rows `lines` take wrapped at `width` (as LogView wraps them), each with its line. */
function wrapLines(lines: readonly string[], width: number): WrappedRow[] {
  return lines.flatMap((_, index) => wrapLine(lines, index, width));
}

/** `w`: wraps or cuts the lines, with the same line on top (a view at the end stays at the end). */
function wrapToggled(s: TextViewState, lines: readonly string[], width: number): TextViewState {
  const next = { ...s, wrap: !s.wrap, scrollX: 0 };
  if (s.follow) return next;
  const lineOf = wrapLines(lines, width).map((r) => r.index);
  if (s.wrap) return { ...next, offset: lineOf[s.offset] ?? lines.length };
  const firstRow = lineOf.findIndex((line) => line >= s.offset);
  return { ...next, offset: firstRow === -1 ? lineOf.length : firstRow };
}
