import { Box, Text } from 'ink';
import { useState } from 'react';
import { fitWidth } from '../domain/text';
import { useActions, useDeckContext } from '../ui/deckContext';
import { useKeys } from '../ui/keyDispatcher';
import type { ActionDef } from '../ui/keymap';
import { keyLabel } from '../ui/keyName';
import type { Screen } from '../ui/screen';

interface Section {
  title: string;
  actions: ActionDef[];
}

/** The `?` overlay: every key that works on the current screen, read from the effective keymap. */
export function HelpOverlay({ screen, width, height }: { screen: Screen; width: number; height: number }) {
  const { keymap, theme } = useDeckContext();
  const actions = useActions();
  const [scroll, setScroll] = useState(0);
  const sections: Section[] = [
    { title: screen.title, actions: keymap.actionsIn(screen.id) },
    ...screen.scopes.map((scope) => ({ title: scopeTitle(scope), actions: keymap.actionsIn(scope) })),
    { title: 'Global', actions: keymap.actionsIn('global').filter((a) => !/^tab\.[2-9]$/.test(a.id)) },
  ];
  const lines: { text: string; heading?: boolean }[] = [];
  for (const section of sections) {
    if (section.actions.length === 0) continue;
    lines.push({ text: section.title, heading: true });
    for (const a of section.actions) {
      const keys = a.id === 'tab.1' ? '1-9' : a.keys.map(keyLabel).join(' ') || '(unbound)';
      const description = a.id === 'tab.1' ? 'Switch tab' : a.description;
      lines.push({ text: ` ${fitWidth(keys, 11)} ${description} [${a.id}]` });
    }
  }
  lines.push({ text: 'Esc or ? closes. Keys are rebound in config.yaml under keys: <action id>.' });

  // Two columns when the list is long and there is room; past that, j/k scroll.
  const columns = width >= 80 && lines.length > height ? 2 : 1;
  const perColumn = Math.ceil(lines.length / columns);
  const maxScroll = Math.max(0, perColumn - height);
  const top = Math.min(scroll, maxScroll);
  const columnWidth = Math.floor((width - 2) / columns);

  useKeys('overlay', (press) => {
    if (press.name === 'esc' || press.name === '?' || press.name === 'q') actions.ui.closeOverlay();
    else if (press.name === 'j' || press.name === 'down') setScroll(Math.min(top + 1, maxScroll));
    else if (press.name === 'k' || press.name === 'up') setScroll(Math.max(top - 1, 0));
    return true;
  });
  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden" paddingX={1}>
      <Box>
        {Array.from({ length: columns }, (_, c) => (
          <Box key={c} flexDirection="column" width={columnWidth}>
            {lines
              .slice(c * perColumn + top, Math.min((c + 1) * perColumn, c * perColumn + top + height))
              .map((l, i) => (
                <Text key={i} bold={l.heading} color={l.heading ? theme.accent : undefined}>
                  {fitWidth(l.text, columnWidth - 1)}
                </Text>
              ))}
          </Box>
        ))}
      </Box>
    </Box>
  );
}

function scopeTitle(scope: string): string {
  return { table: 'Table', log: 'Log' }[scope] ?? scope;
}
