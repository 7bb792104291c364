import { afterEach, describe, expect, it } from 'vitest';
import { CiError } from '../../src/domain/pipelineClient';
import type { DeckServices } from '../../src/state/deckServices';
import { pipelineRowsOf } from '../../src/state/slices/pipelines';
import { createDeckStore, type DeckStore } from '../../src/state/store';
import { FakeCi, fakePipelines, ghRun, pipelineWorkspace, T0 } from './pipelinesHarness';

const noRepos: DeckServices['repos'] = {
  list: async () => ({ rows: [], errors: [] }),
  details: async (entry) => ({ entry, status: [], log: [] }),
};

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup.splice(0)) c();
});

function storeOver(services: Partial<DeckServices>): DeckStore {
  const store = createDeckStore({ repos: noRepos, ...services } as DeckServices, {
    dataDir: '/work/data',
    configPath: '/tmp/config.yaml',
    readOnly: false,
    tab: 'dashboard',
  });
  // Timers of the slice end with the test: hide every screen and close the run.
  cleanup.push(() => {
    const a = store.getState().actions.pipelines;
    a.closeRun();
    a.setShown('pipelines', false);
    a.setShown('repos', false);
  });
  return store;
}

async function until(check: () => boolean, what: string, ms = 4000) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function workspace() {
  const ws = pipelineWorkspace([{ name: 'web', origin: 'git@github.com:acme/web.git' }, { name: 'notes' }]);
  cleanup.push(ws.remove);
  return ws;
}

describe('the pipelines slice', () => {
  it('asks the providers only while the Pipelines or Repositories tab is shown', async () => {
    const ws = workspace();
    const github = new FakeCi();
    github.runs = [ghRun(2), ghRun(1)];
    const store = storeOver({ pipelines: fakePipelines(ws.dir, { github }, { tableMs: 30 }) });
    const actions = store.getState().actions.pipelines;

    await new Promise((r) => setTimeout(r, 150));
    expect(github.count('listRuns')).toBe(0);

    actions.setShown('pipelines', true);
    await until(() => github.count('listRuns') >= 3, 'three polls while shown');
    const rows = pipelineRowsOf(store.getState());
    expect(rows.map((r) => [r.key, r.pipeline, r.runs.map((x) => x.id), r.problemKind])).toEqual([
      ['github:github.com/acme/web:ci.yml', 'CI', ['2', '1'], undefined],
      ['repo:notes', 'notes', [], 'no-remote'],
    ]);

    actions.setShown('pipelines', false);
    await until(() => !store.getState().pipelines.remoteLoading, 'the poll in flight to end');
    const asked = github.count('listRuns');
    await new Promise((r) => setTimeout(r, 200));
    expect(github.count('listRuns')).toBe(asked);

    // The Repositories tab's CI column polls as well.
    actions.setShown('repos', true);
    await until(() => github.count('listRuns') > asked, 'a poll for the Repositories tab');
  });

  it('keeps following a running remote run that is open while no tab shows the table', async () => {
    const ws = workspace();
    const github = new FakeCi();
    github.runs = [ghRun(3, { status: 'running', durationMs: undefined })];
    github.jobs = [
      { repo: 'acme/web', id: '31', runId: '3', name: 'build', status: 'running', startedAt: T0, steps: [] },
    ];
    const store = storeOver({ pipelines: fakePipelines(ws.dir, { github }, { tableMs: 0, watchMs: 30 }) });
    const actions = store.getState().actions.pipelines;
    await actions.refreshRemote();
    await actions.openRun('github:github.com/acme/web:ci.yml');
    expect(store.getState().pipelines.open?.jobs?.map((j) => j.name)).toEqual(['build']);
    await until(() => github.count('runJobs') >= 3, 'the running run polled');

    github.jobs = [{ ...github.jobs[0], status: 'passed', durationMs: 5000 }];
    github.runs = [ghRun(3, { status: 'passed' })];
    await actions.refreshRemote();
    await until(() => store.getState().pipelines.open?.jobs?.[0].status === 'passed', 'the job to pass');
    await actions.reloadRun();
    const asked = github.count('runJobs');
    await new Promise((r) => setTimeout(r, 200));
    // Ended: nothing more to watch.
    expect(github.count('runJobs')).toBe(asked);
  });

  it('keeps the last known runs, marked stale, when the token stops working; says so once', async () => {
    const ws = workspace();
    const github = new FakeCi();
    github.runs = [ghRun(2, { status: 'failed' }), ghRun(1)];
    github.lastQuota = { limit: 5000, remaining: 4321, resetAt: T0 + 3_600_000, seenAt: T0 };
    const store = storeOver({ pipelines: fakePipelines(ws.dir, { github }) });
    const actions = store.getState().actions.pipelines;
    await actions.refreshRemote();
    expect(store.getState().pipelines.quotas).toEqual([
      { provider: 'github', host: 'github.com', quota: github.lastQuota },
    ]);

    github.failure = new CiError(
      'auth',
      'runs of acme/web: GitHub refused the token from GITHUB_TOKEN (401 Bad credentials): it is expired or wrong',
      401,
    );
    await actions.refreshRemote();
    const [row] = pipelineRowsOf(store.getState());
    expect(row.runs.map((r) => r.id)).toEqual(['2', '1']);
    expect(row.problem).toMatch(/401 Bad credentials/);
    const errors = () =>
      store
        .getState()
        .ui.messages.filter((m) => m.level === 'error')
        .map((m) => m.text);
    expect(errors()).toEqual([
      'github.com: runs of acme/web: GitHub refused the token from GITHUB_TOKEN (401 Bad credentials): it is expired or wrong; the last known runs are kept, marked stale',
    ]);
    expect(store.getState().ui.lastError?.text).toMatch(/^github\.com: .*401/);

    await actions.refreshRemote();
    expect(errors()).toHaveLength(1);
    expect(pipelineRowsOf(store.getState())[0].runs).toHaveLength(2);

    github.failure = undefined;
    await actions.refreshRemote();
    expect(pipelineRowsOf(store.getState())[0].problem).toBeUndefined();
  });

  it('says which token is missing in the row, not in the status bar', async () => {
    const ws = workspace();
    const store = storeOver({ pipelines: fakePipelines(ws.dir, {}) });
    await store.getState().actions.pipelines.refreshRemote();
    const [row] = pipelineRowsOf(store.getState());
    expect(row).toMatchObject({ repo: 'web', problemKind: 'auth', runs: [] });
    expect(row.problem).toMatch(/^no GitHub token found/);
    expect(store.getState().ui.messages).toEqual([]);
  });

  it('polls no faster than the quota left until its reset allows', async () => {
    const ws = workspace();
    const github = new FakeCi();
    github.runs = [ghRun(1)];
    // 520 left of 5000, a tenth kept for actions: nothing usable until the reset an hour away.
    github.lastQuota = { limit: 5000, remaining: 520, resetAt: Date.now() + 3_600_000, seenAt: Date.now() };
    const store = storeOver({ pipelines: fakePipelines(ws.dir, { github }, { tableMs: 20 }) });
    store.getState().actions.pipelines.setShown('pipelines', true);
    await until(
      () => github.count('listRuns') === 1 && !store.getState().pipelines.remoteLoading,
      'the first read',
    );
    await new Promise((r) => setTimeout(r, 200));
    expect(github.count('listRuns')).toBe(1);
  });
});
