import { Box } from 'ink';
import { useEffect, useLayoutEffect, useMemo, useRef } from 'react';
import { readingText } from '../../components/listReading';
import { NoteLines } from '../../components/NoteLines';
import { SummaryTable } from '../../components/SummaryTable';
import { filteredRows } from '../../components/shownCount';
import { useTable } from '../../components/useTable';
import { durationSetting, pauseText } from '../../domain/batchDuration';
import { serialText } from '../../domain/batchSerial';
import { displayWidth, fitWidth } from '../../domain/text';
import { twoLines } from '../../domain/wrapText';
import { batchRunsOf } from '../../state/slices/batches';
import type { DeckActions, DeckState, DeckStore } from '../../state/store';
import { useCopy } from '../../ui/clipboard';
import { useActions, useDeck, useDeckContext } from '../../ui/deckContext';
import type { KeyHint } from '../../ui/keyHints';
import { type ActionDef, copyAction, filterSortActions } from '../../ui/keymap';
import { loadingWhile, useListKeys } from '../../ui/listKeys';
import type { Screen, ScreenProps, ScreenView } from '../../ui/screen';
import { useClock } from '../../ui/useClock';
import { TextDetails } from '../TextDetails';
import { batchColumns } from './batchColumns';
import { advance, askCancel, askRetry, askStart } from './batchConfirmations';
import { type BatchRow, batchRows } from './batchRows';
import { NewBatchForm } from './NewBatchForm';
import { RunDetailsView, runSettings } from './RunDetailsView';
import { TargetOutputView } from './TargetOutputView';

/** Resolves a batch file's targets afresh (servers.yaml, the index may have changed) and asks to start it. */
async function startDefined(
  row: Extract<BatchRow, { kind: 'defined' }>,
  actions: DeckActions,
  readOnly: boolean,
) {
  const planned = await actions.batches.plan(row.file.batch, row.file);
  if (!planned.ok) {
    sayProblems(row.name, planned.errors, actions);
    return;
  }
  askStart(planned.plan, actions, readOnly);
}

/**
 * Every problem of a batch that cannot start, each its own line of `:messages` (the note under the table has room
 * for the first only, and says so). The one saying what it stops, with the first problem, goes last: the message
 * line shows the newest.
 */
function sayProblems(name: string, errors: readonly string[], actions: DeckActions): void {
  const [first = 'it has errors', ...more] = errors;
  for (const e of more) actions.ui.notify('error', `${name}: ${e}`);
  actions.ui.notify('error', `${name} cannot start: ${first}`);
}

/** `r`: batches/ is followed anyway; read on demand, it says what it read (the same files show no change). */
async function reloadAndSay(actions: DeckActions, store: DeckStore): Promise<void> {
  await actions.batches.reload();
  const { files, plans, serverErrors } = store.getState().batches;
  const all = files ?? [];
  // A file that parses but names a target no server or instance has cannot start either: the tab shows it invalid.
  const bad = all.filter((f) => !f.ok || plans.get(f.file)?.ok === false).length;
  const servers = serverErrors.length
    ? `; servers.yaml: ${serverErrors.length} problem${serverErrors.length === 1 ? '' : 's'}`
    : '';
  actions.ui.notify(
    bad || serverErrors.length ? 'warn' : 'info',
    `read batches/: ${all.length} file${all.length === 1 ? '' : 's'}${bad ? `, ${bad} with errors` : ''}${servers}`,
  );
}

/**
 * `first (and 2 more: Enter lists them in :messages)` in the note's two lines of `width`: the first problem gives way
 * at its end, so the pointer to the others is never what is cut.
 */
function problemsNote(first: string, more: number, width: number): string {
  if (more === 0) return first;
  const rest = ` (and ${more} more: Enter lists ${more === 1 ? 'it' : 'them'} in :messages)`;
  const fits = (text: string) => {
    const lines = twoLines(text, width);
    return lines.length <= 2 && displayWidth(lines.at(-1) ?? '') <= width;
  };
  for (let room = displayWidth(first); room > 10; room--) {
    const text = `${fitWidth(first, room)}${rest}`;
    if (fits(text)) return text;
  }
  return `${fitWidth(first, 10)}${rest}`;
}

