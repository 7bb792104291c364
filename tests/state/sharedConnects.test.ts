import { describe, expect, it } from 'vitest';
import { createDeckStore } from '../../src/state/store';
import { stubDeckBus, stubDeckCloud } from '../harness/stubServices';

const repos = {
  list: async () => ({ rows: [], errors: [] }),
  details: async () => {
    throw new Error('not used');
  },
};
const init = { dataDir: '/srv/deck', readOnly: false, configPath: '/srv/deck/config.yaml', tab: 'dashboard' };

function countingBus() {
  const counts = { subscribed: 0, unsubscribed: 0 };
  const bus = stubDeckBus({
    events: {
      subscribe: () => {
        counts.subscribed++;
        return () => {
          counts.unsubscribed++;
        };
      },
    },
  });
  return { bus, counts };
}

function countingCloud() {
  const opened: unknown[] = [];
  const cloud = stubDeckCloud({
    open: async (selection) => {
      opened.push(selection);
      return {
        kind: 'demo',
        label: 'DEMO',
        account: '000000000000',
        arn: 'arn:aws:iam::000000000000:user/demo',
      };
    },
  });
  return { cloud, opened };
}

describe('connects made at start-up and again by the console', () => {
  it('share one bus subscription, which ends with the last disconnect', () => {
    const { bus, counts } = countingBus();
    const { actions } = createDeckStore({ repos, bus }, init).getState();
    const startup = actions.bus.connect();
    const console = actions.bus.connect();
    expect(counts.subscribed).toBe(1);
    startup();
    startup(); // twice is once
    expect(counts.unsubscribed).toBe(0);
    console();
    expect(counts.unsubscribed).toBe(1);
    actions.bus.connect()(); // a later connect subscribes anew
    expect(counts).toEqual({ subscribed: 2, unsubscribed: 2 });
  });

  it('open the cloud once, unless a new selection asks for another', async () => {
    const { cloud, opened } = countingCloud();
    const store = createDeckStore({ repos, cloud }, { ...init, cloudSelection: { region: 'eu-west-1' } });
    const { actions } = store.getState();
    await Promise.all([actions.cloud.connect(), actions.cloud.connect()]);
    expect(opened).toEqual([{ region: 'eu-west-1' }]);
    expect(store.getState().cloud.info?.account).toBe('000000000000');
    await actions.cloud.connect({ region: 'us-east-1' });
    expect(opened).toEqual([{ region: 'eu-west-1' }, { region: 'us-east-1' }]);
  });

  it('let a newer selection win over a slower answer to an older one', async () => {
    const answers: Array<(account: string) => void> = [];
    const cloud = stubDeckCloud({
      open: (selection) =>
        new Promise((resolve) =>
          answers.push((account) =>
            resolve({
              kind: 'demo',
              label: String(selection.region),
              account,
              arn: `arn:aws:iam::${account}:user/x`,
            }),
          ),
        ),
    });
    const store = createDeckStore({ repos, cloud }, init);
    const { actions } = store.getState();
    const first = actions.cloud.connect();
    const second = actions.cloud.connect({ region: 'us-east-1' });
    answers[1]('222222222222');
    await second;
    answers[0]('111111111111');
    await first;
    expect(store.getState().cloud.info?.account).toBe('222222222222');
    expect(store.getState().cloud.selection).toEqual({ region: 'us-east-1' });
  });
});
