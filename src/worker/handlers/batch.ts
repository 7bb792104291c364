import { durationSetting } from '../../domain/batchDuration';
import { type BatchTargetState, nextBatchStep } from '../../domain/batchOutcome';
import { batchRunTargets } from '../../domain/batchRun';
import { splitIntoWaves } from '../../domain/batchWaves';
import type { JobSpec, JobView } from '../../domain/job';
import {
  type BatchPayload,
  type BatchResult,
  type BatchRunTarget,
  batchTargetPayload,
} from '../../domain/jobKinds/batch';
import { targetLine } from '../../services/batch/batchRuns';
import type { Handler, JobContext } from '../../services/bus/contracts';
import { JobFailure } from '../../services/bus/jobFailure';

/** What the batch saves between its suspensions (`ctx.flow.save`). */
export interface BatchRunState {
  /** The wave it paused before already: a re-run (resumed, woken, or after its worker died) does not pause again. */
  pausedBefore?: number;
  /** Targets never run: an earlier wave crossed the threshold. */
  skipped?: string[];
  stoppedAt?: number;
  /** Targets whose end is in the log already. */
  reported?: string[];
}

/** How much longer than its own timeout a target's job may run before the bus ends it (ssh's own kill grace). */
const targetJobMarginMs = 30_000;

/**
 * The `batch` job: a re-entrant state machine over `nextBatchStep`. Each time it runs (first, after a wave's
 * children ended, after a pause, or on another worker after one died) it reads where the run stands from its
 * children and its saved state, and takes the next step: start a wave (a child per target, keyed by the target,
 * so a wave started twice adds nothing), wait for it, pause before the next one, or stop.
 *
 * A run that ends `failed` (a wave crossed the threshold, or targets failed) fails the job and keeps its targets
 * in the result; so does one where a target was cancelled on its own.
 */
export function batchHandler(): Handler<'batch'> {
  return async (payload, ctx) => {
    const state: BatchRunState = ctx.flow.state<BatchRunState>() ?? {};
    const children = await ctx.flow.children();
    const targets = withSkipped(batchRunTargets(payload, children), state.skipped ?? []);
    const waves = splitIntoWaves(payload.targets, payload.serial).length;

    const reported = await reportFinished(ctx, targets, children, state.reported ?? []);
    if (reported.length !== (state.reported ?? []).length) {
      state.reported = reported;
      await ctx.flow.save(state);
    }

    const step = nextBatchStep(targets as BatchTargetState[], payload.maxFailPercentage);
    const done = targets.filter((t) => t.status !== 'pending' && t.status !== 'running').length;
    switch (step.kind) {
      case 'wait':
        ctx.progress(done, targets.length, `wave ${currentWave(targets)}/${waves}`);
        return ctx.flow.waitForChildren();
      case 'stop': {
        state.skipped = [...(state.skipped ?? []), ...step.skip];
        state.stoppedAt = step.wave;
        await ctx.flow.save(state);
        const final = withSkipped(targets, step.skip);
        const wave = final.filter((t) => t.wave === step.wave);
        const failed = wave.filter((t) => t.status === 'failed').length;
        const message = `wave ${step.wave}/${waves}: ${failed} of ${wave.length} target${wave.length === 1 ? '' : 's'} failed (${thresholdText(payload.maxFailPercentage)}); ${step.skip.length} skipped`;
        await ctx.log(`stopped: ${message}`, 'info');
        ctx.progress(final.length, final.length, `stopped at wave ${step.wave}/${waves}`);
        throw new JobFailure<BatchResult>(
          message,
          { status: 'failed', stoppedAt: step.wave, targets: final },
          { permanent: true },
        );
      }
      case 'done': {
        const status = step.status === 'completed' || step.status === 'cancelled' ? step.status : 'failed';
        const result: BatchResult = {
          status,
          ...(state.stoppedAt !== undefined ? { stoppedAt: state.stoppedAt } : {}),
          targets,
        };
        ctx.progress(targets.length, targets.length, `wave ${waves}/${waves}`);
        if (status === 'completed') return result;
        const counts = (s: BatchRunTarget['status']) => targets.filter((t) => t.status === s).length;
        const message =
          status === 'cancelled'
            ? `${counts('cancelled')} target${counts('cancelled') === 1 ? '' : 's'} cancelled`
            : `${counts('failed')} of ${targets.length} target${targets.length === 1 ? '' : 's'} failed`;
        throw new JobFailure<BatchResult>(message, result, { permanent: true });
      }
      case 'wave': {
        if (step.pauseFirst && payload.pause && state.pausedBefore !== step.wave) {
          state.pausedBefore = step.wave;
          await ctx.flow.save(state);
          if ('manual' in payload.pause) {
            ctx.progress(done, targets.length, `paused before wave ${step.wave}/${waves}`);
            await ctx.log(`paused before wave ${step.wave}/${waves}: waiting to be advanced`, 'info');
            return ctx.flow.sleep('manual');
          }
          ctx.progress(
            done,
            targets.length,
            `pause ${durationSetting(payload.pause.ms)} before wave ${step.wave}/${waves}`,
          );
          await ctx.log(
            `pause ${durationSetting(payload.pause.ms)} before wave ${step.wave}/${waves}`,
            'info',
          );
          return ctx.flow.sleep(Date.now() + payload.pause.ms);
        }
        const byKey = new Map(payload.targets.map((t) => [t.key, t]));
        // The line and the children go out together: the wave starts a round trip sooner.
        await Promise.all([
          ctx.log(
            `wave ${step.wave}/${waves}: ${step.keys.map((k) => byKey.get(k)?.name ?? k).join(', ')}`,
            'info',
          ),
          ctx.flow.addChildren(
            step.keys.map((key) => ({ key, spec: childSpec(payload, byKey.get(key)!, step.wave, ctx) })),
          ),
        ]);
        ctx.progress(done, targets.length, `wave ${step.wave}/${waves}`);
        return ctx.flow.waitForChildren();
      }
    }
  };
}

