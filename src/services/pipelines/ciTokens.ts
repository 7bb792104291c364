import { execFile } from 'node:child_process';
import { type KeyringOpener, napiKeyring } from '../aws/credentialsStore';

/** A token and where it came from (shown as `token from GH_TOKEN`, never the token). */
export interface CiToken {
  token: string;
  from: string;
}

/** No token, and what gives one, in words a row can show. */
export interface NoToken {
  reason: string;
}

export type TokenLookup = ({ ok: true } & CiToken) | ({ ok: false } & NoToken);

export interface TokenSources {
  env: NodeJS.ProcessEnv;
  /** Runs `gh auth token`; default: the GitHub CLI on PATH. Undefined output = not installed or not logged in. */
  ghToken?: (host: string) => Promise<string | undefined>;
  /** The OS keyring (the optional `@napi-rs/keyring`, as the AWS keys use). */
  keyring?: KeyringOpener;
}

const keyringService = 'infradeck';

/**
 * GitHub token for `host`: `GITHUB_TOKEN`, then `GH_TOKEN` (what the GitHub CLI itself reads), then
 * `gh auth token` when the GitHub CLI is installed and logged in, then the OS keyring (`github:<host>`).
 */
export async function githubToken(host: string, sources: TokenSources): Promise<TokenLookup> {
  for (const name of ['GITHUB_TOKEN', 'GH_TOKEN']) {
    const value = sources.env[name]?.trim();
    if (value) return { ok: true, token: value, from: name };
  }
  const fromGh = await (sources.ghToken ?? ((h: string) => ghAuthToken(h, { env: sources.env })))(host);
  if (fromGh) return { ok: true, token: fromGh, from: '`gh auth token`' };
  const fromKeyring = await keyringToken(sources.keyring ?? napiKeyring, `github:${host}`);
  if (fromKeyring) return { ok: true, token: fromKeyring, from: 'the keyring' };
  return {
    ok: false,
    reason: `no GitHub token found: set GITHUB_TOKEN or GH_TOKEN, or log in with \`gh auth login\` (GitHub CLI)`,
  };
}

/** GitLab token for `host`: `GITLAB_TOKEN`, then the OS keyring (`gitlab:<host>`). */
export async function gitlabToken(host: string, sources: TokenSources): Promise<TokenLookup> {
  const value = sources.env.GITLAB_TOKEN?.trim();
  if (value) return { ok: true, token: value, from: 'GITLAB_TOKEN' };
  const fromKeyring = await keyringToken(sources.keyring ?? napiKeyring, `gitlab:${host}`);
  if (fromKeyring) return { ok: true, token: fromKeyring, from: 'the keyring' };
  return {
    ok: false,
    reason: `no GitLab token for ${host}: set GITLAB_TOKEN (a personal access token with api scope)`,
  };
}

/** A token stored in the keyring; undefined when there is none or no keyring on this machine. */
async function keyringToken(open: KeyringOpener, account: string): Promise<string | undefined> {
  try {
    const entry = await open(keyringService, account);
    const value = (await entry.getPassword())?.trim();
    return value || undefined;
  } catch {
    // No keyring module or no secret service (most servers): the next source, or the "no token" reason.
    return undefined;
  }
}

/**
 * `gh auth token --hostname <host>`: the GitHub CLI's stored token, when the CLI is installed and logged in.
 * An argument array (no shell), a short timeout (a hung keychain prompt must not stall the tab), and the output
 * kept in memory only.
 */
export function ghAuthToken(
  host: string,
  opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(
      'gh',
      ['auth', 'token', '--hostname', host],
      {
        timeout: opts.timeoutMs ?? 5_000,
        windowsHide: true,
        encoding: 'utf8',
        // `gh` must not ask anything: no prompt, no pager, no update check.
        env: {
          ...(opts.env ?? process.env),
          GH_PROMPT_DISABLED: '1',
          GH_NO_UPDATE_NOTIFIER: '1',
          NO_COLOR: '1',
        },
      },
      (error, stdout) => {
        const token = stdout?.trim();
        resolve(!error && token && !/\s/.test(token) ? token : undefined);
      },
    );
  });
}
