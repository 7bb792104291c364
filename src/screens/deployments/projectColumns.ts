import { type Column, Priority } from '../../components/tableModel';
import type { JobView } from '../../domain/job';
import type { ProjectRow } from '../../domain/projectState';
import { formatAge } from '../../domain/text';
import type { ProjectLine } from '../../state/selectors/projects';

/** A project as the table shows it: its row and its newest deploy or destroy job, when the queue knows it. */
export type DeploymentRow = ProjectLine;

const statusColor: Record<string, string | undefined> = {
  done: 'green',
  error: 'red',
  rejected: 'red',
  unknown: 'yellow',
  invalid: 'red',
  in_progress: 'cyan',
  queued: 'cyan',
  pending: 'cyan',
  approval_pending: 'yellow',
};

const syncColor: Record<string, string | undefined> = {
  'in sync': 'green',
  drifted: 'yellow',
  partial: 'yellow',
  vanished: 'red',
  invalid: 'red',
};

/** What to call a job of a project: `deploy`, `resume`, `destroy`, `rollback`. */
export function projectJobVerb(job: JobView): string {
  const p = (job.payload ?? {}) as { resumeOf?: unknown; rollbackOf?: unknown };
  if (job.kind === 'deploy') return typeof p.resumeOf === 'string' ? 'resume' : 'deploy';
  return typeof p.rollbackOf === 'string' ? 'rollback' : 'destroy';
}

/** `deploy 5/12`, `destroy queued`, `deploy done 3m`, `deploy failed: …`. */
export function lastJobText(row: DeploymentRow, now: number): string {
  const job = row.job;
  if (job) {
    const verb = `${projectJobVerb(job)} ${job.id}`;
    const age = (at: number | undefined) => (at ? ` ${formatAge(now - at)}` : '');
    switch (job.status) {
      case 'active':
        return job.total > 0 ? `${verb} ${job.step}/${job.total}` : `${verb} starting`;
      case 'queued':
      case 'delayed':
        return `${verb} ${job.status}`;
      case 'completed':
        return `${verb} done${age(job.finishedAt)}`;
      case 'cancelled':
        return `${verb} cancelled${age(job.finishedAt)}`;
      default:
        return `${verb} failed: ${job.error ?? ''}`;
    }
  }
  const last = row.lastJob;
  if (!last) return '';
  const verb = `${last.rollback ? 'rollback' : last.kind} ${last.jobId}`;
  if (last.error) return `${verb} failed: ${last.error}`;
  if (last.finishedAt) return `${verb} done ${formatAge(now - last.finishedAt)}`;
  return `${verb} stopped at ${last.step ?? 0}/${last.total ?? '?'}`;
}

/** A row's error with the folder of its file left out: `broken.yaml:11:24: compute.instances[0].type: …`. */
export function shortError(row: ProjectRow, error: string): string {
  const slash = row.file.lastIndexOf('/');
  const dir = slash > 0 ? row.file.slice(0, slash + 1) : '';
  return dir && error.startsWith(dir) ? error.slice(dir.length) : error;
}

/** The sync column: invalid blueprints say so (their error is shown under the table). */
export function syncText(row: ProjectRow): string {
  if (row.sync) return row.sync;
  // Known only by its state file: the blueprint was renamed or deleted while resources may still exist.
  if (row.file.endsWith('.json')) return 'no blueprint';
  return row.errors.length > 0 ? 'invalid' : '-';
}

/**
 * The table's columns. At 80 columns: the project, its state, status, sync, region and last job; the owner (also
 * in the details view) on wide terminals. `width` is unused now that columns hide by priority; it stays so
 * callers need not change.
 */
export function projectColumns(now: () => number, _width?: number): Column<DeploymentRow>[] {
  return [
    { key: 'name', title: 'PROJECT', priority: Priority.identity, min: 10, max: 24, value: (r) => r.name },
    {
      key: 'protected',
      title: 'P',
      priority: Priority.identity,
      width: 1,
      value: (r) => (r.protected ? '!' : ''),
    },
    {
      key: 'lifecycle',
      title: 'STATE',
      priority: Priority.identity,
      whole: true,
      value: (r) => r.lifecycle ?? '-',
    },
    {
      key: 'status',
      title: 'STATUS',
      priority: Priority.identity,
      whole: true,
      value: (r) => r.status,
      color: (r) => statusColor[r.status],
    },
    {
      key: 'sync',
      title: 'SYNC',
      priority: Priority.main,
      whole: true,
      value: syncText,
      color: (r) => syncColor[syncText(r)],
    },
    {
      key: 'region',
      title: 'REGION',
      priority: Priority.identity,
      whole: true,
      value: (r) => r.region ?? '-',
    },
    { key: 'owner', title: 'OWNER', priority: Priority.extra, min: 8, max: 24, value: (r) => r.owner ?? '' },
    {
      key: 'job',
      title: 'LAST JOB',
      priority: Priority.main,
      flex: true,
      min: 16,
      value: (r) =>
        r.errors.length > 0 && !r.sync
          ? `${syncText(r)}: ${shortError(r, r.errors[0])}`
          : lastJobText(r, now()),
      color: (r) => (r.job?.status === 'failed' || r.lastJob?.error ? 'red' : undefined),
    },
  ];
}
