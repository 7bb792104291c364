import {
  addToSummary,
  bestOf,
  type Checkpoint,
  type MetricGoal,
  type MetricSeries,
  type MetricSummary,
} from './experimentMetrics';
import { isFinished, type JobStatus, type JobView } from './job';
import type { ExperimentRunPayload, ExperimentRunResult } from './jobKinds/experimentRun';

/** An experiment of the workspace as the AI tab lists it (`ai/experiments/*.yaml`, checked). */
export interface ExperimentInfo {
  name: string;
  file: string;
  /** Problems of the file, `file:line:col: …`; a file with any is listed but cannot start runs. */
  errors: string[];
  description?: string;
  /** Each param's default, as text. */
  params: Record<string, string>;
  /** Each grid key's values, as text: one run per combination. */
  grid: Record<string, string[]>;
  metric?: { name: string; goal: MetricGoal };
  /** `worker`, `server NAME`, `local NAME`. */
  where: string;
  /** Runs one start makes (the grid's size). */
  runs: number;
}

/** What `ai.metrics` events told of a run still going: its metrics so far and a short series of each for a sparkline. */
export interface LiveRun {
  summaries: Record<string, MetricSummary>;
  /** Recent values per metric, thinned as they grow (`sparkKept`). */
  spark: Record<string, number[]>;
  points: number;
}

/** Values a live sparkline keeps per metric before it is halved. */
export const sparkKept = 256;
/** Metrics a live run keeps a sparkline for (a run printing hundreds of metric names keeps the first). */
const sparkMetrics = 32;

/** A run of an experiment: an `experimentRun` job with what its result (or, while it runs, its events) says. */
export interface AiRunRow {
  id: string;
  experiment: string;
  status: JobStatus;
  params: Record<string, string>;
  /** The experiment's main metric; without one, the first metric the run printed (goal min). */
  metric?: { name: string; goal: MetricGoal };
  best?: number;
  last?: number;
  lastStep?: number;
  points: number;
  summaries: MetricSummary[];
  checkpoints: Checkpoint[];
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  attempts: number;
  error?: string;
  argv: string[];
  where: string;
}

function whereText(where: ExperimentRunPayload['where'] | undefined): string {
  return where?.type === 'server' || where?.type === 'local'
    ? `${where.type} ${where.target.name}`
    : 'worker';
}

/** A run's row from its job, and from the live events while it has no result yet. */
export function aiRunRow(job: JobView, live: LiveRun | undefined): AiRunRow {
  const payload = (job.payload ?? {}) as Partial<ExperimentRunPayload>;
  const result = job.result as Partial<ExperimentRunResult> | undefined;
  const summaries: MetricSummary[] = Array.isArray(result?.metrics)
    ? result.metrics
    : live
      ? Object.values(live.summaries)
      : [];
  const metric =
    payload.metric ?? (summaries[0] ? { name: summaries[0].name, goal: 'min' as const } : undefined);
  const main = metric ? summaries.find((s) => s.name === metric.name) : undefined;
  return {
    id: job.id,
    experiment: String(payload.experiment ?? '?'),
    status: job.status,
    params: payload.params ?? {},
    ...(metric ? { metric } : {}),
    ...(main && metric ? { best: bestOf(main, metric.goal), last: main.last, lastStep: main.lastStep } : {}),
    points:
      typeof result?.points === 'number'
        ? result.points
        : (live?.points ?? summaries.reduce((n, s) => n + s.count, 0)),
    summaries,
    checkpoints: Array.isArray(result?.checkpoints) ? result.checkpoints : [],
    createdAt: job.createdAt,
    ...(job.startedAt !== undefined ? { startedAt: job.startedAt } : {}),
    ...(job.finishedAt !== undefined ? { finishedAt: job.finishedAt } : {}),
    attempts: job.attempts,
    ...(job.error && job.status !== 'completed' ? { error: job.error } : {}),
    argv: Array.isArray(payload.argv) ? payload.argv : [],
    where: whereText(payload.where),
  };
}

/** Every `experimentRun` job as a row, newest first. */
export function aiRunRows(jobs: Iterable<JobView>, live: Readonly<Record<string, LiveRun>>): AiRunRow[] {
  const rows: AiRunRow[] = [];
  for (const job of jobs) if (job.kind === 'experimentRun') rows.push(aiRunRow(job, live[job.id]));
  return rows.sort((a, b) => b.createdAt - a.createdAt || b.id.localeCompare(a.id, 'en', { numeric: true }));
}

/** How long a run ran: to its end, or to `now` while it runs; undefined before it started. */
export function runDurationMs(row: Pick<AiRunRow, 'startedAt' | 'finishedAt' | 'status'>, now: number) {
  if (row.startedAt === undefined) return undefined;
  const end = row.finishedAt ?? (isFinished(row.status) ? row.startedAt : now);
  return Math.max(0, end - row.startedAt);
}

