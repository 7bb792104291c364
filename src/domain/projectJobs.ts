/**
 * The `deploy` and `destroy` jobs (each declared in `jobKinds/`). Resume is a deploy queued again with the same
 * payload (same `deployId`): it plans again against the state file and the cloud and does what is left.
 * Rollback is a destroy with `rollbackOf`: it removes only what that deploy created.
 */

export {
  type DeployPayload,
  type DeployPayloadInput,
  type DeployResult,
  deployPayloadSchema,
  type RecordedResourceView,
} from './jobKinds/deploy';
export {
  type DestroyPayload,
  type DestroyPayloadInput,
  type DestroyResult,
  destroyPayloadSchema,
} from './jobKinds/destroy';

/** A deploy id unique across hosts and restarts: `d-<time>-<random>`. */
export function newDeployId(now: number = Date.now(), random: () => number = Math.random): string {
  const rand = Math.floor(random() * 36 ** 6)
    .toString(36)
    .padStart(6, '0');
  return `d-${now.toString(36)}-${rand}`;
}
