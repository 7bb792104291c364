import type { JobView } from '../domain/job';
import type { CiPayload, CiResult } from '../domain/jobKinds/ci';
import { formatDuration } from '../domain/jobText';
import { CiError, isFinished, type PipelineStatus } from '../domain/pipelineClient';
import { stripControl } from '../domain/text';
import { dispatchInputProblems } from '../domain/workflowDispatch';
import { exitCodes, openCommandBus, wantsJson } from '../services/bus/busFromEnv';
import type { Bus } from '../services/bus/contracts';
import { currentRequester } from '../services/bus/requester';
import { readDispatchSpec } from '../services/pipelines/githubWorkflowFile';
import { ciHandler } from '../worker/handlers/ci';
import { handlerDepsFor } from '../worker/jobHandlers';
import { commandReadOnly, jobExitCode, jobOutcome, runCloudJob } from './cloudJob';
import type { FlagValues } from './declaration';
import type { PipelineVerb, pipelineDeclaration } from './pipeline';
import { runNotation, splitRunTarget, splitWorkflowTarget } from './pipelineRemoteNotation';
import {
  ciFailureText,
  findDispatchedRun,
  followedRunExitCode,
  followRemoteRun,
  loadRemoteRun,
  type RemoteRunView,
  remoteRunJson,
  remoteSummaryLine,
} from './pipelineRemoteRun';
import {
  ciExitCode,
  clientOpener,
  currentBranch,
  openRemoteTarget,
  type RemoteCiIO,
  type RemoteTarget,
} from './pipelineRemoteTarget';
import { printTable } from './printTable';

type Flags = FlagValues<(typeof pipelineDeclaration)['flags']>;

/** `infradeck pipeline run REPO:WORKFLOW` and `status|retry|cancel REPO#RUN`: remote CI from the command line. */
export async function remotePipelineCommand(
  verb: PipelineVerb,
  arg: string,
  values: Flags,
  io: RemoteCiIO,
): Promise<number> {
  const json = wantsJson(io, values.json);
  const wait = values.wait === true;
  if (verb === 'run') {
    const named = splitWorkflowTarget(arg);
    if (!named) return fail(io, `"${arg}" is not REPO:WORKFLOW (like shop:ci.yml)`, exitCodes.usage);
    return trigger(io, named, values, { wait, json });
  }
  const named = splitRunTarget(arg);
  if (!named)
    return fail(
      io,
      `"${arg}" is not a remote run: REPO#RUN, like shop#4242, as \`infradeck pipelines\` shows it`,
      exitCodes.usage,
    );
  const target = await openRemoteTarget(io, named.repo);
  if ('message' in target) return fail(io, target.message, target.code);
  let view: RemoteRunView;
  try {
    view = await loadRemoteRun(target, named.run);
  } catch (error) {
    return fail(io, ciFailureText(error), ciExitCode(error));
  }
  if (verb === 'status') return status(io, view, json);
  if (verb === 'retry') return retry(io, view, { wait, json });
  return cancel(io, view, json);
}

function fail(io: RemoteCiIO, message: string, code: number): number {
  io.stderr.write(`infradeck pipeline: ${stripControl(message)}\n`);
  return code;
}

/** `--input a=1 --input b=2` -> {a: '1', b: '2'}, or what is wrong with them. */
function parseInputs(given: readonly string[] = []): Record<string, string> | { error: string } {
  const inputs: Record<string, string> = {};
  for (const item of given) {
    const at = item.indexOf('=');
    if (at <= 0) return { error: `--input "${item}" is not NAME=VALUE` };
    const name = item.slice(0, at);
    if (Object.hasOwn(inputs, name)) return { error: `--input ${name} is given twice` };
    inputs[name] = item.slice(at + 1);
  }
  return inputs;
}

