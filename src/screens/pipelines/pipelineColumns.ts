import { sparkline } from '../../components/Sparkline';
import { type Column, Priority } from '../../components/tableModel';
import { formatDuration } from '../../domain/jobText';
import { isFinished, type PipelineRun, type PipelineStatus } from '../../domain/pipelineClient';
import { lastRunOfRepo, type PipelineRow } from '../../domain/pipelineRows';
import { formatAge, stripControl } from '../../domain/text';

export const sparkWidth = 10;

export const statusColor: Record<PipelineStatus, string> = {
  queued: 'gray',
  waiting: 'magenta',
  // Someone has to play it: blue, not the magenta of a run held for an approval.
  manual: 'blue',
  running: 'cyan',
  passed: 'green',
  failed: 'red',
  cancelled: 'yellow',
  skipped: 'gray',
};

/** Whether the row's runs are what was known before its provider failed (kept, marked with `*`). */
export function isStale(row: PipelineRow): boolean {
  return row.problem !== undefined && row.runs.length > 0;
}

/**
 * What the STATUS cell says: the last run's status (`*` when stale), or, for a row with no runs to show, why:
 * `no remote`, `missing` (the clone's folder is gone), `no token`, `invalid`, `auth error`, `not found`,
 * `unreachable`, `rate limit`, `error`, `never run`.
 */
export function rowStatus(row: PipelineRow): string {
  const last = row.runs[0];
  if (last) return `${last.status}${isStale(row) ? '*' : ''}`;
  switch (row.problemKind) {
    case undefined:
      return 'never run';
    case 'invalid':
      return 'invalid';
    case 'no-remote':
      return 'no remote';
    case 'missing':
      return 'missing';
    case 'auth':
      return /^no (GitHub|GitLab) token/.test(row.problem ?? '') ? 'no token' : 'auth error';
    case 'rate-limited':
      return 'rate limit';
    // As `infradeck pipelines` says them: a moved or deleted project, a host that does not answer.
    case 'not-found':
      return 'not found';
    case 'network':
      return 'unreachable';
    default:
      return 'error';
  }
}

export function rowStatusColor(row: PipelineRow): string | undefined {
  const last = row.runs[0];
  if (last) return statusColor[last.status];
  return row.problem === undefined ? undefined : row.problemKind === 'no-remote' ? 'gray' : 'red';
}

/** `8s`, `3m05s`, `1h02m`: how long a run took, to the second under an hour. */
export function formatSpan(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '';
  return formatDuration(Math.max(0, ms));
}

/**
 * A running run's duration counts up with the clock; an ended one's is what the source said. A stale one (its
 * provider failed since) is what was last read: it may have ended since, so the clock says nothing of it.
 */
export function runDuration(run: PipelineRun | undefined, now: number, stale = false): number | undefined {
  if (!run) return undefined;
  if (run.status === 'running' && run.startedAt !== undefined && !stale)
    return Math.max(0, now - run.startedAt);
  return run.durationMs;
}

/**
 * What a DURATION cell says: `3m05s`; a stale run that had not ended when last read took at least what it had
 * then (`≥12m05s`): it may have ended since, or still run.
 */
export function durationText(run: PipelineRun | undefined, now: number, stale = false): string {
  const span = formatSpan(runDuration(run, now, stale));
  return span && stale && run && !isFinished(run.status) ? `≥${span}` : span;
}

/** The newest runs that fit, oldest first (the newest on the right). */
function recentRuns(row: PipelineRow, width: number): PipelineRun[] {
  return row.runs.slice(0, width).reverse();
}

/**
 * The durations of the last runs as bars, the newest on the right; a run that did not run (skipped, cancelled
 * before it started) is `·`. Without colour a failed run is `✖` (a bar's colour cannot say it then).
 */
export function runSparkline(row: PipelineRow, width: number, noColor: boolean): string {
  const runs = recentRuns(row, width);
  const bars = [
    ...sparkline(
      runs.map((r) => r.durationMs ?? 0),
      width,
    ),
  ];
  const pad = width - runs.length;
  runs.forEach((run, i) => {
    if (run.durationMs === undefined && run.status !== 'running') bars[pad + i] = '·';
    else if (noColor && run.status === 'failed') bars[pad + i] = '✖';
  });
  return bars.join('');
}

