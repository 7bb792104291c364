import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { configSchema } from '../../src/domain/config';
import type { RemoteRepo } from '../../src/domain/remoteRepo';
import { deckBusOf } from '../../src/openWorkspace';
import type { Bus } from '../../src/services/bus/contracts';
import { openMemoryBus } from '../../src/services/bus/memoryBus';
import { readAllRepoStatus, readRepoDetails } from '../../src/services/git/gitRepo';
import { GitLabClient } from '../../src/services/pipelines/gitlab';
import { loadRepoEntries } from '../../src/services/storage/workspace';
import { ciHandler } from '../../src/worker/handlers/ci';
import { operator } from '../harness/memoryDeckBus';
import { type DeckSession, startDeck } from '../harness/startDeck';
import { RecordedApi } from '../pipelines/ciHttpServer';
import { fakePipelines, pipelineWorkspace } from '../state/pipelinesHarness';

/** GitLab's answers follow its REST documentation (API v4), as in tests/pipelines/gitlabClient.test.ts. */
const token = 'glpat-pipetabGitlab000000';
const base = `/api/v4/projects/${encodeURIComponent('platform/shop')}`;

function limits(remaining: number, resetIn = 60) {
  return {
    'ratelimit-limit': '2000',
    'ratelimit-remaining': String(remaining),
    'ratelimit-reset': String(Math.floor(Date.now() / 1000) + resetIn),
  };
}

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

function pipeline(id: number, over: Record<string, unknown> = {}) {
  return {
    id,
    iid: id - 18000,
    project_id: 7,
    sha: `${id}`.padStart(40, 'e'),
    ref: 'main',
    status: 'running',
    source: 'push',
    created_at: minutesAgo(5),
    updated_at: minutesAgo(1),
    web_url: `https://gitlab.com/platform/shop/-/pipelines/${id}`,
    user: { id: 3, username: 'bob.nakamura' },
    started_at: minutesAgo(5),
    finished_at: null,
    duration: null,
    ...over,
  };
}

let api: RecordedApi;
let bus: Bus | undefined;
let deck: DeckSession | undefined;
let ws: ReturnType<typeof pipelineWorkspace>;

beforeEach(async () => {
  api = await RecordedApi.start();
  ws = pipelineWorkspace([{ name: 'shop', origin: 'https://gitlab.com/platform/shop.git' }]);
  // The clone is on a branch of its own (no commit needed for HEAD to name it).
  execFileSync('git', ['-C', ws.clone('shop'), 'symbolic-ref', 'HEAD', 'refs/heads/release/2026.1']);
});

afterEach(async () => {
  deck?.unmount();
  deck = undefined;
  await bus?.close();
  bus = undefined;
  await api.close();
  ws.remove();
});

const gitlab = (remote: RemoteRepo) =>
  Promise.resolve({
    ok: true as const,
    client: new GitLabClient({ token, tokenFrom: 'GITLAB_TOKEN', host: remote.host, origin: api.url }),
    tokenFrom: 'GITLAB_TOKEN',
  });

/** Answers one read of the table: the pipelines list, then each pipeline's details. */
function listed(...pipelines: ReturnType<typeof pipeline>[]) {
  api.on(`GET ${base}/pipelines`, { status: 200, headers: limits(1990), body: pipelines });
  for (const p of pipelines)
    api.on(`GET ${base}/pipelines/${p.id}`, { status: 200, headers: limits(1989), body: p });
}

function gitlabJob(
  id: number,
  name: string,
  stage: string,
  status: string,
  over: Record<string, unknown> = {},
) {
  return {
    id,
    name,
    stage,
    status,
    started_at: status === 'manual' || status === 'created' ? null : minutesAgo(5),
    finished_at: status === 'success' || status === 'failed' ? minutesAgo(4) : null,
    duration: null,
    web_url: `https://gitlab.com/platform/shop/-/jobs/${id}`,
    pipeline: { id: 18460 },
    ...over,
  };
}

