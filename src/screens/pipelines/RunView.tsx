import { Box, Text } from 'ink';
import { useMemo } from 'react';
import { fitCell } from '../../components/fitCell';
import { fitParts } from '../../components/fitParts';
import { SummaryTable } from '../../components/SummaryTable';
import { shownCount } from '../../components/shownCount';
import { useTable } from '../../components/useTable';
import { isFinished, type PipelineRun } from '../../domain/pipelineClient';
import type { PipelineRow } from '../../domain/pipelineRows';
import { displayWidth, fitWidth, formatAgo, stripControl } from '../../domain/text';
import { type OpenRun, openRunIndex } from '../../state/slices/pipelines';
import type { DeckActions, DeckStore } from '../../state/store';
import { useCopy } from '../../ui/clipboard';
import { useActions, useDeck, useDeckContext } from '../../ui/deckContext';
import { useKeys } from '../../ui/keyDispatcher';
import { slowClockMs, useClock } from '../../ui/useClock';
import { durationText, isStale, statusColor } from './pipelineColumns';
import { askCancel, askRerun, askTrigger } from './pipelineConfirmations';
import { noLogReason, type RunJobRow, runJobColumns, runJobRows } from './runJobColumns';

/** `r`: the run's jobs read again, and what was read said (the same jobs show no change). */
async function reloadAndSay(runId: string, actions: DeckActions, store: DeckStore): Promise<void> {
  await actions.pipelines.reloadRun();
  const open = store.getState().pipelines.open;
  if (!open || open.run.id !== runId || open.error) return;
  const jobs = open.jobs?.length ?? 0;
  const what = open.run.source === 'local' ? 'step' : 'job';
  actions.ui.notify('info', `read run ${runId} again: ${jobs} ${what}${jobs === 1 ? '' : 's'}`);
}

/** `github acme/web · CI · run 4242 (attempt 2)`: which run this is. */
export function runTitle(row: PipelineRow, run: PipelineRun): string {
  const where =
    row.source === 'local'
      ? `local${row.repo ? ` ${row.repo}` : ''}`
      : `${row.source} ${row.remote?.path ?? row.repo}`;
  const attempt = run.attempt && run.attempt > 1 ? ` (attempt ${run.attempt})` : '';
  const stale = isStale(row) ? '*' : '';
  return `${where} · ${row.pipeline} · run ${run.id}${attempt} · ${run.status.toUpperCase()}${stale}`;
}

/** A branch is cut in its middle past this many columns when the rest of its line needs the room. */
const branchMin = 16;

/**
 * The run's branch for its line: whole when the line has room for it beside `others` (the other parts), else cut
 * in its middle (`feature/JIRA-…-checkout`) down to `branchMin`, so that a long branch does not push who started
 * the run, when and how long it took off the line (the line gives its parts whole or not at all).
 */
export function branchPart(branch: string, width: number, others: readonly string[]): string {
  const rest = others.filter(Boolean);
  const room = width - displayWidth(rest.join(' · ')) - ' · '.length;
  const max = Math.max(branchMin, room);
  return displayWidth(branch) <= max ? branch : fitCell(branch, max, 'left', 'middle').trimEnd();
}

/**
 * Enter on a row: its latest run (`[` older, `]` newer) with its jobs, a GitHub job's steps under it, a GitLab
 * job's stage; Enter on a job opens its log.
 */
