import { type PipelineRow, remotePipelineRows } from '../domain/pipelineRows';
import { RemoteClients, remoteRuns } from '../services/pipelines/remoteClients';
import { loadRepoEntries } from '../services/storage/workspace';
import { clientOpener, type RemoteCiIO } from './pipelineRemoteTarget';

/** Runs asked of each repository: enough for a GitHub repository's busy workflows to show their last run. */
const runsPerRepository = 20;

/** A remote row of `infradeck pipelines`, and whether its problem is a provider's failure (not just no CI). */
export interface RemoteListRow {
  row: PipelineRow;
  /** No token found: the row says which variable or command gives one. */
  noToken?: true;
  /** A GitHub workflow disabled on GitHub (it cannot be dispatched). */
  disabled?: true;
}

/**
 * The remote rows of `infradeck pipelines`: per repository of the Repositories tab whose origin is on GitHub or
 * a GitLab host, one row per workflow (GitHub: every workflow the repository has, run or not; GitLab: the
 * project's pipeline) with its recent runs; a repository without a remote, on an unknown host, without a token
 * or whose provider failed gets one row saying so. `failures`: the providers' failures, one line each.
 */
export async function remoteListRows(io: RemoteCiIO): Promise<{ rows: RemoteListRow[]; failures: string[] }> {
  const { entries } = await loadRepoEntries(io.workspace.dataDir, io.workspace.config, io.env);
  const open = clientOpener(io);
  const clients = new RemoteClients({ env: io.env }, (remote) => open(remote));
  const found = await remoteRuns(entries, {
    clients,
    hosts: { gitlabHosts: io.workspace.config.gitlab.hosts },
    limit: runsPerRepository,
    signal: io.signal,
  });
  const rows: RemoteListRow[] = [];
  const failures: string[] = [];
  for (const repo of found) {
    const listed = remotePipelineRows([repo]);
    if (repo.noToken) {
      rows.push(...listed.map((row) => ({ row, noToken: true as const })));
      continue;
    }
    if (repo.reason !== undefined && repo.remote) failures.push(`${repo.name}: ${repo.reason}`);
    rows.push(...listed.map((row) => ({ row })));
    // The runs name only the workflows that ran lately: the others are asked for, so every one is listed.
    if (repo.remote?.provider !== 'github' || repo.reason !== undefined) continue;
    const client = await clients.for(repo.remote);
    if (!client.ok) continue;
    try {
      const workflows = await client.client.workflows(repo.remote.path, { signal: io.signal });
      const shown = new Set(listed.map((r) => r.workflowFile));
      // A repository with no runs yet got one row saying so: its workflows say it better.
      if (workflows.length > 0 && listed.length === 1 && listed[0].runs.length === 0) rows.pop();
      for (const w of workflows) {
        if (shown.has(w.workflow)) continue;
        rows.push({
          row: {
            key: `github:${repo.remote.host}/${repo.remote.path}:${w.workflow}`,
            source: 'github',
            repo: repo.name,
            remote: repo.remote,
            pipeline: w.name,
            workflowFile: w.workflow,
            runs: [],
          },
          ...(w.disabled ? { disabled: true as const } : {}),
        });
      }
    } catch (error) {
      failures.push(`${repo.name}: ${(error as Error).message}`);
    }
  }
  return { rows, failures };
}
