import { type Column, Priority } from '../../components/tableModel';
import { type AiRunRow, type ExperimentRow, paramsText, runDurationMs } from '../../domain/aiRunRows';
import { formatMetric } from '../../domain/experimentMetrics';
import type { JobStatus } from '../../domain/job';
import { formatDuration } from '../../domain/jobText';
import { rangeSparkline } from '../../domain/metricChartValues';
import { formatAge, stripControl } from '../../domain/text';

export const sparkWidth = 12;

export const statusColor: Partial<Record<JobStatus, string>> = {
  completed: 'green',
  failed: 'red',
  cancelled: 'yellow',
  active: 'cyan',
  queued: 'gray',
  delayed: 'gray',
};

/** `2.4s`, `3m10s`: how long a run took (or has been running). */
export function tookText(ms: number | undefined): string {
  if (ms === undefined) return '-';
  return formatDuration(ms);
}

/** `val_loss 0.0031`: the main metric's best value. */
export function bestText(row: Pick<AiRunRow, 'metric' | 'best'>): string {
  return row.metric && row.best !== undefined ? formatMetric(row.best) : '-';
}

/** The experiments: name, runs, how the last went, the best value of the main metric; the rest on wider terminals. */
export function experimentColumns(now: () => number): Column<ExperimentRow>[] {
  return [
    {
      key: 'name',
      title: 'EXPERIMENT',
      priority: Priority.identity,
      whole: true,
      max: 28,
      // Names of one sweep share their start (`llama-sweep-lr`, `llama-sweep-bs`): a cut keeps the end too.
      cut: 'middle',
      value: (r) => r.info.name,
    },
    {
      key: 'runs',
      title: 'RUNS',
      priority: Priority.main,
      align: 'right',
      value: (r) => String(r.runs.length),
      sortValue: (r) => r.runs.length,
    },
    {
      key: 'last',
      title: 'LAST',
      priority: Priority.main,
      whole: true,
      value: (r) => (r.info.errors.length && r.info.file ? 'invalid' : (r.runs[0]?.status ?? 'never run')),
      color: (r) =>
        r.info.errors.length && r.info.file ? 'red' : r.runs[0] ? statusColor[r.runs[0].status] : undefined,
    },
    {
      key: 'metric',
      title: 'METRIC',
      priority: Priority.main,
      whole: true,
      max: 20,
      // `validation/perplexity_at_…` says neither which metric nor its goal: a cut keeps the end and the goal.
      cut: 'middle',
      value: (r) => (r.info.metric ? `${r.info.metric.name} ${r.info.metric.goal}` : '-'),
    },
    {
      key: 'best',
      title: 'BEST',
      priority: Priority.main,
      whole: true,
      align: 'right',
      value: (r) => (r.best ? formatMetric(r.best.value) : '-'),
      sortValue: (r) => r.best?.value ?? Number.POSITIVE_INFINITY,
    },
    {
      key: 'bestRun',
      title: 'BY RUN',
      priority: Priority.detail,
      whole: true,
      max: 14,
      value: (r) => r.best?.run.id ?? '',
    },
    {
      key: 'grid',
      title: 'PER START',
      priority: Priority.extra,
      align: 'right',
      value: (r) => (r.info.runs ? String(r.info.runs) : '-'),
    },
    {
      key: 'where',
      title: 'WHERE',
      priority: Priority.extra,
      whole: true,
      max: 24,
      value: (r) => r.info.where,
    },
    {
      key: 'params',
      title: 'PARAMS',
      priority: Priority.detail,
      flex: true,
      min: 12,
      value: (r) =>
        stripControl(
          [...Object.entries(r.info.grid).map(([k, vs]) => `${k}=${vs.join('|')}`), paramsText(r.info.params)]
            .filter(Boolean)
            .join(' '),
        ),
    },
    {
      key: 'age',
      title: 'AGE',
      priority: Priority.extra,
      width: 4,
      align: 'right',
      value: (r) => (r.runs[0] ? formatAge(now() - r.runs[0].createdAt) : '-'),
      sortValue: (r) => -(r.runs[0]?.createdAt ?? 0),
    },
  ];
}

/**
 * The runs of an experiment: id, status, the params that vary between its runs first, the main metric's best value,
 * how long it took and a sparkline of the main metric (coloured by the run's status; the status is in words too).
 */
export function runColumns(
  now: () => number,
  varying: readonly string[],
  sparks: (row: AiRunRow) => readonly number[] | undefined,
): Column<AiRunRow>[] {
  return [
    {
      key: 'run',
      title: 'RUN',
      priority: Priority.identity,
      whole: true,
      max: 16,
      cut: 'middle',
      value: (r) => r.id,
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
      key: 'params',
      title: 'PARAMS',
      priority: Priority.main,
      flex: true,
      min: 10,
      value: (r) => stripControl(paramsText(r.params, varying)),
    },
    {
      key: 'best',
      title: 'BEST',
      priority: Priority.main,
      whole: true,
      align: 'right',
      value: bestText,
      sortValue: (r) =>
        r.best === undefined ? Number.POSITIVE_INFINITY : r.metric?.goal === 'max' ? -r.best : r.best,
    },
    {
      key: 'took',
      title: 'TOOK',
      priority: Priority.main,
      align: 'right',
      value: (r) => tookText(runDurationMs(r, now())),
      sortValue: (r) => runDurationMs(r, now()) ?? -1,
    },
    {
      key: 'spark',
      title: 'MAIN METRIC',
      priority: Priority.detail,
      width: sparkWidth,
      value: (r) => rangeSparkline(sparks(r) ?? [], sparkWidth),
      color: (r) => statusColor[r.status],
      sortValue: (r) => r.best ?? Number.POSITIVE_INFINITY,
    },
    {
      key: 'last',
      title: 'LAST',
      priority: Priority.extra,
      whole: true,
      align: 'right',
      value: (r) => (r.last !== undefined ? formatMetric(r.last) : '-'),
    },
    {
      key: 'step',
      title: 'STEP',
      priority: Priority.extra,
      align: 'right',
      value: (r) => (r.lastStep !== undefined ? String(r.lastStep) : '-'),
      sortValue: (r) => r.lastStep ?? -1,
    },
    {
      key: 'points',
      title: 'POINTS',
      priority: Priority.extra,
      align: 'right',
      value: (r) => String(r.points),
      sortValue: (r) => r.points,
    },
    {
      key: 'age',
      title: 'AGE',
      priority: Priority.extra,
      width: 4,
      align: 'right',
      value: (r) => formatAge(now() - r.createdAt),
      sortValue: (r) => -r.createdAt,
    },
  ];
}
