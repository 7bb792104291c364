import { Box } from 'ink';
import { useMemo } from 'react';
import { readingText } from '../../components/listReading';
import { NoteLines } from '../../components/NoteLines';
import { SummaryTable } from '../../components/SummaryTable';
import { shownCount } from '../../components/shownCount';
import { useTable } from '../../components/useTable';
import { formatSourceError } from '../../domain/sourceError';
import { displayWidth } from '../../domain/text';
import type { DeckActions } from '../../state/store';
import { useCopy } from '../../ui/clipboard';
import { type Deck, useActions, useDeck, useDeckContext } from '../../ui/deckContext';
import { copyAction, filterSortActions } from '../../ui/keymap';
import { loadingWhile, useListKeys } from '../../ui/listKeys';
import type { Screen, ScreenProps } from '../../ui/screen';
import { useClock } from '../../ui/useClock';
import { missingFileText } from './missingFile';
import { scheduleColumns } from './scheduleColumns';
import { scheduleNote } from './scheduleNote';
import { type SchedulerRow, schedulerRows } from './schedulerRows';

/** How often the NEXT and LAST cells are redrawn while the tab is shown. */
const clockMs = 1_000;

/**
 * Enter, e and R on a schedule that cannot run (or the file that cannot be read): its first error whole, with its
 * place (WHEN says only what is wrong), and what to do instead.
 */
function sayInvalid(row: SchedulerRow, actions: DeckActions): void {
  const [first, ...more] = row.errors ?? [];
  // The file by its name, as under the table: the header names its folder.
  const where = first && { ...first, file: first.file.slice(first.file.lastIndexOf('/') + 1) };
  const error = where
    ? `: ${formatSourceError(where)}${more.length ? ` (and ${more.length} more)` : ''}`
    : '';
  actions.ui.notify('warn', `${row.name} has errors${error}; fix it first (E edits the file)`);
}

function askRunNow(row: SchedulerRow, actions: DeckActions): void {
  const s = row.schedule;
  if (!s) {
    sayInvalid(row, actions);
    return;
  }
  actions.ui.confirm({
    title: `Run ${s.name} now?`,
    lines: [
      `${s.job.kind}: a job like those its ticks make, asked for by you now`,
      'its ticks go on as before (the overlap rule does not apply to a run asked for by a person)',
    ],
    onYes: () => void actions.schedules.runNow(s.name),
  });
}

/** `r`: the file is followed anyway; read on demand, it says what it read (an unchanged file shows no change). */
async function reloadAndSay(deck: Deck, actions: DeckActions): Promise<void> {
  await actions.schedules.reload();
  const file = deck.store.getState().schedules.file;
  if (!file) return;
  if (!file.exists) {
    const without = deck.store.getState().schedules.withoutFile;
    const still =
      without?.transport === 'redis' && without.registered.length
        ? `; the workers still run the ${without.registered.length} schedule${without.registered.length === 1 ? '' : 's'} registered before`
        : '';
    return actions.ui.notify('warn', `read ${file.file}: there is no such file${still} (E writes it)`);
  }
  if (!file.readable) {
    const [first] = file.errors;
    return actions.ui.notify('error', `read ${first ? formatSourceError(first) : file.file} (E edits it)`);
  }
  const valid = file.schedules.length;
  const invalid = file.invalid.length;
  actions.ui.notify(
    invalid ? 'warn' : 'info',
    `read ${file.file}: ${valid} schedule${valid === 1 ? '' : 's'}${invalid ? `, ${invalid} with errors` : ''}`,
  );
}

async function editInEditor(deck: Deck, actions: DeckActions): Promise<void> {
  const command = await actions.schedules.editor();
  if (!command) return;
  if (!deck.runInTerminal)
    return actions.ui.notify('error', 'edit: this console has no terminal to hand over');
  const code = await deck.runInTerminal(command.program, command.args);
  await actions.schedules.afterEdit(command.before, code);
}

/**
 * The summary line ends with the file's path where it fits, else with its name alone (the status bar names the
 * workspace), else without it: a path cut mid-way (`/tmp/ws/schedu…`, `sche…`) names nothing.
 */
function withFile(counts: string, path: string, width: number): string {
  for (const file of [path, path.slice(path.lastIndexOf('/') + 1)]) {
    const line = `${counts} · ${file}`;
    if (displayWidth(line) <= width) return line;
  }
  return counts;
}

