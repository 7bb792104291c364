import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  type AdHocBatchInput,
  adHocBatch,
  type BatchAction,
  type BatchDefinition,
  readTagText,
  type TargetSelector,
  targetWords,
} from '../domain/batch';
import { type BatchStatus, batchStatusRow } from '../domain/batchOutcome';
import { type BatchPlan, batchPlanLines, planBatch } from '../domain/batchPlan';
import type { BatchRunView } from '../domain/batchRun';
import { batchPayload } from '../domain/batchRun';
import { type BatchFile, parseBatchFile } from '../domain/batchSource';
import { type BatchTarget, resolveTargets, type TargetProblem } from '../domain/batchTargets';
import { describeJob, isFinished } from '../domain/job';
import type { BatchPayload } from '../domain/jobKinds/batch';
import { formatDuration } from '../domain/jobText';
import type { Resource } from '../domain/resource';
import { formatSourceError, type SourceError } from '../domain/sourceError';
import { fitWidth, stripControl } from '../domain/text';
import { batchTargetInputs, loadBatchFiles } from '../services/batch/batchesFolder';
import { cancelEffect, loadBatchRun, retryPayload, targetLastLine } from '../services/batch/batchRuns';
import { exitCodes, openCommandBus, wantsJson } from '../services/bus/busFromEnv';
import type { Bus } from '../services/bus/contracts';
import { currentRequester } from '../services/bus/requester';
import { readAccountCache } from '../services/cloud/scanCache';
import { findKeyFile } from '../services/servers/sshArgv';
import { workspacePaths } from '../services/storage/workspace';
import { handlerDepsFor, jobHandlersFor } from '../worker/jobHandlers';
import { type BatchVerb, batchDeclaration, batchVerbs } from './batch';
import { followBatch } from './batchFollow';
import { type CloudCommandIO, CommandCloud, cacheAccount, commandReadOnly } from './cloudJob';
import { commandError, type ErrorIO, writeErrorsJson } from './commandError';
import { type FlagValues, parseCommand, usageError } from './declaration';
import { printTable, terminalWidth } from './printTable';
import { memoryKeepsNote, unknownId } from './unknownId';
import { withCommandBus } from './withCommandBus';

type Flags = FlagValues<(typeof batchDeclaration)['flags']>;

/** Targets of a wave run at once by a batch this process runs itself (no REDIS_URL). */
const inProcessConcurrency = 16;

const adHocFlags = [
  'targets',
  'project',
  'tag',
  'local',
  'serial',
  'max-fail',
  'pause',
  'timeout',
  'name',
] as const;

/** `infradeck batch run|status|advance|retry|cancel …`. */
export async function batchCommand(argv: string[], io: CloudCommandIO): Promise<number> {
  let verb: BatchVerb;
  let arg: string | undefined;
  let values: Flags;
  let program: string[] | undefined;
  try {
    // Everything after `--` is the ad-hoc program's, flags included.
    const dash = argv.indexOf('--');
    if (dash >= 0) program = argv.slice(dash + 1);
    const parsed = parseCommand(batchDeclaration, dash >= 0 ? argv.slice(0, dash) : argv);
    values = parsed.values;
    const [given, target, ...extra] = parsed.positionals;
    if (!given) throw new Error(`say what to do: ${batchVerbs.join(', ')}`);
    if (!(batchVerbs as readonly string[]).includes(given))
      throw new Error(`"${given}" is not one of ${batchVerbs.join(', ')}`);
    verb = given as BatchVerb;
    if (extra.length) throw new Error(`unexpected ${extra.join(' ')} (the program goes after --)`);
    arg = target;
    const adHoc = adHocFlags.filter((f) => values[f] !== undefined);
    if (verb !== 'run') {
      if (adHoc.length || values.yes || program)
        throw new Error(
          `${[...adHoc.map((f) => `--${f}`), ...(values.yes ? ['--yes'] : []), ...(program ? ['-- PROGRAM'] : [])].join(', ')} go${adHoc.length + (values.yes ? 1 : 0) + (program ? 1 : 0) === 1 ? 'es' : ''} with run`,
        );
      if (!arg && verb !== 'status')
        throw new Error(`${verb}: which run? (its job id, from \`infradeck batch status\`)`);
    } else if (arg && (adHoc.length || program)) {
      throw new Error(
        `a batch by name or file takes no ${program ? '-- PROGRAM' : `--${adHoc[0]}`}: its file says it`,
      );
    } else if (!arg && !program) {
      throw new Error('run what? a batch name or file, or an ad-hoc batch: --targets a,b -- PROGRAM ARGS…');
    } else if (!arg && program?.length === 0) {
      throw new Error('no program after --');
    }
  } catch (error) {
    return usageError(batchDeclaration, io, error);
  }
  const json = wantsJson(io, values.json);
  switch (verb) {
    case 'run': {
      const planned = arg ? await namedBatch(io, arg) : adHoc(values, program ?? []);
      if ('errors' in planned) return badInput({ ...io, json }, planned.errors);
      return runBatch(io, planned, { yes: values.yes === true, json });
    }
    case 'status':
      return arg ? status(io, arg, json) : latestRuns(io, json);
    case 'advance':
      return advance(io, arg!);
    case 'retry':
      return retry(io, arg!, json);
    case 'cancel':
      return cancel(io, arg!);
  }
}

