import { type BatchPlan, batchPlanLines } from '../../domain/batchPlan';
import type { BatchRunView } from '../../domain/batchRun';
import { retryPlanOf } from '../../state/slices/batches';
import type { DeckActions } from '../../state/store';

/** Enough of the plan to decide on at 80x24; the confirmation scrolls what does not fit its box. */
const planText = { namesPerWave: 6, targetLines: 8 };

/**
 * Every start asks first, showing the targets and the waves. Read-only: nothing to ask, the queue refuses the
 * start (and the audit records the refusal), and the refusal is the toast.
 */
export function askStart(plan: BatchPlan, actions: DeckActions, readOnly: boolean, retryOf?: string): void {
  if (readOnly) {
    void actions.batches.start(plan, retryOf);
    return;
  }
  const what = retryOf
    ? `Retry the failed targets of ${plan.batch.name} (job ${retryOf})?`
    : `Start batch ${plan.batch.name}?`;
  actions.ui.confirm({
    title: what,
    lines: batchPlanLines(plan, planText),
    onYes: () => void actions.batches.start(plan, retryOf),
  });
}

export function askRetry(run: BatchRunView, actions: DeckActions, readOnly: boolean): void {
  const plan = retryPlanOf(run);
  if (!plan) {
    const why =
      run.status === 'running' || run.status === 'paused'
        ? 'it is still running (c cancels it first)'
        : 'no target failed or was cancelled';
    actions.ui.notify('warn', `retry ${run.payload.name} (job ${run.job.id}): ${why}`);
    return;
  }
  askStart(plan, actions, readOnly, run.job.id);
}

export function askCancel(run: BatchRunView, actions: DeckActions): void {
  if (run.status !== 'running' && run.status !== 'paused') {
    actions.ui.notify(
      'warn',
      `batch ${run.payload.name} (job ${run.job.id}) is ${run.status}: nothing to cancel`,
    );
    return;
  }
  const { running, pending } = run.counts;
  actions.ui.confirm({
    title: `Cancel batch ${run.payload.name} (job ${run.job.id})?`,
    lines: [
      `${running} running target${running === 1 ? '' : 's'} cancelled: ${
        // sshd does not signal a remote command that has no terminal: ending ssh does not end it (as the CLI says).
        run.payload.action.type === 'ssh'
          ? 'ssh is stopped (SIGTERM, then SIGKILL); the remote command is not signalled and runs to its end on the host'
          : 'the program is stopped: SIGTERM, then SIGKILL'
      }`,
      `${pending} pending target${pending === 1 ? '' : 's'} never start${pending === 1 ? 's' : ''}`,
      'R retries the failed and cancelled targets later',
    ],
    onYes: () => void actions.batches.cancel(run.job.id),
  });
}

export function advance(run: BatchRunView, actions: DeckActions): void {
  if (run.status !== 'paused') {
    actions.ui.notify(
      'warn',
      `batch ${run.payload.name} (job ${run.job.id}) is ${run.status}, not paused: nothing to advance`,
    );
    return;
  }
  void actions.batches.advance(run.job.id);
}
