import { didYouMean } from '../domain/didYouMean';
import { gridSize } from '../domain/experiment';
import {
  bestOf,
  formatMetric,
  type MetricSummary,
  type RunMetricsData,
  summarize,
} from '../domain/experimentMetrics';
import type { ExperimentFile } from '../domain/experimentSource';
import { isFinished, type JobStatus, type JobView } from '../domain/job';
import type { ExperimentRunPayload, ExperimentRunResult } from '../domain/jobKinds/experimentRun';
import { formatDuration } from '../domain/jobText';
import { formatSourceError } from '../domain/sourceError';
import { fitWidth, formatAge, stripControl } from '../domain/text';
import { experimentNameOf, loadExperiments, planRuns, readParamOverrides } from '../services/ai/experiments';
import { type RunMetricsStore, runMetricsOpener } from '../services/ai/runMetrics';
import { isBusError } from '../services/bus/busError';
import { busSettings, exitCodes, openCommandBus, wantsJson } from '../services/bus/busFromEnv';
import type { Bus } from '../services/bus/contracts';
import { currentRequester } from '../services/bus/requester';
import { handlerDepsFor, jobHandlersFor, readOnlyFromEnv } from '../worker/jobHandlers';
import { type AiVerb, aiDeclaration, aiVerbs, modelFlags, modelVerbs } from './ai';
import { cancelOnAbort } from './cancelOnAbort';
import { commandError } from './commandError';
import { type FlagValues, type HeadlessIO, parseCommand, usageError } from './declaration';
import { printTable, terminalWidth } from './printTable';
import { goneFromRedis, jobReader, watchRedisOutage } from './redisOutage';
import { sourceErrorsJson } from './sourceErrorsJson';
import { unknownId } from './unknownId';
import { withCommandBus } from './withCommandBus';

type Flags = FlagValues<(typeof aiDeclaration)['flags']>;

/** Runs at once when this process runs them itself (no REDIS_URL): a grid's runs go side by side. */
const inProcessConcurrency = 4;
const pollMs = 200;
const listLimit = 500;

/** `infradeck ai experiments|runs|run|metrics …`. */
export async function aiCommand(argv: string[], io: HeadlessIO): Promise<number> {
  let verb: AiVerb;
  let target: string | undefined;
  let values: Flags;
  try {
    const parsed = parseCommand(aiDeclaration, argv);
    values = parsed.values;
    const [given, arg, ...extra] = parsed.positionals;
    if (!given) throw new Error(`say what to do: ${aiVerbs.join(', ')}`);
    if (!(aiVerbs as readonly string[]).includes(given)) {
      const near = didYouMean(given, aiVerbs, 2);
      throw new Error(
        `"${given}" is not one of ${aiVerbs.join(', ')}${near ? ` (did you mean ${near}?)` : ''}`,
      );
    }
    verb = given as AiVerb;
    if ((modelVerbs as readonly string[]).includes(verb))
      return (await import('./aiModels')).aiModelsCommand(parsed, io);
    const misplaced = modelFlags.find((f) => values[f] !== undefined);
    if (misplaced) throw new Error(`--${misplaced} goes with ${modelVerbs.slice(1).join(', ')}`);
    if (extra.length) throw new Error(`unexpected ${extra.join(' ')}`);
    if ((verb === 'run' || verb === 'metrics') && !arg) {
      throw new Error(
        verb === 'run'
          ? 'run which experiment? (`infradeck ai experiments` lists them)'
          : 'metrics of which run? (its job id, from `infradeck ai runs`)',
      );
    }
    if ((verb === 'runs' || verb === 'experiments') && arg) throw new Error(`${verb} takes no argument`);
    if (values.param?.length && verb !== 'run') throw new Error('--param goes with run');
    if (values.wait && verb !== 'run') throw new Error('--wait goes with run');
    if (values.name !== undefined && verb !== 'metrics') throw new Error('--name goes with metrics');
    target = arg;
  } catch (error) {
    return usageError(aiDeclaration, io, error);
  }
  const json = wantsJson(io, values.json);
  switch (verb) {
    case 'experiments':
      return experiments(io, json);
    case 'runs':
      return runs(io, json);
    case 'run':
      return run(io, target!, { params: values.param ?? [], wait: values.wait === true, json });
    case 'metrics':
      return metrics(io, target!, { name: values.name, json });
    default:
      return exitCodes.usage; // the registry's and rollouts' verbs went to aiModels above
  }
}

// --- experiments ---------------------------------------------------------------------------------