/** A batch to resolve: its definition, and where a target problem is located (a file's line, or a flag). */
interface Planned {
  batch: BatchDefinition;
  targetError(problem: TargetProblem): BatchProblem;
}

/** A problem of a batch: located in its file, or a plain message (a flag, an unknown name). */
type BatchProblem = SourceError | string;

type Planning = Planned | { errors: BatchProblem[] };

/** Each problem, `nothing started`, exit 2; with `--json` the problems as `{"errors": [...]}` on stdout. */
function badInput(io: ErrorIO, errors: readonly BatchProblem[]): number {
  for (const e of errors) io.stderr.write(`${typeof e === 'string' ? e : formatSourceError(e)}\n`);
  io.stderr.write('infradeck batch: nothing started\n');
  writeErrorsJson(
    io,
    errors.map((e) => (typeof e === 'string' ? e.replace(/^infradeck batch: /, '') : e)),
  );
  return exitCodes.usage;
}

/** `NAME` (a batch of the workspace's batches/) or `FILE` (a path ending in .yaml/.yml, or one with a /). */
async function namedBatch(io: CloudCommandIO, arg: string): Promise<Planning> {
  if (/\.ya?ml$/i.test(arg) || arg.includes('/')) {
    const file = resolve(arg);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return { errors: [`${file}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`] };
    }
    return fromFile(parseBatchFile(file, text));
  }
  const files = await loadBatchFiles(io.workspace.dataDir);
  const found =
    files.find((f) => (f.ok ? f.batch.name === arg : false)) ??
    files.find((f) => f.file.replace(/^.*[\\/]/, '').replace(/\.ya?ml$/i, '') === arg);
  if (!found) {
    const names = files.flatMap((f) => (f.ok ? [f.batch.name] : [])).join(', ') || 'none';
    return {
      errors: [
        `infradeck batch: no batch "${arg}" in ${workspacePaths(io.workspace.dataDir).batchesDir} (batches: ${names})`,
      ],
    };
  }
  return fromFile(found);
}

function fromFile(file: BatchFile): Planning {
  if (!file.ok) return { errors: file.errors };
  return { batch: file.batch, targetError: (p) => file.targetErrorAt(p) };
}

