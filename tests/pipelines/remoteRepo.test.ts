import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/domain/config';
import { remotePipelineRows } from '../../src/domain/pipelineRows';
import { remoteRepoOf } from '../../src/domain/remoteRepo';
import { rowStatus, rowStatusColor } from '../../src/screens/pipelines/pipelineColumns';
import type { KeyringOpener } from '../../src/services/aws/credentialsStore';
import { GitHubClient } from '../../src/services/pipelines/github';
import {
  openRemoteClient,
  RemoteClients,
  remoteRepoOfClone,
  remoteRuns,
} from '../../src/services/pipelines/remoteClients';
import { RecordedApi } from './ciHttpServer';

const hosts = { gitlabHosts: ['gitlab.example.com', 'git.corp:8443'] };

describe('where a repository’s CI runs, from its origin', () => {
  it.each([
    ['git@github.com:acme/shop.git', 'github', 'github.com', 'acme/shop'],
    ['github.com:acme/shop', 'github', 'github.com', 'acme/shop'],
    ['ssh://git@github.com/acme/shop.git', 'github', 'github.com', 'acme/shop'],
    ['ssh://git@ssh.github.com:443/acme/shop.git', 'github', 'github.com', 'acme/shop'],
    ['https://github.com/acme/shop', 'github', 'github.com', 'acme/shop'],
    ['https://x-access-token:ghp_secret123456@github.com/acme/shop.git', 'github', 'github.com', 'acme/shop'],
    ['git://github.com/acme/shop.git', 'github', 'github.com', 'acme/shop'],
    ['https://GitHub.com/Acme/Shop.git/', 'github', 'github.com', 'Acme/Shop'],
    ['git@gitlab.com:platform/infra/shop.git', 'gitlab', 'gitlab.com', 'platform/infra/shop'],
    ['https://gitlab.com/platform/shop.git', 'gitlab', 'gitlab.com', 'platform/shop'],
    ['ssh://git@gitlab.example.com:2222/team/shop.git', 'gitlab', 'gitlab.example.com', 'team/shop'],
    ['https://gitlab.example.com/team/sub/shop', 'gitlab', 'gitlab.example.com', 'team/sub/shop'],
    ['git@git.corp:team/shop.git', 'gitlab', 'git.corp:8443', 'team/shop'],
    ['https://git.corp:9443/team/shop.git', 'gitlab', 'git.corp:9443', 'team/shop'],
  ])('%s', (url, provider, host, path) => {
    expect(remoteRepoOf(url, hosts)).toEqual({ ok: true, provider, host, path });
  });

  it.each([
    [
      'git@bitbucket.org:acme/shop.git',
      'origin is on bitbucket.org, which is neither GitHub nor a known GitLab host (a self-hosted GitLab goes in gitlab.hosts in the config)',
    ],
    [
      'git@gitlab.internal:team/shop.git',
      'origin is on gitlab.internal, which is neither GitHub nor a known GitLab host (a self-hosted GitLab goes in gitlab.hosts in the config)',
    ],
    ['/srv/git/shop.git', 'origin is a local path, not a hosted repository'],
    ['../shop', 'origin is a local path, not a hosted repository'],
    ['file:///srv/git/shop.git', 'origin is a local path, not a hosted repository'],
    ['https://github.com/acme', 'origin https://github.com/acme: not a GitHub owner/repository path'],
    [
      'https://user:hunter2secret@github.com/acme/shop/extra',
      'origin https://github.com/acme/shop/extra: not a GitHub owner/repository path',
    ],
    ['git@gitlab.com:shop.git', 'origin gitlab.com:shop.git: not a GitLab group/project path'],
  ])('%s: a reason a row can show', (url, reason) => {
    expect(remoteRepoOf(url, hosts)).toEqual({ ok: false, reason });
  });
});

describe('a clone’s origin', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  function clone(): string {
    const dir = mkdtempSync(join(tmpdir(), 'infradeck-remote-'));
    dirs.push(dir);
    execFileSync('git', ['init', '-q', dir]);
    return dir;
  }

  it('reads origin with git (insteadOf rewrites applied)', async () => {
    const dir = clone();
    execFileSync('git', ['-C', dir, 'remote', 'add', 'origin', 'gl:team/shop.git']);
    execFileSync('git', ['-C', dir, 'config', 'url.git@gitlab.example.com:.insteadOf', 'gl:']);
    expect(await remoteRepoOfClone(dir, hosts)).toEqual({
      ok: true,
      provider: 'gitlab',
      host: 'gitlab.example.com',
      path: 'team/shop',
    });
  });

  it('a repository without origin says so', async () => {
    const dir = clone();
    execFileSync('git', ['-C', dir, 'remote', 'add', 'upstream', 'git@github.com:acme/shop.git']);
    expect(await remoteRepoOfClone(dir, hosts)).toEqual({ ok: false, reason: 'no remote named origin' });
  });

  it('a clone whose folder is gone is missing, as the Repositories tab says, not "no remote"', async () => {
    const gone = join(clone(), 'gone');
    expect(await remoteRepoOfClone(gone, hosts)).toEqual({
      ok: false,
      reason: `path does not exist: ${gone}`,
      missing: true,
    });
    const [row] = remotePipelineRows([
      { name: 'old', reason: `path does not exist: ${gone}`, kind: 'missing' },
    ]);
    expect(rowStatus(row)).toBe('missing');
    expect(rowStatusColor(row)).toBe('red');
  });
});

