import { describeExpiry } from '../domain/approval';
import { describeJob, isFinished, type JobView } from '../domain/job';
import type { PipelinePayload, PipelineRunStep } from '../domain/jobKinds/pipeline';
import { formatDuration } from '../domain/jobText';
import { type PipelineRunStatus, type PipelineRunView, reportedRun } from '../domain/pipelineRun';
import { localPipelineName } from '../domain/pipelineSource';
import { fitWidth, stripControl } from '../domain/text';
import { isBusError } from '../services/bus/busError';
import { exitCodes, openCommandBus, wantsJson } from '../services/bus/busFromEnv';
import type { Bus } from '../services/bus/contracts';
import { currentRequester } from '../services/bus/requester';
import { findLocalPipeline, localRunSpec } from '../services/pipelines/localPipelineRequest';
import { loadLocalPipelines, loadPipelineRun, retryPayload } from '../services/pipelines/localPipelines';
import { handlerDepsFor, jobHandlersFor, readOnlyFromEnv } from '../worker/jobHandlers';
import { cancelOnAbort } from './cancelOnAbort';
import { commandError, writeErrorsJson } from './commandError';
import { type FlagValues, type HeadlessIO, parseCommand, usageError } from './declaration';
import { type PipelineVerb, pipelineDeclaration, pipelineVerbs } from './pipeline';
import { isRemoteTarget } from './pipelineRemoteNotation';
import { printTable, terminalWidth } from './printTable';
import { watchRedisOutage } from './redisOutage';
import { memoryKeepsNote, unknownId } from './unknownId';
import { withCommandBus } from './withCommandBus';

type Flags = FlagValues<(typeof pipelineDeclaration)['flags']>;

/** Steps run at once by a pipeline this process runs itself (no REDIS_URL). */
const inProcessConcurrency = 8;
const pollMs = 200;

/** `infradeck pipeline run|status|retry|cancel …`. */
export async function pipelineCommand(argv: string[], io: HeadlessIO): Promise<number> {
  let verb: PipelineVerb;
  let arg: string;
  let values: Flags;
  try {
    const parsed = parseCommand(pipelineDeclaration, argv);
    values = parsed.values;
    const [given, target, ...extra] = parsed.positionals;
    if (!given) throw new Error(`say what to do: ${pipelineVerbs.join(', ')}`);
    if (!(pipelineVerbs as readonly string[]).includes(given))
      throw new Error(`"${given}" is not one of ${pipelineVerbs.join(', ')}`);
    verb = given as PipelineVerb;
    if (!target)
      throw new Error(
        verb === 'run'
          ? 'run which pipeline? (`infradeck pipelines` lists them)'
          : `${verb}: which run? (its job id, from \`infradeck pipeline run\` or \`infradeck pipelines\`)`,
      );
    if (extra.length) throw new Error(`unexpected ${extra.join(' ')}`);
    if (values.wait && (verb === 'status' || verb === 'cancel'))
      throw new Error('--wait goes with run and retry');
    if (
      (values.ref !== undefined || values.input !== undefined) &&
      !(verb === 'run' && isRemoteTarget(target))
    )
      throw new Error('--ref and --input go with run REPO:WORKFLOW (remote CI)');
    arg = target;
  } catch (error) {
    return usageError(pipelineDeclaration, io, error);
  }
  // `REPO:WORKFLOW` and `REPO#RUN` name remote CI; its code (and the providers' clients) load only then.
  if (isRemoteTarget(arg))
    return (await import('./pipelineRemote')).remotePipelineCommand(verb, arg, values, io);
  const json = wantsJson(io, values.json);
  switch (verb) {
    case 'run':
      return run(io, arg, { wait: values.wait === true, json });
    case 'status':
      return status(io, arg, json);
    case 'retry':
      return retry(io, arg, { wait: values.wait === true, json });
    case 'cancel':
      return cancel(io, arg);
  }
}

async function run(io: HeadlessIO, name: string, opts: { wait: boolean; json: boolean }): Promise<number> {
  const { pipelines } = await loadLocalPipelines(io.workspace.dataDir, io.workspace.config, io.env);
  const found = findLocalPipeline(pipelines, name);
  if ('errors' in found) {
    // A located problem starts with its file:line:col; any other (an unknown name) says which command speaks.
    for (const e of found.errors)
      io.stderr.write(/^\S+:\d+:\d+: /.test(e) ? `${e}\n` : `infradeck pipeline: ${e}\n`);
    io.stderr.write('infradeck pipeline: nothing started\n');
    // For --json the problems of the one file of that name keep their place (`found` has them as text).
    const named = pipelines.filter((p) => localPipelineName(p) === name);
    const file = named.length === 1 ? named[0].parsed : undefined;
    writeErrorsJson({ ...io, json: opts.json }, file && !file.ok ? file.errors : found.errors);
    return exitCodes.usage;
  }
  return startRun(io, found.payload, opts);
}

