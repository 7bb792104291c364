import { afterEach, describe, expect, it } from 'vitest';
import { ghJob, ghRun, githubToken, gitlabToken, glJob, glPipeline, RemoteCliDeck } from './remoteCliDeck';

/**
 * `infradeck pipeline run|status|retry|cancel` on remote CI: the changes are real `ci` jobs (run in the command's
 * process without Redis), the reads and the followed runs go to a loopback server that plays GitHub's documented
 * exchanges (workflow dispatch 204 with no run id, re-run failed jobs 201, cancel 202, runs and jobs lists) and
 * GitLab's (create a pipeline 201 with its id, pipelines, jobs).
 */

const shop = '/repos/acme/shop/actions';
const infra = `/api/v4/projects/${encodeURIComponent('platform/infra')}`;

interface RunJson {
  run: string;
  status: string;
  attempt?: number;
  steps: Array<{ name: string; status: string; attempts: number; durationMs: number | null }>;
}

let deck: RemoteCliDeck;
afterEach(async () => {
  await deck?.close();
});

describe('infradeck pipeline on GitHub Actions', () => {
  it('run REPO:WORKFLOW checks the inputs against the clone’s workflow file, dispatches, and --wait follows the new run', async () => {
    deck = await RemoteCliDeck.start({ GITHUB_TOKEN: githubToken });
    const bad = await deck.infradeck(
      'pipeline',
      'run',
      'shop:deploy.yml',
      '--input',
      'environment=qa',
      '--input',
      'force=1',
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr.split('\n')).toEqual([
      'infradeck pipeline: shop: input "force" is not declared by deploy.yml (its inputs: environment, dry_run)',
      'infradeck pipeline: shop: input "environment": "qa" is not one of staging, production',
      'infradeck pipeline: nothing started',
      '',
    ]);
    expect(deck.requests()).toEqual([]);

    let dispatched = false;
    let jobPolls = 0;
    const deploy = { name: 'Deploy', path: '.github/workflows/deploy.yml' };
    deck.serve(`GET ${shop}/workflows/deploy.yml/runs`, () => ({
      status: 200,
      body: {
        total_count: 3,
        workflow_runs: [
          // Newer, but not a dispatch: someone's scheduled run is not ours.
          ...(dispatched
            ? [ghRun(502, { ...deploy, event: 'schedule', status: 'queued', conclusion: null })]
            : []),
          ...(dispatched
            ? [
                ghRun(501, {
                  ...deploy,
                  event: 'workflow_dispatch',
                  status: jobPolls < 2 ? 'in_progress' : 'completed',
                  conclusion: jobPolls < 2 ? null : 'success',
                }),
              ]
            : []),
          ghRun(500, { ...deploy, event: 'workflow_dispatch' }),
        ],
      },
    }));
    deck.api.on(`POST ${shop}/workflows/deploy.yml/dispatches`, () => {
      dispatched = true;
      return { status: 204 };
    });
    deck.serve(`GET ${shop}/runs/501/jobs`, () => {
      jobPolls++;
      return {
        status: 200,
        body: {
          total_count: 1,
          jobs: [
            ghJob(
              7001,
              501,
              'deploy',
              jobPolls < 2 ? { status: 'in_progress', conclusion: null, completed_at: null } : {},
            ),
          ],
        },
      };
    });

    const r = await deck.infradeck(
      'pipeline',
      'run',
      'shop:deploy.yml',
      '--input',
      'environment=staging',
      '--wait',
      '--json',
    );
    expect(r.code, r.stderr).toBe(0);
    const view = JSON.parse(r.stdout) as RunJson;
    expect(view).toMatchObject({
      run: 'shop#501',
      status: 'passed',
      event: 'workflow_dispatch',
      branch: 'main',
    });
    expect(view.steps).toEqual([
      {
        name: 'deploy',
        status: 'passed',
        attempts: 1,
        durationMs: 60_000,
        job: '7001',
        url: expect.any(String),
      },
    ]);
    const dispatch = deck.api.received.find((q) => q.method === 'POST');
    // No --ref: the branch the clone is on.
    expect(JSON.parse(dispatch?.body ?? '{}')).toEqual({ ref: 'main', inputs: { environment: 'staging' } });
    expect(deck.requests()[0]).toBe(`GET ${shop}/workflows/deploy.yml/runs?per_page=20&branch=main`);
    expect(jobPolls).toBeGreaterThanOrEqual(2);
  });

  it('--wait says once that a run waits for its deployment review, and follows it to its end', async () => {
    deck = await RemoteCliDeck.start({ GITHUB_TOKEN: githubToken });
    let dispatched = false;
    let polls = 0;
    const deploy = { name: 'Deploy', path: '.github/workflows/deploy.yml' };
    // Waiting for the production environment's reviewers for three reads, then approved and passed.
    const state = () =>
      polls < 3 ? { status: 'waiting', conclusion: null } : { status: 'completed', conclusion: 'success' };
    deck.serve(`GET ${shop}/workflows/deploy.yml/runs`, () => ({
      status: 200,
      body: {
        total_count: 1,
        workflow_runs: dispatched ? [ghRun(601, { ...deploy, event: 'workflow_dispatch', ...state() })] : [],
      },
    }));
    deck.api.on(`POST ${shop}/workflows/deploy.yml/dispatches`, () => {
      dispatched = true;
      return { status: 204 };
    });
    deck.serve(`GET ${shop}/runs/601/jobs`, () => {
      polls++;
      const done = polls >= 3;
      return {
        status: 200,
        body: {
          total_count: 1,
          jobs: [
            ghJob(
              7601,
              601,
              'deploy',
              done ? {} : { status: 'waiting', conclusion: null, completed_at: null },
            ),
          ],
        },
      };
    });
    const r = await deck.infradeck(
      'pipeline',
      'run',
      'shop:deploy.yml',
      '--input',
      'environment=production',
      '--wait',
    );
    expect(r.code, r.stderr).toBe(0);
    const told = r.stderr.split('\n').filter((l) => l.includes('waits for'));
    expect(told).toHaveLength(1);
    expect(told[0]).toMatch(
      /^run shop#601 waits for its deployment's protection rules \(a review or a wait timer: https?:\/\/\S+\); still following \(Ctrl-C cancels the run\)$/,
    );
  });

  it('status REPO#RUN per job; retry --wait re-runs the failed jobs and follows the new attempt; cancel; read-only refused', async () => {
    deck = await RemoteCliDeck.start({ GITHUB_TOKEN: githubToken });
    let reran = false;
    let pollsAfter = 0;
    const run42 = () => {
      if (!reran) return ghRun(42, { conclusion: 'failure' });
      // The first look after the re-run still shows the attempt that failed: it is not the end.
      if (pollsAfter === 1) return ghRun(42, { conclusion: 'failure' });
      const done = pollsAfter > 3;
      return ghRun(42, {
        run_attempt: 2,
        run_started_at: '2026-12-06T12:00:00Z',
        status: done ? 'completed' : 'in_progress',
        conclusion: done ? 'success' : null,
      });
    };
    const jobs42 = () => [
      ghJob(1, 42, 'build'),
      reran && pollsAfter > 1
        ? ghJob(3, 42, 'test', {
            started_at: '2026-12-06T12:00:05Z',
            completed_at: pollsAfter > 3 ? '2026-12-06T12:00:35Z' : null,
            status: pollsAfter > 3 ? 'completed' : 'in_progress',
            conclusion: pollsAfter > 3 ? 'success' : null,
          })
        : ghJob(2, 42, 'test', { conclusion: 'failure' }),
    ];
    const running43 = ghRun(43, { status: 'in_progress', conclusion: null });
    deck.serve(`GET ${shop}/runs`, () => ({
      status: 200,
      body: { total_count: 3, workflow_runs: [ghRun(44, { conclusion: 'failure' }), running43, run42()] },
    }));
    deck.serve(`GET ${shop}/workflows/ci.yml/runs`, () => ({
      status: 200,
      body: { total_count: 3, workflow_runs: [run42()] },
    }));
    // Each look at the run asks for its jobs first: one look, one step further.
    deck.serve(`GET ${shop}/runs/42/jobs`, () => {
      if (reran) pollsAfter++;
      return { status: 200, body: { total_count: 2, jobs: jobs42() } };
    });
    deck.serve(`GET ${shop}/runs/43/jobs`, {
      status: 200,
      body: {
        total_count: 2,
        jobs: [ghJob(9, 43, 'test', { status: 'in_progress', conclusion: null, completed_at: null })],
      },
    });
    deck.serve(`GET ${shop}/runs/44/jobs`, {
      status: 200,
      body: { total_count: 2, jobs: [ghJob(8, 44, 'test', { conclusion: 'failure' })] },
    });

    const status = await deck.infradeck('pipeline', 'status', 'shop#42', '--json');
    expect(status.code).toBe(1);
    expect(JSON.parse(status.stdout)).toEqual({
      run: 'shop#42',
      repo: 'shop',
      provider: 'github',
      workflow: 'CI',
      workflowFile: 'ci.yml',
      branch: 'main',
      commit: '42'.padStart(40, 'a'),
      event: 'push',
      attempt: 1,
      url: 'https://github.com/acme/shop/actions/runs/42',
      status: 'failed',
      steps: [
        {
          name: 'build',
          status: 'passed',
          attempts: 1,
          durationMs: 60_000,
          job: '1',
          url: expect.any(String),
        },
        {
          name: 'test',
          status: 'failed',
          attempts: 1,
          durationMs: 60_000,
          job: '2',
          url: expect.any(String),
        },
      ],
    });

    // Read-only: the ci job is refused before it is queued, and nothing reaches GitHub.
    const refused = await deck.infradeck('--readonly', 'pipeline', 'retry', 'shop#44');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /refused: ci job "ci re-run failed jobs of run 44 in acme\/shop \(github\.com\)": read-only mode .*; nothing was queued/,
    );
    expect(deck.requests().filter((q) => q.startsWith('POST'))).toEqual([]);

    deck.api.on(`POST ${shop}/runs/42/rerun-failed-jobs`, () => {
      reran = true;
      return { status: 201, body: {} };
    });
    const retry = await deck.infradeck('pipeline', 'retry', 'shop#42', '--wait', '--json');
    expect(retry.code, retry.stderr).toBe(0);
    const after = JSON.parse(retry.stdout) as RunJson;
    expect(after).toMatchObject({ run: 'shop#42', status: 'passed', attempt: 2 });
    expect(after.steps.map((s) => [s.name, s.status, s.attempts, s.durationMs])).toEqual([
      ['build', 'passed', 1, 60_000],
      ['test', 'passed', 2, 30_000],
    ]);
    expect(pollsAfter).toBeGreaterThan(3);

    const nothing = await deck.infradeck('pipeline', 'retry', 'shop#42');
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toContain('every job of run shop#42 passed: nothing to retry');

    deck.api.on(`POST ${shop}/runs/43/cancel`, { status: 202, body: {} });
    const cancel = await deck.infradeck('pipeline', 'cancel', 'shop#43');
    expect(cancel.code, cancel.stderr).toBe(0);
    expect(cancel.stdout).toBe('run shop#43 cancelled with its 1 unfinished job\n');
    const late = await deck.infradeck('pipeline', 'cancel', 'shop#42');
    expect(late.code).toBe(1);
    expect(late.stderr).toContain('run shop#42 is passed already: nothing to cancel');
    expect(deck.requests().filter((q) => q.startsWith('POST'))).toEqual([
      `POST ${shop}/runs/42/rerun-failed-jobs`,
      `POST ${shop}/runs/43/cancel`,
    ]);

    // For people: a table of jobs.
    const table = await deck.infradeck('pipeline', 'status', 'shop#42');
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n').slice(0, 4)).toEqual([
      'run shop#42 (CI on main) passed: 2 passed',
      'JOB    STATUS  ATTEMPTS  TOOK   ID',
      'build  passed  1         1m00s  1',
      'test   passed  2         30.0s  3',
    ]);
  });

  it('a run that does not exist is bad input; a run id that is not one is explained', async () => {
    deck = await RemoteCliDeck.start({ GITHUB_TOKEN: githubToken });
    deck.api.on(`GET ${shop}/runs/77/jobs`, { status: 404, body: { message: 'Not Found' } });
    const gone = await deck.infradeck('pipeline', 'status', 'shop#77');
    expect(gone.code).toBe(2);
    expect(gone.stderr).toContain('jobs of run 77 in acme/shop: not found on GitHub (404)');
    const typo = await deck.infradeck('pipeline', 'status', 'shop#abc');
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('"shop#abc" is not a remote run: REPO#RUN');
    const unknown = await deck.infradeck('pipeline', 'status', 'shp#1');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(
      'no repository "shp" in the Repositories tab (repositories: shop, infra, notes, mirror)',
    );
    const none = await deck.infradeck('pipeline', 'run', 'notes:ci.yml');
    expect(none.code).toBe(2);
    expect(none.stderr).toBe('infradeck pipeline: notes: no remote named origin\n');
  });
});

