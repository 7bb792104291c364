import { useLayoutEffect, useMemo, useRef } from 'react';
import { countOrReading } from '../../components/listReading';
import { SummaryTable } from '../../components/SummaryTable';
import { useTable } from '../../components/useTable';
import { type JobStatus, jobStatuses } from '../../domain/job';
import { jobsNewestFirst } from '../../state/selectors/jobs';
import type { DeckState } from '../../state/store';
import { useCopy } from '../../ui/clipboard';
import { useActions, useDeck, useDeckContext } from '../../ui/deckContext';
import { useKeys } from '../../ui/keyDispatcher';
import type { KeyHint } from '../../ui/keyHints';
import { copyAction, filterSortActions } from '../../ui/keymap';
import { loadingWhile } from '../../ui/listKeys';
import type { Screen, ScreenProps, ScreenView } from '../../ui/screen';
import { askApprove, askReject } from './approvalConfirmations';
import { JobDetailsView } from './JobDetailsView';
import { jobColumns } from './jobColumns';
import { askCancel, askRetry } from './jobConfirmations';

const filterCycle: (JobStatus | undefined)[] = [undefined, ...jobStatuses];

function JobsScreen({ width, height, active }: ScreenProps) {
  const { theme } = useDeckContext();
  const actions = useActions();
  const byId = useDeck((s) => s.jobs.byId);
  const statusFilter = useDeck((s) => s.jobs.statusFilter);
  const scheduleFilter = useDeck((s) => s.jobs.scheduleFilter);
  const log = useDeck((s) => s.jobs.log);
  const summaries = useDeck((s) => s.jobs.summaries);
  const transport = useDeck((s) => s.bus.transport);
  const loadedAt = useDeck((s) => s.jobs.loadedAt);
  const busState = useDeck((s) => s.bus.status?.state);
  // The runs of one schedule are a view of their own: its `/` filter is kept apart from the whole list's.
  const scope = scheduleFilter === undefined ? 'jobs' : runsView.id;
  const filterText = useDeck((s) => s.ui.filters[scope] ?? '');
  // Every job (or every run of the schedule), then those of the status filter.
  const all = useMemo(() => jobsNewestFirst(byId), [byId]);
  const listed = useMemo(
    () => (scheduleFilter === undefined ? all : all.filter((j) => j.schedule?.name === scheduleFilter)),
    [all, scheduleFilter],
  );
  const rows = useMemo(
    () => (statusFilter ? listed.filter((j) => j.status === statusFilter) : listed),
    [listed, statusFilter],
  );
  const columns = useMemo(() => jobColumns(Date.now, summaries), [summaries]);
  const tableHeight = height - 1;
  // The columns are measured over the jobs listed, not over those of the status filter (as the `/` filter leaves
  // them): `f` does not move them. With no job in that status (or no run of the schedule) only the titles were
  // measured, each fit, and every heading showed (TRY, BY and TOOK too, which the jobs leave no room for).
  const table = useTable({
    rows,
    columns,
    rowKey: (j) => j.id,
    filterText,
    height: tableHeight,
    measureRows: listed.length > 0 ? listed : all,
  });
  const copy = useCopy();

  // The runs of a schedule (Enter on the Scheduler) start on the newest: the cursor left on a row this list does not
  // have would stay at its index, on an old run (the whole list grows above it while the tab is not shown).
  const listedSchedule = useRef(scheduleFilter);
  useLayoutEffect(() => {
    if (listedSchedule.current === scheduleFilter) return;
    listedSchedule.current = scheduleFilter;
    const newest = table.view[0];
    if (newest) table.focus(newest.id);
  });

  // A job just queued with `:run` gets the cursor once it is listed (over Redis its event may come after the queue
  // answered), so Enter opens it and not the row the cursor was on; a key pressed before that keeps the cursor.
  const lastQueued = useDeck((s) => s.jobs.lastQueued);
  useLayoutEffect(() => {
    if (lastQueued !== undefined && table.focus(lastQueued)) actions.jobs.forgetLastQueued();
  });

  useKeys(
    'screen',
    (press) => {
      actions.jobs.forgetLastQueued();
      const action = press.action([scope, 'list']);
      const job = table.cursorRow;
      if (action === 'view.back') {
        actions.jobs.setScheduleFilter(undefined);
        actions.ui.showTab('scheduler');
      } else if (action === 'job.details' && job) void actions.jobs.openLog(job.id);
      else if (action === 'job.cancel' && job) askCancel(job, actions, summaries);
      else if (action === 'job.retry' && job) askRetry(job, actions, summaries);
      else if (action === 'job.approve' && job) askApprove(job, actions, summaries);
      else if (action === 'job.reject' && job) askReject(job, actions, summaries);
      else if (action === 'clipboard.copy') copy(job?.id);
      else if (action === 'job.statusFilter') {
        const next = filterCycle[(filterCycle.indexOf(statusFilter) + 1) % filterCycle.length];
        actions.jobs.setStatusFilter(next);
      } else if (action === 'table.filter') actions.ui.openOverlay('filter');
      else if (!action || !table.act(action)) return false;
      return true;
    },
    active && !log,
  );

  // Each opening starts at the end, unwrapped: another job's scroll position means nothing here.
  if (log) return <JobDetailsView key={log.opened} width={width} height={height} active={active} />;

  const where =
    transport === 'memory' ? 'run in-process' : transport === 'redis' ? 'on the Redis workers' : '';
  const words = statusFilter && statusWords(statusFilter);
  // Before the queue first answered, `0 jobs` and `No jobs yet` would be false (live jobs show as they come). With
  // Redis down it is not being read: the status bar says so.
  const loading = loadingWhile(
    loadedAt === undefined && transport !== undefined && busState !== 'down',
    rows,
    'the job queue',
  );
  const count = (what: string, status?: string) =>
    countOrReading(loading, jobCount(table.view.length, listed.length, what, status));
  const summary =
    scheduleFilter !== undefined
      ? `${count(` of schedule ${scheduleFilter}`, words)}, newest first · Esc back to the Scheduler`
      : words
        ? `${count('', words)} · f status filter · :run <program> [args…]`
        : `${count('')} ${where} · f status filter · :run <program> [args…]`;
  return (
    <SummaryTable
      summary={summary}
      summaryColor={theme.muted}
      table={table}
      columns={columns}
      width={width}
      height={height}
      noColor={theme.noColor}
      loading={loading}
      emptyMessage={
        scheduleFilter !== undefined
          ? `No run of ${scheduleFilter}${words ? ` ${words}` : ''} in the jobs this console lists (the newest 500). R on the Scheduler runs it now.`
          : words
            ? `No job ${words} (f changes the status filter).`
            : 'No jobs yet. Start one with :run <program> [args…], e.g. :run uptime'
      }
    />
  );
}