/** The table's line of the shop pipeline, and its DURATION cell (the value before the sparkline). */
function shopLine(frame: string): string {
  return frame.split('\n').find((l) => /gitlab +shop +pipeline /.test(l)) ?? '';
}

/** Moves the console's clock `ms` ahead (the rest of the test), as the tab's clock reads it. */
function clockAhead(ms: number) {
  const realNow = Date.now;
  return vi.spyOn(Date, 'now').mockImplementation(() => realNow() + ms);
}

afterEach(() => {
  vi.restoreAllMocks();
});

async function openTab(size = { columns: 120, rows: 30 }) {
  bus = openMemoryBus({
    handlers: { ci: ciHandler({ openClient: gitlab }) },
    concurrency: 2,
    requester: operator,
    dataDir: ws.dir,
  });
  deck = await startDeck({
    bus: deckBusOf(bus, operator),
    services: {
      pipelines: fakePipelines(ws.dir, {}, { opener: gitlab }),
      repos: {
        list: async () => {
          const { entries } = await loadRepoEntries(ws.dir, configSchema.parse({}));
          return { rows: await readAllRepoStatus(entries), errors: [] };
        },
        details: (entry) => readRepoDetails(entry),
      },
    },
    size,
  });
  await deck.press('9');
  return deck;
}

