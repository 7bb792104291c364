import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Bus } from '../../src/services/bus/contracts';
import { readRegionScan } from '../../src/services/cloud/scanCache';
import { waitFor } from '../bus/contractSuite';
import { startDemoConsole } from '../harness/demoConsole';
import type { DeckSession } from '../harness/startDeck';

const account = '000000000000';
let dir: string;
let deck: DeckSession | undefined;
let bus: Bus | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'infradeck-corrupt-cache-'));
});
afterEach(async () => {
  deck?.unmount();
  await bus?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A console on the demo cloud of workspace `dir`, its jobs run in-process, on the Resources tab. */
async function startConsole(workerDir = dir) {
  const started = await startDemoConsole(dir, {
    size: { columns: 140, rows: 30 },
    handlers: { dataDir: workerDir },
  });
  ({ deck, bus } = started);
  await started.deck.press('3');
  return started;
}

/** Runs the console once so that it scans and writes the cache, and closes it; when each scope was scanned. */
async function fillCache(): Promise<Map<string, number>> {
  const first = await startConsole();
  await first.deck.waitFor('7 scopes scanned', 10_000);
  const scanned = new Map(first.deck.store.getState().cloud.index.scans.map((s) => [s.region, s.scannedAt]));
  first.deck.unmount();
  await first.bus.close();
  deck = undefined;
  bus = undefined;
  return scanned;
}

const cacheFile = (scope: string) => join(dir, '.cache', account, `${scope}.json`);
const scanJobs = async (b: Bus) => (await b.queue.list()).filter((j) => j.kind === 'scan');

describe('a region whose cache file does not read', () => {
  it('is named with why, the other regions show, and that region alone is scanned again', async () => {
    const scanned = await fillCache();
    writeFileSync(cacheFile('eu-west-1'), '{"format": 1, "account": "0000');

    const { deck: d, bus: b } = await startConsole();
    const said = `${cacheFile('eu-west-1')}: not valid JSON; the region will be scanned again`;
    await waitFor('the problem said', () => d.store.getState().ui.messages.some((m) => m.text === said));
    expect(d.store.getState().ui.messages.find((m) => m.text === said)?.level).toBe('warn');

    // One scan job, of that region only: the six scopes that read are not scanned again.
    await waitFor('a scan job', async () => (await scanJobs(b)).length > 0);
    const [job] = await scanJobs(b);
    expect(job.payload).toEqual({ account, regions: ['eu-west-1'], buckets: false });
    expect(d.store.getState().ui.toasts.map((t) => t.text)).toContain(`scan eu-west-1: job ${job.id} queued`);
    await d.waitFor('7 scopes scanned', 10_000);
    expect((await b.queue.get(job.id))?.status).toBe('completed');
    expect((await readRegionScan(join(dir, '.cache'), account, 'eu-west-1')).status).toBe('ok');
    // The scopes that read are the cache's: as the first console scanned them.
    const index = d.store.getState().cloud.index;
    for (const [region, at] of scanned) {
      if (region === 'eu-west-1') expect(index.scan(region)?.scannedAt).toBeGreaterThan(at);
      else expect(index.scan(region)?.scannedAt, region).toBe(at);
    }

    // `:messages` names the file with its whole path.
    await d.press(':');
    await d.type('messages');
    await d.press('enter');
    await d.waitFor('eu-west-1.json: not valid JSON');

    // `s` in the same minute scans everything: it does not join the scan of one region.
    await d.press('escape', '3', 's');
    await waitFor('a second scan job', async () => (await scanJobs(b)).length === 2);
    expect((await scanJobs(b)).find((j) => j.id !== job.id)?.payload).toEqual({ account, buckets: true });
  });

  it('regions and the buckets that fail their schema are scanned again in one job', async () => {
    await fillCache();
    writeFileSync(
      cacheFile('us-east-1'),
      JSON.stringify({ format: 1, account, region: 'us-east-1', scanTime: 1, resources: 'none' }),
    );
    writeFileSync(cacheFile('global'), JSON.stringify({ format: 1, account, region: 'global' }));
    writeFileSync(cacheFile('eu-central-1'), JSON.stringify({ format: 0 }));

    const { deck: d, bus: b } = await startConsole();
    await waitFor('a scan job', async () => (await scanJobs(b)).length > 0);
    const messages = d.store.getState().ui.messages.map((m) => m.text);
    expect(messages).toEqual(
      expect.arrayContaining([
        `${cacheFile('eu-central-1')}: cache format 0, expected 1; the region will be scanned again`,
        expect.stringMatching(/global\.json: scanTime: .*; the buckets will be scanned again$/),
        expect.stringMatching(/us-east-1\.json: resources: .*; the region will be scanned again$/),
      ]),
    );
    const [job] = await scanJobs(b);
    expect(job.payload).toEqual({ account, regions: ['eu-central-1', 'us-east-1'], buckets: true });
    await waitFor('the job said', () =>
      d.store
        .getState()
        .ui.toasts.some(
          (t) => t.text === `scan eu-central-1, us-east-1 and the buckets: job ${job.id} queued`,
        ),
    );
    await waitFor('the job', async () => (await b.queue.get(job.id))?.status === 'completed');
    await d.waitFor('7 scopes scanned', 10_000);
    expect((await scanJobs(b)).length).toBe(1);
  });

  it('the buckets alone are scanned again, and nothing else', async () => {
    await fillCache();
    writeFileSync(cacheFile('global'), '');

    const { deck: d, bus: b } = await startConsole();
    await waitFor('a scan job', async () => (await scanJobs(b)).length > 0);
    expect(d.store.getState().ui.messages.map((m) => m.text)).toContain(
      `${cacheFile('global')}: not valid JSON; the buckets will be scanned again`,
    );
    const [job] = await scanJobs(b);
    expect(job.payload).toEqual({ account, regions: [], buckets: true });
    await d.waitFor('7 scopes scanned', 10_000);
  });

  it('is whole again after a scan by a worker with a workspace of its own, and the next start says nothing', async () => {
    await fillCache();
    writeFileSync(cacheFile('eu-west-1'), '{"format": 1, "account": "0000');
    // The worker on another host: it caches its scans under its own --data, never in this console's.
    const remote = mkdtempSync(join(tmpdir(), 'infradeck-remote-worker-'));
    try {
      const { deck: d, bus: b } = await startConsole(remote);
      await waitFor('a scan job', async () => (await scanJobs(b)).length > 0);
      await d.waitFor('7 scopes scanned', 10_000);
      await waitFor('the file written', async () => {
        return (await readRegionScan(join(dir, '.cache'), account, 'eu-west-1')).status === 'ok';
      });
      d.unmount();
      await b.close();
      deck = undefined;
      bus = undefined;

      const again = await startConsole(remote);
      await again.deck.waitFor('7 scopes scanned', 10_000);
      expect(
        again.deck.store
          .getState()
          .ui.messages.map((m) => m.text)
          .join('\n'),
      ).not.toContain('eu-west-1.json');
      expect(await scanJobs(again.bus)).toEqual([]);
    } finally {
      rmSync(remote, { recursive: true, force: true });
    }
  });
});
