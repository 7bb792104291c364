import { targetWords } from '../domain/batch';
import { batchPlanLines } from '../domain/batchPlan';
import type { BatchRunView } from '../domain/batchRun';
import { readSerialText } from '../domain/batchSerial';
import { describeJob, isFinished, type JobSpec } from '../domain/job';
import type { ExperimentRunPayload, ExperimentRunResult } from '../domain/jobKinds/experimentRun';
import type { ModelResult } from '../domain/jobKinds/model';
import {
  finalMetrics,
  isModelName,
  type ModelStage,
  modelNameRule,
  modelStages,
  promotion,
  readModelVersion,
  reservedModelNames,
} from '../domain/model';
import { isRefusal } from '../domain/refusal';
import { formatSourceError } from '../domain/sourceError';
import { fitWidth, stripControl } from '../domain/text';
import { MlflowClient, type MlflowListing, mlflowServerOf } from '../services/ai/mlflow';
import { findModel, loadModels, modelNameOf, noModelMessage } from '../services/ai/registry';
import { planRollout, rollbackPayload, rolloutOfRun, simulateIncident } from '../services/ai/rollout';
import { runMetricsOpener } from '../services/ai/runMetrics';
import { loadBatchRun } from '../services/batch/batchRuns';
import { isBusError } from '../services/bus/busError';
import { busSettings, exitCodes, openCommandBus, wantsJson } from '../services/bus/busFromEnv';
import type { Bus } from '../services/bus/contracts';
import { currentRequester } from '../services/bus/requester';
import { handlerDepsFor, jobHandlersFor } from '../worker/jobHandlers';
import { aiDeclaration } from './ai';
import { followBatch } from './batchFollow';
import {
  type CloudCommandIO,
  CommandCloud,
  commandReadOnly,
  jobExitCode,
  printJobLog,
  runCloudJob,
} from './cloudJob';
import { commandError, writeErrorsJson } from './commandError';
import { type ParsedCommand, usageError } from './declaration';
import { printTable } from './printTable';
import { sourceErrorsJson } from './sourceErrorsJson';
import { memoryKeepsNote, unknownId } from './unknownId';
import { withCommandBus } from './withCommandBus';

type Parsed = ParsedCommand<(typeof aiDeclaration)['flags']>;
type Values = Parsed['values'];

const rolloutSteps = ['advance', 'rollback', 'simulate-incident'] as const;
/** Targets of a wave run at once when this process runs the rollout itself (no REDIS_URL). */
const inProcessConcurrency = 16;

/** Which flags each verb takes (the others are refused by name, so a typo'd intent is not silently ignored). */
const flagsOf: Record<string, readonly string[]> = {
  models: ['json'],
  register: ['model', 'artifact', 'json'],
  promote: ['json'],
  rollout: ['servers', 'serial', 'deploy', 'health', 'rollback', 'local', 'wait', 'json'],
  advance: [],
  rollback: ['rollback', 'json'],
  'simulate-incident': ['target'],
};

/** `infradeck ai models|register|promote|rollout …`, after `aiActions` parsed the words and flags. */
export async function aiModelsCommand(parsed: Parsed, io: CloudCommandIO): Promise<number> {
  const [verb, ...args] = parsed.positionals;
  const values = parsed.values;
  const step =
    verb === 'rollout' && (rolloutSteps as readonly string[]).includes(args[0] ?? '') ? args[0] : undefined;
  try {
    const allowed = flagsOf[step ?? verb ?? ''] ?? [];
    const wrong = Object.keys(values).filter(
      (f) => values[f as keyof Values] !== undefined && !allowed.includes(f),
    );
    if (wrong.length)
      throw new Error(
        `${wrong.map((f) => `--${f}`).join(', ')}: not a flag of ai ${step ? `rollout ${step}` : verb}`,
      );
    const want = (n: number, usage: string) => {
      const given = step ? args.length - 1 : args.length;
      if (given !== n) throw new Error(`${given < n ? 'missing' : 'too many'} arguments: ${usage}`);
    };
    if (verb === 'models') want(0, 'ai models [--json]');
    if (verb === 'register') {
      want(1, 'ai register RUN --model NAME [--artifact URI]');
      if (!values.model) throw new Error('register: which model? --model NAME');
      if (!isModelName(values.model))
        throw new Error(`--model ${values.model}: ${modelNameRule} (not ${reservedModelNames.join(', ')})`);
    }
    if (verb === 'promote') want(3, `ai promote MODEL VERSION ${modelStages.join('|')}`);
    if (verb === 'rollout')
      want(step ? 1 : 2, step ? `ai rollout ${step} RUN` : 'ai rollout MODEL VERSION --servers a,b,c');
  } catch (error) {
    return usageError(aiDeclaration, io, error);
  }
  const json = wantsJson(io, values.json);
  if (verb === 'models') return models(io, json);
  if (verb === 'register') return register(io, args[0]!, values, json);
  if (verb === 'promote') return promote(io, args[0]!, args[1]!, args[2]!, json);
  if (step === 'advance') return advance(io, args[1]!);
  if (step === 'rollback') return rollback(io, args[1]!, values, json);
  if (step === 'simulate-incident') return incident(io, args[1]!, values.target);
  return rollout(io, args[0]!, args[1]!, values, json);
}

