import { useEffect, useMemo } from 'react';
import { SummaryTable } from '../../components/SummaryTable';
import { useTable } from '../../components/useTable';
import { formatAge } from '../../domain/text';
import { useActions, useDeck, useDeckContext } from '../../ui/deckContext';
import { useKeys } from '../../ui/keyDispatcher';
import type { Screen, ScreenProps } from '../../ui/screen';
import { RepoDetailsView } from './RepoDetailsView';
import { repoColumns } from './repoColumns';

function ReposScreen({ width, height, active }: ScreenProps) {
  const { config, theme } = useDeckContext();
  const actions = useActions();
  const { rows, loading, refreshedAt, details } = useDeck((s) => s.repos);
  const filterText = useDeck((s) => s.ui.filters.repos ?? '');
  const columns = useMemo(() => repoColumns(Date.now), []);
  const tableHeight = height - 1;
  const table = useTable({ rows, columns, rowKey: (r) => r.entry.path, filterText, height: tableHeight });

  useEffect(() => {
    void actions.repos.refresh();
    if (config.refresh.repos <= 0) return;
    const timer = setInterval(() => void actions.repos.refresh(), config.refresh.repos * 1000);
    return () => clearInterval(timer);
  }, [actions, config.refresh.repos]);

  useKeys(
    'screen',
    (press) => {
      const action = press.action(['repos', 'table']);
      if (action === 'repo.refresh') void actions.repos.refresh();
      else if (action === 'repo.details' && table.cursorRow)
        void actions.repos.openDetails(table.cursorRow.entry);
      else if (action === 'table.filter') actions.ui.openOverlay('filter');
      else if (!action || !table.act(action)) return false;
      return true;
    },
    active && !details,
  );

  if (details) return <RepoDetailsView width={width} height={height} active={active} />;

  const age = refreshedAt ? `refreshed ${formatAge(Date.now() - refreshedAt)} ago` : '';
  const summary = `${rows.length} repositories${loading ? ' · refreshing…' : ''}${age ? ` · ${age}` : ''}`;
  return (
    <SummaryTable
      summary={summary}
      summaryColor={theme.muted}
      table={table}
      columns={columns}
      width={width}
      height={height}
      noColor={theme.noColor}
      emptyMessage={
        loading
          ? 'reading repositories…'
          : 'No repositories. List them in repos.yaml in the workspace (repos: [{ path: ~/src/app }]) or set repos.roots in config.yaml.'
      }
    />
  );
}

export const reposScreen: Screen = {
  id: 'repos',
  title: 'Repositories',
  aliases: ['repo', 'git'],
  actions: [
    { id: 'repo.details', keys: ['enter'], description: 'Status and recent commits', scope: 'repos' },
    { id: 'repo.refresh', keys: ['r'], description: 'Refresh now', scope: 'repos' },
  ],
  scopes: ['table'],
  hints: [
    { action: 'repo.details', label: 'details' },
    { action: 'repo.refresh', label: 'refresh' },
    { action: 'table.filter', label: 'filter' },
    { action: 'table.sortNext', label: 'sort' },
  ],
  Component: ReposScreen,
};