function SchedulerScreen({ width, height, active }: ScreenProps) {
  const deck = useDeckContext();
  const { theme } = deck;
  const actions = useActions();
  const file = useDeck((s) => s.schedules.file);
  const withoutFile = useDeck((s) => s.schedules.withoutFile);
  const next = useDeck((s) => s.schedules.next);
  const byId = useDeck((s) => s.jobs.byId);
  const transport = useDeck((s) => s.bus.transport);
  const workers = useDeck((s) => s.workers);
  // Over Redis only the `infradeck worker` processes run ticks; unknown until the list was first read.
  const workersUp =
    transport === 'redis' && workers.refreshedAt !== undefined ? workers.list.length : undefined;
  const filterText = useDeck((s) => s.ui.filters.scheduler ?? '');
  // Shown again after a while: the countdowns start from now, not from when the tab was left.
  const now = useClock(active, clockMs);
  const rows = useMemo(() => schedulerRows(file, [...byId.values()]), [file, byId]);
  // New columns each second: the NEXT and LAST cells count down (only the rows on screen are drawn).
  const columns = useMemo(
    () =>
      scheduleColumns(
        () => next,
        () => now,
        theme.noColor,
      ),
    [next, now, theme.noColor],
  );
  // Two lines under the table: the cursor row in full (its error with its place, or its next three ticks) at 80.
  const tableHeight = Math.max(2, height - 3);
  const table = useTable({ rows, columns, rowKey: (r) => r.key, filterText, height: tableHeight });
  const copy = useCopy();

  const loading = loadingWhile(!file, rows, 'schedules.yaml');
  useListKeys(
    { scope: 'scheduler', loading },
    (press) => {
      const action = press.action(['scheduler', 'list']);
      const row = table.cursorRow;
      if ((action === 'schedule.toggle' || action === 'schedule.runs') && row && !row.schedule)
        sayInvalid(row, actions);
      else if (action === 'schedule.toggle' && row?.schedule)
        void actions.schedules.setEnabled(row.schedule.name, !row.schedule.enabled);
      else if (action === 'schedule.runNow' && row) askRunNow(row, actions);
      else if (action === 'schedule.runs' && row?.schedule) {
        actions.jobs.setStatusFilter(undefined);
        actions.jobs.setScheduleFilter(row.schedule.name);
        actions.ui.showTab('jobs');
      } else if (action === 'schedule.edit') void editInEditor(deck, actions);
      else if (action === 'schedule.reload') void reloadAndSay(deck, actions);
      else if (action === 'clipboard.copy') copy(row?.name);
      else if (action === 'table.filter') actions.ui.openOverlay('filter');
      else if (!action || !table.act(action)) return false;
      return true;
    },
    active,
  );

  const valid = file?.schedules ?? [];
  const paused = valid.filter((s) => !s.enabled).length;
  const invalid = file?.invalid.length ?? 0;
  // Filtered, what it shows of every row (`1 of 3 schedules` for an invalid one alone, not `0 of 2`).
  const counted =
    table.view.length < rows.length ? [table.view.length, rows.length] : [valid.length, valid.length];
  const where =
    transport !== 'redis'
      ? 'run in-process'
      : workersUp === 0
        ? 'no worker up: ticks wait · BullMQ job schedulers on Redis'
        : 'BullMQ job schedulers on Redis';
  const missing = file && !file.exists ? missingFileText(file.file, withoutFile, width) : undefined;
  const summary = !file
    ? ` ${readingText('schedules.yaml')}`
    : missing
      ? missing.summary
      : withFile(
          ` ${file.readable ? '' : `schedules.yaml cannot be read · ${valid.length ? 'as last read (they run on): ' : ''}`}${shownCount(counted[0], counted[1], 'schedule')}${paused ? ` · ${paused} paused` : ''}${invalid ? ` · ${invalid} with errors` : ''} · ${where}`,
          file.file,
          width,
        );
  const note = scheduleNote(table.cursorRow, next, now, workersUp);
  return (
    <Box flexDirection="column" width={width} height={height}>
      <SummaryTable
        summary={summary}
        summaryColor={theme.muted}
        table={table}
        columns={columns}
        width={width}
        height={tableHeight + 1}
        noColor={theme.noColor}
        loading={loading}
        emptyMessage={missing ? missing.empty : 'No schedules in schedules.yaml (E edits it).'}
      />
      <NoteLines
        note={{ text: note.text, error: note.tone === 'error', warn: note.tone === 'warn' }}
        width={width}
        colors={theme}
      />
    </Box>
  );
}

export const schedulerScreen: Screen = {
  id: 'scheduler',
  title: 'Scheduler',
  short: 'Sched',
  aliases: ['schedules', 'cron', 'sched'],
  actions: [
    ...filterSortActions('scheduler'),
    {
      id: 'schedule.runs',
      keys: ['enter'],
      description: 'Its runs (the Jobs list of this schedule)',
      scope: 'scheduler',
    },
    {
      id: 'schedule.toggle',
      keys: ['e'],
      description: 'Enable / pause (writes schedules.yaml in place)',
      scope: 'scheduler',
    },
    { id: 'schedule.runNow', keys: ['R'], description: 'Run it now (asks first)', scope: 'scheduler' },
    {
      id: 'schedule.edit',
      keys: ['E'],
      description: 'Edit schedules.yaml in $EDITOR (checked on save)',
      scope: 'scheduler',
    },
    { id: 'schedule.reload', keys: ['r'], description: 'Read schedules.yaml again', scope: 'scheduler' },
    copyAction('scheduler', 'Copy the schedule name (OSC 52)'),
  ],
  // No selection: every action here takes one schedule.
  scopes: ['list'],
  hints: [
    { action: 'schedule.runs', label: 'runs' },
    { action: 'schedule.toggle', label: 'on/off' },
    { action: 'schedule.runNow', label: 'run now' },
    { action: 'schedule.edit', label: 'edit' },
  ],
  Component: SchedulerScreen,
};