/** Bad input, each line said by `infradeck ai` (with `--json` each one in `{"errors": [...]}`): exit 2. */
function bad(io: CloudCommandIO, lines: readonly string[]): number {
  for (const l of lines) io.stderr.write(`${l.startsWith('infradeck') ? '' : 'infradeck ai: '}${l}\n`);
  writeErrorsJson(
    io,
    lines.map((l) => l.replace(/^infradeck ai: /, '')),
  );
  return exitCodes.usage;
}

// --- models --------------------------------------------------------------------------------------

async function models(io: CloudCommandIO, json: boolean): Promise<number> {
  const files = await loadModels(io.workspace.dataDir);
  const errors = files.flatMap((f) => (f.ok ? [] : f.errors.map(formatSourceError)));
  const server = mlflowServerOf(io.env);
  let mlflow: MlflowListing | undefined;
  let mlflowError: string | undefined;
  if (server && 'error' in server) mlflowError = server.error;
  else if (server) {
    try {
      mlflow = await new MlflowClient({ trackingUri: server.uri, env: io.env, signal: io.signal }).list();
    } catch (error) {
      mlflowError = (error as Error).message;
    }
  }
  if (json) {
    const rows = files.map((f) =>
      f.ok
        ? {
            name: f.model.name,
            file: f.file,
            description: f.model.description ?? null,
            versions: f.model.versions,
            errors: [],
          }
        : { name: modelNameOf(f), file: f.file, errors: sourceErrorsJson(f.errors) },
    );
    io.stdout.write(
      `${JSON.stringify({ models: rows, errors: sourceErrorsJson(files.flatMap((f) => (f.ok ? [] : f.errors))), mlflow: mlflow ?? null, ...(mlflowError ? { mlflowError } : {}) }, null, 2)}\n`,
    );
  }
  // The problems on stderr with --json too, as every list command says them: stderr is for the person.
  for (const e of errors) io.stderr.write(`${e}\n`);
  if (!json) {
    if (files.length === 0)
      io.stdout.write(
        `No models. Register a run: infradeck ai register RUN --model NAME (it writes ${io.workspace.dataDir}/ai/models/NAME.yaml)\n`,
      );
    else {
      printTable(
        io.stdout,
        ['MODEL', 'VERSION', 'STAGE', 'RUN', 'METRICS', 'ARTIFACT'],
        files.flatMap((f) => {
          if (!f.ok) return [[modelNameOf(f), '-', 'invalid', '-', '', '']];
          if (f.model.versions.length === 0) return [[f.model.name, '-', 'no versions', '-', '', '']];
          return f.model.versions.map((v) => [
            f.model.name,
            `v${v.version}`,
            v.stage,
            v.run ?? '-',
            fitWidth(
              stripControl(
                Object.entries(v.metrics)
                  .map(([k, m]) => `${k}=${m}`)
                  .join(' '),
              ),
              36,
            ),
            fitWidth(stripControl(v.artifact ?? '-'), 48),
          ]);
        }),
      );
    }
    if (mlflow) printMlflow(io, mlflow);
    if (mlflowError) io.stderr.write(`infradeck ai: ${mlflowError}\n`);
  }
  if (errors.length) return exitCodes.usage;
  return mlflowError ? exitCodes.unavailable : exitCodes.ok;
}