async function trigger(
  io: RemoteCiIO,
  named: { repo: string; workflow: string },
  values: Flags,
  opts: { wait: boolean; json: boolean },
): Promise<number> {
  const inputs = parseInputs(values.input);
  if ('error' in inputs) return fail(io, inputs.error as string, exitCodes.usage);
  const t = await openRemoteTarget(io, named.repo);
  if ('message' in t) return fail(io, t.message, t.code);
  const ref = values.ref ?? (await currentBranch(t.clone));
  if (!ref)
    return fail(
      io,
      `${t.name}: its clone is not on a branch: say which branch or tag to run on with --ref`,
      exitCodes.usage,
    );
  let workflow: string | undefined;
  let before: Set<string> | undefined;
  try {
    if (t.remote.provider === 'github') {
      workflow = await workflowFileOf(t, named.workflow);
      // Checked here, in the clone, before anything is queued: a worker on another host may have no clone.
      const problems = dispatchInputProblems(await readDispatchSpec(t.clone, workflow), inputs, workflow);
      if (problems.length > 0) {
        for (const p of problems) io.stderr.write(`infradeck pipeline: ${t.name}: ${stripControl(p)}\n`);
        io.stderr.write('infradeck pipeline: nothing started\n');
        return exitCodes.usage;
      }
      // GitHub's dispatch names no run: the runs there before it tell the new one apart.
      if (opts.wait)
        before = new Set(
          (await t.client.listRuns(t.remote.path, { workflow, branch: ref, limit: 20 })).map((r) => r.id),
        );
    } else if (named.workflow !== '' && named.workflow !== '.gitlab-ci.yml') {
      return fail(
        io,
        `${t.name} is on GitLab, where a project has one pipeline: run it as ${t.name}:.gitlab-ci.yml`,
        exitCodes.usage,
      );
    }
  } catch (error) {
    return fail(io, ciFailureText(error), ciExitCode(error));
  }
  return withCiBus(io, async (bus) => {
    const done = await runCiJob(
      io,
      bus,
      t,
      { action: 'trigger', ref, inputs, ...(workflow ? { workflow } : {}) },
      opts.json,
    );
    if (typeof done === 'number') return done;
    let id = done.result.run;
    if (!opts.json) io.stderr.write(`${stripControl(done.result.message)}\n`);
    if (!id && !opts.wait) {
      if (opts.json)
        io.stdout.write(
          `${JSON.stringify({ run: null, repo: t.name, provider: 'github', workflowFile: workflow, branch: ref, status: 'queued', steps: [], job: done.job.id }, null, 2)}\n`,
        );
      else
        io.stderr.write(
          `GitHub does not say which run a dispatch starts: it shows in \`infradeck pipelines\` in a few seconds (--wait finds and follows it)\n`,
        );
      return exitCodes.ok;
    }
    if (!id) {
      const found = await findDispatchedRun(io, t, workflow ?? '', ref, before ?? new Set());
      if (!found)
        return fail(
          io,
          `${workflow} was dispatched on ${ref}, but no new workflow_dispatch run of it showed up: see \`infradeck pipelines\``,
          exitCodes.failed,
        );
      id = found.id;
      if (!opts.json)
        io.stderr.write(
          `run ${runNotation(t.name, id)}: the newest workflow_dispatch run of ${workflow} on ${ref}, not there before the dispatch\n`,
        );
    } else if (!opts.json) io.stderr.write(`run ${runNotation(t.name, id)} started\n`);
    const hint = { ...(workflow ? { workflow } : {}), branch: ref };
    if (!opts.wait) {
      const view = await loadRemoteRun(t, id, hint).catch(() => undefined);
      if (opts.json && view) io.stdout.write(`${JSON.stringify(remoteRunJson(view), null, 2)}\n`);
      if (!opts.json) io.stderr.write(`follow it: infradeck pipeline status ${runNotation(t.name, id)}\n`);
      return exitCodes.ok;
    }
    const runId = id;
    const view = await followRemoteRun(io, t, runId, {
      hint,
      quiet: opts.json,
      cancel: () => enqueueCancel(io, bus, t, runId),
    });
    return report(io, view, opts.json);
  });
}

/** `ci.yml` as given, or a workflow's name (`CI`) made its file by asking GitHub. */
async function workflowFileOf(t: RemoteTarget, given: string): Promise<string> {
  if (/\.ya?ml$/i.test(given)) return given;
  const workflows = await t.client.workflows(t.remote.path);
  const match = workflows.filter((w) => w.name.toLowerCase() === given.toLowerCase());
  if (match.length === 1) return match[0].workflow;
  const known = workflows.map((w) => `${t.name}:${w.workflow} (${w.name})`).join(', ') || 'none';
  throw new CiError('not-found', `${t.name}: no workflow "${given}" (workflows: ${known})`);
}

function status(io: RemoteCiIO, view: RemoteRunView, json: boolean): number {
  const shown = remoteRunJson(view);
  if (json) {
    io.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
    return statusCode(view.status);
  }
  io.stdout.write(`${remoteSummaryLine(view)}\n`);
  if (shown.steps.length > 0)
    printTable(
      io.stdout,
      ['JOB', 'STATUS', 'ATTEMPTS', 'TOOK', 'ID'],
      shown.steps.map((s) => [
        stripControl(s.stage ? `${s.stage}/${s.name}` : s.name),
        s.status,
        String(s.attempts),
        s.durationMs === null ? '-' : formatDuration(s.durationMs),
        s.job,
      ]),
    );
  if (view.run?.url) io.stdout.write(`${stripControl(view.run.url)}\n`);
  return statusCode(view.status);
}