async function experiments(io: HeadlessIO, json: boolean): Promise<number> {
  const found = await loadExperiments(io.workspace.dataDir);
  const errors = found.flatMap((f) => (f.ok ? [] : f.errors.map(formatSourceError)));
  if (json) {
    const rows = found.map((f) =>
      f.ok
        ? {
            name: f.experiment.name,
            file: f.file,
            command: f.experiment.command,
            params: f.experiment.params,
            grid: f.experiment.grid,
            runs: gridSize(f.experiment.grid),
            metric: f.experiment.metric ?? null,
            where: f.experiment.where,
            errors: [],
          }
        : { name: experimentNameOf(f), file: f.file, errors: sourceErrorsJson(f.errors) },
    );
    const located = sourceErrorsJson(found.flatMap((f) => (f.ok ? [] : f.errors)));
    io.stdout.write(`${JSON.stringify({ experiments: rows, errors: located }, null, 2)}\n`);
  }
  // The problems on stderr with --json too, as every list command says them: stderr is for the person.
  for (const e of errors) io.stderr.write(`${e}\n`);
  if (!json) {
    if (found.length === 0) {
      io.stdout.write(
        `No experiments. Add one as ${io.workspace.dataDir}/ai/experiments/NAME.yaml (README: AI workloads).\n`,
      );
    } else {
      printTable(
        io.stdout,
        ['EXPERIMENT', 'RUNS', 'WHERE', 'METRIC', 'PARAMS', 'GRID'],
        found.map((f) => {
          if (!f.ok) return [experimentNameOf(f), '-', '-', '-', 'invalid', ''];
          const e = f.experiment;
          return [
            e.name,
            String(gridSize(e.grid)),
            e.where.type === 'worker' ? 'worker' : `${e.where.type} ${e.where.server}`,
            e.metric ? `${e.metric.name} (${e.metric.goal})` : '-',
            fitWidth(
              paramsText(Object.fromEntries(Object.entries(e.params).map(([k, v]) => [k, String(v)]))),
              40,
            ).trimEnd(),
            fitWidth(
              Object.entries(e.grid)
                .map(([k, v]) => `${k}: ${v.join('|')}`)
                .join(' '),
              40,
            ).trimEnd(),
          ];
        }),
        // The grid and params are cut first (an invalid file's `invalid` stays whole), then they go; the name,
        // the number of runs, where they run and the metric stay whole.
        {
          width: terminalWidth(io),
          giveWay: [
            { column: 'GRID', min: 12 },
            { column: 'PARAMS', min: 12 },
            { column: 'GRID', hide: true },
            { column: 'PARAMS', min: 8 },
          ],
        },
      );
    }
  }
  return errors.length ? exitCodes.usage : exitCodes.ok;
}

// --- runs ----------------------------------------------------------------------------------------

/** A row of `ai runs --json`. */
export interface RunRow {
  run: string;
  experiment: string;
  status: JobStatus;
  params: Record<string, string>;
  where: string;
  /** The main metric (the experiment's `metric:`) with its best and last values, when the run has any. */
  metric: { name: string; goal: 'min' | 'max'; best: number; last: number; step: number } | null;
  points: number;
  checkpoints: number;
  startedAt: number | null;
  durationMs: number | null;
  error?: string;
}

function runRow(job: JobView, live: Map<string, MetricSummary[]>, now: number): RunRow {
  const payload = (job.payload ?? {}) as Partial<ExperimentRunPayload>;
  const result = job.result as Partial<ExperimentRunResult> | undefined;
  const summaries = Array.isArray(result?.metrics) ? result.metrics : (live.get(job.id) ?? []);
  const main = payload.metric ? summaries.find((s) => s.name === payload.metric!.name) : undefined;
  const where = payload.where;
  return {
    run: job.id,
    experiment: String(payload.experiment ?? '?'),
    status: job.status,
    params: payload.params ?? {},
    where:
      where?.type === 'server' || where?.type === 'local' ? `${where.type} ${where.target.name}` : 'worker',
    metric:
      main && payload.metric
        ? {
            name: main.name,
            goal: payload.metric.goal,
            best: bestOf(main, payload.metric.goal),
            last: main.last,
            step: main.lastStep,
          }
        : null,
    points: typeof result?.points === 'number' ? result.points : summaries.reduce((n, s) => n + s.count, 0),
    checkpoints: Array.isArray(result?.checkpoints) ? result.checkpoints.length : 0,
    startedAt: job.startedAt ?? null,
    durationMs:
      job.startedAt === undefined
        ? null
        : (job.finishedAt ?? (isFinished(job.status) ? job.startedAt : now)) - job.startedAt,
    ...(job.error && job.status !== 'completed' ? { error: job.error } : {}),
  };
}

