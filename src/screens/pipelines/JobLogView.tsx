import { Box, Text } from 'ink';
import { useState } from 'react';
import {
  isTextViewAction,
  type LogLines,
  LogView,
  type TextViewState,
  textViewStep,
} from '../../components/LogView';
import { useLogSearch } from '../../components/useLogSearch';
import { isFinished as jobFinished } from '../../domain/job';
import { isFinished, type PipelineRun } from '../../domain/pipelineClient';
import { fitWidth, stripControl } from '../../domain/text';
import type { OpenJob } from '../../state/slices/pipelines';
import { useCopy } from '../../ui/clipboard';
import { useActions, useDeck, useDeckContext } from '../../ui/deckContext';
import { useKeys } from '../../ui/keyDispatcher';
import { statusColor } from './pipelineColumns';

const FOLLOWING: TextViewState = { follow: true, offset: 0, wrap: false, scrollX: 0 };
const noLines: LogLines = { length: 0, at: () => undefined };

/**
 * Enter on a job: its log, followed while it runs. A local step's lines stream from the bus (the jobs slice's
 * log of the step's job); a remote job's log is downloaded, and polled again while the job runs.
 */
export function JobLogView({
  run,
  open,
  width,
  height,
  active,
}: {
  run: PipelineRun;
  open: OpenJob;
  width: number;
  height: number;
  active: boolean;
}) {
  const { theme, store } = useDeckContext();
  const actions = useActions();
  const copy = useCopy();
  const [view, setView] = useState(FOLLOWING);
  const localLog = useDeck((s) => (open.local && s.jobs.log?.jobId === open.job.id ? s.jobs.log : undefined));
  // The log's version changes with every line: read here so this view draws again.
  useDeck((s) => (open.local && s.jobs.log?.jobId === open.job.id ? s.jobs.log.version : 0));
  const stepJob = useDeck((s) => (open.local ? s.jobs.byId.get(open.job.id) : undefined));
  const lines: LogLines = open.local ? (localLog?.lines ?? noLines) : (open.lines ?? []);
  const bodyHeight = Math.max(1, height - 2);
  const search = useLogSearch({ lines, view, setView, width, height: bodyHeight, active });

  useKeys(
    'screen',
    (press) => {
      const action = press.action(['pipelineLog', 'log']);
      if (search.act(action)) return true;
      if (action === 'view.back') actions.pipelines.closeJob();
      else if (action === 'clipboard.copy') copy(open.job.url ?? open.job.id);
      else if (action === 'pipeline.refresh')
        void actions.pipelines.openJob(open.job).then(() => {
          // A local step's log streams anyway (reading it again shows the same lines): what was read is said.
          const now = store.getState();
          const read = now.pipelines.openJob;
          if (read?.job.id !== open.job.id || read.error) return;
          const count = read.local ? (now.jobs.log?.lines.length ?? 0) : (read.lines?.length ?? 0);
          actions.ui.notify(
            'info',
            `read the log of ${open.job.name} again: ${count} line${count === 1 ? '' : 's'}`,
          );
        });
      else if (action && isTextViewAction(action))
        setView((s) => textViewStep(s, action, lines, search.logHeight, width));
      else return false;
      return true;
    },
    active,
  );

  const running = open.local ? stepJob !== undefined && !jobFinished(stepJob.status) : !open.complete;
  const status = open.local && stepJob ? stepStatus(stepJob.status, open.job.status) : open.job.status;
  const where = view.follow ? (running ? 'following' : 'end') : 'scrolled';
  // A local step that ended says how its program did, as its job does on the Jobs tab (`exit 3`).
  const exitCode = open.local ? (stepJob?.result as { exitCode?: unknown } | undefined)?.exitCode : undefined;
  const exit =
    typeof exitCode === 'number' && stepJob && jobFinished(stepJob.status) ? ` · exit ${exitCode}` : '';
  const title = `run ${run.id} › ${open.job.name} · ${status.toUpperCase()}${exit}`;
  const sub = [
    `job ${open.job.id}`,
    `${lines.length} line${lines.length === 1 ? '' : 's'}`,
    where,
    view.wrap ? 'wrapped' : '',
    open.loading ? 'reading…' : '',
    running && !open.local ? 'polled while it runs' : '',
  ]
    .filter(Boolean)
    .join(' · ');
  // A step that has not ended may still write: "no output" is said only once it can write no more.
  const ended = open.local ? isFinished(status) : open.complete;
  const empty =
    open.error ?? open.note ?? (open.loading ? 'reading the log…' : ended ? 'no output' : 'no output yet');
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text bold color={theme.noColor ? undefined : statusColor[status]}>
        {fitWidth(title, width)}
      </Text>
      <Text color={open.error ? theme.error : theme.muted}>
        {fitWidth(stripControl(open.error && lines.length > 0 ? `${sub} · ${open.error}` : sub), width)}
      </Text>
      <LogView
        lines={lines}
        width={width}
        height={search.logHeight}
        follow={view.follow}
        offset={view.offset}
        rowInLine={view.rowInLine}
        wrap={view.wrap}
        scrollX={view.scrollX}
        emptyMessage={stripControl(empty)}
        search={search.highlight}
      />
      {search.line}
    </Box>
  );
}

/** A local step's status from its job as the events keep it (they move faster than the run's steps are read). */
function stepStatus(job: string, read: OpenJob['job']['status']): OpenJob['job']['status'] {
  if (job === 'completed') return 'passed';
  if (job === 'failed') return 'failed';
  if (job === 'cancelled') return 'cancelled';
  if (job === 'active') return 'running';
  return read;
}
