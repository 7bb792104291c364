import type { DeckBus } from '../../src/state/services/bus';
import type { DeckCloud } from '../../src/state/services/cloud';

/** Who `stubDeckCloud` says you are. */
export const stubAwsIdentity = {
  kind: 'aws',
  label: 'AWS',
  account: '123456789012',
  arn: 'arn:aws:iam::123456789012:user/ops',
} as const;

/** A cloud that answers as AWS account 123456789012 with no cached scans; tests replace what they look at. */
export function stubDeckCloud(overrides: Partial<DeckCloud> = {}): DeckCloud {
  return {
    open: async () => ({ ...stubAwsIdentity }),
    cachedScans: async () => ({ scans: [], unread: [] }),
    knownRegions: () => [],
    knownProfiles: () => [],
    saveKeys: async () => ({ ok: true }),
    ...overrides,
  };
}

/** A connected bus with an empty queue, no events and no workers; tests replace what they look at. */
export function stubDeckBus(
  overrides: Partial<Omit<DeckBus, 'queue'>> & { queue?: Partial<DeckBus['queue']> } = {},
): DeckBus {
  const { queue, ...rest } = overrides;
  return {
    transport: 'redis',
    target: 'redis://127.0.0.1:6379',
    requester: { user: 'ada', host: 'jump1' },
    events: { subscribe: () => () => {} },
    state: { get: () => ({ state: 'connected', since: Date.now() }), subscribe: () => () => {} },
    workers: async () => [],
    ...rest,
    queue: {
      enqueue: async () => '1',
      cancel: async () => {},
      retry: async () => {},
      resume: async () => {},
      list: async () => [],
      logs: async () => [],
      counts: async () => ({
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
      }),
      ...queue,
    },
  };
}
