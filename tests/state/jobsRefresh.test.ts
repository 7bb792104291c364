import { describe, expect, it } from 'vitest';
import type { JobStatus, JobView } from '../../src/domain/job';
import { jobTally } from '../../src/state/selectors/jobs';
import { createDeckStore } from '../../src/state/store';
import { stubDeckBus } from '../harness/stubServices';

const repos = {
  list: async () => ({ rows: [], errors: [] }),
  details: async () => {
    throw new Error('not used');
  },
};
const init = { dataDir: '/srv/deck', readOnly: false, configPath: '/srv/deck/config.yaml', tab: 'jobs' };

function job(id: number, over: Partial<JobView> = {}): JobView {
  return {
    id: String(id),
    kind: 'command',
    status: 'completed',
    step: 1,
    total: 1,
    attempts: 1,
    maxAttempts: 1,
    requestedBy: { user: 'ada', host: 'jump1' },
    createdAt: 1_000 + id,
    finishedAt: 1_100 + id,
    payload: { program: 'true', args: [] },
    result: { exitCode: 0, output: ['ok'] },
    runs: [{ attempt: 1, startedAt: 1_050 + id, finishedAt: 1_100 + id, outcome: 'completed', worker: 'w1' }],
    ...over,
  };
}

/** A queue that answers every `list()` and `counts()` with fresh copies, as one read from Redis does. */
function queueOf(jobs: JobView[]) {
  const queue = { jobs };
  const counts = (): Record<JobStatus, number> => ({
    queued: 0,
    active: 0,
    waiting: 0,
    paused: 0,
    delayed: 0,
    completed: queue.jobs.length,
    failed: 0,
    cancelled: 0,
    approval_pending: 0,
    rejected: 0,
  });
  const bus = stubDeckBus({
    queue: { list: async () => structuredClone(queue.jobs), counts: async () => counts() },
  });
  return { queue, store: createDeckStore({ repos, bus }, init) };
}

describe('a refresh of the jobs that brings nothing new', () => {
  it('keeps the table, its records and the counts, so no screen draws again', async () => {
    const { store } = queueOf(Array.from({ length: 500 }, (_, i) => job(i)));
    await store.getState().actions.jobs.refresh();
    const before = store.getState().jobs;
    const tally = jobTally(before);
    let tableChanges = 0;
    const unsubscribe = store.subscribe((s, prev) => {
      if (s.jobs.byId !== prev.jobs.byId || s.jobs.counts !== prev.jobs.counts) tableChanges++;
    });

    await store.getState().actions.jobs.refresh();
    unsubscribe();

    const after = store.getState().jobs;
    expect(tableChanges).toBe(0);
    expect(after.byId).toBe(before.byId);
    expect(after.counts).toBe(before.counts);
    expect(jobTally(after)).toBe(tally); // the Dashboard's counts and failures
  });

  it('replaces only the records that changed', async () => {
    const { queue, store } = queueOf([job(1), job(2, { status: 'active', finishedAt: undefined }), job(3)]);
    await store.getState().actions.jobs.refresh();
    const before = store.getState().jobs.byId;

    queue.jobs = [job(1), job(2), job(3)]; // job 2 finished
    await store.getState().actions.jobs.refresh();

    const after = store.getState().jobs.byId;
    expect(after).not.toBe(before);
    expect(after.get('2')?.status).toBe('completed');
    expect(after.get('2')).not.toBe(before.get('2'));
    expect(after.get('1')).toBe(before.get('1'));
    expect(after.get('3')).toBe(before.get('3'));
  });

  it('still takes a change deep inside a record (a run that ended, a result)', async () => {
    const { queue, store } = queueOf([job(1)]);
    await store.getState().actions.jobs.refresh();
    const before = store.getState().jobs.byId.get('1');

    queue.jobs = [job(1, { result: { exitCode: 0, output: ['ok', 'more'] } })];
    await store.getState().actions.jobs.refresh();

    const after = store.getState().jobs.byId.get('1');
    expect(after).not.toBe(before);
    expect(after?.result).toEqual({ exitCode: 0, output: ['ok', 'more'] });
  });
});

describe('a refresh after jobs went without an event', () => {
  const counts = (over: Partial<Record<JobStatus, number>>): Record<JobStatus, number> => ({
    queued: 0,
    active: 0,
    waiting: 0,
    paused: 0,
    delayed: 0,
    completed: 0,
    failed: 0,
    cancelled: 0,
    approval_pending: 0,
    rejected: 0,
    ...over,
  });

  it('drops an unfinished row the queue no longer has, keeps one it finds by id, asks nothing past a full list', async () => {
    const tick = job(1, { status: 'delayed', finishedAt: undefined, runs: [] });
    const moved = job(2, { status: 'queued', finishedAt: undefined, runs: [] });
    const backlog = job(3, { status: 'active', finishedAt: undefined });
    const state = { listed: [tick, moved, backlog], counts: counts({ delayed: 1, queued: 1, active: 1 }) };
    const asked: string[] = [];
    const bus = stubDeckBus({
      queue: {
        list: async () => structuredClone(state.listed),
        counts: async () => state.counts,
        get: async (id) => {
          asked.push(id);
          return id === '2' ? job(2) : undefined;
        },
      },
    });
    const store = createDeckStore({ repos, bus }, init);
    await store.getState().actions.jobs.refresh();
    expect([...store.getState().jobs.byId.keys()].sort()).toEqual(['1', '2', '3']);

    // The tick was dropped; job 2 finished but is past the list's end; 600 jobs run, the list brought none of them.
    state.listed = [];
    state.counts = counts({ completed: 900, active: 600 });
    await store.getState().actions.jobs.refresh();

    const byId = store.getState().jobs.byId;
    expect(byId.has('1')).toBe(false);
    expect(byId.get('2')?.status).toBe('completed');
    expect(byId.get('3')?.status).toBe('active');
    expect(asked.sort()).toEqual(['1', '2']);
  });
});