/** The flags of an ad-hoc batch, checked by the same rules as a file; each problem names its flag. */
function adHoc(values: Flags, program: string[]): Planning {
  const errors: string[] = [];
  const selectors: TargetSelector[] = [];
  if (values.targets !== undefined) selectors.push({ names: targetWords(values.targets) });
  if (values.project !== undefined || values.tag !== undefined) {
    const selector: TargetSelector = {};
    if (values.project !== undefined) selector.project = values.project;
    if (values.tag !== undefined) {
      const tag = readTagText(values.tag);
      if (tag.ok) selector.tags = tag.value;
      else errors.push(`--tag: ${tag.message}`);
    }
    selectors.push(selector);
  }
  const [first = '', ...args] = program;
  const action: BatchAction = { type: values.local ? 'local' : 'ssh', program: first, args };
  const input: AdHocBatchInput = {
    ...(values.name !== undefined ? { name: values.name } : {}),
    targets: selectors,
    action,
    serial: values.serial,
    maxFailPercentage: values['max-fail'],
    pause: values.pause,
    timeout: values.timeout,
  };
  const checked = adHocBatch(input);
  if (!checked.ok) {
    const flag: Record<string, string> = {
      targets: '--targets, --project or --tag',
      maxFailPercentage: '--max-fail',
      command: '-- PROGRAM',
    };
    for (const e of checked.errors) errors.push(`${flag[e.field] ?? `--${e.field}`}: ${e.message}`);
  }
  if (errors.length > 0 || !checked.ok) return { errors };
  const count = selectors.length;
  return {
    batch: checked.batch,
    targetError: (p) => {
      const which = selectors[count > 1 ? p.selector : 0];
      const flag = which?.names
        ? '--targets'
        : which?.project !== undefined && p.path[0] === 'project'
          ? '--project'
          : '--tag';
      return `${flag}: ${p.message}`;
    },
  };
}

/** Whether any selector can pick EC2 instances (only then is the scan cache read, and the cloud asked who we are). */
function wantsInstances(batch: BatchDefinition): boolean {
  return batch.targets.some((s) => (s.project !== undefined || s.tags !== undefined) && s.from !== 'servers');
}

/** The instances of the scan cache (the account the cloud says, or the only one cached), with a note when none. */
async function cachedInstances(io: CloudCommandIO): Promise<{ resources: Resource[]; note?: string }> {
  const choice = await cacheAccount(io, new CommandCloud(io));
  if ('error' in choice) return { resources: [], note: `EC2 instances not considered: ${choice.error}` };
  const { scans } = await readAccountCache(workspacePaths(io.workspace.dataDir).cacheDir, choice.account);
  const resources = scans.flatMap((s) => s.resources.filter((r) => r.type === 'instance'));
  if (scans.length === 0)
    return { resources, note: 'EC2 instances not considered: nothing is cached (run `infradeck scan`)' };
  return { resources, ...(choice.note ? { note: choice.note } : {}) };
}

/** The targets of a batch, or every problem in them (positioned). */
async function targetsOf(
  io: CloudCommandIO,
  planned: Planned,
): Promise<BatchTarget[] | { errors: BatchProblem[] }> {
  let resources: Resource[] = [];
  if (wantsInstances(planned.batch)) {
    const cached = await cachedInstances(io);
    resources = cached.resources;
    if (cached.note) io.stderr.write(`${cached.note}\n`);
  }
  const { inputs, errors } = await batchTargetInputs(io.workspace.dataDir, resources, io.env);
  for (const e of errors) io.stderr.write(`${e}\n`);
  const resolved = resolveTargets(planned.batch.targets, inputs);
  if (!resolved.ok) return { errors: resolved.problems.map((p) => planned.targetError(p)) };
  if (resolved.targets.length === 0) return { errors: ['targets: the batch resolves to no targets'] };
  // An EC2 target is reached with its key pair's private key when this host has it.
  return Promise.all(
    resolved.targets.map(async (t) => {
      if (t.identityFile || !t.instance?.keyPair) return t;
      const key = await findKeyFile(t.instance.keyPair, io.env);
      return key ? { ...t, identityFile: key } : t;
    }),
  );
}

