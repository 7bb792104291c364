import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { configSchema } from '../../src/domain/config';
import type { RemoteRepo } from '../../src/domain/remoteRepo';
import { deckBusOf } from '../../src/openWorkspace';
import type { Bus } from '../../src/services/bus/contracts';
import { openMemoryBus } from '../../src/services/bus/memoryBus';
import { readAllRepoStatus, readRepoDetails } from '../../src/services/git/gitRepo';
import { GitHubClient } from '../../src/services/pipelines/github';
import { loadRepoEntries } from '../../src/services/storage/workspace';
import { ciHandler } from '../../src/worker/handlers/ci';
import { pipelineHandler } from '../../src/worker/handlers/pipeline';
import { pipelineStepHandler } from '../../src/worker/handlers/pipelineStep';
import { confirmText } from '../harness/confirmBox';
import { operator } from '../harness/memoryDeckBus';
import { type DeckSession, startDeck } from '../harness/startDeck';
import { RecordedApi } from '../pipelines/ciHttpServer';
import { fakePipelines, pipelineWorkspace } from '../state/pipelinesHarness';

/** GitHub's answers follow its REST documentation, as in tests/pipelines/githubClient.test.ts. */
const token = 'ghp_pipetabTestToken0000000000000000000000';
const runs = '/repos/acme/web/actions/runs';
const hourAgo = () => new Date(Date.now() - 3_600_000).toISOString();
const minutesAfter = (iso: string, m: number) => new Date(Date.parse(iso) + m * 60_000).toISOString();

function quota(remaining: number) {
  return {
    'x-ratelimit-limit': '5000',
    'x-ratelimit-remaining': String(remaining),
    'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3000),
  };
}

function ghRun(id: number, conclusion: string, startedAt: string) {
  return {
    id,
    name: 'CI',
    path: '.github/workflows/ci.yml',
    head_branch: 'main',
    head_sha: `${id}`.padStart(40, 'c'),
    event: 'push',
    status: 'completed',
    conclusion,
    run_attempt: 1,
    actor: { login: 'octocat' },
    created_at: startedAt,
    run_started_at: startedAt,
    updated_at: minutesAfter(startedAt, 4),
    html_url: `https://github.com/acme/web/actions/runs/${id}`,
  };
}

const runList = () => {
  const t = hourAgo();
  return {
    status: 200,
    headers: quota(4990),
    body: {
      total_count: 2,
      workflow_runs: [ghRun(42, 'failure', t), ghRun(41, 'success', minutesAfter(t, -30))],
    },
  };
};

const buildYaml = `name: build
steps:
  - name: hello
    run: [sh, -c, 'echo "hello from $INFRADECK_STEP"; echo second line']
  - name: boom
    run: [sh, -c, 'echo about to fail; exit 3']
    needs: hello
`;

const workflowYaml = `name: CI
on:
  push:
  workflow_dispatch:
    inputs:
      environment:
        description: where to deploy
        type: choice
        options: [staging, production]
        required: true
`;

let api: RecordedApi;
let bus: Bus | undefined;
let deck: DeckSession | undefined;
let ws: ReturnType<typeof pipelineWorkspace>;

beforeEach(async () => {
  api = await RecordedApi.start();
  ws = pipelineWorkspace([{ name: 'web', origin: 'https://github.com/acme/web.git' }]);
  mkdirSync(join(ws.dir, 'pipelines'));
  writeFileSync(join(ws.dir, 'pipelines', 'build.yaml'), buildYaml);
  mkdirSync(join(ws.clone('web'), '.github', 'workflows'), { recursive: true });
  writeFileSync(join(ws.clone('web'), '.github', 'workflows', 'ci.yml'), workflowYaml);
  // The clone is on main, whatever git's own default branch is here (a trigger starts from the clone's branch).
  execFileSync('git', ['-C', ws.clone('web'), 'symbolic-ref', 'HEAD', 'refs/heads/main']);
});

afterEach(async () => {
  deck?.unmount();
  deck = undefined;
  await bus?.close();
  bus = undefined;
  await api.close();
  ws.remove();
});

