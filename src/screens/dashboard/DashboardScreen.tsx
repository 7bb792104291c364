import { Box, Text } from 'ink';
import { useMemo } from 'react';
import { CursorList } from '../../components/CursorList';
import { sparkline } from '../../components/Sparkline';
import { pendingApprovals } from '../../domain/approval';
import type { EventLevel } from '../../domain/event';
import { jobStatuses } from '../../domain/job';
import { fitWidth, formatAge } from '../../domain/text';
import { jobTally } from '../../state/selectors/jobs';
import { useDeck, useDeckContext } from '../../ui/deckContext';
import { copyAction } from '../../ui/keymap';
import type { Screen, ScreenProps } from '../../ui/screen';
import type { Theme } from '../../ui/theme';
import { approvalsLine } from './approvalsLine';
import { nextRunLine } from './nextRunLine';
import { useDashboardList } from './useDashboardList';

const levelColor = (theme: Theme, level: EventLevel) =>
  level === 'error' ? theme.error : level === 'warn' ? theme.warn : undefined;

function Heading({ text, width }: { text: string; width: number }) {
  const { theme } = useDeckContext();
  return (
    <Text bold color={theme.accent}>
      {fitWidth(text, width)}
    </Text>
  );
}

/** The first tab: who is working, how jobs are doing, and what is happening right now. */
function DashboardScreen({ width, height, active }: ScreenProps) {
  const { theme } = useDeckContext();
  const workers = useDeck((s) => s.workers.list);
  const transport = useDeck((s) => s.bus.transport);
  const timeline = useDeck((s) => s.events.timeline);
  const latest = useDeck((s) => s.events.latest);
  const schedules = useDeck((s) => s.schedules);
  const now = Date.now();
  const byId = useDeck((s) => s.jobs.byId);
  const summaries = useDeck((s) => s.jobs.summaries);
  const approvals = approvalsLine(
    useMemo(() => pendingApprovals(byId.values()), [byId]),
    now,
    summaries,
  );

  // One count for the jobs line, the failures and each worker (a job counts once, by its status now).
  const { counts, failures, byWorker } = useDeck((s) => jobTally(s.jobs));
  // Parents waiting for their children or paused between waves, and approvals, are named only when there are some.
  const rare = ['waiting', 'paused', 'approval_pending', 'rejected'];
  const shownStatuses = jobStatuses.filter((s) => counts[s] > 0 || !rare.includes(s));

  // Fixed sections first; the latest events get whatever height is left.
  const workerRows = Math.min(Math.max(workers.length, 1), 3);
  const failureRows = Math.min(Math.max(failures.length, 1), 3);
  const fixed = 1 + workerRows + 1 + (approvals ? 1 : 0) + 1 + 1 + 3 + 1 + failureRows + 1;
  const eventRows = Math.max(0, height - fixed);
  // The peaks are read first: the bars give up columns before ` peak 12` is cut.
  const levels = ['info', 'warn', 'error'] as const;
  const peaks = levels.map((level) => ` peak ${Math.max(0, ...timeline.counts[level])}`);
  const sparkWidth = Math.max(10, Math.min(60, width - 8 - Math.max(...peaks.map((p) => p.length))));
  const list = useDashboardList({ failures, events: latest, failureRows, eventRows, active });
  // A kept `/` filter hides rows of both sections: the headings say so (the message line may hide the hint's word).
  const filterText = useDeck((s) => s.ui.filters.dashboard ?? '');
  const matching = (shown: number, total?: number) => {
    if (!list.filtering) return '';
    if (total !== undefined) return ` · ${shown} of ${total} match the filter`;
    return ` · ${shown} ${shown === 1 ? 'matches' : 'match'} the filter`;
  };
  const eventsHeading = [
    'Latest events, newest first',
    list.newerAbove ? ` (${list.newerAbove} newer above)` : '',
    matching(list.events.rows.length, latest.length),
    list.filtering ? ` ${filterText} (Esc clears)` : '',
  ].join('');

  const workersTitle =
    transport === 'memory'
      ? 'Workers: in-process (no REDIS_URL; with Redis, `infradeck worker` adds more)'
      : `Workers: ${workers.length} online`;
  const workerLines =
    workers.length === 0
      ? ['no worker online: start one with `infradeck worker` on any host that reaches Redis']
      : workers.map((w) => {
          const current = w.current.length
            ? `running ${w.current.map((c) => `${c.kind} ${c.id}`).join(', ')}`
            : 'idle';
          const ran = byWorker.get(w.id) ?? { done: 0, failed: 0 };
          return `${w.id}  up ${formatAge(now - w.startedAt)}  ${ran.done} done  ${ran.failed} failed  ${current}`;
        });

  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden">
      <Heading text={workersTitle} width={width} />
      {workerLines.slice(0, workerRows).map((l, i) => (
        <Text key={i}>{fitWidth(`  ${l}`, width)}</Text>
      ))}
      <Text>{fitWidth(`Jobs  ${shownStatuses.map((s) => `${s} ${counts[s]}`).join('  ')}`, width)}</Text>
      {approvals ? (
        <Text color={theme.warn} bold>
          {fitWidth(approvals, width)}
        </Text>
      ) : null}
      <Text color={theme.muted}>
        {fitWidth(nextRunLine(schedules.file, schedules.next, now, width), width)}
      </Text>
      <Heading text={`Events per minute, last hour (${sparkWidth} min shown, newest right)`} width={width} />
      {levels.map((level, i) => (
        <Text key={level}>
          <Text color={levelColor(theme, level)}>{fitWidth(`  ${level}`, 8)}</Text>
          <Text color={levelColor(theme, level)}>{sparkline(timeline.counts[level], sparkWidth)}</Text>
          <Text color={theme.muted}>{fitWidth(peaks[i], Math.max(0, width - 8 - sparkWidth))}</Text>
        </Text>
      ))}
      <Heading
        text={`Recent failures (${counts.failed})${matching(list.failures.rows.length)}`}
        width={width}
      />
      {list.failures.rows.length ? (
        <CursorList {...list.failures} width={width} height={failureRows} />
      ) : (
        <Text color={theme.muted}>
          {fitWidth(failures.length ? '  no failure matches the filter' : '  none', width)}
        </Text>
      )}
      <Heading text={eventsHeading} width={width} />
      {list.events.rows.length ? (
        <CursorList {...list.events} width={width} height={eventRows} />
      ) : eventRows > 0 ? (
        <Text color={theme.muted}>
          {fitWidth(
            list.filtering
              ? '  no event matches the filter'
              : '  nothing yet: events appear as jobs run (try :run uptime)',
            width,
          )}
        </Text>
      ) : null}
    </Box>
  );
}

export const dashboardScreen: Screen = {
  id: 'dashboard',
  title: 'Dashboard',
  short: 'Dash',
  aliases: ['dash', 'home'],
  actions: [
    {
      id: 'dashboard.open',
      keys: ['enter'],
      description: 'Open what the row names: the job, or the resource an event changed',
      scope: 'dashboard',
    },
    {
      id: 'table.filter',
      keys: ['/'],
      description: 'Filter failures and events: text, re:regex, glob*, column:value, !not (Esc clears it)',
      scope: 'dashboard',
    },
    copyAction('dashboard', 'Copy the job or resource id of the row (OSC 52)'),
  ],
  scopes: ['list'],
  hints: [
    { action: 'dashboard.open', label: 'open' },
    { action: 'table.filter', label: 'filter' },
    { action: 'clipboard.copy', label: 'copy id' },
  ],
  Component: DashboardScreen,
};
