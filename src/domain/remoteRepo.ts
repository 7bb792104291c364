import type { CiErrorKind, PipelineClient, PipelineRun } from './pipelineClient';

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
  /** The clone's folder is not there: the repository is missing, not without CI. */
  missing?: true;
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

export type RemoteClientLookup =
  | { ok: true; client: PipelineClient; tokenFrom: string }
  | { ok: false; reason: string };

/** One repository's remote CI as a row shows it: its runs, or why there are none. */
export interface RemoteRunsRow {
  /** The repository's name in the Repositories tab. */
  name: string;
  remote?: RemoteRepo;
  runs?: PipelineRun[];
  /** No remote, an unknown host, no token, or the provider's error (then `kind` says which). */
  reason?: string;
  /** `missing`: the clone's folder is not there. */
  kind?: CiErrorKind | 'missing';
  /** No token was found (the reason says which variable or command gives one): not a provider's refusal. */
  noToken?: true;
}
