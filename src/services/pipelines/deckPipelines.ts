import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { DeckConfig } from '../../domain/config';
import type { PipelineClient } from '../../domain/pipelineClient';
import type { RemoteClientLookup, RemoteRepo } from '../../domain/remoteRepo';
import { formatSourceError } from '../../domain/sourceError';
import type { DeckPipelines, HostQuota } from '../../state/services/pipelines';
import { runGit } from '../git/gitRepo';
import { isYamlName, watchFiles } from '../storage/watchFiles';
import { loadRepoEntries, workspacePaths } from '../storage/workspace';
import { readDispatchSpec } from './githubWorkflowFile';
import { LocalPipelineClient } from './localClient';
import { loadLocalPipelines, repoPipelineFile } from './localPipelines';
import { openRemoteClient, type RemoteClientOptions, RemoteClients, remoteRuns } from './remoteClients';

export interface DeckPipelinesOptions {
  dataDir: string;
  config: DeckConfig;
  env: NodeJS.ProcessEnv;
  /** How a provider's client is made (tests point it at a loopback server or a fake); default: the real API. */
  opener?: (remote: RemoteRepo, opts: RemoteClientOptions) => Promise<RemoteClientLookup>;
  /** Override of the remote table's interval (default: the config's repositories refresh). */
  tableMs?: number;
  /** Override of a followed running run's interval (default 5 s). */
  watchMs?: number;
}

/** The console's pipelines: files read afresh at each call, remote clients kept per host for the session. */
export function deckPipelinesFor(opts: DeckPipelinesOptions): DeckPipelines {
  const { dataDir, config, env } = opts;
  const opener = opts.opener ?? openRemoteClient;
  const opened = new Map<string, { remote: RemoteRepo; client: PipelineClient }>();
  const clients = new RemoteClients({ env }, async (remote, o) => {
    const lookup = await opener(remote, o);
    if (lookup.ok) opened.set(`${remote.provider}:${remote.host}`, { remote, client: lookup.client });
    return lookup;
  });
  const hosts = { gitlabHosts: config.gitlab.hosts };
  const loadLocal = async () => {
    const found = await loadLocalPipelines(dataDir, config, env);
    return { pipelines: found.pipelines, errors: found.errors.map(formatSourceError) };
  };
  return {
    tableMs: opts.tableMs ?? config.refresh.repos * 1000,
    ...(opts.watchMs !== undefined ? { watchMs: opts.watchMs } : {}),
    loadLocal,
    watchLocal: async (onChange, onError) => {
      // The repositories as they are now: a repository added later is followed from the tab's next showing.
      const repos = await loadRepoEntries(dataDir, config, env);
      const file = basename(repoPipelineFile);
      const started = await Promise.allSettled([
        watchFiles(workspacePaths(dataDir).pipelinesDir, isYamlName, onChange, { onError }),
        ...repos.entries
          .filter((entry) => existsSync(entry.path))
          .map((entry) =>
            watchFiles(join(entry.path, dirname(repoPipelineFile)), (n) => n === file, onChange, { onError }),
          ),
      ]);
      const watchers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
      const failed = started.find((s) => s.status === 'rejected');
      const close = async () => {
        await Promise.all(watchers.map((w) => w.close()));
      };
      if (failed) {
        await close();
        throw failed.reason;
      }
      return { close };
    },
    loadRemote: async ({ limit, signal }) => {
      const repos = await loadRepoEntries(dataDir, config, env);
      const list = repos.entries.map((e) => ({ name: e.name, path: e.path }));
      const rows = await remoteRuns(list, { clients, hosts, limit, signal });
      return { rows, clones: Object.fromEntries(list.map((r) => [r.name, r.path])) };
    },
    remoteClient: (remote) => clients.for(remote),
    localClient: (bus, readOnly) =>
      new LocalPipelineClient({
        queue: bus.queue,
        requester: bus.requester,
        readOnly,
        pipelines: async () => (await loadLocal()).pipelines,
      }),
    quotas: () => {
      const out: HostQuota[] = [];
      for (const { remote, client } of opened.values()) {
        const quota = client.quota();
        if (quota) out.push({ provider: remote.provider, host: remote.host, quota });
      }
      return out;
    },
    cloneBranch: async (clone) => {
      const out = await runGit(clone, ['symbolic-ref', '--short', '-q', 'HEAD'], { timeoutMs: 5_000 }).catch(
        () => '',
      );
      return out.trim() || undefined;
    },
    defaultBranch: async (clone) => {
      const out = await runGit(clone, ['symbolic-ref', '--short', '-q', 'refs/remotes/origin/HEAD'], {
        timeoutMs: 5_000,
      }).catch(() => '');
      return out.trim().replace(/^origin\//, '') || undefined;
    },
    dispatchSpec: (clone, workflowFile) => readDispatchSpec(clone, workflowFile),
  };
}
