import { describe, expect, it } from 'vitest';
import type { JobView } from '../../src/domain/job';
import type { ProjectEntry } from '../../src/domain/projectEntry';
import type { ProjectState } from '../../src/domain/projectState';
import { ResourceIndex } from '../../src/domain/resource';
import type { DeploymentRow } from '../../src/screens/deployments/projectColumns';
import { askRollback } from '../../src/screens/deployments/projectConfirmations';
import type { DeckActions } from '../../src/state/store';

const state: ProjectState = {
  version: 1,
  project: 'shop',
  region: 'eu-west-1',
  protected: false,
  lifecycle: 'provisioned',
  status: 'done',
  updatedAt: 2_000,
  lastJob: { jobId: '8', kind: 'deploy', deployId: 'd-shop-8', startedAt: 1_000, finishedAt: 2_000 },
  resources: [
    {
      logicalId: 'vpc',
      type: 'vpc',
      id: 'vpc-1',
      region: 'eu-west-1',
      deployId: 'd-shop-8',
      createdAt: 1_500,
      lifecycle: 'provisioned',
    },
  ],
  pending: [],
};

const entry: ProjectEntry = {
  file: '/ws/state/shop.json',
  name: 'shop',
  sha256: '',
  errors: [],
  stateFile: '/ws/state/shop.json',
  state,
  stateErrors: [],
};

/** Job 8 as another console's deploy reaches this one: through its events, its payload not read yet. */
const unread: JobView = {
  id: '8',
  kind: 'deploy',
  status: 'completed',
  step: 4,
  total: 4,
  attempts: 1,
  maxAttempts: 3,
  requestedBy: { user: 'bob', host: 'jump2' },
  createdAt: 1_000,
  finishedAt: 2_000,
  payload: undefined,
};

describe('b on a project whose last deploy is known only from its events', () => {
  it('asks about the deploy the rollback job will undo (the state file says which), not a made-up id', async () => {
    const asked: string[] = [];
    const actions = {
      ui: {
        notify: (_level: string, text: string) => asked.push(text),
        confirm: (c: { title: string }) => asked.push(c.title),
      },
      projects: { plan: async () => undefined, setAwaitingApproval: () => {} },
    } as unknown as DeckActions;
    const row = { name: 'shop', protected: false } as DeploymentRow;
    await askRollback(row, entry, ResourceIndex.empty(), [unread], actions, {
      readOnly: false,
      account: 'account 000000000000 (DEMO)',
    });
    expect(asked).toEqual(['Roll back deploy d-shop-8 of shop?']);
  });
});