const github = (remote: RemoteRepo) =>
  Promise.resolve({
    ok: true as const,
    client: new GitHubClient({ token, tokenFrom: 'GITHUB_TOKEN', baseUrl: api.url }),
    tokenFrom: 'GITHUB_TOKEN',
    remote,
  });

function openBus() {
  bus ??= openMemoryBus({
    handlers: {
      pipeline: pipelineHandler(),
      pipelineStep: pipelineStepHandler({}),
      ci: ciHandler({ openClient: github }),
    },
    concurrency: 4,
    requester: operator,
    dataDir: ws.dir,
  });
  return bus;
}

/** The tab, `t` on the local pipeline build, `y`: once its run failed (its step boom fails), Enter on it. */
async function runBuildAndOpen() {
  const d = await openTab();
  await d.press('t');
  await d.waitFor('Run pipeline build now?');
  await d.press('y');
  await d.waitFor(/local +- +build +failed/);
  await d.press('enter');
  await d.waitFor(/local · build · run \S+ · FAILED/);
  return d;
}

async function openTab(
  opts: { readOnly?: boolean; size?: { columns: number; rows: number }; lists?: number } = {},
) {
  for (let i = 0; i < (opts.lists ?? 1); i++) api.on(`GET ${runs}`, runList());
  deck = await startDeck({
    bus: deckBusOf(openBus(), operator),
    services: {
      pipelines: fakePipelines(ws.dir, {}, { opener: github }),
      repos: {
        list: async () => {
          const { entries } = await loadRepoEntries(ws.dir, configSchema.parse({}));
          return { rows: await readAllRepoStatus(entries), errors: [] };
        },
        details: (entry) => readRepoDetails(entry),
      },
    },
    readOnly: opts.readOnly,
    size: opts.size ?? { columns: 120, rows: 30 },
  });
  await deck.press('9');
  await deck.waitFor(/github +web +CI +main +failed/);
  await deck.waitFor(/local +- +build/);
  // The local row is the first (the remote rows may have come first and kept the cursor).
  await deck.press('g');
  return deck;
}

