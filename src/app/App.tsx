import { Box, Text, useApp } from 'ink';
import { useEffect, useMemo, useState } from 'react';
import { useStore } from 'zustand';
import {
  type Deck,
  DeckProvider,
  ScreenShownContext,
  useActions,
  useDeck,
  useDeckContext,
} from '../ui/deckContext';
import { KeyDispatcher, useKeys } from '../ui/keyDispatcher';
import type { HintLine } from '../ui/keyHints';
import { keyHintItems } from '../ui/keyHints';
import type { PaletteCommand } from '../ui/paletteCommand';
import { type Screen, screenFace } from '../ui/screen';
import { TableFocusContext, type TableFocusReporter } from '../ui/tableFocus';
import { AdviceView } from './AdviceView';
import { AssistantView } from './AssistantView';
import { assistantFaces } from './assistantKeys';
import { ConfirmOverlay } from './ConfirmOverlay';
import { builtinCommands } from './commands';
import { FilterPrompt } from './FilterPrompt';
import { FormOverlay } from './FormOverlay';
import { HelpOverlay, helpHints } from './HelpOverlay';
import { MessageLine } from './MessageLine';
import { MessagesView } from './MessagesView';
import { Palette, paletteSuggestionRows } from './Palette';
import { StatusBar } from './StatusBar';
import { TabBar } from './TabBar';
import { minimumSize, useTerminalSize } from './terminalSize';

/** Under a confirmation, a form or `:messages`: they say their own keys, the covered screen's would mislead. */
const ownKeysHints: HintLine = { screen: [], global: [] };

export interface AppProps {
  deck: Deck;
  screens: readonly Screen[];
  /** Extra palette commands contributed by screens and services (`:run`, `:profile`…). */
  commands?: readonly PaletteCommand[];
}

