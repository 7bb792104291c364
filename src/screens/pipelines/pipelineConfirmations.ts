import { isFinished, type PipelineRun } from '../../domain/pipelineClient';
import type { PipelineRow } from '../../domain/pipelineRows';
import type { DeckActions } from '../../state/store';

/** How many `KEY=value` lines the GitLab trigger form offers. */
const variableLines = 4;

function where(row: PipelineRow): string {
  return row.source === 'local'
    ? 'the workers'
    : `${row.remote?.host ?? row.source} (${row.remote?.path ?? ''})`;
}

/**
 * `t`: a local pipeline asks and starts; a remote one opens a form: the branch, then the workflow's inputs
 * (GitHub, from the workflow file) or variables as `KEY=value` lines (GitLab). Read-only: nothing is asked, the
 * queue refuses the start and the status bar says so.
 */
export async function askTrigger(row: PipelineRow, actions: DeckActions, readOnly: boolean): Promise<void> {
  const ask = await actions.pipelines.triggerAsk(row.key);
  if (!ask.ok) return actions.ui.notify('error', `trigger: ${ask.error}`);
  if (readOnly) {
    await actions.pipelines.trigger(row.key, ask.ref || 'main', {});
    return;
  }
  if (ask.kind === 'local') {
    actions.ui.confirm({
      title: `Run pipeline ${row.pipeline} now?`,
      lines: [
        `${row.steps ?? '?'} step${row.steps === 1 ? '' : 's'} from ${row.file ?? 'its file'} as it reads now`,
        'each step a job on any worker, as soon as the steps it needs passed',
      ],
      onYes: () => void actions.pipelines.trigger(row.key, '', {}),
    });
    return;
  }
  const inputs = ask.inputs;
  const fields =
    ask.kind === 'inputs'
      ? inputs.map((i) => ({
          label: i.name,
          initial: i.default ?? '',
          optional: !i.required || i.default !== undefined,
        }))
      : Array.from({ length: variableLines }, (_, i) => ({
          label: `variable ${i + 1}`,
          initial: '',
          optional: true,
        }));
  const described = inputs
    .filter((i) => i.description || i.options)
    .map((i) => `${i.name}: ${i.description ?? ''}${i.options ? ` (${i.options.join('|')})` : ''}`);
  actions.ui.openForm({
    title: `Trigger ${row.pipeline} on ${where(row)}`,
    note:
      ask.kind === 'inputs'
        ? inputs.length > 0
          ? `branch or tag, then the workflow's inputs (empty: its default). ${described.join('; ')}`
          : 'branch or tag (the workflow takes no inputs); a ci job on a worker dispatches it'
        : 'branch or tag, then pipeline variables as KEY=value (empty lines are left out)',
    fields: [{ label: 'branch', initial: ask.ref }, ...fields],
    onSubmit: async ([ref, ...values]) => {
      const given: Record<string, string> = {};
      if (ask.kind === 'inputs') {
        values.forEach((v, i) => {
          if (v !== '') given[inputs[i].name] = v;
        });
      } else {
        for (const line of values) {
          if (line === '') continue;
          const at = line.indexOf('=');
          if (at <= 0) return `"${line}" is not KEY=value`;
          given[line.slice(0, at).trim()] = line.slice(at + 1);
        }
      }
      return actions.pipelines.trigger(row.key, ref, given);
    },
  });
}

/** `R`: a new run of what failed (asks). Read-only: straight to the queue, which refuses it. */
export function askRerun(
  row: PipelineRow,
  run: PipelineRun | undefined,
  actions: DeckActions,
  readOnly: boolean,
) {
  if (!run) return actions.ui.notify('warn', `${row.pipeline}: no run to re-run`);
  if (readOnly) return void actions.pipelines.rerunFailed(row.key, run);
  if (!isFinished(run.status))
    return actions.ui.notify('warn', `run ${run.id} of ${row.pipeline} is ${run.status}: c cancels it first`);
  if (run.status === 'passed')
    return actions.ui.notify('warn', `run ${run.id} of ${row.pipeline} passed: nothing failed to re-run`);
  actions.ui.confirm({
    title: `Re-run the failed ${row.source === 'local' ? 'steps' : 'jobs'} of ${row.pipeline} (run ${run.id})?`,
    lines:
      row.source === 'local'
        ? ['a new run: the steps that passed are kept, the failed, skipped and cancelled ones run again']
        : [`asks ${where(row)} to re-run the failed jobs (a ci job on a worker, with its token)`],
    onYes: () => void actions.pipelines.rerunFailed(row.key, run),
  });
}

/** `c`: cancels a run that has not ended (asks). Read-only: refused, and the status bar says so. */
export function askCancel(
  row: PipelineRow,
  run: PipelineRun | undefined,
  actions: DeckActions,
  readOnly: boolean,
) {
  if (!run) return actions.ui.notify('warn', `${row.pipeline}: no run to cancel`);
  if (readOnly) return void actions.pipelines.cancel(row.key, run);
  if (isFinished(run.status))
    return actions.ui.notify('warn', `run ${run.id} of ${row.pipeline} is ${run.status}: nothing to cancel`);
  actions.ui.confirm({
    title: `Cancel run ${run.id} of ${row.pipeline}?`,
    lines:
      row.source === 'local'
        ? [
            'its running steps are stopped (SIGTERM, then SIGKILL); the others never start',
            'R re-runs it later',
          ]
        : [`asks ${where(row)} to cancel it (a ci job on a worker, with its token)`],
    onYes: () => void actions.pipelines.cancel(row.key, run),
  });
}
