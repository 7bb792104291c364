import type { DeckEvent } from '../domain/event';
import { type CommandResult, describeJob, isFinished, type JobView } from '../domain/job';
import { isSignatureRefusal } from '../domain/signature';
import { stripControl } from '../domain/text';
import { isBusError } from '../services/bus/busError';
import { type BusCommandIO, exitCodes, openCommandBus, wantsJson } from '../services/bus/busFromEnv';
import type { Bus, BusNotice } from '../services/bus/contracts';
import { currentRequester } from '../services/bus/requester';
import { handlerDepsFor, jobHandlersFor, readOnlyFromEnv, type WorkerFlags } from '../worker/jobHandlers';
import { commandError } from './commandError';
import { declareCommand, parseCommand, usageError } from './declaration';
import { formatDuration, took } from './jobs';
import { goneFromRedis, jobReader, watchRedisOutage } from './redisOutage';
import { runFlags } from './runFlags';

interface RunOptions {
  wait: boolean;
  shell: boolean;
  json: boolean;
  timeoutMs?: number;
  attempts?: number;
  key?: string;
  cwd?: string;
  program: string;
  args: string[];
}

export const runDeclaration = declareCommand({
  name: 'run',
  summary: 'queue a command job (no shell unless --shell)',
  description:
    "Prints the job id; with --wait streams the job's output (stdout to stdout, stderr to stderr) and exits " +
    'like it. Without REDIS_URL the job runs in this process, so it always waits. After PROGRAM every ' +
    "argument is the program's, flags included.",
  args: [
    { name: 'PROGRAM', help: 'the program to run (with --shell: a sh -c line)' },
    { name: 'ARGS', optional: true, variadic: true, help: "the program's arguments (with --shell: $1…)" },
  ],
  flags: runFlags,
  passThrough: true,
  exits: {
    0: 'queued; with --wait, the job completed',
    1: 'the job failed otherwise, was refused (read-only), or vanished while waited for',
    2: 'bad arguments or payload; with --wait, the worker refused its signature (forged, tampered, replayed)',
    3: 'Redis unreachable',
    4: 'cancelled (Ctrl-C cancels the job; a second Ctrl-C stops waiting for the cancel)',
    N: "with --wait: the program's own exit code, when it exited non-zero",
  },
  run: runCommand,
});

/**
 * `infradeck run [--wait] [options] [--] PROGRAM [ARGS…]`: queue a `command` job.
 * Read-only (`--readonly`, `INFRADECK_READONLY`): refused before anything is queued (audited), exit 1.
 * The output is shown like every other view shows it: escape and control sequences removed. A job that
 * vanishes while waited for (Redis restarted without persistence) or a Redis away for a minute ends the wait
 * with the reason (exit 1, or 3).
 */
export async function runCommand(argv: string[], io: BusCommandIO & WorkerFlags): Promise<number> {
  let opts: RunOptions;
  try {
    opts = parseRun(argv, io);
  } catch (error) {
    return usageError(runDeclaration, io, error);
  }
  const opened = await openCommandBus(io, { handlers: jobHandlersFor(handlerDepsFor(io)) });
  if ('error' in opened) return commandError(io, 'run', opened.error, exitCodes.unavailable);
  const { bus } = opened;
  const readOnly = io.readOnly === true || readOnlyFromEnv(io.env);
  try {
    const wait = opts.wait || bus.transport === 'memory';
    if (!opts.wait && bus.transport === 'memory' && !opts.json) {
      io.stderr.write(
        'infradeck run: REDIS_URL is not set: running the job in this process and waiting for it.\n',
      );
    }
    const follower = wait ? await followJobs(bus) : undefined;
    let id: string;
    try {
      id = await bus.queue.enqueue({
        kind: 'command',
        payload: {
          program: opts.program,
          args: opts.args,
          shell: opts.shell,
          ...(opts.cwd ? { cwd: opts.cwd } : {}),
        },
        requestedBy: currentRequester(io.env),
        ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
        ...(opts.attempts ? { attempts: opts.attempts } : {}),
        ...(opts.key ? { idempotencyKey: opts.key } : {}),
        ...(readOnly ? { readOnly: true } : {}),
      });
    } catch (error) {
      follower?.stop();
      io.stderr.write(`infradeck run: ${(error as Error).message}\n`);
      if (isBusError(error, 'refused')) return exitCodes.failed;
      return isBusError(error, 'invalid') ? exitCodes.usage : exitCodes.unavailable;
    }
    if (!follower) {
      io.stdout.write(opts.json ? `${JSON.stringify({ id })}\n` : `${id}\n`);
      return exitCodes.ok;
    }
    if (!opts.json)
      io.stderr.write(
        `job ${id} queued: ${stripControl(describeJob('command', { program: opts.program, args: opts.args, shell: opts.shell }))}\n`,
      );
    const waited = await waitForJob(bus, id, follower, io, opts.json);
    if ('lost' in waited) {
      if (opts.json) io.stdout.write(`${JSON.stringify({ job: { id }, lost: waited.lost }, null, 2)}\n`);
      io.stderr.write(`infradeck run: ${waited.lost}\n`);
      return waited.code;
    }
    const { job, shown } = waited;
    if (opts.json) io.stdout.write(`${JSON.stringify({ job }, null, 2)}\n`);
    else {
      io.stderr.write(`${summary(job)}\n`);
      const missing = missingOutput(job, shown);
      if (missing) io.stderr.write(`${missing}\n`);
    }
    return exitCodeOf(job);
  } finally {
    await bus.close();
  }
}

