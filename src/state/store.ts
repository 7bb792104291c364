import { createStore, type StoreApi } from 'zustand/vanilla';
import type { DeckServices } from './deckServices';
import { eventFlush } from './eventFlush';
import type { CloudSelection } from './services/cloud';
import type { Slice, SliceSetup, SliceTools } from './slice';
import { deckSlices } from './slices';

type DeckSlice = (typeof deckSlices)[number];

/** Every slice's state under its name, and every slice's actions under `actions.<name>`. */
export type DeckState = { [S in DeckSlice as S['name']]: ReturnType<S['initial']> } & {
  actions: DeckActions;
};
export type DeckActions = { [S in DeckSlice as S['name']]: ReturnType<S['actions']> };

export type DeckStore = StoreApi<DeckState>;

export interface DeckInit {
  dataDir: string;
  readOnly: boolean;
  configPath: string;
  tab: string;
  /** Problems found while starting (bad config, bad repos.yaml): shown as error toasts. */
  startupErrors?: string[];
  cloudSelection?: CloudSelection;
  /** A cached scan older than this is rescanned when the console opens the cloud. */
  staleScanMs?: number;
  now?: () => number;
}

/** The store, built from the list of slices (`slices/index.ts`). */
export function createDeckStore(services: DeckServices, init: DeckInit): DeckStore {
  const setup: SliceSetup = { init, services, now: init.now ?? Date.now };
  const slices = deckSlices as unknown as readonly Slice<string, unknown, unknown>[];
  const store = createStore<DeckState>()(
    () => Object.fromEntries(slices.map((s) => [s.name, s.initial(setup)])) as unknown as DeckState,
  );
  const { ingest, dropPending } = eventFlush(slices, store, setup.now);
  const actions = Object.fromEntries(
    slices.map((slice) => {
      const tools: SliceTools<unknown> = {
        ...setup,
        set: store.setState,
        get: store.getState,
        patch: (patch) =>
          store.setState(
            (s) =>
              ({
                [slice.name]: { ...(s[slice.name as keyof DeckState] as object), ...(patch as object) },
              }) as Partial<DeckState>,
          ),
        notify: (level, text) => store.getState().actions.ui.notify(level, text),
        ingest,
        dropPending,
      };
      return [slice.name, slice.actions(tools)];
    }),
  ) as DeckActions;
  store.setState({ actions } as Partial<DeckState>);
  return store;
}
