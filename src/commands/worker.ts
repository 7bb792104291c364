import { formatSourceError } from '../domain/sourceError';
import { type BusCommandIO, busSettings, exitCodes } from '../services/bus/busFromEnv';
import { openBus } from '../services/bus/openBus';
import { currentRequester } from '../services/bus/requester';
import { ScheduleRunner } from '../services/scheduler/scheduleRunner';
import { handlerDepsFor, jobHandlersFor, type WorkerFlags } from '../worker/jobHandlers';
import { startRunner, stopOnSignals } from '../worker/runner';
import { declareCommand, parseCommand, usageError } from './declaration';
import { lineBatch } from './lineBatch';

export interface WorkerArgs {
  concurrency: number;
  redisUrl?: string;
  prefix: string;
  /** PEM file of a private CA for rediss:// (`INFRADECK_REDIS_CA`). */
  redisCaFile?: string;
  /** A dead worker's job is taken over after about this long (BullMQ lock). Default 30 s. */
  lockDurationMs?: number;
  /** How often this worker looks for jobs whose worker died. Default 30 s. */
  stalledIntervalMs?: number;
  heartbeatMs?: number;
  /** On SIGTERM: how long running jobs may take to finish before they are handed back. Default 10 s. */
  graceMs?: number;
}

export const workerDeclaration = declareCommand({
  name: 'worker',
  summary: 'run jobs for the console(s) on this host (needs REDIS_URL)',
  description:
    'Takes jobs from Redis until SIGTERM or Ctrl-C, then finishes running jobs for the grace period and hands ' +
    'back the rest. Redis being down is waited out. With --readonly it refuses every job that changes something. ' +
    "Registers the workspace's schedules.yaml (--data) as BullMQ job schedulers, and again whenever the file " +
    'changes.',
  args: [],
  flags: {
    concurrency: { type: 'string', short: 'c', value: 'N', help: 'jobs run at once (1 to 256, default 1)' },
    grace: {
      type: 'string',
      value: 'SECONDS',
      help: 'on SIGTERM, how long running jobs may take to finish (default 10)',
    },
    'lock-ms': {
      type: 'string',
      value: 'MS',
      help: "a dead worker's job is taken over after about this long (default 30000)",
    },
    'stalled-ms': {
      type: 'string',
      value: 'MS',
      help: 'how often to look for jobs whose worker died (default 30000)',
    },
    'heartbeat-ms': { type: 'string', value: 'MS', help: 'how often the worker says it is alive' },
  },
  exits: { 0: 'stopped by a signal', 2: 'bad arguments, or no REDIS_URL' },
  run: workerCommand,
});

/** `infradeck worker [--concurrency N] …`: argv in, exit code out (see `runWorkerCommand`). */
export async function workerCommand(argv: string[], io: BusCommandIO & WorkerFlags): Promise<number> {
  let args: WorkerArgs;
  try {
    const { values } = parseCommand(workerDeclaration, argv);
    const int = (name: string, text: string | undefined, min: number, max: number) => {
      if (text === undefined) return undefined;
      const n = Number(text);
      if (!Number.isInteger(n) || n < min || n > max)
        throw new Error(`--${name} ${text}: not a whole number from ${min} to ${max}`);
      return n;
    };
    const grace = values.grace === undefined ? undefined : Number(values.grace);
    if (grace !== undefined && !(grace >= 0 && grace <= 3600))
      throw new Error(`--grace ${values.grace}: not a number of seconds`);
    args = {
      ...busSettings(io.env),
      concurrency: int('concurrency', values.concurrency, 1, 256) ?? 1,
      lockDurationMs: int('lock-ms', values['lock-ms'], 200, 3_600_000),
      stalledIntervalMs: int('stalled-ms', values['stalled-ms'], 100, 3_600_000),
      heartbeatMs: int('heartbeat-ms', values['heartbeat-ms'], 50, 600_000),
      graceMs: grace === undefined ? undefined : Math.round(grace * 1000),
    };
  } catch (error) {
    return usageError(workerDeclaration, io, error);
  }
  return runWorkerCommand(args, io);
}

/**
 * Run this process as a worker until SIGTERM/SIGINT (or `io.signal`): take jobs from Redis, run them with
 * every handler of this version, keep a presence heartbeat. On the signal, finish running jobs for up to
 * `graceMs`, hand back the rest, deregister and resolve 0. Redis being down at start or later is waited out
 * (reported on stderr), not fatal. Resolves 2 without a Redis URL.
 */