/** The metrics so far of runs still going (a finished run's summaries are in its result). */
async function liveSummaries(io: HeadlessIO, jobs: JobView[]): Promise<Map<string, MetricSummary[]>> {
  const out = new Map<string, MetricSummary[]>();
  const going = jobs.filter((j) => j.status === 'active');
  if (going.length === 0) return out;
  const store = await openStore(io);
  if (!store) return out;
  try {
    for (const job of going) {
      const data = await store.read(job.id).catch(() => undefined);
      if (data)
        out.set(
          job.id,
          data.series.flatMap((s) => summarize(s) ?? []),
        );
    }
  } finally {
    await store.close();
  }
  return out;
}

async function runs(io: HeadlessIO, json: boolean): Promise<number> {
  return withBus(io, async (bus) => {
    const jobs = await bus.queue.list({ kind: 'experimentRun', limit: listLimit });
    const now = Date.now();
    const live = await liveSummaries(io, jobs);
    const rows = jobs.map((j) => runRow(j, live, now));
    if (json) {
      io.stdout.write(`${JSON.stringify({ runs: rows }, null, 2)}\n`);
      return exitCodes.ok;
    }
    if (rows.length === 0) {
      io.stdout.write(
        'No experiment runs yet. Start one: infradeck ai run EXPERIMENT (infradeck ai experiments)\n',
      );
      return exitCodes.ok;
    }
    printRuns(io, rows, now);
    return exitCodes.ok;
  });
}

function printRuns(io: HeadlessIO, rows: RunRow[], now: number): void {
  printTable(
    io.stdout,
    ['RUN', 'EXPERIMENT', 'STATUS', 'PARAMS', 'BEST', 'LAST', 'POINTS', 'TOOK', 'AGE'],
    rows.map((r) => [
      r.run,
      r.experiment,
      r.status,
      fitWidth(paramsText(r.params), 36),
      r.metric ? `${r.metric.name} ${formatMetric(r.metric.best)}` : '-',
      r.metric ? formatMetric(r.metric.last) : '-',
      String(r.points),
      r.durationMs === null ? '-' : formatDuration(r.durationMs),
      r.startedAt ? formatAge(now - r.startedAt) : '-',
    ]),
    // The params are cut first, then the counts go; the run, experiment and status stay whole.
    {
      width: terminalWidth(io),
      giveWay: [
        { column: 'PARAMS', min: 16 },
        { column: 'POINTS', hide: true },
        { column: 'LAST', hide: true },
        { column: 'PARAMS', min: 8 },
        { column: 'AGE', hide: true },
      ],
    },
  );
}

function paramsText(params: Record<string, string>): string {
  return stripControl(
    Object.entries(params)
      .map(([k, v]) => `${k}=${v}`)
      .join(' '),
  );
}

// --- run -----------------------------------------------------------------------------------------

async function findExperiment(
  io: HeadlessIO,
  name: string,
): Promise<Extract<ExperimentFile, { ok: true }> | { errors: string[] }> {
  const found = await loadExperiments(io.workspace.dataDir);
  const named = found.filter((f) => experimentNameOf(f) === name);
  if (named.length === 0) {
    const names = [...new Set(found.map(experimentNameOf))];
    const near = didYouMean(name, names, Math.max(1, Math.floor(name.length / 3)));
    return {
      errors: [
        `infradeck ai: no experiment "${name}" (${near ? `did you mean "${near}"? ` : ''}experiments: ${names.join(', ') || 'none'})`,
      ],
    };
  }
  if (named.length > 1) {
    return {
      errors: [
        `infradeck ai: "${name}" names ${named.length} experiments (${named.map((f) => f.file).join(', ')}); give one of them its own \`name:\``,
      ],
    };
  }
  const [one] = named as [ExperimentFile];
  if (!one.ok) return { errors: one.errors.map(formatSourceError) };
  return one;
}

