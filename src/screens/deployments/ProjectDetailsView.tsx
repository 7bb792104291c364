import { Box, Text } from 'ink';
import { useEffect, useState } from 'react';
import {
  isTextViewAction,
  type LogLineStyle,
  LogView,
  type ShownRow,
  shownRows,
  textViewStep,
} from '../../components/LogView';
import { useLogSearch } from '../../components/useLogSearch';
import { rowsOf } from '../../components/wrapRows';
import type { PlanLineKind } from '../../domain/planLines';
import type { ProjectEntry } from '../../domain/projectEntry';
import { fitWidth } from '../../domain/text';
import { useActions, useDeck, useDeckContext } from '../../ui/deckContext';
import { useKeys } from '../../ui/keyDispatcher';
import type { Theme } from '../../ui/theme';
import { progressBar } from '../jobs/jobColumns';
import { TEXT_VIEW_TOP } from '../TextDetails';
import { type DeploymentRow, projectJobVerb } from './projectColumns';
import { projectDetailLines } from './projectDetails';

/**
 * Enter on a project: the blueprint in short, the plan, every resource with its state, and the live log of the
 * project's newest job. The project keys (p D X r b e) keep working here, with a text view's (scroll, `w`
 * wrap, ←/→); they are on the console's hint line (the screen's view), never in a footer of its own.
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
  const [view, setView] = useState(TEXT_VIEW_TOP);
  const job = row.job;
  const jobId = job?.id;

  // The log follows the project's newest job, also one queued while the view is open.
  useEffect(() => {
    if (jobId) void actions.jobs.openLog(jobId);
  }, [jobId, actions]);
  useEffect(() => () => actions.jobs.closeLog(), [actions]);

  const detail = projectDetailLines(row, entry, made, Date.now(), width);
  const lines = detail.map((l) => l.text);
  const logHeight = job ? Math.max(3, Math.floor(height / 3)) : 0;
  const topHeight = height - logHeight;
  const search = useLogSearch({ lines, view, setView, width, height: topHeight, active });
  // What does not fit scrolls, and the top part's last row says so (the job's line may follow it); a search's
  // line takes that row while it shows.
  const rows = view.wrap ? lines.reduce((n, l) => n + rowsOf(l, width), 0) : lines.length;
  const noted = search.line === null && rows > topHeight && topHeight > 1;
  const textHeight = noted ? topHeight - 1 : search.logHeight;
  // The lines the rows in view belong to (wrapped, the first and the last may show only some of their rows).
  const inView = shownRows(lines, width, textHeight, view);
  const where = view.wrap ? ' · wrapped' : view.scrollX > 0 ? ` · col ${view.scrollX + 1}` : '';

  useKeys(
    'screen',
    (press) => {
      const action = press.action(['log']);
      if (search.act(action)) return true;
      if (action === 'view.back') actions.projects.show(undefined);
      else if (action && isTextViewAction(action))
        setView((s) => textViewStep(s, action, lines, textHeight, width));
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
        follow={view.follow}
        offset={view.offset}
        rowInLine={view.rowInLine}
        wrap={view.wrap}
        scrollX={view.scrollX}
        lineStyle={(i) => planLineStyle(detail[i]?.kind, theme)}
        search={search.highlight}
      />
      {search.line}
      {noted ? (
        <Text color={theme.muted}>
          {fitWidth(`${detailsScrollNote(inView, lines, width, view.wrap)}${where} · j/k scroll`, width)}
        </Text>
      ) : null}
      {job ? (
        <Box flexDirection="column" height={logHeight}>
          <Text bold color={job.status === 'failed' ? theme.error : theme.accent}>
            {fitWidth(jobLine, width)}
          </Text>
          {/* Its newest lines, wrapped when the text above is (`w`): a long line ends with the path it names. */}
          <LogView
            lines={ourLog?.lines ?? []}
            width={width}
            height={logHeight - 1}
            follow
            offset={0}
            wrap={view.wrap}
            emptyMessage="no output yet"
          />
        </Box>
      ) : null}
    </Box>
  );
}

/**
 * What the rows in view leave out, and the lines they belong to: `↑↓ more above and below · lines 3–14 of 27`.
 * Wrapped, a line whose first rows are scrolled off the top (or whose last rows are below) still has more
 * above (below), though it is the first (last) line.
 */
function detailsScrollNote(
  inView: readonly ShownRow[],
  lines: readonly string[],
  width: number,
  wrap: boolean,
): string {
  const first = inView[0];
  const last = inView[inView.length - 1];
  if (!first || !last) return `lines 0 of ${lines.length}`;
  const above = first.index > 0 || first.part > 0;
  const below =
    last.index < lines.length - 1 || (wrap && last.part < rowsOf(lines[last.index] ?? '', width) - 1);
  const more =
    above && below ? '↑↓ more above and below' : above ? '↑ more above' : below ? '↓ more below' : '';
  return `${more ? `${more} · ` : ''}lines ${first.index + 1}–${last.index + 1} of ${lines.length}`;
}

/** A plan's line in the colour of what it does: creates green, deletes and what blocks the deploy red. */
function planLineStyle(kind: PlanLineKind | undefined, theme: Theme): LogLineStyle | undefined {
  switch (kind) {
    case 'create':
      return { color: theme.ok };
    case 'update':
    case 'replace':
    case 'warning':
      return { color: theme.warn };
    case 'delete':
    case 'blocked':
      return { color: theme.error };
    case 'note':
      return { dim: true };
    case undefined:
      return undefined;
  }
}
