import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CiError } from '../../src/domain/pipelineClient';
import { GitLabClient } from '../../src/services/pipelines/gitlab';
import { RecordedApi } from './ciHttpServer';

/**
 * The exchanges follow GitLab's REST documentation (API v4):
 * - docs.gitlab.com/api/pipelines (list 200 with the short form; get one with user, started_at, duration; create
 *   201 with `variables`; retry 201; cancel 200)
 * - docs.gitlab.com/api/jobs (list a pipeline's jobs; get a job's log, `/trace`, text/plain)
 * - docs.gitlab.com/api/rest (offset pagination: Link, x-next-page, x-page, x-per-page, x-total; a project path
 *   URL-encoded as its id; 401 `{"message":"401 Unauthorized"}`, 404 `{"message":"404 Project Not Found"}`)
 * - docs.gitlab.com/administration/settings/user_and_ip_rate_limits (RateLimit-Limit, RateLimit-Remaining,
 *   RateLimit-Reset in Unix seconds; a 429 with Retry-After)
 */

const token = 'glpat-Xy9aBcDeFgHiJkLmNoPq';
const T0 = Date.parse('2026-12-06T12:00:00Z');
const project = 'platform/shop';
const id = encodeURIComponent(project);
const base = `/api/v4/projects/${id}`;

function limits(remaining: number, resetAt = T0 + 60_000) {
  return {
    'ratelimit-limit': '2000',
    'ratelimit-observed': String(2000 - remaining),
    'ratelimit-remaining': String(remaining),
    'ratelimit-reset': String(Math.floor(resetAt / 1000)),
    'ratelimit-resettime': new Date(resetAt).toUTCString(),
  };
}

function short(pid: number, over: Record<string, unknown> = {}) {
  return {
    id: pid,
    iid: pid - 100,
    project_id: 7,
    sha: `${pid}`.padStart(40, 'c'),
    ref: 'main',
    status: 'success',
    source: 'push',
    created_at: '2026-12-06T11:00:00.000Z',
    updated_at: '2026-12-06T11:06:00.000Z',
    web_url: `https://gitlab.example.com/${project}/-/pipelines/${pid}`,
    ...over,
  };
}

function detail(pid: number, over: Record<string, unknown> = {}) {
  return {
    ...short(pid),
    before_sha: '0'.repeat(40),
    tag: false,
    user: { id: 1, name: 'Ada Admin', username: 'ada', state: 'active' },
    started_at: '2026-12-06T11:00:10.000Z',
    finished_at: '2026-12-06T11:06:00.000Z',
    committed_at: null,
    duration: 350,
    queued_duration: 10,
    coverage: null,
    ...over,
  };
}

let api: RecordedApi;
let now: number;

function client() {
  return new GitLabClient({
    token,
    tokenFrom: 'GITLAB_TOKEN',
    host: 'gitlab.example.com',
    origin: api.url,
    now: () => now,
  });
}

beforeEach(async () => {
  api = await RecordedApi.start();
  now = T0;
});

afterEach(async () => {
  await api.close();
});