function parseRun(argv: string[], io: BusCommandIO): RunOptions {
  const { values, positionals: command } = parseCommand(runDeclaration, argv);
  if (command.length === 0) throw new Error('no program to run');
  let timeoutMs: number | undefined;
  if (values.timeout !== undefined) {
    const seconds = Number(values.timeout);
    if (!(seconds > 0 && seconds <= 7 * 86_400))
      throw new Error(`--timeout ${values.timeout}: not a number of seconds`);
    timeoutMs = Math.round(seconds * 1000);
  }
  if (values.attempts !== undefined && !/^([1-9]|[1-4]\d|50)$/.test(values.attempts)) {
    throw new Error(`--attempts ${values.attempts}: not a number from 1 to 50`);
  }
  return {
    wait: values.wait === true,
    shell: values.shell === true,
    json: wantsJson(io, values.json),
    timeoutMs,
    attempts: values.attempts ? Number(values.attempts) : undefined,
    key: values.key,
    cwd: values.cwd,
    program: command[0],
    args: command.slice(1),
  };
}

interface JobFollower {
  /** Events seen so far, by job, until `watch` takes over; and what the stream says about itself. */
  take(id: string, onEvent: (e: DeckEvent) => void, onNotice: (notice: BusNotice) => void): void;
  stop(): void;
}

/** Subscribe before enqueueing (from the current end of the stream), so no event of the job can be missed. */
async function followJobs(bus: Bus): Promise<JobFollower> {
  const from = bus.transport === 'memory' ? 'live' : ((await bus.events.recent(1)).at(-1)?.id ?? '0');
  const early: DeckEvent[] = [];
  const notices: BusNotice[] = [];
  let watched:
    | { id: string; onEvent: (e: DeckEvent) => void; onNotice: (notice: BusNotice) => void }
    | undefined;
  const stop = bus.events.subscribe(
    from,
    (e) => {
      if (!watched) early.push(e);
      else if (e.jobId === watched.id) watched.onEvent(e);
    },
    {
      onNotice: (notice) => {
        if (watched) watched.onNotice(notice);
        else notices.push(notice);
      },
    },
  );
  return {
    take(id, onEvent, onNotice) {
      watched = { id, onEvent, onNotice };
      for (const e of early.splice(0)) if (e.jobId === id) onEvent(e);
      for (const n of notices.splice(0)) onNotice(n);
    },
    stop,
  };
}

const finalTypes = new Set(['job.completed', 'job.cancelled']);
const pollMs = 2_000;

/** `shown`: output lines (stdout and stderr) shown of the attempt that ended the job. */
type Waited = { job: JobView; shown: number } | { lost: string; code: number };

