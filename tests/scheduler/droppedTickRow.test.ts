import { afterEach, describe, expect, it } from 'vitest';
import { parseSchedulesFile } from '../../src/domain/scheduleSource';
import { deckBusOf } from '../../src/openWorkspace';
import type { Bus } from '../../src/services/bus/contracts';
import { openBus } from '../../src/services/bus/openBus';
import { RedisScheduler } from '../../src/services/scheduler/redisScheduler';
import { createDeckStore } from '../../src/state/store';
import { deletePrefix, redisUrl, skipRedis, uniquePrefix } from '../bus/redisTestEnv';

const repos = {
  list: async () => ({ rows: [], errors: [] }),
  details: async () => {
    throw new Error('not used');
  },
};
const init = { dataDir: '/srv/deck', readOnly: false, configPath: '/srv/deck/config.yaml', tab: 'jobs' };

const file = (cron: string, enabled = true) =>
  parseSchedulesFile(
    'schedules.yaml',
    `schedules:\n  - name: nightly\n    cron: "${cron}"\n    enabled: ${enabled}\n    job: { run: [echo, hi] }\n`,
    'UTC',
  );

/**
 * A schedule's pending tick is a delayed BullMQ job; pausing the schedule or rewriting its cron drops it (BullMQ
 * removes it with the job scheduler, and says nothing on infradeck's stream). The Jobs tab must let it go.
 */
describe.skipIf(skipRedis)("a schedule's pending tick in the Jobs tab", () => {
  const prefix = uniquePrefix('droppedtick');
  const toClose: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const close of toClose.splice(0).reverse()) await close().catch(() => {});
    await deletePrefix(prefix);
  });

  async function world() {
    const bus: Bus = await openBus({ redisUrl, prefix });
    toClose.push(() => bus.close());
    expect(await bus.state.whenConnected(5000)).toBe(true);
    const scheduler = new RedisScheduler({ redisUrl, prefix, events: bus.events });
    toClose.push(() => scheduler.close());
    const store = createDeckStore({ repos, bus: deckBusOf(bus, { user: 'ada', host: 'jump1' }) }, init);
    const delayedTicks = () =>
      [...store.getState().jobs.byId.values()]
        .filter((j) => j.status === 'delayed' && j.id.startsWith('repeat:schedule:nightly:'))
        .map((j) => j.id);
    return { scheduler, store, delayedTicks };
  }

  it('goes when the schedule is paused', async () => {
    const { scheduler, store, delayedTicks } = await world();
    await scheduler.sync(file('0 * * * *'));
    await store.getState().actions.jobs.refresh();
    expect(delayedTicks()).toHaveLength(1);

    expect((await scheduler.sync(file('0 * * * *', false))).removed).toEqual(['nightly']);
    await store.getState().actions.jobs.refresh();
    expect(delayedTicks()).toEqual([]);
  });

  it('is replaced by the new one when its cron is rewritten', async () => {
    const { scheduler, store, delayedTicks } = await world();
    await scheduler.sync(file('0 * * * *'));
    await store.getState().actions.jobs.refresh();
    const [old] = delayedTicks();
    expect(old).toBeDefined();

    expect((await scheduler.sync(file('30 * * * *'))).registered).toEqual(['nightly']);
    await store.getState().actions.jobs.refresh();
    const now = delayedTicks();
    expect(now).toHaveLength(1);
    expect(now[0]).not.toBe(old);
  });
});
