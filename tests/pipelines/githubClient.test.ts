import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CiError } from '../../src/domain/pipelineClient';
import { GitHubClient } from '../../src/services/pipelines/github';
import { RecordedApi } from './ciHttpServer';

/**
 * The exchanges follow GitHub's REST documentation (API version 2022-11-28):
 * - docs.github.com/en/rest/actions/workflow-runs (list runs, re-run failed jobs 201, cancel 202 / 409)
 * - docs.github.com/en/rest/actions/workflow-jobs (list jobs with steps; download job logs: 302 + Location)
 * - docs.github.com/en/rest/actions/workflows (create a workflow dispatch event: 204)
 * - docs.github.com/en/rest/using-the-rest-api/using-pagination-in-the-rest-api (Link header)
 * - docs.github.com/en/rest/using-the-rest-api/best-practices-for-using-the-rest-api (conditional requests: a 304
 *   does not count against the primary rate limit)
 * - docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api (403/429, x-ratelimit-remaining: 0
 *   and x-ratelimit-reset; retry-after for secondary limits)
 */

const token = 'ghp_16C7e42F292c6912E7710c838347Ae178B4a';
const T0 = Date.parse('2026-12-06T12:00:00Z');
const repo = 'acme/shop';
const runs = `/repos/${repo}/actions/runs`;

function quota(remaining: number, resetAt = T0 + 3600_000) {
  return {
    'x-ratelimit-limit': '5000',
    'x-ratelimit-remaining': String(remaining),
    'x-ratelimit-used': String(5000 - remaining),
    'x-ratelimit-reset': String(Math.floor(resetAt / 1000)),
    'x-ratelimit-resource': 'core',
  };
}

function ghRun(id: number, over: Record<string, unknown> = {}) {
  return {
    id,
    name: 'CI',
    display_title: `commit ${id}`,
    path: '.github/workflows/ci.yml',
    head_branch: 'main',
    head_sha: `${id}`.padStart(40, 'a'),
    event: 'push',
    status: 'completed',
    conclusion: 'success',
    run_attempt: 1,
    run_number: id,
    actor: { login: 'octocat' },
    triggering_actor: { login: 'octocat' },
    created_at: '2026-12-06T11:00:00Z',
    run_started_at: '2026-12-06T11:00:00Z',
    updated_at: '2026-12-06T11:04:30Z',
    html_url: `https://github.com/${repo}/actions/runs/${id}`,
    ...over,
  };
}

let api: RecordedApi;
let now: number;
const dirs: string[] = [];

function client() {
  return new GitHubClient({ token, tokenFrom: 'GH_TOKEN', baseUrl: api.url, now: () => now });
}

beforeEach(async () => {
  api = await RecordedApi.start();
  now = T0;
});

