import { paramEnvName } from '../../domain/experiment';
import type { ExperimentRunPayload, ExperimentRunResult } from '../../domain/jobKinds/experimentRun';
import { formatDuration } from '../../domain/jobText';
import { maxMetricLineLength } from '../../domain/metricLine';
import { JobRefused } from '../../domain/refusal';
import { stripControl } from '../../domain/text';
import { type OpenRunMetrics, runMetricsOpener } from '../../services/ai/runMetrics';
import { RunMetricsIngest, type RunMetricsIngestOptions } from '../../services/ai/runMetricsIngest';
import { batchKnownHostsFile, runTarget } from '../../services/batch/targetRun';
import type { Handler, JobContext } from '../../services/bus/contracts';
import { JobFailure } from '../../services/bus/jobFailure';
import { workspacePaths } from '../../services/storage/workspace';
import { type CommandHandlerOptions, commandRunner } from './command';

export interface ExperimentRunHandlerOptions extends CommandHandlerOptions {
  /** The worker's workspace: the metrics files without Redis, and ssh's known_hosts for runs on a server. */
  dataDir?: string;
  /** Where the run's points go (a store per run, closed at its end). Default: the workspace's files. */
  metrics?: OpenRunMetrics;
  ingest?: RunMetricsIngestOptions;
  /** More ssh options, ahead of the target's (tests: `['-F', '/dev/null']`). */
  sshOptions?: readonly string[];
}

/** Checkpoints a job's result keeps (the store keeps every one). */
const resultCheckpoints = 20;

/**
 * The `experimentRun` job: one run of an experiment. The program runs as a `command` job's does (`commandRunner`:
 * own process group killed on cancel and timeout, allow-listed environment) on the worker, or over ssh on a server
 * of `servers.yaml` as a batch's `ssh` target (`runTarget`). Its environment: the experiment's `env`, each param
 * as `INFRADECK_PARAM_<NAME>`, `INFRADECK_EXPERIMENT` and `INFRADECK_RUN` (over ssh these are set by `env` on the
 * remote side: sshd passes no variables).
 *
 * Each output line goes first to the run's `RunMetricsIngest`: metric lines become points in the run's store and
 * `ai.metrics` events, and never count against the log's budget; the other lines are the log, escape sequences
 * stripped. A new attempt (a retry, or a delivery after its worker died) starts from an empty series: the points
 * are those of the attempt that ran last. A non-zero exit fails the job with its metrics kept in the result.
 */
export function experimentRunHandler(opts: ExperimentRunHandlerOptions = {}): Handler<'experimentRun'> {
  const run = commandRunner({ ...opts, maxLineLength: opts.maxLineLength ?? maxMetricLineLength });
  return async (payload: ExperimentRunPayload, ctx) => {
    ctx.signal.throwIfAborted();
    if (opts.readOnly)
      throw new JobRefused(`this worker is read-only: experiment ${payload.experiment} is not run`);
    const open = opts.metrics ?? (opts.dataDir ? runMetricsOpener({ dataDir: opts.dataDir }) : undefined);
    if (!open) {
      throw new JobRefused(
        'this worker has nowhere to keep metrics: no REDIS_URL and no workspace folder (--data)',
      );
    }
    if (payload.where.type === 'server' && !opts.dataDir) {
      throw new JobRefused(
        'this worker has no workspace folder (--data) for the known_hosts of its ssh targets',
      );
    }
    const store = await open();
    try {
      await store.clear(ctx.jobId);
      if (ctx.attempt > 1) {
        await ctx.log(`attempt ${ctx.attempt}: the points of earlier attempts are dropped`, 'info');
      }
      const ingest = new RunMetricsIngest(store, ctx.jobId, payload.experiment, ctx, opts.ingest);
      const env: Record<string, string> = {
        ...payload.env,
        ...Object.fromEntries(Object.entries(payload.params).map(([k, v]) => [paramEnvName(k), v])),
        INFRADECK_EXPERIMENT: payload.experiment,
        INFRADECK_RUN: ctx.jobId,
      };
      const [program, ...args] = payload.argv as [string, ...string[]];
      const where = payload.where;
      const on = where.type === 'worker' ? '' : ` on ${where.target.name}`;
      ctx.progress(0, 1, `${payload.experiment}${on}: ${program}`);

      const started = performance.now();
      let exitCode: number;
      let signal: string | undefined;
      ingest.start();
      try {
        if (where.type === 'server') {
          const knownHostsFile = batchKnownHostsFile(workspacePaths(opts.dataDir!).cacheDir);
          const ended = await runTarget(
            { key: where.target.name, ...where.target },
            {
              type: 'ssh',
              program: 'env',
              args: [...Object.entries(env).map(([k, v]) => `${k}=${v}`), program, ...args],
            },
            {
              knownHostsFile,
              signal: ctx.signal,
              maxLineLength: opts.maxLineLength ?? maxMetricLineLength,
              onLine: (line, stream) => {
                if (!ingest.take(line)) ctx.log(line, stream).catch(() => {});
              },
              ...(opts.killGraceMs !== undefined ? { killGraceMs: opts.killGraceMs } : {}),
              ...(opts.workerEnv ? { workerEnv: opts.workerEnv } : {}),
              ...(opts.sshOptions ? { sshOptions: opts.sshOptions } : {}),
            },
          );
          ctx.signal.throwIfAborted();
          exitCode = ended.exitCode;
          signal = ended.signal;
        } else {
          const target: Record<string, string> =
            where.type === 'local'
              ? { INFRADECK_TARGET: where.target.name, INFRADECK_TARGET_HOST: where.target.host }
              : {};
          const exit = await run(
            { program, args, shell: false, cwd: payload.cwd, env: { ...env, ...target } },
            strippedOutput(ctx),
            (line) => ingest.take(line),
          );
          exitCode = exit.exitCode;
          signal = exit.signal ?? undefined;
        }
      } finally {
        await ingest.finish();
      }
      const durationMs = Math.round(performance.now() - started);
      const result: ExperimentRunResult = {
        exitCode,
        durationMs,
        points: ingest.points,
        metrics: [...ingest.summaries.values()],
        checkpoints: ingest.checkpoints.slice(-resultCheckpoints),
        skipped: ingest.parserSkips(),
        logLines: ingest.lines - ingest.metricLines,
      };
      ctx.progress(1, 1, `${payload.experiment}: exit ${exitCode} in ${formatDuration(durationMs)}`);
      if (exitCode === 0) return result;
      const why = signal ? `killed by ${signal}` : `exit ${exitCode}`;
      throw new JobFailure(`${payload.experiment}: ${why}`, result);
    } finally {
      await store.close();
    }
  };
}

/** The job's context with every output line's escape sequences stripped before it is published. */
function strippedOutput(ctx: JobContext): JobContext {
  return { ...ctx, log: (line, stream) => ctx.log(stripControl(line), stream) };
}