/** A status as the summary says it: `failed`, `waiting for an approval` (not `approval_pending`). */
function statusWords(status: JobStatus): string {
  return status === 'approval_pending' ? 'waiting for an approval' : status;
}

/** `3 jobs of schedule nightly`; with a status filter `1 of 3 jobs of schedule nightly failed`. */
function jobCount(shown: number, of: number, what: string, status?: string): string {
  const jobs = (n: number) => (n === 1 ? 'job' : 'jobs');
  // `of` counts before the status and `/` filters: either one hiding jobs says so.
  return status || shown < of
    ? `${shown} of ${of} ${jobs(of)}${what}${status ? ` ${status}` : ''}`
    : `${shown} ${jobs(shown)}${what}`;
}

/**
 * Enter on a job: the job with its log; the keys that work there are the log's and these. Its hints follow the
 * job: cancel and follow while it may still run, retry once it failed or was cancelled.
 */
const logViewOf = (hints: KeyHint[]): ScreenView => ({ id: 'jobLog', title: 'log', scopes: ['log'], hints });
const textKeys: KeyHint[] = [
  { action: 'view.wrap', label: 'wrap' },
  { action: 'view.scrollRight', label: 'right' },
  { action: 'clipboard.copy', label: 'copy id' },
  { action: 'view.back', label: 'back' },
  { action: 'log.search', label: 'search' },
];
const logViews = {
  running: logViewOf([
    { action: 'job.cancel', label: 'cancel' },
    { action: 'nav.bottom', label: 'follow' },
    ...textKeys,
  ]),
  retryable: logViewOf([{ action: 'job.retry', label: 'retry' }, ...textKeys]),
  completed: logViewOf(textKeys),
};
/**
 * The log of a job the store does not hold (gone from the queue, or not read yet): cancel and retry need the job,
 * so this view's scope is not `jobLog` and `?` does not list them.
 */
const joblessLogView: ScreenView = { id: 'jobLogNoJob', title: 'log', scopes: ['log'], hints: textKeys };

