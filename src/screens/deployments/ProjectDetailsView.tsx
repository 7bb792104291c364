import { Box, Text } from 'ink';
import { useEffect, useState } from 'react';
import { isLogScrollAction, LogView, logScroll, logWindow, scrollNote } from '../../components/LogView';
import type { ProjectEntry } from '../../domain/projectEntry';
import { fitWidth } from '../../domain/text';
import { useActions, useDeck, useDeckContext } from '../../ui/deckContext';
import { useKeys } from '../../ui/keyDispatcher';
import { progressBar } from '../jobs/jobColumns';
import { type DeploymentRow, projectJobVerb } from './projectColumns';
import { projectDetailLines } from './projectDetails';

/**
 * Enter on a project: the blueprint in short, the plan, every resource with its state, and the live log of the
 * project's newest job. The project keys (p D X r b e) keep working here.
 */
export function ProjectDetailsView({
  row,
  entry,
  width,
  height,
  active,
}: {
  row: DeploymentRow;
  entry: ProjectEntry;
  width: number;
  height: number;
  active: boolean;
}) {
  const { theme } = useDeckContext();
  const actions = useActions();
  const made = useDeck((s) => s.projects.plans[row.name]);
  const log = useDeck((s) => s.jobs.log);
  const [scroll, setScroll] = useState({ offset: 0, follow: false });
  const job = row.job;
  const jobId = job?.id;

  // The log follows the project's newest job, also one queued while the view is open.
  useEffect(() => {
    if (jobId) void actions.jobs.openLog(jobId);
  }, [jobId, actions]);
  useEffect(() => () => actions.jobs.closeLog(), [actions]);

  const lines = projectDetailLines(row, entry, made, Date.now(), width);
  const bodyHeight = height - 1;
  const logHeight = job ? Math.max(3, Math.floor(bodyHeight / 3)) : 0;
  const topHeight = bodyHeight - logHeight;
  // What does not fit scrolls, and the top part's last row says so (the job's line may follow it).
  const noted = lines.length > topHeight && topHeight > 1;
  const textHeight = noted ? topHeight - 1 : topHeight;
  const { start } = logWindow(lines.length, textHeight, scroll);

  useKeys(
    'screen',
    (press) => {
      const action = press.action(['log']);
      if (action === 'view.back') actions.projects.show(undefined);
      else if (action && isLogScrollAction(action))
        setScroll((s) => logScroll(s, action, lines.length, textHeight));
      else return false;
      return true;
    },
    active,
  );

  const jobLine = job
    ? `Job ${job.id}: ${projectJobVerb(job)} ${job.status} ${progressBar(job, 10)}${job.message ? ` · ${job.message}` : ''}${job.error ? ` · ${job.error}` : ''}`
    : '';
  const ourLog = log && log.jobId === jobId ? log : undefined;
  return (
    <Box flexDirection="column" width={width} height={height}>
      <LogView
        lines={lines}
        width={width}
        height={textHeight}
        follow={scroll.follow}
        offset={scroll.offset}
      />
      {noted ? (
        <Text color={theme.muted}>
          {fitWidth(`${scrollNote(start, textHeight, lines.length)} · j/k scroll`, width)}
        </Text>
      ) : null}
      {job ? (
        <Box flexDirection="column" height={logHeight}>
          <Text bold color={job.status === 'failed' ? theme.error : theme.accent}>
            {fitWidth(jobLine, width)}
          </Text>
          <LogView
            lines={ourLog?.lines ?? []}
            width={width}
            height={logHeight - 1}
            follow
            offset={0}
            emptyMessage="no output yet"
          />
        </Box>
      ) : null}
      <Text color={theme.muted}>
        {fitWidth(' Esc back  j/k scroll  p plan  D deploy  X destroy  r resume  b rollback  e edit', width)}
      </Text>
    </Box>
  );
}
