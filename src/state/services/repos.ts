import type { RepoDetails, RepoEntry, RepoStatus } from '../../domain/repo';

export interface DeckRepos {
  /** Reads the workspace's repository list and each repository's status. Never rejects for one bad repo. */
  list(): Promise<{ rows: RepoStatus[]; errors: string[] }>;
  details(entry: RepoEntry): Promise<RepoDetails>;
  /** One commit as `git show --stat` prints it (absent where nothing reads git: some tests). */
  commit?(entry: RepoEntry, hash: string): Promise<string[]>;
}
