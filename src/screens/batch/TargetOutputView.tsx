import { Box, Text } from 'ink';
import { useEffect, useState } from 'react';
import { isTextViewAction, type TextViewState, textViewStep } from '../../components/LogView';
import { useLogSearch } from '../../components/useLogSearch';
import type { BatchRunView } from '../../domain/batchRun';
import { isFinished, type JobView } from '../../domain/job';
import type { BatchRunTarget } from '../../domain/jobKinds/batch';
import { formatDuration } from '../../domain/jobText';
import { fitWidth } from '../../domain/text';
import { useCopy } from '../../ui/clipboard';
import { useActions, useDeck, useDeckContext } from '../../ui/deckContext';
import { useKeys } from '../../ui/keyDispatcher';
import { JobBodyLog } from '../jobs/JobBodyLog';
import { jobBodyLines, jobSummaryLines, outputHeading } from '../jobs/jobDetailsText';
import { durationOf, exitCodeOf, targetStatusColor } from './targetColumns';

const FOLLOWING: TextViewState = { follow: true, offset: 0, wrap: false, scrollX: 0 };

/**
 * `roll › web-2 · wave 2 · FAILED · exit 1 · took 12ms`: the target, its state, and how long it took as every
 * measured duration reads (the Jobs tab, the attempts under the log: `completed in 12ms`).
 */
export function targetOutputTitle(
  run: BatchRunView,
  jobId: string,
  target: BatchRunTarget | undefined,
  job: JobView | undefined,
  now: number,
): string {
  const row = target ? (job ? { target, job } : { target }) : undefined;
  const exit = row ? exitCodeOf(row) : undefined;
  const took = row ? durationOf(row, now) : undefined;
  const status = target?.status ?? job?.status ?? 'unknown';
  return [
    `${run.payload.name} › ${target?.name ?? jobId}`,
    target ? `wave ${target.wave}` : '',
    status.toUpperCase(),
    exit !== undefined ? `exit ${exit}` : '',
    // null: its worker died while it ran (the output's last line says so); nobody saw the program end.
    took === null ? 'took unknown' : took !== undefined ? `took ${formatDuration(took)}` : '',
  ]
    .filter(Boolean)
    .join(' · ');
}

/**
 * Enter on a target: its child job's output (the Jobs tab's log of it, followed while it runs), then how the job
 * ended. Esc goes back to the run.
 */
export function TargetOutputView({
  run,
  jobId,
  width,
  height,
  active,
}: {
  run: BatchRunView;
  jobId: string;
  width: number;
  height: number;
  active: boolean;
}) {
  const { theme } = useDeckContext();
  const actions = useActions();
  const log = useDeck((s) => (s.jobs.log?.jobId === jobId ? s.jobs.log : undefined));
  const job = useDeck((s) => s.jobs.byId.get(jobId));
  const [view, setView] = useState(FOLLOWING);
  const copy = useCopy();
  const running = job !== undefined && !isFinished(job.status);
  const [, tick] = useState(0);
  useEffect(() => {
    if (!running) return undefined;
    const timer = setInterval(() => tick((n) => n + 1), 1_000);
    return () => clearInterval(timer);
  }, [running]);

  const target = run.targets.find((t) => t.jobId === jobId);
  const now = Date.now();
  const output = log?.lines;
  const body = jobBodyLines(
    output ?? [],
    outputHeading(job, output?.length ?? 0, output?.dropped ?? 0),
    jobSummaryLines(job, now),
  );
  const bodyHeight = Math.max(1, height - 2);
  const search = useLogSearch({ lines: body, view, setView, width, height: bodyHeight, active });

  useKeys(
    'screen',
    (press) => {
      const action = press.action(['batchTarget', 'log']);
      if (search.act(action)) return true;
      if (action === 'view.back') void actions.batches.openTarget(undefined);
      else if (action === 'clipboard.copy') copy(jobId);
      else if (action && isTextViewAction(action))
        setView((s) => textViewStep(s, action, body, search.logHeight, width));
      else return false;
      return true;
    },
    active,
  );

  const title = targetOutputTitle(run, jobId, target, job, now);
  const where = view.follow ? (running ? 'following' : 'end') : 'scrolled';
  const sub = `job ${jobId}${job?.worker ? ` on ${job.worker}` : ''} · ${where}${view.wrap ? ' · wrapped' : ''}`;
  const color = target ? targetStatusColor[target.status] : undefined;
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text bold color={theme.noColor ? undefined : (color ?? theme.accent)}>
        {fitWidth(title, width)}
      </Text>
      <Text color={theme.muted}>{fitWidth(sub, width)}</Text>
      <JobBodyLog body={body} width={width} height={search.logHeight} view={view} search={search.highlight} />
      {search.line}
    </Box>
  );
}
