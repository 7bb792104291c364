import { hostname } from 'node:os';
import type { PipelineStepPayload, PipelineStepResult } from '../../domain/jobKinds/pipeline';
import { formatDuration } from '../../domain/jobText';
import { JobRefused } from '../../domain/refusal';
import { stripControl } from '../../domain/text';
import type { Handler, JobAbort, JobContext } from '../../services/bus/contracts';
import { JobFailure } from '../../services/bus/jobFailure';
import { type CommandHandlerOptions, commandRunner } from './command';
import { earlierOutput, outputLineCount } from './earlierOutput';
import { startNextSteps } from './pipelineNextSteps';

export type PipelineStepHandlerOptions = CommandHandlerOptions;

/** Saved before the program starts: a later delivery of the same job that finds it knows it ran before. */
export interface StepStartMark {
  /** Times the program was started, this delivery's included. */
  starts: number;
  startedAt: number;
  worker: string;
  /** Its worker was stopping and handed the job back: that start is not counted against the step's retries. */
  handedBack?: boolean;
}

/**
 * The `pipelineStep` job: one step of a pipeline run, its program run as the `command` job runs one
 * (`commandRunner`: own process group killed on cancel and timeout, allow-listed environment), with
 * `INFRADECK_PIPELINE`, `INFRADECK_STEP` and `INFRADECK_RUN` set. Output lines are published with escape
 * sequences stripped (the bus masks secrets). A non-zero exit fails the job with the exit code and duration kept.
 *
 * `retry: N` is the job's attempts. A worker that dies mid-step makes BullMQ deliver the job again without counting
 * an attempt, so the step counts its own starts (a mark saved before each): a delivery that finds the step started
 * `N` times already fails instead of running it an N+1th time, and otherwise runs it again as its next attempt.
 * The result's `lines` count the output of every attempt as the job's log holds it (a killed run's lines included).
 */
export function pipelineStepHandler(opts: PipelineStepHandlerOptions = {}): Handler<'pipelineStep'> {
  const run = commandRunner(opts);
  return async (payload: PipelineStepPayload, ctx) => {
    ctx.signal.throwIfAborted();
    const { step } = payload;
    if (opts.readOnly) throw new JobRefused(`this worker is read-only: step ${step.name} is not run`);
    const earlier = ctx.flow.state<StepStartMark>();
    // A step's `lines` are its output lines of every attempt, as its log holds them: a killed run's lines count too.
    const earlierLines = earlier ? outputLineCount(await earlierOutput(ctx)) : 0;
    // Delivered again after it passed and noted it on its run, its worker dead before its end was stored: it passed.
    const passed = earlier
      ? ((await ctx.flow.parent?.noted(step.name)) as PipelineStepResult | undefined)
      : undefined;
    if (passed && passed.exitCode === 0) {
      await ctx.log(`it passed before its worker died (${earlier!.worker}): not run again`, 'info');
      await startNextSteps(step.name, passed, ctx);
      return { ...passed, lines: Math.max(passed.lines, earlierLines) };
    }
    const counted = earlier ? earlier.starts - (earlier.handedBack ? 1 : 0) : 0;
    if (earlier && counted >= step.attempts) {
      const message = `its worker died while it ran (${earlier.worker}, started ${new Date(earlier.startedAt).toISOString()}); ${step.attempts} attempt${step.attempts === 1 ? '' : 's'} used (retry: ${step.attempts})`;
      await ctx.log(message, 'info');
      // Nobody saw its program end: how long it ran is unknown (not the moment this delivery took to fail it).
      throw new JobFailure<PipelineStepResult>(
        message,
        { durationMs: null, lines: earlierLines, starts: counted },
        { permanent: true },
      );
    }
    if (earlier && !earlier.handedBack && counted >= ctx.attempt) {
      await ctx.log(
        `its worker died while it ran (${earlier.worker}); attempt ${counted + 1} of ${step.attempts}`,
        'info',
      );
    }
    const mark: StepStartMark = {
      starts: counted + 1,
      startedAt: Date.now(),
      worker: `${hostname()}:${process.pid}`,
    };
    // Reported first: it goes out with the mark, in one write.
    ctx.progress(0, 1, `${step.name}: ${step.shell ? 'sh -c ' : ''}${step.program}`);
    await ctx.flow.save(mark);

    const started = performance.now();
    let exit: Awaited<ReturnType<typeof run>>;
    try {
      exit = await run(
        {
          program: step.program,
          args: step.args,
          shell: step.shell,
          cwd: step.cwd,
          env: {
            ...step.env,
            INFRADECK_PIPELINE: payload.pipeline,
            INFRADECK_STEP: step.name,
            INFRADECK_RUN: ctx.jobId.replace(/\.[^.]*$/, ''),
          },
        },
        strippedOutput(ctx),
      );
    } catch (error) {
      if ((ctx.signal.reason as JobAbort | undefined)?.kind === 'release') {
        await ctx.flow.save({ ...mark, handedBack: true }).catch(() => {});
      }
      if (ctx.signal.aborted) throw error;
      // It did not start (not found, no such folder): running it again changes nothing.
      const message = error instanceof Error ? error.message : String(error);
      throw new JobFailure<PipelineStepResult>(
        message,
        { durationMs: 0, lines: earlierLines, starts: mark.starts },
        { permanent: true },
      );
    }
    const durationMs = Math.round(performance.now() - started);
    const result: PipelineStepResult = {
      exitCode: exit.exitCode,
      durationMs,
      lines: earlierLines + exit.lines,
      starts: mark.starts,
    };
    ctx.progress(1, 1, `${step.name}: exit ${exit.exitCode} in ${formatDuration(durationMs)}`);
    if (exit.exitCode === 0) {
      await startNextSteps(step.name, result, ctx);
      return result;
    }
    const why = exit.signal ? `killed by ${exit.signal}` : `exit ${exit.exitCode}`;
    // The last allowed start: no retry is left, whatever BullMQ counted (a lost delivery is not one of its attempts).
    throw new JobFailure(`${step.name}: ${why}`, result, { permanent: mark.starts >= step.attempts });
  };
}

/** The job's context with every output line's escape sequences stripped before it is published. */
function strippedOutput(ctx: JobContext): JobContext {
  return { ...ctx, log: (line, stream) => ctx.log(stripControl(line), stream) };
}