function printMlflow(io: CloudCommandIO, m: MlflowListing): void {
  const clean = (s: string | undefined, width: number) => fitWidth(stripControl(s ?? '-'), width);
  io.stdout.write(`\nMLflow at ${m.server} (read only)\n`);
  printTable(
    io.stdout,
    ['EXPERIMENT', 'ID', 'STAGE'],
    m.experiments.map((e) => [clean(e.name, 40), e.id, e.lifecycleStage ?? '-']),
  );
  io.stdout.write('\n');
  printTable(
    io.stdout,
    ['RUN', 'EXPERIMENT', 'STATUS', 'METRICS'],
    m.runs.map((r) => [
      clean(r.name ?? r.id, 32),
      r.experimentId,
      r.status ?? '-',
      clean(
        Object.entries(r.metrics)
          .map(([k, v]) => `${k}=${v}`)
          .join(' '),
        48,
      ),
    ]),
  );
  io.stdout.write('\n');
  printTable(
    io.stdout,
    ['REGISTERED MODEL', 'LATEST VERSIONS'],
    m.registeredModels.map((r) => [
      clean(r.name, 40),
      clean(
        [
          ...r.latestVersions.map((v) => `v${v.version} ${v.stage ?? ''}`.trim()),
          ...Object.entries(r.aliases).map(([a, v]) => `@${a}=v${v}`),
        ].join(', '),
        60,
      ),
    ]),
  );
  if (m.truncated.length) io.stdout.write(`(only the first 500 ${m.truncated.join(', ')} are shown)\n`);
}

// --- register, promote ---------------------------------------------------------------------------

async function openModelBus(io: CloudCommandIO, cloud: CommandCloud) {
  return openCommandBus(io, {
    handlers: jobHandlersFor({ ...handlerDepsFor(io), cloud: cloud.provider }),
    concurrency: inProcessConcurrency,
  });
}

async function register(io: CloudCommandIO, run: string, values: Values, json: boolean): Promise<number> {
  const model = values.model!;
  const cloud = new CommandCloud(io);
  const opened = await openModelBus(io, cloud);
  if ('error' in opened) return commandError(io, 'ai', opened.error, exitCodes.unavailable);
  const { bus } = opened;
  try {
    const job = await bus.queue.get(run);
    if (!job) return unknownId(io, 'ai', 'run', run, 'infradeck ai runs');
    if (job.kind !== 'experimentRun')
      return bad(io, [`job ${run} is not an experiment run (${describeJob(job.kind, job.payload)})`]);
    if (job.status !== 'completed') {
      io.stderr.write(`infradeck ai: run ${run} is ${job.status}: only a completed run becomes a version\n`);
      return exitCodes.failed;
    }
    const payload = job.payload as ExperimentRunPayload;
    const result = (job.result ?? {}) as Partial<ExperimentRunResult>;
    const artifact = values.artifact ?? (await lastCheckpoint(io, run, result));
    if (!artifact)
      return bad(io, [
        `run ${run} printed no checkpoint ({"checkpoint": "s3://…"}): give the artifact with --artifact URI`,
      ]);
    const spec: JobSpec = {
      kind: 'model',
      payload: {
        action: 'register',
        model,
        run,
        experiment: payload.experiment,
        params: payload.params ?? {},
        metrics: finalMetrics(result.metrics),
        artifact,
      },
      requestedBy: currentRequester(io.env),
      ...(commandReadOnly(io) ? { readOnly: true } : {}),
    };
    return await runModelJob(io, bus, spec, json);
  } finally {
    await bus.close();
  }
}

/** The run's last checkpoint: in its result (the last few), else in the metrics store (all of them). */
async function lastCheckpoint(
  io: CloudCommandIO,
  run: string,
  result: Partial<ExperimentRunResult>,
): Promise<string | undefined> {
  const fromResult = Array.isArray(result.checkpoints) ? result.checkpoints.at(-1)?.uri : undefined;
  if (fromResult) return fromResult;
  const open = runMetricsOpener({ ...busSettings(io.env), dataDir: io.workspace.dataDir });
  if (!open) return undefined;
  const store = await open();
  try {
    return (await store.read(run)).checkpoints.at(-1)?.uri;
  } finally {
    await store.close();
  }
}

