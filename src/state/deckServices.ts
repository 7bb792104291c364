import type { RepoDetails, RepoEntry, RepoStatus } from '../domain/repo';

/**
 * What the console needs from the outside world. The store's actions call these;
 * the entry point wires real implementations, tests may wire their own.
 */
export interface DeckServices {
  repos: {
    /** Reads the workspace's repository list and each repository's status. Never rejects for one bad repo. */
    list(): Promise<{ rows: RepoStatus[]; errors: string[] }>;
    details(entry: RepoEntry): Promise<RepoDetails>;
  };
}
