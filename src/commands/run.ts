import { parseArgs } from 'node:util';
import type { DeckEvent } from '../domain/event';
import { describeJob, type JobView } from '../domain/job';
import { isBusError } from '../services/bus/busError';
import { type BusCommandIO, exitCodes, openCommandBus, wantsJson } from '../services/bus/busFromEnv';
import type { Bus } from '../services/bus/contracts';
import { currentRequester } from '../services/bus/requester';
import { handlerDepsFor, jobHandlersFor, type WorkerFlags } from '../worker/jobHandlers';
import { formatDuration, took } from './jobs';

const usage =
  'usage: infradeck run [--wait] [--shell] [--timeout SECONDS] [--attempts N] [--key IDEMPOTENCY_KEY] [--cwd DIR] [--json] [--] PROGRAM [ARGS…]';

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

/**
 * `infradeck run [--wait] [options] [--] PROGRAM [ARGS…]`: queue a `command` job (no shell unless `--shell`,
 * then PROGRAM is a `sh -c` line and ARGS its `$1…`). Prints the job id; with `--wait` streams the job's
 * output (stdout to stdout, stderr to stderr) and exits like it: 0 completed, the program's own exit code when
 * it exited non-zero, 1 other failures, 4 cancelled (Ctrl-C cancels the job). 2 bad arguments or payload,
 * 3 Redis unreachable. Without REDIS_URL the job runs in this process, so it always waits.
 */
export async function runCommand(argv: string[], io: BusCommandIO & WorkerFlags): Promise<number> {
  let opts: RunOptions;
  try {
    opts = parseRun(argv, io);
  } catch (error) {
    io.stderr.write(`infradeck run: ${(error as Error).message}\n${usage}\n`);
    return exitCodes.usage;
  }
  const opened = await openCommandBus(io, { handlers: jobHandlersFor(handlerDepsFor(io)) });
  if ('error' in opened) {
    io.stderr.write(`infradeck run: ${opened.error}\n`);
    return exitCodes.unavailable;
  }
  const { bus } = opened;
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
      });
    } catch (error) {
      follower?.stop();
      io.stderr.write(`infradeck run: ${(error as Error).message}\n`);
      return isBusError(error, 'invalid') ? exitCodes.usage : exitCodes.unavailable;
    }
    if (!follower) {
      io.stdout.write(opts.json ? `${JSON.stringify({ id })}\n` : `${id}\n`);
      return exitCodes.ok;
    }
    if (!opts.json)
      io.stderr.write(
        `job ${id} queued: ${describeJob('command', { program: opts.program, args: opts.args, shell: opts.shell })}\n`,
      );
    const job = await waitForJob(bus, id, follower, io, opts.json);
    if (opts.json) io.stdout.write(`${JSON.stringify({ job }, null, 2)}\n`);
    else io.stderr.write(`${summary(job)}\n`);
    return exitCodeOf(job);
  } finally {
    await bus.close();
  }
}

function parseRun(argv: string[], io: BusCommandIO): RunOptions {
  // Our flags come first; the first argument that is not one of them (or everything after `--`) is the command.
  const ours: string[] = [];
  let i = 0;
  const valued = new Set(['--timeout', '--attempts', '--key', '--cwd']);
  for (; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      i++;
      break;
    }
    if (!arg.startsWith('-')) break;
    ours.push(arg);
    if (valued.has(arg)) ours.push(argv[++i] ?? '');
  }
  const command = argv.slice(i);
  const { values } = parseArgs({
    args: ours,
    options: {
      wait: { type: 'boolean', short: 'w' },
      shell: { type: 'boolean' },
      json: { type: 'boolean' },
      timeout: { type: 'string' },
      attempts: { type: 'string' },
      key: { type: 'string' },
      cwd: { type: 'string' },
    },
    strict: true,
  });
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
  /** Events seen so far, by job, until `watch` takes over. */
  take(id: string, onEvent: (e: DeckEvent) => void): void;
  stop(): void;
}