describe('GitLab CI pipelines', () => {
  it('lists pipelines across pages, with who and duration from each pipeline, sent with the private token', async () => {
    const page = (n: number) => `${api.url}${base}/pipelines?order_by=id&page=${n}&per_page=100&sort=desc`;
    const first = Array.from({ length: 100 }, (_, i) => short(1100 - i));
    first[0] = short(1100, { status: 'running', updated_at: '2026-12-06T11:59:00.000Z' });
    first[1] = short(1099, { status: 'failed' });
    api.on(`GET ${base}/pipelines?per_page=100&order_by=id&sort=desc`, {
      status: 200,
      headers: {
        ...limits(1990),
        link: `<${page(2)}>; rel="next", <${page(1)}>; rel="first", <${page(3)}>; rel="last"`,
        'x-next-page': '2',
        'x-page': '1',
        'x-per-page': '100',
        'x-prev-page': '',
        'x-total': '250',
        'x-total-pages': '3',
      },
      body: first,
    });
    api.on(`GET ${base}/pipelines?page=2&per_page=100`, {
      status: 200,
      headers: {
        ...limits(1989),
        link: `<${page(3)}>; rel="next", <${page(1)}>; rel="prev"`,
        'x-next-page': '3',
        'x-page': '2',
        'x-per-page': '100',
        'x-total': '250',
        'x-total-pages': '3',
      },
      body: Array.from({ length: 100 }, (_, i) => short(1000 - i, i === 1 ? { status: 'manual' } : {})),
    });
    api.on(`GET ${base}/pipelines/1100`, {
      status: 200,
      headers: limits(1988),
      body: detail(1100, {
        status: 'running',
        updated_at: '2026-12-06T11:59:00.000Z',
        started_at: '2026-12-06T11:58:00.000Z',
        finished_at: null,
        duration: null,
      }),
    });
    api.on(`GET ${base}/pipelines/1099`, {
      status: 200,
      headers: limits(1987),
      body: detail(1099, { status: 'failed' }),
    });
    for (let pid = 1098; pid >= 1000; pid--)
      api.on(`GET ${base}/pipelines/${pid}`, { status: 200, body: detail(pid) });
    api.on(`GET ${base}/pipelines/999`, {
      status: 200,
      headers: limits(1886),
      body: detail(999, { status: 'manual', user: { username: 'bob' } }),
    });

    const gl = client();
    const runs = await gl.listRuns(project, { limit: 102 });

    expect(runs).toHaveLength(102);
    expect(
      runs.map((r) => [r.id, r.status, r.who, r.durationMs]).filter((_, i) => i < 3 || i === 101),
    ).toEqual([
      ['1100', 'running', 'ada', 120_000],
      ['1099', 'failed', 'ada', 350_000],
      ['1098', 'passed', 'ada', 350_000],
      ['999', 'manual', 'bob', 350_000],
    ]);
    expect(runs[1]).toMatchObject({
      source: 'gitlab',
      repo: project,
      workflow: 'pipeline',
      workflowFile: '.gitlab-ci.yml',
      branch: 'main',
      commit: '1099'.padStart(40, 'c'),
      event: 'push',
      startedAt: Date.parse('2026-12-06T11:00:10.000Z'),
      url: `https://gitlab.example.com/${project}/-/pipelines/1099`,
    });
    expect(api.received[0].headers['private-token']).toBe(token);
    expect(gl.quota()).toEqual({ limit: 2000, remaining: 1886, resetAt: T0 + 60_000, seenAt: T0 });
    // Page 3 was never asked for: the limit was reached on page 2.
    expect(api.requestsTo('page=3')).toHaveLength(0);
    expect(api.unused()).toEqual([]);
  });

  it('asks for a pipeline’s details again only when it changed (updated_at)', async () => {
    const list = (p: ReturnType<typeof short>[]) => ({ status: 200, headers: limits(1900), body: p });
    api.on(`GET ${base}/pipelines`, list([short(11), short(10)]));
    api.on(`GET ${base}/pipelines/11`, { status: 200, headers: limits(1899), body: detail(11) });
    api.on(`GET ${base}/pipelines/10`, { status: 200, headers: limits(1898), body: detail(10) });
    api.on(
      `GET ${base}/pipelines`,
      list([short(11, { status: 'running', updated_at: '2026-12-06T12:00:00.000Z' }), short(10)]),
    );
    api.on(`GET ${base}/pipelines/11`, {
      status: 200,
      headers: limits(1896),
      body: detail(11, { status: 'running', updated_at: '2026-12-06T12:00:00.000Z', finished_at: null }),
    });
    const gl = client();
    await gl.listRuns(project, { limit: 2 });
    const again = await gl.listRuns(project, { limit: 2 });
    expect(again.map((r) => [r.id, r.status])).toEqual([
      ['11', 'running'],
      ['10', 'passed'],
    ]);
    expect(api.requestsTo('/pipelines/10')).toHaveLength(1);
    expect(api.requestsTo('/pipelines/11')).toHaveLength(2);
  });

  it('on a 429 waits for Retry-After before asking again', async () => {
    api.on(`GET ${base}/pipelines`, {
      status: 429,
      headers: { ...limits(0, T0 + 45_000), 'retry-after': '45' },
      body: { message: 'This endpoint has been requested too many times. Try again later.' },
    });
    const gl = client();
    const err = (await gl.listRuns(project, { limit: 5 }).catch((e: unknown) => e)) as CiError;
    expect(err).toMatchObject({ kind: 'rate-limited', retryAt: T0 + 45_000, permanent: false });
    expect(err.message).toBe(
      'pipelines of platform/shop: GitLab rate limit reached on gitlab.example.com; try again at 12:00:45 UTC (in 45 s)',
    );
    expect(gl.quota()?.remaining).toBe(0);
    now = T0 + 44_000;
    await expect(gl.listRuns(project, { limit: 5 })).rejects.toMatchObject({ kind: 'rate-limited' });
    expect(api.received).toHaveLength(1);
  });

  it('an expired token and an unknown project read as such, without the token', async () => {
    api.on(`GET ${base}/pipelines`, { status: 401, body: { message: '401 Unauthorized' } });
    api.on(`GET /api/v4/projects/${encodeURIComponent('platform/gone')}/pipelines`, {
      status: 404,
      body: { message: '404 Project Not Found' },
    });
    const gl = client();
    const expired = (await gl.listRuns(project, { limit: 5 }).catch((e: unknown) => e)) as CiError;
    expect(expired).toMatchObject({ kind: 'auth', permanent: true });
    expect(expired.message).toBe(
      'pipelines of platform/shop: gitlab.example.com refused the token from GITLAB_TOKEN (401 Unauthorized): it is expired, revoked or wrong',
    );
    await expect(gl.listRuns('platform/gone', { limit: 5 })).rejects.toMatchObject({
      kind: 'not-found',
      message:
        'pipelines of platform/gone: not found on gitlab.example.com (404 Project Not Found), or the token from GITLAB_TOKEN cannot see it',
    });
    expect(JSON.stringify(expired) + expired.message).not.toContain(token);
  });
});

