import { Box, Text } from 'ink';
import { useState } from 'react';
import { isLogScrollAction, LogView, logScroll } from '../components/LogView';
import { fitWidth } from '../domain/text';
import { useDeckContext } from '../ui/deckContext';
import { useKeys } from '../ui/keyDispatcher';

/**
 * A details view made of text: an optional title line, the lines scrolled with the log keys, and a key hint.
 * Esc (`view.back`) calls `onBack`. Shared by the screens whose Enter shows "everything about this row".
 */
export function TextDetails({
  title,
  lines,
  width,
  height,
  active,
  onBack,
}: {
  title?: string;
  lines: readonly string[];
  width: number;
  height: number;
  active: boolean;
  onBack: () => void;
}) {
  const { theme } = useDeckContext();
  const [scroll, setScroll] = useState({ offset: 0, follow: false });
  const bodyHeight = height - 1 - (title === undefined ? 0 : 1);

  useKeys(
    'screen',
    (press) => {
      const action = press.action(['log']);
      if (action === 'view.back') onBack();
      else if (action && isLogScrollAction(action))
        setScroll((s) => logScroll(s, action, lines.length, bodyHeight));
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
        height={bodyHeight}
        follow={scroll.follow}
        offset={scroll.offset}
      />
      <Text color={theme.muted}>{fitWidth(' Esc back  j/k scroll', width)}</Text>
    </Box>
  );
}
