import { Box, Text } from 'ink';
import { useEffect, useState } from 'react';
import { fitWidth } from '../domain/text';
import type { DeckState } from '../state/store';
import { useDeck, useDeckContext } from '../ui/deckContext';

/** Minutes only: a ticking seconds field would redraw the whole frame every second over a slow link. */
function clock(now: Date): string {
  return now.toTimeString().slice(0, 5);
}

/** `● redis connected`, `◌ redis reconnecting`, `✗ redis DOWN`, `● in-process workers`. */
export function busLabel(bus: DeckState['bus']): string {
  if (!bus.status) return '';
  if (bus.transport === 'memory') return ' ● in-process workers ';
  const mark = { connected: '●', reconnecting: '◌', down: '✗' }[bus.status.state];
  const word = bus.status.state === 'down' ? 'DOWN' : bus.status.state;
  return ` ${mark} redis ${word} `;
}

/** `aws 123456789012 arn:aws:iam::…:user/ada`, or why there is none. */
export function identityLabel(cloud: DeckState['cloud']): string {
  const info = cloud.info;
  if (!info) return cloud.opening ? ' checking credentials… ' : '';
  if (info.problem) return ` AWS: ${info.problem} `;
  return ` ${info.account ?? ''} ${info.arn ?? ''} `;
}

/** Workspace, badges (READ-ONLY, DEMO), identity, last error, bus state and a clock: the line an operator glances at. */
export function StatusBar({ width }: { width: number }) {
  const { theme } = useDeckContext();
  const workspace = useDeck((s) => s.workspace);
  const lastError = useDeck((s) => s.ui.lastError);
  const bus = useDeck((s) => s.bus);
  const cloud = useDeck((s) => s.cloud);
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    let timer: NodeJS.Timeout;
    const tick = () => {
      setNow(new Date());
      timer = setTimeout(tick, 60_000 - (Date.now() % 60_000) + 50);
    };
    timer = setTimeout(tick, 60_000 - (Date.now() % 60_000) + 50);
    return () => clearTimeout(timer);
  }, []);

  const readOnly = workspace.readOnly ? ' READ-ONLY ' : '';
  const demo = cloud.info?.kind === 'demo' ? ' DEMO ' : '';
  const busText = busLabel(bus);
  const time = ` ${clock(now)} `;
  let room = Math.max(0, width - readOnly.length - demo.length - busText.length - time.length);
  const place = fitWidth(` ${workspace.dataDir} `, Math.min(room, 26, workspace.dataDir.length + 2));
  room -= place.length;
  const who = identityLabel(cloud);
  const whoText = fitWidth(who, Math.min(room, lastError ? 40 : room, who.length));
  room -= whoText.length;
  const error = lastError ? ` ✗ ${lastError.text}` : '';
  return (
    <Box width={width} height={1} overflow="hidden">
      <Text inverse>{place}</Text>
      {demo ? (
        <Text inverse bold color={theme.accent}>
          {demo}
        </Text>
      ) : null}
      {readOnly ? (
        <Text inverse bold color={theme.warn}>
          {readOnly}
        </Text>
      ) : null}
      <Text color={cloud.info?.problem ? theme.error : theme.muted}>{whoText}</Text>
      <Text color={theme.error}>{fitWidth(error, room)}</Text>
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
