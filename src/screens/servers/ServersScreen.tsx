import { Box } from 'ink';
import { useEffect, useMemo } from 'react';
import { fitParts } from '../../components/fitParts';
import { readingText } from '../../components/listReading';
import { NoteLines } from '../../components/NoteLines';
import { SummaryTable } from '../../components/SummaryTable';
import { filteredRows } from '../../components/shownCount';
import { useTable } from '../../components/useTable';
import type { ResourceIndex } from '../../domain/resource';
import { accountText, type CloudInfo } from '../../state/services/cloud';
import type { ServerView } from '../../state/services/servers';
import type { DeckActions, DeckStore } from '../../state/store';
import { useCopy } from '../../ui/clipboard';
import { useActions, useDeck, useDeckContext } from '../../ui/deckContext';
import { copyAction } from '../../ui/keymap';
import { loadingWhile, useListKeys } from '../../ui/listKeys';
import type { Screen, ScreenProps } from '../../ui/screen';
import { useClock } from '../../ui/useClock';
import { type InstanceAction, planInstanceAction } from './instanceActions';
import { serverColumns } from './serverColumns';
import { serverNote } from './serverNote';

/**
 * Asks before a power action on the instances it applies to (start: the stopped ones; stop and reboot: the
 * running ones), naming the account and which chosen rows it leaves out and why; with none left, says why on the
 * message line. Read-only refuses at once, as `d` on Resources and `D` on Deployments do: nothing to ask.
 */
function askInstanceAction(
  action: InstanceAction,
  rows: ServerView[],
  actions: DeckActions,
  cloud: { index: ResourceIndex; info: CloudInfo | undefined; readOnly: boolean },
): void {
  const { instances, leftOut, rule } = planInstanceAction(action, rows, cloud.index);
  if (cloud.readOnly) {
    void actions.cloud.instanceAction(action, instances);
    return;
  }
  if (instances.length === 0) {
    const why = leftOut.length ? leftOut.join('; ') : 'no row to act on';
    actions.ui.notify('warn', `${action}: ${why} (${rule})`);
    return;
  }
  actions.ui.confirm({
    title: `${action[0].toUpperCase()}${action.slice(1)} ${instances.length} instance${instances.length === 1 ? '' : 's'}?`,
    // What is left out first: a long list of instances is cut at the bottom of the dialog.
    lines: [
      `In ${accountText(cloud.info)}:`,
      ...leftOut.map((why) => `${why}: left out`),
      ...instances.map((i) => `${i.name ?? i.id}  ${i.id}  ${i.region}  now ${i.state ?? '?'}`),
    ],
    onYes: () => void actions.cloud.instanceAction(action, instances),
  });
}

/**
 * `r`: servers.yaml read again; its problems are told again (each a message), and a file without any says what it
 * read, so a read that changes nothing on the screen still answers the key.
 */
async function refreshAndSay(actions: DeckActions, store: DeckStore): Promise<void> {
  await actions.servers.refresh(true);
  const { rows, fileErrors } = store.getState().servers;
  if (fileErrors.length > 0) return;
  const hosts = rows.filter((r) => r.source === 'servers.yaml').length;
  actions.ui.notify('info', `read servers.yaml: ${hosts} host${hosts === 1 ? '' : 's'}`);
}

