import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeJob } from '../../src/domain/job';
import type { RemoteRepo } from '../../src/domain/remoteRepo';
import type { KeyringOpener } from '../../src/services/aws/credentialsStore';
import type { Bus } from '../../src/services/bus/contracts';
import { openMemoryBus } from '../../src/services/bus/memoryBus';
import { GitHubClient } from '../../src/services/pipelines/github';
import { GitLabClient } from '../../src/services/pipelines/gitlab';
import { openRemoteClient } from '../../src/services/pipelines/remoteClients';
import { ciHandler } from '../../src/worker/handlers/ci';
import { alice, waitForStatus } from '../bus/contractSuite';
import { RecordedApi } from './ciHttpServer';

const token = 'ghp_16C7e42F292c6912E7710c838347Ae178B4a';
const noKeyring: KeyringOpener = async () => {
  throw new Error('no secret service');
};

let api: RecordedApi;
let bus: Bus;

/** The worker's clients, pointed at the recorded API instead of api.github.com / the GitLab host. */
function loopbackClient(remote: RemoteRepo) {
  const client =
    remote.provider === 'github'
      ? new GitHubClient({ token, tokenFrom: 'GITHUB_TOKEN', baseUrl: api.url })
      : new GitLabClient({ token, tokenFrom: 'GITLAB_TOKEN', host: remote.host, origin: api.url });
  return Promise.resolve({ ok: true as const, client, tokenFrom: 'GITHUB_TOKEN' });
}

function start(deps: Parameters<typeof ciHandler>[0]) {
  bus = openMemoryBus({ requester: alice, handlers: { ci: ciHandler(deps) } });
}

beforeEach(async () => {
  api = await RecordedApi.start();
});
afterEach(async () => {
  await bus?.close();
  await api.close();
});

describe('the ci job', () => {
  it('re-runs a GitHub run’s failed jobs on a worker', async () => {
    start({ openClient: loopbackClient });
    api.on('POST /repos/acme/shop/actions/runs/42/rerun-failed-jobs', { status: 201, body: {} });
    const id = await bus.queue.enqueue({
      kind: 'ci',
      payload: { provider: 'github', host: 'github.com', repo: 'acme/shop', action: 'rerun', run: '42' },
      requestedBy: alice,
    });
    const job = await waitForStatus(bus, id, 'completed');
    expect(job.result).toEqual({
      provider: 'github',
      host: 'github.com',
      repo: 'acme/shop',
      action: 'rerun',
      run: '42',
      message: 'acme/shop: failed jobs of run 42 queued again',
    });
    expect(describeJob(job.kind, job.payload)).toBe(
      'ci re-run failed jobs of run 42 in acme/shop (github.com)',
    );
    expect(api.received.map((r) => `${r.method} ${r.url}`)).toEqual([
      'POST /repos/acme/shop/actions/runs/42/rerun-failed-jobs',
    ]);
  });

  it('triggers a GitLab pipeline with variables and keeps the new pipeline’s id', async () => {
    start({ openClient: loopbackClient });
    api.on('POST /api/v4/projects/platform%2Fshop/pipeline', {
      status: 201,
      body: { id: 950, status: 'created', ref: 'main', sha: 'c'.repeat(40), web_url: 'https://x' },
    });
    const id = await bus.queue.enqueue({
      kind: 'ci',
      payload: {
        provider: 'gitlab',
        host: 'gitlab.example.com',
        repo: 'platform/shop',
        action: 'trigger',
        ref: 'main',
        inputs: { DEPLOY_ENV: 'staging' },
      },
      requestedBy: alice,
    });
    const job = await waitForStatus(bus, id, 'completed');
    expect(job.result).toMatchObject({ action: 'trigger', run: '950' });
    expect(JSON.parse(api.received[0].body).variables).toEqual([
      { key: 'DEPLOY_ENV', value: 'staging', variable_type: 'env_var' },
    ]);
  });

  it('a cancel the provider refuses (409) fails once, with the provider’s reason', async () => {
    start({ openClient: loopbackClient });
    api.on('POST /repos/acme/shop/actions/runs/44/cancel', {
      status: 409,
      body: { message: 'Cannot cancel a workflow run that is completed.', status: '409' },
    });
    const id = await bus.queue.enqueue({
      kind: 'ci',
      payload: { provider: 'github', host: 'github.com', repo: 'acme/shop', action: 'cancel', run: '44' },
      requestedBy: alice,
      attempts: 3,
    });
    const job = await waitForStatus(bus, id, 'failed');
    expect(job.error).toContain(
      'cancel of run 44 in acme/shop: Cannot cancel a workflow run that is completed. (409)',
    );
    expect(job.attempts).toBe(1);
    expect(api.received).toHaveLength(1);
  });

  it('is refused read-only, by the asker and by the worker, and nothing reaches the provider', async () => {
    start({ openClient: loopbackClient, readOnly: true });
    const payload = {
      provider: 'github',
      host: 'github.com',
      repo: 'acme/shop',
      action: 'cancel',
      run: '42',
    } as const;
    await expect(
      bus.queue.enqueue({ kind: 'ci', payload, requestedBy: alice, readOnly: true }),
    ).rejects.toThrow(/read-only/);
    const id = await bus.queue.enqueue({ kind: 'ci', payload, requestedBy: alice });
    const job = await waitForStatus(bus, id, 'failed');
    expect(job.error).toMatch(/^refused: ci cancel run 42 in acme\/shop \(github\.com\): read-only mode/);
    expect(api.received).toHaveLength(0);
  });

  it('without a token fails for good, saying where a token comes from', async () => {
    start({
      openClient: (remote) => openRemoteClient(remote, { env: { PATH: '/nonexistent' }, keyring: noKeyring }),
    });
    const id = await bus.queue.enqueue({
      kind: 'ci',
      payload: { provider: 'github', host: 'github.com', repo: 'acme/shop', action: 'rerun', run: '42' },
      requestedBy: alice,
      attempts: 3,
    });
    const job = await waitForStatus(bus, id, 'failed');
    expect(job.error).toContain(
      'no GitHub token found: set GITHUB_TOKEN or GH_TOKEN, or log in with `gh auth login`',
    );
    expect(job.attempts).toBe(1);
  });

  it('a payload that misses what its action needs is refused at enqueue', async () => {
    start({ openClient: loopbackClient });
    await expect(
      bus.queue.enqueue({
        kind: 'ci',
        payload: {
          provider: 'github',
          host: 'github.com',
          repo: 'acme/shop',
          action: 'trigger',
          ref: 'main',
        },
        requestedBy: alice,
      }),
    ).rejects.toThrow(/workflow: a GitHub trigger needs the workflow file/);
    await expect(
      bus.queue.enqueue({
        kind: 'ci',
        payload: { provider: 'gitlab', host: 'https://gitlab.com', repo: 'a/b', action: 'cancel', run: '1' },
        requestedBy: alice,
      }),
    ).rejects.toThrow(/host: not a host name/);
  });
});
