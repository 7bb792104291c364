import { hostname } from 'node:os';
import { durationSetting } from '../../domain/batchDuration';
import type { JobLogLine } from '../../domain/job';
import type { BatchTargetPayload, BatchTargetResult } from '../../domain/jobKinds/batch';
import { JobRefused } from '../../domain/refusal';
import { batchKnownHostsFile, runTarget, saysSomething, sshNoise } from '../../services/batch/targetRun';
import type { Handler, JobAbort, JobContext } from '../../services/bus/contracts';
import { JobFailure } from '../../services/bus/jobFailure';
import { workspacePaths } from '../../services/storage/workspace';
import { earlierOutput } from './earlierOutput';

export interface BatchTargetHandlerOptions {
  /** The worker's workspace folder: ssh's known_hosts for batch runs is in its `.cache/`. */
  dataDir?: string;
  readOnly?: boolean;
  /** Between SIGTERM and SIGKILL of the target's process group. Default 5 s. */
  killGraceMs?: number;
  /** Where the allowed variables of the program's environment come from. Default `process.env`. */
  workerEnv?: NodeJS.ProcessEnv;
  /** More ssh options, ahead of the target's (tests: `['-F', '/dev/null']`). */
  sshOptions?: readonly string[];
}

/** Saved before the program starts: a later delivery of the same job that finds it knows the target ran. */
export interface TargetStartMark {
  startedAt: number;
  worker: string;
  /** Its worker was stopping and handed the job back (the program was ended). */
  handedBack?: boolean;
  /** How long the program ran before a stopping worker ended it (only a worker that lived to see its end knows). */
  durationMs?: number;
}

/**
 * A target taken over from a worker that ran it: `durationMs` is null when that worker died (nobody saw the program
 * end: the time until the death was found is BullMQ's stall detection, not the program's). `lastLine` is what the
 * program printed last in that run (empty when nothing); `notRunTwice` says the job's error, not that line, is why
 * it failed (the Batch screen and the CLI show the error, as for a timeout).
 */
export type TakenOverResult = Omit<Partial<BatchTargetResult>, 'durationMs'> & {
  durationMs: number | null;
  notRunTwice: true;
};

/**
 * The `batchTarget` job: a batch's `ssh` or `local` action on one target (`runTarget`), its output line by line
 * in the job's log. A non-zero exit, a timeout or an ssh failure fails the job with the result kept (exit code,
 * duration, last line).
 *
 * Never twice on a host: BullMQ delivers a job at least once (a stalled job, whose worker died, is delivered
 * again), so the job saves a mark before it starts the program, and a delivery that finds the mark fails at once
 * instead of running the action again.
 */