describe('infradeck pipeline on GitLab CI', () => {
  it('run REPO:.gitlab-ci.yml creates a pipeline with variables; --wait prints each job as it ends and exits 1 when it failed', async () => {
    deck = await RemoteCliDeck.start({ GITLAB_TOKEN: gitlabToken });
    let polls = 0;
    const state = () => (polls < 2 ? 'running' : 'failed');
    deck.api.on(`POST ${infra}/pipeline`, {
      status: 201,
      body: glPipeline(960, { status: 'created', source: 'api', ref: 'release' }),
    });
    deck.serve(`GET ${infra}/pipelines/960/jobs`, () => {
      polls++;
      return {
        status: 200,
        body: [
          glJob(1, 'compile', 'build'),
          glJob(
            2,
            'ship',
            'deploy',
            polls < 2 ? { status: 'running', finished_at: null } : { status: 'failed' },
          ),
        ],
      };
    });
    deck.serve(`GET ${infra}/pipelines`, () => ({
      status: 200,
      body: [
        glPipeline(960, {
          status: state(),
          ref: 'release',
          source: 'api',
          updated_at: `2026-12-06T11:0${polls}:00.000Z`,
        }),
      ],
    }));
    deck.serve(`GET ${infra}/pipelines/960`, () => ({
      status: 200,
      body: glPipeline(960, {
        status: state(),
        ref: 'release',
        source: 'api',
        updated_at: `2026-12-06T11:0${polls}:00.000Z`,
      }),
    }));

    const r = await deck.infradeck(
      'pipeline',
      'run',
      'infra:.gitlab-ci.yml',
      '--ref',
      'release',
      '--input',
      'DEPLOY_ENV=staging',
      '--wait',
    );
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toBe('build/compile passed 40.0s\ndeploy/ship failed 40.0s\n');
    expect(r.stderr).toContain('run infra#960 started');
    expect(r.stderr).toContain('run infra#960 (pipeline on release) failed: 1 passed, 1 failed');
    expect(r.stderr).toContain('re-run the failed jobs: infradeck pipeline retry infra#960');
    const created = deck.api.received.find((q) => q.method === 'POST');
    expect(JSON.parse(created?.body ?? '{}')).toEqual({
      ref: 'release',
      variables: [{ key: 'DEPLOY_ENV', value: 'staging', variable_type: 'env_var' }],
    });
    expect(created?.headers['private-token']).toBe(gitlabToken);

    const wrong = await deck.infradeck('pipeline', 'run', 'infra:build.yml');
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain(
      'infra is on GitLab, where a project has one pipeline: run it as infra:.gitlab-ci.yml',
    );

    // No GitHub token here: what gives one is said, and nothing is queued.
    const noToken = await deck.infradeck(
      'pipeline',
      'run',
      'shop:deploy.yml',
      '--input',
      'environment=staging',
    );
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toBe(
      'infradeck pipeline: shop: no GitHub token found: set GITHUB_TOKEN or GH_TOKEN, or log in with `gh auth login` (GitHub CLI)\n',
    );
  });
  it('status --json says manual for a pipeline stopped at a manual job and for the job, listed or not (as glab does)', async () => {
    deck = await RemoteCliDeck.start({ GITLAB_TOKEN: gitlabToken });
    const jobs = [
      glJob(3, 'deploy', 'deploy', { status: 'manual', started_at: null, finished_at: null, duration: null }),
      glJob(1, 'compile', 'build'),
    ];
    deck.api.on(`GET ${infra}/pipelines/970/jobs`, { status: 200, body: jobs });
    deck.api.on(`GET ${infra}/pipelines`, {
      status: 200,
      body: [glPipeline(970, { status: 'manual', finished_at: null, duration: 40 })],
    });
    deck.api.on(`GET ${infra}/pipelines/970`, {
      status: 200,
      body: glPipeline(970, { status: 'manual', finished_at: null, duration: 40 }),
    });
    const listed = await deck.infradeck('--json', 'pipeline', 'status', 'infra#970');
    expect(listed.code, listed.stderr).toBe(0);
    const run = JSON.parse(listed.stdout) as RunJson;
    expect(run.status).toBe('manual');
    expect(run.steps.map((j) => [j.name, j.status])).toEqual([
      ['compile', 'passed'],
      ['deploy', 'manual'],
    ]);

    // Older than the pipelines listed: the status its jobs add up to, nothing left but a manual job.
    deck.api.on(`GET ${infra}/pipelines/971/jobs`, { status: 200, body: jobs });
    deck.api.on(`GET ${infra}/pipelines`, { status: 200, body: [] });
    const older = await deck.infradeck('pipeline', 'status', 'infra#971');
    expect(older.code, older.stderr).toBe(0);
    expect(older.stdout).toContain(
      'run infra#971 (not among the recent runs: status from its jobs) manual: 1 passed, 1 manual',
    );
  });

  it('--wait ends where the pipeline stops at a manual job, says so and how to go on; --json says manual (run and retry)', async () => {
    deck = await RemoteCliDeck.start({ GITLAB_TOKEN: gitlabToken });
    // The pipeline builds, then stops at a blocking manual deploy; the job after it waits (`created`).
    let polls = 0;
    const stopped = () => polls >= 2;
    deck.api.on(`POST ${infra}/pipeline`, {
      status: 201,
      body: glPipeline(972, { status: 'created', source: 'api' }),
    });
    deck.serve(`GET ${infra}/pipelines/972/jobs`, () => {
      polls++;
      return {
        status: 200,
        body: [
          glJob(
            1,
            'compile',
            'build',
            stopped() ? {} : { status: 'running', finished_at: null, duration: null },
          ),
          glJob(3, 'ship', 'deploy', {
            status: 'manual',
            started_at: null,
            finished_at: null,
            duration: null,
          }),
          glJob(4, 'smoke', 'verify', {
            status: 'created',
            started_at: null,
            finished_at: null,
            duration: null,
          }),
        ],
      };
    });
    const pipeline = () =>
      glPipeline(972, {
        status: stopped() ? 'manual' : 'running',
        source: 'api',
        finished_at: null,
        duration: stopped() ? 40 : null,
        updated_at: `2026-12-06T11:0${stopped() ? 2 : 1}:00.000Z`,
      });
    deck.serve(`GET ${infra}/pipelines`, () => ({ status: 200, body: [pipeline()] }));
    deck.serve(`GET ${infra}/pipelines/972`, () => ({ status: 200, body: pipeline() }));

    const r = await deck.infradeck('pipeline', 'run', 'infra:.gitlab-ci.yml', '--wait');
    // Neither passed nor failed: 4, as a cancelled run (0 would let `&& deploy` go on, 1 would page someone).
    expect(r.code, r.stderr).toBe(4);
    expect(r.stdout).toBe('build/compile passed 40.0s\n');
    expect(r.stderr).toContain(
      'run infra#972 stopped at manual job deploy/ship (start it in GitLab: https://gitlab.example.com/platform/infra/-/jobs/3, or end the run: infradeck pipeline cancel infra#972)\n',
    );
    expect(r.stderr).toContain('run infra#972 (pipeline on main) manual: 1 passed, 1 manual, 1 queued');
    expect(r.stderr).not.toContain('re-run the failed jobs');

    // Re-run of a failed pipeline, which then stops at the same manual job: --json, as `status` says it.
    let retried = false;
    deck.api.on(`POST ${infra}/pipelines/973/retry`, () => {
      retried = true;
      return { status: 201, body: glPipeline(973, { status: 'running' }) };
    });
    deck.serve(`GET ${infra}/pipelines/973/jobs`, () => ({
      status: 200,
      body: [
        glJob(5, 'compile', 'build', retried ? {} : { status: 'failed' }),
        glJob(
          6,
          'ship',
          'deploy',
          retried
            ? { status: 'manual', started_at: null, finished_at: null, duration: null }
            : { status: 'skipped', started_at: null, finished_at: null, duration: null },
        ),
      ],
    }));
    const failedThenManual = () =>
      glPipeline(973, {
        status: retried ? 'manual' : 'failed',
        ...(retried ? { finished_at: null, updated_at: '2026-12-06T11:09:00.000Z' } : {}),
      });
    deck.serve(`GET ${infra}/pipelines`, () => ({ status: 200, body: [failedThenManual()] }));
    deck.serve(`GET ${infra}/pipelines/973`, () => ({ status: 200, body: failedThenManual() }));
    const again = await deck.infradeck('--json', 'pipeline', 'retry', 'infra#973', '--wait');
    expect(again.code, again.stderr).toBe(4);
    const run = JSON.parse(again.stdout) as RunJson;
    expect(run.status).toBe('manual');
    expect(run.steps.map((j) => [j.name, j.status])).toEqual([
      ['compile', 'passed'],
      ['ship', 'manual'],
    ]);
    expect(again.stderr).toBe('');
  });
});
