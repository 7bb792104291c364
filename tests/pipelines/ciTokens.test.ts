import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { KeyringOpener } from '../../src/services/aws/credentialsStore';
import { ghAuthToken, githubToken, gitlabToken } from '../../src/services/pipelines/ciTokens';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A folder with a `gh` program of our own, to put first on PATH. */
function fakeGh(script: string): NodeJS.ProcessEnv {
  const dir = mkdtempSync(join(tmpdir(), 'infradeck-gh-'));
  dirs.push(dir);
  const gh = join(dir, 'gh');
  writeFileSync(gh, `#!/bin/sh\n${script}\n`);
  chmodSync(gh, 0o755);
  return { PATH: `${dir}:/usr/bin:/bin` };
}

/** A keyring in memory, standing in for the OS secret service (as in tests/aws/credentialsStore.test.ts). */
function memoryKeyring(secrets: Record<string, string>): KeyringOpener {
  return async (service, account) => ({
    getPassword: async () => secrets[`${service}/${account}`],
    setPassword: async () => {},
    deletePassword: async () => true,
  });
}
const noKeyring: KeyringOpener = async () => {
  throw new Error('no secret service');
};
const noGh = async () => undefined;

describe('CI tokens', () => {
  it('GitHub: GITHUB_TOKEN first, then GH_TOKEN, then `gh auth token`, then the keyring', async () => {
    const keyring = memoryKeyring({ 'infradeck/github:github.com': 'from-keyring-0123456789' });
    const gh = async () => 'gho_fromTheCli0123456789';
    expect(
      await githubToken('github.com', {
        env: { GITHUB_TOKEN: 'a-token', GH_TOKEN: 'b-token' },
        ghToken: gh,
        keyring,
      }),
    ).toEqual({ ok: true, token: 'a-token', from: 'GITHUB_TOKEN' });
    expect(
      await githubToken('github.com', { env: { GH_TOKEN: ' b-token\n' }, ghToken: gh, keyring }),
    ).toEqual({
      ok: true,
      token: 'b-token',
      from: 'GH_TOKEN',
    });
    expect(await githubToken('github.com', { env: {}, ghToken: gh, keyring })).toMatchObject({
      token: 'gho_fromTheCli0123456789',
      from: '`gh auth token`',
    });
    expect(await githubToken('github.com', { env: {}, ghToken: noGh, keyring })).toMatchObject({
      token: 'from-keyring-0123456789',
      from: 'the keyring',
    });
  });

  it('GitHub without any token: the reason names the variables and the command', async () => {
    expect(await githubToken('github.com', { env: {}, ghToken: noGh, keyring: noKeyring })).toEqual({
      ok: false,
      reason:
        'no GitHub token found: set GITHUB_TOKEN or GH_TOKEN, or log in with `gh auth login` (GitHub CLI)',
    });
  });

  it('GitLab: GITLAB_TOKEN, then the keyring entry of that host, else a reason', async () => {
    const keyring = memoryKeyring({ 'infradeck/gitlab:git.corp': 'glpat-fromKeyring012345' });
    expect(await gitlabToken('git.corp', { env: { GITLAB_TOKEN: 'glpat-env' }, keyring })).toMatchObject({
      token: 'glpat-env',
      from: 'GITLAB_TOKEN',
    });
    expect(await gitlabToken('git.corp', { env: {}, keyring })).toMatchObject({
      token: 'glpat-fromKeyring012345',
    });
    expect(await gitlabToken('gitlab.com', { env: {}, keyring })).toEqual({
      ok: false,
      reason: 'no GitLab token for gitlab.com: set GITLAB_TOKEN (a personal access token with api scope)',
    });
  });

  it('runs the GitHub CLI with an argument array for the host, and takes its one-line answer', async () => {
    const env = fakeGh(
      '[ "$1 $2 $3 $4" = "auth token --hostname github.com" ] && echo gho_cli0123456789 && exit 0\nexit 1',
    );
    expect(await ghAuthToken('github.com', { env })).toBe('gho_cli0123456789');
    expect(await ghAuthToken('ghe.corp', { env })).toBeUndefined();
    expect(await githubToken('github.com', { env, keyring: noKeyring })).toMatchObject({
      token: 'gho_cli0123456789',
      from: '`gh auth token`',
    });
  });

  it('a GitHub CLI that is logged out, missing or hangs gives no token', async () => {
    expect(
      await ghAuthToken('github.com', { env: fakeGh('echo "no oauth token found" >&2; exit 1') }),
    ).toBeUndefined();
    expect(await ghAuthToken('github.com', { env: { PATH: '/nonexistent' } })).toBeUndefined();
    expect(await ghAuthToken('github.com', { env: fakeGh('exec sleep 30'), timeoutMs: 300 })).toBeUndefined();
  });
});
