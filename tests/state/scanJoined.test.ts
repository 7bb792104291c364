import { describe, expect, it } from 'vitest';
import type { JobView } from '../../src/domain/job';
import { joinedScanNote } from '../../src/domain/scanRequest';
import { createDeckStore } from '../../src/state/store';
import { stubDeckBus, stubDeckCloud } from '../harness/stubServices';

const repos = {
  list: async () => ({ rows: [], errors: [] }),
  details: async () => {
    throw new Error('not used');
  },
};
const init = { dataDir: '/srv/deck', readOnly: false, configPath: '/srv/deck/config.yaml', tab: 'resources' };
const ada = { user: 'ada', host: 'jump1' };

const scanJob = (view: Partial<JobView>): JobView => ({
  id: 'idem-4f2a9c01b3',
  kind: 'scan',
  status: 'queued',
  step: 0,
  total: 0,
  attempts: 0,
  maxAttempts: 3,
  requestedBy: ada,
  createdAt: 0,
  payload: { account: '123456789012' },
  ...view,
});

/**
 * A console on a queue that already holds this minute's scan (`earlier`, stamped when asked) or, without one,
 * queues a new scan at the press. The cache is fresh, so opening the cloud scans nothing by itself.
 */
async function pressScan(earlier?: (at: number) => Partial<JobView>) {
  let held: JobView | undefined;
  const bus = stubDeckBus({
    queue: {
      enqueue: async (spec) => {
        held ??= scanJob({ createdAt: Date.now(), requestedBy: spec.requestedBy });
        return held.id;
      },
      get: async (id) => (id === held?.id ? held : undefined),
    },
  });
  const cloud = stubDeckCloud({
    cachedScans: async () => ({
      scans: [{ account: '123456789012', region: 'eu-west-1', scannedAt: Date.now(), resources: [] }],
      unread: [],
    }),
  });
  const store = createDeckStore({ repos, cloud, bus }, init);
  const { actions } = store.getState();
  await actions.cloud.connect();
  if (earlier) held = scanJob(earlier(Date.now()));
  await actions.cloud.scan();
  return store.getState().ui.toasts.map((t) => t.text);
}

describe('s within the minute of another scan', () => {
  it('says it joined the scan that is running, and since when', async () => {
    const said = await pressScan((at) => ({
      status: 'active',
      createdAt: at - 21_000,
      startedAt: at - 20_000,
    }));
    expect(said).toContainEqual(
      expect.stringMatching(/^scan: joined job idem-4f2a9c01b3, started \d+ s ago; s scans again in \d+ s$/),
    );
    expect(said.join('\n')).not.toContain('queued');
  });

  it('says it joined the scan just done', async () => {
    const said = await pressScan((at) => ({
      status: 'completed',
      createdAt: at - 40_000,
      startedAt: at - 40_000,
      finishedAt: at - 30_000,
    }));
    expect(said).toContainEqual(expect.stringMatching(/^scan: joined job idem-4f2a9c01b3, done \d+ s ago; /));
  });

  it("joins another console's scan even when that host's clock runs ahead of ours", async () => {
    const said = await pressScan((at) => ({
      createdAt: at + 5_000,
      requestedBy: { user: 'bo', host: 'jump2' },
    }));
    expect(said).toContainEqual(expect.stringMatching(/^scan: joined job idem-4f2a9c01b3, queued /));
  });

  it('says a new scan is queued when there was none', async () => {
    expect(await pressScan()).toContain('scan: job idem-4f2a9c01b3 queued');
  });
});

describe('the words of a joined scan', () => {
  const minute = 29_000_000 * 60_000;
  it('say what the scan does and since when, and when s starts a new one', () => {
    const at = minute + 20_000;
    const note = (view: Partial<JobView>) => joinedScanNote(scanJob(view), at);
    expect(note({ status: 'active', createdAt: at - 3_000, startedAt: at - 2_000 })).toBe(
      'scan: joined job idem-4f2a9c01b3, started 2 s ago; s scans again in 40 s',
    );
    expect(note({ status: 'queued', createdAt: at - 15_000 })).toBe(
      'scan: joined job idem-4f2a9c01b3, queued 15 s ago; s scans again in 40 s',
    );
    expect(note({ status: 'completed', createdAt: at - 19_000, finishedAt: at - 12_000 })).toBe(
      'scan: joined job idem-4f2a9c01b3, done 12 s ago; s scans again in 40 s',
    );
    expect(note({ status: 'failed', createdAt: at - 19_000, finishedAt: at - 9_000 })).toBe(
      'scan: joined job idem-4f2a9c01b3, failed 9 s ago; s scans again in 40 s',
    );
  });
});
