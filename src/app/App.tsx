import { Box, Text, useApp } from 'ink';
import { useEffect, useMemo, useState } from 'react';
import { useStore } from 'zustand';
import { ConfirmOverlay } from './ConfirmOverlay';
import { builtinCommands, type PaletteCommand } from './commands';
import { type Deck, DeckProvider, useActions, useDeck } from './deckContext';
import { FilterPrompt } from './FilterPrompt';
import { FormOverlay } from './FormOverlay';
import { HelpOverlay } from './HelpOverlay';
import { KeyDispatcher, useKeys } from './keyDispatcher';
import { MessageLine } from './MessageLine';
import { Palette, paletteSuggestionRows } from './Palette';
import { StatusBar } from './StatusBar';
import type { Screen } from './screen';
import { TabBar } from './TabBar';
import { minimumSize, useTerminalSize } from './terminalSize';

export interface AppProps {
  deck: Deck;
  screens: readonly Screen[];
  /** Extra palette commands contributed by screens and services (`:run`, `:profile`…). */
  commands?: readonly PaletteCommand[];
}

export function App({ deck, screens, commands = [] }: AppProps) {
  const { exit } = useApp();
  const quit = () => deck.store.getState().actions.quit();
  const quitting = useStore(deck.store, (s) => s.ui.quitting);
  useEffect(() => {
    if (quitting) exit();
  }, [quitting, exit]);

  return (
    <DeckProvider deck={deck}>
      <KeyDispatcher
        keymap={deck.keymap}
        onInterrupt={quit}
        onError={(error) =>
          deck.store
            .getState()
            .actions.notify('error', `key: ${error instanceof Error ? error.message : String(error)}`)
        }
      >
        <Shell screens={screens} extraCommands={commands} />
      </KeyDispatcher>
    </DeckProvider>
  );
}

function Shell({
  screens,
  extraCommands,
}: {
  screens: readonly Screen[];
  extraCommands: readonly PaletteCommand[];
}) {
  const { columns, rows } = useTerminalSize();
  const actions = useActions();
  const tab = useDeck((s) => s.ui.tab);
  const overlay = useDeck((s) => s.ui.overlay);
  const suspended = useDeck((s) => s.ui.suspended);
  // A tab is mounted when first shown and then kept (its cursor, filter and open view survive a tab switch);
  // tabs never opened cost nothing, which keeps the first frame quick.
  const visited = useVisited(tab);
  const screen = screens.find((s) => s.id === tab) ?? screens[0];
  const commands = useMemo(
    () => [...builtinCommands(screens), ...screens.flatMap((s) => s.commands ?? []), ...extraCommands],
    [screens, extraCommands],
  );
  useEffect(() => actions.connectBus(), [actions]);
  useEffect(() => {
    void actions.connectCloud();
  }, [actions]);

  useKeys('global', (press) => {
    const action = press.action(['global']);
    if (!action) return false;
    const index = screens.indexOf(screen);
    if (action === 'app.quit') actions.quit();
    else if (action === 'app.help') actions.openOverlay('help');
    else if (action === 'app.palette') actions.openOverlay('palette');
    else if (action === 'tab.next') actions.showTab(screens[(index + 1) % screens.length].id);
    else if (action === 'tab.prev')
      actions.showTab(screens[(index - 1 + screens.length) % screens.length].id);
    else if (action.startsWith('tab.')) {
      const target = screens[Number(action.slice(4)) - 1];
      if (!target) return false;
      actions.showTab(target.id);
    } else return false;
    return true;
  });

  if (columns < minimumSize.columns || rows < minimumSize.rows) {
    return (
      <Box width={columns} height={rows} overflow="hidden">
        <Text>
          {`terminal too small: ${columns}x${rows}, infradeck needs at least ${minimumSize.columns}x${minimumSize.rows} (q quits)`.slice(
            0,
            columns * rows,
          )}
        </Text>
      </Box>
    );
  }

  // A blank frame of the same size: when the console comes back, every line differs and is redrawn.
  if (suspended) return <Box width={columns} height={rows} />;

  const paletteRows = overlay === 'palette' ? paletteSuggestionRows : 0;
  const contentHeight = rows - 3 - paletteRows;
  return (
    <Box flexDirection="column" width={columns} height={rows} overflow="hidden">
      <TabBar screens={screens} width={columns} />
      <Box height={contentHeight} width={columns} overflow="hidden">
        {overlay === 'help' ? <HelpOverlay screen={screen} width={columns} height={contentHeight} /> : null}
        {overlay === 'confirm' ? <ConfirmOverlay width={columns} height={contentHeight} /> : null}
        {overlay === 'form' ? <FormOverlay width={columns} height={contentHeight} /> : null}
        {screens
          .filter((s) => visited.has(s.id))
          .map((s) => (
            <Box key={s.id} display={s === screen && !coversScreen(overlay) ? 'flex' : 'none'}>
              <s.Component width={columns} height={contentHeight} active={s === screen && overlay === null} />
            </Box>
          ))}
      </Box>
      <Box height={1 + paletteRows} width={columns} overflow="hidden">
        {overlay === 'palette' ? (
          <Palette commands={commands} context={{ actions, screens }} width={columns} />
        ) : overlay === 'filter' ? (
          <FilterPrompt screen={screen.id} width={columns} />
        ) : (
          <MessageLine screen={screen.id} hints={screen.hints} width={columns} />
        )}
      </Box>
      <StatusBar width={columns} />
    </Box>
  );
}

/** Overlays drawn in place of the screen (the palette and the filter prompt leave it in view). */
function coversScreen(overlay: string | null): boolean {
  return overlay === 'help' || overlay === 'confirm' || overlay === 'form';
}

function useVisited(tab: string): ReadonlySet<string> {
  const [visited, setVisited] = useState<ReadonlySet<string>>(() => new Set([tab]));
  if (!visited.has(tab)) setVisited(new Set([...visited, tab]));
  return visited.has(tab) ? visited : new Set([...visited, tab]);
}