describe('the Pipelines tab', () => {
  it('shows local and GitHub pipelines in one table with the quota left; Enter → jobs → log', async () => {
    const d = await openTab();
    expect(d.frame()).toMatch(/local +- +build +never run/);
    expect(d.frame()).toContain('github.com 4990/5000 left');

    api.on(`GET ${runs}/42/jobs`, {
      status: 200,
      headers: quota(4989),
      body: {
        total_count: 1,
        jobs: [
          {
            id: 7,
            run_id: 42,
            name: 'test',
            status: 'completed',
            conclusion: 'failure',
            started_at: hourAgo(),
            completed_at: minutesAfter(hourAgo(), 3),
            html_url: 'https://github.com/acme/web/actions/runs/42/job/7',
            steps: [
              {
                name: 'Set up job',
                status: 'completed',
                conclusion: 'success',
                number: 1,
                started_at: hourAgo(),
                completed_at: minutesAfter(hourAgo(), 1),
              },
              {
                name: 'Run tests',
                status: 'completed',
                conclusion: 'failure',
                number: 2,
                started_at: hourAgo(),
                completed_at: minutesAfter(hourAgo(), 2),
              },
            ],
          },
        ],
      },
    });
    await d.press('j');
    await d.press('enter');
    await d.waitFor(/github acme\/web · CI · run 42 · FAILED/);
    await d.waitFor(/2\. Run tests +failed/);
    expect(d.frame()).toMatch(/test +failed/);

    const storage = await RecordedApi.start();
    try {
      api.on('GET /repos/acme/web/actions/jobs/7', {
        status: 200,
        headers: quota(4988),
        body: { id: 7, run_id: 42, name: 'test', status: 'completed', conclusion: 'failure' },
      });
      api.on('GET /repos/acme/web/actions/jobs/7/logs', {
        status: 302,
        headers: { ...quota(4987), location: `${storage.url}/logs/7?sig=x` },
      });
      storage.on('GET /logs/7', {
        status: 200,
        headers: { 'content-type': 'text/plain' },
        body: '2026-12-06T11:00:01Z \x1b[31mFAIL\x1b[0m test/cart.test.js\r\n2026-12-06T11:00:02Z 1 failed\r\n',
      });
      await d.press('enter');
      await d.waitFor('FAIL test/cart.test.js');
      expect(d.frame()).toContain('run 42 › test · FAILED');
      expect(d.frame()).not.toContain('\x1b[31mFAIL');
    } finally {
      await storage.close();
    }
    await d.press('esc');
    await d.waitFor(/2\. Run tests/);
    await d.press('esc');
    await d.waitFor(/local +- +build/);
  });

  it('offers no selection, on the tab nor in a run (every action takes one): Space and Ctrl-A do nothing, ? lists neither', async () => {
    const d = await openTab();
    await d.press('space', 'ctrl-a');
    // Sort stays (and its frame comes after the two keys).
    await d.press('o');
    const sorted = await d.waitFor('SOURCE ▲');
    expect(sorted).not.toMatch(/^● /m);
    await d.press('?');
    const help = await d.waitFor('Reverse sort');
    expect(help).toMatch(/o +Sort by next column/);
    expect(help).not.toMatch(/Select row|Select all/);
    await d.press('esc');

    const job = { id: 7, run_id: 42, name: 'test', status: 'completed', conclusion: 'failure', steps: [] };
    api.on(`GET ${runs}/42/jobs`, {
      status: 200,
      headers: quota(4989),
      body: { total_count: 1, jobs: [job] },
    });
    await d.press('g');
    for (let i = 0; i < 5 && !/^> github/m.test(d.frame()); i++) await d.press('j');
    await d.press('enter');
    await d.waitFor(/test +failed/);
    await d.press('space', 'o');
    expect(await d.waitFor(/ ▲/)).not.toMatch(/^● /m);
    // Tall enough for the whole help: nothing of it is below the fold.
    await d.resize(200, 60);
    await d.press('?');
    const runHelp = await d.waitFor('The older run of this pipeline');
    expect(runHelp).toContain('Reverse sort');
    expect(runHelp).not.toContain('more below');
    expect(runHelp).not.toMatch(/Select row|Select all/);
  });

  it('runs a local pipeline with t, follows its steps, shows a step log, and R re-runs what failed', async () => {
    const d = await runBuildAndOpen();
    await d.waitFor(/hello +passed/);
    expect(d.frame()).toMatch(/boom +failed/);
    await d.press('enter');
    await d.waitFor('hello from hello');
    expect(d.frame()).toContain('second line');
    await d.press('esc');
    await d.press('R');
    await d.waitFor('Re-run the failed steps of build');
    await d.press('y');
    // The note, even if the run's quick second failure already has the message line.
    const note = await d.toasted(/the failed steps of \S+ again, the passed ones kept/);
    // The new run: hello kept from the first (its job the old one's, no start of its own), boom run again.
    await d.waitFor(/^run 1 of 2 · /m);
    await d.press(']');
    const rerun = await d.waitFor(/^run 2 of 2 · /m);
    expect(rerun).toMatch(/^> hello +passed +\S+ +kept +\S+\.hello/m);
    // Once the re-run has failed too (its step fails again), neither run has anything to cancel.
    const retry = /^run (\S+):/.exec(note)![1];
    await d.waitFor(() => d.store.getState().jobs.byId.get(retry)?.status === 'failed');
    await d.press('c');
    // A toast: the retry's failure, told at about the same time, may hold the message line.
    await d.toasted(/is failed: nothing to cancel/);
  });

  it("Esc from a step's log comes back to that step in the run, not to the run's first step", async () => {
    const d = await runBuildAndOpen();
    await d.waitFor(/boom +failed/);
    await d.press('G');
    await d.waitFor(/^> boom +failed/m);
    await d.press('enter');
    await d.waitFor('about to fail');
    await d.press('esc');
    await d.waitFor(/^> boom +failed/m);
    expect(d.frame()).toMatch(/^ {2}hello +passed/m);
  });

  it('at 80 columns, sorted by AGE (3 columns wide), the header still names the column: AG▲, not … ▲', async () => {
    const d = await openTab({ size: { columns: 80, rows: 24 } });
    // SOURCE, REPO, PIPELINE, BRANCH, STATUS, AGE.
    await d.press('o', 'o', 'o', 'o', 'o', 'o');
    expect(d.store.getState().pipelines.local).toBeDefined();
    const header = (await d.waitFor('▲')).split('\n').find((l) => l.includes('▲')) ?? '';
    expect(header).toMatch(/ AG▲/);
    expect(header).not.toContain('…');
    await d.press('O');
    expect((await d.waitFor('▼')).split('\n').find((l) => l.includes('▼'))).toMatch(/ AG▼/);
  });

  it('a pipeline of one step says "1 step", not "1 steps"', async () => {
    writeFileSync(
      join(ws.dir, 'pipelines', 'build.yaml'),
      'name: build\nsteps:\n  - name: hello\n    run: [echo, hi]\n',
    );
    const d = await openTab({ size: { columns: 180, rows: 30 } });
    const frame = await d.waitFor(/local +- +build +never run/);
    expect(frame).toContain('build.yaml · 1 step');
    expect(frame).not.toContain('1 steps');
  });

  it('R on the Jobs tab on a failed step (or its run) re-runs the failed steps in a new run, as R here does', async () => {
    const d = await runBuildAndOpen();
    const failedRun = d.store.getState().pipelines.open!.run.id;
    await d.press('esc');
    await d.press('5');
    await d.waitFor(new RegExp(`${failedRun}\\.boom +pipelineStep +failed`));
    await d.press('/');
    await d.type(`${failedRun}.boom`);
    await d.press('enter');
    await d.waitFor(/^> \S+\.boom +pipelineStep +failed/m);
    await d.press('R');
    await d.waitFor(`Re-run the failed steps of pipeline run ${failedRun}?`);
    expect(confirmText(d.frame())).toContain(`(job ${failedRun}.boom is one of its steps)`);
    await d.press('y');
    const note = await d.toasted(
      new RegExp(`^run (\\S+): the failed steps of ${failedRun} again, the passed ones kept$`),
    );
    // The new run ran its boom step again (a new job, its own attempts), the passed hello kept with its old job.
    const rerun = /^run (\S+):/.exec(note)![1];
    await d.waitFor(() => d.store.getState().jobs.byId.get(rerun)?.status === 'failed');
    const boom = d.store.getState().jobs.byId.get(`${rerun}.boom`);
    expect(boom?.status).toBe('failed');
    expect(d.store.getState().jobs.byId.get(`${rerun}.hello`)).toBeUndefined();
  });

  it('a run opened before newer ones started says where it is now, and [ and ] step from there', async () => {
    const d = await runBuildAndOpen();
    const first = d.store.getState().pipelines.open?.run.id ?? '';
    expect(d.frame()).toMatch(/^the only run · /m);
    await d.press('t');
    await d.waitFor('Run pipeline build now?');
    await d.press('y');
    // The new run comes first in the row: the one shown is the older of two now, counted as run ids count.
    await d.waitFor(/^run 1 of 2 · /m);
    expect(d.frame()).toContain(`local · build · run ${first} · FAILED`);
    await d.press('[');
    await d.toasted('no older run known (2 kept)');
    expect(d.store.getState().pipelines.open?.run.id).toBe(first);
    await d.press(']');
    const newer = await d.waitFor(/local · build · run (\S+) · /);
    expect(/local · build · run (\S+) · /.exec(newer)?.[1]).not.toBe(first);
    await d.waitFor(/^run 2 of 2 · /m);
    // Narrow, the line keeps where the run is and drops whole values from its end, never half of one.
    await d.resize(50, 24);
    const line = (await d.waitFor(/^run 2 of 2 · .*$/m)).match(/^run 2 of 2 · .*$/m)![0];
    expect(line.length).toBeLessThanOrEqual(50);
    expect(line).toMatch(/^run 2 of 2( · (manual|by \S+|started [^·]+ ago|took \S+))*$/);
  });

  it("a failed local step's log says its exit code in the title", async () => {
    const d = await runBuildAndOpen();
    await d.waitFor(/^[ >] boom +failed/m);
    await d.press('G', 'enter');
    const log = await d.waitFor(/› boom · FAILED/);
    expect(log).toMatch(/› boom · FAILED · exit 3$/m);
    expect(log).toContain('about to fail');
  });

  it(':pipelines NAME opens the latest run of that pipeline; an unknown name says so', async () => {
    const d = await runBuildAndOpen();
    await d.press('esc');
    await d.waitFor(() => d.store.getState().pipelines.open === undefined);
    await d.press('1', ':');
    await d.type('pipelines build');
    await d.press('enter');
    await d.waitFor(/local · build · run \S+ · FAILED/);
    expect(d.store.getState().ui.tab).toBe('pipelines');
    await d.press(':');
    await d.type('pipelines nope');
    await d.press('enter');
    await d.toasted(/^:pipelines nope: no such pipeline \(Tab completes the names\)$/);
  });

  it("a run's caption counts what a / filter shows: 1 of 2 steps, not 2 steps", async () => {
    const d = await runBuildAndOpen();
    await d.waitFor(/^ 2 steps · 1 failed · Enter its log/m);
    await d.press('/');
    await d.type('hello');
    await d.press('enter');
    const filtered = await d.waitFor(/^ 1 of 2 steps · 1 failed · Enter its log/m);
    expect(filtered).not.toMatch(/^[ >] boom +failed/m);
    await d.press('esc');
    await d.waitFor(/^ 2 steps · 1 failed · Enter its log/m);
  });

  it('Esc in a run clears its kept filter first, then goes back', async () => {
    const d = await runBuildAndOpen();
    await d.waitFor(/^[ >] boom +failed/m);
    await d.press('/');
    await d.type('hello');
    await d.press('enter');
    await d.waitFor((f) => !/^[ >] boom +failed/m.test(f));
    await d.press('esc');
    await d.waitFor(/^[ >] boom +failed/m);
    expect(d.store.getState().pipelines.open).toBeDefined();
    await d.press('esc');
    await d.waitFor(() => d.store.getState().pipelines.open === undefined);
  });

  it("an ended run's ages go on while it is open: started just now (or seconds ago) becomes minutes ago", async () => {
    const d = await runBuildAndOpen();
    await d.waitFor(/^the only run · .*started (just now|\d s ago)/m);
    const realNow = Date.now;
    const later = vi.spyOn(Date, 'now').mockImplementation(() => realNow() + 3 * 60_000);
    try {
      await d.waitFor(/^the only run · .*started 3 min ago/m, 8_000);
      expect(d.frame()).toMatch(/boom +failed +\S+ +3m ago/);
    } finally {
      later.mockRestore();
    }
  });

  it('r in a run and in a step log reads them again and says what it read', async () => {
    const d = await runBuildAndOpen();
    const id = d.store.getState().pipelines.open?.run.id ?? '';
    await d.waitFor(/hello +passed/);
    await d.press('r');
    await d.toasted(`read run ${id} again: 2 steps`);
    await d.press('enter');
    await d.waitFor('hello from hello');
    await d.press('r');
    await d.toasted(/^read the log of hello again: \d+ lines$/);
    expect(d.frame()).toContain('hello from hello');
  });

  it('a run whose row went away says so, and ? and the hint line offer only what works there', async () => {
    const d = await runBuildAndOpen();
    // The run's failure, told on the message line, would hide the hints.
    const hintLine = async () => {
      d.store.getState().actions.ui.dismissToasts(0, Date.now() + 60_000);
      await d.waitFor((f) => f.split('\n').at(-2)?.includes('? help') ?? false);
      return d.lines().at(-2) ?? '';
    };
    expect(await hintLine()).toContain('[ older');

    rmSync(join(ws.dir, 'pipelines', 'build.yaml'));
    await d.store.getState().actions.pipelines.reloadLocal();
    await d.waitFor(/local · build · run \S+: no longer listed/);
    expect(d.frame()).toContain('Its pipeline file was deleted or renamed');
    expect(d.frame()).not.toContain('build.yaml');
    expect(await hintLine()).toMatch(/^Esc back {2}\/ search {2}\? help/);
    await d.resize(200, 60);
    await d.press('?');
    const help = await d.waitFor('Keys of this screen');
    expect(help).toMatch(/j ↓ +Scroll down/);
    expect(help).toMatch(/\/ +Search: text/);
    expect(help).not.toMatch(
      /older run|newer run|Re-run the failed|Cancel the run|Copy the run|Sort by next|Filter:/,
    );
    await d.press('esc', 'esc');
    await d.waitFor(/github +web +CI +main +failed/);
    expect(d.frame()).not.toContain('no longer listed');
  });

  it('a local step whose needs have not passed shows waiting with no job, and Enter on it says what it waits for', async () => {
    // lint and test run until the gate file is there: build, which needs both, waits for them meanwhile.
    const gate = join(ws.dir, 'gate');
    const held = `[sh, -c, 'while [ ! -f "${gate}" ]; do sleep 0.05; done; echo "$INFRADECK_STEP done"']`;
    writeFileSync(
      join(ws.dir, 'pipelines', 'gated.yaml'),
      `name: gated
steps:
  - name: lint
    run: ${held}
  - name: test
    run: ${held}
  - name: build
    needs: [lint, test]
    run: [sh, -c, 'echo built']
`,
    );
    const d = await openTab();
    await d.press('j');
    await d.waitFor(/^> local +- +gated/m);
    await d.press('t');
    await d.waitFor('Run pipeline gated now?');
    await d.press('y');
    // The run's row reads running while its steps wait (its duration counts from its start).
    await d.waitFor(/local +- +gated +running/);
    await d.press('enter');
    await d.waitFor(/local · gated · run \S+ · RUNNING/);
    const waiting = await d.waitFor(/lint +running[\s\S]*test +running/);
    const buildLine = waiting.split('\n').find((l) => /^\S* *build /.test(l.replace(/^> /, ''))) ?? '';
    expect(buildLine).toMatch(/build +waiting +— *$/);
    expect(waiting).not.toMatch(/build +queued/);
    expect(waiting).toMatch(/3 steps · 1 waiting/);

    await d.press('G', 'enter');
    await d.toasted('build waits for: lint, test');
    // Nothing opened: still the run's steps.
    expect(d.store.getState().pipelines.openJob).toBeUndefined();
    expect(d.frame()).toMatch(/build +waiting/);

    writeFileSync(gate, '');
    await d.waitFor(/build +passed/);
    await d.press('enter');
    await d.waitFor('built');
  });

  it("a run's hint line at 80 columns offers c cancel while it runs and R re-run failed once it ended", async () => {
    const gate = join(ws.dir, 'gate');
    writeFileSync(
      join(ws.dir, 'pipelines', 'held.yaml'),
      `name: held
steps:
  - name: wait
    run: [sh, -c, 'while [ ! -f "${gate}" ]; do sleep 0.05; done; exit 3']
`,
    );
    const d = await openTab({ size: { columns: 80, rows: 24 } });
    await d.press('j');
    await d.waitFor(/^> local +- +held/m);
    await d.press('t');
    await d.waitFor('Run pipeline held now?');
    await d.press('y');
    await d.waitFor(/local +- +held +running/);
    await d.press('enter');
    await d.waitFor(/wait +running/);
    const hints = (f: string) => f.split('\n').at(-2) ?? '';
    // The message line (`run 1 of held started`, then its failure) goes: the hints are on its row.
    const dismissed = (f: string) => {
      d.store.getState().actions.ui.dismissToasts(0, Date.now() + 60_000);
      return f;
    };
    const running = await d.waitFor((f) => hints(dismissed(f)).includes('c cancel'));
    expect(hints(running)).not.toContain('re-run');
    writeFileSync(gate, '');
    await d.waitFor(/local · held · run \S+ · FAILED/);
    const ended = await d.waitFor((f) => hints(dismissed(f)).includes('R re-run failed'));
    expect(hints(ended)).not.toContain('cancel');
  });

  it('a running local step that printed nothing says no output yet, and no output once it ended', async () => {
    const gate = join(ws.dir, 'gate');
    writeFileSync(
      join(ws.dir, 'pipelines', 'quiet.yaml'),
      `name: quiet
steps:
  - name: wait
    run: [sh, -c, 'while [ ! -f "${gate}" ]; do sleep 0.05; done']
`,
    );
    const d = await openTab();
    await d.press('j');
    await d.waitFor(/^> local +- +quiet/m);
    await d.press('t');
    await d.waitFor('Run pipeline quiet now?');
    await d.press('y');
    await d.waitFor(/local +- +quiet +running/);
    await d.press('enter');
    await d.waitFor(/wait +running/);
    // The run going on says how long it has run, not what it took.
    const view = await d.waitFor(/^the only run · .*running for \S+$/m);
    expect(view).not.toMatch(/took /);
    await d.press('enter');
    const running = await d.waitFor(/› wait · RUNNING/);
    await d.waitFor(/^no output yet/m);
    expect(running).not.toMatch(/^no output$/m);
    writeFileSync(gate, '');
    await d.waitFor(/› wait · PASSED/);
    await d.waitFor(/^no output$/m);
  });

  it('t on a GitHub workflow asks the branch and its inputs, then a ci job dispatches it', async () => {
    const d = await openTab();
    await d.press('j', 't');
    await d.waitFor('Trigger CI on github.com (acme/web)');
    expect(d.frame()).toContain('environment');
    await d.press('enter', 'enter');
    await d.waitFor('environment is empty');
    await d.type('prod');
    api.on('POST /repos/acme/web/actions/workflows/ci.yml/dispatches', { status: 204, headers: quota(4980) });
    await d.press('enter');
    await d.waitFor('input "environment": "prod" is not one of staging, production');
    for (let i = 0; i < 4; i++) await d.press('backspace');
    await d.type('staging');
    await d.press('enter');
    await d.waitFor(/queued ci job \S+: CI on main in acme\/web/);
    const deadline = Date.now() + 4000;
    while (api.requestsTo('/dispatches').length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    const [dispatch] = api.requestsTo('/dispatches');
    expect(JSON.parse(dispatch.body)).toEqual({ ref: 'main', inputs: { environment: 'staging' } });
  });

  it('t on a GitHub workflow starts from the clone’s branch, as pipeline run and the GitLab form do, not the last run’s', async () => {
    execFileSync('git', ['-C', ws.clone('web'), 'symbolic-ref', 'HEAD', 'refs/heads/release/2026.1']);
    const d = await openTab();
    await d.press('j', 't');
    const form = await d.waitFor('Trigger CI on github.com (acme/web)');
    expect(form).toMatch(/branch +release\/2026\.1/);
    await d.press('enter');
    await d.type('staging');
    api.on('POST /repos/acme/web/actions/workflows/ci.yml/dispatches', { status: 204, headers: quota(4980) });
    await d.press('enter');
    await d.waitFor(/queued ci job \S+: CI on release\/2026\.1 in acme\/web/);
    const deadline = Date.now() + 4000;
    while (api.requestsTo('/dispatches').length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    const [dispatch] = api.requestsTo('/dispatches');
    expect(JSON.parse(dispatch.body)).toEqual({ ref: 'release/2026.1', inputs: { environment: 'staging' } });
  });

  it('R and c on a GitHub run ask first, then go as ci jobs', async () => {
    const d = await openTab();
    await d.press('j', 'R');
    await d.waitFor('Re-run the failed jobs of CI (run 42)?');
    api.on(`POST ${runs}/42/rerun-failed-jobs`, { status: 201, headers: quota(4970), body: {} });
    await d.press('y');
    await d.waitFor(/queued ci job \S+: re-run the failed jobs of run 42/);
    const deadline = Date.now() + 4000;
    while (api.requestsTo('/rerun-failed-jobs').length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    expect(api.requestsTo('/rerun-failed-jobs')).toHaveLength(1);
    await d.press('c');
    await d.waitFor('run 42 of CI is failed: nothing to cancel');
  });

  it('refuses t, R and c in read-only mode and says so', async () => {
    const d = await openTab({ readOnly: true });
    const said = (pattern: RegExp) => () => pattern.test(d.store.getState().ui.lastError?.text ?? '');
    await d.press('t');
    await d.waitFor(said(/^trigger build: refused: pipeline job .*read-only mode/));
    await d.press('j', 'R');
    await d.waitFor(said(/^re-run CI run 42: refused: ci job .*read-only mode/));
    await d.press('c');
    await d.waitFor(said(/^cancel CI run 42: refused: ci job .*read-only mode/));
    await d.press('t');
    await d.waitFor(said(/^trigger CI: refused: ci job .*read-only mode/));
    expect(api.requestsTo('/rerun-failed-jobs')).toHaveLength(0);
    expect(d.frame()).toContain('READ-ONLY');
  });

  it('keeps the last known runs, marked stale, when GitHub refuses the token', async () => {
    const d = await openTab();
    api.on(`GET ${runs}`, { status: 401, headers: quota(4989), body: { message: 'Bad credentials' } });
    await d.press('r');
    await d.waitFor(/github +web +CI +main +failed\*/);
    expect(d.frame()).toContain('* 1 stale');
    await d.waitFor(/GitHub refused the token from GITHUB_TOKEN \(401 Bad credentials\)/);
  });

  it('fits 80x24 with the identifying columns, and shows the detail at 200x50', async () => {
    const d = await openTab({ size: { columns: 80, rows: 24 }, lists: 2 });
    const lines = d.lines();
    expect(lines.length).toBeLessThanOrEqual(24);
    const header = lines.find((l) => l.includes('PIPELINE')) ?? '';
    for (const title of ['SOURCE', 'REPO', 'PIPELINE', 'BRANCH', 'STATUS', 'AGE', 'DURATION', 'RUNS'])
      expect(header).toContain(title);
    expect(lines[0]).toContain('9 CI');
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
    await d.resize(200, 50);
    expect(d.frame()).toMatch(/cccc\S* · push · by octocat/);
    await d.press('?');
    await d.waitFor('Re-run the failed jobs / steps of the run');
  });

  it('keeps the pipeline names whole at 60 columns: the times give way first', async () => {
    writeFileSync(
      join(ws.dir, 'pipelines', 'deploy-production.yaml'),
      'name: deploy-production\nsteps:\n  - name: ship\n    run: [echo, shipped]\n',
    );
    const d = await openTab({ size: { columns: 60, rows: 20 } });
    const f = await d.waitFor(/local +- +deploy-production +never run/);
    for (const line of f.split('\n')) expect(line.length).toBeLessThanOrEqual(60);
    expect(f).toMatch(/github +web +CI +main +failed/);
  });

  it('Enter on a repository without a usable origin says why with a warning mark, not ✓', async () => {
    // A folder listed in repos.yaml that is not a git repository: its row reads `no remote`.
    mkdirSync(join(ws.dir, 'plain'));
    writeFileSync(
      join(ws.dir, 'repos.yaml'),
      `${readFileSync(join(ws.dir, 'repos.yaml'), 'utf8')}  - name: plain\n    path: plain\n`,
    );
    const d = await openTab();
    await d.press('/');
    await d.type('plain');
    await d.press('enter');
    await d.waitFor(/plain +.*cannot read origin/);
    await d.press('enter');
    const f = await d.waitFor(/plain: cannot read origin: /);
    const line = f.split('\n').find((l) => l.includes('plain: cannot read origin')) ?? '';
    expect(line).toMatch(/^! plain: cannot read origin: .*not a git repository/);
    expect(f).not.toContain('✓ plain');
  });

  it('gives the Repositories tab a CI column: the last run, marked * when stale', async () => {
    const d = await openTab({ size: { columns: 80, rows: 24 } });
    await d.press('2');
    await d.waitFor(/web +\S+ +\d+ +— +failed/);
    const header = d.lines().find((l) => l.includes('NAME')) ?? '';
    expect(header).toMatch(/NAME +BRANCH +CHG UPSTREAM CI/);
    api.on(`GET ${runs}`, { status: 401, headers: quota(4989), body: { message: 'Bad credentials' } });
    await d.press('9', 'r');
    await d.waitFor(/failed\*/);
    await d.press('2');
    await d.waitFor(/web +\S+ +\d+ +— +failed\*/);
  });
});
