import { Box } from 'ink';
import { useEffect, useMemo } from 'react';
import { NoteLines } from '../../components/NoteLines';
import { SummaryTable } from '../../components/SummaryTable';
import { shownCount } from '../../components/shownCount';
import { useTable } from '../../components/useTable';
import { type AiRunRow, type ExperimentRow, paramsText, varyingParams } from '../../domain/aiRunRows';
import { isFinished } from '../../domain/job';
import { stripControl } from '../../domain/text';
import { useCopy } from '../../ui/clipboard';
import { useActions, useDeck, useDeckContext } from '../../ui/deckContext';
import { useKeys } from '../../ui/keyDispatcher';
import { useClock } from '../../ui/useClock';
import { runColumns } from './aiColumns';
import { askCancel, askRetry } from './aiConfirmations';
import { reloadAndSay } from './aiReload';

/** The line under the table: the cursor run's command, or why it failed; with no run, what stops one starting. */
function runNote(
  row: AiRunRow | undefined,
  selected: number,
  errors: readonly string[],
): { text: string; error: boolean } {
  const select =
    selected === 0
      ? 'Space selects runs to compare'
      : `${selected} selected: ${selected >= 2 && selected <= 4 ? 'Enter compares them' : 'compare takes 2 to 4'}`;
  if (!row && errors.length)
    return { text: `cannot start: ${stripControl(errors.join(' · '))}`, error: true };
  if (!row) return { text: `n starts a run · ${select}`, error: false };
  if (row.error)
    return { text: `run ${row.id}: ${stripControl(row.error)} · ${select}`, error: row.status === 'failed' };
  return {
    text: `run ${row.id}: ${stripControl(row.argv.join(' '))} · ${row.where} · ${row.points} points · ${select}`,
    error: false,
  };
}

/** `best lr=0.1 (run 7)`; a run of no params is named alone: `best run 7`. */
function bestOf(run: AiRunRow, varying: readonly string[]): string {
  const params = paramsText(run.params, varying);
  return params ? `best ${params} (run ${run.id})` : `best run ${run.id}`;
}

/** Enter on an experiment: its runs, newest first, with the main metric's best value and a sparkline of it. */
export function RunsView({
  experiment,
  width,
  height,
  active,
  onNew,
}: {
  experiment: ExperimentRow;
  width: number;
  height: number;
  active: boolean;
  onNew: () => void;
}) {
  const { theme, store } = useDeckContext();
  const actions = useActions();
  const copy = useCopy();
  const readOnly = useDeck((s) => s.workspace.readOnly);
  const sparks = useDeck((s) => s.ai.sparks);
  const live = useDeck((s) => s.ai.live);
  const filterText = useDeck((s) => s.ui.filters.aiRuns ?? '');
  const rows = experiment.runs;
  const running = experiment.active > 0;
  const now = useClock(active && running);

  // Finished runs' sparklines come from the store, a few at a time.
  useEffect(() => {
    if (!active) return;
    const missing = rows.filter((r) => isFinished(r.status) && !sparks[r.id]).map((r) => r.id);
    if (missing.length > 0) void actions.ai.loadSparks(missing);
  }, [active, rows, sparks, actions]);

  // The params that tell the runs apart first: those that differ, and the grid's keys.
  const grid = experiment.info.grid;
  const varying = useMemo(() => [...new Set([...varyingParams(rows), ...Object.keys(grid)])], [rows, grid]);
  const columns = useMemo(
    () =>
      runColumns(
        () => now,
        varying,
        (r) => {
          const name = r.metric?.name;
          const fromLive = name ? live[r.id]?.spark[name] : undefined;
          return isFinished(r.status) ? (sparks[r.id] ?? fromLive) : (fromLive ?? sparks[r.id]);
        },
      ),
    [now, varying, sparks, live],
  );
  const tableHeight = Math.max(3, height - 2);
  const table = useTable({ rows, columns, rowKey: (r) => r.id, filterText, height: tableHeight - 1 });

  useKeys(
    'screen',
    (press) => {
      const action = press.action(['aiRuns', 'table']);
      const row = table.cursorRow;
      const selected = table.selectedRows;
      // Esc clears a kept filter first, then goes back (as in the Repositories tab's commits, and in k9s).
      if (action === 'view.back') {
        if (filterText) actions.ui.setFilter('aiRuns', '');
        else actions.ai.back();
      } else if (action === 'ai.open') {
        if (selected.length >= 2) void actions.ai.openCompare(selected.map((r) => r.id));
        else if (row) void actions.ai.openRun(row.id);
      } else if (action === 'ai.compare') void actions.ai.openCompare(selected.map((r) => r.id));
      else if (action === 'ai.new') onNew();
      else if (action === 'ai.cancel') askCancel(row, actions, readOnly);
      else if (action === 'ai.retry') askRetry(row, actions, readOnly);
      else if (action === 'ai.reload') void reloadAndSay(actions, store);
      else if (action === 'clipboard.copy') copy(row?.id);
      else if (action === 'table.filter') actions.ui.openOverlay('filter');
      else if (!action || !table.act(action)) return false;
      return true;
    },
    active,
  );

  const { info } = experiment;
  const failed = experiment.failed;
  const summary = [
    ` ${info.name}`,
    shownCount(table.view.length, rows.length, 'run'),
    ...(experiment.active ? [`${experiment.active} running`] : []),
    ...(failed ? [`${failed} failed`] : []),
    info.metric
      ? `main metric ${info.metric.name} (${info.metric.goal})`
      : 'no main metric: the first printed',
    ...(experiment.best ? [bestOf(experiment.best.run, varying)] : []),
    ...(readOnly ? ['READ-ONLY'] : []),
  ].join(' · ');
  const note = runNote(table.cursorRow, table.selectedRows.length, info.errors);
  return (
    <Box flexDirection="column" width={width} height={height}>
      <SummaryTable
        summary={summary}
        summaryColor={readOnly ? theme.warn : theme.muted}
        table={table}
        columns={columns}
        width={width}
        height={tableHeight}
        noColor={theme.noColor}
        emptyMessage={
          info.errors.length
            ? `No runs of ${info.name}: none can start before its file is fixed (below).`
            : `No runs of ${info.name} yet: n starts one (or infradeck ai run ${info.name}).`
        }
      />
      <NoteLines note={note} width={width} colors={theme} />
    </Box>
  );
}
