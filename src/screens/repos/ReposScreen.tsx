import { useEffect, useMemo } from 'react';
import { readingText } from '../../components/listReading';
import { SummaryTable } from '../../components/SummaryTable';
import { shownCount } from '../../components/shownCount';
import { useTable } from '../../components/useTable';
import { formatAge } from '../../domain/text';
import { pipelineRowsOf } from '../../state/slices/pipelines';
import { useCopy } from '../../ui/clipboard';
import { useActions, useDeck, useDeckContext } from '../../ui/deckContext';
import { copyAction, filterSortActions } from '../../ui/keymap';
import { loadingWhile, useListKeys } from '../../ui/listKeys';
import type { Screen, ScreenProps, ScreenView } from '../../ui/screen';
import { ciCell } from '../pipelines/pipelineColumns';
import { RepoDetailsView, repoDetailsFailed } from './RepoDetailsView';
import { repoColumns } from './repoColumns';

function ReposScreen({ width, height, active }: ScreenProps) {
  const { config, theme } = useDeckContext();
  const actions = useActions();
  const { rows, loading, refreshedAt, details } = useDeck((s) => s.repos);
  const filterText = useDeck((s) => s.ui.filters.repos ?? '');
  const ciRows = useDeck(pipelineRowsOf);
  const columns = useMemo(
    () =>
      repoColumns(
        Date.now,
        ciRows.some((r) => r.repo !== null && r.runs.length > 0) ? (repo) => ciCell(ciRows, repo) : undefined,
      ),
    [ciRows],
  );
  const tableHeight = height - 1;
  const table = useTable({ rows, columns, rowKey: (r) => r.entry.path, filterText, height: tableHeight });
  const copy = useCopy();

  useEffect(() => {
    void actions.repos.refresh();
    if (config.refresh.repos <= 0) return;
    const timer = setInterval(() => void actions.repos.refresh(), config.refresh.repos * 1000);
    return () => clearInterval(timer);
  }, [actions, config.refresh.repos]);

  // The CI column: remote runs are polled while this tab is shown too.
  useEffect(() => {
    if (active) void actions.pipelines.reloadLocal();
    actions.pipelines.setShown('repos', active);
  }, [actions, active]);
  useEffect(() => () => actions.pipelines.setShown('repos', false), [actions]);

  const reading = loadingWhile(loading, rows, 'repositories');
  useListKeys(
    { scope: 'repos', loading: reading },
    (press) => {
      const action = press.action(['repos', 'list']);
      if (action === 'repo.refresh') void actions.repos.refresh();
      else if (action === 'repo.details' && table.cursorRow)
        void actions.repos.openDetails(table.cursorRow.entry);
      else if (action === 'clipboard.copy') copy(table.cursorRow?.entry.path);
      else if (action === 'table.filter') actions.ui.openOverlay('filter');
      else if (!action || !table.act(action)) return false;
      return true;
    },
    active && !details,
  );

  if (details) return <RepoDetailsView width={width} height={height} active={active} />;

  const age = refreshedAt ? `refreshed ${formatAge(Date.now() - refreshedAt)} ago` : '';
  const summary =
    reading !== undefined
      ? readingText(reading)
      : `${shownCount(table.view.length, rows.length, 'repository', 'repositories')}${loading ? ' · refreshing…' : ''}${age ? ` · ${age}` : ''}`;
  return (
    <SummaryTable
      summary={summary}
      summaryColor={theme.muted}
      table={table}
      columns={columns}
      width={width}
      height={height}
      noColor={theme.noColor}
      loading={reading}
      emptyMessage={
        'No repositories. List them in repos.yaml in the workspace (repos: [{ path: ~/src/app }]) or set repos.roots in config.yaml.'
      }
    />
  );
}

const detailsView: ScreenView = {
  id: 'repoDetails',
  title: 'details',
  scopes: ['list'],
  hints: [
    { action: 'repo.commit', label: 'commit' },
    { action: 'table.filter', label: 'filter' },
    { action: 'table.sortNext', label: 'sort' },
    { action: 'clipboard.copy', label: 'copy id' },
    { action: 'view.back', label: 'back' },
  ],
};
/** The details could not be read (not a git repository, a path gone): no commits to open, filter or sort. */
const errorView: ScreenView = {
  id: 'repoError',
  title: 'error',
  scopes: [],
  hints: [
    { action: 'clipboard.copy', label: 'copy error' },
    { action: 'view.back', label: 'back' },
  ],
};
const commitView: ScreenView = {
  id: 'repoCommit',
  title: 'commit',
  scopes: ['log'],
  hints: [
    { action: 'clipboard.copy', label: 'copy id' },
    { action: 'view.back', label: 'back' },
    { action: 'log.search', label: 'search' },
  ],
};

export const reposScreen: Screen = {
  id: 'repos',
  title: 'Repositories',
  short: 'Repos',
  aliases: ['repo', 'git'],
  actions: [
    { id: 'repo.details', keys: ['enter'], description: 'Status and recent commits', scope: 'repos' },
    { id: 'repo.refresh', keys: ['r'], description: 'Refresh now', scope: 'repos' },
    copyAction('repos', "Copy the repository's path (OSC 52)"),
    ...filterSortActions('repos'),
    { id: 'repo.commit', keys: ['enter'], description: 'The commit: git show --stat', scope: 'repoDetails' },
    {
      id: 'table.filter',
      keys: ['/'],
      description: 'Filter the commits: text, re:regex, glob*, column:value, !not (Esc clears it)',
      scope: 'repoDetails',
    },
    { id: 'table.sortNext', keys: ['o'], description: 'Sort by the next column', scope: 'repoDetails' },
    { id: 'table.sortReverse', keys: ['O'], description: 'Reverse sort', scope: 'repoDetails' },
    copyAction('repoDetails', "Copy the commit's id (OSC 52)"),
    { id: 'view.back', keys: ['esc'], description: 'Back', scope: 'repoDetails' },
    copyAction('repoError', 'Copy the error (OSC 52)'),
    { id: 'view.back', keys: ['esc'], description: 'Back', scope: 'repoError' },
    copyAction('repoCommit', "Copy the commit's id (OSC 52)"),
  ],
  // No selection: no action here takes several repositories.
  scopes: ['list'],
  hints: [
    { action: 'repo.details', label: 'details' },
    { action: 'repo.refresh', label: 'refresh' },
    { action: 'table.filter', label: 'filter' },
    { action: 'table.sortNext', label: 'sort' },
  ],
  Component: ReposScreen,
  view: (s) => {
    const details = s.repos.details;
    if (!details) return undefined;
    if (details.commit) return commitView;
    return repoDetailsFailed(details) ? errorView : detailsView;
  },
};