describe('GitLab CI jobs and logs', () => {
  it('lists a pipeline’s jobs with stage, status and duration', async () => {
    now = Date.parse('2026-12-06T11:02:00.000Z');
    api.on(`GET ${base}/pipelines/902/jobs?per_page=100`, {
      status: 200,
      headers: limits(1800),
      body: [
        {
          id: 5001,
          name: 'rspec',
          stage: 'test',
          status: 'failed',
          started_at: '2026-12-06T11:00:00.000Z',
          finished_at: '2026-12-06T11:01:30.000Z',
          duration: 90,
          web_url: `https://gitlab.example.com/${project}/-/jobs/5001`,
          pipeline: { id: 902 },
        },
        {
          id: 5002,
          name: 'deploy',
          stage: 'deploy',
          status: 'created',
          started_at: null,
          finished_at: null,
          duration: null,
          web_url: `https://gitlab.example.com/${project}/-/jobs/5002`,
          pipeline: { id: 902 },
        },
      ],
    });
    const jobs = await client().runJobs({ repo: project, id: '902' });
    expect(jobs.map((j) => [j.id, j.name, j.stage, j.status, j.durationMs])).toEqual([
      ['5001', 'rspec', 'test', 'failed', 90_000],
      ['5002', 'deploy', 'deploy', 'queued', undefined],
    ]);
  });

  it('reads a running job’s trace so far (not complete), escapes stripped and the token masked', async () => {
    api.on(`GET ${base}/jobs/5003`, {
      status: 200,
      headers: limits(1700),
      body: {
        id: 5003,
        name: 'build',
        stage: 'build',
        status: 'running',
        started_at: '2026-12-06T11:00:00.000Z',
      },
    });
    api.on(`GET ${base}/jobs/5003/trace`, {
      status: 200,
      headers: { ...limits(1699), 'content-type': 'text/plain' },
      body: `\x1b[0KRunning with gitlab-runner 17.5.0\r\n\x1b[32;1m$ make build\x1b[0;m\nTOKEN=${token} make\n50%\r75%\r\n`,
    });
    const log = await client().jobLog({ repo: project, id: '5003' });
    expect(log).toEqual({
      lines: ['Running with gitlab-runner 17.5.0', '$ make build', 'TOKEN=*** make', '75%'],
      complete: false,
    });
  });
});

