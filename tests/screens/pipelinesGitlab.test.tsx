import { execFileSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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

async function openTab() {
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
    size: { columns: 120, rows: 30 },
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
});
