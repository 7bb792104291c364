import { Box } from 'ink';
import { useEffect, useMemo } from 'react';
import { countOrReading } from '../../components/listReading';
import { NoteLines } from '../../components/NoteLines';
import { SummaryTable } from '../../components/SummaryTable';
import { shownCount } from '../../components/shownCount';
import { useTable } from '../../components/useTable';
import { type ExperimentRow, experimentRows } from '../../domain/aiRunRows';
import { stripControl } from '../../domain/text';
import { aiRunRowsOf } from '../../state/slices/ai';
import type { DeckActions, DeckState } from '../../state/store';
import { useCopy } from '../../ui/clipboard';
import { useActions, useDeck, useDeckContext } from '../../ui/deckContext';
import { type ActionDef, copyAction, filterSortActions } from '../../ui/keymap';
import { loadingWhile, useListKeys } from '../../ui/listKeys';
import type { Screen, ScreenProps, ScreenView } from '../../ui/screen';
import { slowClockMs, useClock } from '../../ui/useClock';
import { TextDetails } from '../TextDetails';
import { AiRunView, logOnlyOf } from './AiRunView';
import { experimentColumns } from './aiColumns';
import { reloadAndSay } from './aiReload';
import { CompareView } from './CompareView';
import { NewRunForm } from './NewRunForm';
import { RunsView } from './RunsView';

/** `n`: the start form; read-only, straight to the queue, which refuses it (and the status bar says so). */
function newRun(
  row: ExperimentRow | undefined,
  actions: DeckActions,
  readOnly: boolean,
  openForm: (name: string) => void,
) {
  if (!row) return actions.ui.notify('warn', 'n: no experiment here (add ai/experiments/NAME.yaml)');
  if (readOnly) return void actions.ai.start(row.info.name, {});
  if (row.info.errors.length > 0)
    return actions.ui.notify('error', `${row.info.name} cannot start: ${row.info.errors[0]}`);
  openForm(row.info.name);
}

/** The line under the experiments: the cursor row's problem, or its description and file. */
function experimentNote(row: ExperimentRow | undefined): { text: string; error: boolean } {
  if (!row) return { text: '', error: false };
  if (row.info.errors.length) return { text: stripControl(row.info.errors.join(' · ')), error: true };
  return {
    text: [row.info.description, row.info.file, 'Enter its runs · n starts one'].filter(Boolean).join(' · '),
    error: false,
  };
}

function AiScreen({ width, height, active }: ScreenProps) {
  const { theme, store } = useDeckContext();
  const actions = useActions();
  const copy = useCopy();
  const experiments = useDeck((s) => s.ai.experiments);
  const runs = useDeck(aiRunRowsOf);
  const open = useDeck((s) => s.ai.experiment);
  const runOpen = useDeck((s) => s.ai.run);
  const compare = useDeck((s) => s.ai.compare);
  const shown = useDeck(aiShown);
  const readOnly = useDeck((s) => s.workspace.readOnly);
  const filterText = useDeck((s) => s.ui.filters.ai ?? '');
  // The start form is a view of the tab in the store (not this component's state), so `?` and the hint line know.
  const form = useDeck((s) => newRunOf(s.ui.views.ai));

  // The files are read when the tab is shown and followed while it is: an edit shows at once.
  useEffect(() => (active ? actions.ai.connect() : undefined), [active, actions]);
  const now = useClock(active, slowClockMs);

  const rows = useMemo(() => experimentRows(experiments ?? [], runs), [experiments, runs]);
  const columns = useMemo(() => experimentColumns(() => now), [now]);
  const tableHeight = Math.max(2, height - 3);
  const table = useTable({ rows, columns, rowKey: (r) => r.key, filterText, height: tableHeight });
  const openRow = open !== undefined ? rows.find((r) => r.key === open) : undefined;
  const openForm = (name: string) => actions.ui.openView('ai', `${NEW_RUN}${name}`);
  const onNew = (row: ExperimentRow | undefined) => () => newRun(row, actions, readOnly, openForm);

  const loading = loadingWhile(experiments === undefined, rows, 'experiments');
  useListKeys(
    { scope: 'ai', loading },
    (press) => {
      const action = press.action(['ai', 'list']);
      const row = table.cursorRow;
      if (action === 'ai.open' && row) actions.ai.openExperiment(row.key);
      else if (action === 'ai.new') onNew(row)();
      else if (action === 'ai.reload') void reloadAndSay(actions, store);
      else if (action === 'clipboard.copy') copy(row?.info.file || row?.key);
      else if (action === 'table.filter') actions.ui.openOverlay('filter');
      else if (!action || !table.act(action)) return false;
      return true;
    },
    active && shown === 'experiments',
  );

  const formInfo = shown === 'form' ? rows.find((r) => r.key === form)?.info : undefined;
  if (formInfo)
    return (
      <NewRunForm
        key={form}
        info={formInfo}
        width={width}
        height={height}
        active={active}
        onClose={() => actions.ui.closeView('ai')}
      />
    );
  if (open !== undefined) {
    const back = () => actions.ai.back();
    if (shown === 'noExperiment' || shown === 'reading' || !openRow)
      return (
        <TextDetails
          lines={
            shown === 'noExperiment'
              ? [
                  `no experiment "${open}" in ai/experiments, and no runs of it`,
                  '',
                  'Esc goes back to the experiments.',
                ]
              : ['reading experiments…']
          }
          width={width}
          height={height}
          active={active}
          onBack={back}
        />
      );
    if (compare) {
      const compared = compare.flatMap((id) => runs.find((r) => r.id === id) ?? []);
      return <CompareView rows={compared} width={width} height={height} active={active} />;
    }
    if (runOpen !== undefined) {
      const run = runs.find((r) => r.id === runOpen);
      if (!run)
        return (
          <TextDetails
            lines={[
              `run ${runOpen}: not in the queue's list (it may have been removed)`,
              '',
              'Esc goes back.',
            ]}
            width={width}
            height={height}
            active={active}
            onBack={back}
          />
        );
      return (
        <AiRunView
          row={run}
          width={width}
          height={height}
          active={active}
          paramsFirst={Object.keys(openRow.info.grid)}
        />
      );
    }
    return (
      <RunsView experiment={openRow} width={width} height={height} active={active} onNew={onNew(openRow)} />
    );
  }

  const running = runs.filter((r) => r.status === 'active').length;
  const invalid = rows.filter((r) => r.info.errors.length > 0 && r.info.file).length;
  const summary = [
    ` ${countOrReading(loading, shownCount(table.view.length, rows.length, 'experiment'))}`,
    `${runs.length} run${runs.length === 1 ? '' : 's'}`,
    ...(running ? [`${running} running`] : []),
    ...(invalid ? [`${invalid} with errors`] : []),
    ...(readOnly ? ['READ-ONLY'] : []),
  ].join(' · ');
  const note = experimentNote(table.cursorRow);
  return (
    <Box flexDirection="column" width={width} height={height}>
      <SummaryTable
        summary={summary}
        summaryColor={invalid || readOnly ? theme.warn : theme.muted}
        table={table}
        columns={columns}
        width={width}
        height={tableHeight + 1}
        noColor={theme.noColor}
        loading={loading}
        emptyMessage="No experiments: add ai/experiments/NAME.yaml to the workspace (README, AI workloads)."
      />
      <NoteLines note={note} width={width} colors={theme} />
    </Box>
  );
}