async function promote(
  io: CloudCommandIO,
  model: string,
  versionText: string,
  stage: string,
  json: boolean,
): Promise<number> {
  const version = readModelVersion(versionText);
  if (version === undefined) return bad(io, [`"${versionText}" is not a version (a number like 3 or v3)`]);
  if (!(modelStages as readonly string[]).includes(stage))
    return bad(io, [`"${stage}" is not a stage (${modelStages.join(', ')})`]);
  // Checked here for a clear exit 2; the worker checks again against the file as it is when it writes.
  const lookup = findModel(await loadModels(io.workspace.dataDir), model);
  if ('error' in lookup) return bad(io, lookup.error.split('\n'));
  if ('missing' in lookup) return bad(io, [noModelMessage(model, lookup.names)]);
  const change = promotion(lookup.found.model, version, stage as ModelStage);
  if (!change.ok) return bad(io, [change.message]);
  const cloud = new CommandCloud(io);
  const opened = await openModelBus(io, cloud);
  if ('error' in opened) return commandError(io, 'ai', opened.error, exitCodes.unavailable);
  try {
    const spec: JobSpec = {
      kind: 'model',
      payload: { action: 'promote', model, version, stage: stage as ModelStage },
      requestedBy: currentRequester(io.env),
      ...(commandReadOnly(io) ? { readOnly: true } : {}),
    };
    return await runModelJob(io, opened.bus, spec, json);
  } finally {
    await opened.bus.close();
  }
}

async function runModelJob(io: CloudCommandIO, bus: Bus, spec: JobSpec, json: boolean): Promise<number> {
  const ran = await runCloudJob(bus, spec, io, (e) => (json ? undefined : printJobLog(io, e)), {
    quiet: json,
    command: 'ai',
  });
  if ('error' in ran) {
    io.stderr.write(`infradeck ai: ${ran.error}\n`);
    // A read-only refusal at enqueue (audited): refused, not unreachable.
    return isRefusal(ran.error) ? exitCodes.failed : ran.code;
  }
  const { job } = ran;
  const result = job.result as ModelResult | undefined;
  if (json)
    io.stdout.write(
      `${JSON.stringify({ job: job.id, status: job.status, ...(job.error ? { error: job.error } : {}), result: result ?? null }, null, 2)}\n`,
    );
  else if (job.status === 'completed' && result) io.stdout.write(`${stripControl(result.message)}\n`);
  else io.stderr.write(`infradeck ai: ${stripControl(job.error ?? job.status)}\n`);
  return jobExitCode(job);
}

// --- rollouts ------------------------------------------------------------------------------------

