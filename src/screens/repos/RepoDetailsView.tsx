import { Box, Text } from 'ink';
import { useState } from 'react';
import { useActions, useDeck, useDeckContext } from '../../app/deckContext';
import { useKeys } from '../../app/keyDispatcher';
import { LogView, logScroll } from '../../components/LogView';
import { fitWidth, formatAge } from '../../domain/text';

/** Enter on a repository: its `git status` and recent commits. Esc goes back to the list. */
export function RepoDetailsView({
  width,
  height,
  active,
}: {
  width: number;
  height: number;
  active: boolean;
}) {
  const { theme } = useDeckContext();
  const actions = useActions();
  const details = useDeck((s) => s.repos.details);
  const [scroll, setScroll] = useState({ offset: 0, follow: false });

  const lines: string[] = [];
  if (details?.loading) lines.push('reading…');
  if (details?.error) lines.push(`error: ${details.error}`);
  if (details?.value) {
    const nowSeconds = Date.now() / 1000;
    lines.push('Status (git status --short --branch):', ...details.value.status.map((l) => `  ${l}`), '');
    lines.push(`Recent commits (${details.value.log.length}):`);
    for (const c of details.value.log)
      lines.push(
        `  ${c.hash}  ${fitWidth(formatAge(nowSeconds - c.time), 4, 'right')}  ${fitWidth(c.author, 14)}  ${c.subject}`,
      );
  }
  const bodyHeight = height - 2;

  useKeys(
    'screen',
    (press) => {
      const action = press.action(['log']);
      if (action === 'view.back') {
        actions.closeRepoDetails();
        return true;
      }
      if (!action) return false;
      setScroll((s) => logScroll(s, action, lines.length, bodyHeight));
      return true;
    },
    active,
  );

  if (!details) return null;
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text bold color={theme.accent}>
        {fitWidth(` ${details.entry.name}  ${details.entry.path}`, width)}
      </Text>
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
