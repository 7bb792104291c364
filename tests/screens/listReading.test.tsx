import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseSchedulesFile } from '../../src/domain/scheduleSource';
import { deckAiFor } from '../../src/services/ai/deckAi';
import { deckBatchesFor } from '../../src/services/batch/deckBatches';
import type { DeckServices } from '../../src/state/deckServices';
import { memoryDeckBus } from '../harness/memoryDeckBus';
import { type DeckSession, startDeck } from '../harness/startDeck';
import { stubAwsIdentity, stubDeckCloud } from '../harness/stubServices';
import { fakePipelines, pipelineWorkspace } from '../state/pipelinesHarness';

/** A promise the test settles when it wants: the read that is still on its way. */
function gate() {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

let deck: DeckSession | undefined;
const cleanups: Array<() => void> = [];

afterEach(() => {
  deck?.unmount();
  deck = undefined;
  for (const c of cleanups.splice(0)) c();
});

describe('a list still being read says so, and says it is empty only once read', () => {
  it('Pipelines: `reading pipelines…` in the summary and the table, not `0 pipelines`; then the empty text', async () => {
    const ws = pipelineWorkspace([]);
    cleanups.push(ws.remove);
    const real = fakePipelines(ws.dir, {});
    const files = gate();
    const pipelines: DeckServices['pipelines'] = {
      ...real,
      loadLocal: async () => {
        await files.promise;
        return real.loadLocal();
      },
    };
    deck = await startDeck({ services: { pipelines }, size: { columns: 80, rows: 24 } });
    await deck.press('9');
    const reading = await deck.waitFor('reading pipelines…');
    expect(reading).toMatch(/^ reading pipelines… · /m);
    expect(reading).not.toContain('0 pipelines');
    expect(reading).not.toContain('No pipelines');

    files.open();
    const read = await deck.waitFor('No pipelines: add pipelines/NAME.yaml');
    expect(read).toContain(' 0 pipelines · ');
    expect(read).not.toContain('reading pipelines…');
  });

  it('Servers: `reading servers.yaml and the instances…`, not "No servers. Add hosts…", until servers.yaml is read', async () => {
    const file = gate();
    const servers: DeckServices['servers'] = {
      list: async () => {
        await file.promise;
        return { rows: [], errors: [] };
      },
      probe: () => () => {},
      ssh: async () => {
        throw new Error('not in this test');
      },
    };
    deck = await startDeck({ services: { servers }, size: { columns: 80, rows: 24 } });
    await deck.press('6');
    const reading = await deck.waitFor('reading servers.yaml and the instances…');
    expect(reading).not.toContain('No servers');
    expect(reading).not.toContain('no hosts');
    expect(reading).not.toContain('0 EC2 instances');

    file.open();
    const read = await deck.waitFor('No servers. Add hosts to servers.yaml');
    expect(read).not.toContain('reading servers.yaml');
  });

  it('Scheduler: the empty text waits for schedules.yaml to be read', async () => {
    const file = gate();
    const dir = '/nonexistent/ws';
    const schedules: DeckServices['schedules'] = {
      file: join(dir, 'schedules.yaml'),
      load: async () => {
        await file.promise;
        return parseSchedulesFile(join(dir, 'schedules.yaml'), 'schedules: []\n', 'UTC');
      },
      watch: async () => ({ close: async () => {} }),
      setEnabled: async () => {
        throw new Error('not in this test');
      },
      contents: async () => '',
      editor: () => ({ program: 'vi', args: [] }),
    };
    deck = await startDeck({ services: { schedules }, size: { columns: 80, rows: 24 } });
    await deck.press('7');
    const reading = await deck.waitFor(/^ {2}reading schedules\.yaml…/m);
    expect(reading).not.toContain('No schedules');

    file.open();
    const read = await deck.waitFor('No schedules in schedules.yaml (E edits it).');
    expect(read).not.toContain('reading schedules.yaml');
  });

  it('Repositories and Deployments: the summary says what is read, not `0 repositories` / `0 projects`', async () => {
    const list = gate();
    const folder = gate();
    const repos: DeckServices['repos'] = {
      list: async () => {
        await list.promise;
        return { rows: [], errors: [] };
      },
      details: async (entry) => ({ entry, status: [], log: [] }),
    };
    const projects: DeckServices['projects'] = {
      dir: '/work/data/projects',
      list: async () => {
        await folder.promise;
        return [];
      },
      watch: async () => ({ close: async () => {} }),
      saveNew: async () => {
        throw new Error('not in this test');
      },
      editor: (file) => ({ program: 'vi', args: [file] }),
    };
    deck = await startDeck({ services: { repos, projects }, size: { columns: 80, rows: 24 } });
    await deck.press('2');
    const repoFrame = await deck.waitFor(/^ ?reading repositories…$/m);
    expect(repoFrame).not.toContain('0 repositories');
    expect(repoFrame).not.toContain('No repositories');
    list.open();
    await deck.waitFor('No repositories. List them in repos.yaml');

    await deck.press('4');
    const projectFrame = await deck.waitFor(/^ reading the projects folder… · /m);
    expect(projectFrame).not.toContain('0 projects');
    folder.open();
    const read = await deck.waitFor('No blueprints in the projects folder yet');
    expect(read).toContain(' 0 projects · ');
  });

  it('Jobs: `reading the job queue…`, not `0 jobs` and "No jobs yet", until the queue first answers', async () => {
    const { bus, deckBus } = memoryDeckBus();
    cleanups.push(() => void bus.close());
    const answer = gate();
    // The queue is a class: its other methods stay as they are, `list` waits for the test.
    const real = deckBus.queue;
    const queue: typeof real = Object.assign(Object.create(real), {
      list: async (...args: Parameters<typeof real.list>) => {
        await answer.promise;
        return real.list(...args);
      },
    });
    deck = await startDeck({ bus: { ...deckBus, queue }, size: { columns: 80, rows: 24 } });
    await deck.press('5');
    const reading = await deck.waitFor(/^ reading the job queue… run in-process/m);
    expect(reading).not.toContain('No jobs yet');
    expect(reading).not.toContain('0 jobs');
    answer.open();
    const read = await deck.waitFor('No jobs yet. Start one with :run');
    expect(read).toContain(' 0 jobs run in-process');
  });

  it('Resources: while the cloud opens, not `0 resources` and "Nothing scanned yet", which its cached scans may belie', async () => {
    const opened = gate();
    const cloud = stubDeckCloud({
      open: async () => {
        await opened.promise;
        return { ...stubAwsIdentity };
      },
    });
    deck = await startDeck({ services: { cloud }, size: { columns: 80, rows: 24 } });
    await deck.press('3');
    const reading = await deck.waitFor(/^ {2}reading the cloud…/m);
    expect(reading).toMatch(/^ all types · opening the cloud…/m);
    expect(reading).not.toContain('0 resources');
    expect(reading).not.toContain('Nothing scanned yet');
    opened.open();
    const read = await deck.waitFor('Nothing scanned yet. Press s to scan every region');
    expect(read).toContain(' 0 resources · ');
  });

  it('AI: `reading experiments…` in the summary, not `0 experiments`, until ai/experiments/ is read', async () => {
    const ws = pipelineWorkspace([]);
    cleanups.push(ws.remove);
    const folder = gate();
    const real = deckAiFor({ dataDir: ws.dir, env: {} });
    const ai: DeckServices['ai'] = {
      ...real,
      loadExperiments: async () => {
        await folder.promise;
        return [];
      },
    };
    deck = await startDeck({ services: { ai }, size: { columns: 80, rows: 24 } });
    deck.store.getState().actions.ui.showTab('ai');
    const reading = await deck.waitFor(/^ reading experiments… · 0 runs/m);
    expect(reading).not.toContain('0 experiments');
    expect(reading).not.toContain('No experiments');
    folder.open();
    const read = await deck.waitFor('No experiments: add ai/experiments/NAME.yaml');
    expect(read).toContain(' 0 experiments · ');
  });

  it('Batch: "No batch runs, and no batches/*.yaml" waits for batches/ to be read', async () => {
    const ws = pipelineWorkspace([]);
    cleanups.push(ws.remove);
    mkdirSync(join(ws.dir, 'batches'));
    writeFileSync(join(ws.dir, 'servers.yaml'), 'servers: []\n');
    const folder = gate();
    const real = deckBatchesFor(ws.dir, {});
    const batches: DeckServices['batches'] = {
      ...real,
      load: async () => {
        await folder.promise;
        return real.load();
      },
    };
    deck = await startDeck({ services: { batches }, size: { columns: 80, rows: 24 } });
    await deck.press('8');
    const reading = await deck.waitFor(/^ {2}reading batches\/…/m);
    expect(reading).not.toContain('No batch runs');
    folder.open();
    await deck.waitFor('No batch runs, and no batches/*.yaml in the workspace');
  });
});
