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

describe("the console's own messages", () => {
  it('masks secrets in toasts, the status bar problem and :messages, start-up problems included', () => {
    const store = createDeckStore(
      { repos, cloud: stubDeckCloud(), bus: stubDeckBus() },
      { ...init, startupErrors: ['config.yaml:2:3: redis: redis://:st4rtup-pw@10.0.0.9:6379 refused'] },
    );
    const { actions } = store.getState();
    actions.ui.notify(
      'error',
      'push to https://bob:pu5h-pw@git.example.com failed (token ghp_abcdefghijklmnop0123)',
    );
    actions.ui.notify('info', 'sent Authorization: Bearer eyJhbGciOi.abc.def');
    const ui = store.getState().ui;
    const shown = JSON.stringify([ui.toasts, ui.messages, ui.lastError]);
    for (const secret of ['st4rtup-pw', 'pu5h-pw', 'abcdefghijklmnop0123', 'eyJhbGciOi.abc.def']) {
      expect(shown.includes(secret), secret).toBe(false);
    }
    expect(ui.lastError?.text).toBe('push to https://bob:***@git.example.com failed (token ghp_***)');
    expect(ui.messages[0].text).toBe('config.yaml:2:3: redis: redis://:***@10.0.0.9:6379 refused');
    expect(ui.toasts.at(-1)?.text).toBe('sent Authorization: Bearer ***');
  });
});
