import {
  projectResourceTypes,
  projectTag,
  type Resource,
  type ResourceIndex,
  type ResourceType,
  resourceKey,
} from '../../domain/resource';

const lookedUpTypes: ReadonlySet<ResourceType> = new Set(projectResourceTypes);

/**
 * The index after a tag look-up of one project in one region: what was found replaces what the index held
 * of the project there (resources it no longer finds are gone, e.g. after a destroy). Other projects,
 * regions and the scan times are untouched.
 */
export function withProjectLookUp(
  index: ResourceIndex,
  project: string,
  region: string,
  found: readonly Resource[],
): ResourceIndex {
  const foundKeys = new Set(found.map(resourceKey));
  const gone = index.all.filter(
    (r) =>
      (r.project === project || r.tags[projectTag] === project) &&
      r.region === region &&
      lookedUpTypes.has(r.type) &&
      !foundKeys.has(resourceKey(r)),
  );
  return index.applyAll([
    ...gone.map((r) => ({ kind: 'deleted' as const, region: r.region, id: r.id })),
    ...found.map((resource) => ({ kind: 'upsert' as const, resource })),
  ]);
}
