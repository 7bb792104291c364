import { createStore, type StoreApi } from 'zustand/vanilla';
import type { DeckEvent } from '../domain/event';
import type { JobStatus, WorkerPresence } from '../domain/job';
import type { RepoDetails, RepoEntry, RepoStatus } from '../domain/repo';
import { ResourceIndex, type ResourceType } from '../domain/resource';
import { type BusActions, busActions, type JobLog } from './busActions';
import { type CloudActions, cloudActions } from './cloudActions';
import type { BusStatus, CloudInfo, CloudSelection, DeckServices } from './deckServices';
import type { JobsById } from './jobsReducer';
import {
  emptyProjectsSlice,
  type ProjectsActions,
  type ProjectsSlice,
  projectsActions,
} from './projectsActions';
import { emptyServersSlice, type ServersActions, type ServersSlice, serversActions } from './serversActions';
import { emptyTimeline, type Timeline } from './timeline';

export type ToastLevel = 'info' | 'warn' | 'error';
export interface Toast {
  id: number;
  level: ToastLevel;
  text: string;
  at: number;
}

export type Overlay = 'help' | 'palette' | 'filter' | 'confirm' | 'form' | null;

/** A small form in an overlay (`:login`): one line per field; `onSubmit` returns a problem to show, or nothing. */
export interface FormRequest {
  title: string;
  /** Shown under the title: what happens to what is typed. */
  note: string;
  fields: { label: string; secret?: boolean; optional?: boolean; initial?: string }[];
  onSubmit: (values: string[]) => Promise<string | undefined>;
}

/** A question the user must answer before something changes (`y` / `n`, or a typed word). */
export interface Confirmation {
  title: string;
  /** What will happen, one line each. */
  lines: string[];
  /** The user must type this exactly (the number of resources, the project name) and press Enter. */
  typed?: string;
  /** An extra choice, off until the user turns it on with its key (`e`: also delete the buckets' objects). */
  toggle?: { key: string; label: string };
  onYes: (answer: { toggle: boolean }) => void;
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
    form?: FormRequest;
    /** Another program (ssh, $EDITOR) has the terminal: the console draws nothing until it is back. */
    suspended: boolean;
    quitting: boolean;
  };
  bus: {
    transport?: 'redis' | 'memory';
    target?: string;
    status?: BusStatus;
  };
  jobs: {
    byId: JobsById;
    /** From the queue: all jobs by status, not only those in `byId`. */
    counts?: Record<JobStatus, number>;
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
  servers: ServersSlice;
  cloud: {
    selection: CloudSelection;
    info?: CloudInfo;
    opening: boolean;
    index: ResourceIndex;
    /** What the Resources screen shows: one type (`:ec2`) and/or one project. */
    view: { type?: ResourceType; project?: string };
  };
  repos: {
    rows: RepoStatus[];
    loading: boolean;
    refreshedAt?: number;
    details?: { entry: RepoEntry; loading: boolean; value?: RepoDetails; error?: string };
  };
  /** The blueprints of `projects/` with their state files (Deployments screen). */
  projects: ProjectsSlice;
  actions: DeckActions;
}

export interface DeckActions extends BusActions, CloudActions, ServersActions, ProjectsActions {
  showTab(id: string): void;
  /** Asks before doing something that changes the world; `onYes` runs only on `y`. */
  confirm(confirmation: Confirmation): void;
  answerConfirm(yes: boolean, answer?: { toggle: boolean }): void;
  openForm(form: FormRequest): void;
  closeForm(): void;
  setJobStatusFilter(status: JobStatus | undefined): void;
  setResourceView(view: { type?: ResourceType; project?: string }): void;
  openOverlay(overlay: Overlay): void;
  closeOverlay(): void;
  setFilter(screen: string, text: string): void;
  notify(level: ToastLevel, text: string): void;
  dismissToasts(olderThanMs: number, now?: number): void;
  quit(): void;
  setSuspended(suspended: boolean): void;
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
  cloudSelection?: CloudSelection;
  /** A cached scan older than this is rescanned when the console opens the cloud. */
  staleScanMs?: number;
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
      ...cloudActions(services.cloud, services.bus, { set, get, notify, now }, init.staleScanMs),
      ...serversActions(services.servers, { set, get, notify, now }),
      ...projectsActions(services.projects, services.bus, { set, get, notify, now }),
      showTab: (id) => ui({ tab: id, overlay: null }),
      confirm: (confirmation) => ui({ confirm: confirmation, overlay: 'confirm' }),
      openForm: (form) => ui({ form, overlay: 'form' }),
      closeForm: () => ui({ form: undefined, overlay: null }),
      answerConfirm: (yes, answer = { toggle: false }) => {
        const pending = get().ui.confirm;
        ui({ confirm: undefined, overlay: null });
        if (yes) pending?.onYes(answer);
      },
      setJobStatusFilter: (status) => set((s) => ({ jobs: { ...s.jobs, statusFilter: status } })),
      setResourceView: (view) => set((s) => ({ cloud: { ...s.cloud, view } })),
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
      setSuspended: (suspended) => ui({ suspended }),

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
        suspended: false,
        quitting: false,
      },
      repos: { rows: [], loading: false },
      projects: emptyProjectsSlice(),
      bus: {
        transport: services.bus?.transport,
        target: services.bus?.target,
        status: services.bus?.state.get(),
      },
      jobs: { byId: new Map() },
      events: { latest: [], timeline: emptyTimeline(now()), received: 0 },
      workers: { list: [] },
      servers: emptyServersSlice(),
      cloud: { selection: init.cloudSelection ?? {}, opening: false, index: ResourceIndex.empty(), view: {} },
      actions,
    };
  });
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