/** Enter on a schedule (Scheduler tab): the Jobs list holds only its runs, and Esc goes back there. */
const runsView: ScreenView = {
  id: 'scheduleRuns',
  title: 'runs of a schedule',
  // No selection: every action here takes one row.
  scopes: ['list'],
  hints: [
    { action: 'job.details', label: 'log' },
    { action: 'job.cancel', label: 'cancel' },
    { action: 'job.retry', label: 'retry' },
    { action: 'view.back', label: 'back' },
  ],
};

function logView(s: DeckState): ScreenView | undefined {
  const log = s.jobs.log;
  if (!log) return s.jobs.scheduleFilter === undefined ? undefined : runsView;
  const status = s.jobs.byId.get(log.jobId)?.status;
  if (status === undefined) return joblessLogView;
  if (status === 'completed') return logViews.completed;
  if (status === 'failed' || status === 'cancelled') return logViews.retryable;
  return logViews.running;
}

export const jobsScreen: Screen = {
  id: 'jobs',
  title: 'Jobs',
  aliases: ['job', 'j'],
  actions: [
    ...filterSortActions('jobs'),
    ...filterSortActions('scheduleRuns'),
    { id: 'job.details', keys: ['enter'], description: 'Job with its live log', scope: 'jobs' },
    { id: 'job.cancel', keys: ['c'], description: 'Cancel (asks first)', scope: 'jobs' },
    { id: 'job.retry', keys: ['R'], description: 'Retry a failed job (asks first)', scope: 'jobs' },
    { id: 'job.statusFilter', keys: ['f'], description: 'Cycle the status filter', scope: 'jobs' },
    {
      id: 'job.approve',
      keys: ['a'],
      description: 'Approve a job waiting for an approval (asks first)',
      scope: 'jobs',
    },
    {
      id: 'job.reject',
      keys: ['x'],
      description: 'Reject a job waiting for an approval, with a reason',
      scope: 'jobs',
    },
    copyAction('jobs', 'Copy the job id (OSC 52)'),
    { id: 'job.cancel', keys: ['c'], description: 'Cancel (asks first)', scope: 'jobLog' },
    { id: 'job.retry', keys: ['R'], description: 'Retry a failed job (asks first)', scope: 'jobLog' },
    copyAction('jobLog', 'Copy the job id (OSC 52)'),
    copyAction('jobLogNoJob', 'Copy the job id (OSC 52)'),
    { id: 'job.details', keys: ['enter'], description: 'Job with its live log', scope: 'scheduleRuns' },
    { id: 'job.cancel', keys: ['c'], description: 'Cancel (asks first)', scope: 'scheduleRuns' },
    { id: 'job.retry', keys: ['R'], description: 'Retry a failed job (asks first)', scope: 'scheduleRuns' },
    { id: 'job.statusFilter', keys: ['f'], description: 'Cycle the status filter', scope: 'scheduleRuns' },
    copyAction('scheduleRuns', 'Copy the job id (OSC 52)'),
    { id: 'view.back', keys: ['esc'], description: 'Back to the Scheduler', scope: 'scheduleRuns' },
  ],
  // No selection: every action here takes one row.
  scopes: ['list'],
  hints: [
    { action: 'job.details', label: 'log' },
    { action: 'job.cancel', label: 'cancel' },
    { action: 'job.retry', label: 'retry' },
    { action: 'job.statusFilter', label: 'status' },
    ':run program',
  ],
  Component: JobsScreen,
  view: logView,
  args: '[status|all]',
  complete: () => [...jobStatuses, 'all'],
  open: (args, actions) => {
    const status = args[0];
    // `:jobs` shows every job: a status or schedule filter kept from before does not stay on.
    actions.jobs.setScheduleFilter(undefined);
    if (!status || status === 'all') actions.jobs.setStatusFilter(undefined);
    else if ((jobStatuses as readonly string[]).includes(status))
      actions.jobs.setStatusFilter(status as JobStatus);
    else return `:jobs ${status}: not a status (${jobStatuses.join(', ')}, all)`;
    return undefined;
  },
  commands: [
    {
      name: 'run',
      aliases: [],
      args: '<program> [args…]',
      description: 'Run a program on a worker (no shell; :run sh -c "…" for one)',
      run: (args, ctx) => {
        if (args.length === 0) return ':run needs a program, e.g. :run uptime';
        ctx.actions.ui.showTab('jobs');
        void ctx.actions.jobs.run(args[0], args.slice(1));
        return undefined;
      },
    },
  ],
};
