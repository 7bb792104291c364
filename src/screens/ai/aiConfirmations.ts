import { type AiRunRow, paramsText } from '../../domain/aiRunRows';
import { isFinished } from '../../domain/job';
import type { DeckActions } from '../../state/store';

/** `c`: cancels a run that has not ended (asks). Read-only: refused, and the status bar says so. */
export function askCancel(row: AiRunRow | undefined, actions: DeckActions, readOnly: boolean) {
  if (!row) return actions.ui.notify('warn', 'cancel: no run here');
  if (readOnly) return void actions.ai.cancel(row.id);
  if (isFinished(row.status))
    return actions.ui.notify(
      'warn',
      `run ${row.id} of ${row.experiment} is ${row.status}: nothing to cancel`,
    );
  actions.ui.confirm({
    title: `Cancel run ${row.id} of ${row.experiment}?`,
    lines: [
      paramsText(row.params) || 'no params',
      'its program is stopped (SIGTERM, then SIGKILL); the points it printed so far are kept',
    ],
    onYes: () => void actions.ai.cancel(row.id),
  });
}

/**
 * `R`: runs a failed or cancelled run again, same argv and params (asks). Read-only: refused, said in the status bar.
 * `from` the run's own view, `n` is the log search's next match: a new run starts from the runs, one Esc away.
 */
export function askRetry(
  row: AiRunRow | undefined,
  actions: DeckActions,
  readOnly: boolean,
  from: 'runs' | 'run' = 'runs',
) {
  if (!row) return actions.ui.notify('warn', 'retry: no run here');
  if (readOnly) return void actions.ai.retry(row.id);
  if (!isFinished(row.status))
    return actions.ui.notify(
      'warn',
      `run ${row.id} of ${row.experiment} is ${row.status}: c cancels it first`,
    );
  if (row.status === 'completed')
    return actions.ui.notify(
      'warn',
      `run ${row.id} of ${row.experiment} completed: ${from === 'run' ? 'Esc, then n' : 'n'} starts a new run (with these params or others)`,
    );
  actions.ui.confirm({
    title: `Run ${row.id} of ${row.experiment} again?`,
    lines: [
      `${paramsText(row.params) || 'no params'} · the same command, as it was asked for`,
      'the points of the run so far are dropped: the new attempt starts from none',
    ],
    onYes: () => void actions.ai.retry(row.id),
  });
}
