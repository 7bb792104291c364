/** One repository the workspace asks to show (from repos.yaml or found under a configured root). */
export interface RepoEntry {
  name: string;
  /** Absolute path. */
  path: string;
  source: 'repos.yaml' | 'root';
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
