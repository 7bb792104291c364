import { type Column, Priority } from '../../components/tableModel';
import type { BatchTargetStatus } from '../../domain/batchOutcome';
import { targetDurationMs } from '../../domain/batchRun';
import type { JobView } from '../../domain/job';
import type { BatchRunTarget, BatchTargetResult } from '../../domain/jobKinds/batch';
import { formatDuration } from '../../domain/jobText';
import { stripControl } from '../../domain/text';

/** A line of a run's target table: the target as the run counts it, and its child job when it has one. */
export interface TargetRow {
  target: BatchRunTarget;
  job?: JobView;
}

export const targetStatusColor: Record<BatchTargetStatus, string | undefined> = {
  pending: undefined,
  running: 'cyan',
  ok: 'green',
  failed: 'red',
  skipped: 'gray',
  cancelled: 'yellow',
};

/** The exit code from the run (once it ended) or from the child's result. */
export function exitCodeOf(row: TargetRow): number | undefined {
  if (row.target.exitCode !== undefined) return row.target.exitCode;
  const code = (row.job?.result as Partial<BatchTargetResult> | undefined)?.exitCode;
  return typeof code === 'number' ? code : undefined;
}

/**
 * How long it ran: the run's figure, else the child's clock (still counting while it runs). `null`: it ran, but
 * nobody knows how long (its worker died while it ran); shown `-`, never as the time its death took to be found.
 */
export function durationOf(row: TargetRow, now: number): number | null | undefined {
  if (row.target.durationMs !== undefined) return row.target.durationMs;
  const job = row.job;
  if (!job?.startedAt) return undefined;
  if (job.finishedAt === undefined) return now - job.startedAt;
  return targetDurationMs(job);
}

/**
 * The last line that said something: the child's result, else why it failed, else its latest progress. A target not
 * run twice (its worker died or stopped while it ran) shows why, as its job's error says, not what it printed.
 */
export function lastLineOf(row: TargetRow): string {
  const job = row.job;
  if (!job) return row.target.status === 'skipped' ? 'not run: an earlier wave stopped the batch' : '';
  const result = job.result as Partial<BatchTargetResult> | undefined;
  const line =
    (result?.notRunTwice === true && job.error) ||
    (typeof result?.lastLine === 'string' && result.lastLine) ||
    (result?.timedOut ? 'timed out' : '') ||
    job.error ||
    job.message ||
    '';
  return stripControl(line.split('\n').filter(Boolean).pop() ?? '');
}

/** At 80 columns: target, wave, status, exit code, duration and the last output line (cut first). */
export function targetColumns(now: () => number): Column<TargetRow>[] {
  return [
    {
      key: 'target',
      title: 'TARGET',
      priority: Priority.identity,
      whole: true,
      max: 28,
      value: (r) => r.target.name,
    },
    {
      key: 'wave',
      title: 'WAVE',
      priority: Priority.identity,
      width: 4,
      align: 'right',
      value: (r) => String(r.target.wave),
      sortValue: (r) => r.target.wave,
    },
    {
      key: 'status',
      title: 'STATUS',
      priority: Priority.identity,
      whole: true,
      value: (r) => r.target.status,
      color: (r) => targetStatusColor[r.target.status],
    },
    {
      key: 'exit',
      title: 'EXIT',
      priority: Priority.main,
      width: 4,
      align: 'right',
      value: (r) => {
        const code = exitCodeOf(r);
        return code === undefined ? '' : String(code);
      },
      color: (r) => {
        const code = exitCodeOf(r);
        return code === undefined ? undefined : code === 0 ? 'green' : 'red';
      },
      sortValue: (r) => exitCodeOf(r) ?? -1,
    },
    {
      key: 'took',
      title: 'TOOK',
      priority: Priority.main,
      // Measured, as the Jobs tab's TOOK and `infradeck jobs` say it: `999ms`, `59.9s`, `59m59s`, `23h59m` whole.
      width: 6,
      align: 'right',
      value: (r) => {
        const ms = durationOf(r, now());
        return ms === undefined ? '' : ms === null ? '-' : formatDuration(ms);
      },
      sortValue: (r) => durationOf(r, now()) ?? -1,
    },
    {
      key: 'output',
      title: 'LAST OUTPUT',
      priority: Priority.detail,
      flex: true,
      min: 12,
      value: lastLineOf,
    },
    {
      key: 'job',
      title: 'JOB',
      priority: Priority.extra,
      whole: true,
      max: 24,
      cut: 'middle',
      value: (r) => r.job?.id ?? r.target.jobId ?? '',
    },
  ];
}
