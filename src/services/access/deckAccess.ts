import type { DeckAccess } from '../../state/services/access';
import { currentRequester } from '../bus/requester';
import { AccessPolicySource } from './accessPolicy';

/** The console's access: the workspace's `access.yaml` and the user and groups this console asks as. */
export function deckAccessFor(dataDir: string, env: NodeJS.ProcessEnv): DeckAccess {
  const source = new AccessPolicySource(dataDir);
  const { user, groups } = currentRequester(env);
  return { current: () => source.current(), subject: { user, ...(groups ? { groups } : {}) } };
}
