import { isFinished, type JobView } from '../domain/job';
import type { JobSummary } from '../domain/projectState';
import {
  projectTag,
  type Resource,
  type ResourceIndex,
  type ResourceType,
  resourceKey,
} from '../domain/resource';
import type { JobsById } from './jobsReducer';

/** The job kinds that act on a project. */
export const projectJobKinds: ReadonlySet<string> = new Set(['deploy', 'destroy']);

/** The project a deploy or destroy job is for (from its payload); undefined for any other job. */
export function projectOfJob(
  job: JobView,
  queuedHere: Readonly<Record<string, string>> = {},
): string | undefined {
  const known = queuedHere[job.id];
  if (known) return known;
  if (!projectJobKinds.has(job.kind)) return undefined;
  const p = job.payload as { project?: unknown } | undefined;
  return typeof p?.project === 'string' ? p.project : undefined;
}

/**
 * Each project's deploy and destroy jobs, newest first. A job this console queued counts at once, before the
 * job list has its payload (`queuedHere`: job id -> project).
 */
export function jobsByProject(
  byId: JobsById,
  queuedHere: Readonly<Record<string, string>> = {},
): Map<string, JobView[]> {
  const out = new Map<string, JobView[]>();
  for (const job of byId.values()) {
    const project = projectOfJob(job, queuedHere);
    if (!project) continue;
    const list = out.get(project);
    if (list) list.push(job);
    else out.set(project, [job]);
  }
  for (const list of out.values()) list.sort(newestFirst);
  return out;
}

function newestFirst(a: JobView, b: JobView): number {
  return b.createdAt - a.createdAt || compareIds(b.id, a.id);
}

/** Memory job ids are numbers: `10` is newer than `9`. */
function compareIds(a: string, b: string): number {
  return a.length - b.length || a.localeCompare(b);
}

/** What a project's status needs of its newest job. */
export function jobSummaryOf(job: JobView | undefined): JobSummary | undefined {
  if (!job) return undefined;
  return { status: job.status, ...(job.error ? { error: job.error } : {}) };
}

/** The newest deploy job that ended without finishing its work: what `resume` continues. */
export function resumableDeploy(jobs: readonly JobView[]): JobView | undefined {
  const newest = jobs[0];
  if (newest?.kind !== 'deploy') return undefined;
  return newest.status === 'failed' || newest.status === 'cancelled' ? newest : undefined;
}

/** The newest finished deploy job: what `rollback` undoes. */
export function lastDeploy(jobs: readonly JobView[]): JobView | undefined {
  return jobs.find((j) => j.kind === 'deploy' && isFinished(j.status));
}

/** A job of the project still waiting or running. */
export function runningJob(jobs: readonly JobView[]): JobView | undefined {
  return jobs.find((j) => !isFinished(j.status));
}

const lookedUpTypes: ReadonlySet<ResourceType> = new Set([
  'vpc',
  'subnet',
  'internet-gateway',
  'route-table',
  'security-group',
  'instance',
  'volume',
  'bucket',
]);

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
