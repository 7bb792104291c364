import { type Column, Priority } from '../../components/tableModel';
import { isFinished, type PipelineJob, type PipelineStep } from '../../domain/pipelineClient';
import { formatAgeAgo } from '../../domain/text';
import { formatSpan, statusColor } from './pipelineColumns';

/** A line of the run view: a job (a local run's step), or one of a GitHub job's steps under it. */
export interface RunJobRow {
  key: string;
  job: PipelineJob;
  step?: PipelineStep;
}

/** Each job, its GitHub steps indented under it. */
export function runJobRows(jobs: readonly PipelineJob[]): RunJobRow[] {
  const rows: RunJobRow[] = [];
  for (const job of jobs) {
    // A local step with no job yet is known by its name (unique in its run).
    rows.push({ key: job.id || `${job.runId}/${job.name}`, job });
    for (const step of job.steps) rows.push({ key: `${job.id}#${step.number}`, job, step });
  }
  return rows;
}

/** Why Enter on a job opens no log: it has no job yet (`build waits for: lint, test`) or never had one. */
export function noLogReason(job: PipelineJob): string | undefined {
  if (job.id) return undefined;
  if (job.waitsFor)
    return job.waitsFor.length > 0
      ? `${job.name} waits for: ${job.waitsFor.join(', ')}`
      : `${job.name} waits for its run to queue it`;
  return `${job.name} has no log: it never ran (${job.status})`;
}

/** A running job's duration counts up, unless the jobs shown are the last read (`stale`): then it is what was read. */
function durationOf(r: RunJobRow, now: number, stale: boolean): number | undefined {
  const it = r.step ?? r.job;
  if (it.status === 'running' && it.startedAt !== undefined && !stale) return Math.max(0, now - it.startedAt);
  return it.durationMs;
}

/** `3m05s`; a job that had not ended when the jobs were last read, when they could not be read since: `≥3m05s`. */
function durationText(r: RunJobRow, now: number, stale: boolean): string {
  const it = r.step ?? r.job;
  const span = formatSpan(durationOf(r, now, stale));
  return span && stale && !isFinished(it.status) ? `≥${span}` : span;
}

/**
 * At 80 columns: the job (its steps under it), its stage, status, duration and when it started. `stale`: the jobs
 * are the last ones read (reading them again failed), so a running one's duration stops at what was read.
 */
export function runJobColumns(now: () => number, stages: boolean, stale = false): Column<RunJobRow>[] {
  return [
    {
      key: 'name',
      title: 'JOB',
      priority: Priority.identity,
      min: 12,
      // Up to what 80 columns leave beside the status, duration and start: a step's name whole (the ID, `3.<name>`
      // for a local run, gets what is left, never the name's room).
      max: 52,
      value: (r) => (r.step ? `  ${r.step.number}. ${r.step.name}` : r.job.name),
    },
    ...(stages
      ? [
          {
            key: 'stage',
            title: 'STAGE',
            priority: Priority.main,
            min: 5,
            max: 16,
            value: (r: RunJobRow) => (r.step ? '' : (r.job.stage ?? '')),
          },
        ]
      : []),
    {
      key: 'status',
      title: 'STATUS',
      priority: Priority.identity,
      whole: true,
      value: (r) => (r.step ?? r.job).status,
      // A step waiting for its needs is no call to act (unlike a run held for an approval): dim.
      color: (r) => (!r.step && r.job.waitsFor ? 'gray' : statusColor[(r.step ?? r.job).status]),
    },
    {
      key: 'duration',
      title: 'DURATION',
      priority: Priority.main,
      width: 8,
      align: 'right',
      value: (r) => durationText(r, now(), stale),
      sortValue: (r) => durationOf(r, now(), stale) ?? -1,
    },
    {
      key: 'started',
      title: 'STARTED',
      priority: Priority.detail,
      width: 7,
      align: 'right',
      value: (r) => {
        const at = (r.step ?? r.job).startedAt;
        // A step a re-run kept from the run it retried did not start in this one: its job (ID) is the old run's.
        if (at === undefined) return !stages && !r.step && r.job.stage === 'kept' ? 'kept' : '';
        return formatAgeAgo(now() - at);
      },
    },
    {
      key: 'id',
      title: 'ID',
      priority: Priority.extra,
      // Whole or not at all: `4.wa…dth` named no job (y copies the id, whole, whatever the width).
      whole: true,
      value: (r) => (r.step ? '' : r.job.id || '—'),
    },
  ];
}
