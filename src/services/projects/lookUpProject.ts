import { projectTag, type Resource, type ResourceType } from '../../domain/resource';
import type { CloudProvider } from '../cloud/cloudProvider';

const types: ResourceType[] = [
  'vpc',
  'subnet',
  'internet-gateway',
  'route-table',
  'security-group',
  'instance',
  'volume',
  'bucket',
];

/**
 * Everything in `region` tagged with the project, asked of the cloud now (one look-up per type, at once):
 * what a deploy plans against and a destroy removes. Terminated servers are left out by the provider.
 */
export async function lookUpProject(
  cloud: CloudProvider,
  project: string,
  region: string,
  signal?: AbortSignal,
): Promise<Resource[]> {
  const found = await Promise.all(
    types.map((type) => cloud.findByTags(region, type, { [projectTag]: project }, signal)),
  );
  return found.flat();
}
