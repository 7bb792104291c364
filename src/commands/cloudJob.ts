import { describeExpiry } from '../domain/approval';
import { refusedPrefix } from '../domain/cloudJobs';
import type { DeckEvent } from '../domain/event';
import { describeJob, type JobSpec, type JobView } from '../domain/job';
import { stripControl } from '../domain/text';
import { isBusError } from '../services/bus/busError';
import { type BusCommandIO, exitCodes, openCommandBus } from '../services/bus/busFromEnv';
import type { Bus } from '../services/bus/contracts';
import type { CloudProvider } from '../services/cloud/cloudProvider';
import type { OpenedCloud } from '../services/cloud/openCloud';
import { cachedAccounts } from '../services/cloud/scanCache';
import { workspacePaths } from '../services/storage/workspace';
import { handlerDepsFor, jobHandlersFor, readOnlyFromEnv, type WorkerFlags } from '../worker/jobHandlers';
import { cancelOnAbort } from './cancelOnAbort';
import { commandError } from './commandError';
import { goneFromRedis, waitForJobEnd, watchRedisOutage } from './redisOutage';

/** What the cloud commands get: the bus command's streams and env, the workspace, the global flags. */
export interface CloudCommandIO extends BusCommandIO, WorkerFlags {
  workspace: { dataDir: string };
}

/**
 * The cloud a command works on, opened once when first needed and shared with the jobs this process runs
 * itself (without Redis): `infradeck delete --demo` reads and deletes on one and the same demo cloud.
 */
export class CommandCloud {
  private opening?: Promise<OpenedCloud>;
  constructor(private readonly io: CloudCommandIO) {}

  open(): Promise<OpenedCloud> {
    this.opening ??= import('../services/cloud/openCloud').then(({ openCloud }) =>
      openCloud({ env: this.io.env, ...this.io.cloud }),
    );
    return this.opening;
  }

  readonly provider = async (): Promise<CloudProvider> => (await this.open()).provider;
}

/** The bus, with this command's cloud and flags bound to the handlers it runs in-process. */
export function openCloudCommandBus(
  io: CloudCommandIO,
  cloud: CommandCloud,
): Promise<{ bus: Bus } | { error: string }> {
  return openCommandBus(io, { handlers: jobHandlersFor({ ...handlerDepsFor(io), cloud: cloud.provider }) });
}

/** `DEMO cloud (account 000000000000: --demo)` or `account 1234… (arn)`. */
export function describeCloud(opened: OpenedCloud): string {
  if (opened.provider.kind === 'demo') {
    return `the DEMO cloud, not AWS (${opened.demoReason ?? 'demo'})`;
  }
  return opened.identity
    ? `AWS account ${opened.identity.account} as ${opened.identity.arn}`
    : `AWS (${opened.problem ?? 'identity unknown'})`;
}

export type AccountChoice = { account: string; note?: string } | { error: string };

/**
 * Which account's cache to read: `--account`, else the cloud's identity, else (credentials not working) the
 * only account the cache holds — said in a note, because it may not be the one the user meant.
 */
export async function cacheAccount(
  io: CloudCommandIO,
  cloud: CommandCloud,
  explicit?: string,
): Promise<AccountChoice> {
  if (explicit) return { account: explicit };
  const opened = await cloud.open();
  if (opened.identity) {
    return opened.provider.kind === 'demo'
      ? { account: opened.identity.account, note: `showing ${describeCloud(opened)}` }
      : { account: opened.identity.account };
  }
  const cacheDir = workspacePaths(io.workspace.dataDir).cacheDir;
  const accounts = await cachedAccounts(cacheDir);
  const why = opened.problem ?? 'the cloud did not say who we are';
  if (accounts.length === 1) {
    return {
      account: accounts[0],
      note: `could not ask AWS who we are (${why}); showing the cache of account ${accounts[0]}`,
    };
  }
  if (accounts.length === 0) return { error: `${why}; and nothing is cached in ${cacheDir}` };
  return { error: `${why}; the cache holds accounts ${accounts.join(', ')}: pick one with --account` };
}

export type JobRun = { job: JobView } | { error: string; code: number };

/**
 * Queues a job and follows it to its end: `onEvent` gets each of its events as it happens (subscribed before
 * the enqueue, so none is missed). The command's signal (Ctrl-C) cancels the job; the job's own end (or a
 * poll, should its last event be lost with a dying worker) ends the wait. While Redis is away it says so, and gives
 * up after a minute of it (exit 3).
 */