/** Re-runs the failed jobs of a run that ended (GitHub: a new attempt of the same run; GitLab: retry). */
async function retry(io: RemoteCiIO, before: RemoteRunView, opts: { wait: boolean; json: boolean }) {
  const t = before.target;
  const name = runNotation(t.name, before.id);
  if (!isFinished(before.status))
    return fail(io, `run ${name} is ${before.status}: only a run that ended is retried`, exitCodes.failed);
  if (
    !before.jobs.some((j) => j.status === 'failed' || j.status === 'cancelled') &&
    before.status === 'passed'
  )
    return fail(io, `every job of run ${name} passed: nothing to retry`, exitCodes.failed);
  return withCiBus(io, async (bus) => {
    const done = await runCiJob(io, bus, t, { action: 'rerun', run: before.id }, opts.json);
    if (typeof done === 'number') return done;
    const hint = { workflow: before.run?.workflowFile, branch: before.run?.branch };
    if (!opts.wait) {
      if (opts.json) {
        const view = await loadRemoteRun(t, before.id, hint).catch(() => before);
        io.stdout.write(`${JSON.stringify(remoteRunJson(view), null, 2)}\n`);
      } else io.stderr.write(`${stripControl(done.result.message)}: infradeck pipeline status ${name}\n`);
      return exitCodes.ok;
    }
    if (!opts.json) io.stderr.write(`${stripControl(done.result.message)}\n`);
    const view = await followRemoteRun(io, t, before.id, {
      hint,
      quiet: opts.json,
      before: { status: before.status, attempt: before.run?.attempt },
      cancel: () => enqueueCancel(io, bus, t, before.id),
    });
    return report(io, view, opts.json);
  });
}

async function cancel(io: RemoteCiIO, view: RemoteRunView, json: boolean): Promise<number> {
  const t = view.target;
  const name = runNotation(t.name, view.id);
  if (isFinished(view.status))
    return fail(io, `run ${name} is ${view.status} already: nothing to cancel`, exitCodes.failed);
  return withCiBus(io, async (bus) => {
    const done = await runCiJob(io, bus, t, { action: 'cancel', run: view.id }, json);
    if (typeof done === 'number') return done;
    if (json)
      io.stdout.write(
        `${JSON.stringify({ run: name, action: 'cancel', job: done.job.id, message: done.result.message }, null, 2)}\n`,
      );
    else {
      const running = view.jobs.filter((j) => !isFinished(j.status)).length;
      io.stdout.write(
        `run ${name} cancelled${running ? ` with its ${running} unfinished job${running === 1 ? '' : 's'}` : ''}\n`,
      );
    }
    return exitCodes.ok;
  });
}

/** `pipeline status`: a run stopped at a manual job is a state it is in (0), not an end it came to. */
function statusCode(status: PipelineStatus): number {
  return status === 'manual' ? exitCodes.ok : followedRunExitCode(status);
}

function report(io: RemoteCiIO, view: RemoteRunView, json: boolean): number {
  if (json) io.stdout.write(`${JSON.stringify(remoteRunJson(view), null, 2)}\n`);
  else {
    io.stderr.write(`${remoteSummaryLine(view)}\n`);
    if (view.run?.url) io.stderr.write(`${stripControl(view.run.url)}\n`);
    if (view.status === 'failed' || view.status === 'cancelled')
      io.stderr.write(
        `re-run the failed jobs: infradeck pipeline retry ${runNotation(view.target.name, view.id)}\n`,
      );
  }
  return followedRunExitCode(view.status);
}

/**
 * The bus the `ci` jobs go on. Without Redis they run in this process, with this command's environment (its
 * token) and read-only flag; with Redis a worker runs them, with the worker's token.
 */
async function withCiBus(io: RemoteCiIO, act: (bus: Bus) => Promise<number>): Promise<number> {
  const ci = ciHandler({ readOnly: handlerDepsFor(io).readOnly, env: io.env, openClient: clientOpener(io) });
  const opened = await openCommandBus(io, { handlers: { ci } });
  if ('error' in opened) return fail(io, opened.error, exitCodes.unavailable);
  try {
    return await act(opened.bus);
  } catch (error) {
    return fail(io, ciFailureText(error), ciExitCode(error));
  } finally {
    await opened.bus.close();
  }
}

type CiAction = Pick<CiPayload, 'action'> & Partial<Pick<CiPayload, 'run' | 'workflow' | 'ref' | 'inputs'>>;

function ciPayload(io: RemoteCiIO, t: RemoteTarget, action: CiAction) {
  return {
    provider: t.remote.provider,
    host: t.remote.host,
    repo: t.remote.path,
    ...action,
    readOnly: commandReadOnly(io),
  };
}

/** Queues one `ci` job and waits for its end: its result, or the exit code once what went wrong is said. */
async function runCiJob(
  io: RemoteCiIO,
  bus: Bus,
  t: RemoteTarget,
  action: CiAction,
  quiet: boolean,
): Promise<{ job: JobView; result: CiResult } | number> {
  const run = await runCloudJob(
    bus,
    { kind: 'ci', payload: ciPayload(io, t, action), requestedBy: currentRequester(io.env) },
    io,
    () => {},
    { quiet, command: 'pipeline' },
  );
  if ('error' in run) return fail(io, run.error, run.code);
  if (run.job.status !== 'completed') return fail(io, jobOutcome(run.job), jobExitCode(run.job));
  return { job: run.job, result: run.job.result as CiResult };
}

/** Ctrl-C while following: the run is cancelled at the provider, by a `ci` job like any other change. */
async function enqueueCancel(io: RemoteCiIO, bus: Bus, t: RemoteTarget, run: string): Promise<void> {
  await bus.queue.enqueue({
    kind: 'ci',
    payload: ciPayload(io, t, { action: 'cancel', run }),
    requestedBy: currentRequester(io.env),
  });
}
