import { Box, Text } from 'ink';
import { useMemo } from 'react';
import { fitParts } from '../../components/fitParts';
import { SummaryTable } from '../../components/SummaryTable';
import { shownCount } from '../../components/shownCount';
import { useTable } from '../../components/useTable';
import { durationSetting, pauseText } from '../../domain/batchDuration';
import { batchActionText } from '../../domain/batchPlan';
import type { BatchRunView } from '../../domain/batchRun';
import { serialText } from '../../domain/batchSerial';
import { fitWidth, formatAgo, stripControl } from '../../domain/text';
import { useCopy } from '../../ui/clipboard';
import { useActions, useDeck, useDeckContext } from '../../ui/deckContext';
import { useKeys } from '../../ui/keyDispatcher';
import { slowClockMs, useClock } from '../../ui/useClock';
import { runStatusColor } from './batchColumns';
import { advance, askCancel, askRetry } from './batchConfirmations';
import { type TargetRow, targetColumns } from './targetColumns';
import { waveLines } from './waveLines';

/** The run's settings in one line: `serial 1 · any failure stops · pause 30s · timeout 2m`. */
export function runSettings(run: BatchRunView): string {
  const p = run.payload;
  const maxFail = p.maxFailPercentage ?? 0;
  return [
    `serial ${serialText(p.serial ?? [])}`,
    maxFail === 0 ? 'any failure stops' : `stops above ${maxFail}% failed in a wave`,
    p.pause ? `pause ${pauseText(p.pause)}` : 'no pause',
    `timeout ${durationSetting(p.timeoutMs)}`,
    ...(p.retryOf ? [`retry of job ${p.retryOf}`] : []),
  ].join(' · ');
}

/**
 * Enter on a run: a line per wave with its progress, then a line per target (wave, status, exit code, how long,
 * the last line of output); Enter on a target opens its output.
 */
export function RunDetailsView({
  run,
  width,
  height,
  active,
}: {
  run: BatchRunView;
  width: number;
  height: number;
  active: boolean;
}) {
  const { theme } = useDeckContext();
  const actions = useActions();
  const byId = useDeck((s) => s.jobs.byId);
  const readOnly = useDeck((s) => s.workspace.readOnly);
  const filterText = useDeck((s) => s.ui.filters.batchRun ?? '');
  const copy = useCopy();
  // While targets run, their TOOK cells count; an ended run's age ("by … just now") goes on, less often.
  const now = useClock(active, run.status === 'running' ? 1_000 : slowClockMs);

  const rows = useMemo<TargetRow[]>(
    () =>
      run.targets.map((target) => {
        const job = target.jobId ? byId.get(target.jobId) : undefined;
        return job ? { target, job } : { target };
      }),
    [run, byId],
  );
  const columns = useMemo(() => targetColumns(() => now), [now]);
  const maxWaves = Math.max(1, Math.floor((height - 2) / 3));
  // Each line is indented by two.
  const waves = waveLines(run, maxWaves, width - 2);
  const tableHeight = Math.max(3, height - 2 - waves.lines.length);
  const table = useTable({
    rows,
    columns,
    rowKey: (r) => r.target.key,
    filterText,
    height: tableHeight - 1,
  });

  useKeys(
    'screen',
    (press) => {
      const action = press.action(['batchRun', 'list']);
      const row = table.cursorRow;
      // Esc clears a kept filter first, then goes back (as in the Repositories tab's commits, and in k9s).
      if (action === 'view.back') {
        if (filterText) actions.ui.setFilter('batchRun', '');
        else actions.batches.openRun(undefined);
      } else if (action === 'batch.output' && row) {
        const jobId = row.job?.id ?? row.target.jobId;
        if (jobId) void actions.batches.openTarget(jobId);
        else actions.ui.notify('info', `${row.target.name} has not run (${row.target.status}): no output`);
      } else if (action === 'batch.advance') advance(run, actions);
      else if (action === 'batch.cancel') askCancel(run, actions);
      else if (action === 'batch.retry') askRetry(run, actions, readOnly);
      else if (action === 'clipboard.copy') copy(row?.job?.id ?? run.job.id);
      else if (action === 'table.filter') actions.ui.openOverlay('filter');
      else if (!action || !table.act(action)) return false;
      return true;
    },
    active,
  );

  const { counts, progress } = run;
  // The counts that are not 0, each whole or left out; the name gives way in its middle first.
  const title = fitParts(
    [
      `batch ${run.payload.name}`,
      `job ${run.job.id}`,
      run.status.toUpperCase(),
      `wave ${progress.wave}/${progress.waves}`,
      counts.ok ? `${counts.ok} ok` : '',
      counts.failed ? `${counts.failed} failed` : '',
      counts.skipped ? `${counts.skipped} skipped` : '',
      counts.cancelled ? `${counts.cancelled} cancelled` : '',
    ],
    width,
    { keep: 3 },
  );
  const what = `${stripControl(batchActionText(run.payload.action as Parameters<typeof batchActionText>[0]))} · ${runSettings(run)}`;
  const shownWaves =
    waves.lines.length < waves.waves
      ? ` (waves ${waves.first}-${waves.first + waves.lines.length - 1} of ${waves.waves})`
      : '';
  const who = `${run.job.requestedBy.user}@${run.job.requestedBy.host}`;
  // A `/` filter's rows counted as the other tables count them: `1 of 4 targets`.
  const caption = ` ${shownCount(table.view.length, rows.length, 'target')}${shownWaves} · by ${who} ${formatAgo(now - run.job.createdAt)} · Enter a target's output`;
  const toneColor = { ok: theme.ok, running: theme.accent, failed: theme.error, muted: theme.muted };
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text bold color={theme.noColor ? undefined : (runStatusColor[run.status] ?? theme.accent)}>
        {title}
      </Text>
      <Text color={theme.muted}>{fitWidth(what, width)}</Text>
      {waves.lines.map((l) => (
        <Text key={l.wave} color={toneColor[l.tone]}>
          {fitWidth(`  ${l.text}`, width)}
        </Text>
      ))}
      <SummaryTable
        summary={caption}
        summaryColor={theme.muted}
        table={table}
        columns={columns}
        width={width}
        height={tableHeight}
        noColor={theme.noColor}
        emptyMessage="No target matches the filter."
      />
    </Box>
  );
}
