import { Box, Text } from 'ink';
import { useState } from 'react';
import { isLogScrollAction, LOG_FOLLOW, LogView, logScroll } from '../../components/LogView';
import { describeJob, type JobView } from '../../domain/job';
import { fitWidth } from '../../domain/text';
import { useActions, useDeck, useDeckContext } from '../../ui/deckContext';
import { useKeys } from '../../ui/keyDispatcher';
import { jobDuration, progressBar } from './jobColumns';
import { askCancel, askRetry } from './jobConfirmations';

function headerLines(job: JobView | undefined, jobId: string): string[] {
  if (!job) return [`job ${jobId}`];
  const who = `${job.requestedBy.user}@${job.requestedBy.host}`;
  const lines = [
    `${job.id}  ${job.kind}  ${job.status.toUpperCase()}  ${progressBar(job, 16)}  try ${job.attempts}/${job.maxAttempts}`,
    `${describeJob(job.kind, job.payload)}`,
    `by ${who}${job.worker ? `  on ${job.worker}` : ''}  queued ${new Date(job.createdAt).toTimeString().slice(0, 8)}${job.startedAt ? `  took ${jobDuration(job, Date.now())}` : ''}`,
  ];
  if (job.error) lines.push(`error: ${job.error}`);
  else if (job.result !== undefined) lines.push(`result: ${JSON.stringify(job.result)}`);
  return lines;
}

/** A job with its live output: the log follows new lines until the user scrolls up. */
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
  const [scroll, setScroll] = useState(LOG_FOLLOW);

  const header = headerLines(job, log?.jobId ?? '');
  const logHeight = Math.max(1, height - header.length - 1);
  const total = log?.lines.length ?? 0;

  useKeys(
    'screen',
    (press) => {
      const action = press.action(['jobs', 'log']);
      if (action === 'view.back') actions.jobs.closeLog();
      else if (action === 'job.cancel' && job) askCancel(job, actions);
      else if (action === 'job.retry' && job) askRetry(job, actions);
      else if (action && isLogScrollAction(action))
        setScroll((s) => logScroll(s, action, total, logHeight, log?.lines.dropped ?? 0));
      else return false;
      return true;
    },
    active,
  );

  if (!log) return null;
  return (
    <Box flexDirection="column" width={width} height={height}>
      {header.map((line, i) => (
        <Text
          key={i}
          bold={i === 0}
          color={i === 0 ? theme.accent : line.startsWith('error') ? theme.error : undefined}
        >
          {fitWidth(line, width)}
        </Text>
      ))}
      <LogView
        lines={log.lines}
        width={width}
        height={logHeight}
        follow={scroll.follow}
        offset={scroll.offset}
        emptyMessage="no output yet"
      />
      <Text color={theme.muted}>
        {fitWidth(
          ` Esc back  c cancel  R retry  j/k scroll  G follow${scroll.follow ? ' (following)' : ''}  ${total} lines`,
          width,
        )}
      </Text>
    </Box>
  );
}
