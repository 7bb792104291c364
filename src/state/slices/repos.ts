import { placedRepoError, type RepoDetails, type RepoEntry, type RepoStatus } from '../../domain/repo';
import { errorText, type Slice } from '../slice';

export interface ReposState {
  rows: RepoStatus[];
  loading: boolean;
  refreshedAt?: number;
  details?: {
    entry: RepoEntry;
    loading: boolean;
    value?: RepoDetails;
    error?: string;
    /** The commit open over the details (`git show --stat`). */
    commit?: { hash: string; loading: boolean; lines?: string[]; error?: string };
  };
}

export interface ReposActions {
  refresh(): Promise<void>;
  openDetails(entry: RepoEntry): Promise<void>;
  closeDetails(): void;
  openCommit(hash: string): Promise<void>;
  closeCommit(): void;
}

/** The workspace's git repositories and the one whose details are open. */
export const reposSlice: Slice<'repos', ReposState, ReposActions> = {
  name: 'repos',
  initial: () => ({ rows: [], loading: false }),
  actions: ({ services, get, patch, notify, now }) => {
    // What the last read reported: the list is read again every 30 s, and a problem already in :messages is not
    // told again until it has gone and come back.
    let told = new Set<string>();
    return {
      refresh: async () => {
        if (get().repos.loading) return;
        patch({ loading: true });
        try {
          const { rows, errors } = await services.repos.list();
          patch({ rows, loading: false, refreshedAt: now() });
          // A repos.yaml entry that cannot be read is a problem of that file: said with the line that names it.
          const problems = [
            ...errors,
            ...rows.flatMap((r) =>
              r.kind === 'error' && r.entry.listedAt ? [placedRepoError(r.entry, r.error)] : [],
            ),
          ];
          for (const e of problems) if (!told.has(e)) notify('error', e);
          told = new Set(problems);
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
      openCommit: async (hash) => {
        const details = get().repos.details;
        if (!details) return;
        const { entry } = details;
        const still = () => {
          const now = get().repos.details;
          return now?.entry.path === entry.path && now.commit?.hash === hash ? now : undefined;
        };
        patch({ details: { ...details, commit: { hash, loading: true } } });
        try {
          if (!services.repos.commit) throw new Error('this console cannot read commits');
          const lines = await services.repos.commit(entry, hash);
          const now = still();
          if (now) patch({ details: { ...now, commit: { hash, loading: false, lines } } });
        } catch (err) {
          const now = still();
          if (now) patch({ details: { ...now, commit: { hash, loading: false, error: errorText(err) } } });
        }
      },
      closeCommit: () => {
        const details = get().repos.details;
        if (details?.commit) patch({ details: { ...details, commit: undefined } });
      },
    };
  },
};
