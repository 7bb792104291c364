import type { Column } from '../../components/tableModel';
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
  in_progress: 'cyan',
  queued: 'cyan',
  pending: 'cyan',
  approval_pending: 'yellow',
};

const syncColor: Record<string, string | undefined> = {
  'in sync': 'green',
  drifted: 'yellow',
  partial: 'yellow',
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
 * The table's columns. The owner only shows on wide terminals (it is in the details view); the last job takes
 * what is left.
 */
export function projectColumns(now: () => number, width: number): Column<DeploymentRow>[] {
  const columns: Column<DeploymentRow>[] = [
    { key: 'name', title: 'PROJECT', width: 13, minWidth: 10, value: (r) => r.name },
    { key: 'protected', title: 'P', width: 1, value: (r) => (r.protected ? '!' : '') },
    { key: 'lifecycle', title: 'STATE', width: 11, value: (r) => r.lifecycle ?? '-' },
    {
      key: 'status',
      title: 'STATUS',
      width: 11,
      value: (r) => r.status,
      color: (r) => statusColor[r.status],
    },
    { key: 'sync', title: 'SYNC', width: 12, value: syncText, color: (r) => syncColor[syncText(r)] },
    { key: 'region', title: 'REGION', width: 12, minWidth: 9, value: (r) => r.region ?? '-' },
  ];
  if (width >= 120) columns.push({ key: 'owner', title: 'OWNER', width: 22, value: (r) => r.owner ?? '' });
  columns.push({
    key: 'job',
    title: 'LAST JOB',
    width: 'flex',
    minWidth: 10,
    value: (r) =>
      r.errors.length > 0 && !r.sync
        ? `${syncText(r)}: ${shortError(r, r.errors[0])}`
        : lastJobText(r, now()),
    color: (r) => (r.job?.status === 'failed' || r.lastJob?.error ? 'red' : undefined),
  });
  return columns;
}