async function runBatch(
  io: CloudCommandIO,
  planned: Planned,
  opts: { yes: boolean; json: boolean },
): Promise<number> {
  const targets = await targetsOf(io, planned);
  if ('errors' in targets) return badInput({ ...io, json: opts.json }, targets.errors);
  const plan = planBatch(planned.batch, targets);
  if (!opts.yes) {
    if (opts.json) {
      io.stdout.write(`${JSON.stringify({ started: false, plan: planJson(plan) }, null, 2)}\n`);
    } else {
      for (const line of batchPlanLines(plan)) io.stdout.write(`${stripControl(line)}\n`);
      io.stderr.write('nothing started: run it again with --yes to start it\n');
    }
    return exitCodes.ok;
  }
  if (!opts.json)
    for (const line of batchPlanLines(plan, { targetLines: 0 })) io.stderr.write(`${stripControl(line)}\n`);
  return startAndFollow(io, batchPayload(plan), opts.json);
}

function planJson(plan: BatchPlan) {
  return {
    name: plan.batch.name,
    action: plan.batch.action,
    serial: plan.batch.serial,
    maxFailPercentage: plan.batch.maxFailPercentage,
    pause: plan.batch.pause ?? null,
    timeoutMs: plan.batch.timeoutMs,
    targets: plan.targets.map((t) => ({
      name: t.name,
      host: t.host,
      port: t.port ?? 22,
      user: t.user ?? null,
      source: t.source,
    })),
    waves: plan.waves.map((w) => w.map((t) => t.name)),
  };
}

async function openBatchBus(io: CloudCommandIO): Promise<{ bus: Bus } | { code: number }> {
  const cloud = new CommandCloud(io);
  const opened = await openCommandBus(io, {
    handlers: jobHandlersFor({ ...handlerDepsFor(io), cloud: cloud.provider }),
    concurrency: inProcessConcurrency,
  });
  if ('error' in opened) {
    io.stderr.write(`infradeck batch: ${opened.error}\n`);
    return { code: exitCodes.unavailable };
  }
  return opened;
}

/** Queue the batch and follow it to its end; the exit code says how it ended. */
async function startAndFollow(io: CloudCommandIO, payload: BatchPayload, json: boolean): Promise<number> {
  const opened = await openBatchBus(io);
  if ('code' in opened) return opened.code;
  const { bus } = opened;
  try {
    if (bus.transport === 'memory' && payload.pause && 'manual' in payload.pause) {
      return commandError(
        { ...io, json },
        'batch',
        'pause: manual needs REDIS_URL (the batch waits for `infradeck batch advance` from another process); ' +
          'without it the batch runs in this process. Nothing started',
        exitCodes.usage,
      );
    }
    const followed = await followBatch(bus, payload, io, {
      requestedBy: currentRequester(io.env),
      readOnly: commandReadOnly(io),
      quiet: json,
    });
    if ('error' in followed) {
      io.stderr.write(`infradeck batch: ${followed.error}\n`);
      return followed.code;
    }
    const loaded = await loadBatchRun(bus.queue, followed.id);
    if (!loaded || 'notBatch' in loaded) {
      io.stderr.write(`infradeck batch: run ${followed.id} disappeared\n`);
      return exitCodes.failed;
    }
    return report(io, loaded.run, json);
  } finally {
    await bus.close();
  }
}

function statusCode(status: BatchStatus): number {
  if (status === 'completed') return exitCodes.ok;
  if (status === 'cancelled') return exitCodes.cancelled;
  if (status === 'failed') return exitCodes.failed;
  return exitCodes.ok; // running or paused: nothing went wrong yet
}

/** `{ id, name, status, … targets: [{target, wave, status, exitCode, durationMs}] }`. */
function runJson(run: BatchRunView) {
  const result = run.job.result as { stoppedAt?: unknown } | undefined;
  return {
    run: run.job.id,
    name: run.payload.name,
    status: run.status,
    ...(typeof result?.stoppedAt === 'number' ? { stoppedAt: result.stoppedAt } : {}),
    ...(run.payload.retryOf ? { retryOf: run.payload.retryOf } : {}),
    wave: run.progress.wave,
    waves: run.progress.waves,
    counts: run.counts,
    ...(run.job.error ? { error: run.job.error } : {}),
    targets: run.targets.map(batchStatusRow),
  };
}

