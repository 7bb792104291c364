import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatAge } from '../../src/domain/text';
import type { Answer } from './ciHttpServer';
import { ghRun, githubToken, glPipeline, RemoteCliDeck } from './remoteCliDeck';

/**
 * `infradeck pipelines` over local pipelines and the repositories' remote CI. The exchanges follow GitHub's REST
 * documentation (workflow runs and workflows lists, Link pagination, conditional requests, rate limits: see
 * githubClient.test.ts) and GitLab's (pipelines list and details: see gitlabClient.test.ts).
 */

const runs = '/repos/acme/shop/actions/runs';
const workflows = '/repos/acme/shop/actions/workflows';
const infra = `/api/v4/projects/${encodeURIComponent('platform/infra')}`;

interface Row {
  source: string | null;
  name: string;
  target: string | null;
  repo: string | null;
  file: string | null;
  lastRun: { run: string; status: string; branch?: string; who?: string; startedAt?: number } | null;
  problem?: string;
  problemKind?: string;
}

let deck: RemoteCliDeck;
afterEach(async () => {
  await deck?.close();
});

/** The shop's runs over two pages (GitHub's Link header), with an ETag, and its three workflows. */
function shopOnGitHub() {
  deck.serve(`GET ${runs}`, (req): Answer => {
    const page2 = new URL(req.url, 'http://x').searchParams.get('page') === '2';
    const etag = page2 ? 'W/"page-2"' : 'W/"page-1"';
    if (req.headers['if-none-match'] === etag) return { status: 304, headers: { etag } };
    return page2
      ? {
          status: 200,
          headers: { etag },
          body: {
            total_count: 3,
            workflow_runs: [
              ghRun(40, { name: 'Deploy', path: '.github/workflows/deploy.yml', event: 'workflow_dispatch' }),
            ],
          },
        }
      : {
          status: 200,
          headers: { etag, link: `<${deck.api.url}${runs}?per_page=20&page=2>; rel="next"` },
          body: {
            total_count: 3,
            workflow_runs: [ghRun(42, { conclusion: 'failure', head_branch: 'fix-login' }), ghRun(41)],
          },
        };
  });
  deck.serve(`GET ${workflows}`, (req) =>
    req.headers['if-none-match'] === 'W/"wf"'
      ? { status: 304, headers: { etag: 'W/"wf"' } }
      : {
          status: 200,
          headers: { etag: 'W/"wf"' },
          body: {
            total_count: 3,
            workflows: [
              { id: 1, name: 'CI', path: '.github/workflows/ci.yml', state: 'active' },
              { id: 2, name: 'Deploy', path: '.github/workflows/deploy.yml', state: 'active' },
              { id: 3, name: 'Nightly', path: '.github/workflows/nightly.yml', state: 'active' },
            ],
          },
        },
  );
}