/** The line under the list: the cursor row in full (its run, its plan, or its error). */
function rowNote(row: BatchRow | undefined, width: number): { text: string; error: boolean } {
  if (!row) return { text: '', error: false };
  if (row.kind === 'invalid') {
    const [first, ...more] = row.errors;
    return { text: problemsNote(first ?? row.file, more.length, width), error: true };
  }
  if (row.kind === 'defined') {
    const b = row.file.batch;
    const plan = row.plan
      ? `${row.plan.targets.length} target${row.plan.targets.length === 1 ? '' : 's'} in ${row.plan.waves.length} wave${row.plan.waves.length === 1 ? '' : 's'}`
      : 'targets not resolved yet';
    return {
      text: `${row.file.file}: ${plan} · serial ${serialText(b.serial)} · max fail ${b.maxFailPercentage}% · ${b.pause ? `pause ${pauseText(b.pause)}` : 'no pause'} · timeout ${durationSetting(b.timeoutMs)} · Enter or s starts it (asks)`,
      error: false,
    };
  }
  const { run } = row;
  const result = run.job.result as { stoppedAt?: number } | undefined;
  const pause = run.payload.pause;
  const next =
    run.status === 'paused'
      ? pause && 'ms' in pause
        ? `paused after wave ${run.progress.wave}: wave ${run.progress.wave + 1} starts after the ${durationSetting(pause.ms)} pause, A starts it now`
        : `paused after wave ${run.progress.wave}: A starts wave ${run.progress.wave + 1}`
      : run.status === 'failed'
        ? `${run.job.error ?? (result?.stoppedAt ? `wave ${result.stoppedAt} crossed the threshold` : 'failed')} · R retries the failed targets`
        : run.status === 'cancelled'
          ? 'cancelled · R retries the failed and cancelled targets'
          : run.status === 'running'
            ? (run.job.message ?? 'running')
            : 'completed';
  return { text: `job ${run.job.id} · ${next} · ${runSettings(run)}`, error: run.status === 'failed' };
}