describe('GitLab CI changes', () => {
  it('creates a pipeline with variables and says which one it is', async () => {
    api.on(`POST ${base}/pipeline`, {
      status: 201,
      headers: limits(1600),
      body: detail(950, { status: 'created', ref: 'release', source: 'api' }),
    });
    const outcome = await client().trigger(project, {
      workflow: '.gitlab-ci.yml',
      ref: 'release',
      inputs: { DEPLOY_ENV: 'staging' },
    });
    expect(outcome).toEqual({
      run: { repo: project, id: '950' },
      message: 'platform/shop: pipeline 950 created on release',
    });
    expect(JSON.parse(api.received[0].body)).toEqual({
      ref: 'release',
      variables: [{ key: 'DEPLOY_ENV', value: 'staging', variable_type: 'env_var' }],
    });
  });

  it('a pipeline on a ref that does not exist: the provider’s reason', async () => {
    api.on(`POST ${base}/pipeline`, { status: 400, body: { message: { base: ['Reference not found'] } } });
    await expect(client().trigger(project, { workflow: '', ref: 'nope', inputs: {} })).rejects.toMatchObject({
      kind: 'invalid',
      message: 'pipeline on nope in platform/shop: gitlab.example.com refused it: base Reference not found',
    });
  });

  it('retries the failed jobs (201) and cancels a pipeline (200)', async () => {
    api.on(`POST ${base}/pipelines/902/retry`, {
      status: 201,
      headers: limits(1500),
      body: detail(902, { status: 'pending' }),
    });
    api.on(`POST ${base}/pipelines/903/cancel`, {
      status: 200,
      headers: limits(1499),
      body: detail(903, { status: 'canceled' }),
    });
    const gl = client();
    await gl.rerunFailed({ repo: project, id: '902' });
    await gl.cancel({ repo: project, id: '903' });
    expect(api.received.map((r) => `${r.method} ${r.url}`)).toEqual([
      `POST ${base}/pipelines/902/retry`,
      `POST ${base}/pipelines/903/cancel`,
    ]);
    expect(gl.quota()?.remaining).toBe(1499);
  });
});

