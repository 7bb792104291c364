import { type DeployPlan, planDeploy } from './plan';
import type { ProjectEntry } from './projectEntry';
import { type JobSummary, type ProjectRow, projectStatusOf, type SyncStatus } from './projectState';
import type { Resource } from './resource';
import { formatSourceError } from './sourceError';

export type { ProjectRow };

export interface ProjectRowOptions {
  /**
   * Whether `resources` can say what exists of the project: its region was scanned, or the project looked up
   * (default true, for a look-up). When they cannot and the state file records resources, the row has no sync
   * status rather than a guess: a region nobody has read is not a project whose resources are gone.
   */
  known?: boolean;
}

/**
 * What the row says of the project against what exists: the plan's sync (`vanished` when none of what the state
 * file records is there), or nothing when that was never looked for (the index does not hold the project's
 * region): a region nobody read is not a project whose resources are gone.
 */
export function projectSync(plan: DeployPlan | undefined, known = true): SyncStatus | undefined {
  if (!plan) return undefined;
  return plan.sync === 'vanished' && !known ? undefined : plan.sync;
}

/**
 * The row of one project: its state and status, and its sync status computed by planning the blueprint
 * against `resources` (the resource index; only the project's resources are read). Pure and cheap enough to
 * run for every project on every index change.
 */
export function projectRow(
  entry: ProjectEntry,
  resources: Iterable<Resource>,
  job?: JobSummary,
  options: ProjectRowOptions = {},
): ProjectRow {
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
    status: projectStatusOf({
      state: entry.state,
      stateInvalid: entry.stateErrors.length > 0,
      blueprintInvalid: !entry.blueprint,
      job,
    }),
    sync: projectSync(plan, options.known),
    errors: [...entry.errors, ...entry.stateErrors].map(formatSourceError),
    recorded: entry.state?.resources.length ?? 0,
    plan,
    lastJob: entry.state?.lastJob,
  };
}