export function RunView({
  row,
  open,
  run,
  width,
  height,
  active,
}: {
  row: PipelineRow;
  open: OpenRun;
  run: PipelineRun;
  width: number;
  height: number;
  active: boolean;
}) {
  const { theme, store } = useDeckContext();
  const actions = useActions();
  const readOnly = useDeck((s) => s.workspace.readOnly);
  const filterText = useDeck((s) => s.ui.filters.pipelineRun ?? '');
  const copy = useCopy();
  const live = run.status === 'running' || (open.jobs ?? []).some((j) => j.status === 'running');
  // An ended run's ages go on too ("started just now" would stay so for good), only less often.
  const now = useClock(active, live ? 1_000 : slowClockMs);

  const rows = useMemo(() => runJobRows(open.jobs ?? []), [open.jobs]);
  const stages = row.source === 'gitlab';
  // The provider failed since (the row is stale) or the jobs could not be read again: what shows is the last read.
  const stale = isStale(row);
  const staleJobs = stale || open.error !== undefined;
  const columns = useMemo(() => runJobColumns(() => now, stages, staleJobs), [now, stages, staleJobs]);
  const tableHeight = Math.max(3, height - 2);
  const table = useTable<RunJobRow>({
    rows,
    columns,
    rowKey: (r) => r.key,
    filterText,
    height: tableHeight - 1,
  });

  useKeys(
    'screen',
    (press) => {
      const action = press.action(['pipelineRun', 'list']);
      const cursor = table.cursorRow;
      // Esc clears a kept filter first, then goes back (as in the Repositories tab's commits, and in k9s).
      if (action === 'view.back') {
        if (filterText) actions.ui.setFilter('pipelineRun', '');
        else actions.pipelines.closeRun();
      } else if (action === 'pipeline.log' && cursor) {
        const why = noLogReason(cursor.job);
        if (why) actions.ui.notify('info', why);
        else void actions.pipelines.openJob(cursor.job);
      } else if (action === 'pipeline.older') void actions.pipelines.stepRun(1);
      else if (action === 'pipeline.newer') void actions.pipelines.stepRun(-1);
      else if (action === 'pipeline.trigger') void askTrigger(row, actions, readOnly);
      else if (action === 'pipeline.rerun') askRerun(row, run, actions, readOnly);
      else if (action === 'pipeline.cancel') askCancel(row, run, actions, readOnly);
      else if (action === 'pipeline.refresh') void reloadAndSay(run.id, actions, store);
      else if (action === 'clipboard.copy') copy(run.url ?? run.id);
      else if (action === 'table.filter') actions.ui.openOverlay('filter');
      else if (!action || !table.act(action)) return false;
      return true;
    },
    active,
  );

  const took = durationText(run, now, stale);
  // Where this run is among the row's (counted from the oldest kept, as run ids count; `[`/`]` on the hint line step
  // through them) goes first: the line gives its values whole or not at all, from the left.
  const index = openRunIndex(row, open);
  const position =
    row.runs.length > 1 ? `run ${row.runs.length - index} of ${row.runs.length}` : 'the only run';
  const after = [
    run.commit?.slice(0, 7) ?? '',
    run.event ?? '',
    run.who ? `by ${run.who}` : '',
    run.startedAt !== undefined ? `started ${formatAgo(now - run.startedAt)}` : 'not started',
    // A run going on has run so long, not taken it (a stale one may have ended since: it took at least that).
    took ? `${isFinished(run.status) || stale ? 'took' : 'running for'} ${took}` : '',
  ].map(stripControl);
  const sub = fitParts(
    [position, branchPart(stripControl(run.branch ?? ''), width, [position, ...after]), ...after],
    width,
  );
  const jobs = open.jobs ?? [];
  const failed = jobs.filter((j) => j.status === 'failed').length;
  const waiting = jobs.filter((j) => j.status === 'waiting').length;
  const manual = jobs.filter((j) => j.status === 'manual').length;
  const what = row.source === 'local' ? 'step' : 'job';
  // A `/` filter shows some of them (`1 of 2 steps`): a GitHub job counts as shown when any of its lines is.
  const shownJobs = new Set(table.view.map((r) => r.job)).size;
  const caption = open.error
    ? ` ${stripControl(open.error)}${jobs.length ? ' (the last jobs read are shown)' : ''}`
    : open.loading && !open.jobs
      ? ` reading the ${what}s…`
      : ` ${shownCount(shownJobs, jobs.length, what)}${failed ? ` · ${failed} failed` : ''}${waiting ? ` · ${waiting} waiting` : ''}${manual ? ` · ${manual} manual` : ''}${run.url ? ` · ${run.url}` : ''} · Enter its log`;
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text bold color={theme.noColor ? undefined : statusColor[run.status]}>
        {fitWidth(runTitle(row, run), width)}
      </Text>
      <Text color={theme.muted}>{sub}</Text>
      <SummaryTable
        summary={caption}
        summaryColor={open.error ? theme.error : theme.muted}
        table={table}
        columns={columns}
        width={width}
        height={tableHeight}
        noColor={theme.noColor}
        emptyMessage={
          open.loading ? 'reading…' : `No ${what}s in this run${filterText ? ' match the filter' : ''}.`
        }
      />
    </Box>
  );
}
