import { Box } from 'ink';
import { useEffect, useMemo } from 'react';
import { countOrReading } from '../../components/listReading';
import { NoteLines } from '../../components/NoteLines';
import { SummaryTable } from '../../components/SummaryTable';
import { shownCount } from '../../components/shownCount';
import { useTable } from '../../components/useTable';
import { isFinished } from '../../domain/pipelineClient';
import { type PipelineRow, pipelineTarget } from '../../domain/pipelineRows';
import { formatAge, formatAgo, stripControl } from '../../domain/text';
import type { HostQuota } from '../../state/services/pipelines';
import { pipelineRowsOf } from '../../state/slices/pipelines';
import type { DeckState } from '../../state/store';
import { useCopy } from '../../ui/clipboard';
import { useActions, useDeck, useDeckContext } from '../../ui/deckContext';
import { type ActionDef, copyAction, filterSortActions } from '../../ui/keymap';
import { loadingWhile, useListKeys } from '../../ui/listKeys';
import type { Screen, ScreenProps, ScreenView } from '../../ui/screen';
import { useClock } from '../../ui/useClock';
import { TextDetails } from '../TextDetails';
import { JobLogView } from './JobLogView';
import { isStale, pipelineColumns } from './pipelineColumns';
import { askCancel, askRerun, askTrigger } from './pipelineConfirmations';
import { RunView } from './RunView';

/**
 * `github.com 4812/5000 left (reset in 41m)`: what each host said is left of its API quota. Once its reset time
 * has passed, what was left then says nothing (`0/600 left` after a 429 would read as still blocked): `?/600 left`
 * until the host answers again.
 */
export function quotaText(quotas: readonly HostQuota[], now: number): string {
  return quotas
    .map(({ host, quota }) => {
      const limit = quota.limit !== undefined ? `/${quota.limit}` : '';
      if (quota.resetAt !== undefined && quota.resetAt <= now) return `${host} ?${limit} left`;
      const reset = quota.resetAt !== undefined ? ` (reset in ${formatAge(quota.resetAt - now)})` : '';
      return `${host} ${quota.remaining}${limit} left${reset}`;
    })
    .join(' · ');
}

/** The line under the table: the cursor row in full (its problem, or its last run). */
export function rowNote(row: PipelineRow | undefined, now: number): { text: string; error: boolean } {
  if (!row) return { text: '', error: false };
  const last = row.runs[0];
  if (row.problem !== undefined) {
    const stale = isStale(row) ? 'STALE (last known runs): ' : '';
    return { text: `${stale}${stripControl(row.problem)}`, error: row.problemKind !== 'no-remote' };
  }
  if (!last)
    return { text: `${row.file ?? row.remote?.path ?? row.pipeline}: never run · t starts it`, error: false };
  const started = last.startedAt !== undefined ? `started ${formatAgo(now - last.startedAt)}` : 'not started';
  return {
    text: [
      `run ${last.id}`,
      last.commit?.slice(0, 7),
      last.event,
      last.who ? `by ${last.who}` : '',
      started,
      last.url ?? row.file,
      'Enter its jobs',
    ]
      .filter(Boolean)
      .join(' · '),
    error: false,
  };
}

