import { Box, Text } from 'ink';
import { useEffect, useState } from 'react';
import { fitWidth } from '../domain/text';
import { useDeck, useDeckContext } from './deckContext';

function clock(now: Date): string {
  return now.toTimeString().slice(0, 8);
}

/** Workspace, read-only badge, last error and a clock: the line an operator glances at. */
export function StatusBar({ width }: { width: number }) {
  const { theme } = useDeckContext();
  const workspace = useDeck((s) => s.workspace);
  const lastError = useDeck((s) => s.ui.lastError);
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const timer = setInterval(() => setNow(new Date()), 1000);
    return () => clearInterval(timer);
  }, []);

  const left = ` ${workspace.dataDir} `;
  const badge = workspace.readOnly ? ' READ-ONLY ' : '';
  const time = ` ${clock(now)} `;
  const errorWidth = Math.max(0, width - left.length - badge.length - time.length);
  const error = lastError ? `✖ ${lastError.text}` : '';
  return (
    <Box width={width} height={1} overflow="hidden">
      <Text inverse>{fitWidth(left, Math.min(left.length, width))}</Text>
      {badge ? (
        <Text inverse bold color={theme.warn}>
          {badge}
        </Text>
      ) : null}
      <Text color={theme.error}>{fitWidth(error ? ` ${error}` : '', errorWidth)}</Text>
      <Text inverse>{time}</Text>
    </Box>
  );
}