export async function runCloudJob(
  bus: Bus,
  spec: JobSpec,
  io: BusCommandIO & WorkerFlags,
  onEvent: (e: DeckEvent) => void,
  opts: {
    quiet?: boolean;
    /** Names the command in its notes (`infradeck deploy: Redis is back`); default the job's kind. */
    command?: string;
  } = {},
): Promise<JobRun> {
  const from = bus.transport === 'memory' ? 'live' : ((await bus.events.recent(1)).at(-1)?.id ?? '0');
  let id: string | undefined;
  const early: DeckEvent[] = [];
  let finished: () => void = () => {};
  const ended = new Promise<void>((resolve) => {
    finished = resolve;
  });
  let refusal: string | undefined;
  const handle = (e: DeckEvent) => {
    onEvent(e);
    const data = e.data as { willRetry?: boolean; error?: string } | undefined;
    if (e.type === 'job.failed' && data?.willRetry && data.error?.startsWith(refusedPrefix)) {
      // Refused: nothing was changed and another attempt would be refused the same way.
      refusal = data.error;
      bus.queue.cancel(e.jobId ?? '').catch(() => {});
      finished();
    }
    if (
      e.type === 'job.completed' ||
      e.type === 'job.cancelled' ||
      (e.type === 'job.failed' && !data?.willRetry)
    ) {
      finished();
    }
  };
  const stop = bus.events.subscribe(from, (e) => {
    if (id === undefined) early.push(e);
    else if (e.jobId === id) handle(e);
  });
  try {
    try {
      // Read-only, the queue refuses a change before anything is queued (audited), as the console's does.
      id = await bus.queue.enqueue(commandReadOnly(io) ? { ...spec, readOnly: true } : spec);
    } catch (error) {
      return {
        error: (error as Error).message,
        code: isBusError(error, 'invalid')
          ? exitCodes.usage
          : isBusError(error, 'refused')
            ? exitCodes.failed
            : exitCodes.unavailable,
      };
    }
    if (!opts.quiet) io.stderr.write(`job ${id} queued: ${describeJob(spec.kind, spec.payload)}\n`);
    const asked = await bus.queue.get(id).catch(() => undefined);
    if (asked?.status === 'approval_pending' && asked.approval) {
      // As a held Terraform Cloud run does: say who must act, then wait (Ctrl-C withdraws the request).
      io.stderr.write(
        `job ${id} waits for an approval (${asked.approval.why}; ${describeExpiry(asked.approval.expiresAt, Date.now())}): ` +
          `another admin runs \`infradeck approve ${id}\` or \`infradeck reject ${id} --reason …\`\n`,
      );
    }
    for (const e of early.splice(0)) if (e.jobId === id) handle(e);
    const jobId = id;
    const stopCancelling = cancelOnAbort(io, `job ${jobId}`, () => bus.queue.cancel(jobId));
    const outage = watchRedisOutage(bus, io, {
      command: opts.command ?? spec.kind,
      waitingFor: `job ${jobId}`,
      later: `infradeck jobs ${jobId}`,
    });
    let stopped: { lost: string; code: number } | undefined;
    try {
      stopped = await waitForJobEnd(bus, outage, { id: jobId, said: `job ${jobId}` }, ended, 1_000);
    } finally {
      outage.stop();
      stopCancelling();
    }
    if (stopped) return { error: stopped.lost, code: stopped.code };
    const job = await bus.queue.get(jobId);
    if (!job) return { error: goneFromRedis(`job ${jobId}`), code: exitCodes.failed };
    return { job: refusal ? { ...job, status: 'failed', error: refusal } : job };
  } finally {
    stop();
  }
}

/** 0 completed, 4 cancelled, 1 failed (refusals included: the job ran and said no). */
export function jobExitCode(job: JobView): number {
  if (job.status === 'completed') return exitCodes.ok;
  if (job.status === 'cancelled') return exitCodes.cancelled;
  return exitCodes.failed;
}

/** The last line of a job for people: `job 3 completed`, `job 3 failed: refused: …`. */
export function jobOutcome(job: JobView): string {
  if (job.status === 'completed') return `job ${job.id} completed`;
  if (job.status === 'cancelled') return `job ${job.id} ${job.error ?? 'cancelled'}`;
  return `job ${job.id} failed${job.maxAttempts > 1 ? ` after ${job.attempts}/${job.maxAttempts} attempts` : ''}: ${job.error ?? 'unknown error'}`;
}

/** `--regions a,b` -> ['a', 'b']. */
export function splitList(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const list = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return list.length ? list : undefined;
}

/**
 * The account to stamp on a job that changes things, so a worker on another account refuses it. Only when
 * this process knows it for sure: its AWS identity, or the demo cloud asked for with `--demo` (a real worker
 * must not act on a demo selection). Without credentials here the workers' own credentials decide: a jump
 * host without keys driving workers that have them is a normal setup.
 */
export async function accountToStamp(bus: Bus, cloud: CommandCloud): Promise<string | undefined> {
  if (bus.transport === 'memory') return undefined;
  const opened = await cloud.open();
  if (!opened.identity) return undefined;
  if (opened.provider.kind === 'aws' || opened.demoReason === '--demo') return opened.identity.account;
  return undefined;
}

/** `--readonly` or `INFRADECK_READONLY`: stamped on the job, so the worker refuses it whatever its own flag. */
export function commandReadOnly(io: BusCommandIO & WorkerFlags): boolean {
  return io.readOnly === true || readOnlyFromEnv(io.env);
}

/** Prints a job's log lines as they come: the steps to stdout, notes and problems to stderr. */
export function printJobLog(io: BusCommandIO, e: DeckEvent): void {
  if (e.type !== 'job.log') return;
  const stream = (e.data as { stream?: string } | undefined)?.stream;
  (stream === 'stdout' ? io.stdout : io.stderr).write(`${stripControl(e.message)}\n`);
}

/**
 * How every cloud command ends: the reason it could not run, or the job as JSON, or a line for people
 * (`describe` of the result when the job completed, else the job's outcome). Returns the exit code.
 */
export function reportCloudJob<R>(
  command: string,
  run: JobRun,
  io: BusCommandIO,
  json: boolean,
  describe: (result: R, job: JobView) => string,
  extraJson: Record<string, unknown> = {},
): number {
  if ('error' in run) return commandError({ ...io, json }, command, run.error, run.code);
  const { job } = run;
  const result = job.status === 'completed' ? (job.result as R) : undefined;
  if (json) {
    const summary = { id: job.id, status: job.status, error: job.error };
    io.stdout.write(`${JSON.stringify({ job: summary, result, ...extraJson }, null, 2)}\n`);
  } else io.stderr.write(`${result === undefined ? jobOutcome(job) : describe(result, job)}\n`);
  return jobExitCode(job);
}
