import type { RepoDetails, RepoEntry, RepoStatus } from '../../domain/repo';
import { errorText, type Slice } from '../slice';

export interface ReposState {
  rows: RepoStatus[];
  loading: boolean;
  refreshedAt?: number;
  details?: { entry: RepoEntry; loading: boolean; value?: RepoDetails; error?: string };
}

export interface ReposActions {
  refresh(): Promise<void>;
  openDetails(entry: RepoEntry): Promise<void>;
  closeDetails(): void;
}

/** The workspace's git repositories and the one whose details are open. */
export const reposSlice: Slice<'repos', ReposState, ReposActions> = {
  name: 'repos',
  initial: () => ({ rows: [], loading: false }),
  actions: ({ services, get, patch, notify, now }) => ({
    refresh: async () => {
      if (get().repos.loading) return;
      patch({ loading: true });
      try {
        const { rows, errors } = await services.repos.list();
        patch({ rows, loading: false, refreshedAt: now() });
        for (const e of errors) notify('error', e);
      } catch (err) {
        patch({ loading: false });
        notify('error', `repositories: ${errorText(err)}`);
      }
    },
    openDetails: async (entry) => {
      patch({ details: { entry, loading: true } });
      try {
        const value = await services.repos.details(entry);
        if (get().repos.details?.entry.path === entry.path)
          patch({ details: { entry, loading: false, value } });
      } catch (err) {
        if (get().repos.details?.entry.path === entry.path)
          patch({ details: { entry, loading: false, error: errorText(err) } });
      }
    },
    closeDetails: () => patch({ details: undefined }),
  }),
};