/** Queue the run; with --wait (or without Redis, where this process runs it) follow it to its end. */
async function startRun(
  io: HeadlessIO,
  payload: PipelinePayload,
  opts: { wait: boolean; json: boolean },
): Promise<number> {
  const opened = await openCommandBus(io, {
    handlers: jobHandlersFor(handlerDepsFor(io)),
    concurrency: inProcessConcurrency,
  });
  if ('error' in opened) return commandError(io, 'pipeline', opened.error, exitCodes.unavailable);
  const { bus } = opened;
  try {
    let id: string;
    try {
      id = await bus.queue.enqueue(
        localRunSpec(payload, currentRequester(io.env), io.readOnly === true || readOnlyFromEnv(io.env)),
      );
    } catch (error) {
      io.stderr.write(`infradeck pipeline: ${(error as Error).message}\n`);
      return isBusError(error, 'invalid')
        ? exitCodes.usage
        : isBusError(error, 'refused')
          ? exitCodes.failed
          : exitCodes.unavailable;
    }
    const wait = opts.wait || bus.transport === 'memory';
    if (!opts.json) {
      const retry = payload.retryOf ? ` (retry of ${payload.retryOf}, ${payload.kept.length} kept)` : '';
      io.stderr.write(`run ${id} of ${payload.name} started${retry}: infradeck pipeline status ${id}\n`);
    }
    if (!wait) {
      const loaded = await loadRun(bus, id);
      if (!loaded || !('run' in loaded)) return exitCodes.ok;
      const held = approvalWait(loaded.run.job);
      if (held) io.stderr.write(`run ${id} ${held}: ${approvalHint(id)}\n`);
      if (opts.json) io.stdout.write(`${JSON.stringify(runJson(loaded.run), null, 2)}\n`);
      return exitCodes.ok;
    }
    const view = await follow(io, bus, id, opts.json);
    if (!view) {
      io.stderr.write(`infradeck pipeline: run ${id} disappeared\n`);
      return exitCodes.failed;
    }
    if ('lost' in view) {
      io.stderr.write(`infradeck pipeline: ${view.lost}\n`);
      return exitCodes.unavailable;
    }
    return report(io, view, opts.json);
  } finally {
    await bus.close();
  }
}

/**
 * Polls the run to its end, a line per step on stdout as it ends (`lint passed 1.2s`, `test failed: test: exit 1`).
 * The command's signal (Ctrl-C) cancels the run, and with it its running steps. While Redis is away it says so
 * and goes on waiting (a failed read is not a run that disappeared), up to the outage watch's give-up.
 */
async function follow(
  io: HeadlessIO,
  bus: Bus,
  id: string,
  quiet: boolean,
): Promise<PipelineRunView | undefined | { lost: string }> {
  const printed = new Set<string>();
  let toldApproval = false;
  const stopCancelling = cancelOnAbort(io, `run ${id} and its running steps`, () =>
    bus.queue.cancel(id, currentRequester(io.env)),
  );
  const outage = watchRedisOutage(bus, io, {
    command: 'pipeline',
    waitingFor: `run ${id}`,
    later: `infradeck pipeline status ${id}`,
  });
  let failedReads = 0;
  try {
    for (;;) {
      if (outage.lost) return { lost: outage.lost };
      let loaded: Awaited<ReturnType<typeof loadRun>> | 'offline';
      try {
        loaded = await loadRun(bus, id);
      } catch {
        // A read can fail before the connection's state says it dropped: only reads that keep failing while
        // Redis is there end the wait.
        const away = outage.offline || bus.state.get().state !== 'connected';
        failedReads = away ? 0 : failedReads + 1;
        loaded = away || failedReads < 3 ? 'offline' : undefined;
      }
      if (loaded !== 'offline') failedReads = 0;
      if (loaded === 'offline') {
        // Redis is away: nothing to say of the run until it is back.
      } else if (loaded && 'run' in loaded) {
        const held = approvalWait(loaded.run.job);
        if (held && !toldApproval) {
          toldApproval = true;
          io.stderr.write(`run ${id} ${held}: ${approvalHint(id)}\n`);
        }
        const byKey = new Map(loaded.children.map((c) => [c.childKey, c]));
        const done = isFinished(loaded.run.job.status);
        for (const s of loaded.run.steps) {
          if (quiet || printed.has(s.name) || s.status === 'running' || s.status === 'pending') continue;
          // Skipped is only sure once the run ended (a retry of the step it needs could still pass).
          if (s.status === 'skipped' && !done) continue;
          printed.add(s.name);
          io.stdout.write(`${stripControl(stepText(s, byKey.get(s.name)))}\n`);
        }
        if (done) return loaded.run;
      } else if (loaded === undefined) {
        return undefined;
      }
      await new Promise((r) => setTimeout(r, pollMs));
    }
  } finally {
    outage.stop();
    stopCancelling();
  }
}