export function App({ deck, screens, commands = [] }: AppProps) {
  const { exit } = useApp();
  const quit = () => deck.store.getState().actions.ui.quit();
  // Ctrl-C under an answer on its way stops the answer (what came is kept), not the console.
  const interrupt = () => {
    const { assistant, actions } = deck.store.getState();
    if (assistant.shown === 'ask' && assistant.ask?.phase === 'streaming') actions.assistant.stop();
    else quit();
  };
  const quitting = useStore(deck.store, (s) => s.ui.quitting);
  useEffect(() => {
    if (quitting) exit();
  }, [quitting, exit]);

  return (
    <DeckProvider deck={deck}>
      <KeyDispatcher
        keymap={deck.keymap}
        state={deck.store}
        onInterrupt={interrupt}
        onError={(error) =>
          deck.store
            .getState()
            .actions.ui.notify('error', `key: ${error instanceof Error ? error.message : String(error)}`)
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
  const { keymap, store } = useDeckContext();
  const actions = useActions();
  const tab = useDeck((s) => s.ui.tab);
  const overlay = useDeck((s) => s.ui.overlay);
  const suspended = useDeck((s) => s.ui.suspended);
  const assistant = useDeck((s) => s.assistant.shown);
  // Each tab's tables tell `:ask` what is selected on it.
  const focus = useMemo(
    () =>
      new Map<string, TableFocusReporter>(
        screens.map((s) => [
          s.id,
          {
            register: (read) =>
              actions.assistant.noteTable(s.id, () => {
                const shown = read();
                return shown && { ...shown, what: `${shown.what} on the ${s.title} tab` };
              }),
          },
        ]),
      ),
    [screens, actions],
  );
  // A tab is mounted when first shown and then kept (its cursor, filter and open view survive a tab switch);
  // tabs never opened cost nothing, which keeps the first frame quick.
  const visited = useVisited(tab);
  const screen = screens.find((s) => s.id === tab) ?? screens[0];
  // A view open over the screen's list (a resource's details, a commit) brings its own keys, hints and filter.
  const view = useDeck((s) => screen.view?.(s));
  const face = useMemo(() => screenFace(screen, view), [screen, view]);
  // The assistant's views cover the tab: `?` lists their keys, not the tab's.
  const helpFace = useMemo(
    () => (assistant ? { ...face, ...assistantFaces[assistant] } : face),
    [face, assistant],
  );
  const commands = useMemo(
    () => [...builtinCommands(screens), ...screens.flatMap((s) => s.commands ?? []), ...extraCommands],
    [screens, extraCommands],
  );
  const globalItems = useMemo(() => keyHintItems(globalHints, keymap, ['global']), [keymap]);
  const hints = useMemo(
    () => ({
      screen: keyHintItems(face.hints, keymap, [face.id, ...face.scopes]),
      // A form takes `?` and `:` as text: the global keys do not work under it.
      global: view?.takesKeys ? [] : globalItems,
    }),
    [face, keymap, view, globalItems],
  );
  // The assistant's views write their own keys: the tab's would not work there.
  const overViewHints = useMemo(() => ({ screen: [], global: globalItems }), [globalItems]);
  useEffect(() => actions.bus.connect(), [actions]);
  useEffect(() => {
    void actions.cloud.connect();
  }, [actions]);
  // The Dashboard shows the next scheduled run; the Scheduler tab the rest.
  useEffect(() => actions.schedules.connect(), [actions]);

  useKeys('global', (press) => {
    // Esc on a list clears its kept `/` filter, as in k9s (a view open over the list takes Esc first, as back).
    if (press.name === 'esc' && store.getState().ui.filters[face.id]) {
      actions.ui.setFilter(face.id, '');
      return true;
    }
    const action = press.action(['global']);
    if (!action) return false;
    const index = screens.indexOf(screen);
    if (action === 'app.quit') actions.ui.quit();
    else if (action === 'app.help') actions.ui.openOverlay('help');
    else if (action === 'app.palette') actions.ui.openOverlay('palette');
    else if (action === 'tab.next') actions.ui.showTab(screens[(index + 1) % screens.length].id);
    else if (action === 'tab.prev')
      actions.ui.showTab(screens[(index - 1 + screens.length) % screens.length].id);
    else if (action.startsWith('tab.')) {
      const target = screens[Number(action.slice(4)) - 1];
      if (!target) return false;
      actions.ui.showTab(target.id);
    } else return false;
    return true;
  });

  // Too small a terminal, or one handed to ssh/$EDITOR, hides the frame but keeps every screen mounted: the
  // tabs come back exactly as they were (cursor, sort, filter, selection, open view).
  const tooSmall = columns < minimumSize.columns || rows < minimumSize.rows;
  const hidden = tooSmall || suspended;
  const paletteRows = overlay === 'palette' ? paletteSuggestionRows(rows) : 0;
  const contentHeight = Math.max(1, rows - 3 - paletteRows);
  return (
    <Box flexDirection="column" width={columns} height={rows} overflow="hidden">
      {tooSmall && !suspended ? (
        <Text>
          {`terminal too small: ${columns}x${rows}, infradeck needs at least ${minimumSize.columns}x${minimumSize.rows} (q quits)`.slice(
            0,
            columns * rows,
          )}
        </Text>
      ) : null}
      <Box display={hidden ? 'none' : 'flex'} flexDirection="column" width={columns} height={rows}>
        <TabBar screens={screens} width={columns} />
        <Box height={contentHeight} width={columns} overflow="hidden">
          {overlay === 'help' ? (
            <HelpOverlay screen={helpFace} commands={commands} width={columns} height={contentHeight} />
          ) : null}
          {overlay === 'confirm' ? <ConfirmOverlay width={columns} height={contentHeight} /> : null}
          {overlay === 'form' ? <FormOverlay width={columns} height={contentHeight} /> : null}
          {overlay === 'messages' ? <MessagesView width={columns} height={contentHeight} /> : null}
          {assistant ? (
            // Kept mounted under a confirmation: its scroll and chosen proposal are there when it closes.
            <Box display={coversScreen(overlay) ? 'none' : 'flex'}>
              {assistant === 'ask' ? (
                <AssistantView width={columns} height={contentHeight} active={overlay === null && !hidden} />
              ) : (
                <AdviceView width={columns} height={contentHeight} active={overlay === null && !hidden} />
              )}
            </Box>
          ) : null}
          {screens
            .filter((s) => visited.has(s.id))
            .map((s) => {
              const inView = s === screen && !coversScreen(overlay) && !assistant;
              return (
                <Box key={s.id} display={inView ? 'flex' : 'none'}>
                  <ScreenShownContext.Provider value={inView && !hidden}>
                    <TableFocusContext.Provider value={focus.get(s.id) ?? null}>
                      <s.Component
                        width={columns}
                        height={contentHeight}
                        active={s === screen && overlay === null && !hidden && !assistant}
                      />
                    </TableFocusContext.Provider>
                  </ScreenShownContext.Provider>
                </Box>
              );
            })}
        </Box>
        <Box height={1 + paletteRows} width={columns} overflow="hidden">
          {overlay === 'palette' ? (
            <Palette commands={commands} context={{ actions, screens }} width={columns} rows={paletteRows} />
          ) : overlay === 'filter' ? (
            <FilterPrompt screen={face.id} width={columns} />
          ) : (
            <MessageLine
              screen={face.id}
              hints={
                overlay === 'help'
                  ? helpHints
                  : overlay !== null
                    ? ownKeysHints
                    : assistant
                      ? overViewHints
                      : hints
              }
              width={columns}
            />
          )}
        </Box>
        <StatusBar width={columns} />
      </Box>
    </Box>
  );
}

/** After every screen's own hints. */
const globalHints = [
  { action: 'app.help', label: 'help' },
  { action: 'app.palette', label: 'command' },
];

/** Overlays drawn in place of the screen (the palette and the filter prompt leave it in view). */
function coversScreen(overlay: string | null): boolean {
  return overlay === 'help' || overlay === 'confirm' || overlay === 'form' || overlay === 'messages';
}

function useVisited(tab: string): ReadonlySet<string> {
  const [visited, setVisited] = useState<ReadonlySet<string>>(() => new Set([tab]));
  if (!visited.has(tab)) setVisited(new Set([...visited, tab]));
  return visited.has(tab) ? visited : new Set([...visited, tab]);
}