function PipelinesScreen({ width, height, active }: ScreenProps) {
  const { theme } = useDeckContext();
  const actions = useActions();
  const rows = useDeck(pipelineRowsOf);
  const local = useDeck((s) => s.pipelines.local);
  const remoteLoading = useDeck((s) => s.pipelines.remoteLoading);
  const remoteAt = useDeck((s) => s.pipelines.remoteAt);
  const quotas = useDeck((s) => s.pipelines.quotas);
  const open = useDeck((s) => s.pipelines.open);
  const openJob = useDeck((s) => s.pipelines.openJob);
  const readOnly = useDeck((s) => s.workspace.readOnly);
  const filterText = useDeck((s) => s.ui.filters.pipelines ?? '');
  const copy = useCopy();

  // The files are read when the tab is shown and the workspace's followed while it is (an edit shows at once);
  // remote polling follows `active`.
  useEffect(() => {
    if (!active) return actions.pipelines.setShown('pipelines', false);
    // The local rows first: remote rows that came before them would keep the cursor off the first row.
    let shown = true;
    void actions.pipelines
      .reloadLocal()
      .finally(() => shown && actions.pipelines.setShown('pipelines', true));
    const unfollow = actions.pipelines.followLocal();
    return () => {
      shown = false;
      unfollow();
    };
  }, [active, actions]);
  useEffect(() => () => actions.pipelines.setShown('pipelines', false), [actions]);
  const now = useClock(active);

  const columns = useMemo(() => pipelineColumns(() => now, theme.noColor), [now, theme.noColor]);
  const tableHeight = Math.max(2, height - 3);
  const table = useTable({ rows, columns, rowKey: (r) => r.key, filterText, height: tableHeight });

  const loading = loadingWhile(local === undefined, rows, 'pipelines');
  useListKeys(
    { scope: 'pipelines', loading },
    (press) => {
      const action = press.action(['pipelines', 'list']);
      const row = table.cursorRow;
      if (action === 'pipeline.open' && row) void actions.pipelines.openRun(row.key);
      else if (action === 'pipeline.trigger' && row) void askTrigger(row, actions, readOnly);
      else if (action === 'pipeline.rerun' && row) askRerun(row, row.runs[0], actions, readOnly);
      else if (action === 'pipeline.cancel' && row) askCancel(row, row.runs[0], actions, readOnly);
      else if (action === 'pipeline.refresh') void actions.pipelines.reload();
      else if (action === 'clipboard.copy') copy(row?.runs[0]?.url ?? row?.runs[0]?.id ?? row?.file);
      else if (action === 'table.filter') actions.ui.openOverlay('filter');
      else if (!action || !table.act(action)) return false;
      return true;
    },
    active && !open,
  );

  if (open) {
    const row = rows.find((r) => r.key === open.rowKey);
    // The run as the table has it now (a local run's status follows the events); the one opened otherwise.
    const run = row?.runs.find((r) => r.id === open.run.id) ?? open.run;
    if (!row)
      return (
        <TextDetails
          lines={[
            `${open.run.source}${open.run.repo ? ` ${open.run.repo}` : ''} · ${open.run.workflow} · run ${open.run.id}: no longer listed`,
            open.run.source === 'local'
              ? 'Its pipeline file was deleted or renamed, or its repository left the Repositories tab.'
              : 'Its repository left the Repositories tab, or its remote changed.',
            '',
            'Esc goes back to the list.',
          ]}
          width={width}
          height={height}
          active={active}
          onBack={() => actions.pipelines.closeRun()}
        />
      );
    // The run stays mounted under a job's log: Esc comes back to the job it was on (cursor, filter, sort), not the
    // top of a run of thirty steps.
    return (
      <Box flexDirection="column" width={width} height={height}>
        {openJob ? (
          <JobLogView run={run} open={openJob} width={width} height={height} active={active} />
        ) : null}
        <Box display={openJob ? 'none' : 'flex'} flexDirection="column" width={width} height={height}>
          <RunView
            row={row}
            open={open}
            run={run}
            width={width}
            height={height}
            active={active && !openJob}
          />
        </Box>
      </Box>
    );
  }

  // A stale row's run was running when last read: not known to run now (the stale count says it).
  const running = rows.filter((r) => r.runs[0]?.status === 'running' && !isStale(r)).length;
  const failing = rows.filter((r) => r.runs[0]?.status === 'failed').length;
  const stale = rows.filter(isStale).length;
  const quota = quotaText(quotas, now);
  const summary = [
    ` ${countOrReading(loading, shownCount(table.view.length, rows.length, 'pipeline'))}`,
    ...(running ? [`${running} running`] : []),
    ...(failing ? [`${failing} failing`] : []),
    ...(stale ? [`* ${stale} stale`] : []),
    remoteLoading
      ? 'refreshing…'
      : remoteAt
        ? `remote read ${formatAgo(now - remoteAt)}`
        : 'remote not read yet',
    ...(quota ? [quota] : []),
    ...(readOnly ? ['READ-ONLY'] : []),
  ].join(' · ');
  const note = rowNote(table.cursorRow, now);
  return (
    <Box flexDirection="column" width={width} height={height}>
      <SummaryTable
        summary={summary}
        summaryColor={stale || readOnly ? theme.warn : theme.muted}
        table={table}
        columns={columns}
        width={width}
        height={tableHeight + 1}
        noColor={theme.noColor}
        loading={loading}
        emptyMessage="No pipelines: add pipelines/NAME.yaml to the workspace or .infradeck/pipeline.yaml to a repository, or list repositories with a GitHub or GitLab origin (README, Pipelines)."
      />
      <NoteLines note={note} width={width} colors={theme} />
    </Box>
  );
}

/**
 * The open run's hints follow it, as a job's do: `c cancel` while it has not ended, `R re-run failed` once it has
 * (at 80 columns the line has room for one of them, and the other would do nothing but say so).
 */
const runViewOf = (action: 'pipeline.cancel' | 'pipeline.rerun'): ScreenView => ({
  id: 'pipelineRun',
  title: 'run',
  scopes: ['list'],
  hints: [
    { action: 'pipeline.log', label: 'log' },
    { action: 'pipeline.older', label: 'older' },
    { action: 'pipeline.newer', label: 'newer' },
    action === 'pipeline.cancel' ? { action, label: 'cancel' } : { action, label: 're-run failed' },
    { action: 'clipboard.copy', label: 'copy url' },
    { action: 'view.back', label: 'back' },
  ],
});
const runViews = { running: runViewOf('pipeline.cancel'), ended: runViewOf('pipeline.rerun') };
const logView: ScreenView = {
  id: 'pipelineLog',
  title: 'job log',
  scopes: ['log'],
  hints: [
    { action: 'nav.bottom', label: 'follow' },
    { action: 'view.wrap', label: 'wrap' },
    { action: 'pipeline.refresh', label: 'reload' },
    { action: 'clipboard.copy', label: 'copy url' },
    { action: 'view.back', label: 'back' },
    { action: 'log.search', label: 'search' },
  ],
};

