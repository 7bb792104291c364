import { formatDuration } from '../domain/jobText';
import {
  CiError,
  isFinished,
  nextPollMs,
  type PipelineJob,
  type PipelineRun,
  type PipelineStatus,
  untilText,
} from '../domain/pipelineClient';
import { stripControl } from '../domain/text';
import { exitCodes } from '../services/bus/busFromEnv';
import { cancelOnAbort } from './cancelOnAbort';
import { runNotation } from './pipelineRemoteNotation';
import type { RemoteCiIO, RemoteTarget } from './pipelineRemoteTarget';

/** A remote run as the CLI shows it: the run as the provider lists it (when found), its jobs, its status. */
export interface RemoteRunView {
  target: RemoteTarget;
  id: string;
  /** Undefined when the run is not among the recent runs the provider lists: the status is then the jobs'. */
  run?: PipelineRun;
  status: PipelineStatus;
  jobs: PipelineJob[];
}

/** What narrows the search for a run among the listed ones: its workflow file and branch, when known. */
export interface RunHint {
  workflow?: string;
  branch?: string;
}

/**
 * The run `id` of the target's repository: its jobs, and its status as the provider's run list says (the jobs
 * alone cannot tell a failed job allowed to fail, or a manual job, from the run's end). A run older than the
 * listed ones gets the status its jobs add up to. A run that does not exist is the provider's `not-found`.
 */
export async function loadRemoteRun(t: RemoteTarget, id: string, hint: RunHint = {}): Promise<RemoteRunView> {
  const jobs = await t.client.runJobs({ repo: t.remote.path, id });
  const runs = await t.client.listRuns(t.remote.path, {
    ...(hint.workflow ? { workflow: hint.workflow } : {}),
    ...(hint.branch ? { branch: hint.branch } : {}),
    limit: 20,
  });
  const run = runs.find((r) => r.id === id);
  return { target: t, id, ...(run ? { run } : {}), status: run?.status ?? statusOfJobs(jobs), jobs };
}

function statusOfJobs(jobs: readonly PipelineJob[]): PipelineStatus {
  if (jobs.length === 0) return 'queued';
  const open = jobs.filter((j) => !isFinished(j.status));
  // Stopped at manual jobs (GitLab): nothing else is left to run, as GitLab's own status then says.
  if (open.length > 0 && open.every((j) => j.status === 'manual')) return 'manual';
  if (open.length > 0)
    return jobs.some((j) => j.status === 'running' || isFinished(j.status)) ? 'running' : 'queued';
  if (jobs.some((j) => j.status === 'failed')) return 'failed';
  if (jobs.some((j) => j.status === 'cancelled')) return 'cancelled';
  return jobs.every((j) => j.status === 'skipped') ? 'skipped' : 'passed';
}

/**
 * How many times a job ran as far as the provider tells: GitHub lists each job's latest attempt, and a job that
 * started after the run's latest attempt began ran in that attempt (`run_attempt`); GitLab's jobs list shows the
 * latest try of each job. 0 for a job that never started.
 */
function attemptsOf(job: PipelineJob, run: PipelineRun | undefined): number {
  if (job.startedAt === undefined) return 0;
  const attempt = run?.attempt ?? 1;
  return attempt > 1 && run?.startedAt !== undefined && job.startedAt >= run.startedAt ? attempt : 1;
}

/** `{run: REPO#RUN, status, steps: [{name, status, attempts, durationMs}], …}`: the local run's shape. */
export function remoteRunJson(view: RemoteRunView) {
  const { run, target } = view;
  return {
    run: runNotation(target.name, view.id),
    repo: target.name,
    provider: target.remote.provider,
    ...(run
      ? {
          workflow: run.workflow,
          ...(run.workflowFile ? { workflowFile: run.workflowFile } : {}),
          ...(run.branch ? { branch: run.branch } : {}),
          ...(run.commit ? { commit: run.commit } : {}),
          ...(run.event ? { event: run.event } : {}),
          ...(run.attempt ? { attempt: run.attempt } : {}),
          ...(run.url ? { url: run.url } : {}),
        }
      : {}),
    status: view.status,
    steps: view.jobs.map((j) => ({
      name: j.name,
      status: j.status,
      attempts: attemptsOf(j, run),
      durationMs: j.durationMs ?? null,
      job: j.id,
      ...(j.stage ? { stage: j.stage } : {}),
      ...(j.url ? { url: j.url } : {}),
    })),
  };
}

