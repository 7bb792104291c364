import { Box, Text } from 'ink';
import { useEffect, useState } from 'react';
import { isTextViewAction, type LogLines, type TextViewState, textViewStep } from '../../components/LogView';
import { viewTop } from '../../components/logSearch';
import { useLogSearch } from '../../components/useLogSearch';
import { isFinished } from '../../domain/job';
import { fitWidth } from '../../domain/text';
import { useCopy } from '../../ui/clipboard';
import { useActions, useDeck, useDeckContext } from '../../ui/deckContext';
import { useKeys } from '../../ui/keyDispatcher';
import { JobBodyLog } from './JobBodyLog';
import { askCancel, askRetry } from './jobConfirmations';
import { jobBodyLines, jobHeaderLines, jobSummaryLines, outputHeading } from './jobDetailsText';

const FOLLOWING: TextViewState = { follow: true, offset: 0, wrap: false, scrollX: 0 };

/**
 * A job: what it is, then its output, its attempts and its result (YAML) in one text that follows new lines
 * until the user scrolls up. Long lines are cut (←/→ scroll sideways) or wrapped (`w`). The keys are on the
 * console's hint line (the jobs screen's view), never in a footer of its own.
 */
export function JobDetailsView({
  width,
  height,
  active,
}: {
  width: number;
  height: number;
  active: boolean;
}) {
  const { theme } = useDeckContext();
  const actions = useActions();
  const log = useDeck((s) => s.jobs.log);
  const job = useDeck((s) => (log ? s.jobs.byId.get(log.jobId) : undefined));
  const summaries = useDeck((s) => s.jobs.summaries);
  const [view, setView] = useState(FOLLOWING);
  const copy = useCopy();
  // While it runs, its clock ("took", "running for") moves once a second.
  const [, tick] = useState(0);
  const running = job?.status === 'active';
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => tick((n) => n + 1), 1000);
    return () => clearInterval(timer);
  }, [running]);

  const now = Date.now();
  const gone = !job && log?.missing !== undefined;
  const [title, what, who] = jobHeaderLines(job, log?.jobId ?? '', now, log?.missing, summaries, width);
  const bodyHeight = Math.max(1, height - 3);
  const output = log?.lines;
  const outputLength = output?.length ?? 0;
  const dropped = output?.dropped ?? 0;
  // Rebuilt every frame (a few lines); the output itself is read from the ring buffer, never copied.
  const body = jobBodyLines(
    output ?? [],
    outputHeading(job, outputLength, dropped, gone),
    jobSummaryLines(job, now),
  );
  const search = useLogSearch({ lines: body, view, setView, width, height: bodyHeight, active });

  useKeys(
    'screen',
    (press) => {
      const action = press.action(['jobLog', 'log']);
      if (search.act(action)) return true;
      if (action === 'view.back') {
        actions.jobs.closeLog();
        actions.ui.backFrom('jobs');
      } else if (action === 'clipboard.copy') copy(log?.jobId);
      else if (action === 'job.cancel' && job) askCancel(job, actions, summaries);
      else if (action === 'job.retry' && job) askRetry(job, actions, summaries);
      else if (action && isTextViewAction(action))
        setView((s) => textViewStep(s, action, body, search.logHeight, width));
      else return false;
      return true;
    },
    active,
  );

  if (!log) return null;
  const where = [
    outputLength === 1 ? '1 line' : `${outputLength} lines`,
    view.follow
      ? (job && isFinished(job.status)) || gone
        ? 'end'
        : 'following'
      : scrolledTo(body, search.logHeight, width, view),
    view.wrap ? 'wrapped' : view.scrollX > 0 ? `col ${view.scrollX + 1}` : '',
  ]
    .filter(Boolean)
    .join(' · ');
  const whatWidth = Math.max(0, width - where.length - 2);
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text bold color={theme.accent}>
        {fitWidth(title, width)}
      </Text>
      <Text>
        {fitWidth(what, whatWidth)}
        <Text color={theme.muted}>{fitWidth(` ${where}`, width - whatWidth, 'right')}</Text>
      </Text>
      <Text color={theme.muted}>{fitWidth(who, width)}</Text>
      <JobBodyLog body={body} width={width} height={search.logHeight} view={view} search={search.highlight} />
      {search.line}
    </Box>
  );
}

/** Where a view scrolled back stands: `top`, or the output line at its top (wrapped, the line of its top row). */
function scrolledTo(body: LogLines, height: number, width: number, view: TextViewState): string {
  const { index } = viewTop(body, view, height, width);
  return index === 0 ? 'top' : `line ${index}`;
}