afterEach(async () => {
  await api.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('GitHub Actions runs', () => {
  it('lists runs newest first across pages (Link header) and stops at the limit', async () => {
    const page1 = Array.from({ length: 100 }, (_, i) => ghRun(1000 - i));
    const page2 = Array.from({ length: 100 }, (_, i) => ghRun(900 - i));
    api.on(`GET ${runs}?per_page=100`, {
      status: 200,
      headers: {
        ...quota(4990),
        link: `<${api.url}${runs}?per_page=100&page=2>; rel="next", <${api.url}${runs}?per_page=100&page=7>; rel="last"`,
      },
      body: { total_count: 700, workflow_runs: page1 },
    });
    api.on(`GET ${runs}?per_page=100&page=2`, {
      status: 200,
      headers: {
        ...quota(4989),
        link: `<${api.url}${runs}?per_page=100&page=3>; rel="next", <${api.url}${runs}?per_page=100&page=1>; rel="first"`,
      },
      body: { total_count: 700, workflow_runs: page2 },
    });

    const listed = await client().listRuns(repo, { limit: 120 });

    expect(listed).toHaveLength(120);
    expect(listed[0]).toMatchObject({
      source: 'github',
      repo,
      id: '1000',
      workflow: 'CI',
      workflowFile: 'ci.yml',
      branch: 'main',
      event: 'push',
      status: 'passed',
      who: 'octocat',
      startedAt: Date.parse('2026-12-06T11:00:00Z'),
      durationMs: 270_000,
      url: `https://github.com/${repo}/actions/runs/1000`,
    });
    expect(listed[119].id).toBe('881');
    // Page 3 was never asked for: the limit was reached on page 2.
    expect(api.received.map((r) => r.url)).toEqual([`${runs}?per_page=100`, `${runs}?per_page=100&page=2`]);
    expect(api.received[0].headers.authorization).toBe(`token ${token}`);
  });

  it('maps run states: running (duration until now), queued, failed, cancelled, waiting', async () => {
    now = Date.parse('2026-12-06T11:10:00Z');
    api.on(`GET ${runs}?per_page=5`, {
      status: 200,
      headers: quota(4000),
      body: {
        total_count: 5,
        workflow_runs: [
          ghRun(5, { status: 'in_progress', conclusion: null }),
          ghRun(4, { status: 'queued', conclusion: null }),
          ghRun(3, { conclusion: 'failure' }),
          ghRun(2, { conclusion: 'cancelled' }),
          ghRun(1, { status: 'waiting', conclusion: null }),
        ],
      },
    });
    const listed = await client().listRuns(repo, { limit: 5 });
    expect(listed.map((r) => r.status)).toEqual(['running', 'queued', 'failed', 'cancelled', 'waiting']);
    expect(listed[0].durationMs).toBe(600_000);
  });

  it('asks again with the ETag: a 304 is answered from memory and leaves the quota as it was', async () => {
    api.on(`GET ${runs}?per_page=2&branch=main`, {
      status: 200,
      headers: { ...quota(4999), etag: 'W/"a1b2c3"' },
      body: { total_count: 2, workflow_runs: [ghRun(2), ghRun(1)] },
    });
    api.on(`GET ${runs}?per_page=2&branch=main`, (req) =>
      req.headers['if-none-match'] === 'W/"a1b2c3"'
        ? { status: 304, headers: { ...quota(4999), etag: 'W/"a1b2c3"' } }
        : { status: 200, headers: quota(4998), body: { total_count: 0, workflow_runs: [] } },
    );
    const gh = client();
    const first = await gh.listRuns(repo, { limit: 2, branch: 'main' });
    const second = await gh.listRuns(repo, { limit: 2, branch: 'main' });

    expect(second).toEqual(first);
    expect(second.map((r) => r.id)).toEqual(['2', '1']);
    expect(api.received[1].headers['if-none-match']).toBe('W/"a1b2c3"');
    expect(gh.quota()).toMatchObject({ limit: 5000, remaining: 4999, resetAt: T0 + 3600_000 });
  });

  it('on a rate-limit 403 stops asking until the reset time, then asks again', async () => {
    const resetAt = T0 + 10 * 60_000;
    api.on(`GET ${runs}`, {
      status: 403,
      headers: quota(0, resetAt),
      body: {
        message: 'API rate limit exceeded for user ID 1.',
        documentation_url:
          'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-rate-limits',
      },
    });
    const gh = client();
    const err = await gh.listRuns(repo, { limit: 10 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CiError);
    expect(err).toMatchObject({ kind: 'rate-limited', retryAt: resetAt, permanent: false });
    expect((err as Error).message).toMatch(/rate limit used up; try again at 12:10:00 UTC \(in 10 min\)/);
    expect(gh.quota()?.remaining).toBe(0);

    // Before the reset nothing is sent.
    now = resetAt - 1000;
    await expect(gh.listRuns(repo, { limit: 10 })).rejects.toMatchObject({ kind: 'rate-limited' });
    expect(api.received).toHaveLength(1);

    now = resetAt + 1000;
    api.on(`GET ${runs}`, {
      status: 200,
      headers: quota(5000, resetAt + 3600_000),
      body: { total_count: 1, workflow_runs: [ghRun(7)] },
    });
    expect((await gh.listRuns(repo, { limit: 10 })).map((r) => r.id)).toEqual(['7']);
    expect(api.received).toHaveLength(2);
  });

  it('on a secondary-limit 429 waits for retry-after', async () => {
    api.on(`GET ${runs}`, {
      status: 429,
      headers: { ...quota(3000), 'retry-after': '30' },
      body: {
        message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
      },
    });
    const gh = client();
    await expect(gh.listRuns(repo, { limit: 10 })).rejects.toMatchObject({
      kind: 'rate-limited',
      retryAt: T0 + 30_000,
    });
    now = T0 + 29_000;
    await expect(gh.listRuns(repo, { limit: 10 })).rejects.toThrow(/secondary rate limit\); try again/);
    expect(api.received).toHaveLength(1);
  });

  it('an expired token: a clear message naming where the token came from, and never the token', async () => {
    api.on(`GET ${runs}`, {
      status: 401,
      body: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' },
    });
    const err = (await client()
      .listRuns(repo, { limit: 10 })
      .catch((e: unknown) => e)) as CiError;
    expect(err.kind).toBe('auth');
    expect(err.permanent).toBe(true);
    expect(err.message).toBe(
      'runs of acme/shop: GitHub refused the token from GH_TOKEN (401 Bad credentials): it is expired or wrong',
    );
    expect(JSON.stringify(err)).not.toContain(token);
  });

  it('a workflow that does not exist: 404 says what was asked for', async () => {
    api.on(`GET /repos/${repo}/actions/workflows/nope.yml/runs`, {
      status: 404,
      body: {
        message: 'Not Found',
        documentation_url:
          'https://docs.github.com/rest/actions/workflow-runs#list-workflow-runs-for-a-workflow',
        status: '404',
      },
    });
    await expect(client().listRuns(repo, { limit: 10, workflow: 'nope.yml' })).rejects.toMatchObject({
      kind: 'not-found',
      message:
        'runs of nope.yml in acme/shop: not found on GitHub (404): no such repository, workflow, run or job, or the token from GH_TOKEN cannot see it',
    });
  });

  it('a server that never answers ends as a network error after the timeout', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as AddressInfo;
      const gh = new GitHubClient({ token, baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 200 });
      await expect(gh.listRuns(repo, { limit: 1 })).rejects.toMatchObject({ kind: 'network' });
    } finally {
      silent.close();
    }
  });

  it('a network failure reads as one', async () => {
    const closed = new GitHubClient({ token, baseUrl: 'http://127.0.0.1:9', now: () => now });
    await expect(closed.listRuns(repo, { limit: 1 })).rejects.toMatchObject({ kind: 'network' });
  });
});

