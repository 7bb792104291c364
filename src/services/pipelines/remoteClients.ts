import { existsSync } from 'node:fs';
import { CiError } from '../../domain/pipelineClient';
import type {
  RemoteClientLookup,
  RemoteHosts,
  RemoteLookup,
  RemoteRepo,
  RemoteRunsRow,
} from '../../domain/remoteRepo';
import { remoteRepoOf } from '../../domain/remoteRepo';
import { runGit } from '../git/gitRepo';
import { githubToken, gitlabToken, type TokenSources } from './ciTokens';

/** Reads a clone's `origin` and says where its CI runs, or why there is none to show. */
export async function remoteRepoOfClone(folder: string, hosts: RemoteHosts = {}): Promise<RemoteLookup> {
  // As the Repositories tab says it: a folder that is gone has no origin to read, and that is not its CI's fault.
  if (!existsSync(folder)) return { ok: false, reason: `path does not exist: ${folder}`, missing: true };
  let url: string;
  try {
    url = (await runGit(folder, ['remote', 'get-url', 'origin'], { timeoutMs: 5_000 })).trim();
  } catch (err) {
    const message = (err as Error).message;
    if (/no such remote/i.test(message)) return { ok: false, reason: 'no remote named origin' };
    return { ok: false, reason: `cannot read origin: ${message}` };
  }
  return remoteRepoOf(url, hosts);
}

export interface RemoteClientOptions extends Omit<TokenSources, 'env'> {
  env: NodeJS.ProcessEnv;
}

/**
 * The client of a remote's provider with a token from the usual places, or why there is none (the reason names
 * the variables and command that give one). The clients load on first use: most runs of infradeck never need
 * the GitHub or GitLab libraries.
 */
export async function openRemoteClient(
  remote: RemoteRepo,
  opts: RemoteClientOptions,
): Promise<RemoteClientLookup> {
  if (remote.provider === 'github') {
    const token = await githubToken(remote.host, opts);
    if (!token.ok) return token;
    const { GitHubClient } = await import('./github');
    return {
      ok: true,
      client: new GitHubClient({ token: token.token, tokenFrom: token.from }),
      tokenFrom: token.from,
    };
  }
  const token = await gitlabToken(remote.host, opts);
  if (!token.ok) return token;
  const { GitLabClient } = await import('./gitlab');
  return {
    ok: true,
    client: new GitLabClient({ token: token.token, tokenFrom: token.from, host: remote.host }),
    tokenFrom: token.from,
  };
}

/**
 * One client per provider host, kept: they share the host's quota and conditional-request cache, so a tab that
 * polls ten repositories on github.com spends one quota and sends back one set of ETags.
 */
export class RemoteClients {
  private readonly open = new Map<string, Promise<RemoteClientLookup>>();

  /** `opener`: how a client is made (tests point it at a loopback server). */
  constructor(
    private readonly opts: RemoteClientOptions,
    private readonly opener: (
      remote: RemoteRepo,
      opts: RemoteClientOptions,
    ) => Promise<RemoteClientLookup> = openRemoteClient,
  ) {}

  for(remote: RemoteRepo): Promise<RemoteClientLookup> {
    const key = `${remote.provider}:${remote.host}`;
    let lookup = this.open.get(key);
    if (!lookup) {
      lookup = this.opener(remote, this.opts);
      // A missing token may be set later (`gh auth login`): ask again next time instead of keeping the refusal.
      lookup.then(
        (l) => !l.ok && this.open.delete(key),
        () => this.open.delete(key),
      );
      this.open.set(key, lookup);
    }
    return lookup;
  }
}

/**
 * The recent runs of each repository whose origin is on GitHub or a GitLab host, one row per repository, never
 * throwing: a repository that cannot show runs gets a row saying why. Repositories on one host share its client
 * (and quota); the hosts are asked one repository at a time.
 */
export async function remoteRuns(
  repos: readonly { name: string; path: string }[],
  opts: { clients: RemoteClients; hosts: RemoteHosts; limit: number; signal?: AbortSignal },
): Promise<RemoteRunsRow[]> {
  const rows: RemoteRunsRow[] = [];
  for (const repo of repos) {
    const lookup = await remoteRepoOfClone(repo.path, opts.hosts);
    if (!lookup.ok) {
      rows.push({
        name: repo.name,
        reason: lookup.reason,
        ...(lookup.missing ? { kind: 'missing' as const } : {}),
      });
      continue;
    }
    const remote: RemoteRepo = { provider: lookup.provider, host: lookup.host, path: lookup.path };
    const client = await opts.clients.for(remote);
    if (!client.ok) {
      rows.push({ name: repo.name, remote, reason: client.reason, kind: 'auth', noToken: true });
      continue;
    }
    try {
      const runs = await client.client.listRuns(remote.path, { limit: opts.limit, signal: opts.signal });
      rows.push({ name: repo.name, remote, runs });
    } catch (err) {
      const kind = err instanceof CiError ? err.kind : 'provider';
      rows.push({ name: repo.name, remote, reason: (err as Error).message, kind });
    }
  }
  return rows;
}
