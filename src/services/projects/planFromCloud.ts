import { type DeployPlan, planDeploy } from '../../domain/plan';
import type { CloudProvider } from '../cloud/cloudProvider';
import type { ProjectEntry } from './loadProjects';
import { lookUpProject } from './lookUpProject';

/**
 * The plan against the cloud as it is now (`infradeck plan <project>`): the project's resources looked up by
 * its tag, the state file as loaded. The Deployments screen plans against the resource index instead
 * (`projectRow`), which costs no call. Undefined when the blueprint is not valid.
 */
export async function planFromCloud(
  cloud: CloudProvider,
  entry: ProjectEntry,
  signal?: AbortSignal,
): Promise<DeployPlan | undefined> {
  const bp = entry.blueprint;
  if (!bp) return undefined;
  const resources = await lookUpProject(cloud, bp.name, bp.region, signal, entry.state);
  return planDeploy({ blueprint: bp, resources, state: entry.state });
}
