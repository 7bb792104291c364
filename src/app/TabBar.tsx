import { Box, Text } from 'ink';
import { useDeck, useDeckContext } from '../ui/deckContext';
import type { Screen } from '../ui/screen';
import { tabLabels } from './tabLabels';

export function TabBar({ screens, width }: { screens: readonly Screen[]; width: number }) {
  const { theme } = useDeckContext();
  const tab = useDeck((s) => s.ui.tab);
  const active = screens.findIndex((s) => s.id === tab);
  const { brand, labels } = tabLabels(
    screens.map((s) => ({ title: s.title, short: s.short })),
    active,
    width,
  );
  return (
    <Box width={width} height={1} overflow="hidden">
      {brand ? (
        <Text bold color={theme.accent}>
          {brand}
        </Text>
      ) : null}
      {screens.map((s, i) => (
        <Text
          key={s.id}
          inverse={i === active}
          color={i === active ? undefined : theme.muted}
          wrap="truncate"
        >
          {labels[i]}
        </Text>
      ))}
    </Box>
  );
}