describe('gitlab.hosts in the config', () => {
  it('takes host names with an optional port, and says what a URL is not', () => {
    expect(
      configSchema.parse({ gitlab: { hosts: ['gitlab.example.com', 'git.corp:8443'] } }).gitlab.hosts,
    ).toEqual(['gitlab.example.com', 'git.corp:8443']);
    expect(configSchema.parse({}).gitlab).toEqual({ hosts: [] });
    const bad = configSchema.safeParse({ gitlab: { hosts: ['https://gitlab.example.com'] } });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]).toMatchObject({
      path: ['gitlab', 'hosts', 0],
      message: 'not a host name (like gitlab.example.com, without https://)',
    });
  });
});

describe('the remote runs of the Repositories tab’s repositories', () => {
  const dirs: string[] = [];
  let api: RecordedApi | undefined;
  afterEach(async () => {
    await api?.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  function repoWithOrigin(origin?: string): string {
    const dir = mkdtempSync(join(tmpdir(), 'infradeck-remote-'));
    dirs.push(dir);
    execFileSync('git', ['init', '-q', dir]);
    if (origin) execFileSync('git', ['-C', dir, 'remote', 'add', 'origin', origin]);
    return dir;
  }

  it('one row per repository: its runs, or why there are none', async () => {
    api = await RecordedApi.start();
    const url = api.url;
    api.on('GET /repos/acme/shop/actions/runs?per_page=3', {
      status: 200,
      headers: { 'x-ratelimit-remaining': '4999', 'x-ratelimit-limit': '5000' },
      body: {
        total_count: 1,
        workflow_runs: [
          {
            id: 1,
            name: 'CI',
            path: '.github/workflows/ci.yml',
            head_branch: 'main',
            head_sha: 'a'.repeat(40),
            event: 'push',
            status: 'completed',
            conclusion: 'failure',
            created_at: '2026-12-06T11:00:00Z',
            updated_at: '2026-12-06T11:01:00Z',
            html_url: 'https://github.com/acme/shop/actions/runs/1',
          },
        ],
      },
    });
    api.on('GET /repos/acme/gone/actions/runs', { status: 404, body: { message: 'Not Found' } });
    const noKeyring: KeyringOpener = async () => {
      throw new Error('no secret service');
    };
    const clients = new RemoteClients(
      { env: { PATH: '/nonexistent' }, keyring: noKeyring },
      async (remote, opts) =>
        remote.provider === 'github'
          ? {
              ok: true,
              client: new GitHubClient({ token: 'ghp_test0123456789', baseUrl: url }),
              tokenFrom: 'GH_TOKEN',
            }
          : openRemoteClient(remote, opts),
    );
    const rows = await remoteRuns(
      [
        { name: 'shop', path: repoWithOrigin('git@github.com:acme/shop.git') },
        { name: 'gone', path: repoWithOrigin('https://github.com/acme/gone.git') },
        { name: 'infra', path: repoWithOrigin('git@gitlab.example.com:team/infra.git') },
        { name: 'scratch', path: repoWithOrigin() },
        { name: 'legacy', path: repoWithOrigin('git@bitbucket.org:acme/legacy.git') },
      ],
      { clients, hosts, limit: 3 },
    );
    expect(
      rows.map((r) => [r.name, r.runs?.map((run) => `${run.id} ${run.status}`), r.kind, r.reason]),
    ).toEqual([
      ['shop', ['1 failed'], undefined, undefined],
      [
        'gone',
        undefined,
        'not-found',
        'runs of acme/gone: not found on GitHub (404): no such repository, workflow, run or job, or the token cannot see it',
      ],
      [
        'infra',
        undefined,
        'auth',
        'no GitLab token for gitlab.example.com: set GITLAB_TOKEN (a personal access token with api scope)',
      ],
      ['scratch', undefined, undefined, 'no remote named origin'],
      [
        'legacy',
        undefined,
        undefined,
        expect.stringMatching(/^origin is on bitbucket\.org, which is neither GitHub/),
      ],
    ]);
    expect(rows[2].remote).toEqual({ provider: 'gitlab', host: 'gitlab.example.com', path: 'team/infra' });
  });
});