describe('GitHub Actions jobs and logs', () => {
  it('lists a run’s jobs with their steps', async () => {
    now = Date.parse('2026-12-06T11:03:00Z');
    api.on(`GET ${runs}/42/jobs?filter=latest&per_page=100`, {
      status: 200,
      headers: quota(4900),
      body: {
        total_count: 1,
        jobs: [
          {
            id: 399444496,
            run_id: 42,
            name: 'test',
            status: 'in_progress',
            conclusion: null,
            started_at: '2026-12-06T11:00:00Z',
            completed_at: null,
            html_url: `https://github.com/${repo}/actions/runs/42/job/399444496`,
            steps: [
              {
                name: 'Set up job',
                status: 'completed',
                conclusion: 'success',
                number: 1,
                started_at: '2026-12-06T11:00:00Z',
                completed_at: '2026-12-06T11:00:05Z',
              },
              {
                name: 'Run tests',
                status: 'in_progress',
                conclusion: null,
                number: 2,
                started_at: '2026-12-06T11:00:05Z',
                completed_at: null,
              },
              {
                name: 'Upload',
                status: 'queued',
                conclusion: null,
                number: 3,
                started_at: null,
                completed_at: null,
              },
            ],
          },
        ],
      },
    });
    const [job] = await client().runJobs({ repo, id: '42' });
    expect(job).toMatchObject({
      id: '399444496',
      runId: '42',
      name: 'test',
      status: 'running',
      durationMs: 180_000,
    });
    expect(job.steps.map((s) => [s.name, s.status, s.durationMs])).toEqual([
      ['Set up job', 'passed', 5_000],
      ['Run tests', 'running', 175_000],
      ['Upload', 'queued', undefined],
    ]);
  });

  it('downloads a finished job’s log through the 302 to storage: escapes stripped, token masked, no token sent there', async () => {
    const storage = await RecordedApi.start();
    try {
      api.on(`GET /repos/${repo}/actions/jobs/7`, {
        status: 200,
        headers: quota(4800),
        body: { id: 7, run_id: 42, name: 'build', status: 'completed', conclusion: 'failure' },
      });
      api.on(`GET /repos/${repo}/actions/jobs/7/logs`, {
        status: 302,
        headers: {
          ...quota(4799),
          location: `${storage.url}/jobs-logs/7?sig=abc&se=2026-12-06T12%3A01%3A00Z`,
        },
      });
      storage.on('GET /jobs-logs/7?sig=abc', {
        status: 200,
        headers: { 'content-type': 'text/plain; charset=utf-8' },
        body: [
          '2026-12-06T11:00:01.0000000Z ##[group]Run npm test',
          '2026-12-06T11:00:02.0000000Z \x1b[36;1mnpm test\x1b[0m',
          `2026-12-06T11:00:03.0000000Z curl -H "Authorization: token ${token}" \x1b]8;;http://x\x07link\x1b]8;;\x07`,
          '2026-12-06T11:00:04.0000000Z \x1b[31mFAIL\x1b[0m test/cart.test.js',
          '',
        ].join('\r\n'),
      });

      const log = await client().jobLog({ repo, id: '7' });

      expect(log.complete).toBe(true);
      expect(log.lines).toEqual([
        '2026-12-06T11:00:01.0000000Z ##[group]Run npm test',
        '2026-12-06T11:00:02.0000000Z npm test',
        '2026-12-06T11:00:03.0000000Z curl -H "Authorization: token ***" link',
        '2026-12-06T11:00:04.0000000Z FAIL test/cart.test.js',
      ]);
      expect(storage.received).toHaveLength(1);
      expect(storage.received[0].headers.authorization).toBeUndefined();
    } finally {
      await storage.close();
    }
  });

  it('a running job has no log yet: says so without asking for one', async () => {
    api.on(`GET /repos/${repo}/actions/jobs/8`, {
      status: 200,
      headers: quota(4800),
      body: { id: 8, run_id: 42, name: 'build', status: 'in_progress', conclusion: null },
    });
    const log = await client().jobLog({ repo, id: '8' });
    expect(log).toMatchObject({ lines: [], complete: false });
    expect(log.note).toMatch(/when the job ends/);
    expect(api.requestsTo('/logs')).toHaveLength(0);
  });
});