async function run(
  io: HeadlessIO,
  name: string,
  opts: { params: string[]; wait: boolean; json: boolean },
): Promise<number> {
  const found = await findExperiment(io, name);
  const refuse = (errors: string[]) => {
    for (const e of errors) io.stderr.write(`${e}\n`);
    io.stderr.write('infradeck ai: nothing started\n');
    return exitCodes.usage;
  };
  if ('errors' in found) return refuse(found.errors);
  const overrides = readParamOverrides(opts.params, found.experiment);
  if (!overrides.ok) return refuse([`infradeck ai: ${overrides.error}`]);
  const planned = await planRuns(found, {
    dataDir: io.workspace.dataDir,
    overrides: overrides.overrides,
    env: io.env,
  });
  if (!planned.ok) return refuse(planned.errors);

  const opened = await openCommandBus(io, {
    handlers: jobHandlersFor(handlerDepsFor(io)),
    concurrency: inProcessConcurrency,
  });
  if ('error' in opened) return commandError(io, 'ai', opened.error, exitCodes.unavailable);
  const { bus } = opened;
  try {
    const ids: string[] = [];
    const requestedBy = currentRequester(io.env);
    const readOnly = io.readOnly || readOnlyFromEnv(io.env);
    for (const payload of planned.plan.payloads) {
      try {
        ids.push(
          await bus.queue.enqueue({
            kind: 'experimentRun',
            payload,
            requestedBy,
            ...(planned.plan.timeoutMs ? { timeoutMs: planned.plan.timeoutMs } : {}),
            ...(readOnly ? { readOnly: true } : {}),
          }),
        );
      } catch (error) {
        io.stderr.write(`infradeck ai: ${(error as Error).message}\n`);
        if (ids.length) io.stderr.write(`infradeck ai: started before that: ${ids.join(', ')}\n`);
        return isBusError(error, 'invalid')
          ? exitCodes.usage
          : isBusError(error, 'refused')
            ? exitCodes.failed
            : exitCodes.unavailable;
      }
      if (!opts.json) {
        const params = paramsText(payload.params);
        io.stderr.write(
          `run ${ids[ids.length - 1]} of ${payload.experiment} started${params ? ` (${params})` : ''}\n`,
        );
      }
    }
    const wait = opts.wait || bus.transport === 'memory';
    if (!wait) {
      if (opts.json) await printRunsJson(io, bus, ids);
      else io.stderr.write(`follow them: infradeck ai runs; infradeck ai metrics ${ids[0]}\n`);
      return exitCodes.ok;
    }
    const ended = await follow(io, bus, ids, opts.json);
    if ('lost' in ended) {
      io.stderr.write(`infradeck ai: ${ended.lost}\n`);
      return ended.code;
    }
    if (opts.json) {
      io.stdout.write(
        `${JSON.stringify({ runs: ended.map((j) => runRow(j, new Map(), Date.now())) }, null, 2)}\n`,
      );
    }
    if (ended.some((j) => j.status === 'failed')) return exitCodes.failed;
    if (ended.some((j) => j.status === 'cancelled')) return exitCodes.cancelled;
    return exitCodes.ok;
  } finally {
    await bus.close();
  }
}

async function printRunsJson(io: HeadlessIO, bus: Bus, ids: string[]): Promise<void> {
  const now = Date.now();
  const jobs = await Promise.all(ids.map((id) => bus.queue.get(id)));
  const rows = jobs.filter((j): j is JobView => j !== undefined).map((j) => runRow(j, new Map(), now));
  io.stdout.write(`${JSON.stringify({ runs: rows }, null, 2)}\n`);
}

/**
 * Polls the runs to their end, a line per run as it ends; Ctrl-C cancels the ones still going. While Redis is
 * away it says so, and gives up after a minute of it.
 */
async function follow(
  io: HeadlessIO,
  bus: Bus,
  ids: string[],
  quiet: boolean,
): Promise<JobView[] | { lost: string; code: number }> {
  const requester = currentRequester(io.env);
  const stopCancelling = cancelOnAbort(
    io,
    ids.length === 1 ? `run ${ids[0]}` : `runs ${ids.join(', ')}`,
    async () => {
      for (const id of ids) {
        const job = await bus.queue.get(id);
        if (job && !isFinished(job.status)) await bus.queue.cancel(id, requester);
      }
    },
  );
  const ended = new Map<string, JobView>();
  const outage = watchRedisOutage(bus, io, {
    command: 'ai',
    waitingFor: ids.length === 1 ? `run ${ids[0]}` : `runs ${ids.join(', ')}`,
    later: 'infradeck ai runs',
  });
  const readers = new Map(ids.map((id) => [id, jobReader(bus, outage, id)]));
  const gone: string[] = [];
  try {
    while (ended.size + gone.length < ids.length) {
      if (outage.lost) return { lost: outage.lost, code: exitCodes.unavailable };
      for (const id of ids) {
        if (ended.has(id) || gone.includes(id)) continue;
        const job = await readers.get(id)!();
        if (job === 'gone') gone.push(id);
        if (!job || job === 'gone' || !isFinished(job.status)) continue;
        ended.set(id, job);
        if (!quiet) io.stdout.write(`${endLine(runRow(job, new Map(), Date.now()))}\n`);
      }
      if (ended.size + gone.length < ids.length) await new Promise((r) => setTimeout(r, pollMs));
    }
  } finally {
    outage.stop();
    stopCancelling();
  }
  if (gone.length) {
    return {
      lost: goneFromRedis(`run${gone.length > 1 ? 's' : ''} ${gone.join(', ')}`, gone.length > 1),
      code: exitCodes.failed,
    };
  }
  return ids.map((id) => ended.get(id)!);
}

