import { describe, expect, it } from 'vitest';
import type { CloudSelection } from '../../src/state/services/cloud';
import { createDeckStore } from '../../src/state/store';
import { stubDeckBus, stubDeckCloud } from '../harness/stubServices';

const repos = {
  list: async () => ({ rows: [], errors: [] }),
  details: async () => {
    throw new Error('not used');
  },
};
const init = { dataDir: '/srv/deck', readOnly: false, configPath: '/srv/deck/config.yaml', tab: 'dashboard' };

/** `prod` has no profile here; the demo cloud always opens. */
const cloud = stubDeckCloud({
  open: async (selection: CloudSelection) =>
    selection.demo
      ? { kind: 'demo', label: 'DEMO', account: '000000000000', arn: 'arn:aws:iam::000000000000:user/demo' }
      : { kind: 'aws', label: 'AWS profile prod', problem: 'AWS profile "prod" is not in ~/.aws/config' },
});

describe('the status bar after switching clouds', () => {
  it("drops the old cloud's error once a switch (:demo) works, and keeps it in the messages", async () => {
    const store = createDeckStore({ repos, cloud, bus: stubDeckBus() }, init);
    const { actions } = store.getState();
    await actions.cloud.connect({ profile: 'prod' });
    expect(store.getState().ui.lastError?.text).toBe('AWS profile "prod" is not in ~/.aws/config');
    await actions.cloud.connect({ demo: true });
    expect(store.getState().cloud.info?.kind).toBe('demo');
    expect(store.getState().ui.lastError).toBeUndefined();
    expect(store.getState().ui.toasts.map((t) => t.text)).not.toContain(
      'AWS profile "prod" is not in ~/.aws/config',
    );
    expect(store.getState().ui.messages.map((m) => m.text)).toContain(
      'AWS profile "prod" is not in ~/.aws/config',
    );
  });

  it('keeps an error that is not the cloud connection’s', async () => {
    const store = createDeckStore({ repos, cloud, bus: stubDeckBus() }, init);
    const { actions } = store.getState();
    await actions.cloud.connect({ profile: 'prod' });
    actions.ui.notify('error', 'config.yaml:4:10: refresh.repos: expected a number');
    await actions.cloud.connect({ demo: true });
    expect(store.getState().ui.lastError?.text).toBe('config.yaml:4:10: refresh.repos: expected a number');
  });
});
