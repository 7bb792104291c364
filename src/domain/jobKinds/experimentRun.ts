import * as z from 'zod';
import type { Checkpoint, MetricSeries, MetricSummary } from '../experimentMetrics';
import type { MetricSkips } from '../metricLine';
import { carries, declareEvent, declareJobKind } from './jobKindDeclaration';

/**
 * `experimentRun`: one run of an experiment (`ai/experiments/*.yaml`), its params chosen and substituted when the
 * run was asked for: the worker runs exactly this argv. Its output's metric lines (`domain/metricLine`) become
 * points in the run's metrics store and `ai.metrics` events; the other lines are its log.
 */
const argvSchema = z.array(z.string().max(65_536)).min(1).max(4096);
const variableSchema = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/);

const targetSchema = z
  .object({
    name: z.string().min(1).max(200),
    host: z.string().min(1).max(300),
    port: z.number().int().min(1).max(65_535).optional(),
    user: z.string().min(1).max(200).optional(),
    identityFile: z.string().min(1).max(4096).optional(),
  })
  .strict();
export type ExperimentTarget = z.output<typeof targetSchema>;

export const experimentRunPayloadSchema = z
  .object({
    experiment: z.string().min(1).max(64),
    /** The experiment file it was read from. */
    source: z.object({ file: z.string().min(1).max(4096) }).strict(),
    argv: argvSchema,
    /** Every param's value as text, the grid's among them. */
    params: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/), z.string().max(4096)).default({}),
    env: z.record(variableSchema, z.string()).default({}),
    where: z.discriminatedUnion('type', [
      z.object({ type: z.literal('worker') }).strict(),
      z.object({ type: z.literal('server'), target: targetSchema }).strict(),
      z.object({ type: z.literal('local'), target: targetSchema }).strict(),
    ]),
    /** Worker and local: the folder it runs in, absolute on the worker. */
    cwd: z.string().min(1).max(4096).optional(),
    metric: z
      .object({ name: z.string().min(1).max(128), goal: z.enum(['min', 'max']) })
      .strict()
      .optional(),
    /** Its place in the grid it came from: run `index` (1-based) of `of`. */
    grid: z
      .object({ index: z.number().int().min(1), of: z.number().int().min(1) })
      .strict()
      .optional(),
  })
  .strict();
export type ExperimentRunPayload = z.output<typeof experimentRunPayloadSchema>;

export interface ExperimentRunResult {
  exitCode?: number;
  durationMs: number;
  /** Metric points stored. */
  points: number;
  /** Each metric's count, first, last, min and max, in order of first appearance. */
  metrics: MetricSummary[];
  /** The last checkpoints (the store keeps them all). */
  checkpoints: Checkpoint[];
  /** What was left out of metric lines, by kind (`domain/metricLine`). */
  skipped: MetricSkips;
  /** Log lines (those that are not metrics). */
  logLines: number;
}

/**
 * New points of a running run, about every 250 ms. A burst is thinned for the stream (each metric cut down to its
 * bucket minima and maxima, `downsample`): `thinned` says so, and the store holds every point.
 */
export interface AiMetricsEventData {
  run: string;
  experiment: string;
  series: MetricSeries[];
  checkpoints: Checkpoint[];
  /** Points read since the last event (before thinning); `total`: since the run started. */
  points: number;
  total: number;
  thinned: boolean;
}

export const aiMetricsEvent = declareEvent('ai.metrics', carries<AiMetricsEventData>());

export const experimentRunJob = declareJobKind({
  kind: 'experimentRun',
  payload: experimentRunPayloadSchema,
  result: carries<ExperimentRunResult>(),
  // A training run is not assumed safe to start twice: it runs once unless the spec asks for more.
  policy: { attempts: 1, backoffMs: 5_000, timeoutMs: 0 },
  changes: true,
  describe: (p) => {
    const params =
      typeof p.params === 'object' && p.params !== null
        ? Object.entries(p.params as Record<string, unknown>).map(([k, v]) => `${k}=${String(v)}`)
        : [];
    const where = p.where as { type?: unknown; target?: { name?: unknown } } | undefined;
    const on = where?.type === 'server' || where?.type === 'local' ? ` on ${String(where.target?.name)}` : '';
    return `experiment ${String(p.experiment)}${params.length ? ` ${params.join(' ')}` : ''}${on}`;
  },
  events: [aiMetricsEvent],
});
