import { createStore, type StoreApi } from 'zustand/vanilla';
import type { DeckEvent } from '../domain/event';
import type { JobStatus, WorkerPresence } from '../domain/job';
import type { RepoDetails, RepoEntry, RepoStatus } from '../domain/repo';
import { type BusActions, busActions, type JobLog } from './busActions';
import type { BusStatus, DeckServices } from './deckServices';
import type { JobsById } from './jobsReducer';
import { emptyTimeline, type Timeline } from './timeline';

export type ToastLevel = 'info' | 'warn' | 'error';
export interface Toast {
  id: number;
  level: ToastLevel;
  text: string;
  at: number;
}

export type Overlay = 'help' | 'palette' | 'filter' | 'confirm' | null;

/** A question the user must answer before something changes (`y` / `n`). */
export interface Confirmation {
  title: string;
  /** What will happen, one line each. */
  lines: string[];
  onYes: () => void;
}

export interface DeckState {
  workspace: {
    dataDir: string;
    readOnly: boolean;
    configPath: string;
  };
  ui: {
    tab: string;
    overlay: Overlay;
    /** `/` filter text per screen id. */
    filters: Record<string, string>;
    toasts: Toast[];
    lastError?: { text: string; at: number };
    confirm?: Confirmation;
    quitting: boolean;
  };
  bus: {
    transport?: 'redis' | 'memory';
    target?: string;
    status?: BusStatus;
  };
  jobs: {
    byId: JobsById;
    loadedAt?: number;
    statusFilter?: JobStatus;
    log?: JobLog;
  };
  events: {
    /** The newest events, oldest first. */
    latest: DeckEvent[];
    timeline: Timeline;
    received: number;
    lastId?: string;
  };
  workers: { list: WorkerPresence[]; refreshedAt?: number };
  repos: {
    rows: RepoStatus[];
    loading: boolean;
    refreshedAt?: number;
    details?: { entry: RepoEntry; loading: boolean; value?: RepoDetails; error?: string };
  };
  actions: DeckActions;
}

export interface DeckActions extends BusActions {
  showTab(id: string): void;
  /** Asks before doing something that changes the world; `onYes` runs only on `y`. */
  confirm(confirmation: Confirmation): void;
  answerConfirm(yes: boolean): void;
  setJobStatusFilter(status: JobStatus | undefined): void;
  openOverlay(overlay: Overlay): void;
  closeOverlay(): void;
  setFilter(screen: string, text: string): void;
  notify(level: ToastLevel, text: string): void;
  dismissToasts(olderThanMs: number, now?: number): void;
  quit(): void;
  refreshRepos(): Promise<void>;
  openRepoDetails(entry: RepoEntry): Promise<void>;
  closeRepoDetails(): void;
}

export type DeckStore = StoreApi<DeckState>;

/** What slices of actions get to work with. */
export interface DeckStoreTools {
  set: StoreApi<DeckState>['setState'];
  get: StoreApi<DeckState>['getState'];
  notify(level: ToastLevel, text: string): void;
  now(): number;
}

export interface DeckInit {
  dataDir: string;
  readOnly: boolean;
  configPath: string;
  tab: string;
  /** Problems found while starting (bad config, bad repos.yaml): shown as error toasts. */
  startupErrors?: string[];
  now?: () => number;
}

export function createDeckStore(services: DeckServices, init: DeckInit): DeckStore {
  const now = init.now ?? Date.now;
  let toastSeq = 0;

  return createStore<DeckState>()((set, get) => {
    const notify = (level: ToastLevel, text: string) => {
      const at = now();
      set((s) => ({
        ui: {
          ...s.ui,
          toasts: [...s.ui.toasts.slice(-4), { id: ++toastSeq, level, text, at }],
          lastError: level === 'error' ? { text, at } : s.ui.lastError,
        },
      }));
    };
    const ui = (patch: Partial<DeckState['ui']>) => set((s) => ({ ui: { ...s.ui, ...patch } }));
    const repos = (patch: Partial<DeckState['repos']>) => set((s) => ({ repos: { ...s.repos, ...patch } }));

    const actions: DeckActions = {
      ...busActions(services.bus, { set, get, notify, now }),
      showTab: (id) => ui({ tab: id, overlay: null }),
      confirm: (confirmation) => ui({ confirm: confirmation, overlay: 'confirm' }),
      answerConfirm: (yes) => {
        const pending = get().ui.confirm;
        ui({ confirm: undefined, overlay: null });
        if (yes) pending?.onYes();
      },
      setJobStatusFilter: (status) => set((s) => ({ jobs: { ...s.jobs, statusFilter: status } })),
      openOverlay: (overlay) => ui({ overlay }),
      closeOverlay: () => ui({ overlay: null }),
      setFilter: (screen, text) => ui({ filters: { ...get().ui.filters, [screen]: text } }),
      notify,
      dismissToasts: (olderThanMs, at = now()) => {
        const toasts = get().ui.toasts;
        const kept = toasts.filter((t) => at - t.at < olderThanMs);
        if (kept.length !== toasts.length) ui({ toasts: kept });
      },
      quit: () => ui({ quitting: true }),

      refreshRepos: async () => {
        if (get().repos.loading) return;
        repos({ loading: true });
        try {
          const { rows, errors } = await services.repos.list();
          repos({ rows, loading: false, refreshedAt: now() });
          for (const e of errors) notify('error', e);
        } catch (err) {
          repos({ loading: false });
          notify('error', `repositories: ${errorText(err)}`);
        }
      },
      openRepoDetails: async (entry) => {
        repos({ details: { entry, loading: true } });
        try {
          const value = await services.repos.details(entry);
          if (get().repos.details?.entry.path === entry.path)
            repos({ details: { entry, loading: false, value } });
        } catch (err) {
          if (get().repos.details?.entry.path === entry.path)
            repos({ details: { entry, loading: false, error: errorText(err) } });
        }
      },
      closeRepoDetails: () => repos({ details: undefined }),
    };

    const startupErrors = init.startupErrors ?? [];
    return {
      workspace: { dataDir: init.dataDir, readOnly: init.readOnly, configPath: init.configPath },
      ui: {
        tab: init.tab,
        overlay: null,
        filters: {},
        toasts: startupErrors.map((text) => ({ id: ++toastSeq, level: 'error' as const, text, at: now() })),
        lastError: startupErrors.length
          ? { text: startupErrors[startupErrors.length - 1], at: now() }
          : undefined,
        quitting: false,
      },
      repos: { rows: [], loading: false },
      bus: {
        transport: services.bus?.transport,
        target: services.bus?.target,
        status: services.bus?.state.get(),
      },
      jobs: { byId: new Map() },
      events: { latest: [], timeline: emptyTimeline(now()), received: 0 },
      workers: { list: [] },
      actions,
    };
  });
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