/** Subscribe before enqueueing (from the current end of the stream), so no event of the job can be missed. */
async function followJobs(bus: Bus): Promise<JobFollower> {
  const from = bus.transport === 'memory' ? 'live' : ((await bus.events.recent(1)).at(-1)?.id ?? '0');
  const early: DeckEvent[] = [];
  let watched: { id: string; onEvent: (e: DeckEvent) => void } | undefined;
  const stop = bus.events.subscribe(from, (e) => {
    if (!watched) early.push(e);
    else if (e.jobId === watched.id) watched.onEvent(e);
  });
  return {
    take(id, onEvent) {
      watched = { id, onEvent };
      for (const e of early.splice(0)) if (e.jobId === id) onEvent(e);
    },
    stop,
  };
}

const finalTypes = new Set(['job.completed', 'job.cancelled']);

function waitForJob(
  bus: Bus,
  id: string,
  follower: JobFollower,
  io: BusCommandIO,
  json: boolean,
): Promise<JobView> {
  return new Promise((resolve) => {
    let cancelling = false;
    let done = false;
    const finish = async () => {
      if (done) return;
      done = true;
      clearInterval(poll);
      follower.stop();
      process.off('SIGINT', onInterrupt);
      io.signal?.removeEventListener('abort', onInterrupt);
      const job = await bus.queue.get(id).catch(() => undefined);
      resolve(job ?? ({ id, status: 'failed', error: 'the job disappeared' } as JobView));
    };
    const onInterrupt = () => {
      if (cancelling) {
        io.stderr.write(`leaving job ${id} to the workers\n`);
        void finish();
        return;
      }
      cancelling = true;
      io.stderr.write(`cancelling job ${id} (Ctrl-C again to stop waiting)\n`);
      bus.queue.cancel(id).catch((error) => io.stderr.write(`infradeck run: ${(error as Error).message}\n`));
    };
    follower.take(id, (e) => {
      if (e.type === 'job.log' && !json) {
        const stream = (e.data as { stream?: string } | undefined)?.stream;
        (stream === 'stderr' ? io.stderr : io.stdout).write(`${e.message}\n`);
      } else if (e.type === 'job.failed' && !json) {
        const retry = (e.data as { willRetry?: boolean } | undefined)?.willRetry;
        if (retry) io.stderr.write(`job ${id}: ${e.message}\n`);
      }
      const final =
        finalTypes.has(e.type) ||
        (e.type === 'job.failed' && !(e.data as { willRetry?: boolean })?.willRetry);
      if (final) void finish();
    });
    // A backstop for an ending whose event was never published (its worker died right after finishing it).
    const poll = setInterval(async () => {
      const job = await bus.queue.get(id).catch(() => undefined);
      if (job && (job.status === 'completed' || job.status === 'failed' || job.status === 'cancelled'))
        void finish();
    }, 2_000);
    process.on('SIGINT', onInterrupt);
    if (io.signal?.aborted) onInterrupt();
    else io.signal?.addEventListener('abort', onInterrupt);
  });
}

function summary(job: JobView): string {
  switch (job.status) {
    case 'completed':
      return `job ${job.id} completed in ${took(job)}`;
    case 'cancelled':
      return `job ${job.id} ${job.error ?? 'cancelled'}`;
    default:
      return `job ${job.id} failed after ${job.attempts}/${job.maxAttempts} attempts${job.startedAt ? ` (${formatDuration((job.finishedAt ?? Date.now()) - job.startedAt)})` : ''}: ${job.error ?? 'unknown error'}`;
  }
}

function exitCodeOf(job: JobView): number {
  if (job.status === 'completed') return exitCodes.ok;
  if (job.status === 'cancelled') return exitCodes.cancelled;
  const code = /exited with code (\d+)$/.exec(job.error ?? '');
  const n = code ? Number(code[1]) : 0;
  return n > 0 && n < 256 ? n : exitCodes.failed;
}
