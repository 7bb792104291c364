import { Box, Text } from 'ink';
import { fitWidth } from '../domain/text';
import { useActions, useDeck, useDeckContext } from './deckContext';
import { useKeys } from './keyDispatcher';

/** "Are you sure?" for anything that changes the world: `y` goes ahead, `n` or Esc does nothing. */
export function ConfirmOverlay({ width, height }: { width: number; height: number }) {
  const { theme } = useDeckContext();
  const actions = useActions();
  const confirm = useDeck((s) => s.ui.confirm);

  useKeys('overlay', (press) => {
    if (press.name === 'y' || press.name === 'Y') actions.answerConfirm(true);
    else if (press.name === 'n' || press.name === 'N' || press.name === 'esc') actions.answerConfirm(false);
    return true;
  });

  if (!confirm) return null;
  const boxWidth = Math.min(width - 4, 72);
  const body = confirm.lines.slice(0, Math.max(0, height - 6));
  return (
    <Box width={width} height={height} justifyContent="center" alignItems="center">
      <Box flexDirection="column" borderStyle="round" borderColor={theme.warn} width={boxWidth} paddingX={1}>
        <Text bold>{fitWidth(confirm.title, boxWidth - 4)}</Text>
        {body.map((line, i) => (
          <Text key={i}>{fitWidth(line, boxWidth - 4)}</Text>
        ))}
        <Text color={theme.warn}>{fitWidth('y yes · n / Esc no', boxWidth - 4)}</Text>
      </Box>
    </Box>
  );
}