function waitForJob(
  bus: Bus,
  id: string,
  follower: JobFollower,
  io: BusCommandIO,
  json: boolean,
): Promise<Waited> {
  return new Promise((resolve) => {
    let cancelling = false;
    let done = false;
    /** Lines shown, by attempt: a line sent again after a Redis outage is not shown twice. */
    const printed = new Map<number, Set<number>>();
    const shown = new Map<number, number>();
    let lastAttempt: number | undefined;
    let streamReset = false;
    const outage = watchRedisOutage(bus, io, {
      command: 'run',
      waitingFor: `job ${id}`,
      later: `infradeck jobs ${id}`,
    });
    // Set once the replay of early events is through: that replay may already end the wait.
    let poll: NodeJS.Timeout | undefined;
    const stopWaiting = () => {
      done = true;
      clearInterval(poll);
      outage.stop();
      follower.stop();
      process.off('SIGINT', onInterrupt);
      io.signal?.removeEventListener('abort', onInterrupt);
    };
    const lose = (lost: string, code: number) => {
      if (done) return;
      stopWaiting();
      resolve({ lost, code });
    };
    const gone = () => lose(goneFromRedis(`job ${id}`), exitCodes.failed);
    const finish = async () => {
      if (done) return;
      stopWaiting();
      const job = await bus.queue.get(id).catch(() => undefined);
      if (job) resolve({ job, shown: shown.get(lastAttempt ?? job.attempts) ?? 0 });
      else
        resolve({
          lost: `job ${id} is gone: Redis no longer has it (restarted without persistence?)`,
          code: exitCodes.failed,
        });
    };
    const onInterrupt = () => {
      if (cancelling) {
        io.stderr.write(`leaving job ${id} to the workers\n`);
        void finish();
        return;
      }
      cancelling = true;
      // The first Ctrl-C reaches us as the command's signal (the CLI aborts it on SIGINT) and, had we listened
      // to both from the start, as SIGINT too: one press read as two cancelled the job and stopped waiting for
      // it (exit 1, "unknown error"). Only a later press stops the wait.
      if (io.signal) setImmediate(() => !done && process.on('SIGINT', onInterrupt));
      io.stderr.write(`cancelling job ${id} (Ctrl-C again to stop waiting)\n`);
      bus.queue.cancel(id).catch((error) => io.stderr.write(`infradeck run: ${(error as Error).message}\n`));
    };
    const read = jobReader(bus, outage, id, () => streamReset);
    /** Whether the job still exists and has ended: the backstop for endings whose event never came. */
    const check = async () => {
      if (done) return;
      const job = await read();
      if (done || job === undefined) return;
      if (job === 'gone') gone();
      else if (isFinished(job.status)) void finish();
    };
    follower.take(
      id,
      (e) => {
        if (e.type === 'job.log') {
          const data = (e.data ?? {}) as { stream?: string; attempt?: number; seq?: number };
          if (typeof data.attempt === 'number' && typeof data.seq === 'number') {
            const seen = printed.get(data.attempt) ?? new Set<number>();
            printed.set(data.attempt, seen);
            if (seen.has(data.seq)) return;
            seen.add(data.seq);
            if (data.stream !== 'info') shown.set(data.attempt, (shown.get(data.attempt) ?? 0) + 1);
          }
          if (!json) (data.stream === 'stderr' ? io.stderr : io.stdout).write(`${stripControl(e.message)}\n`);
        } else if (e.type === 'job.failed' && !json) {
          const retry = (e.data as { willRetry?: boolean } | undefined)?.willRetry;
          if (retry) io.stderr.write(`job ${id}: ${stripControl(e.message)}\n`);
        }
        const attempt = (e.data as { attempt?: unknown } | undefined)?.attempt;
        if (e.type === 'job.completed' && typeof attempt === 'number') lastAttempt = attempt;
        const final =
          finalTypes.has(e.type) ||
          (e.type === 'job.failed' && !(e.data as { willRetry?: boolean })?.willRetry);
        if (final) void finish();
      },
      (notice) => {
        io.stderr.write(`infradeck run: ${notice.message}\n`);
        if (notice.kind === 'reset') {
          streamReset = true;
          void check();
        }
      },
    );
    if (done) return;
    void outage.gaveUp.then((reason) => lose(reason, exitCodes.unavailable));
    poll = setInterval(() => void check(), pollMs);
    if (!io.signal) process.on('SIGINT', onInterrupt);
    else if (io.signal.aborted) onInterrupt();
    else io.signal.addEventListener('abort', onInterrupt, { once: true });
  });
}

/**
 * What the caller did not see of a completed command's output: lines that were published but never reached
 * this terminal, or lines the worker could not publish at all (over its log budget, or lost while Redis was
 * away). Undefined when everything was shown.
 */
function missingOutput(job: JobView, shown: number): string | undefined {
  if (job.status !== 'completed' || job.kind !== 'command') return undefined;
  const result = job.result as Partial<CommandResult> | undefined;
  if (typeof result?.lines !== 'number' || typeof result.droppedLines !== 'number') return undefined;
  const notes: string[] = [];
  if (result.droppedLines > 0) {
    notes.push(
      `${result.droppedLines} of ${result.lines} lines were not published (over the log budget, or lost while Redis was away)`,
    );
  }
  const unseen = result.lines - result.droppedLines - shown;
  if (unseen > 0) notes.push(`${unseen} published lines did not reach this terminal`);
  if (notes.length === 0) return undefined;
  return `job ${job.id}: ${notes.join('; ')}; \`infradeck jobs ${job.id}\` shows the last lines it kept`;
}

function summary(job: JobView): string {
  // Left to its cancel by a second Ctrl-C, it has not ended (it read "failed after 1/1 attempts: unknown error").
  if (!isFinished(job.status)) {
    return `job ${job.id} is still ${job.status}, its cancel asked for: \`infradeck jobs ${job.id}\` tells how it ends`;
  }
  switch (job.status) {
    case 'completed':
      return `job ${job.id} completed in ${took(job)}`;
    case 'cancelled':
      return `job ${job.id} ${stripControl(job.error ?? 'cancelled')}`;
    default:
      return `job ${job.id} failed after ${job.attempts}/${job.maxAttempts} attempts${job.startedAt ? ` (${formatDuration((job.finishedAt ?? Date.now()) - job.startedAt)})` : ''}: ${stripControl(job.error ?? 'unknown error')}`;
  }
}

function exitCodeOf(job: JobView): number {
  if (job.status === 'completed') return exitCodes.ok;
  if (job.status === 'cancelled' || !isFinished(job.status)) return exitCodes.cancelled;
  if (isSignatureRefusal(job.error)) return exitCodes.usage; // forged, tampered or replayed: refused by the worker
  const code = /exited with code (\d+)$/.exec(job.error ?? '');
  const n = code ? Number(code[1]) : 0;
  return n > 0 && n < 256 ? n : exitCodes.failed;
}