function ServersScreen({ width, height, active }: ScreenProps) {
  const { theme, runInTerminal, store } = useDeckContext();
  const actions = useActions();
  const { rows, reach, loading, fileErrors, badEntries, fileRead } = useDeck((s) => s.servers);
  const index = useDeck((s) => s.cloud.index);
  const info = useDeck((s) => s.cloud.info);
  const readOnly = useDeck((s) => s.workspace.readOnly);
  const demo = info?.kind === 'demo';
  const filterText = useDeck((s) => s.ui.filters.servers ?? '');
  // Redrawn every second while shown, so the ages of the probes count up between rounds.
  const now = useClock(active);
  // New columns after every probe round and every second: the table redraws the reachability cells and ages.
  const columns = useMemo(
    () =>
      serverColumns(
        () => reach,
        () => now,
        width,
      ),
    [reach, now, width],
  );
  // The summary line above the table and the cursor row's note (two lines) below it.
  const tableHeight = Math.max(2, height - 3);
  const table = useTable({ rows, columns, rowKey: (r) => r.key, filterText, height: tableHeight });
  const copy = useCopy();

  // biome-ignore lint/correctness/useExhaustiveDependencies: the rows are rebuilt when the instances change
  useEffect(() => {
    void actions.servers.refresh();
  }, [actions, index, demo]);
  // The list is rebuilt at every change of the resource index (a scan, a job's result): probing restarts only
  // when what it probes changed, so a refresh neither probes again at once nor resets the ages.
  const probed = useMemo(
    () => rows.flatMap((r) => (r.host ? [`${r.key} ${r.host}:${r.port}`] : [])).join('\n'),
    [rows],
  );
  // biome-ignore lint/correctness/useExhaustiveDependencies: probing restarts with the new list of addresses
  useEffect(() => (active ? actions.servers.probe() : undefined), [actions, active, probed]);

  const reading = loadingWhile(loading, rows, 'servers.yaml and the instances');
  useListKeys(
    { scope: 'servers', loading: reading },
    (press) => {
      const action = press.action(['servers', 'table']);
      const row = table.cursorRow;
      const chosen = table.selectedRows.length ? [...table.selectedRows] : row ? [row] : [];
      if (action === 'server.ssh' && row) void actions.servers.ssh(row, runInTerminal);
      else if (action === 'server.start')
        askInstanceAction('start', chosen, actions, { index, info, readOnly });
      else if (action === 'server.stop')
        askInstanceAction('stop', chosen, actions, { index, info, readOnly });
      else if (action === 'server.reboot')
        askInstanceAction('reboot', chosen, actions, { index, info, readOnly });
      else if (action === 'server.refresh') void refreshAndSay(actions, store);
      else if (action === 'clipboard.copy') copy(row ? (row.host ?? row.instanceId) : undefined);
      else if (action === 'table.filter') actions.ui.openOverlay('filter');
      else if (!action || !table.act(action)) return false;
      return true;
    },
    active,
  );

  const hosts = rows.filter((r) => r.source === 'servers.yaml').length;
  const filtered = filteredRows(table.view.length, rows.length);
  // A servers.yaml that could not be read lists none of its hosts: the summary says so rather than "0 hosts". A bad
  // entry costs only itself: the valid hosts are listed, and the summary counts what was left out.
  const problems = fileErrors.length === 1 ? '1 problem' : `${fileErrors.length} problems`;
  const entries = badEntries === 1 ? '1 entry with a problem' : `${badEntries} entries with problems`;
  const listed = `${hosts} host${hosts === 1 ? '' : 's'} from servers.yaml`;
  // No hosts (no servers.yaml, or one listing none) while instances fill the table: the empty table's sentence is
  // not shown, so the line above says where hosts go; the file's shape too when there is room for it.
  const fromFile = (howTo: boolean) =>
    !fileRead
      ? `servers.yaml not read (${problems}: :messages; r reads it again)`
      : badEntries > 0
        ? `${listed} (${entries}: :messages)`
        : hosts === 0
          ? `no hosts: add them to servers.yaml${howTo ? ' (servers: [{ name, host, port, user }])' : ''}`
          : listed;
  const instancesPart = `${rows.length - hosts} EC2 instances${demo ? ' (DEMO: not probed)' : ''}`;
  // Each part whole or left out when narrow (`SSH port pro…` said nothing).
  const summaryOf = (howTo: boolean) =>
    fitParts(
      [
        filtered ?? '',
        fromFile(howTo),
        instancesPart,
        'SSH port probed every 10 s',
        loading ? 'reading…' : '',
      ],
      width - 1,
    );
  const withHowTo = summaryOf(true);
  // Not read yet: `0 hosts`, `no hosts: add them` and `0 EC2 instances` would all be false.
  const summary = ` ${reading !== undefined ? fitParts([readingText(reading)], width - 1) : withHowTo.includes(instancesPart) ? withHowTo : summaryOf(false)}`;
  const note = serverNote(table.cursorRow, table.cursorRow && reach[table.cursorRow.key], now);
  return (
    <Box flexDirection="column" width={width} height={height}>
      <SummaryTable
        summary={summary}
        summaryColor={!fileRead || badEntries > 0 ? theme.error : theme.muted}
        table={table}
        columns={columns}
        width={width}
        height={tableHeight + 1}
        noColor={theme.noColor}
        loading={reading}
        emptyMessage={
          !fileRead
            ? `No servers: servers.yaml has ${problems} (:messages lists them); fix it and press r.`
            : badEntries > 0
              ? `No servers: every entry of servers.yaml has a problem (:messages lists them); fix them and press r.`
              : 'No servers. Add hosts to servers.yaml in the workspace (servers: [{ name, host, port, user }]) or scan AWS (Resources, s).'
        }
      />
      <NoteLines
        note={{ text: note.text, error: note.tone === 'error', warn: note.tone === 'warn' }}
        width={width}
        colors={theme}
      />
    </Box>
  );
}

export const serversScreen: Screen = {
  id: 'servers',
  title: 'Servers',
  short: 'Srv',
  aliases: ['vps', 'ec2hosts', 'ssh'],
  actions: [
    {
      id: 'server.ssh',
      keys: ['s', 'enter'],
      description: 'Open ssh (the console steps aside and comes back)',
      scope: 'servers',
    },
    { id: 'server.start', keys: ['U'], description: 'Start the instance(s) (asks)', scope: 'servers' },
    { id: 'server.stop', keys: ['H'], description: 'Stop the instance(s) (asks)', scope: 'servers' },
    { id: 'server.reboot', keys: ['B'], description: 'Reboot the instance(s) (asks)', scope: 'servers' },
    { id: 'server.refresh', keys: ['r'], description: 'Re-read servers.yaml', scope: 'servers' },
    copyAction('servers', 'Copy the address (an instance without one: its id) (OSC 52)'),
  ],
  scopes: ['table'],
  hints: [
    { action: 'server.ssh', label: 'ssh' },
    { action: 'server.start', label: 'start' },
    { action: 'server.stop', label: 'stop' },
    { action: 'server.reboot', label: 'reboot' },
    { action: 'table.select', label: 'select' },
    { action: 'server.refresh', label: 'reload' },
  ],
  Component: ServersScreen,
};