function BatchScreen({ width, height, active }: ScreenProps) {
  const { theme, store } = useDeckContext();
  const actions = useActions();
  const byId = useDeck((s) => s.jobs.byId);
  const files = useDeck((s) => s.batches.files);
  const plans = useDeck((s) => s.batches.plans);
  const serverErrors = useDeck((s) => s.batches.serverErrors);
  const openRun = useDeck((s) => s.batches.openRun);
  const openTarget = useDeck((s) => s.batches.openTarget);
  const form = useDeck((s) => s.batches.form);
  const readOnly = useDeck((s) => s.workspace.readOnly);
  const filterText = useDeck((s) => s.ui.filters.batch ?? '');
  const copy = useCopy();

  // batches/ is read when the tab is shown and followed while it is: an edit shows at once.
  useEffect(() => (active ? actions.batches.connect() : undefined), [active, actions]);
  const now = useClock(active);

  const runs = useMemo(() => batchRunsOf(byId), [byId]);
  const rows = useMemo(() => batchRows(runs.values(), files, plans), [runs, files, plans]);
  const columns = useMemo(() => batchColumns(() => now), [now]);
  const tableHeight = Math.max(2, height - 3);
  const table = useTable({ rows, columns, rowKey: (r) => r.key, filterText, height: tableHeight });
  const run = openRun ? runs.get(openRun) : undefined;

  // Back from a run (one just started, a retry, or one opened from here): the cursor goes onto it, as k9s and
  // lazygit keep you on what you just acted on. A run not listed yet (still being read) gets it when it is, unless
  // a key moved the cursor meanwhile.
  const lastRun = useRef<string | undefined>(undefined);
  const cursorTo = useRef<string | undefined>(undefined);
  useLayoutEffect(() => {
    if (openRun) {
      lastRun.current = openRun;
      return;
    }
    if (lastRun.current) cursorTo.current = `run:${lastRun.current}`;
    lastRun.current = undefined;
    const key = cursorTo.current;
    if (key && table.focus(key)) cursorTo.current = undefined;
  });

  const loading = loadingWhile(files === undefined, rows, 'batches/');
  useListKeys(
    { scope: 'batch', loading },
    (press) => {
      cursorTo.current = undefined;
      const action = press.action(['batch', 'list']);
      const row = table.cursorRow;
      if (action === 'batch.new') actions.batches.showForm(true);
      else if (action === 'batch.reload') void reloadAndSay(actions, store);
      else if ((action === 'batch.open' || action === 'batch.start') && row?.kind === 'defined')
        void startDefined(row, actions, readOnly);
      else if (action === 'batch.open' && row?.kind === 'run') actions.batches.openRun(row.run.job.id);
      else if ((action === 'batch.open' || action === 'batch.start') && row?.kind === 'invalid')
        sayProblems(row.name, row.errors, actions);
      else if (action === 'batch.start' && row?.kind === 'run')
        actions.ui.notify('warn', 's starts a batch of batches/ (below the runs); R retries this run');
      else if (action === 'batch.advance' && row?.kind === 'run') advance(row.run, actions);
      else if (action === 'batch.cancel' && row?.kind === 'run') askCancel(row.run, actions);
      else if (action === 'batch.retry' && row?.kind === 'run') askRetry(row.run, actions, readOnly);
      else if (
        (action === 'batch.advance' || action === 'batch.cancel' || action === 'batch.retry') &&
        row &&
        row.kind !== 'run'
      )
        actions.ui.notify(
          'warn',
          `${row.name} is a file of batches/, not a run: ${runVerb[action]} acts on a run (the rows above)`,
        );
      else if (action === 'clipboard.copy')
        copy(row?.kind === 'run' ? row.run.job.id : row?.kind === 'defined' ? row.file.file : row?.file);
      else if (action === 'table.filter') actions.ui.openOverlay('filter');
      else if (!action || !table.act(action)) return false;
      return true;
    },
    active && !form && !openRun,
  );

  if (form)
    return (
      <NewBatchForm
        width={width}
        height={height}
        active={active}
        onClose={() => actions.batches.showForm(false)}
        onPlanned={(plan) => {
          actions.batches.showForm(false);
          askStart(plan, actions, readOnly);
        }}
      />
    );

  if (openRun) {
    if (!run)
      return (
        <TextDetails
          lines={[`batch job ${openRun}: reading it from the queue…`, '', 'Esc goes back to the list.']}
          width={width}
          height={height}
          active={active}
          onBack={() => actions.batches.openRun(undefined)}
        />
      );
    if (openTarget)
      return <TargetOutputView run={run} jobId={openTarget} width={width} height={height} active={active} />;
    return <RunDetailsView run={run} width={width} height={height} active={active} />;
  }

  const runList = [...runs.values()];
  const going = runList.filter((r) => r.status === 'running' || r.status === 'paused').length;
  const defined = (files ?? []).length;
  const summary = ` ${[
    filteredRows(table.view.length, rows.length),
    `${runList.length} run${runList.length === 1 ? '' : 's'}${going ? ` (${going} going)` : ''}`,
    files === undefined
      ? readingText('batches/')
      : defined
        ? `${defined} in batches/: Enter or s starts one`
        : 'no batches/*.yaml',
    'n ad hoc',
    ...(readOnly ? ['READ-ONLY: no start'] : []),
    ...(serverErrors.length
      ? [`servers.yaml: ${serverErrors.length} problem${serverErrors.length === 1 ? '' : 's'}`]
      : []),
  ]
    .filter(Boolean)
    .join(' · ')}`;
  // NoteLines wraps it to the width less its margins.
  const note = rowNote(table.cursorRow, Math.max(10, width - 2));
  return (
    <Box flexDirection="column" width={width} height={height}>
      <SummaryTable
        summary={summary}
        summaryColor={readOnly || serverErrors.length ? theme.warn : theme.muted}
        table={table}
        columns={columns}
        width={width}
        height={tableHeight + 1}
        noColor={theme.noColor}
        loading={loading}
        emptyMessage="No batch runs, and no batches/*.yaml in the workspace. n starts an ad-hoc batch; see the README, Batches."
      />
      <NoteLines note={note} width={width} colors={theme} />
    </Box>
  );
}