function runColors(row: PipelineRow, width: number): (string | undefined)[] {
  const runs = recentRuns(row, width);
  return [...Array(width - runs.length).fill(undefined), ...runs.map((r) => statusColor[r.status])];
}

/** The row's problem in full, else its last run's commit, event and who: what the DETAIL cell says. */
function detailOf(row: PipelineRow): string {
  if (row.problem !== undefined) return stripControl(row.problem);
  const last = row.runs[0];
  if (!last)
    return row.file ? `${row.file} · ${row.steps === 1 ? '1 step' : `${row.steps ?? '?'} steps`}` : '';
  return [last.commit?.slice(0, 7), last.event, last.who ? `by ${last.who}` : ''].filter(Boolean).join(' · ');
}

/**
 * At 80 columns: source, repository, pipeline, branch, status, age, duration and the last runs; the detail
 * (the problem in full, or the commit and who) on wider terminals, and for the cursor row under the table.
 */
export function pipelineColumns(now: () => number, noColor: boolean): Column<PipelineRow>[] {
  return [
    {
      key: 'source',
      title: 'SOURCE',
      priority: Priority.main,
      whole: true,
      // A repository whose origin is on no known CI host has no source to name.
      value: (r) => (r.source === 'local' || r.remote ? r.source : '-'),
    },
    // The repository and the pipeline name the row: whole (up to their max) before the branch and the times show.
    {
      key: 'repo',
      title: 'REPO',
      priority: Priority.identity,
      whole: true,
      min: 8,
      max: 20,
      value: (r) => r.repo ?? '-',
    },
    {
      key: 'pipeline',
      title: 'PIPELINE',
      priority: Priority.identity,
      whole: true,
      min: 8,
      max: 22,
      value: (r) => r.pipeline,
    },
    // A branch takes up to 40 columns before DETAIL (flex) gets the rest: DETAIL's values (a problem in full) are
    // seldom all whole, so a `max` is as far as a cut column grows. Cut in its middle: `feature/…-checkout`. Local
    // pipelines' runs have no branch: with no remote row the column gives its 7 columns to the others.
    {
      key: 'branch',
      title: 'BRANCH',
      priority: Priority.main,
      min: 6,
      max: 40,
      cut: 'middle',
      hideWhenEmpty: true,
      value: (r) => r.runs[0]?.branch ?? '',
    },
    {
      key: 'status',
      title: 'STATUS',
      priority: Priority.identity,
      whole: true,
      value: rowStatus,
      color: rowStatusColor,
    },
    {
      key: 'age',
      title: 'AGE',
      priority: Priority.main,
      width: 3,
      align: 'right',
      value: (r) => (r.runs[0]?.startedAt !== undefined ? formatAge(now() - r.runs[0].startedAt) : ''),
      sortValue: (r) => -(r.runs[0]?.startedAt ?? Number.NEGATIVE_INFINITY),
    },
    {
      key: 'duration',
      title: 'DURATION',
      priority: Priority.main,
      width: 8,
      align: 'right',
      value: (r) => durationText(r.runs[0], now(), isStale(r)),
      sortValue: (r) => runDuration(r.runs[0], now(), isStale(r)) ?? -1,
    },
    {
      key: 'runs',
      title: 'RUNS',
      priority: Priority.detail,
      width: sparkWidth,
      value: (r) => runSparkline(r, sparkWidth, noColor),
      colors: (r) => runColors(r, sparkWidth),
      sortValue: (r) => r.runs.length,
    },
    {
      key: 'detail',
      title: 'DETAIL',
      priority: Priority.detail,
      flex: true,
      min: 16,
      value: detailOf,
      color: (r) => (r.problem !== undefined && r.problemKind !== 'no-remote' ? 'red' : undefined),
    },
  ];
}

/**
 * The Repositories tab's CI cell of a repository: its last run's status over all its pipelines (`*` when that is
 * the last known one of a provider that now fails); undefined when the repository has no CI runs to show.
 */
export function ciCell(
  rows: readonly PipelineRow[],
  repo: string,
): { text: string; color: string } | undefined {
  const last = lastRunOfRepo(rows, repo);
  if (!last) return undefined;
  const row = rows.find((r) => r.repo === repo && r.runs[0] === last);
  return { text: `${last.status}${row && isStale(row) ? '*' : ''}`, color: statusColor[last.status] };
}