function endLine(r: RunRow): string {
  const params = paramsText(r.params);
  const metric = r.metric
    ? `: best ${r.metric.name} ${formatMetric(r.metric.best)} (last ${formatMetric(r.metric.last)})`
    : '';
  const took = r.durationMs === null ? '' : ` in ${formatDuration(r.durationMs)}`;
  const why = r.error ? ` — ${stripControl(r.error)}` : '';
  return `run ${r.run} ${r.experiment}${params ? ` ${params}` : ''} ${r.status}${took}${metric}, ${r.points} points${why}`;
}

// --- metrics -------------------------------------------------------------------------------------

async function openStore(io: HeadlessIO): Promise<RunMetricsStore | undefined> {
  const open = runMetricsOpener({ ...busSettings(io.env), dataDir: io.workspace.dataDir });
  return open ? open() : undefined;
}

async function metrics(io: HeadlessIO, id: string, opts: { name?: string; json: boolean }): Promise<number> {
  const store = await openStore(io);
  if (!store) {
    io.stderr.write('infradeck ai: no metrics store: no REDIS_URL and no workspace folder\n');
    return exitCodes.usage;
  }
  let data: RunMetricsData;
  try {
    data = await store.read(id);
  } catch (error) {
    io.stderr.write(`infradeck ai: ${(error as Error).message}\n`);
    return exitCodes.unavailable;
  } finally {
    await store.close();
  }
  if (data.series.length === 0 && data.checkpoints.length === 0) {
    // No points: say whether the run exists at all.
    const known = await withBus(io, async (bus) => {
      const job = await bus.queue.get(id);
      if (!job) return unknownId(io, 'ai', 'run', id, 'infradeck ai runs');
      if (job.kind !== 'experimentRun')
        return commandError(io, 'ai', `job ${id} is not an experiment run (${job.kind})`, exitCodes.usage);
      return exitCodes.ok;
    });
    if (known !== exitCodes.ok) return known;
  }
  let series = data.series;
  if (opts.name !== undefined) {
    series = series.filter((s) => s.name === opts.name);
    if (series.length === 0) {
      const names = data.series.map((s) => s.name);
      const near = didYouMean(opts.name, names, Math.max(1, Math.floor(opts.name.length / 3)));
      return commandError(
        { ...io, json: opts.json },
        'ai',
        `run ${id} has no metric "${opts.name}" (${near ? `did you mean "${near}"? ` : ''}metrics: ${names.join(', ') || 'none yet'})`,
        exitCodes.usage,
      );
    }
  }
  if (opts.json) {
    io.stdout.write(`${JSON.stringify({ run: id, metrics: series, checkpoints: data.checkpoints })}\n`);
    return exitCodes.ok;
  }
  if (series.length === 0) io.stdout.write(`run ${id}: no metric points yet\n`);
  else {
    printTable(
      io.stdout,
      ['METRIC', 'POINTS', 'FIRST', 'LAST', 'MIN', 'MAX', 'LAST STEP'],
      series.flatMap((s) => {
        const sum = summarize(s);
        return sum
          ? [
              [
                s.name,
                String(sum.count),
                formatMetric(sum.first),
                formatMetric(sum.last),
                formatMetric(sum.min),
                formatMetric(sum.max),
                String(sum.lastStep),
              ],
            ]
          : [];
      }),
    );
  }
  for (const c of data.checkpoints) {
    io.stdout.write(`checkpoint ${stripControl(c.uri)}${c.step !== undefined ? ` at step ${c.step}` : ''}\n`);
  }
  return exitCodes.ok;
}

function withBus(io: HeadlessIO, act: (bus: Bus) => Promise<number>): Promise<number> {
  return withCommandBus(io, 'ai', act);
}