/** `run shop#42 (CI on main) failed: 2 passed, 1 failed`. */
export function remoteSummaryLine(view: RemoteRunView): string {
  const counts = new Map<string, number>();
  for (const j of view.jobs) counts.set(j.status, (counts.get(j.status) ?? 0) + 1);
  const parts = [...counts].map(([status, n]) => `${n} ${status}`);
  const what = view.run
    ? ` (${view.run.workflow}${view.run.branch ? ` on ${view.run.branch}` : ''})`
    : ' (not among the recent runs: status from its jobs)';
  return stripControl(
    `run ${runNotation(view.target.name, view.id)}${what} ${view.status}: ${parts.join(', ') || 'no jobs yet'}`,
  );
}

export function remoteJobLine(job: PipelineJob): string {
  const took = job.durationMs !== undefined ? ` ${formatDuration(job.durationMs)}` : '';
  return stripControl(`${job.stage ? `${job.stage}/` : ''}${job.name} ${job.status}${took}`);
}

/** How long to wait before asking again: the followed run's interval, stretched when the quota runs low. */
function pollDelay(io: RemoteCiIO, t: RemoteTarget, requestsPerPoll: number): number {
  const watchMs = io.ci?.pollMs ?? 5_000;
  return (
    nextPollMs({
      visible: false,
      watchingRunning: true,
      tableMs: watchMs,
      watchMs,
      quota: t.client.quota(),
      requestsPerPoll,
      now: Date.now(),
    }) ?? watchMs
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Asks `ask` until it answers; a rate limit or a network failure on the way is said once on stderr and waited
 * out (until the provider's reset time), anything else (a refused token, no such run) ends the follow.
 */
async function patiently<T>(io: RemoteCiIO, t: RemoteTarget, ask: () => Promise<T>): Promise<T> {
  let said = '';
  for (;;) {
    try {
      return await ask();
    } catch (error) {
      if (!(error instanceof CiError) || !['rate-limited', 'network', 'provider'].includes(error.kind))
        throw error;
      const wait = Math.max(pollDelay(io, t, 2), (error.retryAt ?? 0) - Date.now());
      if (error.message !== said) {
        said = error.message;
        io.stderr.write(`${stripControl(error.message)}; asking again in ${formatDuration(wait)}\n`);
      }
      await sleep(wait);
    }
  }
}

/**
 * GitHub answers a `workflow_dispatch` with no run id. The run it started is found as `gh run list` users find
 * it: the newest `workflow_dispatch` run of that workflow on that ref that was not there before the dispatch
 * (`before`: the ids listed just before it). Undefined when none shows up within `findDispatchedMs`.
 */
export async function findDispatchedRun(
  io: RemoteCiIO,
  t: RemoteTarget,
  workflow: string,
  ref: string,
  before: ReadonlySet<string>,
): Promise<PipelineRun | undefined> {
  const deadline = Date.now() + (io.ci?.findDispatchedMs ?? 120_000);
  for (;;) {
    const runs = await patiently(io, t, () =>
      t.client.listRuns(t.remote.path, { workflow, branch: ref, limit: 20 }),
    );
    const found = runs.find((r) => r.event === 'workflow_dispatch' && !before.has(r.id));
    if (found) return found;
    if (Date.now() >= deadline || io.signal.aborted) return undefined;
    await sleep(pollDelay(io, t, 1));
  }
}

export interface FollowOptions {
  hint: RunHint;
  /** No line per job (`--json`). */
  quiet: boolean;
  /**
   * The run as it was before a re-run was asked: until it shows another attempt or a status that is not this
   * one's, what the provider lists is the run before the re-run, not its end.
   */
  before?: { status: PipelineStatus; attempt?: number };
  /** What Ctrl-C does: cancel the run (a `ci` job). */
  cancel: () => Promise<void>;
}

/**
 * The manual jobs a followed run stands still at, or undefined while something can still move. GitLab says
 * `manual` when nothing runs until a person starts a manual job (the jobs after a blocking one wait as `created`,
 * read `queued`); a run older than the listed ones reads `manual` once every job left is manual. A job still
 * running or waiting (the jobs were read before the run, and it may have moved between) keeps the follow going.
 */
export function stoppedAtManual(view: RemoteRunView): PipelineJob[] | undefined {
  if (view.status !== 'manual') return undefined;
  const open = view.jobs.filter((j) => !isFinished(j.status));
  if (open.some((j) => j.status === 'running' || j.status === 'waiting')) return undefined;
  return open.filter((j) => j.status === 'manual');
}

/**
 * `run infra#972 stopped at manual job deploy/ship (start it in GitLab: URL, or end the run: infradeck pipeline
 * cancel infra#972)`: what the wait ended on, and the two ways on from there.
 */
export function stoppedAtManualLine(view: RemoteRunView, manual: readonly PipelineJob[]): string {
  const name = runNotation(view.target.name, view.id);
  const names = manual.map((j) => `${j.stage ? `${j.stage}/` : ''}${j.name}`);
  const jobs =
    names.length === 0 ? 'a manual job' : `manual job${names.length === 1 ? '' : 's'} ${names.join(', ')}`;
  const url = (manual.length === 1 ? manual[0].url : undefined) ?? view.run?.url;
  return stripControl(
    `run ${name} stopped at ${jobs} (start ${names.length > 1 ? 'one' : 'it'} in GitLab${url ? `: ${url}` : ''}, or end the run: infradeck pipeline cancel ${name})`,
  );
}

/**
 * `run shop#501 waits for its deployment's protection rules (a review or a wait timer: URL); still following`: said
 * once when a followed run starts to wait (GitHub: an environment's reviewers or timer; GitLab: its resource group),
 * for a wait that a person may have to end.
 */
export function waitingLine(view: RemoteRunView): string {
  const name = runNotation(view.target.name, view.id);
  const why =
    view.target.remote.provider === 'github'
      ? `its deployment's protection rules (a review or a wait timer${view.run?.url ? `: ${view.run.url}` : ''})`
      : 'its resource group (another pipeline holds it)';
  return stripControl(`run ${name} waits for ${why}; still following (Ctrl-C cancels the run)`);
}

/**
 * The exit code of a followed run (`--wait`): 0 passed, 1 failed, 4 cancelled, and 4 too for a run stopped at a
 * manual job: it neither passed nor failed, and nothing more happens until a person acts — a script that goes on
 * after exit 0 must not take it for a pass, nor page anyone for a failure with nothing to re-run.
 */
export function followedRunExitCode(status: PipelineStatus): number {
  if (status === 'failed') return exitCodes.failed;
  if (status === 'cancelled' || status === 'manual') return exitCodes.cancelled;
  return exitCodes.ok;
}

/**
 * Follows a remote run to its end, or to where it stops at a manual job (said on stderr): a line per job on
 * stdout as it ends. Ctrl-C cancels the run.
 */
export async function followRemoteRun(
  io: RemoteCiIO,
  t: RemoteTarget,
  id: string,
  opts: FollowOptions,
): Promise<RemoteRunView> {
  const printed = new Set<string>();
  let changed = opts.before === undefined;
  let toldWaiting = false;
  const staleUntil = Date.now() + (io.ci?.findDispatchedMs ?? 120_000);
  const stopCancelling = cancelOnAbort(io, `run ${runNotation(t.name, id)}`, opts.cancel);
  try {
    for (;;) {
      const view = await patiently(io, t, () => loadRemoteRun(t, id, opts.hint));
      const b = opts.before;
      if (!changed && b)
        changed =
          !isFinished(view.status) ||
          view.status !== b.status ||
          (view.run?.attempt ?? 1) > (b.attempt ?? 1) ||
          Date.now() >= staleUntil;
      if (changed) {
        for (const job of view.jobs) {
          if (opts.quiet || !isFinished(job.status) || printed.has(job.id)) continue;
          printed.add(job.id);
          io.stdout.write(`${remoteJobLine(job)}\n`);
        }
        if (isFinished(view.status)) return view;
        if (view.status === 'waiting' && !toldWaiting && !opts.quiet)
          io.stderr.write(`${waitingLine(view)}\n`);
        toldWaiting = view.status === 'waiting';
        const manual = stoppedAtManual(view);
        if (manual) {
          if (!opts.quiet) io.stderr.write(`${stoppedAtManualLine(view, manual)}\n`);
          return view;
        }
      }
      await sleep(pollDelay(io, t, 2));
    }
  } finally {
    stopCancelling();
  }
}

/** `GitHub API rate limit used up; try again at …`: a provider's failure as one line. */
export function ciFailureText(error: unknown): string {
  const message = stripControl((error as Error).message ?? String(error));
  if (
    error instanceof CiError &&
    error.kind === 'rate-limited' &&
    error.retryAt &&
    !/try again/.test(message)
  )
    return `${message}; ${untilText(error.retryAt)}`;
  return message;
}