const runHints = {
  running: [
    { action: 'batch.output', label: 'output' },
    { action: 'batch.cancel', label: 'cancel' },
  ],
  paused: [
    { action: 'batch.output', label: 'output' },
    { action: 'batch.advance', label: 'advance' },
    { action: 'batch.cancel', label: 'cancel' },
  ],
  ended: [
    { action: 'batch.output', label: 'output' },
    { action: 'batch.retry', label: 'retry failed' },
  ],
  completed: [{ action: 'batch.output', label: 'output' }],
} satisfies Record<string, KeyHint[]>;
const runViewOf = (hints: KeyHint[]): ScreenView => ({
  id: 'batchRun',
  title: 'run',
  // No selection: every action here takes one row.
  scopes: ['list'],
  hints: [...hints, { action: 'clipboard.copy', label: 'copy id' }, { action: 'view.back', label: 'back' }],
});
const runViews = {
  running: runViewOf(runHints.running),
  paused: runViewOf(runHints.paused),
  ended: runViewOf(runHints.ended),
  completed: runViewOf(runHints.completed),
};
/** Enter on a target: its output, with the log's keys. */
const targetView: ScreenView = {
  id: 'batchTarget',
  title: 'target output',
  scopes: ['log'],
  hints: [
    { action: 'nav.bottom', label: 'follow' },
    { action: 'view.wrap', label: 'wrap' },
    { action: 'clipboard.copy', label: 'copy id' },
    { action: 'view.back', label: 'back' },
    { action: 'log.search', label: 'search' },
  ],
};
/** `n`: the form takes every key but Ctrl-C; its keys are written under it. */
const formView: ScreenView = {
  id: 'batchForm',
  title: 'new ad-hoc batch',
  scopes: [],
  hints: ['Tab/↓ next', 'S-Tab/↑ back', 'Enter plan', 'Esc cancel'],
  takesKeys: true,
};
const loadingView: ScreenView = {
  id: 'batchLoading',
  title: 'run',
  scopes: ['log'],
  hints: [{ action: 'view.back', label: 'back' }],
};

function batchView(s: DeckState): ScreenView | undefined {
  const { form, openRun, openTarget } = s.batches;
  if (form) return formView;
  if (!openRun) return undefined;
  const run = batchRunsOf(s.jobs.byId).get(openRun);
  if (!run) return loadingView;
  if (openTarget) return targetView;
  if (run.status === 'running') return runViews.running;
  if (run.status === 'paused') return runViews.paused;
  if (run.status === 'completed') return runViews.completed;
  return runViews.ended;
}

const runActions = (scope: string): ActionDef[] => [
  { id: 'batch.advance', keys: ['A'], description: 'Advance a paused run: its next wave starts now', scope },
  {
    id: 'batch.cancel',
    keys: ['c'],
    description: 'Cancel the run (asks; running targets are stopped)',
    scope,
  },
  {
    id: 'batch.retry',
    keys: ['R'],
    description: 'Retry its failed and cancelled targets (a new run; asks)',
    scope,
  },
];

/** A run's action, for the message when the cursor is on a file of batches/ instead. */
const runVerb = { 'batch.advance': 'advance', 'batch.cancel': 'cancel', 'batch.retry': 'retry' } as const;

export const batchScreen: Screen = {
  id: 'batch',
  title: 'Batch',
  aliases: ['batches', 'waves'],
  actions: [
    ...filterSortActions('batch'),
    ...filterSortActions('batchRun'),
    {
      id: 'batch.open',
      keys: ['enter'],
      description: 'A run: its waves and targets · a batch of batches/: start it (asks)',
      scope: 'batch',
    },
    {
      id: 'batch.start',
      keys: ['s'],
      description: 'Start the batch of batches/ (shows the plan, asks)',
      scope: 'batch',
    },
    {
      id: 'batch.new',
      keys: ['n'],
      description: 'New ad-hoc batch (a form, then the plan, asks)',
      scope: 'batch',
    },
    ...runActions('batch'),
    { id: 'batch.reload', keys: ['r'], description: 'Read batches/ and servers.yaml again', scope: 'batch' },
    copyAction('batch', 'Copy the run id or the file (OSC 52)'),
    {
      id: 'batch.output',
      keys: ['enter'],
      description: "The target's output (follows while it runs)",
      scope: 'batchRun',
    },
    ...runActions('batchRun'),
    copyAction('batchRun', 'Copy the job id of the target (OSC 52)'),
    { id: 'view.back', keys: ['esc'], description: 'Back to the runs', scope: 'batchRun' },
    copyAction('batchTarget', "Copy the target's job id (OSC 52)"),
  ],
  // No selection: every action here takes one row.
  scopes: ['list'],
  hints: [
    { action: 'batch.open', label: 'open/start' },
    { action: 'batch.new', label: 'new' },
    { action: 'batch.advance', label: 'advance' },
    { action: 'batch.cancel', label: 'cancel' },
    { action: 'batch.retry', label: 'retry' },
  ],
  Component: BatchScreen,
  view: batchView,
  args: '[new]',
  complete: () => ['new'],
  open: (args, actions) => {
    actions.batches.openRun(undefined);
    if (args[0] === 'new') actions.batches.showForm(true);
    else if (args[0]) return `:batch ${args[0]}: say :batch, or :batch new for an ad-hoc batch`;
    return undefined;
  },
};
