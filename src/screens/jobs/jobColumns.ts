import { fitCell } from '../../components/fitCell';
import { type Column, Priority } from '../../components/tableModel';
import type { JobView } from '../../domain/job';
import { attemptDuration } from '../../domain/jobRuns';
import { formatDuration } from '../../domain/jobText';
import { shownJobId, shownTick } from '../../domain/scheduleTickId';
import { formatAge } from '../../domain/text';
import type { JobSummaries } from '../../state/reducers/jobs';
import { jobWhat } from '../../state/selectors/jobs';

/** `████░░░░ 3/8`; a job that has not reported progress shows its state instead of an empty bar. */
export function progressBar(job: JobView, barWidth = 8): string {
  if (job.total <= 0) return job.status === 'completed' ? `${'█'.repeat(barWidth)} done` : '';
  const filled = Math.round((Math.min(job.step, job.total) / job.total) * barWidth);
  return `${'█'.repeat(filled)}${'░'.repeat(barWidth - filled)} ${job.step}/${job.total}`;
}

/** How long the attempt took, as every duration reads (`686ms`, `3.2s`, `9m27s`: `infradeck jobs`, the attempts). */
export function jobDuration(job: JobView, now: number): string {
  const took = attemptDuration(job, now);
  return took === undefined ? '' : formatDuration(took);
}

/**
 * A job id in `width` columns: a schedule's tick keeps its time whole and loses the middle of the schedule's name
 * (`fast-he…all-checks 12-07 11:47:50`, not `fast-heartbeat…2-07 11:47:50`, which reads as February 7th).
 */
export function fitJobId(id: string, width: number): string {
  const tick = shownTick(id);
  // Room for at least `ab…yz` of the name beside its time; else the id is cut as any id is.
  if (!tick || width < tick.time.length + 6) return fitCell(shownJobId(id), width, 'left', 'middle');
  return `${fitCell(tick.name, width - tick.time.length - 1, 'left', 'middle').trimEnd()} ${tick.time}`;
}

/** WHAT's width before BY, TOOK and TRY are shown: a job's description with the instance, bucket or run it names. */
const whatWidth = 64;

const statusColor: Record<string, string | undefined> = {
  failed: 'red',
  cancelled: 'yellow',
  active: 'cyan',
  completed: 'green',
  delayed: 'yellow',
  waiting: 'blue',
  paused: 'magenta',
  approval_pending: 'yellow',
  rejected: 'red',
};

/**
 * At 80 columns: id, kind, status, progress, age and what the job does. Wider, WHAT first gets up to `whatWidth`
 * (a description naming an instance or a bucket is whole before anything else shows), then who asked (BY, whole:
 * a schedule's name is never cut), the time it took and the attempts, hidden in the reverse order; what is left
 * goes to WHAT again (a long error).
 */
export function jobColumns(now: () => number, summaries?: JobSummaries): Column<JobView>[] {
  return [
    {
      key: 'id',
      title: 'ID',
      priority: Priority.identity,
      whole: true,
      // A tick as `nightly-report 06-11 02:30` (26) whole; a longer id is cut in its middle.
      max: 28,
      cut: 'middle',
      value: (j) => shownJobId(j.id),
      fit: (j, width) => fitJobId(j.id, width),
      sortValue: (j) => j.id,
      sortAs: 'text',
    },
    { key: 'kind', title: 'KIND', priority: Priority.identity, whole: true, value: (j) => j.kind },
    {
      key: 'status',
      title: 'STATUS',
      priority: Priority.identity,
      whole: true,
      value: (j) => j.status,
      color: (j) => statusColor[j.status],
    },
    // Narrower than 80 columns the bar goes before the age and WHAT: STATUS says how the job stands.
    {
      key: 'progress',
      title: 'PROGRESS',
      priority: Priority.main - 1,
      whole: true,
      value: (j) => progressBar(j),
      sortValue: (j) => (j.total > 0 ? j.step / j.total : 0),
    },
    {
      key: 'attempts',
      title: 'TRY',
      priority: Priority.extra - 2,
      whole: true,
      value: (j) => `${j.attempts}/${j.maxAttempts}`,
    },
    {
      key: 'by',
      title: 'BY',
      priority: Priority.extra,
      whole: true,
      max: 32,
      value: (j) => j.requestedBy.user,
    },
    {
      key: 'age',
      title: 'AGE',
      priority: Priority.main,
      width: 3,
      align: 'right',
      value: (j) => formatAge(now() - j.createdAt),
      sortValue: (j) => -j.createdAt,
    },
    {
      key: 'took',
      title: 'TOOK',
      priority: Priority.extra - 1,
      // `999ms`, `59.9s`, `59m59s`, `23h59m` whole (100 hours and more is cut).
      width: 6,
      align: 'right',
      value: (j) => jobDuration(j, now()),
      sortValue: (j) => attemptDuration(j, now()) ?? -1,
    },
    {
      key: 'what',
      title: 'WHAT',
      priority: Priority.main,
      // Not flex: a flex column takes its natural width (a long error, up to 240) before the extra columns show.
      // 16 wide at least: at 60 columns, beside the longest id and kind, it still says what the job is.
      min: 16,
      max: whatWidth,
      cut: 'word',
      value: (j) => {
        const what = jobWhat(j, summaries);
        if (j.status === 'approval_pending' && j.approval) return `${what} — ${j.approval.why}`;
        return (j.status === 'failed' || j.status === 'rejected') && j.error ? `${what} — ${j.error}` : what;
      },
    },
  ];
}