export function batchTargetHandler(opts: BatchTargetHandlerOptions = {}): Handler<'batchTarget'> {
  return async (payload: BatchTargetPayload, ctx) => {
    if (opts.readOnly) throw new JobRefused('this worker is read-only: batch targets are not run');
    const earlier = ctx.flow.state<TargetStartMark>();
    const { target, action } = payload;
    if (earlier) {
      const how = earlier.handedBack ? 'its worker stopped' : 'its worker died';
      const message = `${how} while it ran (${earlier.worker}, started ${new Date(earlier.startedAt).toISOString()}); not run twice`;
      // Read before this run logs anything: the program's last line is the earlier run's.
      const lastLine = lastOutputLine(await earlierOutput(ctx), action.type === 'ssh' ? sshNoise : []);
      await ctx.log(message, 'info');
      throw new JobFailure<TakenOverResult>(
        message,
        { durationMs: earlier.durationMs ?? null, lastLine, timedOut: false, notRunTwice: true },
        { permanent: true },
      );
    }
    if (action.type === 'ssh' && !opts.dataDir) {
      throw new JobRefused(
        'this worker has no workspace folder (--data) for the known_hosts of its ssh targets',
      );
    }
    const knownHostsFile = batchKnownHostsFile(workspacePaths(opts.dataDir ?? process.cwd()).cacheDir);
    const mark: TargetStartMark = { startedAt: Date.now(), worker: `${hostname()}:${process.pid}` };
    await ctx.flow.save(mark);
    // No message yet: the run's LAST OUTPUT stays empty until the program prints something.
    ctx.progress(0, 1);
    const latest = latestLineProgress(ctx);

    let run: Awaited<ReturnType<typeof runTarget>>;
    try {
      run = await runTarget(target, action, {
        knownHostsFile,
        timeoutMs: payload.timeoutMs,
        signal: ctx.signal,
        onLine: (line, stream) => {
          ctx.log(line, stream).catch(() => {});
        },
        onLastLine: latest.line,
        ...(opts.killGraceMs !== undefined ? { killGraceMs: opts.killGraceMs } : {}),
        ...(opts.workerEnv ? { workerEnv: opts.workerEnv } : {}),
        ...(opts.sshOptions ? { sshOptions: opts.sshOptions } : {}),
      });
    } catch (error) {
      latest.stop();
      if (ctx.signal.aborted) throw error;
      // The program did not start (not found, not allowed): nothing ran, so no exit code.
      const message = error instanceof Error ? error.message : String(error);
      throw new JobFailure<Partial<BatchTargetResult>>(
        message,
        { durationMs: 0, lastLine: message, timedOut: false },
        { permanent: true },
      );
    }
    latest.stop();
    if (run.cancelled && (ctx.signal.reason as JobAbort | undefined)?.kind === 'release') {
      await ctx.flow.save({ ...mark, handedBack: true, durationMs: run.durationMs }).catch(() => {});
    }
    const result: BatchTargetResult = {
      exitCode: run.exitCode,
      durationMs: run.durationMs,
      lastLine: run.lastLine,
      timedOut: run.timedOut,
    };
    ctx.progress(1, 1, `exit ${run.exitCode}${tail(run.lastLine)}`.slice(0, maxMessageLength));
    if (run.cancelled) return result; // the bus ends it cancelled (or hands it back)
    if (run.timedOut) {
      // Ended by us, not by itself: the signal's exit code says nothing about the action.
      const { exitCode: _killed, ...timedOut } = result;
      throw new JobFailure<Partial<BatchTargetResult>>(
        `timed out after ${durationSetting(payload.timeoutMs)}${tail(run.lastLine)}`,
        timedOut,
        { permanent: true },
      );
    }
    if (run.exitCode !== 0) {
      const what =
        action.type === 'ssh' && run.exitCode === 255 ? 'ssh failed (exit 255)' : `exit ${run.exitCode}`;
      throw new JobFailure(`${what}${tail(run.lastLine)}`, result, { permanent: true });
    }
    return result;
  };
}

/** A progress message is an event on the bus: a line longer than this is cut (the log keeps it whole). */
const maxMessageLength = 200;

/**
 * The target's latest output line as its progress message, at most one a second (a chatty program costs one
 * event a second, not one a line): the run's LAST OUTPUT while it runs, as `tail -f` would show it. The first line
 * goes out at once.
 */
export function latestLineProgress(
  ctx: Pick<JobContext, 'progress'>,
  everyMs = 1_000,
): { line: (text: string) => void; stop: () => void } {
  let pending: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let sentAt = Number.NEGATIVE_INFINITY;
  const send = () => {
    timer = undefined;
    if (pending === undefined) return;
    sentAt = performance.now();
    ctx.progress(0, 1, pending.slice(0, maxMessageLength));
    pending = undefined;
  };
  return {
    line: (text) => {
      pending = text;
      if (timer) return;
      const wait = sentAt + everyMs - performance.now();
      if (wait <= 0) send();
      else timer = setTimeout(send, wait);
    },
    stop: () => {
      if (timer) clearTimeout(timer);
      timer = undefined;
      pending = undefined;
    },
  };
}

/** The last output line with text in it (as `runTarget` keeps `lastLine`): the job's own info lines and `noise` left out. */
export function lastOutputLine(lines: readonly JobLogLine[], noise: readonly RegExp[]): string {
  for (let i = lines.length - 1; i >= 0; i--) {
    const { stream, text } = lines[i]!;
    if (stream !== 'info' && saysSomething(text, noise)) return text.trim();
  }
  return '';
}

function tail(lastLine: string): string {
  return lastLine ? `: ${lastLine}` : '';
}
