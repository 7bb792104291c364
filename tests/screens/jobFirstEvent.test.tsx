import { afterEach, describe, expect, it } from 'vitest';
import type { DeckEvent } from '../../src/domain/event';
import type { JobView } from '../../src/domain/job';
import { type DeckSession, startDeck } from '../harness/startDeck';
import { stubDeckBus } from '../harness/stubServices';

let deck: DeckSession | undefined;
afterEach(() => deck?.unmount());

const bob = { user: 'bob', host: 'jump2' };

function event(type: string, data: Record<string, unknown>, message = type, at = Date.now()): DeckEvent {
  return { id: `${at}-${type}`, at, level: 'info', type, jobId: '8', source: bob, message, data };
}

/** Job 8 as the queue has it: a deploy of shop queued by another console. */
const deployView = (): JobView => ({
  id: '8',
  kind: 'deploy',
  status: 'active',
  step: 1,
  total: 12,
  message: 'created vpc vpc-1',
  attempts: 1,
  maxAttempts: 3,
  requestedBy: bob,
  createdAt: Date.now(),
  startedAt: Date.now(),
  payload: { project: 'shop', deployId: 'd-shop-1' },
});

/**
 * A console on a bus whose job 8 is seen first through its events (queued by another console): the queue's view of
 * it comes only when the test lets `get` answer.
 */
async function consoleSeeingJob8() {
  let deliver: ((e: DeckEvent) => void) | undefined;
  const calls = { list: 0, get: [] as string[] };
  let answer: (view: JobView) => void = () => {};
  const answered = new Promise<JobView>((resolve) => {
    answer = resolve;
  });
  const bus = stubDeckBus({
    events: {
      subscribe: (_from, onEvent) => {
        deliver = onEvent;
        return () => {};
      },
    },
    queue: {
      // The newest 500 do not hold it (nor does the list the console read before the job was queued).
      list: async () => {
        calls.list++;
        return [];
      },
      get: async (id) => {
        calls.get.push(id);
        return id === '8' ? answered : undefined;
      },
    },
  });
  deck = await startDeck({ bus, size: { columns: 120, rows: 20 } });
  await deck.press('5');
  await deck.waitFor('No jobs yet');
  const emit = (...events: DeckEvent[]) => {
    for (const e of events) deliver?.(e);
  };
  return { deck, emit, calls, answer };
}

describe('a job seen through its events before the queue is read', () => {
  it('says what it does, as its job.queued said, in the list, its details and the cancel question', async () => {
    const { deck: d, emit, calls, answer } = await consoleSeeingJob8();
    const listsBefore = calls.list;
    emit(
      event('job.queued', { kind: 'deploy', summary: 'deploy shop (d-shop-1)', maxAttempts: 3 }),
      event('job.started', { kind: 'deploy', attempt: 1, worker: 'w1:1' }),
      event('job.progress', { step: 1, total: 12 }, 'created vpc vpc-1'),
    );
    const list = await d.waitFor('1/12');
    const row = list.split('\n').find((l) => l.includes('1/12')) ?? '';
    expect(row).toContain('deploy shop (d-shop-1)');
    expect(row).not.toContain('created vpc');

    // Read once by its id, however many events name it meanwhile; the whole list is not read for it.
    emit(event('job.progress', { step: 2, total: 12 }, 'created subnet subnet-1'));
    await d.waitFor('2/12');
    expect(calls.get).toEqual(['8']);
    expect(calls.list).toBe(listsBefore);

    await d.press('enter');
    const details = await d.waitFor('try 1/3');
    expect(details.split('\n')[2]).toContain('deploy shop (d-shop-1)');
    await d.press('c');
    await d.waitFor('Cancel job 8?');
    expect(d.frame()).toContain('deploy shop (d-shop-1)');
    await d.press('n');

    answer({ ...deployView(), step: 2, message: 'created subnet subnet-1' });
    await d.waitFor(() => d.store.getState().jobs.byId.get('8')?.payload !== undefined);
    expect(d.store.getState().jobs.byId.get('8')?.payload).toEqual({ project: 'shop', deployId: 'd-shop-1' });
    expect(d.frame().split('\n')[2]).toContain('deploy shop (d-shop-1)');
    expect(d.store.getState().jobs.summaries.size).toBe(0);
  });
});