const runsView: ScreenView = {
  id: 'aiRuns',
  title: 'runs',
  scopes: ['table'],
  hints: [
    { action: 'ai.open', label: 'open' },
    { action: 'table.select', label: 'select' },
    { action: 'ai.compare', label: 'compare' },
    { action: 'ai.new', label: 'new run' },
    { action: 'ai.cancel', label: 'cancel' },
    { action: 'ai.retry', label: 'retry' },
    { action: 'view.back', label: 'back' },
  ],
};
/** A run: `l` shows the log alone, or the chart again when it does (the hint says which it does now). */
const runViewOf = (l: string): ScreenView => ({
  id: 'aiRun',
  title: 'run',
  scopes: ['log'],
  hints: [
    { action: 'ai.metric', label: 'metric' },
    { action: 'ai.logOnly', label: l },
    { action: 'ai.cancel', label: 'cancel' },
    { action: 'ai.retry', label: 'retry' },
    { action: 'nav.bottom', label: 'follow' },
    { action: 'view.back', label: 'back' },
    { action: 'log.search', label: 'search' },
  ],
});
const runView = runViewOf('log only');
const runLogOnlyView = runViewOf('chart');
const compareView: ScreenView = {
  id: 'aiCompare',
  title: 'compare',
  scopes: [],
  hints: [
    { action: 'ai.metric', label: 'metric' },
    { action: 'ai.metricPrev', label: 'previous' },
    { action: 'view.back', label: 'back' },
  ],
};

/** A note shown in place of what was opened (not there, or the files not read yet): a text view, Esc goes back. */
const noteView: ScreenView = {
  id: 'aiNote',
  title: 'note',
  scopes: ['log'],
  hints: [
    { action: 'view.back', label: 'back' },
    { action: 'log.search', label: 'search' },
  ],
};

/** `n`: the form takes every key but Ctrl-C; its keys are written under it. */
const formView: ScreenView = {
  id: 'aiNewRun',
  title: 'start runs',
  scopes: [],
  hints: ['Tab next field', 'Enter start', 'Esc back'],
  takesKeys: true,
};

/** The start form of an experiment, open over the experiments or its runs: `newRun:NAME` in the tab's views. */
const NEW_RUN = 'newRun:';
function newRunOf(views: readonly string[] | undefined): string | undefined {
  const top = views?.[views.length - 1];
  return top?.startsWith(NEW_RUN) ? top.slice(NEW_RUN.length) : undefined;
}

