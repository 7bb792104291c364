import { constants } from 'node:os';
import type { Readable } from 'node:stream';
import { type CommandPayload, type CommandResult, describeJob, type JobLogLine } from '../../domain/job';
import { JobRefused } from '../../domain/refusal';
import type { Handler, JobContext } from '../../services/bus/contracts';
import { commandEnvironment } from '../../services/process/commandEnvironment';
import { readLines, waitOrDestroy } from '../../services/process/lineSplitter';
import { type SpawnedProgram, spawnProgram } from '../../services/process/programSpawner';
import { earlierOutput, outputLineCount } from './earlierOutput';

export interface CommandHandlerOptions {
  /** Between SIGTERM and SIGKILL of the job's process group. Default 5 s. */
  killGraceMs?: number;
  /** Longest output line kept (longer ones are cut). Default 4096. */
  maxLineLength?: number;
  /** Lines published as log events per job; past it only the last `tailLines` are kept. Default 10,000. */
  logBudgetLines?: number;
  tailLines?: number;
  /** The worker runs read-only (`--readonly`, `INFRADECK_READONLY`): every command is refused. */
  readOnly?: boolean;
  /** Where the allowed variables of the command's environment come from. Default `process.env`. */
  workerEnv?: NodeJS.ProcessEnv;
}

/** How many log writes may be in flight before the child's output is paused (its writes then block). */
const maxInflight = 256;
const resumeBelow = 32;

/**
 * The `command` job: run a program on the worker.
 *
 * - No shell unless the payload says `shell: true` (then `program` is a `/bin/sh -c` line, `args` its `$1…`).
 * - The program runs in its own process group (`detached`), and the job owns that group: cancel, timeout and
 *   the end of the job send SIGTERM to the whole group, then SIGKILL after a grace period, so children
 *   (`sh -c 'a & b'`) never outlive the job. Programs are started by the worker's spawner (`spawnProgram`), which
 *   also watches their groups: if the worker itself dies (even SIGKILL, which nothing can catch), the spawner
 *   kills them, so a job taken over by another worker never runs twice at the same time.
 * - stdout/stderr are published line by line. Memory stays bounded whatever the program prints: lines are cut
 *   at `maxLineLength`, reading pauses while log writes are in flight (the program blocks on its pipe), and past
 *   `logBudgetLines` only a tail is kept and published at the end.
 * - The environment is an allow-list of the worker's (`commandEnvironment`) plus what the payload sets.
 * - A read-only worker refuses every command (nobody can tell what a program changes), for good: no retry.
 * - Result: the exit code; a non-zero exit fails the job with the code in the error. `lines` counts the output of
 *   every run of the job (one taken over from a killed worker, an earlier try), as its log holds them.
 */
export function commandHandler(opts: CommandHandlerOptions = {}): Handler<'command'> {
  const run = commandRunner(opts);
  return async (payload, ctx) => {
    ctx.signal.throwIfAborted();
    if (opts.readOnly) throw readOnlyRefusal(payload);
    // A run after the first (its worker killed, a failed try) counts the lines of the runs before it, as its log
    // holds them: the job's `lines` are all it printed, not its last run's alone.
    const earlierLines = ctx.earlierRuns?.length ? outputLineCount(await earlierOutput(ctx)) : 0;
    const exit = await run(payload, ctx);
    const result: CommandResult = {
      exitCode: exit.exitCode,
      lines: earlierLines + exit.lines,
      droppedLines: exit.droppedLines,
    };
    if (exit.signal) throw new Error(`${payload.program} was killed by ${exit.signal}`);
    if (exit.exitCode !== 0) throw new Error(`${payload.program} exited with code ${exit.exitCode}`);
    return result;
  };
}

/**
 * Sees each output line before the log does: true takes the line out of the log (an experiment run's metric lines,
 * which must not count against the log budget nor be cut to its tail).
 */
export type OutputLineTaker = (line: string, stream: 'stdout' | 'stderr') => boolean;

/** How a program run by `commandRunner` ended. */
export interface CommandExit extends CommandResult {
  /** The signal that ended it, when one did (`exitCode` is then 128 + its number). */
  signal: NodeJS.Signals | null;
}

/**
 * Runs a command's program to its end as the `command` job does (own process group, watched by the spawner, allow-listed
 * environment, output published line by line with backpressure and a budget) and says how it ended: a non-zero
 * exit is a result here. A program that cannot start throws; an aborted signal (cancel, timeout) throws once the
 * group is gone. Other kinds that run programs (a pipeline's steps) use this, never a copy of it.
 */