function summaryLine(run: BatchRunView): string {
  const c = run.counts;
  const parts = [`${c.ok} ok`, `${c.failed} failed`, `${c.skipped} skipped`];
  if (c.cancelled) parts.push(`${c.cancelled} cancelled`);
  if (c.running) parts.push(`${c.running} running`);
  if (c.pending) parts.push(`${c.pending} pending`);
  const error = stripControl(run.job.error ?? '');
  // A stop's reason starts with its wave and ends with the skipped count, both said already on this line.
  const stop = /^wave \d+\/\d+: (.+?)(?:; \d+ skipped)?$/.exec(error);
  const why = run.status === 'failed' || run.status === 'cancelled' ? `: ${stop?.[1] ?? error}` : '';
  return `batch ${run.job.id} (${run.payload.name}) ${run.status}, wave ${run.progress.wave}/${run.progress.waves}: ${parts.join(', ')}${why}`;
}

function report(io: CloudCommandIO, run: BatchRunView, json: boolean): number {
  if (json) io.stdout.write(`${JSON.stringify(runJson(run), null, 2)}\n`);
  else io.stderr.write(`${summaryLine(run)}\n`);
  if (!json && (run.counts.failed > 0 || run.counts.cancelled > 0))
    io.stderr.write(`retry the failed and cancelled targets: infradeck batch retry ${run.job.id}\n`);
  return statusCode(run.status);
}

function withBus(io: CloudCommandIO, act: (bus: Bus) => Promise<number>): Promise<number> {
  return withCommandBus(io, 'batch', act);
}

/** The run, or the exit code after saying why there is none. */
async function findRun(io: CloudCommandIO, bus: Bus, id: string) {
  const loaded = await loadBatchRun(bus.queue, id);
  if (!loaded) {
    return unknownId(
      io,
      'batch',
      'run',
      id,
      'infradeck batch status',
      bus.transport === 'memory' ? memoryKeepsNote : undefined,
    );
  }
  if ('notBatch' in loaded)
    return commandError(
      io,
      'batch',
      `job ${id} is not a batch run (${describeJob(loaded.notBatch.kind, loaded.notBatch.payload)})`,
      exitCodes.usage,
    );
  return loaded;
}

async function status(io: CloudCommandIO, id: string, json: boolean): Promise<number> {
  return withBus(io, async (bus) => {
    const found = await findRun(io, bus, id);
    if (typeof found === 'number') return found;
    const { run, children } = found;
    if (json) {
      io.stdout.write(`${JSON.stringify(runJson(run), null, 2)}\n`);
      return statusCode(run.status);
    }
    const byKey = new Map(children.map((c) => [c.childKey, c]));
    io.stdout.write(`${summaryLine(run)}\n`);
    printTable(
      io.stdout,
      ['TARGET', 'WAVE', 'STATUS', 'EXIT', 'TOOK', 'JOB', 'LAST LINE'],
      run.targets.map((t) => [
        t.name,
        String(t.wave),
        t.status,
        t.exitCode === undefined ? '-' : String(t.exitCode),
        t.durationMs === undefined ? '-' : formatDuration(t.durationMs),
        t.jobId ?? '-',
        fitWidth(targetLastLine(byKey.get(t.key)), 60),
      ]),
      // The last line is cut first; the target, wave, status, exit code and job id stay whole.
      {
        width: terminalWidth(io),
        giveWay: [
          { column: 'LAST LINE', min: 16 },
          { column: 'TOOK', hide: true },
          { column: 'LAST LINE', hide: true },
        ],
      },
    );
    if (run.status === 'paused') io.stdout.write(`paused: infradeck batch advance ${run.job.id}\n`);
    if (run.targets.some((t) => t.jobId)) io.stdout.write("a target's output: infradeck jobs JOB\n");
    return statusCode(run.status);
  });
}

