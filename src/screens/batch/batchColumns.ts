import { type Column, Priority } from '../../components/tableModel';
import type { BatchStatus } from '../../domain/batchOutcome';
import { batchActionText } from '../../domain/batchPlan';
import { formatAge, stripControl } from '../../domain/text';
import type { BatchRow } from './batchRows';

export const runStatusColor: Record<BatchStatus | 'defined' | 'invalid', string | undefined> = {
  running: 'cyan',
  paused: 'magenta',
  completed: 'green',
  failed: 'red',
  cancelled: 'yellow',
  defined: undefined,
  invalid: 'red',
};

/** `█████░░░ 62%`: `done` of `total` as a bar of `width` cells and a percentage. */
export function progressCells(done: number, total: number, width: number): string {
  const share = total > 0 ? Math.min(1, done / total) : 0;
  const filled = Math.round(share * width);
  return `${'█'.repeat(filled)}${'░'.repeat(width - filled)} ${String(Math.floor(share * 100)).padStart(3)}%`;
}

function statusOf(row: BatchRow): BatchStatus | 'defined' | 'invalid' {
  return row.kind === 'run' ? row.run.status : row.kind;
}

/** OK, FAIL, SKIP or CANC: a run's count of targets that ended so, coloured once there is one. */
function countColumn(
  which: 'ok' | 'failed' | 'skipped' | 'cancelled',
  title: string,
  color: string,
): Column<BatchRow> {
  return {
    key: which,
    title,
    priority: Priority.main,
    width: 4,
    align: 'right',
    value: (r) => (r.kind === 'run' ? String(r.run.counts[which]) : ''),
    color: (r) => (r.kind === 'run' && r.run.counts[which] > 0 ? color : undefined),
  };
}

/**
 * What a row does: the run's or the file's action; the first problem of a file with errors, without where it is
 * (`targets.servers[1]: no server …`): the row's NAME says which batch, and the line under the table the file, line
 * and column in full. A cut position (`7:15: …` without its file) would read as a fragment.
 */
function detailOf(row: BatchRow): string {
  if (row.kind === 'invalid') {
    const first = row.errors[0] ?? row.file;
    if (!first.startsWith(`${row.file}:`)) return first;
    return first
      .slice(row.file.length + 1)
      .replace(/^\d+:\d+:/, '')
      .trimStart();
  }
  const action = row.kind === 'run' ? row.run.payload.action : row.file.batch.action;
  return stripControl(batchActionText(action as Parameters<typeof batchActionText>[0]));
}

/**
 * At 80 columns: name, status, wave k/n, ok/failed/skipped/cancelled, a progress bar and the age; the run's job id
 * and the action on wider terminals (and, for the cursor row, under the table).
 */
export function batchColumns(now: () => number): Column<BatchRow>[] {
  return [
    { key: 'name', title: 'NAME', priority: Priority.identity, whole: true, max: 24, value: (r) => r.name },
    {
      key: 'status',
      title: 'STATUS',
      priority: Priority.identity,
      whole: true,
      value: statusOf,
      color: (r) => runStatusColor[statusOf(r)],
    },
    {
      key: 'wave',
      title: 'WAVE',
      priority: Priority.main,
      width: 7,
      align: 'right',
      value: (r) =>
        r.kind === 'run'
          ? `${r.run.progress.wave}/${r.run.progress.waves}`
          : r.kind === 'defined' && r.plan
            ? `-/${r.plan.waves.length}`
            : '',
      sortValue: (r) => (r.kind === 'run' ? r.run.progress.wave : -1),
    },
    countColumn('ok', 'OK', 'green'),
    countColumn('failed', 'FAIL', 'red'),
    countColumn('skipped', 'SKIP', 'yellow'),
    // A cancelled run's targets are neither ok, failed nor skipped: without it, 0 0 0 says nothing of them.
    countColumn('cancelled', 'CANC', 'yellow'),
    {
      key: 'progress',
      title: 'PROGRESS',
      priority: Priority.main,
      width: 13,
      // What ran: a target skipped, or cancelled before it started, leaves its share empty (as in the wave lines).
      value: (r) => (r.kind === 'run' ? progressCells(r.run.progress.ran, r.run.progress.total, 8) : ''),
      color: (r) => (r.kind === 'run' ? runStatusColor[r.run.status] : undefined),
      sortValue: (r) =>
        r.kind === 'run' && r.run.progress.total ? r.run.progress.ran / r.run.progress.total : -1,
    },
    {
      key: 'age',
      title: 'AGE',
      priority: Priority.main,
      width: 3,
      align: 'right',
      value: (r) => (r.kind === 'run' ? formatAge(now() - r.run.job.createdAt) : ''),
      sortValue: (r) => (r.kind === 'run' ? -r.run.job.createdAt : Number.NEGATIVE_INFINITY),
    },
    {
      key: 'id',
      title: 'JOB',
      priority: Priority.detail,
      whole: true,
      max: 14,
      cut: 'middle',
      value: (r) => (r.kind === 'run' ? r.run.job.id : ''),
    },
    {
      key: 'targets',
      title: 'TARGETS',
      priority: Priority.extra,
      width: 7,
      align: 'right',
      value: (r) =>
        r.kind === 'run'
          ? String(r.run.progress.total)
          : r.kind === 'defined' && r.plan
            ? String(r.plan.targets.length)
            : '',
    },
    {
      key: 'detail',
      title: 'ACTION',
      priority: Priority.detail,
      flex: true,
      min: 16,
      value: detailOf,
      color: (r) => (r.kind === 'invalid' ? 'red' : undefined),
    },
  ];
}