/** What the tab shows, from the store: the tab draws it and `aiView` names its keys, so the two never differ. */
type AiShown = 'form' | 'experiments' | 'reading' | 'noExperiment' | 'compare' | 'runs' | 'run' | 'noRun';

function aiShown(s: Pick<DeckState, 'ai' | 'jobs' | 'ui'>): AiShown {
  const { experiment, experiments, run, compare } = s.ai;
  const runs = aiRunRowsOf(s);
  // An experiment's row is its file, or the runs of one whose file went (`experimentRows`).
  const listed = (name: string) =>
    experiments?.some((e) => e.name === name) || runs.some((r) => r.experiment === name);
  const form = newRunOf(s.ui.views.ai);
  if (form !== undefined && listed(form)) return 'form';
  if (experiment === undefined) return 'experiments';
  if (!listed(experiment)) return experiments === undefined ? 'reading' : 'noExperiment';
  if (compare) return 'compare';
  if (run === undefined) return 'runs';
  return runs.some((r) => r.id === run) ? 'run' : 'noRun';
}

const views: Record<AiShown, ScreenView | undefined> = {
  form: formView,
  experiments: undefined,
  reading: noteView,
  noExperiment: noteView,
  compare: compareView,
  runs: runsView,
  run: runView,
  noRun: noteView,
};

function aiView(s: DeckState): ScreenView | undefined {
  const shown = aiShown(s);
  return shown === 'run' && logOnlyOf(s) ? runLogOnlyView : views[shown];
}

const runKeys = (scope: string): ActionDef[] => [
  {
    id: 'ai.new',
    keys: ['n'],
    description: "Start a run: a form over the experiment's params and grid",
    scope,
  },
  { id: 'ai.cancel', keys: ['c'], description: 'Cancel the run (asks; refused read-only)', scope },
  {
    id: 'ai.retry',
    keys: ['R'],
    description: 'Run a failed or cancelled run again (asks; refused read-only)',
    scope,
  },
];
const metricKeys = (scope: string): ActionDef[] => [
  { id: 'ai.metric', keys: ['m'], description: 'Chart the next metric', scope },
  { id: 'ai.metricPrev', keys: ['M'], description: 'Chart the previous metric', scope },
];

export const aiScreen: Screen = {
  id: 'ai',
  title: 'AI',
  short: 'AI',
  aliases: ['experiments', 'ml', 'training'],
  actions: [
    { id: 'ai.open', keys: ['enter'], description: 'The runs of the experiment', scope: 'ai' },
    {
      id: 'ai.new',
      keys: ['n'],
      description: "Start a run: a form over the experiment's params and grid",
      scope: 'ai',
    },
    {
      id: 'ai.reload',
      keys: ['r'],
      description: 'Read the experiment files and the runs again',
      scope: 'ai',
    },
    copyAction('ai', "Copy the experiment's file (OSC 52)"),
    // No action takes several experiments: the list offers no Space/Ctrl-A selection that would do nothing.
    ...filterSortActions('ai'),
    {
      id: 'ai.open',
      keys: ['enter'],
      description: 'The run: its chart, checkpoints and log; with 2–4 runs selected, compare them',
      scope: 'aiRuns',
    },
    {
      id: 'ai.compare',
      keys: ['d'],
      description: 'Compare the selected runs (2–4): one chart, the params diff',
      scope: 'aiRuns',
    },
    ...runKeys('aiRuns'),
    { id: 'ai.reload', keys: ['r'], description: 'Read the runs again', scope: 'aiRuns' },
    copyAction('aiRuns', "Copy the run's id (OSC 52)"),
    { id: 'view.back', keys: ['esc'], description: 'Back to the experiments', scope: 'aiRuns' },
    ...metricKeys('aiRun'),
    { id: 'ai.logOnly', keys: ['l'], description: 'The log alone / the chart and the log', scope: 'aiRun' },
    // `n` is the log search's next match there (`log` scope), as in every log view: a new run is started from
    // the runs, one Esc away.
    ...runKeys('aiRun').filter((a) => a.id !== 'ai.new'),
    copyAction('aiRun', "Copy the run's id (OSC 52)"),
    ...metricKeys('aiCompare'),
    copyAction('aiCompare', "Copy the compared runs' ids (OSC 52)"),
    { id: 'view.back', keys: ['esc'], description: 'Back to the runs', scope: 'aiCompare' },
  ],
  scopes: ['list'],
  hints: [
    { action: 'ai.open', label: 'runs' },
    { action: 'ai.new', label: 'new run' },
    { action: 'ai.reload', label: 'reload' },
  ],
  Component: AiScreen,
  view: aiView,
  args: '[experiment]',
  complete: (_prefix, state) => (state.ai.experiments ?? []).map((e) => e.name),
  open: (args, actions) => {
    actions.ui.closeView('ai', { all: true });
    if (args[0]) actions.ai.openExperiment(args[0]);
    else actions.ai.closeAll();
    return args.length > 1 ? `:ai ${args.join(' ')}: one experiment name` : undefined;
  },
};
