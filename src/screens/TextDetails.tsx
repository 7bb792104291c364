import { Box, Text } from 'ink';
import { useState } from 'react';
import {
  isTextViewAction,
  type LogLineStyle,
  LogView,
  type TextViewState,
  textViewStep,
} from '../components/LogView';
import { useLogSearch } from '../components/useLogSearch';
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
 * search (`useLogSearch`). Esc (`view.back`) clears a search, then calls `onBack`. Its keys are listed by the
 * screen's view (`textViewHints`) on the console's hint line. Shared by the screens whose Enter shows
 * "everything about this row".
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
  const search = useLogSearch({ lines, view, setView, width, height: bodyHeight, active });

  useKeys(
    'screen',
    (press) => {
      const action = press.action(['log']);
      if (search.act(action)) return true;
      if (action === 'view.back') onBack();
      else if (action && isTextViewAction(action))
        setView((s) => textViewStep(s, action, lines, search.logHeight, width));
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
        lines={lines}
        width={width}
        height={search.logHeight}
        follow={view.follow}
        offset={view.offset}
        rowInLine={view.rowInLine}
        wrap={view.wrap}
        scrollX={view.scrollX}
        lineStyle={lineStyle}
        search={search.highlight}
      />
      {search.line}
    </Box>
  );
}
