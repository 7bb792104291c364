import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { consoleCloud } from '../../src/consoleCloud';
import { deckProjectsFor } from '../../src/openWorkspace';
import { startDemoConsole } from '../harness/demoConsole';
import type { DeckSession } from '../harness/startDeck';
import { exampleText, rowOf } from './deploymentsHarness';

// Issue 11 §13: after a restart a project read `provisioned` and `not deployed` at once (the cached scan was
// from before the deploy). The deploy now keeps the cached scan current, and a row never says both.
let dir: string;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
  rmSync(dir, { recursive: true, force: true });
});

/** The console as `npm start` opens it on `dir`: the DEMO cloud, in-process workers, the scan cache. */
async function openConsole(): Promise<DeckSession> {
  const cloud = consoleCloud(dir, {});
  const { deck, bus } = await startDemoConsole(dir, {
    cloud,
    handlers: { pollMs: 5 },
    services: { projects: deckProjectsFor(dir, {}, cloud.provider) },
    size: { columns: 110, rows: 30 },
  });
  closers.push(async () => {
    deck.unmount();
    await bus.close();
  });
  return deck;
}

const jobDone = (deck: DeckSession, kind: string) =>
  deck.waitFor(
    () =>
      [...deck.store.getState().jobs.byId.values()].some((j) => j.kind === kind && j.status === 'completed'),
    20_000,
  );

describe('a project after the console restarts', () => {
  it('reads provisioned and in sync, and vanished (never not deployed) once the cloud has none of it', {
    timeout: 60_000,
  }, async () => {
    dir = mkdtempSync(join(tmpdir(), 'infradeck-restart-'));
    mkdirSync(join(dir, 'projects'));
    writeFileSync(join(dir, 'projects', 'shop.yaml'), exampleText('shop'));

    const first = await openConsole();
    await jobDone(first, 'scan');
    await first.press('4');
    await first.waitFor((f) => /not deployed/.test(rowOf(f, 'shop')));
    await first.store.getState().actions.projects.deploy('shop');
    await jobDone(first, 'deploy');
    await first.waitFor((f) => /provisioned\s+done\s+in sync/.test(rowOf(f, 'shop')));
    // The servers as the cloud has them, told by the deploy itself: running.
    const servers = first.store.getState().cloud.index.query({ project: 'shop', type: 'instance' });
    expect(servers.map((r) => r.state)).toEqual(['running', 'running', 'running']);
    await closers.shift()?.();

    // The same workspace, a new console: the cached scan was updated by the deploy, so it is not rescanned
    // and the row agrees with the state file.
    const second = await openConsole();
    await second.press('4');
    const f = await second.waitFor((frame) => /provisioned/.test(rowOf(frame, 'shop')));
    expect(rowOf(f, 'shop')).toMatch(/shop\s+provisioned\s+done\s+in sync\s+eu-west-1/);
    expect(second.store.getState().cloud.index.query({ project: 'shop', type: 'instance' })).toHaveLength(3);

    // This console's DEMO cloud is a new pretend account without shop: asked (p), it has none of it.
    await second.press('p');
    await second.waitFor(/Plan against the cloud/);
    await second.press('esc');
    const after = await second.waitFor((frame) => /vanished/.test(rowOf(frame, 'shop')));
    expect(rowOf(after, 'shop')).toMatch(/shop\s+provisioned\s+done\s+vanished/);
    expect(after).not.toMatch(/provisioned.*not deployed/);
  });
});
