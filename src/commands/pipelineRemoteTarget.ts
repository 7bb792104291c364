import { CiError, type PipelineClient } from '../domain/pipelineClient';
import type { RemoteClientLookup, RemoteRepo } from '../domain/remoteRepo';
import { exitCodes } from '../services/bus/busFromEnv';
import { runGit } from '../services/git/gitRepo';
import {
  openRemoteClient,
  type RemoteClientOptions,
  remoteRepoOfClone,
} from '../services/pipelines/remoteClients';
import { loadRepoEntries } from '../services/storage/workspace';
import type { HeadlessIO } from './declaration';

/** How the remote CI commands reach a provider. Tests point `openClient` at a loopback server. */
export interface RemoteCiDeps {
  /** Default: the real API with a token from the usual places (`openRemoteClient`). */
  openClient?: (remote: RemoteRepo, opts: RemoteClientOptions) => Promise<RemoteClientLookup>;
  /** The shortest time between two looks at a followed run. Default 5 s (longer when the quota runs low). */
  pollMs?: number;
  /** How long --wait looks for the run a GitHub dispatch started before giving up. Default 2 min. */
  findDispatchedMs?: number;
}

/** A command's IO, with how it reaches the CI providers. */
export type RemoteCiIO = HeadlessIO & { ci?: RemoteCiDeps };

/** A repository of the Repositories tab with its provider's client, ready to ask. */
export interface RemoteTarget {
  /** Its name in the Repositories tab: what the `REPO:WORKFLOW` and `REPO#RUN` notations name. */
  name: string;
  clone: string;
  remote: RemoteRepo;
  client: PipelineClient;
}

/** Why a command cannot go on, and its exit code. */
export interface Refusal {
  message: string;
  code: number;
}

export function clientOpener(io: RemoteCiIO): (remote: RemoteRepo) => Promise<RemoteClientLookup> {
  const open = io.ci?.openClient ?? openRemoteClient;
  return (remote) => open(remote, { env: io.env });
}

/**
 * The repository called `name` in the Repositories tab, where its CI runs and a client for it; or why not: an
 * unknown name, an origin that is not on GitHub or a known GitLab host (bad input, 2), no token (refused, 1).
 */
export async function openRemoteTarget(io: RemoteCiIO, name: string): Promise<RemoteTarget | Refusal> {
  const { entries } = await loadRepoEntries(io.workspace.dataDir, io.workspace.config, io.env);
  const entry = entries.find((e) => e.name === name);
  if (!entry) {
    const names = entries.map((e) => e.name).join(', ') || 'none';
    return {
      message: `no repository "${name}" in the Repositories tab (repositories: ${names})`,
      code: exitCodes.usage,
    };
  }
  const lookup = await remoteRepoOfClone(entry.path, { gitlabHosts: io.workspace.config.gitlab.hosts });
  if (!lookup.ok) return { message: `${name}: ${lookup.reason}`, code: exitCodes.usage };
  const remote: RemoteRepo = { provider: lookup.provider, host: lookup.host, path: lookup.path };
  const client = await clientOpener(io)(remote);
  if (!client.ok) return { message: `${name}: ${client.reason}`, code: exitCodes.failed };
  return { name, clone: entry.path, remote, client: client.client };
}

/** The branch the clone is on, or undefined (a detached HEAD, or git cannot say). */
export async function currentBranch(clone: string): Promise<string | undefined> {
  const out = await runGit(clone, ['symbolic-ref', '--short', '-q', 'HEAD'], { timeoutMs: 5_000 }).catch(
    () => '',
  );
  return out.trim() || undefined;
}

/**
 * A provider's failure as an exit code: try later (3) for a rate limit or a network failure, bad input (2) for
 * no such run or workflow and refused content, refused (1) for the rest (a token refused, a conflict).
 */
export function ciExitCode(error: unknown): number {
  if (!(error instanceof CiError)) return exitCodes.failed;
  if (error.kind === 'rate-limited' || error.kind === 'network') return exitCodes.unavailable;
  if (error.kind === 'not-found' || error.kind === 'invalid') return exitCodes.usage;
  return exitCodes.failed;
}