describe('infradeck pipelines with remote CI', () => {
  it('lists every workflow of a GitHub repository across pages, with its last run; the second listing is 304s', async () => {
    deck = await RemoteCliDeck.start({ GITHUB_TOKEN: githubToken });
    mkdirSync(join(deck.dataDir, 'pipelines'));
    writeFileSync(join(deck.dataDir, 'pipelines', 'build.yaml'), 'steps:\n  - { name: a, run: ["true"] }\n');
    shopOnGitHub();

    const first = await deck.infradeck('pipelines', '--json');
    expect(first.code, first.stderr).toBe(0);
    const rows = (JSON.parse(first.stdout) as { pipelines: Row[] }).pipelines;
    expect(rows.map((r) => [r.source, r.target, r.lastRun?.run ?? null, r.lastRun?.status ?? null])).toEqual([
      ['local', 'build', null, null],
      ['github', 'shop:ci.yml', 'shop#42', 'failed'],
      ['github', 'shop:deploy.yml', 'shop#40', 'passed'],
      ['github', 'shop:nightly.yml', null, null],
      // No GITLAB_TOKEN: the row says which variable gives one.
      ['gitlab', 'infra:.gitlab-ci.yml', null, null],
      [null, null, null, null],
      [null, null, null, null],
    ]);
    expect(rows[1]).toMatchObject({
      name: 'CI',
      repo: 'shop',
      file: 'ci.yml',
      lastRun: { branch: 'fix-login', who: 'octocat' },
    });
    expect(rows[4]).toMatchObject({
      repo: 'infra',
      problemKind: 'no-token',
      problem:
        'no GitLab token for gitlab.example.com: set GITLAB_TOKEN (a personal access token with api scope)',
    });
    expect(rows[5]).toMatchObject({
      repo: 'notes',
      problemKind: 'no-remote',
      problem: 'no remote named origin',
    });
    expect(rows[6]).toMatchObject({
      repo: 'mirror',
      problemKind: 'no-remote',
      problem: expect.stringContaining(
        'origin is on bitbucket.org, which is neither GitHub nor a known GitLab host',
      ),
    });
    expect(deck.requests()).toEqual([
      `GET ${runs}?per_page=20`,
      `GET ${runs}?per_page=20&page=2`,
      `GET ${workflows}?per_page=100`,
    ]);
    expect(deck.api.received[0].headers.authorization).toBe(`token ${githubToken}`);

    // The same question again: GitHub answers 304 Not Modified (free of quota) and the rows are the same.
    const second = await deck.infradeck('pipelines', '--json');
    expect(second.code, second.stderr).toBe(0);
    expect((JSON.parse(second.stdout) as { pipelines: Row[] }).pipelines).toEqual(rows);
    const again = deck.api.received.slice(3);
    expect(again.map((r) => r.headers['if-none-match'])).toEqual(['W/"page-1"', 'W/"page-2"', 'W/"wf"']);

    // For people: a table, then why some repositories show no runs.
    const table = await deck.infradeck('pipelines');
    expect(table.code).toBe(0);
    const lines = table.stdout.split('\n');
    expect(lines[0]).toMatch(/^SOURCE\s+PIPELINE\s+REPO\s+STEPS\s+LAST RUN\s+STATUS\s+BRANCH\s+AGE\s+TOOK$/);
    expect(lines.find((l) => l.includes('shop:ci.yml'))).toMatch(
      /^github\s+shop:ci.yml\s+shop\s+-\s+shop#42\s+failed\s+fix-login\s/,
    );
    // Its age, counted in milliseconds as every age is (it once read 1,000 times too young).
    const startedAt = rows.find((r) => r.target === 'shop:ci.yml')?.lastRun?.startedAt ?? Number.NaN;
    expect(lines.find((l) => l.includes('shop:ci.yml'))?.split(/\s+/)[7]).toBe(
      formatAge(Date.now() - startedAt),
    );
    expect(lines.find((l) => l.includes('shop:nightly.yml'))).toMatch(/never run/);
    expect(lines.find((l) => l.startsWith('gitlab'))).toMatch(/infra:\.gitlab-ci\.yml\s+infra\s.*no token/);
    expect(lines).toContain(
      'infra: no GitLab token for gitlab.example.com: set GITLAB_TOKEN (a personal access token with api scope)',
    );
    expect(lines).toContain('notes: no remote named origin');
  });

  it('a GitLab project: its pipeline with the last run, who started it and how long it took', async () => {
    deck = await RemoteCliDeck.start({ GITLAB_TOKEN: 'glpat-Xy9aBcDeFgHiJkLmNoPq' });
    deck.api.on(`GET ${infra}/pipelines?order_by=id&sort=desc`, {
      status: 200,
      body: [glPipeline(951, { status: 'failed' }), glPipeline(950)].map(({ user, ...short }) => short),
    });
    deck.api.on(`GET ${infra}/pipelines/951`, { status: 200, body: glPipeline(951, { status: 'failed' }) });
    deck.api.on(`GET ${infra}/pipelines/950`, { status: 200, body: glPipeline(950) });

    const r = await deck.infradeck('pipelines', '--json');
    expect(r.code, r.stderr).toBe(0);
    const rows = (JSON.parse(r.stdout) as { pipelines: Row[] }).pipelines;
    expect(rows.find((row) => row.repo === 'infra')).toMatchObject({
      source: 'gitlab',
      target: 'infra:.gitlab-ci.yml',
      lastRun: { run: 'infra#951', status: 'failed', who: 'ada', durationMs: 350_000 },
    });
    // No GitHub token anywhere: the shop's row names the variables and the command that give one.
    expect(rows.find((row) => row.repo === 'shop')).toMatchObject({
      problemKind: 'no-token',
      problem:
        'no GitHub token found: set GITHUB_TOKEN or GH_TOKEN, or log in with `gh auth login` (GitHub CLI)',
    });
  });

  it('a rate limit (403 with its reset) or a refused token: said on stderr, exit 1, the other rows still listed', async () => {
    deck = await RemoteCliDeck.start({ GITHUB_TOKEN: githubToken, GITLAB_TOKEN: 'glpat-expired0000000000' });
    const reset = Math.floor(Date.now() / 1000) + 600;
    deck.api.on(`GET ${runs}`, {
      status: 403,
      headers: {
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(reset),
        'x-ratelimit-resource': 'core',
      },
      body: { message: 'API rate limit exceeded for user ID 1.' },
    });
    deck.api.on(`GET ${infra}/pipelines`, { status: 401, body: { message: '401 Unauthorized' } });

    const r = await deck.infradeck('pipelines');
    expect(r.code).toBe(1);
    const at = new Date(reset * 1000).toISOString().slice(11, 19);
    expect(r.stderr.split('\n')).toEqual([
      `infradeck pipelines: shop: runs of acme/shop: GitHub API rate limit used up; try again at ${at} UTC (in 10 min)`,
      'infradeck pipelines: infra: pipelines of platform/infra: gitlab.example.com refused the token from GITLAB_TOKEN (401 Unauthorized): it is expired, revoked or wrong',
      '',
    ]);
    expect(r.stderr).not.toContain('glpat-expired');
    expect(r.stdout).toMatch(/^github\s+shop\s+shop\s.*rate limited/m);
    expect(r.stdout).toMatch(/^gitlab\s+infra:\.gitlab-ci\.yml\s+infra\s.*refused/m);
    expect(r.stdout).toContain('notes: no remote named origin');
    // The rate limit is kept: GitHub was asked once, not once more for the workflows.
    expect(deck.requests().filter((q) => q.includes('acme/shop'))).toEqual([`GET ${runs}?per_page=20`]);

    const json = await deck.infradeck('pipelines', '--json');
    expect(json.code).toBe(1);
    const parsed = JSON.parse(json.stdout) as { pipelines: Row[]; errors: string[] };
    expect(parsed.errors).toHaveLength(2);
    expect(parsed.pipelines.find((p) => p.repo === 'shop')).toMatchObject({ problemKind: 'rate-limited' });
  });
});
