import type { ProjectState } from '../../domain/projectState';
import { projectResourceTypes, projectTag, type Resource } from '../../domain/resource';
import type { CloudProvider } from '../cloud/cloudProvider';

/**
 * Everything in `region` tagged with the project, asked of the cloud now (one look-up per type, at once):
 * what a deploy plans against and a destroy removes. Terminated servers are left out by the provider.
 *
 * Buckets the state file names (recorded, or a create in flight) but the tag look-up missed are asked for by
 * name: a bucket is created untagged (S3 tags in a second call), so one whose deploy died in between carries
 * no tag, and only this account's bucket of that name is found.
 */
export async function lookUpProject(
  cloud: CloudProvider,
  project: string,
  region: string,
  signal?: AbortSignal,
  state?: ProjectState,
): Promise<Resource[]> {
  const found = (
    await Promise.all(
      projectResourceTypes.map((type) => cloud.findByTags(region, type, { [projectTag]: project }, signal)),
    )
  ).flat();
  const seen = new Set(found.filter((r) => r.type === 'bucket').map((r) => r.id));
  const named = new Set([
    ...(state?.resources ?? [])
      .filter((r) => r.type === 'bucket' && r.lifecycle !== 'destroyed')
      .map((r) => r.id),
    ...(state?.pending ?? []).flatMap((p) => (p.name ? [p.name] : [])),
  ]);
  const missing = [...named].filter((name) => !seen.has(name));
  const buckets = await Promise.all(missing.map((name) => cloud.findBucket(name, signal)));
  return [...found, ...buckets.filter((b): b is Resource => b !== undefined)];
}
