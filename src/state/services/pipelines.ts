import type { ApiQuota, PipelineClient } from '../../domain/pipelineClient';
import type { LocalPipelineSource } from '../../domain/pipelineSource';
import type { RemoteClientLookup, RemoteRepo, RemoteRunsRow } from '../../domain/remoteRepo';
import type { DispatchSpec } from '../../domain/workflowDispatch';
import type { WatchFiles } from '../slice';
import type { DeckBus } from './bus';

/** What a provider host said is left of its API quota, as last seen. */
export interface HostQuota {
  provider: 'github' | 'gitlab';
  host: string;
  quota: ApiQuota;
}

/**
 * The three sources of pipeline runs as the console uses them (the Pipelines tab, the Repositories tab's CI
 * column); `openWorkspace` wires the real one. Tokens stay inside the remote clients: nothing here returns one.
 */
export interface DeckPipelines {
  /** The remote table's interval (the config's repositories refresh); 0: only on `r` and when shown. */
  tableMs: number;
  /** A followed running remote run's interval (default 5 s). */
  watchMs?: number;
  /** Every local pipeline (workspace and repositories), each checked; `errors`: finding the repositories. */
  loadLocal(): Promise<{ pipelines: LocalPipelineSource[]; errors: string[] }>;
  /** Follows the workspace's `pipelines/*.yaml` (a repository's own file is read when the tab is shown, and `r`). */
  watchLocal?: WatchFiles;
  /**
   * Each repository's recent remote runs, or why there are none (never rejects for one repository), and where
   * each repository's clone is (the trigger form reads a GitHub workflow's inputs there).
   */
  loadRemote(opts: { limit: number; signal?: AbortSignal }): Promise<{
    rows: RemoteRunsRow[];
    clones: Record<string, string>;
  }>;
  /** The client of a remote's host: the same one `loadRemote` used (one quota, one ETag cache per host). */
  remoteClient(remote: RemoteRepo): Promise<RemoteClientLookup>;
  /** Local pipelines over the console's queue, acting for its requester. */
  localClient(
    bus: DeckBus,
    readOnly: boolean,
  ): PipelineClient & {
    retry(run: { repo: string; id: string }): Promise<string>;
  };
  /** The quota each host reported last. */
  quotas(): HostQuota[];
  /** The branch a clone is on; undefined on a detached HEAD or when git cannot say. */
  cloneBranch?(clone: string): Promise<string | undefined>;
  /** The remote's default branch as the clone last heard it (`origin/HEAD`); undefined when it does not know. */
  defaultBranch?(clone: string): Promise<string | undefined>;
  /** A GitHub workflow's `workflow_dispatch` inputs, from the file in the local clone. */
  dispatchSpec(clone: string, workflowFile: string): Promise<DispatchSpec>;
}
