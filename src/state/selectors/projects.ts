import { isFinished, type JobView } from '../../domain/job';
import type { ProjectEntry } from '../../domain/projectEntry';
import { projectRow } from '../../domain/projectRow';
import {
  type JobSummary,
  type ProjectRow,
  type ProjectStatus,
  projectStatusOf,
} from '../../domain/projectState';
import type { ResourceIndex } from '../../domain/resource';
import type { JobsById } from '../reducers/jobs';
import type { DeckState } from '../store';

/** A row with the project's newest deploy or destroy job, when the queue knows it. */
export interface ProjectLine extends ProjectRow {
  job?: JobView;
}

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
  // A parent job that waits for its children or a resume is still at work.
  const status = job.status === 'waiting' || job.status === 'paused' ? 'active' : job.status;
  return { status, ...(job.error ? { error: job.error } : {}) };
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

/** The project's deploy and destroy jobs, newest first. */
export function projectJobs(deck: Pick<DeckState, 'jobs' | 'projects'>, name: string): JobView[] {
  return jobsByProject(deck.jobs.byId, deck.projects.queuedHere).get(name) ?? [];
}

/**
 * Whether the index can say what exists of a project: it holds a scan of the project's region that read
 * something (a region whose every scan failed holds nothing), or resources of the project (a look-up, or the
 * events of its jobs).
 */
export function indexKnows(index: ResourceIndex, entry: ProjectEntry): boolean {
  const region = entry.blueprint?.region ?? entry.state?.region;
  if (!region) return false;
  const scan = index.scan(region);
  if (scan && (!scan.error || scan.resources.length > 0)) return true;
  return index.all.some((r) => r.project === entry.name && r.region === region);
}

// The plan reads the whole index: a row is made again only when its entry or the index changed, not on every
// progress event of a job.
const rowCache = new WeakMap<ProjectEntry, { index: ResourceIndex; row: ProjectRow }>();

/** The rows of the Deployments screen: sync against `index`, status from the newest job of each project. */
export function projectRows(
  entries: readonly ProjectEntry[],
  index: ResourceIndex,
  jobs: JobsById,
  queuedHere: Readonly<Record<string, string>>,
  /** The project whose deploy or destroy confirmation is open. */
  awaitingApproval?: string,
): ProjectLine[] {
  const byProject = jobsByProject(jobs, queuedHere);
  return entries.map((entry) => {
    let cached = rowCache.get(entry);
    if (!cached || cached.index !== index) {
      cached = { index, row: projectRow(entry, index.all, undefined, { known: indexKnows(index, entry) }) };
      rowCache.set(entry, cached);
    }
    const job = byProject.get(entry.name)?.[0];
    // The job's end arrives before the state file it wrote is read again: not a dead worker.
    const fileLags = job?.status === 'completed' && entry.state?.status === 'in_progress';
    const status: ProjectStatus =
      awaitingApproval === entry.name
        ? 'approval_pending'
        : fileLags
          ? 'in_progress'
          : projectStatusOf({
              state: entry.state,
              stateInvalid: entry.stateErrors.length > 0,
              blueprintInvalid: !entry.blueprint,
              job: jobSummaryOf(job),
            });
    return { ...cached.row, status, ...(job ? { job } : {}) };
  });
}
