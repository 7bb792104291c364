import { Box, Text } from 'ink';
import { useMemo } from 'react';
import { sparkline } from '../../components/Sparkline';
import type { DeckEvent, EventLevel } from '../../domain/event';
import { describeJob, type JobStatus, jobStatuses } from '../../domain/job';
import { fitWidth, formatAge } from '../../domain/text';
import { jobsNewestFirst } from '../../state/selectors/jobs';
import { useDeck, useDeckContext } from '../../ui/deckContext';
import type { Screen, ScreenProps } from '../../ui/screen';
import type { Theme } from '../../ui/theme';

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
function DashboardScreen({ width, height }: ScreenProps) {
  const { theme } = useDeckContext();
  const workers = useDeck((s) => s.workers.list);
  const transport = useDeck((s) => s.bus.transport);
  const byId = useDeck((s) => s.jobs.byId);
  const timeline = useDeck((s) => s.events.timeline);
  const latest = useDeck((s) => s.events.latest);
  const jobs = useMemo(() => jobsNewestFirst(byId), [byId]);
  const now = Date.now();

  // The queue's counts cover every job; between refreshes the events keep the console's own tally current.
  const queueCounts = useDeck((s) => s.jobs.counts);
  const seen = Object.fromEntries(jobStatuses.map((s) => [s, 0])) as Record<JobStatus, number>;
  for (const j of jobs) seen[j.status] += 1;
  const queueTotal = queueCounts ? jobStatuses.reduce((n, s) => n + queueCounts[s], 0) : 0;
  const counts = queueCounts && queueTotal > jobs.length ? queueCounts : seen;
  const failures = jobs.filter((j) => j.status === 'failed');

  // Fixed sections first; the latest events get whatever height is left.
  const workerRows = Math.min(Math.max(workers.length, 1), 3);
  const failureRows = Math.min(Math.max(failures.length, 1), 3);
  const fixed = 1 + workerRows + 1 + 1 + 1 + 3 + 1 + failureRows + 1;
  const eventRows = Math.max(0, height - fixed);
  const sparkWidth = Math.max(10, Math.min(60, width - 12));

  const workersTitle =
    transport === 'memory'
      ? 'Workers: in-process (no REDIS_URL; `infradeck worker` adds more when Redis is used)'
      : `Workers: ${workers.length} online`;
  const workerLines =
    workers.length === 0
      ? ['no worker online: start one with `infradeck worker` on any host that reaches Redis']
      : workers.map((w) => {
          const current = w.current.length
            ? `running ${w.current.map((c) => `${c.kind} ${c.id}`).join(', ')}`
            : 'idle';
          return `${w.id}  up ${formatAge(now - w.startedAt)}  ${w.jobsDone} done  ${w.jobsFailed} failed  ${current}`;
        });

  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden">
      <Heading text={workersTitle} width={width} />
      {workerLines.slice(0, workerRows).map((l, i) => (
        <Text key={i}>{fitWidth(`  ${l}`, width)}</Text>
      ))}
      <Text>{fitWidth(`Jobs  ${jobStatuses.map((s) => `${s} ${counts[s]}`).join('  ')}`, width)}</Text>
      <Text> </Text>
      <Heading text={`Events per minute, last hour (${sparkWidth} min shown, newest right)`} width={width} />
      {(['info', 'warn', 'error'] as const).map((level) => {
        const values = timeline.counts[level];
        const peak = Math.max(...values);
        return (
          <Text key={level}>
            <Text color={levelColor(theme, level)}>{fitWidth(`  ${level}`, 8)}</Text>
            <Text color={levelColor(theme, level)}>{sparkline(values, sparkWidth)}</Text>
            <Text color={theme.muted}>{fitWidth(` peak ${peak}`, Math.max(0, width - 8 - sparkWidth))}</Text>
          </Text>
        );
      })}
      <Heading text={`Recent failures (${failures.length})`} width={width} />
      {(failures.length ? failures : []).slice(0, failureRows).map((j) => (
        <Text key={j.id} color={theme.error}>
          {fitWidth(
            `  ${j.id}  ${formatAge(now - (j.finishedAt ?? j.createdAt))} ago  ${describeJob(j.kind, j.payload)} — ${j.error ?? ''}`,
            width,
          )}
        </Text>
      ))}
      {failures.length === 0 ? <Text color={theme.muted}>{fitWidth('  none', width)}</Text> : null}
      <Heading text="Latest events" width={width} />
      {latest.slice(-eventRows).map((e) => (
        <EventLine key={e.id} event={e} width={width} />
      ))}
      {latest.length === 0 && eventRows > 0 ? (
        <Text color={theme.muted}>
          {fitWidth('  nothing yet: events appear as jobs run (try :run uptime)', width)}
        </Text>
      ) : null}
    </Box>
  );
}

function EventLine({ event, width }: { event: DeckEvent; width: number }) {
  const { theme } = useDeckContext();
  const time = new Date(event.at).toTimeString().slice(0, 8);
  const job = event.jobId ? ` ${event.jobId}` : '';
  return (
    <Text color={levelColor(theme, event.level)}>
      {fitWidth(`  ${time} ${event.type}${job}  ${event.message}`, width)}
    </Text>
  );
}

export const dashboardScreen: Screen = {
  id: 'dashboard',
  title: 'Dashboard',
  aliases: ['dash', 'home'],
  actions: [],
  scopes: [],
  hints: ['workers, jobs and events at a glance'],
  Component: DashboardScreen,
};