/** An experiment with its runs, for the tab's first table. */
export interface ExperimentRow {
  key: string;
  info: ExperimentInfo;
  /** Its runs, newest first. */
  runs: AiRunRow[];
  /** The run with the best value of the main metric, and that value. */
  best?: { run: AiRunRow; value: number };
  active: number;
  failed: number;
}

/** One row per experiment file (in the files' order), then one per experiment that has runs but no file now. */
export function experimentRows(
  experiments: readonly ExperimentInfo[],
  runs: readonly AiRunRow[],
): ExperimentRow[] {
  const byName = new Map<string, AiRunRow[]>();
  for (const run of runs) {
    let list = byName.get(run.experiment);
    if (!list) {
      list = [];
      byName.set(run.experiment, list);
    }
    list.push(run);
  }
  const row = (info: ExperimentInfo): ExperimentRow => {
    const own = byName.get(info.name) ?? [];
    let best: ExperimentRow['best'];
    for (const run of own) {
      if (run.best === undefined || !run.metric) continue;
      const better = !best || (run.metric.goal === 'max' ? run.best > best.value : run.best < best.value);
      if (better) best = { run, value: run.best };
    }
    return {
      key: info.name,
      info,
      runs: own,
      ...(best ? { best } : {}),
      active: own.filter((r) => !isFinished(r.status)).length,
      failed: own.filter((r) => r.status === 'failed').length,
    };
  };
  const rows = experiments.map(row);
  const named = new Set(experiments.map((e) => e.name));
  for (const [name, own] of byName) {
    if (named.has(name)) continue;
    const first = own[0];
    rows.push(
      row({
        name,
        file: '',
        errors: [`no file ai/experiments/${name}.yaml now: its runs are kept`],
        params: first.params,
        grid: {},
        ...(first.metric ? { metric: first.metric } : {}),
        where: first.where,
        runs: 1,
      }),
    );
  }
  return rows;
}

/** `lr=0.1 seed=7`: a run's params, those named first (the ones that vary between runs). */
export function paramsText(params: Record<string, string>, first: readonly string[] = []): string {
  const names = [
    ...first.filter((n) => Object.hasOwn(params, n)),
    ...Object.keys(params).filter((n) => !first.includes(n)),
  ];
  return names.map((n) => `${n}=${params[n]}`).join(' ');
}

/** The params whose values are not the same in every one of the runs (in order of first appearance). */
export function varyingParams(runs: readonly Pick<AiRunRow, 'params'>[]): string[] {
  const names: string[] = [];
  for (const r of runs) for (const n of Object.keys(r.params)) if (!names.includes(n)) names.push(n);
  return names.filter((n) => new Set(runs.map((r) => r.params[n] ?? '')).size > 1);
}

/** The runs' params side by side: those that differ (a value per run, `—` where a run has none), and those shared. */
export interface ParamsDiff {
  differ: Array<{ name: string; values: string[] }>;
  same: Array<{ name: string; value: string }>;
}

export function paramsDiff(runs: readonly Pick<AiRunRow, 'params'>[]): ParamsDiff {
  const varying = new Set(varyingParams(runs));
  const names: string[] = [];
  for (const r of runs) for (const n of Object.keys(r.params)) if (!names.includes(n)) names.push(n);
  const diff: ParamsDiff = { differ: [], same: [] };
  for (const name of names) {
    if (varying.has(name)) diff.differ.push({ name, values: runs.map((r) => r.params[name] ?? '—') });
    else diff.same.push({ name, value: runs[0]?.params[name] ?? '' });
  }
  return diff;
}

/** The metric names of the runs, in order of first appearance, the main one first. */
export function metricNames(series: readonly Pick<MetricSeries, 'name'>[][], main?: string): string[] {
  const names: string[] = [];
  for (const list of series) for (const s of list) if (!names.includes(s.name)) names.push(s.name);
  if (main && names.includes(main)) return [main, ...names.filter((n) => n !== main)];
  return names;
}

/** A live run after one `ai.metrics` event's points. Returns a new object (the table redraws). */
export function addLivePoints(
  before: LiveRun | undefined,
  series: readonly MetricSeries[],
  total: number,
): LiveRun {
  const summaries = { ...(before?.summaries ?? {}) };
  const spark = { ...(before?.spark ?? {}) };
  for (const s of series) {
    let summary = summaries[s.name] ? { ...summaries[s.name] } : undefined;
    for (const p of s.points) summary = addToSummary(summary, s.name, p.step, p.value);
    if (summary) summaries[s.name] = summary;
    if (!spark[s.name] && Object.keys(spark).length >= sparkMetrics) continue;
    let values = [...(spark[s.name] ?? []), ...s.points.map((p) => p.value)];
    // Halved when full: every other value goes, so the line still spans the whole run.
    while (values.length > sparkKept)
      values = values.filter((_, i) => i % 2 === 1 || i === values.length - 1);
    spark[s.name] = values;
  }
  return { summaries, spark, points: Math.max(total, before?.points ?? 0) };
}