export async function runWorkerCommand(args: WorkerArgs, io: BusCommandIO & WorkerFlags): Promise<number> {
  if (!args.redisUrl) {
    io.stderr.write(
      'infradeck worker: REDIS_URL is not set. Workers share jobs through Redis (REDIS_URL=redis://host:6379); without it the console runs jobs itself.\n',
    );
    return exitCodes.usage;
  }
  let bus: Awaited<ReturnType<typeof openBus>>;
  try {
    bus = await openBus({
      redisUrl: args.redisUrl,
      prefix: args.prefix,
      redisCaFile: args.redisCaFile,
      requester: currentRequester(io.env),
      env: io.env,
    });
  } catch (error) {
    io.stderr.write(`infradeck worker: ${(error as Error).message}\n`);
    return exitCodes.usage;
  }
  const stamp = () => new Date().toISOString().slice(11, 19);
  const stdout = lineBatch(io.stdout);
  let stopping = false;
  const offState = bus.state.subscribe((s) => {
    if (!stopping) io.stderr.write(`${stamp()} Redis ${s.state}${s.detail ? `: ${s.detail}` : ''}\n`);
  });
  const deps = handlerDepsFor(io);
  const schedules = new ScheduleRunner({
    dataDir: io.workspace?.dataDir,
    env: io.env,
    onReport: (report, file) => {
      if (report.notRunning) io.stderr.write(`${stamp()} schedules: ${report.notRunning}\n`);
      else {
        const changed = [...report.registered.map((n) => `+${n}`), ...report.removed.map((n) => `-${n}`)];
        stdout.write(
          `${stamp()} schedules: ${file.schedules.filter((s) => s.enabled).length} enabled in ${file.file}${changed.length ? ` (${changed.join(' ')})` : ''}\n`,
        );
      }
      for (const error of file.errors) io.stderr.write(`${stamp()} ${formatSourceError(error)}\n`);
    },
    onError: (what, error) => io.stderr.write(`${stamp()} schedules: ${what}: ${(error as Error).message}\n`),
  });
  // Before any job is taken: a tick's job must meet the gate that knows its schedule's rules.
  await schedules
    .start(bus)
    .catch((error) => io.stderr.write(`${stamp()} schedules not run here: ${(error as Error).message}\n`));
  const runner = startRunner(bus, {
    handlers: schedules.wrap(jobHandlersFor(deps)),
    scheduledJob: schedules.scheduledJob,
    concurrency: args.concurrency,
    lockDurationMs: args.lockDurationMs,
    stalledIntervalMs: args.stalledIntervalMs,
    heartbeatMs: args.heartbeatMs,
    graceMs: args.graceMs,
    onJob: (change) =>
      change.gone
        ? io.stderr.write(`${stamp()} warning: job ${change.jobId} ${change.kind} ${change.gone}\n`)
        : stdout.write(
            `${stamp()} job ${change.jobId} ${change.kind} ${change.phase === 'start' ? 'started' : (change.outcome ?? 'ended')}\n`,
          ),
  });
  stdout.write(
    `${stamp()} worker ${runner.consumer.id} on ${bus.target}, concurrency ${args.concurrency}${deps.readOnly ? ', read-only (changes are refused)' : ''} (SIGTERM or Ctrl-C stops it)\n`,
  );
  const offSignals = stopOnSignals(runner, (signal, second) => {
    stopping = true;
    io.stderr.write(
      second
        ? `${stamp()} ${signal} again: handing running jobs back now\n`
        : `${stamp()} ${signal}: finishing running jobs (up to ${(args.graceMs ?? 10_000) / 1000} s), then stopping\n`,
    );
  });
  const onAbort = () => {
    stopping = true;
    void runner.stop();
  };
  if (io.signal?.aborted) onAbort();
  else io.signal?.addEventListener('abort', onAbort, { once: true });
  await runner.stopped;
  await schedules.stop();
  offSignals();
  offState();
  io.signal?.removeEventListener('abort', onAbort);
  stdout.write(`${stamp()} worker ${runner.consumer.id} stopped\n`);
  stdout.flush();
  return exitCodes.ok;
}