async function latestRuns(io: CloudCommandIO, json: boolean): Promise<number> {
  return withBus(io, async (bus) => {
    const jobs = await bus.queue.list({ kind: 'batch', limit: 20 });
    if (json) {
      // An object, as every other command prints, and a run named `run` as `batch status RUN --json` names it.
      const runs = jobs.map((j) => ({
        run: j.id,
        name: (j.payload as { name?: unknown })?.name,
        status: j.status,
        message: j.message ?? null,
      }));
      io.stdout.write(`${JSON.stringify({ runs }, null, 2)}\n`);
      return exitCodes.ok;
    }
    if (jobs.length === 0) {
      io.stdout.write('No batch runs. Start one: infradeck batch run NAME\n');
      return exitCodes.ok;
    }
    printTable(
      io.stdout,
      ['RUN', 'STATUS', 'PROGRESS', 'BATCH'],
      jobs.map((j) => [
        j.id,
        j.status,
        `${j.step}/${j.total}${j.message ? ` ${j.message}` : ''}`,
        describeJob(j.kind, j.payload),
      ]),
      // What the batch does, then the progress message, are cut first; the run id and status stay whole.
      {
        width: terminalWidth(io),
        giveWay: [
          { column: 'BATCH', min: 16 },
          { column: 'PROGRESS', min: 12 },
          { column: 'BATCH', hide: true },
        ],
      },
    );
    return exitCodes.ok;
  });
}

async function advance(io: CloudCommandIO, id: string): Promise<number> {
  return withBus(io, async (bus) => {
    const found = await findRun(io, bus, id);
    if (typeof found === 'number') return found;
    const { job } = found.run;
    if (job.status !== 'paused' && job.status !== 'delayed') {
      io.stderr.write(
        `infradeck batch: run ${id} is ${found.run.status}, not paused between waves: nothing to advance\n`,
      );
      return exitCodes.failed;
    }
    await bus.queue.resume(id, currentRequester(io.env));
    io.stdout.write(`run ${id} advanced: its next wave starts now\n`);
    return exitCodes.ok;
  });
}

async function cancel(io: CloudCommandIO, id: string): Promise<number> {
  return withBus(io, async (bus) => {
    const found = await findRun(io, bus, id);
    if (typeof found === 'number') return found;
    if (isFinished(found.run.job.status)) {
      io.stderr.write(`infradeck batch: run ${id} is ${found.run.status} already: nothing to cancel\n`);
      return exitCodes.failed;
    }
    await bus.queue.cancel(id, currentRequester(io.env));
    const running = found.run.counts.running;
    io.stdout.write(
      `run ${id} cancelled${running ? ` with its ${running} running target${running === 1 ? '' : 's'}` : ''}\n`,
    );
    if (running && found.run.payload.action.type === 'ssh')
      io.stderr.write(`${cancelEffect(found.run.payload.action)}\n`);
    return exitCodes.ok;
  });
}

/** A new run of the failed and cancelled targets of a failed or cancelled run, cut into waves again. */
async function retry(io: CloudCommandIO, id: string, json: boolean): Promise<number> {
  const opened = await openCommandBus(io);
  if ('error' in opened) return commandError(io, 'batch', opened.error, exitCodes.unavailable);
  let payload: BatchPayload;
  try {
    const found = await findRun(io, opened.bus, id);
    if (typeof found === 'number') return found;
    const { run } = found;
    // A run that went on past failures (below the threshold) has failed targets to retry too.
    if (!isFinished(run.job.status)) {
      io.stderr.write(`infradeck batch: run ${id} is ${run.status}: only a run that ended is retried\n`);
      return exitCodes.failed;
    }
    const again = retryPayload(run);
    if (!again) {
      io.stderr.write(`infradeck batch: run ${id} has no failed or cancelled targets to retry\n`);
      return exitCodes.failed;
    }
    payload = again;
  } finally {
    await opened.bus.close();
  }
  if (!json)
    io.stderr.write(
      `retrying ${payload.targets.length} target${payload.targets.length === 1 ? '' : 's'} of run ${id}: ${payload.targets.map((t) => t.name).join(', ')}\n`,
    );
  return startAndFollow(io, payload, json);
}
