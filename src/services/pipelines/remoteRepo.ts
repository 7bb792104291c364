import { runGit } from '../git/gitRepo';
import { githubToken, gitlabToken, type TokenSources } from './ciTokens';
import { CiError, type CiErrorKind, type PipelineClient, type PipelineRun } from './pipelineClient';

/** Where a repository's CI runs: a provider, the host its API is on, and the repository's path there. */
export interface RemoteRepo {
  provider: 'github' | 'gitlab';
  /** `github.com`, `gitlab.com`, `gitlab.example.com` (a port when the remote names one for HTTPS). */
  host: string;
  /** GitHub `owner/name`; GitLab `group/sub/project`. */
  path: string;
}

/** A repository with no CI to show, and why, in words a row can show. */
export interface NoRemote {
  reason: string;
}

export type RemoteLookup = ({ ok: true } & RemoteRepo) | ({ ok: false } & NoRemote);

export interface RemoteHosts {
  /** Self-hosted GitLab hosts (`gitlab.hosts` in the config), `host` or `host:port`. */
  gitlabHosts?: readonly string[];
}

const githubHost = 'github.com';
const gitlabHost = 'gitlab.com';

/**
 * The provider and repository an `origin` URL points at. Takes every form git does: `git@host:owner/repo.git`,
 * `host:owner/repo`, `ssh://git@host:2222/group/project.git`, `https://user:token@host/owner/repo`, `git://…`.
 * Credentials in the URL are dropped and never repeated in a reason.
 */
export function remoteRepoOf(url: string, hosts: RemoteHosts = {}): RemoteLookup {
  const parsed = splitRemote(url.trim());
  if (!parsed) return { ok: false, reason: 'origin is a local path, not a hosted repository' };
  const hostname = parsed.hostname.toLowerCase();
  const path = parsed.path.replace(/^\/+|\/+$/g, '').replace(/\.git$/i, '');
  const gitlab = gitlabHostFor(hostname, parsed.httpsPort, hosts.gitlabHosts ?? []);
  if (hostname === githubHost || hostname === `www.${githubHost}` || hostname === `ssh.${githubHost}`) {
    const parts = path.split('/');
    if (parts.length !== 2 || parts.some((p) => p === ''))
      return { ok: false, reason: `origin ${parsed.safe}: not a GitHub owner/repository path` };
    return { ok: true, provider: 'github', host: githubHost, path };
  }
  if (gitlab) {
    const parts = path.split('/');
    if (parts.length < 2 || parts.some((p) => p === ''))
      return { ok: false, reason: `origin ${parsed.safe}: not a GitLab group/project path` };
    return { ok: true, provider: 'gitlab', host: gitlab, path };
  }
  return {
    ok: false,
    reason: `origin is on ${hostname}, which is neither GitHub nor a known GitLab host (a self-hosted GitLab goes in gitlab.hosts in the config)`,
  };
}

/** The API host of a GitLab remote: gitlab.com, or the configured entry naming the same host. */
function gitlabHostFor(hostname: string, httpsPort: string | undefined, configured: readonly string[]) {
  if (hostname === gitlabHost) return gitlabHost;
  for (const entry of configured) {
    const [name, port] = entry.toLowerCase().split(':');
    if (name !== hostname) continue;
    // An HTTPS remote on another port than the entry's is still that GitLab: its web (and API) port is the remote's.
    if (httpsPort && httpsPort !== port) return `${name}:${httpsPort}`;
    return entry.toLowerCase();
  }
  return undefined;
}

interface SplitRemote {
  hostname: string;
  /** The port of an http(s) URL (an ssh port says nothing about the API). */
  httpsPort?: string;
  path: string;
  /** The URL without credentials, for messages. */
  safe: string;
}

function splitRemote(url: string): SplitRemote | undefined {
  if (url === '') return undefined;
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url);
  if (scheme) {
    const kind = scheme[1].toLowerCase();
    if (kind === 'file') return undefined;
    let parsed: URL;
    try {
      parsed = new URL(kind.startsWith('git+') ? url.slice(4) : url);
    } catch {
      return undefined;
    }
    if (!parsed.hostname) return undefined;
    const web = parsed.protocol === 'https:' || parsed.protocol === 'http:';
    return {
      hostname: parsed.hostname,
      httpsPort: web && parsed.port ? parsed.port : undefined,
      path: decodeURIComponent(parsed.pathname),
      safe: `${parsed.protocol}//${parsed.host}${parsed.pathname}`,
    };
  }
  // scp-like `[user@]host:path`: git reads it so only when no slash comes before the first colon.
  const scp = /^(?:[^@/]+@)?([^:/]+):(?!\/\/)(.+)$/.exec(url);
  if (scp) return { hostname: scp[1], path: scp[2], safe: `${scp[1]}:${scp[2]}` };
  return undefined;
}

/** Reads a clone's `origin` and says where its CI runs, or why there is none to show. */
export async function remoteRepoOfClone(folder: string, hosts: RemoteHosts = {}): Promise<RemoteLookup> {
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

export type RemoteClientLookup =
  | { ok: true; client: PipelineClient; tokenFrom: string }
  | { ok: false; reason: string };

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

/** One repository's remote CI as a row shows it: its runs, or why there are none. */
export interface RemoteRunsRow {
  /** The repository's name in the Repositories tab. */
  name: string;
  remote?: RemoteRepo;
  runs?: PipelineRun[];
  /** No remote, an unknown host, no token, or the provider's error (then `kind` says which). */
  reason?: string;
  kind?: CiErrorKind;
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
      rows.push({ name: repo.name, reason: lookup.reason });
      continue;
    }
    const remote: RemoteRepo = { provider: lookup.provider, host: lookup.host, path: lookup.path };
    const client = await opts.clients.for(remote);
    if (!client.ok) {
      rows.push({ name: repo.name, remote, reason: client.reason, kind: 'auth' });
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
