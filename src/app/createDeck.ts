import type { DeckConfig } from '../domain/config';
import type { DeckServices } from '../state/deckServices';
import type { CloudSelection } from '../state/services/cloud';
import { createDeckStore } from '../state/store';
import type { Deck } from '../ui/deckContext';
import { globalActions, Keymap, logActions, tableActions } from '../ui/keymap';
import type { Screen } from '../ui/screen';
import { makeTheme } from '../ui/theme';

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
  /** `--demo`, `--profile`, `--region`. */
  cloudSelection?: CloudSelection;
}

/** Builds everything the console shows from: the store, the effective keymap and the theme. */
export function createDeck(opts: DeckOptions): Deck {
  const keymap = new Keymap(
    [...globalActions, ...tableActions, ...logActions, ...opts.screens.flatMap((s) => s.actions)],
    opts.config.keys,
  );
  const startupErrors = [
    ...(opts.startupErrors ?? []),
    ...keymap.unknownOverrides.map(
      (id) => `${opts.configPath}: keys.${id}: unknown action id (? lists them)`,
    ),
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
