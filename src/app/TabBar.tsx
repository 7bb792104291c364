import { Box, Text } from 'ink';
import { useDeck, useDeckContext } from '../ui/deckContext';
import type { Screen } from '../ui/screen';

export function TabBar({ screens, width }: { screens: readonly Screen[]; width: number }) {
  const { theme } = useDeckContext();
  const tab = useDeck((s) => s.ui.tab);
  return (
    <Box width={width} height={1} overflow="hidden">
      <Text bold color={theme.accent}>
        infradeck{' '}
      </Text>
      {screens.map((s, i) => (
        <Text key={s.id} inverse={s.id === tab} color={s.id === tab ? undefined : theme.muted}>
          {` ${i + 1} ${s.title} `}
        </Text>
      ))}
    </Box>
  );
}