function stepText(s: PipelineRunStep, child: JobView | undefined): string {
  const took = s.durationMs !== undefined ? ` ${formatDuration(s.durationMs)}` : '';
  const tries = s.attempts > 1 ? ` (${s.attempts} attempts)` : '';
  if (s.kept) return `${s.name} passed (kept from run ${s.jobId?.replace(/\.[^.]*$/, '') ?? 'before'})`;
  if (s.status === 'passed') return `${s.name} passed${took}${tries}`;
  if (s.status === 'skipped') return `${s.name} skipped`;
  const why = child?.error ? `: ${child.error}` : '';
  return `${s.name} ${s.status}${took}${tries}${why}`;
}

function statusCode(status: PipelineRunStatus): number {
  if (status === 'failed') return exitCodes.failed;
  if (status === 'cancelled') return exitCodes.cancelled;
  return exitCodes.ok;
}

/** The run as this command tells it: a step whose job waits for a worker is `pending` (`reportedRun`). */
async function loadRun(bus: Bus, id: string) {
  const loaded = await loadPipelineRun(bus.queue, id);
  return loaded && 'run' in loaded ? { ...loaded, run: reportedRun(loaded.run, loaded.children) } : loaded;
}

/** `waits for an approval (pipeline jobs need an approval; expires in 23 h)` while the run is held; else undefined. */
function approvalWait(job: JobView): string | undefined {
  if (job.status !== 'approval_pending' || !job.approval) return undefined;
  return `waits for an approval (${job.approval.why}; ${describeExpiry(job.approval.expiresAt, Date.now())})`;
}

function approvalHint(id: string): string {
  return `another admin runs \`infradeck approve ${id}\` or \`infradeck reject ${id} --reason …\``;
}

/** How the run stands in words: its status, or that it waits for an approval (its JSON status is `running`). */
function standing(view: PipelineRunView): string {
  return approvalWait(view.job) ?? view.status;
}

/**
 * `{run, name, status, retryOf?, approval?, steps: [{name, status, attempts, durationMs}]}`; `approval` (as
 * `infradeck jobs --json` has it) when the run waited or waits for one.
 */
function runJson(view: PipelineRunView) {
  return {
    run: view.job.id,
    name: view.payload.name,
    ...(view.payload.source?.repo ? { repo: view.payload.source.repo } : {}),
    status: view.status,
    ...(view.payload.retryOf ? { retryOf: view.payload.retryOf } : {}),
    ...(view.job.error && view.status !== 'passed' ? { error: view.job.error } : {}),
    ...(view.job.approval ? { approval: view.job.approval } : {}),
    steps: view.steps.map((s) => ({
      name: s.name,
      status: s.status,
      attempts: s.attempts,
      durationMs: s.durationMs ?? null,
      ...(s.exitCode !== undefined ? { exitCode: s.exitCode } : {}),
      ...(s.jobId ? { job: s.jobId } : {}),
      ...(s.kept ? { kept: true } : {}),
    })),
  };
}

function summaryLine(view: PipelineRunView): string {
  const count = (st: PipelineRunStep['status']) => view.steps.filter((s) => s.status === st).length;
  const parts = [`${count('passed')} passed`, `${count('failed')} failed`, `${count('skipped')} skipped`];
  for (const st of ['cancelled', 'running', 'pending'] as const)
    if (count(st)) parts.push(`${count(st)} ${st}`);
  const error =
    view.status === 'failed' || view.status === 'cancelled' ? stripControl(view.job.error ?? '') : '';
  const why = error ? `: ${error}` : '';
  return `run ${view.job.id} (${view.payload.name}) ${standing(view)}: ${parts.join(', ')}${why}`;
}

function report(io: HeadlessIO, view: PipelineRunView, json: boolean): number {
  if (json) io.stdout.write(`${JSON.stringify(runJson(view), null, 2)}\n`);
  else {
    io.stderr.write(`${summaryLine(view)}\n`);
    const again = retryHint(view);
    if (again) io.stderr.write(`${again}: infradeck pipeline retry ${view.job.id}\n`);
  }
  return statusCode(view.status);
}

