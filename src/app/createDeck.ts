import type { DeckConfig } from '../domain/config';
import { formatSourceError, type SourceError } from '../domain/sourceError';
import { formatPath } from '../domain/yamlSource';
import type { DeckServices } from '../state/deckServices';
import type { CloudSelection } from '../state/services/cloud';
import { createDeckStore } from '../state/store';
import type { Deck } from '../ui/deckContext';
import { globalActions, Keymap, listActions, logActions, tabActions, tableActions } from '../ui/keymap';
import type { Screen } from '../ui/screen';
import { makeTheme } from '../ui/theme';
import { adviceActions, assistantActions } from './assistantKeys';

export interface DeckOptions {
  services: DeckServices;
  config: DeckConfig;
  screens: readonly Screen[];
  dataDir: string;
  configPath: string;
  readOnly: boolean;
  noColor: boolean;
  /** Already formatted problems found while loading (config, workspace files). */
  startupErrors?: string[];
  /** Where a value of the config file is, for the problems of its `keys:` (see loadConfig). */
  configErrorAt?: (path: readonly (string | number)[], message: string) => SourceError;
  /** `--demo`, `--profile`, `--region`. */
  cloudSelection?: CloudSelection;
}

/** Builds everything the console shows from: the store, the effective keymap and the theme. */
export function createDeck(opts: DeckOptions): Deck {
  const keymap = new Keymap(
    [
      ...globalActions,
      ...tabActions(
        opts.screens.length,
        opts.screens.map((s) => s.title),
      ),
      ...tableActions,
      ...logActions,
      ...listActions,
      ...opts.screens.flatMap((s) => s.actions),
      ...assistantActions,
      ...adviceActions,
    ],
    opts.config.keys,
  );
  const keyErrorAt =
    opts.configErrorAt ??
    ((path, message) => ({ file: opts.configPath, line: 0, column: 0, path: formatPath(path), message }));
  const startupErrors = [
    ...(opts.startupErrors ?? []),
    ...keymap.problems.map((p) => formatSourceError(keyErrorAt(['keys', ...p.path], p.message))),
  ];
  const store = createDeckStore(opts.services, {
    dataDir: opts.dataDir,
    configPath: opts.configPath,
    readOnly: opts.readOnly,
    tab: opts.screens[0].id,
    startupErrors,
    cloudSelection: opts.cloudSelection,
    staleScanMs: opts.config.cloud.staleMinutes * 60_000,
  });
  const theme = makeTheme(opts.noColor || opts.config.theme.noColor, opts.config.theme.accent);
  return { store, keymap, config: opts.config, theme };
}
