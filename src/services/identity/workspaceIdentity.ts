import { join } from 'node:path';
import { type DeckConfig, defaultConfig } from '../../domain/config';
import { resolveUserPath } from '../storage/userPath';
import { defaultDataDir } from '../storage/workspace';

/**
 * What signing and verifying need from the workspace this process opened: its folder (for `allowed_signers`), the
 * config file's `access` section, and the environment (`SSH_AUTH_SOCK`, `INFRADECK_SIGNING_KEY`).
 * A process opens one workspace, so it is kept here once (`openWorkspace` sets it) instead of being threaded
 * through every queue and consumer; a process that never opens one (a test, a bench) uses the environment's.
 */
export interface WorkspaceIdentity {
  dataDir: string;
  access: DeckConfig['access'];
  env: NodeJS.ProcessEnv;
}

let current: WorkspaceIdentity | undefined;

export function setWorkspaceIdentity(identity: WorkspaceIdentity): void {
  current = identity;
}

export function workspaceIdentity(): WorkspaceIdentity {
  if (current) return current;
  const env = process.env;
  return { dataDir: defaultDataDir(env), access: defaultConfig.access, env };
}

/** `<workspace>/allowed_signers`, git's format: kept in git and reviewed like code, as `access.yaml` is. */
export function allowedSignersFile(identity: WorkspaceIdentity = workspaceIdentity()): string {
  return join(identity.dataDir, 'allowed_signers');
}

/**
 * The signing key: `INFRADECK_SIGNING_KEY` (a path; meant for tests, which give each simulated user a key) over
 * the config's `access.signingKey`. A leading `~` is the home folder, as git reads `user.signingkey`.
 */
export function signingKeyPath(identity: WorkspaceIdentity = workspaceIdentity()): string | undefined {
  const raw = identity.env.INFRADECK_SIGNING_KEY?.trim() || identity.access.signingKey;
  if (!raw) return undefined;
  return resolveUserPath(raw, process.cwd(), identity.env);
}
