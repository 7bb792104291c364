import type { Column } from '../../components/tableModel';
import { describeJob, type JobView } from '../../domain/job';
import { formatAge } from '../../domain/text';

/** `████░░░░ 3/8`; a job that has not reported progress shows its state instead of an empty bar. */
export function progressBar(job: JobView, barWidth = 8): string {
  if (job.total <= 0) return job.status === 'completed' ? `${'█'.repeat(barWidth)} done` : '';
  const filled = Math.round((Math.min(job.step, job.total) / job.total) * barWidth);
  return `${'█'.repeat(filled)}${'░'.repeat(barWidth - filled)} ${job.step}/${job.total}`;
}

export function jobDuration(job: JobView, now: number): string {
  if (!job.startedAt) return '';
  return formatAge((job.finishedAt ?? now) - job.startedAt);
}

const statusColor: Record<string, string | undefined> = {
  failed: 'red',
  cancelled: 'yellow',
  active: 'cyan',
  completed: 'green',
  delayed: 'yellow',
};

export function jobColumns(now: () => number): Column<JobView>[] {
  return [
    { key: 'id', title: 'ID', width: 8, value: (j) => j.id },
    { key: 'kind', title: 'KIND', width: 8, value: (j) => j.kind },
    { key: 'status', title: 'STATUS', width: 9, value: (j) => j.status, color: (j) => statusColor[j.status] },
    {
      key: 'progress',
      title: 'PROGRESS',
      width: 14,
      value: (j) => progressBar(j),
      sortValue: (j) => (j.total > 0 ? j.step / j.total : 0),
    },
    { key: 'attempts', title: 'TRY', width: 3, value: (j) => `${j.attempts}/${j.maxAttempts}` },
    { key: 'by', title: 'BY', width: 8, value: (j) => j.requestedBy.user },
    {
      key: 'age',
      title: 'AGE',
      width: 4,
      align: 'right',
      value: (j) => formatAge(now() - j.createdAt),
      sortValue: (j) => -j.createdAt,
    },
    {
      key: 'took',
      title: 'TOOK',
      width: 4,
      align: 'right',
      value: (j) => jobDuration(j, now()),
      sortValue: (j) => (j.startedAt ? (j.finishedAt ?? now()) - j.startedAt : -1),
    },
    {
      key: 'what',
      title: 'WHAT',
      width: 'flex',
      minWidth: 10,
      value: (j) => {
        const what = j.payload === undefined ? (j.message ?? j.kind) : describeJob(j.kind, j.payload);
        return j.status === 'failed' && j.error ? `${what} — ${j.error}` : what;
      },
    },
  ];
}