async function rollout(
  io: CloudCommandIO,
  model: string,
  versionText: string,
  values: Values,
  json: boolean,
): Promise<number> {
  const version = readModelVersion(versionText);
  if (version === undefined) return bad(io, [`"${versionText}" is not a version (a number like 3 or v3)`]);
  const lookup = findModel(await loadModels(io.workspace.dataDir), model);
  if ('error' in lookup) return bad(io, lookup.error.split('\n'));
  if ('missing' in lookup) return bad(io, [noModelMessage(model, lookup.names)]);
  let serial: ReturnType<typeof readSerialText> | undefined;
  if (values.serial !== undefined) {
    serial = readSerialText(values.serial);
    if (!serial.ok) return bad(io, [`--serial: ${serial.message}`]);
  }
  const def = lookup.found.model;
  const local = values.local ?? def.rollout.local ?? false;
  const cloud = new CommandCloud(io);
  // Only a local rollout on the DEMO cloud can be made to fail on purpose (`simulate-incident`).
  const demo = local && (await cloud.provider()).kind === 'demo';
  const planned = await planRollout(
    {
      model: def,
      version,
      ...(values.servers !== undefined ? { servers: targetWords(values.servers) } : {}),
      ...(serial?.ok ? { serial: serial.value } : {}),
      ...(values.deploy !== undefined ? { deploy: values.deploy } : {}),
      ...(values.health !== undefined ? { health: values.health } : {}),
      ...(values.rollback !== undefined ? { rollback: values.rollback } : {}),
      local,
      demo,
    },
    { dataDir: io.workspace.dataDir, env: io.env },
  );
  if (!planned.ok) return bad(io, planned.errors);
  const { spec, plan, payload } = planned;
  const opened = await openModelBus(io, cloud);
  if ('error' in opened) return commandError(io, 'ai', opened.error, exitCodes.unavailable);
  const { bus } = opened;
  try {
    if (bus.transport === 'memory' && plan.waves.length > 1) {
      return bad(io, [
        `${plan.waves.length} waves: a rollout pauses after each one until \`infradeck ai rollout advance\` from another process, which needs REDIS_URL (without it the rollout runs in this process). Give --serial 100% for one wave, or set REDIS_URL. Nothing started`,
      ]);
    }
    const production = def.versions.find((v) => v.stage === 'production')?.version;
    const previous =
      spec.previous !== undefined
        ? ` (production now: v${spec.previous})`
        : production === spec.version
          ? ' (in production already)'
          : ' (no version in production yet)';
    if (!json) {
      io.stderr.write(
        `rollout of ${spec.model} v${spec.version}${previous}${demo ? ' on the DEMO cloud' : ''}\n`,
      );
      const commands = [
        `deploy: ${spec.deploy}`,
        ...(spec.health ? [`health: ${spec.health}`] : []),
        ...(spec.rollback ? [`rollback: ${spec.rollback}`] : []),
      ];
      for (const line of commands) io.stderr.write(`  ${stripControl(line)}\n`);
      // The plan's first line is the batch's action: the rollout's runner script, said above in its own words.
      for (const line of batchPlanLines(plan, { targetLines: 0 }).slice(1))
        io.stderr.write(`${stripControl(line)}\n`);
    }
    const requestedBy = currentRequester(io.env);
    const readOnly = commandReadOnly(io);
    if (bus.transport === 'memory' || values.wait) {
      const followed = await followBatch(bus, payload, io, {
        requestedBy,
        readOnly,
        quiet: json,
        command: 'ai',
      });
      if ('error' in followed) {
        io.stderr.write(`infradeck ai: ${followed.error}\n`);
        return followed.code;
      }
      return reportRun(io, bus, followed.id, json);
    }
    let id: string;
    try {
      id = await bus.queue.enqueue({
        kind: 'batch',
        payload,
        requestedBy,
        ...(readOnly ? { readOnly: true } : {}),
      });
    } catch (error) {
      io.stderr.write(`infradeck ai: ${(error as Error).message}\n`);
      return isBusError(error, 'invalid')
        ? exitCodes.usage
        : isBusError(error, 'refused')
          ? exitCodes.failed
          : exitCodes.unavailable;
    }
    if (json)
      io.stdout.write(
        `${JSON.stringify({ run: id, model: spec.model, version: spec.version, previous: spec.previous ?? null, waves: plan.waves.map((w) => w.map((t) => t.name)) }, null, 2)}\n`,
      );
    else {
      io.stdout.write(`rollout ${id} started: ${spec.model} v${spec.version}, wave 1/${plan.waves.length}\n`);
      io.stderr.write(
        `follow it: infradeck batch status ${id}; next wave: infradeck ai rollout advance ${id}; undo: infradeck ai rollout rollback ${id}\n`,
      );
    }
    return exitCodes.ok;
  } finally {
    await bus.close();
  }
}

async function reportRun(io: CloudCommandIO, bus: Bus, id: string, json: boolean): Promise<number> {
  const loaded = await loadBatchRun(bus.queue, id);
  if (!loaded || 'notBatch' in loaded) {
    io.stderr.write(`infradeck ai: run ${id} disappeared\n`);
    return exitCodes.failed;
  }
  const { run } = loaded;
  if (json) {
    io.stdout.write(
      `${JSON.stringify({ run: id, name: run.payload.name, status: run.status, counts: run.counts, ...(run.job.error ? { error: run.job.error } : {}), targets: run.targets }, null, 2)}\n`,
    );
  } else {
    const c = run.counts;
    const why = run.job.error && run.status !== 'completed' ? `: ${stripControl(run.job.error)}` : '';
    io.stderr.write(
      `${run.payload.name} ${id} ${run.status}: ${c.ok} ok, ${c.failed} failed, ${c.skipped} skipped${why}\n`,
    );
    if (run.payload.name.startsWith('rollout-') && c.failed > 0)
      io.stderr.write(`roll it back: infradeck ai rollout rollback ${id}\n`);
  }
  if (run.status === 'completed') return exitCodes.ok;
  if (run.status === 'cancelled') return exitCodes.cancelled;
  return run.status === 'failed' ? exitCodes.failed : exitCodes.ok;
}

