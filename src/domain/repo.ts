/** One repository the workspace asks to show (from repos.yaml or found under a configured root). */
export interface RepoEntry {
  name: string;
  /** Absolute path. */
  path: string;
  source: 'repos.yaml' | 'root';
  /**
   * Where `repos.yaml` names it (the entry's `path`), so a repository that cannot be read says which line to fix:
   * `data/repos.yaml:15:11: repos[4].path: path does not exist: /srv/gone`.
   */
  listedAt?: { file: string; line: number; column: number; path: string };
}

/** A repository's problem with where repos.yaml lists it, when it does: what to fix and where. */
export function placedRepoError(entry: RepoEntry, error: string): string {
  const at = entry.listedAt;
  if (!at) return error;
  return `${at.file}:${at.line}:${at.column}: ${at.path}: ${error}`;
}

export interface LastCommit {
  hash: string; // short
  /** Unix seconds (committer date). */
  time: number;
  author: string;
  subject: string;
}

/** A row of the Repositories screen: either the repo's state or why it cannot be read. */
export type RepoStatus =
  | {
      kind: 'ok';
      entry: RepoEntry;
      /** Branch name, or `(detached abc1234)` when HEAD is detached. */
      branch: string;
      detached: boolean;
      changed: number;
      /** Commits ahead of / behind the upstream; undefined when there is no upstream. */
      ahead?: number;
      behind?: number;
      upstream?: string;
      /** Undefined for a repository with no commits yet. */
      last?: LastCommit;
    }
  | { kind: 'error'; entry: RepoEntry; error: string };

export interface RepoDetails {
  entry: RepoEntry;
  /** `git status --short --branch` lines. */
  status: string[];
  /** Recent commits, newest first. */
  log: LastCommit[];
}