describe('GitHub Actions changes', () => {
  function cloneWithWorkflow(): string {
    const clone = mkdtempSync(join(tmpdir(), 'infradeck-gh-'));
    dirs.push(clone);
    mkdirSync(join(clone, '.github', 'workflows'), { recursive: true });
    writeFileSync(
      join(clone, '.github', 'workflows', 'deploy.yml'),
      [
        'name: Deploy',
        'on:',
        '  push: { branches: [main] }',
        '  workflow_dispatch:',
        '    inputs:',
        '      environment:',
        '        description: Where to deploy',
        '        required: true',
        '        type: choice',
        '        options: [staging, production]',
        '      dry_run:',
        '        type: boolean',
        '        default: false',
        'jobs:',
        '  deploy: { runs-on: ubuntu-latest, steps: [{ run: echo hi }] }',
        '',
      ].join('\n'),
    );
    return clone;
  }

  it('dispatches a workflow with inputs checked against the workflow file', async () => {
    const clone = cloneWithWorkflow();
    api.on(`POST /repos/${repo}/actions/workflows/deploy.yml/dispatches`, {
      status: 204,
      headers: quota(4700),
    });

    const outcome = await client().trigger(repo, {
      workflow: 'deploy.yml',
      ref: 'main',
      inputs: { environment: 'production', dry_run: 'true' },
      clone,
    });

    expect(outcome.message).toBe('acme/shop: deploy.yml dispatched on main');
    expect(JSON.parse(api.received[0].body)).toEqual({
      ref: 'main',
      inputs: { environment: 'production', dry_run: 'true' },
    });
  });

  it('refuses inputs the workflow does not take, before asking GitHub', async () => {
    const clone = cloneWithWorkflow();
    const gh = client();
    await expect(
      gh.trigger(repo, { workflow: 'deploy.yml', ref: 'main', inputs: { environment: 'prod' }, clone }),
    ).rejects.toMatchObject({
      kind: 'invalid',
      message: 'acme/shop: input "environment": "prod" is not one of staging, production',
    });
    await expect(
      gh.trigger(repo, { workflow: 'deploy.yml', ref: 'main', inputs: { region: 'eu' }, clone }),
    ).rejects.toThrow(
      'acme/shop: input "region" is not declared by deploy.yml (its inputs: environment, dry_run); input "environment" is required',
    );
    expect(api.received).toHaveLength(0);
  });

  it('a dispatch of a workflow GitHub does not know: 404', async () => {
    api.on(`POST /repos/${repo}/actions/workflows/gone.yml/dispatches`, {
      status: 404,
      body: {
        message: 'Not Found',
        documentation_url: 'https://docs.github.com/rest/actions/workflows#create-a-workflow-dispatch-event',
        status: '404',
      },
    });
    await expect(
      client().trigger(repo, { workflow: 'gone.yml', ref: 'main', inputs: {} }),
    ).rejects.toMatchObject({
      kind: 'not-found',
      message: expect.stringMatching(
        /^dispatch of gone\.yml on main in acme\/shop: not found on GitHub \(404\)/,
      ),
    });
  });

  it('re-runs the failed jobs of a run (201) and cancels one (202); a finished run cannot be cancelled (409)', async () => {
    api.on(`POST ${runs}/42/rerun-failed-jobs`, { status: 201, headers: quota(4600), body: {} });
    api.on(`POST ${runs}/43/cancel`, { status: 202, headers: quota(4599), body: {} });
    api.on(`POST ${runs}/44/cancel`, {
      status: 409,
      body: {
        message: 'Cannot cancel a workflow run that is completed.',
        documentation_url: 'https://docs.github.com/rest/actions/workflow-runs#cancel-a-workflow-run',
        status: '409',
      },
    });
    const gh = client();
    await gh.rerunFailed({ repo, id: '42' });
    await gh.cancel({ repo, id: '43' });
    await expect(gh.cancel({ repo, id: '44' })).rejects.toMatchObject({
      kind: 'conflict',
      message: 'cancel of run 44 in acme/shop: Cannot cancel a workflow run that is completed. (409)',
    });
    expect(api.received.map((r) => `${r.method} ${r.url}`)).toEqual([
      `POST ${runs}/42/rerun-failed-jobs`,
      `POST ${runs}/43/cancel`,
      `POST ${runs}/44/cancel`,
    ]);
    expect(gh.quota()?.remaining).toBe(4599);
  });

  it('lists workflows and tells which can be triggered from the clone’s files', async () => {
    const clone = cloneWithWorkflow();
    api.on(`GET /repos/${repo}/actions/workflows`, {
      status: 200,
      headers: quota(4500),
      body: {
        total_count: 2,
        workflows: [
          { id: 161335, name: 'CI', path: '.github/workflows/ci.yml', state: 'active' },
          { id: 161336, name: 'Deploy', path: '.github/workflows/deploy.yml', state: 'active' },
        ],
      },
    });
    const defs = await client().workflows(repo, { clone });
    expect(defs.map((d) => [d.workflow, d.name, d.triggerable])).toEqual([
      ['ci.yml', 'CI', false],
      ['deploy.yml', 'Deploy', true],
    ]);
  });
});
