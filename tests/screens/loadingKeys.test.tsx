import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DeckServices } from '../../src/state/deckServices';
import { type DeckSession, startDeck } from '../harness/startDeck';
import { fakePipelines, pipelineWorkspace } from '../state/pipelinesHarness';

/** A promise the test settles when it wants: the read that is still on its way when a key is pressed. */
function gate<T>() {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

const toastTexts = (d: DeckSession) => d.store.getState().ui.toasts.map((t) => t.text);

let deck: DeckSession | undefined;
let ws: ReturnType<typeof pipelineWorkspace>;

beforeEach(() => {
  ws = pipelineWorkspace([], ['build']);
});

afterEach(() => {
  deck?.unmount();
  deck = undefined;
  ws.remove();
});

describe('a row key pressed while the list is still loading', () => {
  it('Pipelines: Enter and t say the pipelines are still loading; r and j still work; Enter acts once they show', async () => {
    const real = fakePipelines(ws.dir, {});
    const files = gate<void>();
    let reads = 0;
    const pipelines: DeckServices['pipelines'] = {
      ...real,
      loadLocal: async () => {
        reads++;
        await files.promise;
        return real.loadLocal();
      },
    };
    deck = await startDeck({ services: { pipelines }, size: { columns: 120, rows: 30 } });
    await deck.press('9');
    await deck.waitFor('reading pipelines…');

    await deck.press('enter');
    await deck.waitFor('Enter: still loading pipelines…');
    await deck.press('t');
    await deck.toasted('t: still loading pipelines…');
    // Keys that need no row are not answered so: r reads again, j moves (nowhere yet).
    const before = reads;
    const told = toastTexts(deck).length;
    await deck.press('r', 'j');
    expect(reads).toBeGreaterThan(before);
    expect(
      toastTexts(deck)
        .slice(told)
        .filter((t) => t.includes('still loading')),
    ).toEqual([]);

    files.open();
    await deck.waitFor(/local +- +build +never run/);
    await deck.press('enter');
    await deck.toasted('build: no runs yet (t starts one)');
    await deck.press('t');
    await deck.waitFor('Run pipeline build now?');
  });

  it('Repositories: Enter says the repositories are still loading, then opens the row once read', async () => {
    const list = gate<void>();
    const app = { name: 'app', path: '/srv/app', source: 'repos.yaml' as const };
    const repos: DeckServices['repos'] = {
      list: async () => {
        await list.promise;
        return {
          rows: [{ kind: 'ok', entry: app, branch: 'main', detached: false, changed: 0 }],
          errors: [],
        };
      },
      details: async (entry) => ({ entry, status: ['## main'], log: [] }),
    };
    deck = await startDeck({ services: { repos }, size: { columns: 120, rows: 30 } });
    await deck.press('2');
    await deck.waitFor('reading repositories…');
    await deck.press('enter');
    await deck.waitFor('Enter: still loading repositories…');

    list.open();
    await deck.waitFor(/app +main/);
    await deck.press('enter');
    await deck.waitFor('## main');
    expect(deck.store.getState().repos.details?.entry.name).toBe('app');
  });

  it('Deployments: D says the projects folder is still being read; n (no row needed) opens the wizard', async () => {
    const folder = gate<void>();
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
    deck = await startDeck({ services: { projects }, size: { columns: 120, rows: 30 } });
    await deck.press('4');
    await deck.waitFor('reading the projects folder…');
    await deck.press('D');
    await deck.waitFor('D: still loading the projects folder…');
    await deck.press('n');
    expect(deck.store.getState().projects.wizard).toBe(true);
    folder.open();
  });
});