/** What `pipeline retry` would do for a run that did not pass, said before the command. */
function retryHint(view: PipelineRunView): string | undefined {
  if (view.status === 'failed') return 'run the failed steps again';
  if (view.status !== 'cancelled') return undefined;
  return view.job.status === 'rejected'
    ? 'its approval was refused; to ask again'
    : 'run the steps that did not pass again';
}

function withBus(io: HeadlessIO, act: (bus: Bus) => Promise<number>): Promise<number> {
  return withCommandBus(io, 'pipeline', act);
}

async function findRun(io: HeadlessIO, bus: Bus, id: string) {
  const loaded = await loadRun(bus, id);
  if (!loaded) {
    return unknownId(
      io,
      'pipeline',
      'run',
      id,
      'infradeck jobs --kind pipeline',
      bus.transport === 'memory' ? memoryKeepsNote : undefined,
    );
  }
  if ('notPipeline' in loaded)
    return commandError(
      io,
      'pipeline',
      `job ${id} is not a pipeline run (${describeJob(loaded.notPipeline.kind, loaded.notPipeline.payload)})`,
      exitCodes.usage,
    );
  return loaded;
}

async function status(io: HeadlessIO, id: string, json: boolean): Promise<number> {
  return withBus(io, async (bus) => {
    const found = await findRun(io, bus, id);
    if (typeof found === 'number') return found;
    const { run: view, children } = found;
    if (json) {
      io.stdout.write(`${JSON.stringify(runJson(view), null, 2)}\n`);
      return statusCode(view.status);
    }
    const byKey = new Map(children.map((c) => [c.childKey, c]));
    io.stdout.write(`${summaryLine(view)}\n`);
    if (approvalWait(view.job)) io.stdout.write(`${approvalHint(id)}\n`);
    printTable(
      io.stdout,
      ['STEP', 'STATUS', 'ATTEMPTS', 'TOOK', 'EXIT', 'JOB', 'ERROR'],
      view.steps.map((s) => [
        s.name,
        s.kept ? 'passed (kept)' : s.status,
        String(s.attempts),
        s.durationMs === undefined ? '-' : formatDuration(s.durationMs),
        s.exitCode === undefined ? '-' : String(s.exitCode),
        s.jobId ?? '-',
        fitWidth(stripControl(s.status === 'passed' ? '' : (byKey.get(s.name)?.error ?? '')), 60).trimEnd(),
      ]),
      // The error is cut first; the step, status, exit code and job id stay whole.
      {
        width: terminalWidth(io),
        giveWay: [
          { column: 'ERROR', min: 16 },
          { column: 'ERROR', hide: true },
        ],
      },
    );
    if (view.steps.some((s) => s.jobId)) io.stdout.write("a step's output: infradeck jobs JOB\n");
    return statusCode(view.status);
  });
}

async function cancel(io: HeadlessIO, id: string): Promise<number> {
  return withBus(io, async (bus) => {
    const found = await findRun(io, bus, id);
    if (typeof found === 'number') return found;
    if (isFinished(found.run.job.status)) {
      io.stderr.write(`infradeck pipeline: run ${id} is ${found.run.status} already: nothing to cancel\n`);
      return exitCodes.failed;
    }
    await bus.queue.cancel(id, currentRequester(io.env));
    const running = found.run.steps.filter((s) => s.status === 'running').length;
    io.stdout.write(
      `run ${id} cancelled${running ? ` with its ${running} running step${running === 1 ? '' : 's'}` : ''}\n`,
    );
    return exitCodes.ok;
  });
}

/** A new run of a run that ended: its passed steps kept, the others run again. */
async function retry(io: HeadlessIO, id: string, opts: { wait: boolean; json: boolean }): Promise<number> {
  const opened = await openCommandBus(io);
  if ('error' in opened) return commandError(io, 'pipeline', opened.error, exitCodes.unavailable);
  let payload: PipelinePayload;
  try {
    const found = await findRun(io, opened.bus, id);
    if (typeof found === 'number') return found;
    if (!isFinished(found.run.job.status)) {
      io.stderr.write(
        `infradeck pipeline: run ${id} ${approvalWait(found.run.job) ?? `is ${found.run.status}`}: only a run that ended is retried\n`,
      );
      return exitCodes.failed;
    }
    const again = retryPayload(found.run);
    if (!again) {
      io.stderr.write(`infradeck pipeline: every step of run ${id} passed: nothing to retry\n`);
      return exitCodes.failed;
    }
    payload = again;
  } finally {
    await opened.bus.close();
  }
  return startRun(io, payload, opts);
}