/** The open run's row went away (its file deleted, its repository no longer listed): a text that says so. */
const goneView: ScreenView = {
  id: 'pipelineGone',
  title: 'gone',
  scopes: ['log'],
  hints: [
    { action: 'view.back', label: 'back' },
    { action: 'log.search', label: 'search' },
  ],
};

function pipelinesView(s: DeckState): ScreenView | undefined {
  const open = s.pipelines.open;
  if (!open) return undefined;
  const row = pipelineRowsOf(s).find((r) => r.key === open.rowKey);
  if (!row) return goneView;
  if (s.pipelines.openJob) return logView;
  // The run as the table has it now (its status follows the events), as the view shows it.
  const run = row.runs.find((r) => r.id === open.run.id) ?? open.run;
  return isFinished(run.status) ? runViews.ended : runViews.running;
}

/** The keys that act on a run, on the table (its latest run) and in the run view alike. */
const runActions = (scope: string): ActionDef[] => [
  {
    id: 'pipeline.trigger',
    keys: ['t'],
    description: 'Trigger a run (local: asks; remote: a form for the branch and inputs / variables)',
    scope,
  },
  {
    id: 'pipeline.rerun',
    keys: ['R'],
    description: 'Re-run the failed jobs / steps of the run (asks; refused read-only)',
    scope,
  },
  { id: 'pipeline.cancel', keys: ['c'], description: 'Cancel the run (asks; refused read-only)', scope },
];

export const pipelinesScreen: Screen = {
  id: 'pipelines',
  title: 'Pipelines',
  short: 'CI',
  aliases: ['ci', 'pipeline', 'builds'],
  actions: [
    {
      id: 'pipeline.open',
      keys: ['enter'],
      description: 'The latest run: its jobs / steps',
      scope: 'pipelines',
    },
    ...runActions('pipelines'),
    {
      id: 'pipeline.refresh',
      keys: ['r'],
      description: 'Read the pipeline files, the local runs and the remote runs again',
      scope: 'pipelines',
    },
    copyAction('pipelines', "Copy the latest run's URL (local: its id) (OSC 52)"),
    ...filterSortActions('pipelines'),
    {
      id: 'pipeline.log',
      keys: ['enter'],
      description: "The job's log (follows while it runs)",
      scope: 'pipelineRun',
    },
    {
      id: 'pipeline.older',
      keys: ['['],
      description: 'The older run of this pipeline',
      scope: 'pipelineRun',
    },
    {
      id: 'pipeline.newer',
      keys: [']'],
      description: 'The newer run of this pipeline',
      scope: 'pipelineRun',
    },
    ...runActions('pipelineRun'),
    { id: 'pipeline.refresh', keys: ['r'], description: "Read the run's jobs again", scope: 'pipelineRun' },
    copyAction('pipelineRun', "Copy the run's URL (local: its id) (OSC 52)"),
    ...filterSortActions('pipelineRun'),
    { id: 'view.back', keys: ['esc'], description: 'Back to the pipelines', scope: 'pipelineRun' },
    { id: 'pipeline.refresh', keys: ['r'], description: 'Read the log again', scope: 'pipelineLog' },
    copyAction('pipelineLog', "Copy the job's URL (local: its id) (OSC 52)"),
  ],
  // No selection, here nor in a run: every action takes one pipeline, one run or one job.
  scopes: ['list'],
  hints: [
    { action: 'pipeline.open', label: 'run' },
    { action: 'pipeline.trigger', label: 'trigger' },
    { action: 'pipeline.rerun', label: 're-run' },
    { action: 'pipeline.cancel', label: 'cancel' },
    { action: 'pipeline.refresh', label: 'refresh' },
  ],
  Component: PipelinesScreen,
  view: pipelinesView,
  args: '[pipeline]',
  // What `infradeck pipeline run` takes: a local pipeline's name, `REPO:WORKFLOW` for a remote one.
  complete: (_prefix, state) =>
    pipelineRowsOf(state).flatMap((r) => {
      const target = pipelineTarget(r);
      return target ? [target] : [];
    }),
  open: (args, actions) => {
    actions.pipelines.closeRun();
    if (args.length > 1) return `:pipelines ${args.join(' ')}: one pipeline name`;
    return args[0] ? actions.pipelines.openNamed(args[0]) : undefined;
  },
};
