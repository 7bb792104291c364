import { type DeployPlan, planDeploy } from '../../domain/plan';
import {
  type JobSummary,
  type LastJob,
  type Lifecycle,
  type ProjectStatus,
  projectStatusOf,
  type SyncStatus,
} from '../../domain/projectState';
import type { Resource } from '../../domain/resource';
import { formatSourceError } from '../../domain/sourceError';
import type { ProjectEntry } from './loadProjects';

/** A line of the Deployments screen / `infradeck projects`. */
export interface ProjectRow {
  name: string;
  file: string;
  environment?: string;
  region?: string;
  owner?: string;
  protected: boolean;
  /** From the state file; undefined when never deployed. */
  lifecycle?: Lifecycle;
  status: ProjectStatus;
  /** Against the resources given (the index); undefined when the blueprint is not valid. */
  sync?: SyncStatus;
  /** `file:line:col: path: message` for the blueprint and the state file. */
  errors: string[];
  /** Resources the state file lists. */
  recorded: number;
  plan?: DeployPlan;
  /** The last job as the state file remembers it. */
  lastJob?: LastJob;
}

/**
 * The row of one project: its state and status, and its sync status computed by planning the blueprint
 * against `resources` (the resource index; only the project's resources are read). Pure and cheap enough to
 * run for every project on every index change.
 */
export function projectRow(entry: ProjectEntry, resources: Iterable<Resource>, job?: JobSummary): ProjectRow {
  const plan = entry.blueprint
    ? planDeploy({ blueprint: entry.blueprint, resources, state: entry.state })
    : undefined;
  const bp = entry.blueprint;
  return {
    name: entry.name,
    file: entry.file,
    environment: bp?.environment,
    region: bp?.region ?? entry.state?.region,
    owner: bp?.owner,
    protected: Boolean(bp?.protected ?? entry.state?.protected),
    lifecycle: entry.state?.lifecycle,
    status: projectStatusOf({ state: entry.state, stateInvalid: entry.stateErrors.length > 0, job }),
    sync: plan?.sync,
    errors: [...entry.errors, ...entry.stateErrors].map(formatSourceError),
    recorded: entry.state?.resources.length ?? 0,
    plan,
    lastJob: entry.state?.lastJob,
  };
}
