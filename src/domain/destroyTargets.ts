import { deployIdTag } from './desiredResources';
import type { StateResource } from './projectState';
import type { Resource } from './resource';

/**
 * What a destroy of a project removes: everything `tagged` with the project, and what its state file still
 * lists. A rollback (`rollbackOf` a deploy id) removes only what that deploy made: its deploy tag, or the state
 * file's record. A resource the state file lists but the look-up did not find (its tags removed by hand, or
 * gone already) is known by its id only; deleting a resource that no longer exists reports it `gone`.
 */
export function destroyTargets(
  tagged: readonly Resource[],
  stateResources: readonly StateResource[],
  rollbackOf?: string,
): Resource[] {
  const recorded = stateResources.filter(
    (r) => r.lifecycle !== 'destroyed' && (!rollbackOf || r.deployId === rollbackOf),
  );
  const recordedIds = new Set(recorded.map((r) => r.id));
  const targets = tagged.filter((r) =>
    rollbackOf ? r.tags[deployIdTag] === rollbackOf || recordedIds.has(r.id) : true,
  );
  const targetIds = new Set(targets.map((r) => r.id));
  for (const s of recorded) if (!targetIds.has(s.id)) targets.push(bare(s));
  return targets;
}

/** A resource known only by the state file's line. */
function bare(s: StateResource): Resource {
  return { type: s.type, id: s.id, region: s.region, detail: '', tags: {}, refs: {} };
}
