import { Box, Text } from 'ink';
import { useEffect, useState } from 'react';
import { fitWidth } from '../domain/text';
import type { DeckState } from '../state/store';
import { useDeck, useDeckContext } from './deckContext';

function clock(now: Date): string {
  return now.toTimeString().slice(0, 8);
}

/** `● redis connected`, `◌ redis reconnecting`, `✖ redis DOWN`, `● in-process workers`. */
export function busLabel(bus: DeckState['bus']): string {
  if (!bus.status) return '';
  if (bus.transport === 'memory') return ' ● in-process workers ';
  const mark = { connected: '●', reconnecting: '◌', down: '✖' }[bus.status.state];
  const word = bus.status.state === 'down' ? 'DOWN' : bus.status.state;
  return ` ${mark} redis ${word} `;
}

/** Workspace, read-only badge, last error and a clock: the line an operator glances at. */
export function StatusBar({ width }: { width: number }) {
  const { theme } = useDeckContext();
  const workspace = useDeck((s) => s.workspace);
  const lastError = useDeck((s) => s.ui.lastError);
  const bus = useDeck((s) => s.bus);
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const timer = setInterval(() => setNow(new Date()), 1000);
    return () => clearInterval(timer);
  }, []);

  const left = ` ${workspace.dataDir} `;
  const badge = workspace.readOnly ? ' READ-ONLY ' : '';
  const busText = busLabel(bus);
  const time = ` ${clock(now)} `;
  const errorWidth = Math.max(0, width - left.length - badge.length - busText.length - time.length);
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
      <Text
        color={bus.status?.state === 'connected' ? theme.ok : theme.error}
        bold={bus.status?.state !== 'connected'}
      >
        {busText}
      </Text>
      <Text inverse>{time}</Text>
    </Box>
  );
}