describe('GitLab CI as a runner and GitLab 13.5+ write it', () => {
  it('lists a pipeline’s jobs stage by stage, though the API gives them newest first', async () => {
    const job = (id: number, name: string, stage: string, status = 'success') => ({
      id,
      name,
      stage,
      status,
      started_at: '2026-12-06T11:00:00.000Z',
      finished_at: '2026-12-06T11:01:00.000Z',
      web_url: `https://gitlab.example.com/${project}/-/jobs/${id}`,
    });
    // GitLab 13.5 and later: ORDER BY id DESC. 5108 is a retry of 5102 (a retried job gets a new id).
    api.on(`GET ${base}/pipelines/902/jobs`, {
      status: 200,
      headers: limits(1800),
      body: [
        job(5108, 'rspec 1/3', 'test', 'running'),
        job(5106, 'deploy:staging', 'deploy', 'manual'),
        job(5105, 'rspec 10/3', 'test'),
        job(5104, 'rspec 3/3', 'test'),
        job(5103, 'rspec 2/3', 'test'),
        job(5101, 'lint', 'test'),
        job(5100, 'compile', 'build'),
      ],
    });
    const jobs = await client().runJobs({ repo: project, id: '902' });
    expect(jobs.map((j) => `${j.stage}/${j.name}`)).toEqual([
      'build/compile',
      'test/lint',
      'test/rspec 1/3',
      'test/rspec 2/3',
      'test/rspec 3/3',
      'test/rspec 10/3',
      'deploy/deploy:staging',
    ]);
  });

  it('a job log reads without the runner’s section markers; a line of markers alone is left out', async () => {
    api.on(`GET ${base}/jobs/5010`, {
      status: 200,
      headers: limits(1700),
      body: { id: 5010, name: 'rspec', stage: 'test', status: 'success' },
    });
    const E = '\x1b';
    api.on(`GET ${base}/jobs/5010/trace`, {
      status: 200,
      headers: { ...limits(1699), 'content-type': 'text/plain' },
      body: [
        `${E}[0KRunning with gitlab-runner 17.5.3 (12030cf4)${E}[0;m`,
        `section_start:1796633944:prepare_executor\r${E}[0K${E}[0K${E}[36;1mPreparing the "docker" executor${E}[0;m${E}[0;m`,
        `section_end:1796633948:prepare_executor\r${E}[0Ksection_start:1796633948:get_sources\r${E}[0K${E}[0K${E}[36;1mGetting source from Git repository${E}[0;m${E}[0;m`,
        `section_start:1796633951:bundle_install[collapsed=true]\r${E}[0K${E}[32;1m$ bundle install${E}[0;m`,
        'Bundle complete!',
        `section_end:1796633964:bundle_install\r${E}[0K`,
        '',
        `section_end:1796633970:step_script\r${E}[0K${E}[32;1mJob succeeded${E}[0;m`,
        '',
      ].join('\n'),
    });
    const log = await client().jobLog({ repo: project, id: '5010' });
    expect(log.lines).toEqual([
      'Running with gitlab-runner 17.5.3 (12030cf4)',
      'Preparing the "docker" executor',
      'Getting source from Git repository',
      '$ bundle install',
      'Bundle complete!',
      '',
      'Job succeeded',
    ]);
  });

  it('a pipeline stopped at a manual job took what GitLab says (duration), not the time since it started', async () => {
    now = Date.parse('2026-12-07T09:00:00.000Z'); // a day after it started
    api.on(`GET ${base}/pipelines`, {
      status: 200,
      headers: limits(1900),
      body: [short(21, { status: 'manual' }), short(20, { status: 'waiting_for_resource' })],
    });
    api.on(`GET ${base}/pipelines/21`, {
      status: 200,
      headers: limits(1899),
      body: detail(21, { status: 'manual', finished_at: null, duration: 727 }),
    });
    api.on(`GET ${base}/pipelines/20`, {
      status: 200,
      headers: limits(1898),
      body: detail(20, { status: 'waiting_for_resource', finished_at: null, duration: null }),
    });
    const runs = await client().listRuns(project, { limit: 2 });
    expect(runs.map((r) => [r.id, r.status, r.durationMs])).toEqual([
      ['21', 'manual', 727_000],
      ['20', 'waiting', now - Date.parse('2026-12-06T11:00:10.000Z')],
    ]);
  });

  it('a merge request pipeline’s ref reads as GitLab writes it: !412', async () => {
    api.on(`GET ${base}/pipelines`, {
      status: 200,
      headers: limits(1900),
      body: [
        short(31, { ref: 'refs/merge-requests/412/head', source: 'merge_request_event' }),
        short(30, { ref: 'refs/merge-requests/7/merge', source: 'merge_request_event' }),
      ],
    });
    api.on(`GET ${base}/pipelines/31`, {
      status: 200,
      body: detail(31, { ref: 'refs/merge-requests/412/head', source: 'merge_request_event' }),
    });
    api.on(`GET ${base}/pipelines/30`, {
      status: 200,
      body: detail(30, { ref: 'refs/merge-requests/7/merge', source: 'merge_request_event' }),
    });
    const runs = await client().listRuns(project, { limit: 2 });
    expect(runs.map((r) => [r.branch, r.event])).toEqual([
      ['!412', 'merge_request_event'],
      ['!7', 'merge_request_event'],
    ]);
  });

  it('while rate limited, every refusal names what was asked, as the first one did', async () => {
    api.on(`GET ${base}/pipelines`, {
      status: 429,
      headers: { ...limits(0, T0 + 90_000), 'retry-after': '90', 'content-type': 'text/plain' },
      body: 'Retry later\n',
    });
    const gl = client();
    await gl.listRuns(project, { limit: 5 }).catch(() => undefined);
    now = T0 + 10_000;
    await expect(gl.listRuns('platform/other', { limit: 5 })).rejects.toMatchObject({
      kind: 'rate-limited',
      message:
        'pipelines of platform/other: GitLab rate limit reached on gitlab.example.com; try again at 12:01:30 UTC (in 80 s)',
    });
    expect(api.received).toHaveLength(1);
  });
});
