import { planDeploy } from './plan';
import type { ProjectEntry } from './projectEntry';
import { type JobSummary, type ProjectRow, projectStatusOf } from './projectState';
import type { Resource } from './resource';
import { formatSourceError } from './sourceError';

export type { ProjectRow };

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