export function commandRunner(
  opts: Omit<CommandHandlerOptions, 'readOnly'> = {},
): (payload: CommandPayload, ctx: JobContext, take?: OutputLineTaker) => Promise<CommandExit> {
  const killGraceMs = opts.killGraceMs ?? 5_000;
  const maxLineLength = opts.maxLineLength ?? 4096;
  const budget = opts.logBudgetLines ?? 10_000;
  const tailLines = opts.tailLines ?? 200;

  const workerEnv = opts.workerEnv ?? process.env;

  return async (payload, ctx, take) => {
    ctx.signal.throwIfAborted();
    const [file, argv] = payload.shell
      ? ['/bin/sh', ['-c', payload.program, 'sh', ...payload.args]]
      : [payload.program, payload.args];
    let child: SpawnedProgram;
    try {
      child = await spawnProgram(
        { file, argv, cwd: payload.cwd, env: commandEnvironment(workerEnv, payload.env) },
        killGraceMs,
      );
    } catch (error) {
      // It did not start (not found, bad cwd).
      throw new Error(describeSpawnError(payload.program, payload.cwd, error as Error));
    }
    const output = new OutputLog(ctx, budget, tailLines, [child.stdout, child.stderr]);
    const streamsDone = Promise.all([
      readLines(child.stdout, (line) => take?.(line, 'stdout') || output.add(line, 'stdout'), maxLineLength),
      readLines(child.stderr, (line) => take?.(line, 'stderr') || output.add(line, 'stderr'), maxLineLength),
    ]);

    const stop = () => child.stop();
    // Cancelled while the program was being started: it ends at once.
    if (ctx.signal.aborted) stop();
    else ctx.signal.addEventListener('abort', stop, { once: true });

    const exit = await child.exited;
    ctx.signal.removeEventListener('abort', stop);
    // The job is over when its program exits: whatever it left running in its group goes too.
    await child.end();
    await waitOrDestroy(streamsDone, [child.stdout, child.stderr], 2_000);
    await output.finish();

    ctx.signal.throwIfAborted();
    return {
      exitCode: exit.code ?? 128 + signalNumber(exit.signal),
      signal: exit.signal,
      lines: output.lines,
      droppedLines: output.dropped,
    };
  };
}

export const command: Handler<'command'> = commandHandler();

function readOnlyRefusal(payload: CommandPayload): JobRefused {
  return new JobRefused(
    `run ${describeJob('command', payload)}: read-only mode (this worker runs read-only (--readonly or ` +
      'INFRADECK_READONLY)) and a command can change anything; nothing was run',
  );
}

/** Publishes output lines with backpressure and a budget; keeps the tail once over budget. */
class OutputLog {
  lines = 0;
  dropped = 0;
  private inflight = 0;
  private paused = false;
  private readonly tail: Array<{ text: string; stream: JobLogLine['stream'] }> = [];
  private failedWrites = 0;
  private drained: Promise<void> = Promise.resolve();
  private wakeDrained: (() => void) | undefined;

  constructor(
    private readonly ctx: JobContext,
    private readonly budget: number,
    private readonly tailLines: number,
    private readonly streams: Readable[],
  ) {}

  add(text: string, stream: 'stdout' | 'stderr'): void {
    this.lines++;
    if (this.lines > this.budget) {
      this.tail.push({ text, stream });
      if (this.tail.length > this.tailLines) {
        this.tail.shift();
        this.dropped++;
      }
      return;
    }
    this.write(text, stream);
  }

  async finish(): Promise<void> {
    if (this.tail.length > 0) {
      if (this.dropped > 0) {
        this.write(
          `… ${this.dropped} lines not shown (over the log budget of ${this.budget} lines); the last ${this.tail.length} follow …`,
          'info',
        );
      }
      for (const { text, stream } of this.tail.splice(0)) this.write(text, stream);
    }
    if (this.failedWrites > 0) this.dropped += this.failedWrites;
    await this.idle();
  }

  private write(text: string, stream: JobLogLine['stream']): void {
    this.inflight++;
    if (this.inflight === 1) {
      this.drained = new Promise((resolve) => {
        this.wakeDrained = resolve;
      });
    }
    this.ctx.log(text, stream).then(
      () => this.settled(),
      () => {
        // Not published: Redis stayed away longer than the worker can hold output. Counted; the job goes on.
        this.failedWrites++;
        this.settled();
      },
    );
    if (!this.paused && this.inflight >= maxInflight) {
      this.paused = true;
      for (const s of this.streams) s.pause();
    }
  }

  private settled(): void {
    this.inflight--;
    if (this.paused && this.inflight <= resumeBelow) {
      this.paused = false;
      for (const s of this.streams) s.resume();
    }
    if (this.inflight === 0) this.wakeDrained?.();
  }

  private idle(): Promise<void> {
    return this.inflight === 0 ? Promise.resolve() : this.drained;
  }
}

function describeSpawnError(program: string, cwd: string | undefined, error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') {
    return cwd
      ? `cannot run "${program}": not found, or the directory ${cwd} does not exist`
      : `cannot run "${program}": not found (is it on the worker's PATH?)`;
  }
  if (code === 'EACCES') return `cannot run "${program}": permission denied`;
  return `cannot run "${program}": ${error.message}`;
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal ? (constants.signals[signal] ?? 0) : 0;
}