/** The rollout run `id`, or the exit code after saying why there is none. */
async function findRollout(io: CloudCommandIO, bus: Bus, id: string): Promise<BatchRunView | number> {
  const loaded = await loadBatchRun(bus.queue, id);
  if (!loaded) {
    return unknownId(
      io,
      'ai',
      'run',
      id,
      'infradeck batch status',
      bus.transport === 'memory' ? memoryKeepsNote : undefined,
    );
  }
  if ('notBatch' in loaded)
    return bad(io, [
      `job ${id} is not a rollout (${describeJob(loaded.notBatch.kind, loaded.notBatch.payload)})`,
    ]);
  const of = rolloutOfRun(loaded.run);
  if ('error' in of) return bad(io, [of.error]);
  return loaded.run;
}

function withBus(io: CloudCommandIO, act: (bus: Bus) => Promise<number>): Promise<number> {
  const cloud = new CommandCloud(io);
  return withCommandBus(io, 'ai', act, {
    handlers: jobHandlersFor({ ...handlerDepsFor(io), cloud: cloud.provider }),
    concurrency: inProcessConcurrency,
  });
}

async function advance(io: CloudCommandIO, id: string): Promise<number> {
  return withBus(io, async (bus) => {
    const run = await findRollout(io, bus, id);
    if (typeof run === 'number') return run;
    if (run.job.status !== 'paused' && run.job.status !== 'delayed') {
      io.stderr.write(
        `infradeck ai: rollout ${id} is ${run.status}, not paused after a wave: nothing to advance\n`,
      );
      return exitCodes.failed;
    }
    await bus.queue.resume(id, currentRequester(io.env));
    io.stdout.write(
      `rollout ${id} advanced: wave ${run.progress.wave + 1}/${run.progress.waves} starts now\n`,
    );
    return exitCodes.ok;
  });
}

async function rollback(io: CloudCommandIO, id: string, values: Values, json: boolean): Promise<number> {
  return withBus(io, async (bus) => {
    const run = await findRollout(io, bus, id);
    if (typeof run === 'number') return run;
    const planned = rollbackPayload(run, values.rollback !== undefined ? { rollback: values.rollback } : {});
    if (!planned.ok) return bad(io, [planned.error]);
    const requestedBy = currentRequester(io.env);
    const readOnly = commandReadOnly(io);
    if (readOnly) {
      io.stderr.write('infradeck ai: read-only mode: the rollout is neither stopped nor rolled back\n');
      return exitCodes.failed;
    }
    // Stop it first, so no further wave starts while the rollback runs.
    if (!isFinished(run.job.status)) {
      await bus.queue.cancel(id, requestedBy);
      if (!json) io.stderr.write(`rollout ${id} cancelled\n`);
    }
    const { spec, payload } = planned;
    if (!json)
      io.stderr.write(
        `rolling ${spec.model} back from v${spec.rolledBackFrom} to v${spec.version} on ${payload.targets.map((t) => t.name).join(', ')}\n`,
      );
    const followed = await followBatch(bus, payload, io, {
      requestedBy,
      readOnly,
      quiet: json,
      command: 'ai',
    });
    if ('error' in followed) {
      io.stderr.write(`infradeck ai: ${followed.error}\n`);
      return followed.code;
    }
    return reportRun(io, bus, followed.id, json);
  });
}

async function incident(io: CloudCommandIO, id: string, target: string | undefined): Promise<number> {
  const cloud = new CommandCloud(io);
  if ((await cloud.provider()).kind !== 'demo') {
    io.stderr.write(
      'infradeck ai: simulate-incident is a DEMO cloud feature (run with --demo): real servers fail on their own\n',
    );
    return exitCodes.failed;
  }
  return withBus(io, async (bus) => {
    const run = await findRollout(io, bus, id);
    if (typeof run === 'number') return run;
    if (isFinished(run.job.status)) {
      io.stderr.write(
        `infradeck ai: rollout ${id} is ${run.status} already: no health check is left to fail\n`,
      );
      return exitCodes.failed;
    }
    const done = await simulateIncident(run, target);
    if (!done.ok) return bad(io, [done.error]);
    io.stdout.write(
      `DEMO incident: the health check of ${done.target} fails from now on (a simulation: ${done.file}); advance the rollout to see it stop\n`,
    );
    return exitCodes.ok;
  });
}
