import type { JobView } from '../../domain/job';
import type { PipelineResult, PipelineRunStep } from '../../domain/jobKinds/pipeline';
import { dagProgress } from '../../domain/pipelineDag';
import { pipelineRunSteps } from '../../domain/pipelineRun';
import type { Handler, JobContext } from '../../services/bus/contracts';
import { JobFailure } from '../../services/bus/jobFailure';
import { stepJobSpec } from './pipelineStepSpec';

/** What the run saves between its suspensions: the steps whose end is in its log already. */
export interface PipelineRunState {
  reported?: string[];
}

/**
 * The `pipeline` job: a re-entrant state machine over `dagProgress`. Each time it runs (first, after children
 * ended, or on another worker after one died) it reads where the run stands from its children, adds a child for
 * every step whose needs all passed (keyed by the step's name, so a step added twice is one job), and waits. A
 * failed step skips its dependents; the others go on; the run then fails with every step in its result.
 */
export function pipelineHandler(): Handler<'pipeline'> {
  return async (payload, ctx) => {
    const state = ctx.flow.state<PipelineRunState>() ?? {};
    const children = await ctx.flow.children();
    const steps = pipelineRunSteps(payload, children);
    const report = reportFinished(ctx, steps, children, state.reported ?? []);
    // Saved once the lines are written (a run taken over in between writes them again rather than never), while the
    // next steps are added: the two need nothing of each other.
    const saved = report.written.then(() =>
      report.reported.length !== (state.reported ?? []).length
        ? ctx.flow.save({ ...state, reported: report.reported })
        : undefined,
    );

    const progress = dagProgress(
      payload.steps,
      new Map(steps.map((s) => [s.name, s.status === 'skipped' ? 'pending' : s.status])),
    );
    if (!progress.finished) {
      // Counted as the steps count it when they pass (`startNextSteps`), and reported before the next steps are
      // added: a quick one's count, sent later, is not overwritten by this one.
      const passed = steps.filter((s) => s.status === 'passed').length;
      ctx.progress(passed, steps.length, runningText(steps, progress.ready));
      if (progress.ready.length > 0) {
        const byName = new Map(payload.steps.map((s) => [s.name, s]));
        // The line and the children go out together: the steps start a round trip sooner.
        await Promise.all([
          saved,
          ctx.log(`start ${progress.ready.join(', ')}`, 'info'),
          ctx.flow.addChildren(
            progress.ready.map((name) => ({
              key: name,
              spec: stepJobSpec(payload, byName.get(name)!, ctx.requestedBy),
            })),
          ),
        ]);
      } else await saved;
      return ctx.flow.waitForChildren();
    }
    await saved;
    const result: PipelineResult = { status: progress.outcome ?? 'failed', steps };
    ctx.progress(steps.length, steps.length, result.status);
    if (result.status === 'passed') return result;
    const count = (status: PipelineRunStep['status']) => steps.filter((s) => s.status === status).length;
    const failed = steps.filter((s) => s.status === 'failed').map((s) => s.name);
    const message =
      result.status === 'cancelled'
        ? `${count('cancelled')} step${count('cancelled') === 1 ? '' : 's'} cancelled`
        : `${failed.join(', ')} failed${count('skipped') ? `; ${count('skipped')} skipped` : ''}`;
    throw new JobFailure<PipelineResult>(message, result, { permanent: true });
  };
}

function runningText(steps: readonly PipelineRunStep[], ready: readonly string[]): string {
  const running = [...steps.filter((s) => s.status === 'running').map((s) => s.name), ...ready];
  return running.length > 0 ? `running ${[...new Set(running)].join(', ')}` : 'waiting';
}

/**
 * A line per step that ended since the last run: `lint passed 1.2s`, `test failed exit 1`, `deploy skipped`. The
 * lines are written in order from here; `written` settles when they all are, `reported` names every step told.
 */
function reportFinished(
  ctx: JobContext,
  steps: readonly PipelineRunStep[],
  children: readonly JobView[],
  reported: readonly string[],
): { reported: string[]; written: Promise<unknown> } {
  const seen = new Set(reported);
  const byKey = new Map(children.map((c) => [c.childKey, c]));
  const out = [...reported];
  const writes: Promise<void>[] = [];
  for (const s of steps) {
    if (seen.has(s.name) || s.status === 'pending' || s.status === 'running') continue;
    // Each line takes its place in the log when written: awaiting them together keeps their order.
    writes.push(ctx.log(stepLine(s, byKey.get(s.name)), s.status === 'passed' ? 'stdout' : 'stderr'));
    out.push(s.name);
  }
  return { reported: out, written: Promise.all(writes) };
}

export function stepLine(s: PipelineRunStep, child: JobView | undefined): string {
  const took = s.durationMs !== undefined ? ` ${(s.durationMs / 1000).toFixed(1)}s` : '';
  if (s.kept) return `${s.name} passed (kept from an earlier run)`;
  if (s.status === 'passed') return `${s.name} passed${took}`;
  if (s.status === 'skipped') return `${s.name} skipped`;
  const why = child?.error ? `: ${child.error}` : '';
  return `${s.name} ${s.status}${why}`;
}