describe('the Pipelines tab on GitLab', () => {
  it('a run cancelled with c reads cancelled once its ci job is done, without waiting for the next poll', async () => {
    listed(pipeline(18460));
    const d = await openTab();
    await d.waitFor(/gitlab +shop +pipeline +main +running/);
    await d.press('j', 'c');
    await d.waitFor('Cancel run 18460 of pipeline?');
    const ended = {
      status: 'canceled',
      updated_at: minutesAgo(0),
      finished_at: minutesAgo(0),
      duration: 290,
    };
    api.on(`POST ${base}/pipelines/18460/cancel`, {
      status: 200,
      headers: limits(1980),
      body: pipeline(18460, ended),
    });
    listed(pipeline(18460, ended));
    await d.press('y');
    // The table's interval is 0 here: only a read the cancel itself asks for can show it.
    await d.waitFor(/gitlab +shop +pipeline +main +cancelled/);
    expect(api.unused()).toEqual([]);
  });

  it('t starts from the clone’s branch, not the merge request the last pipeline ran for', async () => {
    listed(pipeline(18461, { ref: 'refs/merge-requests/412/head', source: 'merge_request_event' }));
    const d = await openTab();
    await d.waitFor(/gitlab +shop +pipeline +!412 +running/);
    await d.press('j', 't');
    const form = await d.waitFor('Trigger pipeline on gitlab.com (platform/shop)');
    expect(form).toMatch(/branch +release\/2026\.1/);
    api.on(`POST ${base}/pipeline`, {
      status: 201,
      headers: limits(1970),
      body: pipeline(18462, { ref: 'release/2026.1', source: 'api', status: 'created' }),
    });
    listed(pipeline(18462, { ref: 'release/2026.1', source: 'api', status: 'created' }));
    await d.press('tab');
    await d.type('DEPLOY_ENV=staging');
    await d.press('tab', 'tab', 'tab', 'enter');
    await d.waitFor(/queued ci job \S+: pipeline on release\/2026\.1 in platform\/shop/);
    await d.waitFor(/gitlab +shop +pipeline +release\/2026\.1 +queued/);
    const created = api.received.find((r) => r.method === 'POST' && r.url === `${base}/pipeline`);
    expect(JSON.parse(created?.body ?? '{}')).toEqual({
      ref: 'release/2026.1',
      variables: [{ key: 'DEPLOY_ENV', value: 'staging', variable_type: 'env_var' }],
    });
  });

  it('t on a project with no pipelines, its clone on no branch, starts from the remote’s default branch', async () => {
    const clone = ws.clone('shop');
    const git = (...args: string[]) =>
      execFileSync('git', ['-C', clone, '-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args]);
    git('commit', '-q', '--allow-empty', '-m', 'first');
    git('checkout', '-q', '--detach');
    // What `git clone` (or `git remote set-head origin -a`) writes: the remote's default branch.
    git('symbolic-ref', 'refs/remotes/origin/HEAD', 'refs/remotes/origin/trunk');
    listed();
    const d = await openTab();
    await d.waitFor(/gitlab +shop +shop +never run/);
    await d.press('j', 't');
    const form = await d.waitFor('Trigger shop on gitlab.com (platform/shop)');
    expect(form).toMatch(/branch +trunk/);
  });

  it('a project GitLab does not know reads `not found`, as `infradeck pipelines` says it, not a bare error', async () => {
    api.on(`GET ${base}/pipelines`, {
      status: 404,
      headers: limits(1990),
      body: { message: '404 Project Not Found' },
    });
    const d = await openTab();
    const f = await d.waitFor(/gitlab +shop +shop +not found/);
    expect(f).toContain('404 Project Not Found');
  });

  it('says a rate limit once, however often r asks again while it lasts', async () => {
    api.on(`GET ${base}/pipelines`, {
      status: 429,
      headers: { ...limits(0, 90), 'retry-after': '90', 'content-type': 'text/plain' },
      body: 'Retry later\n',
    });
    const d = await openTab();
    await d.waitFor(/gitlab +shop +shop +rate limit/);
    const told = () => d.store.getState().ui.messages.filter((m) => /rate limit reached/.test(m.text));
    expect(told()).toHaveLength(1);
    // A second later the countdown in the text has moved on: `(in 89 s)`.
    await new Promise((r) => setTimeout(r, 1_100));
    await d.press('r');
    await d.waitFor(() => d.store.getState().pipelines.remoteLoading === false);
    await new Promise((r) => setTimeout(r, 100));
    expect(told()).toHaveLength(1);
    expect(api.received).toHaveLength(1);
  });
  it('a running pipeline gone stale stops its duration at what was last read and is counted stale, not running', async () => {
    listed(pipeline(18460));
    const d = await openTab();
    await d.waitFor(/gitlab +shop +pipeline +main +running +5m/);
    expect(d.frame()).toContain('1 running');
    api.on(`GET ${base}/pipelines`, {
      status: 401,
      headers: limits(1985),
      body: { message: '401 Unauthorized' },
    });
    await d.press('r');
    const stale = await d.waitFor(/gitlab +shop +pipeline +main +running\* +5m/);
    // What the last good read said it had run: at least that, it may have ended since.
    const took = / (≥5m\d\ds) /.exec(shopLine(stale))?.[1];
    expect(took).toBeDefined();
    expect(stale).toContain('* 1 stale');
    expect(stale).not.toContain('1 running');

    clockAhead(10 * 60_000);
    const later = await d.waitFor(/gitlab +shop +pipeline +main +running\* +15m/);
    expect(shopLine(later)).toContain(` ${took} `);
    expect(later).not.toContain('1 running');

    // The run itself: its jobs cannot be read either, and it took at least what was last read.
    api.on(`GET ${base}/pipelines/18460/jobs`, {
      status: 401,
      headers: limits(1984),
      body: { message: '401 Unauthorized' },
    });
    await d.press('j', 'enter');
    const run = await d.waitFor(/gitlab platform\/shop · pipeline · run 18460 · RUNNING\*/);
    expect(run).toContain(`took ${took}`);
  });

  it('once a 429’s reset time has passed, the quota no longer says 0 left', async () => {
    api.on(`GET ${base}/pipelines`, {
      status: 429,
      headers: { ...limits(0, 90), 'retry-after': '90', 'content-type': 'text/plain' },
      body: 'Retry later\n',
    });
    const d = await openTab();
    await d.waitFor(/gitlab\.com 0\/2000 left \(reset in/);
    clockAhead(2 * 60_000);
    const after = await d.waitFor(/gitlab\.com \?\/2000 left/);
    expect(after).not.toContain('0/2000 left');
  });

  it('a 429 without ratelimit-reset holds its 0 left until its Retry-After only', async () => {
    const { 'ratelimit-reset': _, ...noReset } = limits(0, 90);
    api.on(`GET ${base}/pipelines`, {
      status: 429,
      headers: { ...noReset, 'retry-after': '30', 'content-type': 'text/plain' },
      body: 'Retry later\n',
    });
    const d = await openTab();
    await d.waitFor(/gitlab\.com 0\/2000 left \(reset in/);
    clockAhead(60_000);
    const after = await d.waitFor(/gitlab\.com \?\/2000 left/);
    expect(after).not.toContain('0/2000 left');
  });

  it('a pipeline stopped at a manual job, and the job, read manual, as glab says them', async () => {
    listed(pipeline(18460, { status: 'manual', updated_at: minutesAgo(4), duration: 60 }));
    const d = await openTab();
    await d.waitFor(/gitlab +shop +pipeline +main +manual +5m +1m00s/);
    expect(d.frame()).not.toContain('running');
    api.on(`GET ${base}/pipelines/18460/jobs`, {
      status: 200,
      headers: limits(1980),
      body: [gitlabJob(502, 'deploy', 'deploy', 'manual'), gitlabJob(501, 'build', 'build', 'success')],
    });
    await d.press('j', 'enter');
    const run = await d.waitFor(/run 18460 · MANUAL/);
    await d.waitFor(/deploy +deploy +manual/);
    expect(d.frame()).toMatch(/2 jobs · 1 manual/);
    expect(run).not.toMatch(/waiting/);
  });

  it('a long branch gives way in its middle: the run’s line keeps who, when and how long; BRANCH grows at 200 columns', async () => {
    const branch = 'feature/PLAT-4711-make-the-checkout-retry-idempotent-across-all-regions';
    listed(pipeline(18460, { ref: branch, status: 'success', finished_at: minutesAgo(1), duration: 240 }));
    // A repository on a host that is no CI's: its DETAIL (why) is wider than any terminal leaves it.
    const legacy = join(ws.dir, 'clones', 'legacy');
    mkdirSync(legacy, { recursive: true });
    execFileSync('git', ['init', '-q', legacy]);
    execFileSync('git', ['-C', legacy, 'remote', 'add', 'origin', 'https://git.corp.example/legacy/app.git']);
    appendFileSync(join(ws.dir, 'repos.yaml'), '  - name: legacy\n    path: clones/legacy\n');
    const d = await openTab({ columns: 200, rows: 40 });
    // Up to its max, cut in its middle: both ends of the name show.
    const wide = await d.waitFor(/gitlab +shop +pipeline +feature\/PLAT-4711-\S*…\S*-all-regions +passed/);
    const cell = /(feature\/PLAT-4711-\S*…\S*-all-regions)/.exec(wide)?.[1] ?? '';
    expect(cell.length).toBeGreaterThan(30);
    await d.resize(120, 30);
    api.on(`GET ${base}/pipelines/18460/jobs`, {
      status: 200,
      headers: limits(1980),
      body: [gitlabJob(501, 'build', 'build', 'success')],
    });
    await d.press('g', 'enter');
    await d.waitFor(/run 18460 · PASSED/);
    const line = (await d.waitFor(/^the only run · .*took 4m00s$/m)).match(/^the only run · .*$/m)?.[0] ?? '';
    expect(line.length).toBeLessThanOrEqual(120);
    expect(line).toMatch(
      /^the only run · feature\/PLAT\S*…\S*regions · eeee\S* · push · by bob\.nakamura · started/,
    );
  });
});