/** A target's child job: a `batchTarget` for ssh/local, the action's own kind for a `job` action. */
function childSpec(
  payload: BatchPayload,
  target: BatchPayload['targets'][number],
  wave: number,
  ctx: JobContext,
): JobSpec {
  const { action } = payload;
  if (action.type === 'job') {
    // Checked against the kind's schema when it is queued; a bad one fails the batch with that message.
    return {
      kind: action.job.kind,
      payload: action.job.payload,
      requestedBy: ctx.requestedBy,
      timeoutMs: payload.timeoutMs,
    } as JobSpec;
  }
  return {
    kind: 'batchTarget',
    payload: batchTargetPayload(payload, action, target, wave),
    requestedBy: ctx.requestedBy,
    timeoutMs: payload.timeoutMs + targetJobMarginMs,
  };
}

function withSkipped(targets: BatchRunTarget[], skipped: readonly string[]): BatchRunTarget[] {
  if (skipped.length === 0) return targets;
  const skip = new Set(skipped);
  return targets.map((t) => (t.status === 'pending' && skip.has(t.key) ? { ...t, status: 'skipped' } : t));
}

function currentWave(targets: readonly BatchRunTarget[]): number {
  return Math.max(
    0,
    ...targets.filter((t) => t.status !== 'pending' && t.status !== 'skipped').map((t) => t.wave),
  );
}

/**
 * One line per target that ended since the last run: `web-1 ok exit 0 1.2s`, `web-2 failed exit 3: <last line>`.
 * Returns the keys reported so far.
 */
async function reportFinished(
  ctx: JobContext,
  targets: readonly BatchRunTarget[],
  children: readonly JobView[],
  reported: readonly string[],
): Promise<string[]> {
  const seen = new Set(reported);
  const byKey = new Map(children.map((c) => [c.childKey, c]));
  const out = [...reported];
  const writes: Promise<void>[] = [];
  for (const t of targets) {
    if (seen.has(t.key) || t.status === 'pending' || t.status === 'running' || t.status === 'skipped')
      continue;
    // Each line takes its place in the log when written: awaited together, a wave's 100 lines cost one round trip,
    // not 100 in a row (which was most of the batch's wake between waves).
    writes.push(ctx.log(targetLine(t, byKey.get(t.key)), t.status === 'ok' ? 'stdout' : 'stderr'));
    out.push(t.key);
  }
  await Promise.all(writes);
  return out;
}

function thresholdText(maxFailPercentage: number): string {
  return maxFailPercentage === 0 ? 'any failure stops' : `more than ${maxFailPercentage}% stops`;
}
