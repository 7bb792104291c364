import { Box, Text } from 'ink';
import { useMemo } from 'react';
import { DataTable } from '../../components/DataTable';
import { useTable } from '../../components/useTable';
import { type LastCommit, placedRepoError } from '../../domain/repo';
import { fitWidth, stripControl } from '../../domain/text';
import { useCopy } from '../../ui/clipboard';
import { useActions, useDeck, useDeckContext } from '../../ui/deckContext';
import { useKeys } from '../../ui/keyDispatcher';
import { CommitView } from './CommitView';
import { commitColumns } from './commitColumns';

const noCommits: LastCommit[] = [];

/**
 * The details could not be read at all: only `y` (the error) and Esc work there, and the hint line and `?` say
 * so (the `repoError` view).
 */
export function repoDetailsFailed(details: { error?: string; value?: unknown; loading?: boolean }): boolean {
  return details.error !== undefined && details.value === undefined && !details.loading;
}

/**
 * Enter on a repository: its `git status` and its recent commits as a table (`/` filters, `o` sorts, Enter shows
 * the commit, `y` copies its id). Esc clears a kept filter, then goes back to the list (or to the tab that opened
 * it).
 */
export function RepoDetailsView({
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
  const copy = useCopy();
  const details = useDeck((s) => s.repos.details);
  const filterText = useDeck((s) => s.ui.filters.repoDetails ?? '');
  const columns = useMemo(() => commitColumns(Date.now), []);
  const commits = details?.value?.log ?? noCommits;

  // The status gets at most a third of the height; the commits get the rest.
  const status = details?.value?.status ?? [];
  const statusRoom = Math.max(1, Math.floor((height - 4) / 3));
  const statusShown = status.length > statusRoom ? status.slice(0, statusRoom - 1) : status;
  const statusLines = [
    ...statusShown.map((l) => `  ${l}`),
    ...(status.length > statusShown.length ? [`  … and ${status.length - statusShown.length} more`] : []),
  ];
  const top: { text: string; color?: string }[] = [];
  if (details?.loading) top.push({ text: 'reading…' });
  if (details?.error) top.push({ text: `error: ${details.error}`, color: theme.error });
  // Where repos.yaml names it: the line to fix when the path is wrong.
  const listedAt = details?.entry.listedAt;
  if (details?.error && listedAt)
    top.push({ text: `listed at ${listedAt.file}:${listedAt.line}:${listedAt.column} (${listedAt.path})` });
  if (details?.value)
    top.push({ text: 'Status (git status --short --branch):' }, ...statusLines.map((text) => ({ text })));
  const tableHeight = Math.max(2, height - 1 - top.length - 1);
  const table = useTable({ rows: commits, columns, rowKey: (c) => c.hash, filterText, height: tableHeight });
  const commitOpen = details?.commit !== undefined;
  const openedFromTab = useDeck((s) => s.ui.openedFrom?.tab === 'repos');
  const close = () => {
    actions.repos.closeDetails();
    actions.ui.backFrom('repos');
  };
  // A commit opened from another tab (Enter on the Timeline) is all that was shown of the repository: Esc leaves it
  // and the details at once, back to that tab with its cursor where it was.
  const closeCommit = () => (openedFromTab ? close() : actions.repos.closeCommit());

  const failed = details !== undefined && repoDetailsFailed(details);

  useKeys(
    'screen',
    (press) => {
      if (failed) {
        const action = press.action(['repoError']);
        if (action === 'view.back') close();
        else if (action === 'clipboard.copy')
          copy(details?.error === undefined ? undefined : placedRepoError(details.entry, details.error));
        else return false;
        return true;
      }
      const action = press.action(['repoDetails', 'list']);
      const commit = table.cursorRow;
      // Esc clears a kept filter first (as on every list), then goes back to the repositories.
      if (action === 'view.back') {
        if (filterText) actions.ui.setFilter('repoDetails', '');
        else close();
      } else if (action === 'repo.commit' && commit) void actions.repos.openCommit(commit.hash);
      else if (action === 'clipboard.copy') copy(commit?.hash);
      else if (action === 'table.filter') actions.ui.openOverlay('filter');
      else if (!action || !table.act(action)) return false;
      return true;
    },
    active && !commitOpen,
  );

  if (!details) return null;
  if (commitOpen) return <CommitView width={width} height={height} active={active} onBack={closeCommit} />;

  const shown =
    table.view.length === commits.length ? `${commits.length}` : `${table.view.length} of ${commits.length}`;
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text bold color={theme.accent}>
        {fitWidth(` ${details.entry.name}  ${details.entry.path}`, width)}
      </Text>
      {top.map((l, i) => (
        <Text key={i} color={l.color}>
          {fitWidth(` ${stripControl(l.text)}`, width)}
        </Text>
      ))}
      <Text color={theme.muted}>
        {fitWidth(
          details.value
            ? ` Recent commits (${shown})${table.filterError ? ` · ${table.filterError}` : ''}`
            : '',
          width,
        )}
      </Text>
      <DataTable
        table={table}
        columns={columns}
        width={width}
        height={tableHeight}
        noColor={theme.noColor}
        emptyMessage={
          details.loading ? 'reading…' : details.error ? 'no commits: the error is above' : 'no commits yet'
        }
      />
    </Box>
  );
}
